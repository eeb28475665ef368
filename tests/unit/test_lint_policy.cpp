// lint::resolve_policy: D4's order for the guard policy.

#include "cli_migrate_test_support.hpp"

#include <rastar/lint/policy.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

using namespace rastar;

namespace {

// Sets RASTAR_MIGRATION_POLICY for one scope.
class PolicyVariable
{
public:
  explicit PolicyVariable(const char* value)
  {
    if (value) {
      setenv("RASTAR_MIGRATION_POLICY", value, 1);
    } else {
      unsetenv("RASTAR_MIGRATION_POLICY");
    }
  }
  ~PolicyVariable()
  {
    unsetenv("RASTAR_MIGRATION_POLICY");
  }
  PolicyVariable(const PolicyVariable&) = delete;
  PolicyVariable& operator=(const PolicyVariable&) = delete;
};

} // namespace

TEST_CASE("lint::resolve_policy")
{
  SUBCASE("warn by default")
  {
    PolicyVariable variable(nullptr);
    CHECK(lint::resolve_policy("", std::nullopt) == lint::Policy::warn);
  }

  SUBCASE("the flag beats the config, which beats the environment")
  {
    PolicyVariable variable("off");
    CHECK(lint::resolve_policy("refuse", lint::Policy::warn) == lint::Policy::refuse);
    CHECK(lint::resolve_policy("", lint::Policy::warn) == lint::Policy::warn);
    CHECK(lint::resolve_policy("", std::nullopt) == lint::Policy::off);
  }

  SUBCASE("a value that is not a policy names where it came from")
  {
    PolicyVariable variable("strict");
    CHECK_THROWS_WITH_AS(lint::resolve_policy("", std::nullopt),
                         "RASTAR_MIGRATION_POLICY: \"strict\" is not a policy; write warn, refuse or off",
                         rastar::Error);
    CHECK_THROWS_WITH_AS(lint::resolve_policy("block", std::nullopt),
                         "--policy: \"block\" is not a policy; write warn, refuse or off", rastar::Error);
  }

  SUBCASE("names round-trip")
  {
    for (const auto policy : {lint::Policy::warn, lint::Policy::refuse, lint::Policy::off}) {
      CHECK(lint::parse_policy(lint::policy_name(policy)) == policy);
    }
    CHECK(!lint::parse_policy("WARN"));
  }
}
