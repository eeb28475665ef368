#pragma once

#include <rastar/db/database_url.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

// Lints one migration script at a time, in history order, with the
// database's own parser. A linter remembers what earlier scripts created, so
// "existing" means created before this script (or outside the migrations).

namespace rastar::lint {

struct RawFinding
{
  int line = 1;           // 1-based position of the finding
  int column = 1;         // 1-based, in bytes
  int statement_line = 1; // first line of the statement (its allow comment is on the line before)
  std::string rule;       // a rule id, or k_parse_error
  std::string message;    // what the statement does, e.g. `drops column "email" of table "User"`
};

class ScriptLinter
{
public:
  virtual ~ScriptLinter() = default;

  // Findings of `script`. A script the parser rejects yields a parse-error
  // finding at the error's position, and nothing after that position is linted.
  virtual std::vector<RawFinding> lint_script(std::string_view script) = 0;

  // Statements seen so far, over all scripts.
  virtual std::size_t statements() const = 0;
};

// The linter for `provider`'s SQL: libpg_query for PostgreSQL, SQLite's own
// prepare (on a private in-memory database that replays the history) for SQLite.
std::unique_ptr<ScriptLinter>
make_script_linter(db::Provider provider);

std::unique_ptr<ScriptLinter>
make_postgres_linter();

std::unique_ptr<ScriptLinter>
make_sqlite_linter();

// Line and column (1-based, bytes) of byte `offset` in `text`.
void
line_and_column(std::string_view text, std::size_t offset, int& line, int& column);

} // namespace rastar::lint
