#pragma once

#include <rastar/db/database_url.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// The local migration history as Prisma lists it (contract §9): every
// subdirectory is a migration named verbatim after it, hidden ones and ones
// without migration.sql included; plain files are ignored; the order is
// compare_migration_names. A missing directory is an empty history.

namespace rastar::migrate {

struct LocalMigration
{
  std::string name;
  std::filesystem::path directory;
  // The migration.sql bytes; nullopt when the file cannot be read (P3015 is
  // raised only when the migration is about to be applied, as Prisma does).
  std::optional<std::string> script;

  std::filesystem::path
  script_path() const
  {
    return directory / "migration.sql";
  }
};

struct MigrationsDirectory
{
  std::filesystem::path path;
  std::vector<LocalMigration> migrations;
  // migration_lock.toml's provider as Prisma reads it, or nullopt without the file.
  std::optional<std::string> lock_provider;
};

// Lists `path`. Throws Error(config) when `path` exists but is not a readable directory.
MigrationsDirectory
read_migrations_directory(const std::filesystem::path& path);

// Prisma's reading of migration_lock.toml: the first line starting with
// "provider", less "provider = ", trimmed of '"'; "<PROVIDER NOT FOUND>" without one.
std::string
provider_from_lock_file(const std::string& content);

// P3019 when the lock file names another provider than `provider`.
void
check_provider(const MigrationsDirectory& directory, db::Provider provider);

// The checksum Prisma stores: SHA-256 of the raw script, lowercase hex.
std::string
script_checksum(const std::string& script);

// Prisma's comparison: raw, CRLF→LF and LF→CRLF forms all match; a legacy
// checksum (non-empty, not 64 characters) compares with unpadded hex.
bool
checksum_matches(const std::string& stored, const std::string& script);

} // namespace rastar::migrate
