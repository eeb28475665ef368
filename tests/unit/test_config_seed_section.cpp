#include "test_support.hpp"

#include <rastar/config/config_description.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <map>

using namespace rastar;
using namespace rastar::config;
using seed::SeedSpec;
using seed::SeedValue;

namespace {

LoadOptions
options()
{
  LoadOptions result;
  result.environment = [](const std::string& name) -> std::optional<std::string> {
    static const std::map<std::string, std::string> variables = {{"ADMIN_EMAIL", "root@example.com"},
                                                                 {"ADMIN_PASSWORD", "hunter2"}};
    const auto found = variables.find(name);
    return found == variables.end() ? std::nullopt : std::optional(found->second);
  };
  result.base_directory = "/app";
  return result;
}

Config
parse(const std::string& text)
{
  std::vector<std::string> warnings;
  return parse_config(text, "rastar.yaml", options(), &warnings);
}

#define CHECK_SEED_ERROR(text, message) CHECK_THROWS_WITH_AS(parse(text), message, rastar::Error)

} // namespace

TEST_CASE("config::read_seeds")
{
  SUBCASE("table and sql seeds, in file order")
  {
    const auto config = parse("seeds:\n"
                              "  admin:\n"
                              "    model: AdminUser\n"
                              "    key: email\n"
                              "    values:\n"
                              "      email: ${ADMIN_EMAIL}\n"
                              "      name: ${ADMIN_NAME}\n"
                              "      passwordHash: {bcrypt_env: ADMIN_PASSWORD}\n"
                              "      nickname: ~\n"
                              "  pack:\n"
                              "    table: Pack\n"
                              "    key: [slug, currency]\n"
                              "    values: {slug: starter, currency: XTR, price: 0, isDefault: true}\n"
                              "  extra:\n"
                              "    sql: seeds/extra.sql\n"
                              "    unless: SELECT 1 FROM \"Pack\" WHERE slug = 'vip'\n");
    REQUIRE(config.seeds.size() == 3);
    const SeedSpec& admin = config.seeds[0];
    CHECK(admin.name == "admin");
    CHECK(admin.kind == SeedSpec::Kind::table);
    CHECK(admin.model == "AdminUser");
    CHECK(admin.key == std::vector<std::string>{"email"});
    REQUIRE(admin.values.size() == 4);
    CHECK(admin.values[0].first == "email");
    CHECK(admin.values[0].second.text == "root@example.com");
    CHECK(admin.values[1].second.unset_variables == std::vector<std::string>{"ADMIN_NAME"});
    CHECK(admin.values[2].second.kind == SeedValue::Kind::bcrypt_env);
    CHECK(admin.values[2].second.variable == "ADMIN_PASSWORD");
    CHECK(admin.values[2].second.cost == 12);
    CHECK(admin.values[3].second.kind == SeedValue::Kind::null);

    const SeedSpec& pack = config.seeds[1];
    CHECK(pack.table == "Pack");
    CHECK(pack.model.empty());
    CHECK(pack.key == std::vector<std::string>{"slug", "currency"});
    CHECK(pack.values[3].second.text == "true");

    const SeedSpec& extra = config.seeds[2];
    CHECK(extra.kind == SeedSpec::Kind::sql);
    CHECK(extra.script == "/app/seeds/extra.sql");
    CHECK(extra.unless == "SELECT 1 FROM \"Pack\" WHERE slug = 'vip'");
  }

  SUBCASE("config check shows the variable a bcrypt value reads, never a password")
  {
    const auto config = parse("seeds:\n  admin:\n    model: AdminUser\n    key: email\n    values:\n"
                              "      email: a@b.c\n      passwordHash: {bcrypt_env: ADMIN_PASSWORD, cost: 10}\n"
                              "      apiToken: hunter2\n");
    const auto text = to_yaml(describe_config(config));
    CHECK(text.find("hunter2") == std::string::npos);
    CHECK(describe_config(config)["seeds"]["admin"].dump()
          == "{\"model\":\"AdminUser\",\"key\":[\"email\"],\"values\":{\"email\":\"a@b.c\",\"passwordHash\":"
             "{\"bcrypt_env\":\"ADMIN_PASSWORD\",\"cost\":10},\"apiToken\":\"****\"}}");
  }

  SUBCASE("mistakes, each with its position and key")
  {
    CHECK_SEED_ERROR("seeds:\n  admin:\n    modle: AdminUser\n",
                     "rastar.yaml:3:5: seeds.admin.modle: unknown key; did you mean \"model\"?");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    key: email\n    values: {email: a}\n",
                     "rastar.yaml:3:5: seeds.admin: names no model; write model: ModelName (or table: table_name), "
                     "or sql: FILE with unless: QUERY");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    table: a\n    key: email\n",
                     "rastar.yaml:4:12: seeds.admin.table: give model: or table:, not both");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    values: {email: a}\n",
                     "rastar.yaml:3:5: seeds.admin: has no key; list the fields that say the row is already there, "
                     "e.g. key: [email]");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: []\n    values: {email: a}\n",
                     "rastar.yaml:4:10: seeds.admin.key: names no field; list the fields that say the row is already "
                     "there, e.g. key: [email]");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values: {name: a}\n",
                     "rastar.yaml:4:10: seeds.admin.key: key field \"email\" has no value; give it under values:");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values: {email: {bcrypt_env: X}}\n",
                     "rastar.yaml:4:10: seeds.admin.key: key field \"email\" is a bcrypt hash, which is salted and "
                     "never the same twice; key the seed on another field");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values:\n      email: a\n"
                     "      passwordHash: {bcrypt_env: \"${ADMIN_PASSWORD}\"}\n",
                     "rastar.yaml:7:34: seeds.admin.values.passwordHash.bcrypt_env: \"${ADMIN_PASSWORD}\" is not a "
                     "variable name; name the variable that holds the password (bcrypt_env: ADMIN_PASSWORD), not its "
                     "value, so the password never passes through the config");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values:\n      email: a\n"
                     "      passwordHash: {bcrypt: ADMIN_PASSWORD}\n",
                     "rastar.yaml:7:22: seeds.admin.values.passwordHash.bcrypt: unknown key; the keys here are "
                     "bcrypt_env, cost");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values:\n      email: a\n"
                     "      passwordHash: {bcrypt_env: P, cost: 40}\n",
                     "rastar.yaml:7:43: seeds.admin.values.passwordHash.cost: 40 is not between 4 and 31");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values:\n      email: [a, b]\n",
                     "rastar.yaml:6:14: seeds.admin.values.email: expected a value, null, or {bcrypt_env: VARIABLE}, "
                     "found a list");
    CHECK_SEED_ERROR("seeds:\n  extra:\n    sql: extra.sql\n",
                     "rastar.yaml:3:5: seeds.extra: has sql: but no unless:; give a query that returns a row once the "
                     "script's work is there (e.g. unless: SELECT 1 FROM \"Pack\" WHERE slug = 'vip'), so it runs "
                     "only once");
    CHECK_SEED_ERROR("seeds:\n  extra:\n    sql: extra.sql\n    unless: SELECT 1\n    key: id\n",
                     "rastar.yaml:5:10: seeds.extra.key: does not go with sql:; an sql seed has only sql: and unless:");
    CHECK_SEED_ERROR("seeds:\n  admin:\n    model: A\n    key: email\n    values: {email: a}\n    unless: SELECT 1\n",
                     "rastar.yaml:6:13: seeds.admin.unless: goes with sql: only; a table seed says \"already there\" "
                     "with its key");
  }
}

