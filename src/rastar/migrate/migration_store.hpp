#pragma once

#include <rastar/migrate/migrations_directory.hpp>
#include <rastar/util/time.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// What the migration engine needs from a database, one implementation per
// provider (migration_store_postgres.cpp, migration_store_sqlite.cpp). The
// policy (what is pending, P3005, P3009, …) lives in the engine; a store only
// reads and writes `_prisma_migrations` and runs scripts, exactly as Prisma
// would on that provider.

namespace SQLite {
class Database;
} // namespace SQLite

namespace rastar::migrate {

class PgSession;

// The connection a store works on; exactly one member is set, or neither for
// a read-only store on a database that does not exist.
struct StoreConnection
{
  PgSession* postgres = nullptr;
  SQLite::Database* sqlite = nullptr;
};

// One row of `_prisma_migrations`.
struct MigrationRow
{
  std::string id;
  std::string checksum;
  std::optional<util::SystemTime> finished_at;
  std::string migration_name;
  std::optional<std::string> logs;
  std::optional<util::SystemTime> rolled_back_at;
  util::SystemTime started_at;
  int applied_steps_count = 0;

  bool
  is_failed() const
  {
    return !finished_at && !rolled_back_at;
  }
};

// How a store is opened.
struct StoreOptions
{
  // Never write, never create a file, directory, database or schema (status,
  // db check, db verify without --apply). SQLite opens the file read-only.
  bool read_only = false;
  // PostgreSQL: create the database when it does not exist (deploy, as Prisma does).
  bool create_database = false;
};

// Thrown by apply_migration after the failure was recorded as Prisma records
// it; what() is Prisma's P3018 message.
class MigrationFailed : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

// PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK set to anything but "" or "0": no
// migration lock is taken, on any provider (PE SC/lib.rs, acquire_lock).
bool
advisory_lock_disabled();

class MigrationStore
{
public:
  virtual ~MigrationStore() = default;

  // "PostgreSQL database \"rastar\", schema \"public\" at \"db:5432\"" or
  // "SQLite database /app/data/rastar.db": for messages, never with a password.
  virtual std::string
  describe() const = 0;

  // "PostgreSQL 15.18 (Debian 15.18-0+deb12u1)" or "SQLite 3.40.1": the
  // server's version, or the library's; empty when not connected.
  virtual std::string
  server_version() const = 0;

  // Whether the database (the PostgreSQL schema, the SQLite file) exists at all.
  virtual bool
  exists() = 0;

  // Takes the migration lock Prisma takes (advisory lock 72707369 / exclusive
  // file lock), unless PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK says not to.
  // Polls with backoff up to `timeout` (zero: forever), logging the holder
  // every 10 s. Throws Error(lock_timeout) when time runs out.
  virtual void
  lock(std::chrono::milliseconds timeout) = 0;

  // Tables that make the database non-empty for P3005: every table but the
  // provider's ignore list (PostGIS / SpatiaLite), `_prisma_migrations` included.
  virtual std::vector<std::string>
  list_tables() = 0;

  // Prisma's CREATE TABLE _prisma_migrations, byte for byte.
  virtual void
  create_migrations_table() = 0;

  // The rows ordered by started_at, or nullopt when the table does not exist.
  virtual std::optional<std::vector<MigrationRow>>
  load_rows() = 0;

  // Runs `migration`'s script and writes its row (contract §4 and §0): in one
  // transaction with the row where the script allows it, else as Prisma does.
  // On an SQL error: the row is left failed with logs (P3018) and
  // MigrationFailed is thrown. A cancel signal rolls back and throws
  // Error(128+N). `checksum` is the script's Prisma checksum.
  virtual void
  apply_migration(const LocalMigration& migration, const std::string& checksum) = 0;

  // `migrate resolve --applied`: in one transaction, sets rolled_back_at = `now` on
  // `ids_to_roll_back` and inserts a finished row (logs '', started_at = finished_at = `now`).
  virtual void
  record_applied(const std::vector<std::string>& ids_to_roll_back,
                 const std::string& name,
                 const std::string& checksum,
                 util::SystemTime now) = 0;

  // `migrate resolve --rolled-back`: sets rolled_back_at = `now` on `ids`.
  virtual void
  mark_rolled_back(const std::vector<std::string>& ids, util::SystemTime now) = 0;

  // The connection that holds the lock, for work that must run under it
  // (seeds). SQLite's exclusive lock admits no second connection, and on
  // PostgreSQL the advisory lock belongs to this session, so such work runs
  // here rather than taking the lock again. Valid while the store lives; use
  // it only between the store's own calls, and leave no transaction open.
  virtual StoreConnection
  connection() = 0;
};

} // namespace rastar::migrate
