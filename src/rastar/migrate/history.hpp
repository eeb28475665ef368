#pragma once

#include <rastar/migrate/migration_store.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <optional>
#include <string>
#include <vector>

// Pure policy over the local history and the `_prisma_migrations` rows: what
// deploy applies, and the verdict `migrate status` reports (contract §5, §7).

namespace rastar::migrate {

// The local migrations deploy applies, in directory order: those with no row
// whose rolled_back_at is NULL (a rolled-back row does not count).
std::vector<const LocalMigration*>
pending_for_deploy(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows);

// Rows with finished_at and rolled_back_at both NULL, in started_at order.
std::vector<const MigrationRow*>
failed_rows(const std::vector<MigrationRow>& rows);

// Applied migrations whose local script no longer matches the checksum of the
// first row with their name (Prisma's comparison); names in directory order.
std::vector<std::string>
edited_migrations(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows);

// Names with a finished row but no local directory, in started_at order.
std::vector<std::string>
missing_locally(const MigrationsDirectory& local, const std::vector<MigrationRow>& rows);

enum class Verdict { up_to_date, behind, diverged, not_managed, failed };

struct Diagnosis
{
  Verdict verdict = Verdict::up_to_date;
  std::vector<std::string> pending;  // local migrations deploy would apply
  std::vector<std::string> db_only;  // not rolled back, not local
  std::vector<MigrationRow> failed; // copies: a Diagnosis outlives the rows it was made from
  std::vector<std::string> edited;
  std::optional<std::string> last_common;
};

// `migrate status`'s verdict, checked in Prisma's order (contract §7). `rows`
// is nullopt when the table does not exist. Unlike Prisma 6.19, a migration
// whose rows are all rolled back is pending, as deploy would apply it again.
Diagnosis
diagnose(const MigrationsDirectory& local, const std::optional<std::vector<MigrationRow>>& rows);

} // namespace rastar::migrate
