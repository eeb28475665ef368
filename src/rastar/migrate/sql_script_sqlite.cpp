#include <rastar/migrate/sql_script.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cctype>

// SQLite decides where a statement ends with sqlite3_complete: a ';' ends a
// statement only when the text before it is complete, so a ';' inside a
// string, a quoted identifier, a comment or a CREATE TRIGGER … BEGIN … END
// body does not. Classification needs only the first keyword and, for
// PRAGMA, the pragma's name: a BEGIN inside a trigger body belongs to a
// statement whose first keyword is CREATE.

namespace rastar::migrate {

namespace {

bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool
is_identifier_char(char c)
{
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

// The position of the first character at or after `pos` that is neither
// white space nor part of a `--` or `/* */` comment.
std::size_t
skip_space_and_comments(std::string_view text, std::size_t pos)
{
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
    } else if (text.substr(pos, 2) == "--") {
      const auto end = text.find('\n', pos);
      pos = end == std::string_view::npos ? text.size() : end + 1;
    } else if (text.substr(pos, 2) == "/*") {
      const auto end = text.find("*/", pos + 2);
      pos = end == std::string_view::npos ? text.size() : end + 2;
    } else {
      break;
    }
  }
  return pos;
}

std::string
to_lower(std::string_view text)
{
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return result;
}

std::string
to_upper(std::string_view text)
{
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return result;
}

// Reads an identifier at `pos`, bare or quoted ("x", `x`, [x]), and returns
// its unquoted name; `pos` moves past it. Empty when there is none.
std::string
read_identifier(std::string_view text, std::size_t& pos)
{
  if (pos >= text.size()) {
    return {};
  }
  const char open = text[pos];
  if (open == '"' || open == '`' || open == '[') {
    const char close = open == '[' ? ']' : open;
    std::string name;
    std::size_t i = pos + 1;
    while (i < text.size()) {
      if (text[i] == close) {
        // A doubled quote stands for itself (not inside [ ]).
        if (close != ']' && i + 1 < text.size() && text[i + 1] == close) {
          name += close;
          i += 2;
          continue;
        }
        pos = i + 1;
        return name;
      }
      name += text[i++];
    }
    pos = text.size();
    return name;
  }
  const std::size_t start = pos;
  while (pos < text.size() && is_identifier_char(text[pos])) {
    ++pos;
  }
  return std::string(text.substr(start, pos - start));
}

struct PragmaCall
{
  std::string name; // lower case, schema prefix removed
  bool sets_value = false;
};

// Parses `PRAGMA [schema.]name [= value | (value)]` from just after PRAGMA.
PragmaCall
parse_pragma(std::string_view statement, std::size_t pos)
{
  PragmaCall call;
  pos = skip_space_and_comments(statement, pos);
  std::string name = read_identifier(statement, pos);
  pos = skip_space_and_comments(statement, pos);
  if (pos < statement.size() && statement[pos] == '.') {
    pos = skip_space_and_comments(statement, pos + 1);
    name = read_identifier(statement, pos);
    pos = skip_space_and_comments(statement, pos);
  }
  call.name = to_lower(name);
  call.sets_value = pos < statement.size() && (statement[pos] == '=' || statement[pos] == '(');
  return call;
}

void
classify(Statement& statement)
{
  static constexpr std::array k_transaction_keywords{"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"};
  statement.transaction_control =
    std::find(k_transaction_keywords.begin(), k_transaction_keywords.end(), statement.kind)
    != k_transaction_keywords.end();

  if (statement.kind == "VACUUM") {
    // "cannot VACUUM from within a transaction".
    statement.non_transactional = true;
  } else if (statement.kind == "PRAGMA") {
    const auto pragma = parse_pragma(statement.text, statement.kind.size());
    if (pragma.name == "foreign_keys" && pragma.sets_value) {
      // Setting it inside a transaction is silently ignored. Reading it is harmless.
      statement.foreign_keys_pragma = true;
    } else if ((pragma.name == "journal_mode" || pragma.name == "synchronous") && pragma.sets_value) {
      // Inside a transaction, journal_mode=WAL is silently ignored and
      // synchronous fails ("Safety level may not be changed inside a
      // transaction"): both are meant to take effect, so run them outside.
      statement.non_transactional = true;
    } else if (pragma.name == "wal_checkpoint") {
      // Fails with "database table is locked" inside a transaction.
      statement.non_transactional = true;
    }
    // defer_foreign_keys, foreign_key_check, legacy_alter_table and the
    // other pragmas Prisma generates work inside a transaction.
  }
}

// Adds the statement in script[chunk_start, end) unless it holds only white
// space and comments. `line` and `line_start` track the position of
// `scanned_to` so that line numbers cost one pass over the script.
void
add_statement(std::string_view script,
              std::size_t chunk_start,
              std::size_t end,
              ScriptAnalysis& analysis,
              std::size_t& scanned_to,
              int& line,
              std::size_t& line_start)
{
  const std::size_t first = skip_space_and_comments(script.substr(0, end), chunk_start);
  if (first >= end) {
    return;
  }
  for (; scanned_to < first; ++scanned_to) {
    if (script[scanned_to] == '\n') {
      ++line;
      line_start = scanned_to + 1;
    }
  }

  Statement statement;
  statement.text = std::string(script.substr(first, end - first));
  statement.offset = first;
  statement.line = line;
  statement.column = static_cast<int>(first - line_start) + 1;
  std::size_t keyword_end = 0;
  while (keyword_end < statement.text.size()
         && (std::isalpha(static_cast<unsigned char>(statement.text[keyword_end])) || statement.text[keyword_end] == '_')) {
    ++keyword_end;
  }
  statement.kind = to_upper(std::string_view(statement.text).substr(0, keyword_end));
  classify(statement);

  analysis.has_transaction_control = analysis.has_transaction_control || statement.transaction_control;
  analysis.has_non_transactional = analysis.has_non_transactional || statement.non_transactional;
  analysis.has_foreign_keys_pragma = analysis.has_foreign_keys_pragma || statement.foreign_keys_pragma;
  analysis.statements.push_back(std::move(statement));
}

} // namespace

ScriptAnalysis
analyze_sqlite_script(std::string_view script)
{
  ScriptAnalysis analysis;
  std::size_t chunk_start = 0;
  std::size_t scanned_to = 0;
  int line = 1;
  std::size_t line_start = 0;
  std::string candidate;
  for (std::size_t pos = script.find(';'); pos != std::string_view::npos; pos = script.find(';', pos + 1)) {
    candidate.assign(script.substr(chunk_start, pos + 1 - chunk_start));
    if (sqlite3_complete(candidate.c_str()) == 0) {
      continue; // the ';' is inside a string, comment or trigger body
    }
    add_statement(script, chunk_start, pos, analysis, scanned_to, line, line_start);
    chunk_start = pos + 1;
  }
  // SQLite runs an unterminated last statement too.
  add_statement(script, chunk_start, script.size(), analysis, scanned_to, line, line_start);
  return analysis;
}

} // namespace rastar::migrate
