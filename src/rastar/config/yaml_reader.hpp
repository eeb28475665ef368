#pragma once

#include <rastar/config/env_expansion.hpp>

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Typed, positioned reading of a YAML document: every value knows its key
// path (`services.bot.restart`) and its place in the file, so each error reads
// `file:line:col: key.path: what is wrong`. Scalars are ${VAR}-expanded as
// they are read; keys never are. Sections of the config are written on top.

namespace rastar::config {

// One file being read: its name in messages, its text (for exact columns),
// the environment for ${VAR}, and the warnings collected so far.
class YamlDocument
{
public:
  YamlDocument(std::string label, std::string text, EnvironmentLookup lookup);

  // `label:line:column`, 1-based (yaml-cpp's marks are 0-based).
  std::string
  position(const YAML::Mark& mark) const;

  // Throws Error(config, "label:line:col: key_path: message"); an empty
  // `key_path` is left out.
  [[noreturn]] void
  fail(const YAML::Mark& mark, std::string_view key_path, const std::string& message) const;

  // Records a warning worded as fail() words an error.
  void
  warn(const YAML::Mark& mark, std::string_view key_path, const std::string& message);

  const std::string&
  text() const
  {
    return m_text;
  }

  const EnvironmentLookup&
  lookup() const
  {
    return m_lookup;
  }

  const std::vector<std::string>&
  warnings() const
  {
    return m_warnings;
  }

private:
  std::string m_label;
  std::string m_text;
  EnvironmentLookup m_lookup;
  std::vector<std::string> m_warnings;
};

class YamlMap;

// `text` with newlines, tabs and other control characters written as \n,
// \t and \xNN, so a message quoting the file stays on one line.
std::string
printable(std::string_view text);

// A value in the document with its key path.
class YamlValue
{
public:
  YamlValue(YamlDocument& document, YAML::Node node, std::string path, YAML::Mark key_mark);

  const std::string&
  path() const
  {
    return m_path;
  }

  // Where the value stands; for an empty value (`key:`), where its key stands.
  YAML::Mark
  mark() const;

  [[noreturn]] void
  fail(const std::string& message) const;

  void
  warn(const std::string& message) const;

  bool
  is_null() const;
  bool
  is_scalar() const;
  bool
  is_sequence() const;
  bool
  is_map() const;

  // Fails with "expected <expected>, found a list" (or a map, a string, nothing).
  [[noreturn]] void
  fail_type(std::string_view expected) const;

  // A scalar, ${VAR}-expanded; numbers and booleans as written.
  std::string
  string() const;

  // A scalar's expansion with the unset variables listed rather than warned
  // about, for callers that treat them as errors later (seeds).
  Expansion
  expansion() const;

  // A scalar exactly as written, never expanded: for settings that name a
  // variable and must not see its value (a seed's bcrypt_env).
  std::string
  raw_string() const;

  // A duration (see parse_duration); with `allow_zero` false, 0 is refused.
  std::chrono::milliseconds
  duration(bool allow_zero) const;

  // A whole number within [minimum, maximum].
  long long
  integer(long long minimum, long long maximum) const;

  // `true` or `false`.
  bool
  boolean() const;

  // The index of the option the value names exactly.
  std::size_t
  choice(const std::vector<std::string>& options) const;

  // The elements of a list (an empty value gives none).
  std::vector<YamlValue>
  sequence() const;

  // The entries of a map with free-form keys (an empty value gives none), in
  // file order. Duplicate keys are errors; `<<: *anchor` merges are applied,
  // keys written in the map itself winning over merged ones.
  std::vector<std::pair<std::string, YamlValue>>
  entries() const;

  // This value as a map whose keys must be among `known_keys`; an unknown key
  // is an error that suggests the closest known one. With `allow_extensions`,
  // keys starting `x-` are skipped (compose's home for anchors to reuse).
  YamlMap
  map(const std::vector<std::string>& known_keys, bool allow_extensions = false) const;

private:
  YamlDocument* m_document;
  YAML::Node m_node;
  std::string m_path;
  YAML::Mark m_key_mark;

  YAML::Mark
  expansion_mark(std::size_t offset) const;

  std::vector<std::pair<std::string, YamlValue>>
  collect_entries(int merge_depth) const;
};

// A map with a fixed set of keys, read one key at a time.
class YamlMap
{
public:
  YamlMap(YamlValue self, std::vector<std::pair<std::string, YamlValue>> entries);

  // The value under `key`, or nullopt when the key is absent.
  std::optional<YamlValue>
  get(std::string_view key) const;

  const YamlValue&
  self() const
  {
    return m_self;
  }

private:
  YamlValue m_self;
  std::vector<std::pair<std::string, YamlValue>> m_entries;
};

} // namespace rastar::config
