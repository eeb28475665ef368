// The config file's `backup:` section: defaults, each key, and its errors.

#include <rastar/config/config_file.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

using namespace rastar;

namespace {

backup::BackupConfig
parse(const std::string& yaml)
{
  config::LoadOptions load;
  load.environment = [](const std::string& name) -> std::optional<std::string> {
    if (name == "BACKUP_DIR") {
      return "/srv/backups";
    }
    return std::nullopt;
  };
  load.base_directory = "/app";
  std::vector<std::string> warnings;
  return config::parse_config(yaml, "rastar.yaml", load, &warnings).backup;
}

} // namespace

TEST_CASE("config::read_backup")
{
  SUBCASE("left out: on, the provider's directory, keep 5, no command")
  {
    const auto backup = parse("schema: a\n");
    CHECK(backup.enabled);
    CHECK_FALSE(backup.directory);
    CHECK(backup.keep == 5);
    CHECK(backup.command.empty());
  }
  SUBCASE("every key")
  {
    const auto backup = parse("backup:\n  enabled: false\n  directory: data/backups\n  keep: 0\n"
                              "  command: [pg_dump, --format=custom]\n");
    CHECK_FALSE(backup.enabled);
    CHECK(backup.directory == std::filesystem::path("/app/data/backups"));
    CHECK(backup.keep == 0);
    CHECK(backup.command == std::vector<std::string>{"pg_dump", "--format=custom"});
  }
  SUBCASE("a directory from the environment, absolute")
  {
    CHECK(parse("backup: {directory: \"${BACKUP_DIR}\"}\n").directory == std::filesystem::path("/srv/backups"));
  }
  SUBCASE("a string command is split into words; with shell: true it goes to /bin/sh -c, $$ a literal $")
  {
    CHECK(parse("backup:\n  command: pg_dump --file \"my file.dump\"\n").command ==
          std::vector<std::string>{"pg_dump", "--file", "my file.dump"});
    CHECK(parse("backup:\n  command: pg_dump --file=\"$$RASTAR_BACKUP_PATH\"\n  shell: true\n").command ==
          std::vector<std::string>{"/bin/sh", "-c", "pg_dump --file=\"$RASTAR_BACKUP_PATH\""});
  }
  SUBCASE("errors name the key and what to write")
  {
    CHECK_THROWS_WITH_AS(parse("backup: yes\n"),
                         "rastar.yaml:1:9: backup: expected a map with enabled, directory, keep, command and shell, "
                         "found the string \"yes\"",
                         Error);
    CHECK_THROWS_WITH_AS(parse("backup:\n  keep: -1\n"), "rastar.yaml:2:9: backup.keep: -1 is not between 0 and 100000",
                         Error);
    CHECK_THROWS_WITH_AS(parse("backup:\n  enabled: maybe\n"),
                         "rastar.yaml:2:12: backup.enabled: \"maybe\" is not true or false", Error);
    CHECK_THROWS_WITH_AS(parse("backup:\n  directory: \"\"\n"),
                         "rastar.yaml:2:14: backup.directory: must not be empty; leave the key out for the default "
                         "(backups/ beside the database)",
                         Error);
    CHECK_THROWS_WITH_AS(parse("backup:\n  shell: true\n"),
                         "rastar.yaml:2:10: backup.shell: only applies to a backup command", Error);
    CHECK_THROWS_WITH_AS(parse("backup:\n  command: []\n"), "rastar.yaml:2:12: backup.command: must not be empty",
                         Error);
    CHECK_THROWS_WITH_AS(parse("backup:\n  kep: 3\n"),
                         "rastar.yaml:2:3: backup.kep: unknown key; did you mean \"keep\"?", Error);
  }
}
