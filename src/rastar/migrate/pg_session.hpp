#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// One libpq connection, as the PostgreSQL migration store and db verify use
// it: simple queries (a whole migration script in one message, as Prisma
// sends it), parameterised queries, and a cancel handle another thread may
// use. It is libpq's C interface, no wrapper: the store needs the error fields
// (SQLSTATE, position, detail, …) of a multi-statement simple query and
// PQcancel from the signal watcher thread. libpq is loaded by the first
// session (db/libpq_library.hpp).

struct pg_conn;
struct pg_result;
struct pg_cancel;

namespace rastar::migrate {

// What the server (or libpq) reported about a failed query.
struct PgError
{
  std::string severity;       // localized, e.g. "ERROR"
  std::string severity_code;  // "ERROR", "FATAL", … (never localized)
  std::string sqlstate;       // empty when libpq failed without a server error
  std::string message;        // the primary message
  std::optional<std::string> detail;
  std::optional<std::string> hint;
  std::optional<int> position; // 1-based character position in the query sent
  std::optional<int> internal_position;
  std::optional<std::string> internal_query;
  std::optional<std::string> context; // the server's "where"
  std::optional<std::string> schema;
  std::optional<std::string> table;
  std::optional<std::string> column;
  std::optional<std::string> datatype;
  std::optional<std::string> constraint;
  std::optional<std::string> source_file;
  std::optional<int> source_line;
  std::optional<std::string> source_function;
  bool connection_lost = false; // the connection is gone (server ended, network lost)
};

// Thrown by PgSession when a query fails.
class PgFailure : public std::runtime_error
{
public:
  explicit PgFailure(PgError error);

  const PgError&
  error() const
  {
    return m_error;
  }

private:
  PgError m_error;
};

// The rows of a successful query, every value as text (NULL as nullopt).
class PgRows
{
public:
  explicit PgRows(pg_result* result);

  int
  size() const;

  std::optional<std::string>
  get(int row, int column) const;

  // get() for a column that is never NULL.
  std::string
  text(int row, int column) const;

private:
  std::shared_ptr<pg_result> m_result;
};

// Cancels the query running on a session; safe to call from any thread, at
// any time, even after the session is gone.
class PgCancelHandle
{
public:
  explicit PgCancelHandle(pg_cancel* cancel);
  ~PgCancelHandle();
  PgCancelHandle(const PgCancelHandle&) = delete;
  PgCancelHandle& operator=(const PgCancelHandle&) = delete;

  void
  cancel() const;

private:
  pg_cancel* m_cancel;
};

class PgSession
{
public:
  using Keywords = std::vector<std::pair<std::string, std::string>>;

  // Connects with libpq keywords. Throws PgFailure with libpq's message
  // (which never contains the password).
  explicit PgSession(const Keywords& keywords);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Sends `sql` as one simple-query message; returns the last statement's rows.
  PgRows
  exec(const std::string& sql);

  // Runs `sql` with text parameters ($1, $2, …; nullopt is NULL).
  PgRows
  exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& parameters);

  // `value` as an SQL string literal, escaped for this connection.
  std::string
  literal(std::string_view value) const;

  // Whether a transaction block is open (in progress or aborted).
  bool
  in_transaction() const;

  // Whether the connection is gone.
  bool
  is_broken() const;

  std::shared_ptr<PgCancelHandle>
  cancel_handle() const
  {
    return m_cancel;
  }

private:
  PgRows
  check(pg_result* result);

  pg_conn* m_connection = nullptr;
  std::shared_ptr<PgCancelHandle> m_cancel;
};

// `name` as a double-quoted SQL identifier.
std::string
quote_identifier(std::string_view name);

} // namespace rastar::migrate
