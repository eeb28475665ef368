#include <rastar/config/yaml_reader.hpp>

#include <rastar/config/did_you_mean.hpp>
#include <rastar/config/duration.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/util/error.hpp>

#include <fmt/format.h>

#include <charconv>
#include <algorithm>
#include <map>

namespace rastar::config {

namespace {

std::string
join(const std::vector<std::string>& items, std::string_view separator)
{
  std::string result;
  for (const auto& item : items) {
    if (!result.empty()) {
      result += separator;
    }
    result += item;
  }
  return result;
}

} // namespace

std::string
printable(std::string_view text)
{
  // An error is one line: control characters from the file are spelt out.
  std::string result;
  for (const char c : text) {
    if (c == '\n') {
      result += "\\n";
    } else if (c == '\t') {
      result += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      result += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      result += c;
    }
  }
  return result;
}

namespace {

// A scalar as it appears in a message: quoted, one line, cut short when
// long, and with the password of anything URL-like masked.
std::string
quote_value(std::string_view raw)
{
  const std::string text = raw.find("://") != std::string_view::npos || raw.find("password=") != std::string_view::npos
                             ? db::redact_database_url(raw)
                             : std::string(raw);
  constexpr std::size_t k_limit = 60;
  if (text.size() > k_limit) {
    return fmt::format("\"{}…\"", printable(text.substr(0, k_limit)));
  }
  return fmt::format("\"{}\"", printable(text));
}

} // namespace

YamlDocument::YamlDocument(std::string label, std::string text, EnvironmentLookup lookup)
  : m_label(std::move(label)),
    m_text(std::move(text)),
    m_lookup(std::move(lookup))
{
}

std::string
YamlDocument::position(const YAML::Mark& mark) const
{
  if (mark.is_null()) {
    return m_label;
  }
  return fmt::format("{}:{}:{}", m_label, mark.line + 1, mark.column + 1);
}

void
YamlDocument::fail(const YAML::Mark& mark, std::string_view key_path, const std::string& message) const
{
  if (key_path.empty()) {
    throw config_error(fmt::format("{}: {}", position(mark), printable(message)));
  }
  throw config_error(fmt::format("{}: {}: {}", position(mark), printable(key_path), printable(message)));
}

void
YamlDocument::warn(const YAML::Mark& mark, std::string_view key_path, const std::string& message)
{
  m_warnings.push_back(fmt::format("{}: {}: {}", position(mark), printable(key_path), printable(message)));
}

YamlValue::YamlValue(YamlDocument& document, YAML::Node node, std::string path, YAML::Mark key_mark)
  : m_document(&document),
    m_node(std::move(node)),
    m_path(std::move(path)),
    m_key_mark(key_mark)
{
}

YAML::Mark
YamlValue::mark() const
{
  // yaml-cpp places an empty value at the start of the next token, often the
  // next line; its key is where the reader looks.
  if (is_null() && !m_key_mark.is_null()) {
    return m_key_mark;
  }
  return m_node.Mark().is_null() ? m_key_mark : m_node.Mark();
}

void
YamlValue::fail(const std::string& message) const
{
  m_document->fail(mark(), m_path, message);
}

void
YamlValue::warn(const std::string& message) const
{
  m_document->warn(mark(), m_path, message);
}

bool
YamlValue::is_null() const
{
  return !m_node.IsDefined() || m_node.IsNull();
}

bool
YamlValue::is_scalar() const
{
  return m_node.IsScalar();
}

bool
YamlValue::is_sequence() const
{
  return m_node.IsSequence();
}

bool
YamlValue::is_map() const
{
  return m_node.IsMap();
}

void
YamlValue::fail_type(std::string_view expected) const
{
  std::string found = "nothing";
  if (is_scalar()) {
    found = "the string " + quote_value(m_node.Scalar());
  } else if (is_sequence()) {
    found = "a list";
  } else if (is_map()) {
    found = "a map";
  }
  fail(fmt::format("expected {}, found {}", expected, found));
}

YAML::Mark
YamlValue::expansion_mark(std::size_t offset) const
{
  // The column of the offending "$" is exact when the scalar stands in the
  // file as written (plain, or quoted without escapes, on one line).
  YAML::Mark at = m_node.Mark();
  const std::string& raw = m_node.Scalar();
  const std::string& text = m_document->text();
  if (at.is_null() || static_cast<std::size_t>(at.pos) >= text.size()) {
    return mark();
  }
  const auto start = static_cast<std::size_t>(at.pos);
  std::size_t skip = 0;
  if (text[start] == '"' || text[start] == '\'') {
    skip = 1;
  }
  if (raw.find('\n') == std::string::npos && text.compare(start + skip, raw.size(), raw) == 0) {
    at.column += static_cast<int>(skip + offset);
    at.pos += static_cast<int>(skip + offset);
  }
  return at;
}

Expansion
YamlValue::expansion() const
{
  if (!is_scalar()) {
    fail_type("a string");
  }
  try {
    return expand_variables(m_node.Scalar(), m_document->lookup());
  } catch (const ExpansionError& e) {
    m_document->fail(expansion_mark(e.offset()), m_path, e.what());
  }
}

std::string
YamlValue::string() const
{
  Expansion result = expansion();
  for (const auto& name : result.unset_variables) {
    warn(fmt::format("variable {} is not set; using an empty string", name));
  }
  return result.text;
}

std::string
YamlValue::raw_string() const
{
  if (!is_scalar()) {
    fail_type("a string");
  }
  return m_node.Scalar();
}

std::chrono::milliseconds
YamlValue::duration(bool allow_zero) const
{
  const std::string text = string();
  const auto parsed = parse_duration(text);
  if (!parsed) {
    fail(fmt::format("{} is not a duration; write it as 500ms, 10s, 15m, 1h or a number of seconds",
                     quote_value(text)));
  }
  if (!allow_zero && parsed->count() == 0) {
    fail("must be longer than 0s");
  }
  return *parsed;
}

long long
YamlValue::integer(long long minimum, long long maximum) const
{
  const std::string text = string();
  long long number = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') {
    ++begin;
  }
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), number);
  if (text.empty() || error == std::errc::invalid_argument || end != text.data() + text.size()) {
    fail(fmt::format("{} is not a whole number", quote_value(text)));
  }
  if (error == std::errc::result_out_of_range || number < minimum || number > maximum) {
    fail(fmt::format("{} is not between {} and {}", text, minimum, maximum));
  }
  return number;
}

