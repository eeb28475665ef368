#pragma once

#include <rastar/backup/backup_config.hpp>
#include <rastar/config/service_config.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/lint/policy.hpp>
#include <rastar/seed/seed_config.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Everything the config file says, after ${VAR} expansion and validation.
// A setting the file leaves out is nullopt (or its documented default), so a
// command can apply D4's precedence: flag, then file, then environment.
// Relative paths in the file resolve against rastar-init's working directory
// (as DATABASE_URL's `file:` paths do, D7) and are stored absolute.

namespace rastar::config {

// How DateTime values are written to SQLite (D21): the better-sqlite3
// adapter's default ISO 8601 text, or milliseconds since the epoch.
enum class SqliteTimestamps { iso8601, unixepoch_ms };

struct DatabaseSettings
{
  std::optional<std::string> url;           // nullopt (or empty after expansion): from the environment
  std::optional<Milliseconds> wait_timeout; // nullopt: the command's default
  std::optional<Milliseconds> lock_timeout; // 0 waits forever (D12); nullopt: the default, 15 minutes
  SqliteTimestamps sqlite_timestamps = SqliteTimestamps::iso8601;
};

// `migrations:` is one directory, or one per provider (D6).
struct MigrationsSetting
{
  std::optional<std::filesystem::path> directory;
  std::map<db::Provider, std::filesystem::path> by_provider;

  // The directory to use for `provider`, or nullopt when the file names none.
  std::optional<std::filesystem::path>
  for_provider(db::Provider provider) const
  {
    if (directory) {
      return directory;
    }
    const auto found = by_provider.find(provider);
    if (found == by_provider.end()) {
      return std::nullopt;
    }
    return found->second;
  }
};

// `run:`: the database phases of `rastar-init run` the file turns off, as
// --no-migrate and --no-seed do (either one is enough to skip a phase).
// nullopt: the file leaves it out, and the phase runs.
struct RunSettings
{
  std::optional<bool> migrate;
  std::optional<bool> seed;
};

struct Config
{
  std::filesystem::path source; // the file it was read from
  DatabaseSettings database;
  MigrationsSetting migrations;
  std::optional<std::filesystem::path> schema;
  std::vector<seed::SeedSpec> seeds; // in file order
  RunSettings run;
  std::optional<lint::Policy> guard_policy; // guard.policy; nullopt: --policy, env, or warn
  backup::BackupConfig backup;
  SupervisorConfig supervisor;
};

} // namespace rastar::config
