#include "test_support.hpp"

#include <rastar/config/config_file.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <pwd.h>

using namespace rastar;
using namespace rastar::config;
using std::chrono::milliseconds;

namespace {

const std::string k_label = "config/rastar-init.yaml";

EnvironmentLookup
test_environment()
{
  static const std::map<std::string, std::string> variables = {
    {"DATABASE_URL", "postgresql://app:s3cret@db:5432/rastar"}, {"PORT", "3000"}, {"EMPTY", ""}};
  return [](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

LoadOptions
options(AccountCheck accounts = AccountCheck::error)
{
  LoadOptions result;
  result.environment = test_environment();
  result.accounts = accounts;
  result.base_directory = "/app";
  return result;
}

Config
parse(const std::string& text, AccountCheck accounts = AccountCheck::error, std::vector<std::string>* warnings = nullptr)
{
  std::vector<std::string> ignored;
  return parse_config(text, k_label, options(accounts), warnings ? warnings : &ignored);
}

// A one-service config around `settings` (indented under the service).
std::string
service(const std::string& settings)
{
  return "services:\n  bot:\n" + settings;
}

} // namespace

TEST_CASE("config::parse_config, a complete file")
{
  const std::string text = R"(database:
  url: ${DATABASE_URL}
  wait_timeout: 90s
  lock_timeout: 0
  sqlite_timestamps: unixepoch-ms
migrations: {postgresql: prisma/migrations, sqlite: ./prisma/../prisma/migrations-sqlite}
schema: prisma/schema.prisma
shutdown_timeout: 9500ms
sighup: reload
status: {listen: "0.0.0.0:9000"}
control: {socket: run/rastar.sock}
x-defaults: &defaults
  restart: always
  user: root
services:
  bot:
    <<: *defaults
    command: node apps/bot/dist/index.js --name "the bot"
    cwd: apps/bot
    env: {NODE_ENV: production, PORT: $PORT, RETRIES: 3}
    group: "0"
    backoff: {initial: 1s, max: 1m, multiplier: 1.5, reset_after: 2m}
    crash_loop: {limit: 0, window: 5m}
    critical: true
    stop_signal: SIGINT
    stop_timeout: 20s
    success_codes: [0, 143]
    health:
      command: curl -f http://127.0.0.1:3000/health || exit 1
      shell: true
      interval: 10s
      timeout: 3s
      retries: 5
      start_period: 30s
    log: {format: json, max_line_bytes: 4096}
  portal:
    command: [node, "apps/portal/dist/index.js"]
    restart: on-failure
    env: [A=1, B=x=y, A=2]
    ready: {http: "http://127.0.0.1:${PORT}/api/health"}
    depends_on: [bot]
  admin:
    command: sleep 1
    shell: true
    restart: never
    user: "1000:1000"
    ready: {tcp: "[::1]:3002"}
    depends_on:
      portal: {condition: healthy}
      bot:
)";
  const Config config = parse(text);
  CHECK(config.database.url == "postgresql://app:s3cret@db:5432/rastar");
  CHECK(config.database.wait_timeout == milliseconds(90'000));
  CHECK(config.database.lock_timeout == milliseconds(0));
  CHECK(config.database.sqlite_timestamps == SqliteTimestamps::unixepoch_ms);
  CHECK(config.migrations.directory == std::nullopt);
  CHECK(config.migrations.for_provider(db::Provider::postgresql) == "/app/prisma/migrations");
  CHECK(config.migrations.for_provider(db::Provider::sqlite) == "/app/prisma/migrations-sqlite");
  CHECK(config.schema == "/app/prisma/schema.prisma");
  CHECK(config.supervisor.shutdown_timeout == milliseconds(9500));
  CHECK(config.supervisor.sighup_reloads);
  CHECK(config.supervisor.status.listen == "0.0.0.0:9000");
  CHECK(config.supervisor.control.socket == "/app/run/rastar.sock");
  REQUIRE(config.supervisor.services.size() == 3);

  const ServiceConfig& bot = config.supervisor.services.at("bot");
  CHECK(bot.name == "bot");
  CHECK(bot.command == std::vector<std::string>{"node", "apps/bot/dist/index.js", "--name", "the bot"});
  CHECK(bot.cwd == "/app/apps/bot");
  CHECK(bot.env == std::map<std::string, std::string>{{"NODE_ENV", "production"}, {"PORT", "3000"}, {"RETRIES", "3"}});
  CHECK(bot.user == "root");
  CHECK(bot.group == "0");
  CHECK(bot.restart == RestartPolicy::always);
  CHECK(bot.backoff.initial == milliseconds(1000));
  CHECK(bot.backoff.max == milliseconds(60'000));
  CHECK(bot.backoff.multiplier == 1.5);
  CHECK(bot.backoff.reset_after == milliseconds(120'000));
  CHECK(bot.crash_loop_limit == 0);
  CHECK(bot.crash_loop_window == milliseconds(300'000));
  CHECK(bot.critical);
  CHECK(bot.depends_on.empty());
  CHECK(bot.stop_signal == SIGINT);
  CHECK(bot.stop_timeout == milliseconds(20'000));
  CHECK(bot.success_codes == std::vector<int>{0, 143});
  CHECK(bot.health.kind == CheckKind::command);
  CHECK(bot.health.command ==
        std::vector<std::string>{"/bin/sh", "-c", "curl -f http://127.0.0.1:3000/health || exit 1"});
  CHECK(bot.health.interval == milliseconds(10'000));
  CHECK(bot.health.timeout == milliseconds(3000));
  CHECK(bot.health.retries == 5);
  CHECK(bot.health.start_period == milliseconds(30'000));
  CHECK(bot.ready.kind == CheckKind::none);
  CHECK(bot.log_format == LogFormat::json);
  CHECK(bot.max_line_bytes == 4096);

  const ServiceConfig& portal = config.supervisor.services.at("portal");
  CHECK(portal.command == std::vector<std::string>{"node", "apps/portal/dist/index.js"});
  CHECK(portal.cwd == "");
  CHECK(portal.user == "");
  CHECK(portal.restart == RestartPolicy::on_failure);
  CHECK(portal.env == std::map<std::string, std::string>{{"A", "2"}, {"B", "x=y"}});
  CHECK(portal.ready.kind == CheckKind::http);
  CHECK(portal.ready.http_url == "http://127.0.0.1:3000/api/health");
  CHECK(portal.depends_on == std::map<std::string, DependencyCondition>{{"bot", DependencyCondition::started}});

  const ServiceConfig& admin = config.supervisor.services.at("admin");
  CHECK(admin.command == std::vector<std::string>{"/bin/sh", "-c", "sleep 1"});
  CHECK(admin.restart == RestartPolicy::never);
  CHECK(admin.user == "1000");
  CHECK(admin.group == "1000");
  CHECK(admin.ready.kind == CheckKind::tcp);
  CHECK(admin.ready.tcp_address == "[::1]:3002");
  CHECK(admin.depends_on == std::map<std::string, DependencyCondition>{
                              {"bot", DependencyCondition::started}, {"portal", DependencyCondition::healthy}});
}

TEST_CASE("config::parse_config, defaults")
{
  const Config config = parse("services:\n  bot:\n    command: [node, index.js]\n");
  CHECK(config.database.url == std::nullopt);
  CHECK(config.database.wait_timeout == std::nullopt);
  CHECK(config.database.lock_timeout == std::nullopt);
  CHECK(config.database.sqlite_timestamps == SqliteTimestamps::iso8601);
  CHECK(config.migrations.for_provider(db::Provider::postgresql) == std::nullopt);
  CHECK(config.schema == std::nullopt);
  CHECK(config.supervisor.shutdown_timeout == milliseconds(9000));
  CHECK_FALSE(config.supervisor.sighup_reloads);
  CHECK(config.supervisor.status.listen == "127.0.0.1:8079");
  CHECK(config.supervisor.control.socket == "/run/rastar-init.sock");
  const ServiceConfig& bot = config.supervisor.services.at("bot");
  CHECK(bot.restart == RestartPolicy::on_failure);
  CHECK(bot.stop_signal == SIGTERM);
  CHECK(bot.stop_timeout == milliseconds(8000));
  CHECK(bot.success_codes == std::vector<int>{0});
  CHECK(bot.log_format == LogFormat::prefixed);

  SUBCASE("one migrations directory serves every provider")
  {
    const Config one = parse("migrations: /srv/migrations\n");
    CHECK(one.migrations.for_provider(db::Provider::sqlite) == "/srv/migrations");
    CHECK(one.migrations.for_provider(db::Provider::postgresql) == "/srv/migrations");
  }
  SUBCASE("an empty url (an unset variable) leaves the URL to the environment")
  {
    std::vector<std::string> warnings;
    CHECK(parse("database: {url: \"${NOT_SET}\"}\n", AccountCheck::error, &warnings).database.url == std::nullopt);
    CHECK(warnings == std::vector<std::string>{
                        "config/rastar-init.yaml:1:17: database.url: variable NOT_SET is not set; using an empty string"});
    CHECK(parse("database: {url: \"${EMPTY}\"}\n").database.url == std::nullopt);
  }
  SUBCASE("status and control can be turned off")
  {
    const Config off = parse("status: {listen: 0}\ncontrol: {socket: \"\"}\n");
    CHECK(off.supervisor.status.listen == "0");
    CHECK(off.supervisor.control.socket == "");
    // "0" as for status.listen, not a file named 0.
    CHECK(parse("control: {socket: 0}\n").supervisor.control.socket == "");
  }
  SUBCASE("stop_signal as a number")
  {
    CHECK(parse(service("    command: x\n    stop_signal: 3\n")).supervisor.services.at("bot").stop_signal == 3);
  }
}

TEST_CASE("config::parse_config, merge keys")
{
  const std::string text = "x-a: &a {restart: always, stop_timeout: 1s}\n"
                           "x-b: &b {restart: never, critical: true}\n"
                           "services:\n"
                           "  bot:\n"
                           "    <<: [*a, *b]\n"
                           "    stop_timeout: 2s\n"
                           "    command: x\n";
  const ServiceConfig bot = parse(text).supervisor.services.at("bot");
  CHECK(bot.restart == RestartPolicy::always); // the first source wins
  CHECK(bot.stop_timeout == milliseconds(2000)); // the map's own key wins
  CHECK(bot.critical);
}

#define CHECK_CONFIG_ERROR(text, message) CHECK_THROWS_WITH_AS(parse(text), message, rastar::Error)

TEST_CASE("config::parse_config, YAML and structure errors")
{
  CHECK_CONFIG_ERROR("services: [a,\n", "config/rastar-init.yaml:2:1: end of sequence flow not found");
  CHECK_CONFIG_ERROR("a: b: c\n", "config/rastar-init.yaml:1:5: illegal map value");
  CHECK_CONFIG_ERROR("services: *nothing\n", "config/rastar-init.yaml:1:11: the referenced anchor is not defined");
  CHECK_CONFIG_ERROR("schema: a\n---\nschema: b\n",
                     "config/rastar-init.yaml:2:1: a second YAML document starts here; keep the whole config in one");
  // yaml-cpp's LoadAll never returns on this one; the reader must.
  CHECK_CONFIG_ERROR(", /app\n", "config/rastar-init.yaml:1:1: expected a map of settings (services, database, "
                                 "migrations, …), found nothing");
  CHECK_CONFIG_ERROR("", "config/rastar-init.yaml:1:1: expected a map of settings (services, database, migrations, …), "
                         "found nothing");
  CHECK_CONFIG_ERROR("- a\n", "config/rastar-init.yaml:1:1: expected a map of settings (services, database, "
                              "migrations, …), found a list");
  CHECK_CONFIG_ERROR("just text\n", "config/rastar-init.yaml:1:1: expected a map of settings (services, database, "
                                    "migrations, …), found the string \"just text\"");
  CHECK_CONFIG_ERROR("servics: {}\n", "config/rastar-init.yaml:1:1: servics: unknown key; did you mean \"services\"?");
  CHECK_CONFIG_ERROR("schema: a\nimage: node:20\n",
                     "config/rastar-init.yaml:2:1: image: unknown key; the keys here are database, guard, migrations, schema, seeds, "
                     "run, services, shutdown_timeout, sighup, status, control, backup");
  CHECK_CONFIG_ERROR("schema: a\nschema: b\n", "config/rastar-init.yaml:2:1: schema: duplicate key (first at line 1)");
  CHECK_CONFIG_ERROR("? [a, b]\n: c\n", "config/rastar-init.yaml:1:3: expected a name as the key, found a list");
  CHECK_CONFIG_ERROR("services:\n  bot: &a {<<: *a, command: x}\n",
                     "config/rastar-init.yaml:2:8: services.bot: merges (<<) nest too deeply; is an anchor merged "
                     "into itself?");
  CHECK_CONFIG_ERROR("x-a: &a [1]\nservices:\n  bot:\n    <<: *a\n",
                     "config/rastar-init.yaml:1:10: services.bot.<<[0]: expected a map to merge (an alias like "
                     "*defaults), found the string \"1\"");
  CHECK_CONFIG_ERROR("schema: \"a\\tb\nc\"\n\"x\\ny\": 1\n",
                     "config/rastar-init.yaml:3:1: x\\ny: unknown key; the keys here are database, guard, migrations, schema, seeds, "
                     "run, services, shutdown_timeout, sighup, status, control, backup");
  CHECK_CONFIG_ERROR("database: {url: \"a\\tb\\x01\nc\"}\n",
                     "config/rastar-init.yaml:1:17: database.url: DATABASE_URL is not a URL; it must look like "
                     "postgresql://USER:PASSWORD@HOST:PORT/DATABASE or file:PATH");
  CHECK_CONFIG_ERROR("sighup: \"re\\nload\\x7f\"\n",
                     "config/rastar-init.yaml:1:9: sighup: \"re\\nload\\x7f\" is not one of forward, reload");
  CHECK_CONFIG_ERROR("services: [bot]\n", "config/rastar-init.yaml:1:11: services: expected a map, found a list");
}

TEST_CASE("config::parse_config, database, migrations and supervisor errors")
{
  CHECK_CONFIG_ERROR("database: {url: \"${DB_URL:?set DB_URL to the database URL}\"}\n",
                     "config/rastar-init.yaml:1:18: database.url: required variable DB_URL is missing a value: set "
                     "DB_URL to the database URL");
  CHECK_CONFIG_ERROR("database:\n  url: postgresql://u:pa$5@db/app\n",
                     "config/rastar-init.yaml:2:25: database.url: \"$\" is not followed by a variable name; write "
                     "\"$$\" for a literal \"$\"");
  CHECK_CONFIG_ERROR("database: {url: \"mysql://root:pw@db/app\"}\n",
                     "config/rastar-init.yaml:1:17: database.url: DATABASE_URL: the scheme \"mysql:\" is not "
                     "supported; use postgresql:// or file:");
  CHECK_CONFIG_ERROR("database: {wait_timeout: 10 sec}\n",
                     "config/rastar-init.yaml:1:26: database.wait_timeout: \"10 sec\" is not a duration; write it as "
                     "500ms, 10s, 15m, 1h or a number of seconds");
  CHECK_CONFIG_ERROR("database: {lock_timeout: [1]}\n",
                     "config/rastar-init.yaml:1:26: database.lock_timeout: expected a string, found a list");
  CHECK_CONFIG_ERROR("database: {sqlite_timestamps: unix}\n",
                     "config/rastar-init.yaml:1:31: database.sqlite_timestamps: \"unix\" is not one of iso8601, "
                     "unixepoch-ms");
  CHECK_CONFIG_ERROR("database: {urll: x}\n",
                     "config/rastar-init.yaml:1:12: database.urll: unknown key; did you mean \"url\"?");
  CHECK_CONFIG_ERROR("database: postgresql://app:s3cret@db/app\n",
                     "config/rastar-init.yaml:1:11: database: expected a map, found the string "
                     "\"postgresql://app:****@db/app\"");
  CHECK_CONFIG_ERROR("migrations: [a, b]\n",
                     "config/rastar-init.yaml:1:13: migrations: expected a directory or a map of provider: directory, "
                     "found a list");
  CHECK_CONFIG_ERROR("migrations: {}\n", "config/rastar-init.yaml:1:13: migrations: names no directory; write "
                                         "postgresql: DIR and/or sqlite: DIR");
  CHECK_CONFIG_ERROR("migrations: {mysql: x}\n", "config/rastar-init.yaml:1:14: migrations.mysql: unknown key; the "
                                                 "keys here are postgresql, sqlite");
  CHECK_CONFIG_ERROR("migrations: {postgres: x}\n", "config/rastar-init.yaml:1:14: migrations.postgres: unknown key; "
                                                    "did you mean \"postgresql\"?");
  CHECK_CONFIG_ERROR("schema: \"\"\n", "config/rastar-init.yaml:1:9: schema: must not be empty");
  CHECK_CONFIG_ERROR("shutdown_timeout: -1s\n",
                     "config/rastar-init.yaml:1:19: shutdown_timeout: \"-1s\" is not a duration; write it as 500ms, "
                     "10s, 15m, 1h or a number of seconds");
  CHECK_CONFIG_ERROR("sighup: ignore\n",
                     "config/rastar-init.yaml:1:9: sighup: \"ignore\" is not one of forward, reload");
  CHECK_CONFIG_ERROR("status: {listen: 8079}\n",
                     "config/rastar-init.yaml:1:18: status.listen: \"8079\" is not host:port (for example "
                     "127.0.0.1:8079), or 0 to turn it off");
  CHECK_CONFIG_ERROR("status: {listen: \"127.0.0.1:70000\"}\n",
                     "config/rastar-init.yaml:1:18: status.listen: \"127.0.0.1:70000\" is not host:port (for example "
                     "127.0.0.1:8079), or 0 to turn it off");
  CHECK_CONFIG_ERROR("control: {path: /run/x.sock}\n",
                     "config/rastar-init.yaml:1:11: control.path: unknown key; the keys here are socket");
}

TEST_CASE("config::parse_config, service errors")
{
  CHECK_CONFIG_ERROR(service("    command: x\n    restart: sometimes\n"),
                     "config/rastar-init.yaml:4:14: services.bot.restart: \"sometimes\" is not one of always, "
                     "on-failure, never");
  CHECK_CONFIG_ERROR(service("    command: x\n    restrat: always\n"),
                     "config/rastar-init.yaml:4:5: services.bot.restrat: unknown key; did you mean \"restart\"?");
  CHECK_CONFIG_ERROR(service("    image: node\n"),
                     "config/rastar-init.yaml:3:5: services.bot.image: unknown key; the keys here are command, shell, "
                     "cwd, env, user, group, restart, backoff, crash_loop, critical, depends_on, stop_signal, "
                     "stop_timeout, success_codes, ready, health, log");
  CHECK_CONFIG_ERROR("services:\n  \"my bot\": {command: x}\n",
                     "config/rastar-init.yaml:2:13: services.my bot: \"my bot\" is not a valid service name; use "
                     "letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit");
  CHECK_CONFIG_ERROR("services:\n  bot: node index.js\n",
                     "config/rastar-init.yaml:2:8: services.bot: expected a map of the service's settings, found the "
                     "string \"node index.js\"");
  CHECK_CONFIG_ERROR("services:\n  bot:\n", "config/rastar-init.yaml:2:3: services.bot: expected a map of the "
                                            "service's settings, found nothing");
  CHECK_CONFIG_ERROR(service("    restart: always\n"),
                     "config/rastar-init.yaml:3:5: services.bot: needs a command");

  SUBCASE("command")
  {
    CHECK_CONFIG_ERROR(service("    command: []\n"),
                       "config/rastar-init.yaml:3:14: services.bot.command: must not be empty");
    CHECK_CONFIG_ERROR(service("    command: \"  \"\n"),
                       "config/rastar-init.yaml:3:14: services.bot.command: must not be empty");
    CHECK_CONFIG_ERROR(service("    command: \"\"\n    shell: true\n"),
                       "config/rastar-init.yaml:3:14: services.bot.command: must not be empty");
    CHECK_CONFIG_ERROR(service("    command: [\"\", x]\n"),
                       "config/rastar-init.yaml:3:14: services.bot.command: the program (the first word) must not be "
                       "empty");
    CHECK_CONFIG_ERROR(service("    command: {node: x}\n"),
                       "config/rastar-init.yaml:3:14: services.bot.command: expected a list of words or a string, "
                       "found a map");
    CHECK_CONFIG_ERROR(service("    command: [node, [x]]\n"),
                       "config/rastar-init.yaml:3:21: services.bot.command[1]: expected a string, found a list");
    CHECK_CONFIG_ERROR(service("    command: node 'index.js\n"),
                       "config/rastar-init.yaml:3:14: services.bot.command: the single quote at character 6 is never "
                       "closed");
    CHECK_CONFIG_ERROR(service("    command: [node, x]\n    shell: true\n"),
                       "config/rastar-init.yaml:4:12: services.bot.shell: shell: true needs the command written as one "
                       "string, not a list");
    CHECK_CONFIG_ERROR(service("    command: x\n    shell: yes\n"),
                       "config/rastar-init.yaml:4:12: services.bot.shell: \"yes\" is not true or false");
    std::vector<std::string> warnings;
    CHECK(parse(service("    command: echo $HOME $$HOME\n"), AccountCheck::error, &warnings)
            .supervisor.services.at("bot")
            .command == std::vector<std::string>{"echo", "$HOME"});
    CHECK(warnings == std::vector<std::string>{"config/rastar-init.yaml:3:14: services.bot.command: variable HOME is "
                                               "not set; using an empty string"});
  }

  SUBCASE("cwd, env, user and group")
  {
    CHECK_CONFIG_ERROR(service("    command: x\n    cwd: \"\"\n"),
                       "config/rastar-init.yaml:4:10: services.bot.cwd: must not be empty; leave cwd out to run in "
                       "rastar-init's directory");
    CHECK_CONFIG_ERROR(service("    command: x\n    env:\n      TOKEN:\n"),
                       "config/rastar-init.yaml:5:7: services.bot.env.TOKEN: has no value; write \"\" for an empty one");
    CHECK_CONFIG_ERROR(service("    command: x\n    env:\n      TOKEN: [a]\n"),
                       "config/rastar-init.yaml:5:14: services.bot.env.TOKEN: expected a string, found a list");
    CHECK_CONFIG_ERROR(service("    command: x\n    env: [A=1, TOKEN]\n"),
                       "config/rastar-init.yaml:4:16: services.bot.env[1]: \"TOKEN\" is not KEY=VALUE");
    CHECK_CONFIG_ERROR(service("    command: x\n    env: NODE_ENV=production\n"),
                       "config/rastar-init.yaml:4:10: services.bot.env: expected a map of variables (or a list of "
                       "KEY=VALUE), found the string \"NODE_ENV=production\"");
    CHECK_CONFIG_ERROR(service("    command: x\n    env: {\"A=B\": c}\n"),
                       "config/rastar-init.yaml:4:18: services.bot.env.A=B: is not a variable name");
    CHECK_CONFIG_ERROR(service("    command: x\n    user: rastar-no-such-user\n"),
                       "config/rastar-init.yaml:4:11: services.bot.user: user \"rastar-no-such-user\" does not exist "
                       "on this system");
    CHECK_CONFIG_ERROR(service("    command: x\n    user: root\n    group: rastar-no-such-group\n"),
                       "config/rastar-init.yaml:5:12: services.bot.group: group \"rastar-no-such-group\" does not "
                       "exist on this system");
    CHECK_CONFIG_ERROR(service("    command: x\n    user: \"root:rastar-no-such-group\"\n"),
                       "config/rastar-init.yaml:4:11: services.bot.user: group \"rastar-no-such-group\" does not "
                       "exist on this system");
    CHECK_CONFIG_ERROR(service("    command: x\n    user: \"root:root\"\n    group: root\n"),
                       "config/rastar-init.yaml:5:12: services.bot.group: is given twice: here and after the \":\" in "
                       "user");
    CHECK_CONFIG_ERROR(service("    command: x\n    user: \":root\"\n"),
                       "config/rastar-init.yaml:4:11: services.bot.user: must name a user");
    CHECK_CONFIG_ERROR(service("    command: x\n    group: \"\"\n"),
                       "config/rastar-init.yaml:4:12: services.bot.group: must name a group");

    std::vector<std::string> warnings;
    const auto config = parse(service("    command: x\n    user: rastar-no-such-user\n    group: rastar-no-such-group\n"),
                              AccountCheck::warn, &warnings);
    CHECK(config.supervisor.services.at("bot").user == "rastar-no-such-user");
    CHECK(warnings ==
          std::vector<std::string>{
            "config/rastar-init.yaml:4:11: services.bot.user: user \"rastar-no-such-user\" does not exist on this "
            "system; the service cannot start on this machine",
            "config/rastar-init.yaml:5:12: services.bot.group: group \"rastar-no-such-group\" does not exist on this "
            "system; the service cannot start on this machine"});
  }

  SUBCASE("restart timing, stopping and exit codes")
  {
    CHECK_CONFIG_ERROR(service("    command: x\n    backoff: {initial: 1m, max: 10s}\n"),
                       "config/rastar-init.yaml:4:14: services.bot.backoff: initial must not be longer than max");
    CHECK_CONFIG_ERROR(service("    command: x\n    backoff: {multiplier: 0.5}\n"),
                       "config/rastar-init.yaml:4:27: services.bot.backoff.multiplier: \"0.5\" is not a number "
                       "between 1 and 100");
    CHECK_CONFIG_ERROR(service("    command: x\n    backoff: {multiplier: two}\n"),
                       "config/rastar-init.yaml:4:27: services.bot.backoff.multiplier: \"two\" is not a number "
                       "between 1 and 100");
    CHECK_CONFIG_ERROR(service("    command: x\n    backoff: 1s\n"),
                       "config/rastar-init.yaml:4:14: services.bot.backoff: expected a map, found the string \"1s\"");
    CHECK_CONFIG_ERROR(service("    command: x\n    crash_loop: {limit: -1}\n"),
                       "config/rastar-init.yaml:4:25: services.bot.crash_loop.limit: -1 is not between 0 and 1000000");
    CHECK_CONFIG_ERROR(service("    command: x\n    crash_loop: {limit: five}\n"),
                       "config/rastar-init.yaml:4:25: services.bot.crash_loop.limit: \"five\" is not a whole number");
    CHECK_CONFIG_ERROR(service("    command: x\n    crash_loop: {window: 0s}\n"),
                       "config/rastar-init.yaml:4:26: services.bot.crash_loop.window: must be longer than 0s");
    CHECK_CONFIG_ERROR(service("    command: x\n    critical: 1\n"),
                       "config/rastar-init.yaml:4:15: services.bot.critical: \"1\" is not true or false");
    CHECK_CONFIG_ERROR(service("    command: x\n    stop_signal: TERMINATE\n"),
                       "config/rastar-init.yaml:4:18: services.bot.stop_signal: \"TERMINATE\" is not a signal; write a "
                       "name like SIGTERM or TERM, or a number");
    CHECK_CONFIG_ERROR(service("    command: x\n    stop_timeout: forever\n"),
                       "config/rastar-init.yaml:4:19: services.bot.stop_timeout: \"forever\" is not a duration; write "
                       "it as 500ms, 10s, 15m, 1h or a number of seconds");
    CHECK_CONFIG_ERROR(service("    command: x\n    success_codes: []\n"),
                       "config/rastar-init.yaml:4:20: services.bot.success_codes: must list at least one exit code");
    CHECK_CONFIG_ERROR(service("    command: x\n    success_codes: [0, 256]\n"),
                       "config/rastar-init.yaml:4:24: services.bot.success_codes[1]: 256 is not between 0 and 255");
    CHECK_CONFIG_ERROR(service("    command: x\n    success_codes: 0\n"),
                       "config/rastar-init.yaml:4:20: services.bot.success_codes: expected a list, found the string "
                       "\"0\"");
    CHECK_CONFIG_ERROR(service("    command: x\n    log: {format: text}\n"),
                       "config/rastar-init.yaml:4:19: services.bot.log.format: \"text\" is not one of prefixed, json, "
                       "raw");
    CHECK_CONFIG_ERROR(service("    command: x\n    log: {max_line_bytes: 10}\n"),
                       "config/rastar-init.yaml:4:27: services.bot.log.max_line_bytes: 10 is not between 80 and "
                       "16777216");
  }

  SUBCASE("checks")
  {
    CHECK_CONFIG_ERROR(service("    command: x\n    ready: {interval: 1s}\n"),
                       "config/rastar-init.yaml:4:12: services.bot.ready: needs one of http, tcp or command");
    CHECK_CONFIG_ERROR(service("    command: x\n    ready: {http: \"http://a/\", tcp: \"a:1\"}\n"),
                       "config/rastar-init.yaml:4:12: services.bot.ready: has both http and tcp; a check uses exactly "
                       "one");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {http: \"https://a/health\"}\n"),
                       "config/rastar-init.yaml:4:20: services.bot.health.http: \"https://a/health\" is not an http:// "
                       "URL (the check talks plain HTTP to the service, for example http://127.0.0.1:3000/health)");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: localhost}\n"),
                       "config/rastar-init.yaml:4:19: services.bot.health.tcp: \"localhost\" is not host:port (for "
                       "example 127.0.0.1:3000)");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: \"a:0\"}\n"),
                       "config/rastar-init.yaml:4:19: services.bot.health.tcp: \"a:0\" is not host:port (for example "
                       "127.0.0.1:3000)");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: \"a:1\", shell: true}\n"),
                       "config/rastar-init.yaml:4:33: services.bot.health.shell: only applies to a command check");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {command: [], interval: 1s}\n"),
                       "config/rastar-init.yaml:4:23: services.bot.health.command: must not be empty");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: \"a:1\", interval: 0}\n"),
                       "config/rastar-init.yaml:4:36: services.bot.health.interval: must be longer than 0s");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: \"a:1\", retries: 0}\n"),
                       "config/rastar-init.yaml:4:35: services.bot.health.retries: 0 is not between 1 and 1000");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: \"a:1\", test: x}\n"),
                       "config/rastar-init.yaml:4:26: services.bot.health.test: unknown key; the keys here are http, "
                       "tcp, command, shell, interval, timeout, retries, start_period");
    CHECK_CONFIG_ERROR(service("    command: x\n    health: {tcp: \"a:1\", intervl: 1s}\n"),
                       "config/rastar-init.yaml:4:26: services.bot.health.intervl: unknown key; did you mean "
                       "\"interval\"?");
  }

  SUBCASE("depends_on")
  {
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x}\n  portal: {command: x, depends_on: [bott]}\n",
                       "config/rastar-init.yaml:3:37: services.portal.depends_on[0]: no service named \"bott\"; did "
                       "you mean \"bot\"?");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x}\n  portal: {command: x, depends_on: {db: {}}}\n",
                       "config/rastar-init.yaml:3:41: services.portal.depends_on.db: no service named \"db\"");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x}\n  portal:\n    command: x\n    depends_on:\n      bot: "
                       "{condition: healthy}\n",
                       "config/rastar-init.yaml:6:12: services.portal.depends_on.bot: \"bot\" has no ready or health "
                       "check, so it never becomes healthy; give it one or use condition: started");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x}\n  portal:\n    command: x\n    depends_on:\n      bot: "
                       "{condition: service_completed_successfully}\n",
                       "config/rastar-init.yaml:6:24: services.portal.depends_on.bot.condition: "
                       "\"service_completed_successfully\" is not one of started, healthy");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x}\n  portal:\n    command: x\n    depends_on:\n      bot: "
                       "{restart: true}\n",
                       "config/rastar-init.yaml:6:13: services.portal.depends_on.bot.restart: unknown key; the keys "
                       "here are condition");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x, depends_on: [admin]}\n  portal: {command: x, depends_on: "
                       "[bot]}\n  admin: {command: x, depends_on: [portal]}\n",
                       "config/rastar-init.yaml:4:36: services.admin.depends_on[0]: dependency cycle: admin -> portal "
                       "-> bot -> admin");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x, depends_on: [bot]}\n",
                       "config/rastar-init.yaml:2:34: services.bot.depends_on[0]: dependency cycle: bot -> bot");
    CHECK_CONFIG_ERROR("services:\n  bot: {command: x, depends_on: bot}\n",
                       "config/rastar-init.yaml:2:33: services.bot.depends_on: expected a list of services or a map of "
                       "service: {condition: …}, found the string \"bot\"");
  }
}

