#include <rastar/backup/migration_backup.hpp>
#include <rastar/cli/command.hpp>
#include <rastar/cli/database_target.hpp>
#include <rastar/cli/output_format.hpp>
#include <rastar/lint/guard.hpp>
#include <rastar/migrate/deploy.hpp>
#include <rastar/migrate/history.hpp>
#include <rastar/migrate/resolve.hpp>
#include <rastar/migrate/status_report.hpp>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace rastar::cli {

namespace {

int
run_deploy(const TargetOptions& options, const std::string& policy_flag, bool no_backup)
{
  const auto target = resolve_target(options);
  const auto policy = lint::resolve_policy(policy_flag, target.guard_policy);
  const auto local = read_checked_migrations(target);
  auto store = open_store(target, {.read_only = false, .create_database = true});
  spdlog::info("deploying to {}", store->describe());

  const auto count = local.migrations.size();
  fmt::print("\n{}\n\n",
             count == 0 ? fmt::format("No migration found in {}", local.path.string())
                        : fmt::format("{} migration{} found in {}", count, count == 1 ? "" : "s",
                                      local.path.string()));
  std::fflush(stdout);
  migrate::DeployOptions deploy_options;
  deploy_options.lock_timeout = target.lock_timeout;
  lint::apply_policy(deploy_options, local, target.url.provider, policy);
  deploy_options.on_apply = [](const migrate::LocalMigration& migration) {
    fmt::print("Applying migration `{}`\n", migration.name);
    std::fflush(stdout);
  };
  auto backup_config = target.backup;
  backup_config.enabled = backup_config.enabled && !no_backup;
  deploy_options.before_pending = backup::backup_before_migrations(*store, target.url, backup_config);
  const auto result = migrate::deploy(*store, local, deploy_options);
  if (result.applied.empty()) {
    fmt::print("No pending migrations to apply.\n");
    return 0;
  }
  fmt::print("\nThe following migration{} been applied:\n\nmigrations/\n",
             result.applied.size() == 1 ? " has" : "s have");
  for (const auto& name : result.applied) {
    fmt::print("  └─ {}/\n    └─ migration.sql\n", name);
  }
  fmt::print("\nAll migrations have been successfully applied.\n");
  return 0;
}

int
run_status(const TargetOptions& options, const OutputFormat& format)
{
  const auto target = resolve_target(options);
  const auto local = read_checked_migrations(target);
  auto store = open_store(target, {.read_only = true, .create_database = false});
  const auto rows = store->exists() ? store->load_rows() : std::nullopt;
  const auto diagnosis = migrate::diagnose(local, rows);
  if (format.json()) {
    auto json = migrate::render_status_json(local, diagnosis);
    json["database"] = store->describe();
    fmt::print("{}\n", json.dump(2));
  } else {
    const auto text = migrate::render_status_text(local, diagnosis);
    fmt::print(stderr, "{}", text.err);
    fmt::print("{}", text.out);
  }
  return migrate::status_exit_code(diagnosis);
}

int
run_resolve(const TargetOptions& options, const std::string& applied, const std::string& rolled_back)
{
  const auto target = resolve_target(options);
  if (!applied.empty()) {
    const auto local = read_checked_migrations(target);
    auto store = open_store(target, {.read_only = false, .create_database = false});
    migrate::resolve_applied(*store, local, applied, target.lock_timeout);
    fmt::print("\nMigration {} marked as applied.\n", applied);
  } else {
    // Prisma checks neither the lock file nor the directory for --rolled-back.
    auto store = open_store(target, {.read_only = false, .create_database = false});
    migrate::resolve_rolled_back(*store, rolled_back, target.lock_timeout);
    fmt::print("\nMigration {} marked as rolled back.\n", rolled_back);
  }
  return 0;
}

} // namespace

void
add_migrate_commands(CLI::App& app, ChosenCommand& chosen)
{
  auto* migrate = app.add_subcommand("migrate", "Apply and inspect Prisma migrations (shares _prisma_migrations "
                                                "with the Prisma CLI)");
  migrate->require_subcommand(1);

  auto deploy_options = std::make_shared<TargetOptions>();
  auto* deploy = migrate->add_subcommand("deploy", "Apply pending migrations, as `prisma migrate deploy` does");
  add_target_options(*deploy, *deploy_options);
  auto deploy_policy = std::make_shared<std::string>();
  add_policy_option(*deploy, *deploy_policy);
  auto no_backup = std::make_shared<bool>(false);
  deploy->add_flag("--no-backup", *no_backup,
                   "Apply pending migrations without the backup taken before them (SQLite: on by default; "
                   "PostgreSQL: when backup.command is set)");
  deploy->callback([&chosen, deploy_options, deploy_policy, no_backup] {
    chosen.action = [deploy_options, deploy_policy, no_backup] {
      return run_deploy(*deploy_options, *deploy_policy, *no_backup);
    };
  });

  auto status_options = std::make_shared<TargetOptions>();
  auto status_format = std::make_shared<OutputFormat>();
  auto* status = migrate->add_subcommand("status", "Compare the migrations directory with the database; exit 0 "
                                                   "when up to date, 1 otherwise. Never writes.");
  add_target_options(*status, *status_options);
  add_output_format(*status, *status_format);
  status->callback([&chosen, status_options, status_format] {
    chosen.action = [status_options, status_format] { return run_status(*status_options, *status_format); };
  });

  auto resolve_options = std::make_shared<TargetOptions>();
  auto applied = std::make_shared<std::string>();
  auto rolled_back = std::make_shared<std::string>();
  auto* resolve = migrate->add_subcommand("resolve", "Mark a failed migration as applied or rolled back");
  add_target_options(*resolve, *resolve_options);
  // The group counts only these two: require_option on the command itself
  // would count --url, --migrations … too and refuse every real invocation.
  auto* action = resolve->add_option_group("action", "Exactly one of");
  action->add_option("--applied", *applied, "Record NAME as applied (also baselines)");
  action->add_option("--rolled-back", *rolled_back, "Mark NAME's failed run as rolled back");
  action->require_option(1);
  resolve->callback([&chosen, resolve_options, applied, rolled_back] {
    chosen.action = [resolve_options, applied, rolled_back] {
      return run_resolve(*resolve_options, *applied, *rolled_back);
    };
  });
}

} // namespace rastar::cli
