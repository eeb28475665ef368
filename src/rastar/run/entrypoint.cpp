#include <rastar/run/entrypoint.hpp>

#include <rastar/backup/migration_backup.hpp>
#include <rastar/cli/database_target.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/config/duration.hpp>
#include <rastar/db/wait.hpp>
#include <rastar/lint/guard.hpp>
#include <rastar/migrate/deploy.hpp>
#include <rastar/run/execute_again.hpp>
#include <rastar/run/status_board.hpp>
#include <rastar/seed/seeder.hpp>
#include <rastar/supervise/supervisor.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace rastar::run {

namespace {

using Clock = std::chrono::steady_clock;

long long
elapsed_ms(Clock::time_point since)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

bool
environment_has(const char* name)
{
  const char* value = std::getenv(name);
  return value && *value;
}

// D17: the tini drop-in's escalation delay is settable without a config file.
config::Milliseconds
shutdown_timeout_from_environment(config::Milliseconds fallback)
{
  const char* value = std::getenv("RASTAR_SHUTDOWN_TIMEOUT");
  if (!value || !*value) {
    return fallback;
  }
  const auto parsed = config::parse_duration(value);
  if (!parsed) {
    throw config_error(fmt::format("RASTAR_SHUTDOWN_TIMEOUT=\"{}\" is not a duration; give seconds (\"9\", "
                                   "\"2.5s\") or milliseconds (\"500ms\")",
                                   value));
  }
  return *parsed;
}

// A cancel signal that arrived during a phase ends `run` before the services
// start, with 128+N (D1: 143 for SIGTERM, 130 for SIGINT).
void
stop_if_cancelled(const char* phase)
{
  if (const int signal_number = util::SignalWatcher::instance().cancel_signal(); signal_number != 0) {
    throw Error(static_cast<ExitCode>(exit_code_for_signal(signal_number)),
                fmt::format("stopped by signal {} during the {} phase; the services were not started",
                            signal_number, phase));
  }
}

// D7: every service opens the file rastar-init migrated, whatever its cwd.
std::string
url_for_services(const cli::DatabaseTarget& target)
{
  return target.url.provider == db::Provider::sqlite ? "file:" + target.url.sqlite_path.string() : target.source_url;
}

void
pass_database_url(config::SupervisorConfig& supervisor, const std::string& url)
{
  for (auto& [name, service] : supervisor.services) {
    service.env.try_emplace("DATABASE_URL", url);
  }
}

// The database phases: wait, lock, migrate, seed; the lock is released when
// the store goes out of scope at the end.
void
prepare_database(const RunOptions& options, const cli::DatabaseTarget& target,
                 const std::optional<config::Config>& file, StatusBoard& board)
{
  const auto policy = lint::resolve_policy(options.policy, target.guard_policy);
  if (target.url.provider == db::Provider::postgresql) {
    board.set_phase("wait");
    const auto started = Clock::now();
    db::WaitOptions wait_options;
    if (file && file->database.wait_timeout) {
      wait_options.timeout = *file->database.wait_timeout;
    }
    db::wait_for_database(target.url, wait_options);
    spdlog::info("phase wait: {} answered in {} ms", target.url.address(), elapsed_ms(started));
  }
  stop_if_cancelled("wait");
  // Said in the log, so a deployment that skips a phase by mistake shows it.
  const bool migrate_off_in_file = file && file->run.migrate == false;
  const bool seed_off_in_file = file && file->run.seed == false;
  const auto skipped = [](const char* phase, bool by_file, const char* flag, const char* key) {
    spdlog::info("phase {}: skipped ({})", phase, by_file ? key : flag);
  };
  if (!options.migrate) {
    skipped("migrate", migrate_off_in_file, "--no-migrate", "run.migrate: false");
  }
  if (!options.seed) {
    skipped("seed", seed_off_in_file, "--no-seed", "run.seed: false");
  }
  if (!options.migrate && !options.seed) {
    return;
  }

  board.set_phase("lock");
  auto started = Clock::now();
  const auto local = cli::read_checked_migrations(target);
  auto store = cli::open_store(target, {.read_only = false, .create_database = true});
  store->lock(target.lock_timeout);
  spdlog::info("phase lock: migration lock on {} taken in {} ms", store->describe(), elapsed_ms(started));

  if (options.migrate) {
    board.set_phase("migrate");
    started = Clock::now();
    migrate::DeployOptions deploy_options;
    deploy_options.take_lock = false;
    lint::apply_policy(deploy_options, local, target.url.provider, policy);
    auto backup_config = target.backup;
    backup_config.enabled = backup_config.enabled && options.backup;
    deploy_options.before_pending = backup::backup_before_migrations(*store, target.url, backup_config);
    const auto result = migrate::deploy(*store, local, deploy_options);
    spdlog::info("phase migrate: {} of {} migration{} applied in {} ms", result.applied.size(),
                 local.migrations.size(), local.migrations.size() == 1 ? "" : "s", elapsed_ms(started));
  }
  stop_if_cancelled("migrate");

  if (options.seed && file && !file->seeds.empty()) {
    board.set_phase("seed");
    started = Clock::now();
    const auto schema = seed::schema_for_seeds(file->seeds, target.schema, file->source);
    seed::SeedOptions seed_options;
    seed_options.sqlite_timestamps = file->database.sqlite_timestamps;
    seed_options.schema_path = target.schema.value_or(std::filesystem::path());
    const auto result = seed::run_seeds(file->seeds, schema, *store, seed_options);
    const auto inserted = std::count_if(result.seeds.begin(), result.seeds.end(), [](const seed::SeedReport& r) {
      return r.outcome != seed::SeedOutcome::already_there;
    });
    spdlog::info("phase seed: {} of {} seed{} written, {} already there, in {} ms", inserted, result.seeds.size(),
                 result.seeds.size() == 1 ? "" : "s", static_cast<std::ptrdiff_t>(result.seeds.size()) - inserted,
                 elapsed_ms(started));
  }
  stop_if_cancelled("seed");
}

} // namespace

