#pragma once

#include <string_view>
#include <vector>

// The destructive-change rules of `migrate lint` and the deploy guard: each
// has a stable id (used in allow comments and reports), the reason it can
// break a running deploy, and the safe way to make the same change.

namespace rastar::lint {

struct Rule
{
  std::string_view id;
  std::string_view reason;
  std::string_view alternative;
};

// Every rule, in the order --help and the README list them.
const std::vector<Rule>&
all_rules();

// The rule with `id`, or nullptr when there is none.
const Rule*
find_rule(std::string_view id);

// The pseudo-rule of a statement the database's parser rejects; it cannot be allowed.
inline constexpr std::string_view k_parse_error = "parse-error";

// The pseudo-rule of an allow comment naming an id that is not a rule.
inline constexpr std::string_view k_unknown_rule = "unknown-rule";

} // namespace rastar::lint
