#pragma once

// Helpers for the end-to-end tests of `rastar-init migrate …` and `db …`:
// migration folders on disk, a clean environment for the binary, and reading
// an SQLite file back the way a test checks it.

#include "test_support.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rastar::test {

using Environment = std::map<std::string, std::optional<std::string>>;

// The environment for rastar-init under test: DATABASE_URL = `database_url`
// (unset when empty), and none of the variables that would pick another
// database, config, lock timeout or log level.
Environment
migrate_environment(const std::string& database_url = "");

// The same, as the plain map `launch` takes (variables to set only).
std::map<std::string, std::string>
launch_environment(const std::string& database_url);

// Writes `directory`/`name`/migration.sql with `sql`.
void
write_migration(const std::filesystem::path& directory, const std::string& name, const std::string& sql);

// Writes Prisma's migration_lock.toml for `provider` into `directory`.
void
write_lock_file(const std::filesystem::path& directory, const std::string& provider);

// Every row of `sql` on the SQLite file `database`, columns joined by '|',
// NULL as "<null>". Opens the file read-only.
std::vector<std::string>
sqlite_rows(const std::filesystem::path& database, const std::string& sql);

// Runs `sql` on the SQLite file `database`, creating it.
void
sqlite_execute(const std::filesystem::path& database, const std::string& sql);

// Whether `text` is a lowercase hyphenated version 4 UUID, as Prisma writes ids.
bool
is_uuid_v4(const std::string& text);

// SHA-256 of `text`, 64 lowercase hex digits.
std::string
sha256(const std::string& text);

// What `migrate deploy` prints when it applies `names` from `directory` (of
// `found` migrations), Prisma's text.
std::string
deploy_output(const std::filesystem::path& directory, std::size_t found, const std::vector<std::string>& names);

// What `migrate deploy` prints when nothing is pending.
std::string
deploy_nothing_output(const std::filesystem::path& directory, std::size_t found);

} // namespace rastar::test
