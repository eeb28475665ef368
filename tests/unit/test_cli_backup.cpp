// The backup before pending migrations (`migrate deploy`, `run`) and
// `db backup`, run as real processes against real SQLite files and a real
// PostgreSQL server, with a real backup command.

#include "cli_migrate_test_support.hpp"

#include <rastar/backup/backup_file_name.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace fs = std::filesystem;
using namespace rastar::test;

namespace {

const std::string k_first = "20250101000000_init";
const std::string k_second = "20250201000000_add_price";

// A SQLite project: two migrations, the second one pending after `deploy_first`.
struct SqliteProject
{
  fs::path migrations = fs::absolute("migrations");
  fs::path database = fs::absolute("data/rastar.db");
  fs::path backups = fs::absolute("data/backups");

  SqliteProject()
  {
    write_lock_file(migrations, "sqlite");
    write_migration(migrations, k_first,
                    "CREATE TABLE \"Item\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT NOT NULL);\n"
                    "INSERT INTO \"Item\" (\"name\") VALUES ('tea'), ('coffee');\n");
  }

  CommandResult
  rastar(std::vector<std::string> arguments) const
  {
    arguments.insert(arguments.end(), {"--migrations", migrations.string()});
    return run_rastar(arguments, migrate_environment("file:./data/rastar.db"));
  }

  void
  deploy_first() const
  {
    const auto result = rastar({"migrate", "deploy"});
    REQUIRE(result.exit_code == 0);
    write_migration(migrations, k_second,
                    "ALTER TABLE \"Item\" ADD COLUMN \"price\" INTEGER NOT NULL DEFAULT 0;\n"
                    "DELETE FROM \"Item\" WHERE \"name\" = 'tea';\n");
  }

  std::vector<fs::path>
  backup_files() const
  {
    return rastar::backup::list_backups(backups, "rastar.db", ".bak");
  }
};

std::string
error_line(const CommandResult& result)
{
  const auto start = result.err.find("rastar-init: error: ");
  return start == std::string::npos ? "" : result.err.substr(start);
}

} // namespace

TEST_CASE("rastar-init migrate deploy, backup before pending migrations (SQLite)")
{
  TestDirectory directory;
  SqliteProject project;

  SUBCASE("a fresh database holds nothing: no backup")
  {
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("not backing up " + project.database.string() + ": it holds no data yet") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(project.backups));
  }

  SUBCASE("one backup, named after the first pending migration, holding the state before it")
  {
    project.deploy_first();
    const auto before = sqlite_rows(project.database, "SELECT * FROM \"Item\" ORDER BY id");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    const auto files = project.backup_files();
    REQUIRE(files.size() == 1);
    CHECK(files[0].filename().string().ends_with("." + k_second + ".bak"));
    CHECK(result.err.find("backed up " + project.database.string() + " to " + files[0].string()) !=
          std::string::npos);
    CHECK(sqlite_rows(files[0], "SELECT * FROM \"Item\" ORDER BY id") == before);
    CHECK(sqlite_rows(files[0], "SELECT migration_name FROM _prisma_migrations") ==
          std::vector<std::string>{k_first});
    CHECK(sqlite_rows(project.database, "SELECT * FROM \"Item\" ORDER BY id") ==
          std::vector<std::string>{"2|coffee|0"});

    SUBCASE("nothing pending: no second backup")
    {
      const auto again = project.rastar({"migrate", "deploy"});
      CHECK(again.exit_code == 0);
      CHECK(project.backup_files() == files);
    }

    SUBCASE("restored, migrate status shows the earlier state")
    {
      // The README's steps: stop, copy the backup back, remove -wal and -shm, start.
      fs::copy_file(files[0], project.database, fs::copy_options::overwrite_existing);
      fs::remove(project.database.string() + "-wal");
      fs::remove(project.database.string() + "-shm");
      const auto status = project.rastar({"migrate", "status"});
      CHECK(status.exit_code == 1);
      CHECK(status.out.ends_with("Following migration have not yet been applied:\n" + k_second +
                                 "\n\nTo apply migrations in development run prisma migrate dev.\nTo apply "
                                 "migrations in production run rastar-init migrate deploy (or prisma migrate "
                                 "deploy).\n"));
      CHECK(sqlite_rows(project.database, "SELECT * FROM \"Item\" ORDER BY id") ==
            std::vector<std::string>{"1|tea", "2|coffee"});
    }
  }

  SUBCASE("--no-backup, and backup: {enabled: false}")
  {
    project.deploy_first();
    SUBCASE("flag")
    {
      CHECK(project.rastar({"migrate", "deploy", "--no-backup"}).exit_code == 0);
    }
    SUBCASE("config")
    {
      write_file("rastar.yaml", "backup:\n  enabled: false\n");
      const auto result = project.rastar({"migrate", "deploy", "--config", "rastar.yaml"});
      CHECK(result.exit_code == 0);
      CHECK(result.err.find("backups before migrations are turned off") != std::string::npos);
    }
    CHECK(project.backup_files().empty());
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"2"});
  }

  SUBCASE("a backup that fails stops the migration with nothing applied")
  {
    project.deploy_first();
    write_file("blocker", "a regular file where the directory should be");
    write_file("rastar.yaml", "backup:\n  directory: blocker/backups\n");
    const auto result = project.rastar({"migrate", "deploy", "--config", "rastar.yaml"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result) ==
          "rastar-init: error: could not back up " + project.database.string() + " into " +
            fs::absolute("blocker/backups").string() +
            ": the directory cannot be created (Not a directory); no migration was applied. Make the directory "
            "writable or set backup.directory to one that is, or skip the backup with --no-backup (backup: "
            "{enabled: false} in the config)\n");
    CHECK(result.out.find("Applying migration") == std::string::npos);
    CHECK(sqlite_rows(project.database, "SELECT migration_name FROM _prisma_migrations") ==
          std::vector<std::string>{k_first});
    CHECK(sqlite_rows(project.database, "SELECT * FROM \"Item\" ORDER BY id") ==
          std::vector<std::string>{"1|tea", "2|coffee"});
  }

  SUBCASE("a configured directory and keep")
  {
    project.deploy_first();
    write_file("rastar.yaml", "backup:\n  directory: saved\n  keep: 1\n");
    for (int i = 3; i <= 4; ++i) {
      write_migration(project.migrations, "2025030" + std::to_string(i) + "000000_more",
                      "INSERT INTO \"Item\" (\"name\") VALUES ('m" + std::to_string(i) + "');\n");
      CHECK(project.rastar({"migrate", "deploy", "--config", "rastar.yaml"}).exit_code == 0);
    }
    const auto kept = rastar::backup::list_backups(fs::absolute("saved"), "rastar.db", ".bak");
    REQUIRE(kept.size() == 1);
    CHECK(kept[0].filename().string().ends_with(".20250304000000_more.bak"));
    CHECK_FALSE(fs::exists(project.backups));
  }
}