TEST_CASE("config/example.yaml")
{
  std::vector<std::string> warnings;
  LoadOptions load;
  load.environment = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  load.base_directory = RASTAR_SOURCE_DIR;
  const auto config = load_config_file(std::string(RASTAR_SOURCE_DIR) + "/config/example.yaml", load, &warnings);
  CHECK(warnings.empty());
  CHECK(config.database.url == "file:./data/rastar.db");
  REQUIRE(config.seeds.size() == 2);
  CHECK(config.seeds[0].name == "admin");
  CHECK(config.seeds[0].values[0].second.text == "admin@rastar.local");
  CHECK(config.seeds[1].name == "default-pack");
  // The demo's stand-in apps, started from the build directory.
  REQUIRE(config.supervisor.services.size() == 3);
  const auto& bot = config.supervisor.services.at("bot");
  CHECK(bot.command == std::vector<std::string>{"build/rastar-stand-in", "--role", "bot"});
  CHECK(bot.env.at("PORT") == "3101");
  CHECK(bot.ready.http_url == "http://127.0.0.1:3101/health");
  CHECK(config.supervisor.services.at("portal").depends_on.at("bot") == DependencyCondition::healthy);
  CHECK(config.supervisor.services.at("admin").depends_on.at("bot") == DependencyCondition::healthy);
  CHECK(config.supervisor.status.listen == "127.0.0.1:8079");
  CHECK(config.supervisor.control.socket == std::string(RASTAR_SOURCE_DIR) + "/data/rastar-init.sock");
}
