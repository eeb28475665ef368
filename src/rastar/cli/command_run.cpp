#include <rastar/cli/command.hpp>
#include <rastar/run/entrypoint.hpp>
#include <rastar/util/exit_without_teardown.hpp>

#include <memory>
#include <string>
#include <vector>

namespace rastar::cli {

void
add_run_command(CLI::App& app, ChosenCommand& chosen)
{
  auto options = std::make_shared<run::RunOptions>();
  auto config_path = std::make_shared<std::string>();
  auto url = std::make_shared<std::string>();
  auto no_migrate = std::make_shared<bool>(false);
  auto no_seed = std::make_shared<bool>(false);
  auto no_backup = std::make_shared<bool>(false);
  auto* run = app.add_subcommand(
    "run", "The entrypoint: wait for the database, apply migrations, seed, then supervise the services as PID 1. "
           "`run -- CMD ARGS...` adds CMD as a critical service; with no config file and no DATABASE_URL it "
           "runs CMD alone as an init would (a tini drop-in: signals go to CMD's process group, its exit code "
           "comes back, SIGKILL after RASTAR_SHUTDOWN_TIMEOUT, default 9 s, once it was asked to stop).");
  run->add_option("--config", *config_path,
                  "Config file (or RASTAR_INIT_CONFIG; default config/rastar-init.yaml when it exists)");
  run->add_option("--url", *url, "Database URL; prefer DATABASE_URL (argv is visible to every user)");
  run->add_flag("--no-migrate", *no_migrate, "Do not apply migrations");
  run->add_flag("--no-seed", *no_seed, "Do not seed");
  run->add_flag("--no-backup", *no_backup, "Do not back the database up before applying pending migrations");
  run->add_flag("--only-migrate", options->only_migrate,
                "Migrate and seed, then exit 0 without starting services (init containers, release commands)");
  add_policy_option(*run, options->policy);
  run->add_option("command", options->command, "A command and its arguments, after `--`");
  run->callback([&chosen, options, config_path, url, no_migrate, no_seed, no_backup] {
    chosen.action = [options, config_path, url, no_migrate, no_seed, no_backup]() -> int {
      auto effective = *options;
      if (!config_path->empty()) {
        effective.config_path = *config_path;
      }
      if (!url->empty()) {
        effective.url = *url;
      }
      effective.migrate = !*no_migrate;
      effective.seed = !*no_seed;
      effective.backup = !*no_backup;
      util::exit_without_teardown(run::run_entrypoint(effective));
    };
  });
}

} // namespace rastar::cli