TEST_CASE("rastar-init run --only-migrate, backup before pending migrations (SQLite)")
{
  TestDirectory directory;
  SqliteProject project;
  project.deploy_first();
  write_file("rastar.yaml", "migrations: migrations\ncontrol: {socket: \"\"}\nstatus: {listen: \"0\"}\n");
  const auto environment = migrate_environment("file:./data/rastar.db");

  SUBCASE("backed up, then migrated")
  {
    const auto result = run_rastar({"run", "--config", "rastar.yaml", "--only-migrate"}, environment);
    CHECK(result.exit_code == 0);
    const auto files = project.backup_files();
    REQUIRE(files.size() == 1);
    CHECK(sqlite_rows(files[0], "SELECT count(*) FROM \"Item\"") == std::vector<std::string>{"2"});
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"2"});
  }
  SUBCASE("--no-backup")
  {
    const auto result = run_rastar({"run", "--config", "rastar.yaml", "--only-migrate", "--no-backup"}, environment);
    CHECK(result.exit_code == 0);
    CHECK(project.backup_files().empty());
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"2"});
  }
}

TEST_CASE("rastar-init db backup (SQLite)")
{
  TestDirectory directory;
  SqliteProject project;
  project.deploy_first();

  SUBCASE("text: the file and its size, labelled manual")
  {
    const auto result = run_rastar({"db", "backup"}, migrate_environment("file:./data/rastar.db"));
    CHECK(result.exit_code == 0);
    const auto files = project.backup_files();
    REQUIRE(files.size() == 1);
    CHECK(files[0].filename().string().ends_with(".manual.bak"));
    CHECK(result.out == "Backed up " + project.database.string() + " to " + files[0].string() + " (" +
                          std::to_string(fs::file_size(files[0])) + " bytes).\n");
  }

  SUBCASE("--keep and --directory rotate only this database's backups; --format json")
  {
    const auto saved = fs::absolute("saved");
    write_file(saved / "notes.txt", "keep me");
    write_file(saved / "other.db.20250101T000000.000Z.manual.bak", "another database's");
    std::vector<std::string> made;
    for (int i = 0; i < 4; ++i) {
      const auto result = run_rastar({"db", "backup", "--keep", "2", "--directory", saved.string(), "--format", "json"},
                                     migrate_environment("file:./data/rastar.db"));
      REQUIRE(result.exit_code == 0);
      const auto json = nlohmann::json::parse(result.out);
      CHECK(json["database"] == project.database.string());
      CHECK(json["directory"] == saved.string());
      made.push_back(json["file"]);
      CHECK(json["bytes"] == fs::file_size(made.back()));
      CHECK(json["removed"].size() == (i < 2 ? 0U : 1U));
    }
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(saved)) {
      left.push_back(entry.path().string());
    }
    std::sort(left.begin(), left.end());
    std::vector<std::string> expected = {(saved / "notes.txt").string(),
                                         (saved / "other.db.20250101T000000.000Z.manual.bak").string(), made[2],
                                         made[3]};
    std::sort(expected.begin(), expected.end());
    CHECK(left == expected);
  }

  SUBCASE("a missing database")
  {
    const auto result = run_rastar({"db", "backup"}, migrate_environment("file:./data/missing.db"));
    CHECK(result.exit_code == 65);
    CHECK(error_line(result) == "rastar-init: error: there is nothing to back up: " +
                                  fs::absolute("data/missing.db").string() + " does not exist; check DATABASE_URL\n");
  }
}

