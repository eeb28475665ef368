#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// DATABASE_URL as Prisma reads it: `file:` for SQLite, `postgresql://` or
// `postgres://` for PostgreSQL. Prisma's own query parameters, which libpq
// rejects, are translated or dropped here, each on purpose (README, "DATABASE_URL").

namespace rastar::db {

enum class Provider { postgresql, sqlite };

// "postgresql" or "sqlite", as migration_lock.toml spells the provider.
std::string_view
provider_name(Provider provider);

struct DatabaseUrl
{
  Provider provider = Provider::postgresql;

  // SQLite: the database file, absolute.
  std::filesystem::path sqlite_path;

  // PostgreSQL: libpq connection keywords and values (password included),
  // ready for PQconnectStartParams, and the Prisma `schema` (default "public").
  std::vector<std::pair<std::string, std::string>> libpq_keywords;
  std::string schema = "public";
  std::string database;
  std::string host;
  std::string port;
  std::string user;

  // The URL with any password replaced by `****`: safe for logs and errors.
  std::string redacted;

  // What the parser dropped or changed with a consequence the user should
  // know (a parameter neither Prisma nor libpq knows, pgbouncer=true, ...):
  // one sentence each, without the password, for the caller to log.
  std::vector<std::string> warnings;

  // `host:port` as messages name the server (`[::1]:5433`, a socket
  // directory as `/run/postgresql:5432`), or the SQLite file.
  std::string
  address() const;

  // The same connection aimed at another database (for CREATE DATABASE).
  DatabaseUrl
  with_database(const std::string& other_database) const;
};

// Parses `url`. A relative SQLite path resolves against `base_directory`.
// Throws Error(config) with a sentence that names the problem (and never the password).
DatabaseUrl
parse_database_url(std::string_view url, const std::filesystem::path& base_directory);

// `url` with the password (userinfo or `password=` parameter) replaced by `****`.
std::string
redact_database_url(std::string_view url);

} // namespace rastar::db
