#pragma once

#include <rastar/backup/sqlite_backup.hpp>
#include <rastar/db/database_url.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

// PostgreSQL backups: a command the config names (`pg_dump --format=custom
// …`), run before pending migrations and by `db backup`. The connection is
// handed over only in libpq's environment variables, never in argv (D5):
//
//   PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT,
//   PGSSLCERT, PGSSLKEY, PGOPTIONS, PGAPPNAME, … (those the URL sets; the
//   others are removed from the inherited environment)
//   RASTAR_BACKUP_DIR     the backup directory (created beforehand)
//   RASTAR_BACKUP_NAME    a file name for this backup: <database>.<time>.<label>.dump
//   RASTAR_BACKUP_PATH    the two joined: where the command should write
//   RASTAR_BACKUP_LABEL   the first pending migration, or `manual`
//   RASTAR_BACKUP_SCHEMA  the Prisma schema (the URL's `schema`, default public)
//
// Its output goes to the log line by line, with the password masked; a
// non-zero exit stops the migration.

namespace rastar::backup {

// The variables above for `url` and a backup at `path` labelled `label`
// (without the inherited environment).
std::map<std::string, std::string>
backup_command_variables(const db::DatabaseUrl& url, const std::filesystem::path& path, const std::string& label);

// Runs `command` (argv) for a backup of `url` into `request.directory`, then
// rotates the files named like RASTAR_BACKUP_NAME there to `request.keep`.
// Throws Error(migration_failed) when it cannot start or exits non-zero (the
// file at RASTAR_BACKUP_PATH, half-written, is deleted then), Error(128+N)
// when a cancel signal stopped it.
BackupResult
run_backup_command(const db::DatabaseUrl& url, const std::vector<std::string>& command, const BackupRequest& request);

} // namespace rastar::backup
