#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// Docker Compose's variable interpolation, applied to the config file's values
// (never to keys, and after YAML parsing, so a value from the environment can
// never change the file's structure):
//   $VAR, ${VAR}          the value; unset gives "" and is reported
//   ${VAR:-default}       default when VAR is unset or empty (${VAR-default}: unset only)
//   ${VAR:?message}       an error when VAR is unset or empty (${VAR?message}: unset only)
//   ${VAR:+replacement}   replacement when VAR is set and not empty (${VAR+…}: when set)
//   $$                    a literal "$"
// Defaults and replacements may themselves hold ${…}.

namespace rastar::config {

// Returns the value of an environment variable, or nullopt when it is unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Looks variables up in this process's environment.
EnvironmentLookup
process_environment();

// A malformed or failed expansion; `offset` is the byte in the text where the
// offending `$` stands.
class ExpansionError : public std::runtime_error
{
public:
  ExpansionError(std::size_t offset, const std::string& message)
    : std::runtime_error(message),
      m_offset(offset)
  {
  }

  std::size_t
  offset() const
  {
    return m_offset;
  }

private:
  std::size_t m_offset;
};

struct Expansion
{
  std::string text;
  // Variables used without a default that were unset, in order of appearance
  // (compose warns about these and substitutes an empty string).
  std::vector<std::string> unset_variables;
};

// Expands every variable reference in `text`. Throws ExpansionError.
Expansion
expand_variables(std::string_view text, const EnvironmentLookup& lookup);

} // namespace rastar::config
