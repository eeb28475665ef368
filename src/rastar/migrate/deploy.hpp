#pragma once

#include <rastar/migrate/migration_store.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

// `migrate deploy`: Prisma's sequence (contract §4) on an opened store:
// lock, initialise the table (or P3005), refuse on failed rows (P3009), warn
// about edited and deleted migrations, apply what is pending in order.

namespace rastar::migrate {

enum class DriftPolicy { warn, refuse, off };

struct DeployOptions
{
  std::chrono::milliseconds lock_timeout = std::chrono::minutes(15);
  DriftPolicy drift = DriftPolicy::warn;
  // False when the caller already holds the store's lock (`run` takes it
  // first, so /status can say which phase waits).
  bool take_lock = true;
  // Called just before each pending migration runs.
  std::function<void(const LocalMigration&)> on_apply;
  // Called once, under the lock and after the drift check, with the pending
  // migrations (when there are any) before anything is applied; throws to
  // stop the deploy (the destructive-change guard).
  std::function<void(const std::vector<const LocalMigration*>&)> check_pending;
  // Called once, under the lock and after the history checks (P3009, drift),
  // just before the first pending migration runs; never when nothing is
  // pending. Throwing stops the deploy with nothing applied (the backup).
  std::function<void(const std::vector<const LocalMigration*>& pending)> before_pending;
};

struct DeployResult
{
  std::vector<std::string> applied;
};

// Throws Error(migration_failed) with Prisma's code and wording (P3005,
// P3009, P3015, P3018) or for drift under DriftPolicy::refuse (D1),
// Error(lock_timeout), or Error(128+N) when cancelled.
DeployResult
deploy(MigrationStore& store, const MigrationsDirectory& local, const DeployOptions& options);

// The P3009 message for `failed` rows, as Prisma words it.
std::string
failed_migrations_message(const std::vector<const MigrationRow*>& failed);

} // namespace rastar::migrate
