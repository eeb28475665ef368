#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// The `backup:` section of the config file (README, "Backups"):
//
//   backup:
//     enabled: true            # default; false (or --no-backup) skips the step before migrations
//     directory: data/backups  # default: backups/ beside the SQLite file, ./backups for PostgreSQL
//     keep: 5                  # backups of this database kept after each new one; 0 keeps all
//     command: pg_dump --format=custom --file="$$RASTAR_BACKUP_PATH"   # PostgreSQL only
//     shell: true              # as a service's command: a string is split into words unless true
//
// SQLite is backed up through SQLite's online backup API, PostgreSQL only by
// the command, when one is configured.

namespace rastar::backup {

struct BackupConfig
{
  bool enabled = true;
  std::optional<std::filesystem::path> directory; // absolute; nullopt: the provider's default
  int keep = 5;                                   // 0: never delete a backup
  std::vector<std::string> command;               // argv; empty: no command (PostgreSQL is not backed up)
};

} // namespace rastar::backup
