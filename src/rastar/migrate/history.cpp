#include <rastar/migrate/history.hpp>

#include <algorithm>
#include <set>

namespace rastar::migrate {

namespace {

// Names with at least one row that is not rolled back: applied or failed.
std::set<std::string>
live_names(const std::vector<MigrationRow>& rows)
{
  std::set<std::string> names;
  for (const auto& row : rows) {
    if (!row.rolled_back_at) {
      names.insert(row.migration_name);
    }
  }
  return names;
}

std::set<std::string>
local_names(const MigrationsDirectory& local)
{
  std::set<std::string> names;
  for (const auto& migration : local.migrations) {
    names.insert(migration.name);
  }
  return names;
}

} // namespace

std::vector<const LocalMigration*>
pending_for_deploy(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows)
{
  const auto applied = live_names(rows);
  std::vector<const LocalMigration*> pending;
  for (const auto& migration : local.migrations) {
    if (!applied.contains(migration.name)) {
      pending.push_back(&migration);
    }
  }
  return pending;
}

std::vector<const MigrationRow*>
failed_rows(const std::vector<MigrationRow>& rows)
{
  std::vector<const MigrationRow*> failed;
  for (const auto& row : rows) {
    if (row.is_failed()) {
      failed.push_back(&row);
    }
  }
  return failed;
}

std::vector<std::string>
edited_migrations(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows)
{
  std::vector<std::string> edited;
  for (const auto& migration : local.migrations) {
    // Prisma compares against the first row with the name, in started_at order.
    const auto first = std::find_if(rows.begin(), rows.end(), [&](const MigrationRow& row) {
      return row.migration_name == migration.name;
    });
    if (first == rows.end() || !first->finished_at || !migration.script) {
      continue;
    }
    if (!checksum_matches(first->checksum, *migration.script)) {
      edited.push_back(migration.name);
    }
  }
  return edited;
}

std::vector<std::string>
missing_locally(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows)
{
  const auto names = local_names(local);
  std::vector<std::string> missing;
  for (const auto& row : rows) {
    if (row.finished_at && !row.rolled_back_at && !names.contains(row.migration_name) &&
        std::find(missing.begin(), missing.end(), row.migration_name) == missing.end()) {
      missing.push_back(row.migration_name);
    }
  }
  return missing;
}

Diagnosis
diagnose(const MigrationsDirectory& local, const std::optional<std::vector<MigrationRow>>& rows)
{
  Diagnosis result;
  const std::vector<MigrationRow> no_rows;
  const auto& all_rows = rows ? *rows : no_rows;

  for (const auto* migration : pending_for_deploy(local, all_rows)) {
    result.pending.push_back(migration->name);
  }
  const auto names = local_names(local);
  for (const auto& row : all_rows) {
    if (!row.rolled_back_at && !names.contains(row.migration_name) &&
        std::find(result.db_only.begin(), result.db_only.end(), row.migration_name) == result.db_only.end()) {
      result.db_only.push_back(row.migration_name);
    }
  }
  for (const auto* row : failed_rows(all_rows)) {
    result.failed.push_back(*row);
  }
  result.edited = edited_migrations(local, all_rows);

  if (!result.pending.empty()) {
    // The last common migration: the local one just before the first pending one.
    const auto first_pending = std::find_if(local.migrations.begin(), local.migrations.end(), [&](const auto& m) {
      return m.name == result.pending.front();
    });
    if (first_pending != local.migrations.begin()) {
      result.last_common = std::prev(first_pending)->name;
    }
  }

  if (!result.pending.empty() && result.db_only.empty()) {
    result.verdict = Verdict::behind;
  } else if (!result.pending.empty()) {
    result.verdict = Verdict::diverged;
  } else if (!rows && local.migrations.empty()) {
    result.verdict = Verdict::not_managed;
  } else if (!result.failed.empty()) {
    result.verdict = Verdict::failed;
  } else {
    result.verdict = Verdict::up_to_date;
  }
  return result;
}

} // namespace rastar::migrate
