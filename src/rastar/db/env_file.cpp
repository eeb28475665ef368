#include <rastar/db/env_file.hpp>

#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>

#include <cctype>
#include <cstdlib>
#include <vector>

namespace rastar::db {

namespace {

struct Entry
{
  std::string key;
  std::string value;
  bool expand = true; // single- and back-quoted values are taken literally
};

bool
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool
is_key_character(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

std::string
trim(std::string_view text)
{
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return std::string(text.substr(begin, end - begin));
}

// The offset just past the end of the line that contains `position`.
std::size_t
next_line(std::string_view text, std::size_t position)
{
  const auto newline = text.find('\n', position);
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

// Whether only white space and an optional `# comment` follow `position` on its line.
bool
rest_of_line_is_empty(std::string_view text, std::size_t position)
{
  while (position < text.size() && text[position] != '\n') {
    if (text[position] == '#') {
      return true;
    }
    if (!is_blank(text[position])) {
      return false;
    }
    ++position;
  }
  return true;
}

// Parses one assignment starting at `position` (at the start of a line);
// returns the entry, or nullopt for a line dotenv would ignore. Moves
// `position` to the line after the assignment (a quoted value may span lines).
std::optional<Entry>
parse_assignment(std::string_view text, std::size_t& position)
{
  const std::size_t line_end = next_line(text, position);
  std::size_t i = position;
  const auto skip_blanks = [&] {
    while (i < text.size() && is_blank(text[i])) {
      ++i;
    }
  };
  skip_blanks();
  if (text.substr(i).starts_with("export") && i + 6 < text.size() && is_blank(text[i + 6])) {
    i += 6;
    skip_blanks();
  }
  const std::size_t key_start = i;
  while (i < text.size() && is_key_character(text[i])) {
    ++i;
  }
  if (i == key_start) {
    position = line_end;
    return std::nullopt;
  }
  Entry entry;
  entry.key = std::string(text.substr(key_start, i - key_start));
  skip_blanks();
  if (i < text.size() && text[i] == '=') {
    ++i;
  } else if (i + 1 < text.size() && text[i] == ':' && is_blank(text[i + 1])) {
    i += 2;
  } else {
    position = line_end;
    return std::nullopt;
  }
  skip_blanks();

  const char quote = i < text.size() ? text[i] : '\0';
  if (quote == '"' || quote == '\'' || quote == '`') {
    // A closing quote not preceded by a backslash; the value may span lines.
    std::size_t close = i + 1;
    while (close < text.size() && (text[close] != quote || text[close - 1] == '\\')) {
      ++close;
    }
    if (close < text.size() && rest_of_line_is_empty(text, close + 1)) {
      std::string value(text.substr(i + 1, close - i - 1));
      if (quote == '"') {
        std::string unescaped;
        for (std::size_t k = 0; k < value.size(); ++k) {
          if (value[k] == '\\' && k + 1 < value.size() && (value[k + 1] == 'n' || value[k + 1] == 'r')) {
            unescaped += value[k + 1] == 'n' ? '\n' : '\r';
            ++k;
          } else {
            unescaped += value[k];
          }
        }
        value = std::move(unescaped);
      }
      entry.value = std::move(value);
      entry.expand = quote == '"';
      position = next_line(text, close + 1);
      return entry;
    }
    // No closing quote on a line of its own: dotenv reads the text as unquoted.
  }
  std::size_t value_end = i;
  while (value_end < text.size() && text[value_end] != '#' && text[value_end] != '\n') {
    ++value_end;
  }
  entry.value = trim(text.substr(i, value_end - i));
  position = line_end;
  return entry;
}

// dotenv-expand: `${NAME}`, `${NAME:-default}` and `$NAME`; `\$` is a dollar sign.
std::string
expand(const std::string& value,
       const EnvironmentLookup& lookup,
       const std::map<std::string, std::string>& file_values)
{
  const auto resolve = [&](const std::string& name) -> std::optional<std::string> {
    if (auto found = lookup(name)) {
      return found;
    }
    const auto in_file = file_values.find(name);
    if (in_file != file_values.end()) {
      return in_file->second;
    }
    return std::nullopt;
  };
  std::string result;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && i + 1 < value.size() && value[i + 1] == '$') {
      result += '$';
      ++i;
    } else if (c == '$' && i + 1 < value.size() && value[i + 1] == '{') {
      const auto close = value.find('}', i + 2);
      if (close == std::string::npos) {
        result += value.substr(i);
        break;
      }
      const auto reference = value.substr(i + 2, close - i - 2);
      const auto default_marker = reference.find(":-");
      const auto name = reference.substr(0, default_marker);
      const auto found = resolve(name);
      if (found && !found->empty()) {
        result += *found;
      } else if (default_marker != std::string::npos) {
        result += reference.substr(default_marker + 2);
      }
      i = close;
    } else if (c == '$' && i + 1 < value.size() &&
               (std::isalpha(static_cast<unsigned char>(value[i + 1])) || value[i + 1] == '_')) {
      std::size_t end = i + 1;
      while (end < value.size() && (std::isalnum(static_cast<unsigned char>(value[end])) || value[end] == '_')) {
        ++end;
      }
      result += resolve(value.substr(i + 1, end - i - 1)).value_or("");
      i = end - 1;
    } else {
      result += c;
    }
  }
  return result;
}

} // namespace

std::optional<std::string>
process_environment(const std::string& name)
{
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

std::map<std::string, std::string>
parse_env_text(std::string_view text, const EnvironmentLookup& lookup)
{
  std::vector<Entry> entries;
  std::size_t position = 0;
  while (position < text.size()) {
    if (auto entry = parse_assignment(text, position)) {
      entries.push_back(std::move(*entry));
    }
  }
  // Expanded in file order: a reference sees the file's values as expanded so far.
  std::map<std::string, std::string> values;
  for (const auto& entry : entries) {
    values[entry.key] = entry.value;
  }
  for (const auto& entry : entries) {
    values[entry.key] = entry.expand ? expand(entry.value, lookup, values) : entry.value;
  }
  return values;
}

std::optional<std::map<std::string, std::string>>
read_env_file(const std::filesystem::path& path, const EnvironmentLookup& lookup)
{
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return std::nullopt;
  }
  // Reading a directory "succeeds" with no content; say what is wrong instead.
  if (std::filesystem::is_directory(path, error)) {
    throw config_error(path.string() + " is a directory; a .env must be a file");
  }
  std::string reason;
  const auto content = util::read_file(path, &reason);
  if (!content) {
    throw config_error(reason);
  }
  return parse_env_text(*content, lookup);
}

} // namespace rastar::db
