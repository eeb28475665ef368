#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

// SQLite's online backup (sqlite3_backup_*, through SQLiteCpp) into a backup
// directory: page by page from a live connection, consistent even while the
// apps keep writing, written under a temporary name, checked with
// `PRAGMA quick_check`, synced, then renamed into place, so a file with a
// backup's name is always a whole, checked backup. Older backups of the same
// database are then rotated away.

namespace SQLite {
class Database;
} // namespace SQLite

namespace rastar::backup {

struct BackupRequest
{
  std::filesystem::path directory; // created when missing
  int keep = 5;                    // backups of this database kept, the new one included; 0: all
  std::string label;               // the first pending migration; "" for an on-demand backup (`manual`)
};

struct BackupResult
{
  std::filesystem::path file; // the new backup; empty when the command wrote none
  std::uintmax_t bytes = 0;
  std::vector<std::filesystem::path> removed; // rotated away, oldest first
};

// Backs up the main database of `source`, the open connection to
// `database_path` (it may hold the migration lock: the copy goes through it),
// as `<file name>.<time>.<label>.bak` in `request.directory`. Throws
// Error(migration_failed) naming the database and the directory when any
// step fails; nothing is left under the final name then.
BackupResult
back_up_sqlite(SQLite::Database& source, const std::filesystem::path& database_path, const BackupRequest& request);

// The same from a connection of its own, read-only, for `db backup` while the
// apps run. Throws Error(migration_failed) when `database_path` does not exist.
BackupResult
back_up_sqlite_file(const std::filesystem::path& database_path, const BackupRequest& request);

// The default backup directory: `backups/` beside the database file.
std::filesystem::path
default_sqlite_backup_directory(const std::filesystem::path& database_path);

} // namespace rastar::backup