namespace {

const std::string k_password = "s3cret-pw";

// The test server's URL with a password in it (trust authentication ignores
// it), so the test can look for it where it must not be.
std::string
with_password(const std::string& url)
{
  const auto at = url.find('@');
  return url.substr(0, at) + ":" + k_password + url.substr(at);
}

// A PostgreSQL project like SqliteProject, with a backup command that records
// its environment and argv, prints the password, then runs pg_dump.
struct PgProject
{
  TemporaryDatabase database;
  fs::path migrations = fs::absolute("migrations");
  fs::path backups = fs::absolute("pgbackups");
  fs::path script = fs::absolute("dump.sh");

  PgProject()
  {
    write_lock_file(migrations, "postgresql");
    write_migration(migrations, k_first,
                    "CREATE TABLE \"Item\" (\"id\" SERIAL PRIMARY KEY, \"name\" TEXT NOT NULL);\n"
                    "INSERT INTO \"Item\" (\"name\") VALUES ('tea'), ('coffee');\n");
    write_file(script, "#!/bin/sh\n"
                       "env > \"$RASTAR_BACKUP_DIR/env.txt\"\n"
                       "for word in \"$0\" \"$@\"; do printf '%s\\n' \"$word\"; done > \"$RASTAR_BACKUP_DIR/argv.txt\"\n"
                       "echo \"connecting as $PGUSER with $PGPASSWORD\"\n"
                       "exec pg_dump --format=custom --file=\"$RASTAR_BACKUP_PATH\"\n");
  }

  std::string
  url() const
  {
    return with_password(database.url());
  }

  CommandResult
  rastar(std::vector<std::string> arguments, Environment environment = {}) const
  {
    arguments.insert(arguments.end(), {"--migrations", migrations.string()});
    auto full = migrate_environment(url());
    full.insert(environment.begin(), environment.end());
    return run_rastar(arguments, full);
  }

  void
  deploy_first() const
  {
    REQUIRE(rastar({"migrate", "deploy"}).exit_code == 0);
    write_migration(migrations, k_second, "ALTER TABLE \"Item\" ADD COLUMN \"price\" INTEGER NOT NULL DEFAULT 0;\n");
  }

  std::vector<std::string>
  applied() const
  {
    return database.query("SELECT migration_name FROM _prisma_migrations ORDER BY started_at");
  }

