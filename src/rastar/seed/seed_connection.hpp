#pragma once

#include <rastar/db/database_url.hpp>
#include <rastar/migrate/migration_store.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// What the seeder needs from a database, on the connection that holds the
// migration lock: transactions, the catalog, and parameterised statements.
// One implementation per provider (seed_connection_postgres.cpp,
// seed_connection_sqlite.cpp) over the store's own connection.

namespace rastar::seed {

// A statement parameter. SQLite binds it with its type; PostgreSQL sends it
// as text and lets the target column's type read it.
struct SqlParameter
{
  enum class Kind { null, text, integer, real };
  Kind kind = Kind::null;
  std::string text;
  std::int64_t integer = 0;
  double real = 0;
};

// A failed statement; what() is the database's message. `cancel_signal` is
// the signal that interrupted it, or 0.
class SqlFailure : public std::runtime_error
{
public:
  SqlFailure(const std::string& message, int cancel_signal)
    : std::runtime_error(message),
      m_cancel_signal(cancel_signal)
  {
  }

  int
  cancel_signal() const
  {
    return m_cancel_signal;
  }

private:
  int m_cancel_signal;
};

class SeedConnection
{
public:
  virtual ~SeedConnection() = default;

  virtual db::Provider
  provider() const = 0;

  // Opens a transaction; until it ends, SIGTERM/SIGINT/SIGQUIT interrupt the
  // running statement (D2), which then fails with cancel_signal() set.
  virtual void
  begin() = 0;

  virtual void
  commit() = 0;

  // Rolls back the open transaction, if any; never throws.
  virtual void
  rollback() noexcept = 0;

  // The column names of `table` (in the connection's schema), or nullopt
  // when there is no such table.
  virtual std::optional<std::vector<std::string>>
  columns(const std::string& table) = 0;

  // The column sets of `table`'s primary key and unique indexes (not partial,
  // not on expressions): what ON CONFLICT can name.
  virtual std::vector<std::vector<std::string>>
  unique_keys(const std::string& table) = 0;

  // The placeholder for parameter `index` (1-based): `$1` or `?1`.
  virtual std::string
  placeholder(std::size_t index) const = 0;

  // Runs `sql`; returns the number of rows it returned or changed.
  virtual std::size_t
  execute(const std::string& sql, const std::vector<SqlParameter>& parameters) = 0;

  // Runs a script of several statements, as written.
  virtual void
  run_script(const std::string& script) = 0;

  // Whether `script` controls transactions itself (BEGIN, COMMIT, …), which
  // cannot run inside the seed's transaction; the statement's kind, or "".
  virtual std::string
  transaction_control_in(const std::string& script) const = 0;
};

// A SeedConnection over a PostgreSQL session, which must outlive it.
std::unique_ptr<SeedConnection>
postgres_seed_connection(migrate::PgSession& session);

// A SeedConnection over a SQLite connection, which must outlive it.
std::unique_ptr<SeedConnection>
sqlite_seed_connection(SQLite::Database& database);

// A SeedConnection over `store`'s connection. Throws Error(internal) when the
// store has none (read-only on a missing database).
std::unique_ptr<SeedConnection>
seed_connection(migrate::MigrationStore& store);

} // namespace rastar::seed
