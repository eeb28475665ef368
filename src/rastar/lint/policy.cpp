#include <rastar/lint/policy.hpp>

#include <rastar/util/error.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace rastar::lint {

std::optional<Policy>
parse_policy(std::string_view text)
{
  if (text == "warn") {
    return Policy::warn;
  }
  if (text == "refuse") {
    return Policy::refuse;
  }
  if (text == "off") {
    return Policy::off;
  }
  return std::nullopt;
}

std::string_view
policy_name(Policy policy)
{
  switch (policy) {
  case Policy::warn:
    return "warn";
  case Policy::refuse:
    return "refuse";
  case Policy::off:
    return "off";
  }
  return "warn";
}

Policy
resolve_policy(const std::string& flag, std::optional<Policy> configured)
{
  auto parse = [](std::string_view text, std::string_view where) {
    const auto policy = parse_policy(text);
    if (!policy) {
      throw config_error(fmt::format("{}: \"{}\" is not a policy; write warn, refuse or off", where, text));
    }
    return *policy;
  };
  if (!flag.empty()) {
    return parse(flag, "--policy");
  }
  if (configured) {
    return *configured;
  }
  if (const char* variable = std::getenv("RASTAR_MIGRATION_POLICY"); variable && *variable) {
    return parse(variable, "RASTAR_MIGRATION_POLICY");
  }
  return Policy::warn;
}

} // namespace rastar::lint