TEST_CASE("config::parse_config, errors carry the configuration exit code")
{
  try {
    parse("services: 1\n");
    FAIL("no error");
  } catch (const rastar::Error& e) {
    CHECK(e.code() == ExitCode::config);
  }
}

TEST_CASE("config::load_config_file")
{
  test::TestDirectory directory;
  test::write_file("config/rastar-init.yaml", "schema: prisma/schema.prisma\n");
  const Config config = load_config_file("config/rastar-init.yaml", options());
  CHECK(config.source == "config/rastar-init.yaml");
  CHECK(config.schema == "/app/prisma/schema.prisma");

  SUBCASE("relative paths resolve against the working directory by default")
  {
    LoadOptions here = options();
    here.base_directory.clear();
    CHECK(load_config_file("config/rastar-init.yaml", here).schema == directory.path() / "prisma/schema.prisma");
  }
  SUBCASE("a missing file")
  {
    CHECK_THROWS_WITH_AS(load_config_file("missing.yaml", options()), "missing.yaml: cannot read: No such file or directory",
                         rastar::Error);
  }
  SUBCASE("a directory")
  {
    CHECK_THROWS_WITH_AS(load_config_file("config", options()),
                         "config: is a directory; --config and RASTAR_INIT_CONFIG name the YAML file", rastar::Error);
  }
  SUBCASE("errors name the file as it was given")
  {
    test::write_file("other.yaml", "schema: [x]\n");
    CHECK_THROWS_WITH_AS(load_config_file("other.yaml", options()),
                         "other.yaml:1:9: schema: expected a string, found a list", rastar::Error);
  }
}

