#include <rastar/migrate/postgres_migration_error.hpp>
#include <rastar/migrate/pg_script_text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace rastar::migrate {

namespace {

struct Line
{
  std::size_t start = 0;
  std::string_view text; // without "\n" or "\r\n", as Rust's str::lines() yields it
};

std::vector<Line>
split_lines(std::string_view script)
{
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < script.size()) {
    auto end = script.find('\n', start);
    const auto next = end == std::string_view::npos ? script.size() : end + 1;
    auto text = script.substr(start, (end == std::string_view::npos ? script.size() : end) - start);
    if (!text.empty() && text.back() == '\r') {
      text.remove_suffix(1);
    }
    lines.push_back({start, text});
    start = next;
  }
  return lines;
}

// Rust's Debug form of a string: quoted, with \" \\ \n \r \t escaped.
std::string
debug_string(std::string_view value)
{
  std::string out = "\"";
  for (char character : value) {
    switch (character) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\0': out += "\\0"; break;
    default:
      if (static_cast<unsigned char>(character) < 0x20 || character == 0x7f) {
        out += fmt::format("\\u{{{:x}}}", static_cast<unsigned char>(character));
      } else {
        out += character;
      }
    }
  }
  return out + "\"";
}

std::string
debug_option(const std::optional<std::string>& value)
{
  return value ? "Some(" + debug_string(*value) + ")" : "None";
}

std::string
debug_severity(const std::string& code)
{
  static const std::pair<const char*, const char*> k_names[] = {
    {"PANIC", "Panic"}, {"FATAL", "Fatal"}, {"ERROR", "Error"}, {"WARNING", "Warning"},
    {"NOTICE", "Notice"}, {"DEBUG", "Debug"}, {"INFO", "Info"}, {"LOG", "Log"},
  };
  for (const auto& [name, variant] : k_names) {
    if (code == name) {
      return fmt::format("Some({})", variant);
    }
  }
  return "None";
}

std::string
debug_position(const PgError& error)
{
  if (error.position) {
    return fmt::format("Some(Original({}))", *error.position);
  }
  if (error.internal_position && error.internal_query) {
    return fmt::format("Some(Internal {{ position: {}, query: {} }})", *error.internal_position,
                       debug_string(*error.internal_query));
  }
  return "None";
}

// tokio-postgres's `{:?}` of a DbError, which Prisma appends to P3018.
std::string
debug_form(const PgError& error)
{
  return fmt::format(
    "DbError {{ severity: {}, parsed_severity: {}, code: SqlState(E{}), message: {}, detail: {}, "
    "hint: {}, position: {}, where_: {}, schema: {}, table: {}, column: {}, datatype: {}, "
    "constraint: {}, file: {}, line: {}, routine: {} }}",
    debug_string(error.severity), debug_severity(error.severity_code), error.sqlstate,
    debug_string(error.message), debug_option(error.detail), debug_option(error.hint),
    debug_position(error), debug_option(error.context), debug_option(error.schema),
    debug_option(error.table), debug_option(error.column), debug_option(error.datatype),
    debug_option(error.constraint), debug_option(error.source_file),
    error.source_line ? fmt::format("Some({})", *error.source_line) : "None",
    debug_option(error.source_function));
}

} // namespace

std::optional<ScriptPosition>
postgres_error_position(const PgError& error, std::string_view script, std::string_view query,
                        std::size_t query_offset)
{
  if (!error.position || *error.position < 1) {
    return std::nullopt;
  }
  ScriptPosition position;
  position.offset = std::min(script.size(), query_offset + byte_offset_of_character(query, *error.position));
  const auto lines = split_lines(script);
  for (std::size_t index = 0; index < lines.size(); ++index) {
    if (index + 1 == lines.size() || position.offset < lines[index + 1].start) {
      position.line = static_cast<int>(index) + 1;
      position.column = static_cast<int>(position.offset - lines[index].start) + 1;
      break;
    }
  }
  return position;
}

std::string
postgres_database_error(const PgError& error, std::string_view script,
                        const std::optional<ScriptPosition>& position)
{
  std::string text = fmt::format("{}: {}", error.severity, error.message);
  if (error.detail) {
    text += "\nDETAIL: " + *error.detail;
  }
  if (error.hint) {
    text += "\nHINT: " + *error.hint;
  }
  const auto lines = split_lines(script);
  if (position && position->line <= static_cast<int>(lines.size())) {
    // As Prisma: up to five lines before the error line, each numbered.
    text += "\n\nPosition:";
    const int first = std::max(1, position->line - 5);
    for (int number = first; number < position->line; ++number) {
      const auto line = lines[static_cast<std::size_t>(number - 1)].text;
      text += fmt::format("\n{:>3}{}{}", number, line.empty() ? "" : " ", line);
    }
    text += fmt::format("\n{:>3} {}", position->line, lines[static_cast<std::size_t>(position->line - 1)].text);
  }
  if (!error.sqlstate.empty()) {
    text += "\n\n" + debug_form(error);
  }
  return text;
}

std::string
postgres_p3018_message(const std::string& migration_name, const std::string& error_code,
                       const std::string& database_error)
{
  return fmt::format(
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. "
    "Read more about how to resolve migration issues in a production database: "
    "https://pris.ly/d/migrate-resolve\n\nMigration name: {}\n\nDatabase error code: {}\n\n"
    "Database error:\n{}\n",
    migration_name, error_code.empty() ? "none" : error_code, database_error);
}

} // namespace rastar::migrate
