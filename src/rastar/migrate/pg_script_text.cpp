#include <rastar/migrate/pg_script_text.hpp>

#include <algorithm>

namespace rastar::migrate {

bool
is_sql_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Skips whitespace and comments (`--` to the end of the line, `/* */` nested, as
// PostgreSQL's scanner does) from `offset`, up to `end`. Only used between a
// statement's location and its first token, where nothing else can occur.
std::size_t
skip_whitespace_and_comments(std::string_view script, std::size_t offset, std::size_t end)
{
  while (offset < end) {
    if (is_sql_space(script[offset])) {
      ++offset;
    } else if (script.substr(offset, 2) == "--") {
      while (offset < end && script[offset] != '\n' && script[offset] != '\r') {
        ++offset;
      }
    } else if (script.substr(offset, 2) == "/*") {
      int depth = 0;
      do {
        if (script.substr(offset, 2) == "/*") {
          ++depth;
          offset += 2;
        } else if (script.substr(offset, 2) == "*/") {
          --depth;
          offset += 2;
        } else {
          ++offset;
        }
      } while (depth > 0 && offset < end);
    } else {
      break;
    }
  }
  return std::min(offset, end);
}

// libpg_query reports an error position in characters (the server's UTF-8
// encoding), counted from 1; this is the byte offset it names.
std::size_t
byte_offset_of_character(std::string_view script, int character_position)
{
  std::size_t offset = 0;
  for (int character = 1; character < character_position && offset < script.size(); ++character) {
    const auto lead = static_cast<unsigned char>(script[offset]);
    std::size_t length = 1;
    if ((lead & 0xe0u) == 0xc0u) {
      length = 2;
    } else if ((lead & 0xf0u) == 0xe0u) {
      length = 3;
    } else if ((lead & 0xf8u) == 0xf0u) {
      length = 4;
    }
    offset += length;
  }
  return std::min(offset, script.size());
}

} // namespace rastar::migrate