TEST_CASE("config::find_config_path")
{
  test::TestDirectory directory;
  ::unsetenv("RASTAR_INIT_CONFIG");
  CHECK(find_config_path(std::nullopt, true) == std::nullopt);
  CHECK(find_config_path(std::nullopt, false) == std::nullopt);
  CHECK(find_config_path(std::string("given.yaml"), true) == "given.yaml");

  test::write_file("config/rastar-init.yaml", "{}\n");
  CHECK(find_config_path(std::nullopt, true) == "config/rastar-init.yaml");
  CHECK(find_config_path(std::nullopt, false) == std::nullopt);

  ::setenv("RASTAR_INIT_CONFIG", "from-env.yaml", 1);
  CHECK(find_config_path(std::nullopt, true) == "from-env.yaml");
  CHECK(find_config_path(std::nullopt, false) == "from-env.yaml");
  CHECK(find_config_path(std::string("given.yaml"), false) == "given.yaml");
  ::setenv("RASTAR_INIT_CONFIG", "", 1);
  CHECK(find_config_path(std::nullopt, true) == "config/rastar-init.yaml");
  ::unsetenv("RASTAR_INIT_CONFIG");
}

TEST_CASE("config::load_config_file, the shipped config/rastar-init.yaml")
{
  const std::filesystem::path shipped = std::filesystem::path(RASTAR_SOURCE_DIR) / "config/rastar-init.yaml";
  LoadOptions image = options(AccountCheck::warn);
  std::vector<std::string> warnings;
  const Config config = load_config_file(shipped, image, &warnings);
  // The image has a `node` user; a build machine may not.
  CHECK(warnings.size() == (getpwnam("node") ? 0U : 3U));
  CHECK(config.database.url == std::nullopt);
  CHECK(config.database.wait_timeout == milliseconds(60'000));
  CHECK(config.database.lock_timeout == milliseconds(900'000));
  CHECK(config.migrations.directory == "/app/packages/shared/prisma/migrations");
  CHECK(config.schema == "/app/packages/shared/prisma/schema.prisma");
  REQUIRE(config.supervisor.services.size() == 3);
  for (const auto& [name, service] : config.supervisor.services) {
    CAPTURE(name);
    CHECK(service.command == std::vector<std::string>{"node", "apps/" + name + "/dist/index.js"});
    CHECK(service.user == "node");
    CHECK(service.restart == RestartPolicy::always);
  }
  CHECK(config.supervisor.services.at("portal").ready.http_url == "http://127.0.0.1:3000/api/health");
  CHECK(config.supervisor.services.at("admin").depends_on.at("portal") == DependencyCondition::healthy);
}
