#include <rastar/config/env_expansion.hpp>

#include <cstdlib>

namespace rastar::config {

namespace {

bool
is_name_start(char c)
{
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
is_name_char(char c)
{
  return is_name_start(c) || (c >= '0' && c <= '9');
}

class Expander
{
public:
  Expander(const EnvironmentLookup& lookup, Expansion& result)
    : m_lookup(lookup),
      m_result(result)
  {
  }

  // Appends the expansion of `text` (which starts at `base` in the original
  // value, for error offsets) to `out`.
  void
  expand(std::string_view text, std::size_t base, std::string& out)
  {
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$') {
        out += text[i++];
        continue;
      }
      const std::size_t dollar = i;
      if (i + 1 < text.size() && text[i + 1] == '$') {
        out += '$';
        i += 2;
      } else if (i + 1 < text.size() && text[i + 1] == '{') {
        i = expand_braced(text, base, dollar, out);
      } else if (i + 1 < text.size() && is_name_start(text[i + 1])) {
        std::size_t end = i + 1;
        while (end < text.size() && is_name_char(text[end])) {
          ++end;
        }
        out += value_or_empty(std::string(text.substr(i + 1, end - i - 1)));
        i = end;
      } else {
        throw ExpansionError(base + dollar,
                             "\"$\" is not followed by a variable name; write \"$$\" for a literal \"$\"");
      }
    }
  }

private:
  const EnvironmentLookup& m_lookup;
  Expansion& m_result;

  std::string
  value_or_empty(const std::string& name)
  {
    auto value = m_lookup(name);
    if (!value) {
      m_result.unset_variables.push_back(name);
      return "";
    }
    return *value;
  }

  // Expands the ${…} whose "$" is at `dollar`; returns the index after its "}".
  std::size_t
  expand_braced(std::string_view text, std::size_t base, std::size_t dollar, std::string& out)
  {
    // Find the matching "}", stepping over nested ${…} and "$$".
    std::size_t depth = 1;
    std::size_t close = dollar + 2;
    for (; close < text.size(); ++close) {
      if (text[close] == '$' && close + 1 < text.size() && text[close + 1] == '$') {
        ++close;
      } else if (text[close] == '$' && close + 1 < text.size() && text[close + 1] == '{') {
        ++depth;
        ++close;
      } else if (text[close] == '}' && --depth == 0) {
        break;
      }
    }
    if (close >= text.size()) {
      throw ExpansionError(base + dollar, "\"${\" has no closing \"}\"");
    }
    const std::string_view inside = text.substr(dollar + 2, close - dollar - 2);
    const std::string reference(text.substr(dollar, close - dollar + 1));
    std::size_t name_end = 0;
    while (name_end < inside.size() && is_name_char(inside[name_end])) {
      ++name_end;
    }
    const std::string name(inside.substr(0, name_end));
    if (name.empty() || !is_name_start(name[0])) {
      throw ExpansionError(base + dollar,
                           "\"" + reference +
                             "\" has no valid variable name (letters, digits and \"_\", not starting with a digit)");
    }
    const std::string_view rest = inside.substr(name_end);
    if (rest.empty()) {
      out += value_or_empty(name);
      return close + 1;
    }
    const bool colon = rest[0] == ':';
    const std::size_t operator_length = colon ? 2 : 1;
    const char operation = rest.size() >= operator_length ? rest[operator_length - 1] : '\0';
    if (operation != '-' && operation != '?' && operation != '+') {
      throw ExpansionError(base + dollar,
                           "\"" + reference +
                             "\": expected \"}\", \":-\", \"-\", \":?\", \"?\", \":+\" or \"+\" after the variable name");
    }
    const std::string_view argument = rest.substr(operator_length);
    const std::size_t argument_base = base + dollar + 2 + name_end + operator_length;
    const auto value = m_lookup(name);
    // With a colon, an empty value counts as unset (as in the shell and compose).
    const bool set = value && (!colon || !value->empty());
    if (operation == '-') {
      if (set) {
        out += *value;
      } else {
        expand(argument, argument_base, out);
      }
    } else if (operation == '+') {
      if (set) {
        expand(argument, argument_base, out);
      }
    } else if (set) {
      out += *value;
    } else {
      std::string message;
      expand(argument, argument_base, message);
      throw ExpansionError(base + dollar, "required variable " + name + " is missing a value" +
                                            (message.empty() ? "" : ": " + message));
    }
    return close + 1;
  }
};

} // namespace

EnvironmentLookup
process_environment()
{
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

Expansion
expand_variables(std::string_view text, const EnvironmentLookup& lookup)
{
  Expansion result;
  Expander(lookup, result).expand(text, 0, result.text);
  return result;
}

} // namespace rastar::config
