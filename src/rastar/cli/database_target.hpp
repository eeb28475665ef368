#pragma once

#include <rastar/backup/backup_config.hpp>
#include <rastar/config/config.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/lint/policy.hpp>
#include <rastar/migrate/migration_store.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

// What the database commands (wait, migrate …, db …) act on, from the flags,
// a config file named with --config or RASTAR_INIT_CONFIG, and the
// environment, in decision D4's order.

namespace rastar::cli {

struct TargetOptions
{
  std::string url;
  std::string schema;
  std::string migrations;
  std::string config;
  std::string lock_timeout;
};

// Adds --url, --schema, --migrations, --config and --lock-timeout to `command`.
void
add_target_options(CLI::App& command, TargetOptions& options);

struct DatabaseTarget
{
  db::DatabaseUrl url;
  std::string source_url; // as found (password included): handed to the services
  std::filesystem::path migrations;
  std::optional<std::filesystem::path> schema;
  std::chrono::milliseconds lock_timeout{std::chrono::minutes(15)};
  std::optional<lint::Policy> guard_policy; // the config file's guard.policy
  backup::BackupConfig backup; // the config's `backup:`, or its defaults
};

// Resolves the options into a target, reading the config file the options
// (or RASTAR_INIT_CONFIG) name. Throws Error(config) when no URL is found.
DatabaseTarget
resolve_target(const TargetOptions& options);

// The same with the config file already loaded (`run` reads it once).
DatabaseTarget
resolve_target(const TargetOptions& options, const std::optional<config::Config>& file);

// Logs the URL's warnings and, for a relative `file:` path (D7: the working
// directory) that names no file while the same path beside `schema` (where
// the Prisma CLI looks) does, a warning naming both.
void
warn_about_url(std::string_view written, const db::DatabaseUrl& url, const std::optional<std::filesystem::path>& schema);

// Opens the store for the target's provider.
std::unique_ptr<migrate::MigrationStore>
open_store(const DatabaseTarget& target, const migrate::StoreOptions& options);

// Reads the target's migrations directory and checks its provider (P3019).
migrate::MigrationsDirectory
read_checked_migrations(const DatabaseTarget& target);

} // namespace rastar::cli
