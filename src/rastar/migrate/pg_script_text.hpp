#pragma once

#include <cstddef>
#include <string_view>

// Positions in a PostgreSQL script, shared by the engine's statement splitter
// and the linter: both turn libpg_query's locations into file positions.

namespace rastar::migrate {

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
