#pragma once

#include <rastar/backup/backup_config.hpp>
#include <rastar/backup/sqlite_backup.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/migrate/migration_store.hpp>

#include <filesystem>
#include <functional>
#include <vector>

// The backup step of `migrate deploy` and `run` (just before the first
// pending migration, under the migration lock) and of `db backup` (on
// demand), for either provider.

namespace rastar::backup {

// Where backups of `url` go: `config.directory`, else `backups/` beside the
// SQLite file, else `backups/` in the working directory (PostgreSQL).
std::filesystem::path
backup_directory(const BackupConfig& config, const db::DatabaseUrl& url);

// The hook for DeployOptions::before_pending: backs `store` (open on `url`,
// holding the lock) up as `config` says, labelled with the first pending
// migration. Empty when there is nothing to do: `config.enabled` is false,
// or PostgreSQL without a command. On SQLite a database that holds nothing
// yet (no table, no applied migration) is not backed up. A failed backup
// throws Error(migration_failed), so nothing is applied.
std::function<void(const std::vector<const migrate::LocalMigration*>&)>
backup_before_migrations(migrate::MigrationStore& store, const db::DatabaseUrl& url, const BackupConfig& config);

// `db backup`: SQLite through a read-only connection of its own (the apps may
// keep running), PostgreSQL through the command. Throws Error(config) for
// PostgreSQL without a command, Error(migration_failed) when the backup fails.
BackupResult
back_up_now(const db::DatabaseUrl& url, const BackupConfig& config);

} // namespace rastar::backup
