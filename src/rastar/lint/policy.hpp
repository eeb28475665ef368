#pragma once

#include <optional>
#include <string>
#include <string_view>

// The destructive-change policy for pending migrations in `migrate deploy`
// and `run` (config `guard.policy`, flag --policy, env RASTAR_MIGRATION_POLICY).

namespace rastar::lint {

enum class Policy { warn, refuse, off };

// "warn", "refuse" or "off"; nullopt for anything else.
std::optional<Policy>
parse_policy(std::string_view text);

std::string_view
policy_name(Policy policy);

// D4's order: `flag` (empty when not given), then `configured` (the config
// file's guard.policy), then RASTAR_MIGRATION_POLICY, then warn. Throws
// Error(config) for a value that is not a policy, naming where it came from.
Policy
resolve_policy(const std::string& flag, std::optional<Policy> configured);

} // namespace rastar::lint
