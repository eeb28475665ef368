#include <rastar/config/config_description.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/config/yaml_reader.hpp>

#include <doctest/doctest.h>

#include <map>

using namespace rastar::config;

namespace {

Config
parse(const std::string& text)
{
  LoadOptions options;
  options.environment = [](const std::string& name) -> std::optional<std::string> {
    if (name == "DATABASE_URL") {
      return "postgresql://app:s3cret@db:5432/rastar?schema=app";
    }
    return std::nullopt;
  };
  options.base_directory = "/app";
  std::vector<std::string> warnings;
  return parse_config(text, "rastar-init.yaml", options, &warnings);
}

} // namespace

TEST_CASE("config::looks_secret")
{
  for (const char* name : {"PASSWORD", "ADMIN_PASSWORD", "db_passwd", "JWT_SECRET", "DISCORD_TOKEN", "API_KEY",
                           "apiKey"}) {
    CAPTURE(name);
    CHECK(looks_secret(name));
  }
  for (const char* name : {"NODE_ENV", "PORT", "DATABASE_URL", "HOST"}) {
    CAPTURE(name);
    CHECK_FALSE(looks_secret(name));
  }
}

TEST_CASE("config::describe_config")
{
  const Config config = parse(R"(database: {url: "${DATABASE_URL}", lock_timeout: 90s}
migrations: {postgresql: prisma/migrations}
services:
  bot:
    command: [node, index.js, "--db=postgresql://bot:hunter2@db/app"]
    env:
      DISCORD_TOKEN: abc.def
      ADMIN_PASSWORD: "p@ss"
      SHADOW_URL: postgresql://shadow:pw@db/shadow
      NODE_ENV: production
    stop_signal: 2
    depends_on: [web]
    ready: {tcp: "127.0.0.1:3000", interval: 500ms}
  web:
    command: node web.js
)");
  const auto description = describe_config(config);
  const std::string dumped = description.dump();
  for (const char* secret : {"s3cret", "hunter2", "abc.def", "p@ss", ":pw@"}) {
    CAPTURE(secret);
    CHECK(dumped.find(secret) == std::string::npos);
  }
  CHECK(description["database"]["url"] == "postgresql://app:****@db:5432/rastar?schema=app");
  CHECK(description["database"]["lock_timeout"] == "1m30s");
  CHECK_FALSE(description["database"].contains("wait_timeout"));
  CHECK(description["migrations"]["postgresql"] == "/app/prisma/migrations");
  const auto& bot = description["services"]["bot"];
  CHECK(bot["command"][2] == "--db=postgresql://bot:****@db/app");
  CHECK(bot["env"]["DISCORD_TOKEN"] == "****");
  CHECK(bot["env"]["ADMIN_PASSWORD"] == "****");
  CHECK(bot["env"]["SHADOW_URL"] == "postgresql://shadow:****@db/shadow");
  CHECK(bot["env"]["NODE_ENV"] == "production");
  CHECK(bot["stop_signal"] == "SIGINT");
  CHECK(bot["restart"] == "on-failure");
  CHECK(bot["depends_on"]["web"]["condition"] == "started");
  CHECK(bot["ready"]["tcp"] == "127.0.0.1:3000");
  CHECK(bot["ready"]["interval"] == "500ms");
  CHECK_FALSE(bot.contains("health"));
  CHECK(description["services"]["web"]["command"] == nlohmann::ordered_json{"node", "web.js"});

  // The text form is YAML that reads back to the same values.
  const auto reread = YAML::Load(to_yaml(description));
  CHECK(reread["database"]["url"].as<std::string>() == "postgresql://app:****@db:5432/rastar?schema=app");
  CHECK(reread["services"]["bot"]["command"][1].as<std::string>() == "index.js");
  CHECK(reread["services"]["bot"]["env"]["DISCORD_TOKEN"].as<std::string>() == "****");
  CHECK(reread["services"]["bot"]["critical"].as<bool>() == false);
}
