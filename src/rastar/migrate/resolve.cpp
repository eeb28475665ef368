#include <rastar/migrate/resolve.hpp>

#include <rastar/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace rastar::migrate {

void
resolve_applied(MigrationStore& store,
                const MigrationsDirectory& local,
                const std::string& name,
                std::chrono::milliseconds lock_timeout)
{
  const auto migration = std::find_if(local.migrations.begin(), local.migrations.end(), [&](const auto& m) {
    return m.name == name;
  });
  if (migration == local.migrations.end() || !migration->script) {
    throw migration_error(fmt::format(
      "P3017: The migration {} could not be found. Please make sure that the migration exists, and that you "
      "included the whole name of the directory. (example: \"20201207184859_initial_migration\")",
      name));
  }
  store.lock(lock_timeout);
  auto rows = store.load_rows();
  if (!rows) {
    store.create_migrations_table(); // baselining: no emptiness check, as Prisma does
    rows.emplace();
  }
  std::vector<std::string> to_roll_back;
  for (const auto& row : *rows) {
    if (row.migration_name != name) {
      continue;
    }
    if (row.finished_at) {
      throw migration_error(
        fmt::format("P3008: The migration `{}` is already recorded as applied in the database.", name));
    }
    if (!row.rolled_back_at) {
      to_roll_back.push_back(row.id);
    }
  }
  store.record_applied(to_roll_back, name, script_checksum(*migration->script), util::now_utc());
}

void
resolve_rolled_back(MigrationStore& store, const std::string& name, std::chrono::milliseconds lock_timeout)
{
  store.lock(lock_timeout);
  const auto rows = store.load_rows();
  if (!rows) {
    throw migration_error(fmt::format(
      "Invariant violation: called markMigrationRolledBack on a database without migrations table. {} has no "
      "_prisma_migrations table, so migration `{}` was never applied there.",
      store.describe(), name));
  }
  std::vector<std::string> failed_ids;
  bool any = false;
  bool all_finished = true;
  for (const auto& row : *rows) {
    if (row.migration_name == name) {
      any = true;
      all_finished = all_finished && row.finished_at.has_value();
      if (row.is_failed()) {
        failed_ids.push_back(row.id);
      }
    }
  }
  if (!any) {
    throw migration_error(fmt::format(
      "P3011: Migration `{}` cannot be rolled back because it was never applied to the database. Hint: did you "
      "pass in the whole migration name? (example: \"20201207184859_initial_migration\")",
      name));
  }
  if (all_finished) {
    throw migration_error(
      fmt::format("P3012: Migration `{}` cannot be rolled back because it is not in a failed state.", name));
  }
  store.mark_rolled_back(failed_ids, util::now_utc());
}

} // namespace rastar::migrate