  std::vector<fs::path>
  dumps() const
  {
    return rastar::backup::list_backups(backups, database.name(), ".dump");
  }
};

} // namespace

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init migrate deploy, backup command before pending migrations (PostgreSQL)")
  {
    TestDirectory directory;
    PgProject project;
    project.deploy_first();

    SUBCASE("the connection in the environment only, the output in the log with the password masked")
    {
      write_file("rastar.yaml", "backup:\n  directory: pgbackups\n  command: [sh, " + project.script.string() +
                                  ", --verbose]\n");
      const auto result =
        project.rastar({"migrate", "deploy", "--config", "rastar.yaml"}, {{"PGTARGETSESSIONATTRS", "any"}});
      CHECK(result.exit_code == 0);
      CHECK(project.applied() == std::vector<std::string>{k_first, k_second});

      const auto dumps = project.dumps();
      REQUIRE(dumps.size() == 1);
      CHECK(dumps[0].filename().string().ends_with("." + k_second + ".dump"));
      const auto argv = read_file(project.backups / "argv.txt");
      CHECK(argv == project.script.string() + "\n--verbose\n");
      const auto environment = read_file(project.backups / "env.txt");
      const std::vector<std::string> expected = {
        "PGPASSWORD=" + k_password, "PGDATABASE=" + project.database.name(), "PGUSER=postgres",
        "RASTAR_BACKUP_DIR=" + project.backups.string(), "RASTAR_BACKUP_PATH=" + dumps[0].string(),
        "RASTAR_BACKUP_NAME=" + dumps[0].filename().string(), "RASTAR_BACKUP_LABEL=" + k_second,
        "RASTAR_BACKUP_SCHEMA=public", "PGAPPNAME=rastar-init"};
      for (const auto& line : expected) {
        CAPTURE(line);
        CHECK(environment.find("\n" + line + "\n") != std::string::npos);
      }
      // An inherited libpq variable the URL does not set is not passed on.
      CHECK(environment.find("PGTARGETSESSIONATTRS") == std::string::npos);
      CHECK(result.err.find("backup command: connecting as postgres with ****\n") != std::string::npos);
      CHECK(result.err.find(k_password) == std::string::npos);
      CHECK(result.out.find(k_password) == std::string::npos);

      // The dump is pg_dump's and holds the table as it was before the migration.
      const auto restored = run({"/usr/bin/pg_restore", "--file=-", dumps[0].string()});
      CHECK(restored.exit_code == 0);
      CHECK(restored.out.find("CREATE TABLE public.\"Item\"") != std::string::npos);
      CHECK(restored.out.find("price") == std::string::npos);
    }

    SUBCASE("a failing command stops the migration with nothing applied")
    {
      write_file("rastar.yaml",
                 "backup:\n  directory: pgbackups\n  command: echo dumping; touch \"$$RASTAR_BACKUP_PATH\"; exit 3\n"
                 "  shell: true\n");
      const auto result = project.rastar({"migrate", "deploy", "--config", "rastar.yaml"});
      CHECK(result.exit_code == 65);
      CHECK(error_line(result) ==
            "rastar-init: error: the backup command `/bin/sh` exited with code 3 (its output is in the log above); "
            "no migration was applied. Fix backup.command, or skip the backup with --no-backup (backup: {enabled: "
            "false} in the config)\n");
      CHECK(result.err.find("backup command: dumping\n") != std::string::npos);
      CHECK(project.applied() == std::vector<std::string>{k_first});
      // The half-written file is gone, so it never counts as a backup.
      CHECK(project.dumps().empty());
    }

    SUBCASE("off by default: no command, no backup")
    {
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 0);
      CHECK(project.applied() == std::vector<std::string>{k_first, k_second});
      CHECK_FALSE(fs::exists("backups"));
    }
  }

  TEST_CASE("rastar-init db backup (PostgreSQL)")
  {
    TestDirectory directory;
    PgProject project;
    project.deploy_first();

    SUBCASE("the README's pg_dump command, written as one string with shell: true")
    {
      write_file("rastar.yaml", "backup:\n  command: pg_dump --format=custom --file=\"$$RASTAR_BACKUP_PATH\"\n"
                                "  shell: true\n  keep: 2\n");
      std::vector<std::string> outputs;
      for (int i = 0; i < 3; ++i) {
        const auto result = run_rastar({"db", "backup", "--config", "rastar.yaml"}, migrate_environment(project.url()));
        REQUIRE(result.exit_code == 0);
        outputs.push_back(result.out);
      }
      const auto dumps = rastar::backup::list_backups(fs::absolute("backups"), project.database.name(), ".dump");
      REQUIRE(dumps.size() == 2);
      CHECK(dumps[1].filename().string().ends_with(".manual.dump"));
      CHECK(outputs[2].find(" to " + dumps[1].string() + " (" + std::to_string(fs::file_size(dumps[1])) +
                            " bytes).\nDeleted the old backup ") != std::string::npos);
      CHECK(outputs[2].find(k_password) == std::string::npos);
      CHECK(run({"/usr/bin/pg_restore", "--list", dumps[1].string()}).exit_code == 0);
    }

    SUBCASE("without a command it says so")
    {
      const auto result = run_rastar({"db", "backup"}, migrate_environment(project.url()));
      CHECK(result.exit_code == 78);
      const auto redacted = project.database.url().substr(0, project.database.url().find('@')) + ":****" +
                            project.database.url().substr(project.database.url().find('@'));
      CHECK(error_line(result) ==
            "rastar-init: error: no backup command is configured for " + redacted +
              ": rastar-init backs PostgreSQL up only through one; set backup.command in the config (for example "
              "pg_dump --format=custom --file=\"$$RASTAR_BACKUP_PATH\" with shell: true)\n");
    }
  }
}
