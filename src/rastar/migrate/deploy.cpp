#include <rastar/migrate/deploy.hpp>

#include <rastar/migrate/history.hpp>
#include <rastar/util/error.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace rastar::migrate {

namespace {

using Clock = std::chrono::steady_clock;

long long
elapsed_ms(Clock::time_point since)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

std::vector<MigrationRow>
initialize(MigrationStore& store)
{
  if (auto rows = store.load_rows()) {
    return std::move(*rows);
  }
  const auto tables = store.list_tables();
  if (!tables.empty()) {
    throw migration_error(fmt::format(
      "P3005: The database schema is not empty. Read more about how to baseline an existing production "
      "database: https://pris.ly/d/migrate-baseline\n"
      "{} has tables ({}{}) but no _prisma_migrations table. If its schema already matches your migrations, "
      "mark them as applied with `rastar-init migrate resolve --applied <name>` for each one.",
      store.describe(), tables.front(), tables.size() > 1 ? fmt::format(" and {} more", tables.size() - 1) : ""));
  }
  store.create_migrations_table();
  return {};
}

void
report_drift(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows, DriftPolicy policy)
{
  if (policy == DriftPolicy::off) {
    return;
  }
  std::vector<std::string> problems;
  for (const auto& name : edited_migrations(local, rows)) {
    problems.push_back(fmt::format("migration `{}` was edited after it was applied: {} no longer matches the "
                                   "checksum recorded in _prisma_migrations; restore the file as it was applied "
                                   "and put the change in a new migration",
                                   name, (local.path / name / "migration.sql").string()));
  }
  for (const auto& name : missing_locally(local, rows)) {
    problems.push_back(fmt::format("migration `{}` is recorded as applied but its directory is missing from {}; "
                                   "restore it from version control",
                                   name, local.path.string()));
  }
  for (const auto& problem : problems) {
    spdlog::warn("{}", problem);
  }
  if (policy == DriftPolicy::refuse && !problems.empty()) {
    throw migration_error(fmt::format("the migration history was changed after it was applied ({} problem{}, listed "
                                      "above) and the guard policy is refuse; nothing was applied",
                                      problems.size(), problems.size() == 1 ? "" : "s"));
  }
}

} // namespace

std::string
failed_migrations_message(const std::vector<const MigrationRow*>& failed)
{
  std::string details;
  for (const auto* row : failed) {
    details += fmt::format("The `{}` migration started at {} failed\n", row->migration_name,
                           util::prisma_display_utc(row->started_at));
  }
  return "P3009: migrate found failed migrations in the target database, new migrations will not be applied. "
         "Read more about how to resolve migration issues in a production database: "
         "https://pris.ly/d/migrate-resolve\n" +
         details;
}

DeployResult
deploy(MigrationStore& store, const MigrationsDirectory& local, const DeployOptions& options)
{
  if (options.take_lock) {
    const auto started = Clock::now();
    store.lock(options.lock_timeout);
    spdlog::debug("migration lock taken in {} ms", elapsed_ms(started));
  }

  const auto rows = initialize(store);
  const auto failed = failed_rows(rows);
  if (!failed.empty()) {
    const auto& first = failed.front()->migration_name;
    throw migration_error(fmt::format(
      "{}\nFix the database by hand, then mark the migration with `rastar-init migrate resolve "
      "--rolled-back \"{}\"` (you undid it) or `--applied \"{}\"` (you completed it).",
      failed_migrations_message(failed), first, first));
  }
  report_drift(local, rows, options.drift);

  const auto pending = pending_for_deploy(local, rows);
  if (options.check_pending && !pending.empty()) {
    options.check_pending(pending);
  }
  DeployResult result;
  if (!pending.empty() && options.before_pending) {
    options.before_pending(pending);
  }
  for (const auto* migration : pending) {
    if (!migration->script) {
      throw migration_error(fmt::format("P3015: Could not find the migration file at {}. Please delete the "
                                        "directory or restore the migration file.",
                                        migration->script_path().string()));
    }
    if (options.on_apply) {
      options.on_apply(*migration);
    }
    const auto migration_started = Clock::now();
    try {
      store.apply_migration(*migration, script_checksum(*migration->script));
    } catch (const MigrationFailed& failure) {
      throw migration_error(fmt::format(
        "P3018: {}\nThe migration was recorded as failed. Fix the cause, then run `rastar-init migrate resolve "
        "--rolled-back \"{}\"` and deploy again.",
        failure.what(), migration->name));
    }
    spdlog::info("applied migration `{}` in {} ms", migration->name, elapsed_ms(migration_started));
    result.applied.push_back(migration->name);
  }
  return result;
}

} // namespace rastar::migrate
