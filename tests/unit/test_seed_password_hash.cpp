#include "test_support.hpp"

#include <rastar/seed/password_hash.hpp>
#include <rastar/util/error.hpp>

#include <crypt.h>
#include <doctest/doctest.h>

#include <map>
#include <regex>

using namespace rastar;

namespace {

config::EnvironmentLookup
environment(std::map<std::string, std::string> variables)
{
  return [variables](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    return found == variables.end() ? std::nullopt : std::optional(found->second);
  };
}

} // namespace

TEST_CASE("seed::bcrypt_hash")
{
  const auto hash = seed::bcrypt_hash("correct horse", 4);
  CHECK(std::regex_match(hash, std::regex(R"(\$2b\$04\$[./A-Za-z0-9]{53})")));

  SUBCASE("the system's crypt() verifies it, as a Node bcrypt library would")
  {
    CHECK(std::string(crypt("correct horse", hash.c_str())) == hash);
    CHECK(std::string(crypt("correct horsf", hash.c_str())) != hash);
    CHECK(seed::bcrypt_verify("correct horse", hash));
    CHECK_FALSE(seed::bcrypt_verify("wrong", hash));
  }
  SUBCASE("a fresh salt every time")
  {
    CHECK(seed::bcrypt_hash("correct horse", 4) != hash);
  }
  SUBCASE("the default cost")
  {
    CHECK(seed::bcrypt_hash("x", 12).starts_with("$2b$12$"));
  }
  SUBCASE("a cost outside 4 to 31")
  {
    CHECK_THROWS_WITH_AS(seed::bcrypt_hash("x", 3), "bcrypt cost 3 is outside 4 to 31", Error);
  }
}

TEST_CASE("seed::read_secret")
{
  rastar::test::TestDirectory directory;

  SUBCASE("from the variable")
  {
    const auto secret = seed::read_secret("ADMIN_PASSWORD", environment({{"ADMIN_PASSWORD", "s3cret"}}));
    REQUIRE(secret);
    CHECK(secret->value == "s3cret");
    CHECK(secret->origin == "ADMIN_PASSWORD");
  }
  SUBCASE("from the file _FILE names, without its trailing newline")
  {
    rastar::test::write_file("secret.txt", "s3cret\n");
    const auto path = (directory.path() / "secret.txt").string();
    const auto secret = seed::read_secret("ADMIN_PASSWORD", environment({{"ADMIN_PASSWORD_FILE", path}}));
    REQUIRE(secret);
    CHECK(secret->value == "s3cret");
    CHECK(secret->origin == "ADMIN_PASSWORD_FILE (" + path + ")");
  }
  SUBCASE("neither")
  {
    CHECK_FALSE(seed::read_secret("ADMIN_PASSWORD", environment({{"ADMIN_PASSWORD", ""}})));
  }
  SUBCASE("both")
  {
    CHECK_THROWS_WITH(seed::read_secret("ADMIN_PASSWORD",
                                        environment({{"ADMIN_PASSWORD", "a"}, {"ADMIN_PASSWORD_FILE", "b"}})),
                      "both ADMIN_PASSWORD and ADMIN_PASSWORD_FILE are set; set only one");
  }
  SUBCASE("an empty file")
  {
    rastar::test::write_file("empty.txt", "\n");
    CHECK_THROWS_WITH(seed::read_secret("ADMIN_PASSWORD", environment({{"ADMIN_PASSWORD_FILE", "empty.txt"}})),
                      "ADMIN_PASSWORD_FILE names empty.txt, which is empty");
  }
  SUBCASE("a missing file")
  {
    CHECK_THROWS_WITH(seed::read_secret("ADMIN_PASSWORD", environment({{"ADMIN_PASSWORD_FILE", "nope.txt"}})),
                      doctest::Contains("ADMIN_PASSWORD_FILE names a file that cannot be read: "));
  }
}