bool
YamlValue::boolean() const
{
  const std::string text = string();
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  fail(fmt::format("{} is not true or false", quote_value(text)));
}

std::size_t
YamlValue::choice(const std::vector<std::string>& options) const
{
  const std::string text = string();
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (text == options[i]) {
      return i;
    }
  }
  fail(fmt::format("{} is not one of {}", quote_value(text), join(options, ", ")));
}

std::vector<YamlValue>
YamlValue::sequence() const
{
  std::vector<YamlValue> items;
  if (is_null()) {
    return items;
  }
  if (!is_sequence()) {
    fail_type("a list");
  }
  std::size_t index = 0;
  for (auto it = m_node.begin(); it != m_node.end(); ++it, ++index) {
    items.emplace_back(*m_document, *it, fmt::format("{}[{}]", m_path, index), mark());
  }
  return items;
}

std::vector<std::pair<std::string, YamlValue>>
YamlValue::entries() const
{
  return collect_entries(0);
}

std::vector<std::pair<std::string, YamlValue>>
YamlValue::collect_entries(int merge_depth) const
{
  // A merge may name a map that merges itself (`&a {<<: *a}`): stop early.
  constexpr int k_merge_depth_limit = 16;
  if (merge_depth > k_merge_depth_limit) {
    fail("merges (<<) nest too deeply; is an anchor merged into itself?");
  }
  std::vector<std::pair<std::string, YamlValue>> result;
  if (is_null()) {
    return result;
  }
  if (!is_map()) {
    fail_type("a map");
  }
  std::vector<YamlValue> merges;
  std::map<std::string, YAML::Mark> seen;
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    // Copies: the iterator's `->` yields a temporary pair, so a reference to
    // `it->first` dangles at the end of the statement.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      YamlValue(*m_document, key, m_path, key.Mark()).fail_type("a name as the key");
    }
    const std::string& name = key.Scalar();
    const std::string path = m_path.empty() ? name : m_path + "." + name;
    if (name == "<<" && key.Tag() == "?") {
      merges.emplace_back(*m_document, value, path, key.Mark());
      continue;
    }
    if (const auto previous = seen.find(name); previous != seen.end()) {
      m_document->fail(key.Mark(), path,
                       fmt::format("duplicate key (first at line {})", previous->second.line + 1));
    }
    seen.emplace(name, key.Mark());
    result.emplace_back(name, YamlValue(*m_document, value, path, key.Mark()));
  }
  // `<<: *defaults` or `<<: [*a, *b]`: earlier sources win, as YAML's merge key says.
  for (const auto& merge : merges) {
    std::vector<YamlValue> sources;
    if (merge.is_sequence()) {
      sources = merge.sequence();
    } else {
      sources.push_back(merge);
    }
    for (const auto& source : sources) {
      if (!source.is_map()) {
        source.fail_type("a map to merge (an alias like *defaults)");
      }
      YamlValue relocated(*m_document, source.m_node, m_path, source.m_key_mark);
      for (auto& [name, value] : relocated.collect_entries(merge_depth + 1)) {
        if (seen.emplace(name, value.mark()).second) {
          result.emplace_back(name, std::move(value));
        }
      }
    }
  }
  return result;
}

YamlMap
YamlValue::map(const std::vector<std::string>& known_keys, bool allow_extensions) const
{
  auto all = entries();
  std::vector<std::pair<std::string, YamlValue>> kept;
  for (auto& [name, value] : all) {
    if (allow_extensions && name.starts_with("x-")) {
      continue;
    }
    if (std::find(known_keys.begin(), known_keys.end(), name) == known_keys.end()) {
      // Point at the key itself, not at its value.
      const YAML::Mark key_mark = value.m_key_mark;
      if (const auto suggestion = did_you_mean(name, known_keys)) {
        m_document->fail(key_mark, value.path(), fmt::format("unknown key; did you mean \"{}\"?", *suggestion));
      }
      m_document->fail(key_mark, value.path(),
                       fmt::format("unknown key; the keys here are {}", join(known_keys, ", ")));
    }
    kept.emplace_back(std::move(name), std::move(value));
  }
  return YamlMap(*this, std::move(kept));
}

YamlMap::YamlMap(YamlValue self, std::vector<std::pair<std::string, YamlValue>> entries)
  : m_self(std::move(self)),
    m_entries(std::move(entries))
{
}

std::optional<YamlValue>
YamlMap::get(std::string_view key) const
{
  for (const auto& [name, value] : m_entries) {
    if (name == key) {
      return value;
    }
  }
  return std::nullopt;
}

} // namespace rastar::config
