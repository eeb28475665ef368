#include "test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <pwd.h>

using rastar::test::run_rastar;
using rastar::test::TestDirectory;
using rastar::test::write_file;

namespace {

const std::string k_shipped = std::string(RASTAR_SOURCE_DIR) + "/config/rastar-init.yaml";

// The variables the tests set, and none they might inherit.
std::map<std::string, std::optional<std::string>>
environment(std::optional<std::string> config = std::nullopt)
{
  return {{"RASTAR_INIT_CONFIG", std::move(config)}, {"RASTAR_LOG_LEVEL", std::nullopt}};
}

} // namespace

TEST_CASE("rastar-init config check")
{
  TestDirectory directory;

  SUBCASE("the shipped config is valid")
  {
    const auto result = run_rastar({"config", "check", "--config", k_shipped}, environment());
    CHECK(result.exit_code == 0);
    CHECK(result.out.starts_with("# " + k_shipped + " is valid: 3 services. Secrets are shown as ****.\n"));
    CHECK(result.out.find("command: [node, apps/bot/dist/index.js]") != std::string::npos);
    CHECK(result.out.find("migrations: " + directory.path().string() + "/packages/shared/prisma/migrations") !=
          std::string::npos);
    if (getpwnam("node") == nullptr) {
      CHECK(result.err.find("rastar-init: warning: " + k_shipped +
                            ":55:9: services.bot.user: user \"node\" does not exist on this system; the service "
                            "cannot start on this machine\n") != std::string::npos);
      const auto strict = run_rastar({"config", "check", "--strict", "--config", k_shipped}, environment());
      CHECK(strict.exit_code == 78);
      CHECK(strict.out == "");
      CHECK(strict.err.ends_with("rastar-init: error: " + k_shipped +
                                 ":55:9: services.bot.user: user \"node\" does not exist on this system\n"));
    }
  }

  SUBCASE("an invalid config exits 78 and names the place")
  {
    write_file("bad.yaml", "services:\n  bot:\n    command: x\n    restrat: always\n");
    const auto result = run_rastar({"config", "check", "--config", "bad.yaml"}, environment());
    CHECK(result.exit_code == 78);
    CHECK(result.out == "");
    CHECK(result.err ==
          "rastar-init: error: bad.yaml:4:5: services.bot.restrat: unknown key; did you mean \"restart\"?\n");
  }

  SUBCASE("the path comes from RASTAR_INIT_CONFIG, then config/rastar-init.yaml")
  {
    const auto none = run_rastar({"config", "check"}, environment());
    CHECK(none.exit_code == 78);
    CHECK(none.err == "rastar-init: error: no config file: give --config FILE, set RASTAR_INIT_CONFIG, or create "
                      "config/rastar-init.yaml\n");

    write_file("config/rastar-init.yaml", "services:\n  default: {command: x}\n");
    write_file("other.yaml", "services:\n  other: {command: x}\n");
    const auto by_default = run_rastar({"config", "check", "--json"}, environment());
    CHECK(by_default.exit_code == 0);
    CHECK(nlohmann::json::parse(by_default.out)["services"].contains("default"));

    const auto by_variable = run_rastar({"config", "check", "--format", "json"}, environment("other.yaml"));
    CHECK(by_variable.exit_code == 0);
    const auto json = nlohmann::json::parse(by_variable.out);
    CHECK(json["source"] == "other.yaml");
    CHECK(json["services"].contains("other"));
    CHECK(json["warnings"] == nlohmann::json::array());

    const auto missing = run_rastar({"config", "check", "--config", "nope.yaml"}, environment("other.yaml"));
    CHECK(missing.exit_code == 78);
    CHECK(missing.err == "rastar-init: error: nope.yaml: cannot read: No such file or directory\n");
  }

  SUBCASE("secrets are masked and warnings reported")
  {
    write_file("secret.yaml", "database: {url: \"postgresql://app:s3cret@db/app\"}\n"
                              "services:\n  bot:\n    command: x\n    env: {TOKEN: abc, HOST: \"${UNSET_HOST}\"}\n");
    auto env = environment();
    env["UNSET_HOST"] = std::nullopt;
    const auto result = run_rastar({"config", "check", "--config", "secret.yaml"}, env);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("s3cret") == std::string::npos);
    CHECK(result.out.find("abc") == std::string::npos);
    CHECK(result.out.find("url: postgresql://app:****@db/app") != std::string::npos);
    CHECK(result.out.find("TOKEN: \"****\"") != std::string::npos);
    CHECK(result.err == "rastar-init: warning: secret.yaml:5:29: services.bot.env.HOST: variable UNSET_HOST is not "
                        "set; using an empty string\n");

    const auto strict = run_rastar({"config", "check", "--strict", "--config", "secret.yaml"}, env);
    CHECK(strict.exit_code == 78);
    CHECK(strict.err.ends_with("rastar-init: error: secret.yaml: 1 warning, and --strict makes warnings errors\n"));
  }

  SUBCASE("a bad --format is a usage error")
  {
    CHECK(run_rastar({"config", "check", "--format", "xml"}, environment()).exit_code == 64);
  }
}
