#pragma once

#include <pg_query.h>

#include <cstddef>
#include <string>
#include <string_view>

// libpg_query's parse and positions in a PostgreSQL script, shared by the
// engine's statement splitter and the linter.

namespace rastar::migrate {

// libpg_query's parse of a script, freed on every path, exceptions included.
class PgParseResult
{
public:
  explicit PgParseResult(const std::string& script)
    : m_result(pg_query_parse(script.c_str()))
  {
  }
  ~PgParseResult()
  {
    pg_query_free_parse_result(m_result);
  }
  PgParseResult(const PgParseResult&) = delete;
  PgParseResult& operator=(const PgParseResult&) = delete;

  const PgQueryParseResult&
  get() const
  {
    return m_result;
  }

private:
  PgQueryParseResult m_result;
};

// PostgreSQL's scanner's white space.
bool
is_sql_space(char c);

// The first byte at or after `offset` (and before `end`) that is neither white
// space nor a comment (`--` to the end of the line, nested `/* */`). Only used
// between a statement's location and its first token.
std::size_t
skip_whitespace_and_comments(std::string_view script, std::size_t offset, std::size_t end);

// libpg_query reports an error position in characters (UTF-8), counted from 1;
// this is the byte offset it names.
std::size_t
byte_offset_of_character(std::string_view script, int character_position);

} // namespace rastar::migrate
