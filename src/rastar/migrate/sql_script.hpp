#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// Splitting and classifying a migration script with the database's own
// grammar: libpg_query (PostgreSQL's parser) and sqlite3_complete (SQLite's).
// The engine uses this to decide how a migration can run: inside one
// transaction with its row, as Prisma runs it (own BEGIN/COMMIT), or
// statement by statement outside a transaction (CREATE INDEX CONCURRENTLY, …).

namespace rastar::migrate {

struct Statement
{
  std::string text;        // the statement as written, without its trailing ';'
  std::size_t offset = 0;  // byte offset in the script
  int line = 1;            // 1-based line of its first character (comments before it skipped)
  int column = 1;          // 1-based column, in bytes
  std::string kind;        // parser node name, e.g. "CreateStmt", "IndexStmt", "TransactionStmt";
                           // for SQLite the upper-cased first keyword ("CREATE", "PRAGMA", …)
  bool transaction_control = false; // BEGIN, START, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE, PREPARE TRANSACTION…
  bool non_transactional = false;   // cannot run inside a transaction block
  bool foreign_keys_pragma = false; // SQLite: PRAGMA foreign_keys (a no-op inside a transaction)
};

struct ScriptAnalysis
{
  std::vector<Statement> statements;
  bool has_transaction_control = false;
  bool has_non_transactional = false;
  bool has_foreign_keys_pragma = false;
};

// A script the parser rejects, with the position of the error (line and
// column 0 when the parser names none).
class ScriptParseError : public std::runtime_error
{
public:
  ScriptParseError(const std::string& message, int line, int column)
    : std::runtime_error(message),
      m_line(line),
      m_column(column)
  {
  }

  int
  line() const
  {
    return m_line;
  }

  int
  column() const
  {
    return m_column;
  }

private:
  int m_line;
  int m_column;
};

// Splits and classifies a PostgreSQL script. `server_version_num` (e.g. 150004)
// decides version-dependent cases: ALTER TYPE … ADD VALUE cannot run in a
// transaction before 12. Throws ScriptParseError.
ScriptAnalysis
analyze_postgres_script(std::string_view script, int server_version_num);

// Splits and classifies a SQLite script; an unterminated last statement is
// still returned (SQLite runs it). Never throws for syntax: SQLite itself
// reports errors when the statement runs.
ScriptAnalysis
analyze_sqlite_script(std::string_view script);

} // namespace rastar::migrate