int
run_entrypoint(const RunOptions& options)
{
  const auto prepared_url = take_prepared_url();
  StatusBoard board;
  const auto config_path = config::find_config_path(options.config_path, true);
  std::optional<config::Config> file;
  if (config_path) {
    file = config::load_config_file(*config_path);
  }
  RunOptions phases = options;
  if (file) {
    // A phase runs only when neither the flag nor the file's run: turns it off.
    phases.migrate = options.migrate && file->run.migrate.value_or(true);
    phases.seed = options.seed && file->run.seed.value_or(true);
  }
  const bool has_database = prepared_url || options.url ||
                            (file && file->database.url && !file->database.url->empty()) ||
                            environment_has("DATABASE_URL") || environment_has("DATABASE_URL_FILE");

  config::SupervisorConfig supervisor_config = file ? file->supervisor : config::SupervisorConfig{};
  if (!file) {
    supervisor_config.shutdown_timeout = shutdown_timeout_from_environment(supervisor_config.shutdown_timeout);
  }
  std::optional<std::vector<std::string>> command;
  if (!options.command.empty()) {
    command = options.command;
  }
  if (!file && !has_database) {
    // The tini drop-in: nothing but CMD, no endpoint, no database.
    return supervise::run_supervisor(supervisor_config, command);
  }

  // Answers from the first phase to the end, from the board (D20).
  std::optional<StatusEndpoint> endpoint(std::in_place, supervisor_config.status.listen, board);
  std::optional<std::string> services_url = prepared_url;
  if (!prepared_url) {
    std::optional<cli::DatabaseTarget> target;
    if (has_database) {
      cli::TargetOptions target_options;
      target_options.url = options.url.value_or("");
      target = cli::resolve_target(target_options, file);
      prepare_database(phases, *target, file, board);
      services_url = url_for_services(*target);
    }
    if (options.only_migrate) {
      spdlog::info("--only-migrate: the database is ready; not starting services");
      return 0;
    }
    if (target && target->url.provider == db::Provider::postgresql) {
      endpoint.reset(); // its port is free for the executed image's
      execute_again_without_database(*services_url);
      stop_if_cancelled("seed");
      endpoint.emplace(supervisor_config.status.listen, board);
    }
  }

  board.set_phase("start");
  bool single_command = false;
  auto effective = supervise::with_extra_command(supervisor_config, command, single_command);
  if (services_url) {
    // After CMD joined the services, so it gets the absolute URL too.
    pass_database_url(effective, *services_url);
  }
  supervise::Supervisor supervisor(std::move(effective), single_command);
  supervisor.serve_control(supervisor_config.control.socket);
  if (config_path) {
    // SIGHUP with `sighup: reload`: the same file, given what this start gave it.
    supervisor.set_reload_handler([path = *config_path, services_url, command] {
      bool reloaded_single_command = false;
      auto reloaded =
        supervise::with_extra_command(config::load_config_file(path).supervisor, command, reloaded_single_command);
      if (services_url) {
        pass_database_url(reloaded, *services_url);
      }
      return reloaded;
    });
  }
  board.attach(&supervisor);
  const int code = supervisor.run();
  board.attach(nullptr);
  return code;
}

} // namespace rastar::run
