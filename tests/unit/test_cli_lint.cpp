// `rastar-init migrate lint` and the guard policy of `migrate deploy` and
// `run --only-migrate`, as real processes on real SQLite files and a real
// PostgreSQL server.

#include "cli_migrate_test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace rastar::test;

namespace {

const std::string k_drop_line =
  "migrations/2_drop/migration.sql:2:1: drop-column: drops column \"name\" of table \"User\": the running release "
  "still reads or writes it, and its data is gone; instead, stop using the column in one release, drop it in a "
  "later migration";

// A history whose second migration drops a column (SQL both providers take).
void
write_history(const fs::path& migrations, const std::string& provider, const std::string& comment = "")
{
  write_lock_file(migrations, provider);
  write_migration(migrations, "1_init", "CREATE TABLE \"User\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT);\n");
  write_migration(migrations, "2_drop", "-- DropColumn\n" + comment + "ALTER TABLE \"User\" DROP COLUMN \"name\";\n");
}

// The closing error sentence (the refused findings are logged as errors before it).
std::string
error_line(const CommandResult& result)
{
  const auto start = result.err.rfind("rastar-init: error: ");
  return start == std::string::npos ? "" : result.err.substr(start);
}

const std::string k_refused =
  "rastar-init: error: the guard policy is refuse and the pending migrations make 1 destructive change (listed "
  "above); nothing was applied. Make the change safely, allow it on purpose with `-- rastar-init: allow RULE` on "
  "the line before the statement, or deploy with --policy warn\n";

// The finding as the guard logs it, with the absolute path deploy uses.
std::string
guard_line(const fs::path& migrations)
{
  return (migrations / "2_drop" / "migration.sql").string() + ":2:1: drop-column: drops column \"name\"";
}

} // namespace

TEST_CASE("rastar-init migrate lint")
{
  TestDirectory directory;

  SUBCASE("prints path:line:col: rule: message and exits 1")
  {
    write_history("migrations", "sqlite");
    const auto result = run_rastar({"migrate", "lint", "--migrations", "migrations"}, migrate_environment());
    CHECK(result.exit_code == 1);
    CHECK(result.out == k_drop_line + "\n");
    CHECK(result.err.find("linted 2 migrations (2 statements): 1 finding, 0 allowed") != std::string::npos);
  }

  SUBCASE("exits 0 when every finding is allowed, and lists it as allowed")
  {
    write_history("migrations", "postgresql", "-- rastar-init: allow drop-column\n");
    const auto result = run_rastar({"migrate", "lint", "--migrations", "migrations"}, migrate_environment());
    CHECK(result.exit_code == 0);
    CHECK(result.out.starts_with("migrations/2_drop/migration.sql:3:1: drop-column (allowed): drops column"));
  }

  SUBCASE("--format json")
  {
    write_history("migrations", "sqlite");
    const auto result =
      run_rastar({"migrate", "lint", "--migrations", "migrations", "--format", "json"}, migrate_environment());
    CHECK(result.exit_code == 1);
    const auto json = nlohmann::json::parse(result.out);
    CHECK(json["passes"] == false);
    REQUIRE(json["findings"].size() == 1);
    CHECK(json["findings"][0]["rule"] == "drop-column");
    CHECK(json["findings"][0]["line"] == 2);
  }

  SUBCASE("the default directory is prisma/migrations; a missing one is a configuration error")
  {
    const auto result = run_rastar({"migrate", "lint"}, migrate_environment());
    CHECK(result.exit_code == 78);
    CHECK(error_line(result) == "rastar-init: error: prisma/migrations: no migrations directory there; point "
                                "--migrations at the directory that holds the migration folders\n");
  }

  SUBCASE("--url without --pending-only is a usage error")
  {
    write_history("migrations", "sqlite");
    const auto result =
      run_rastar({"migrate", "lint", "--migrations", "migrations", "--url", "file:./dev.db"}, migrate_environment());
    CHECK(result.exit_code == 64);
    CHECK(error_line(result)
          == "rastar-init: error: --url is only read with --pending-only; without it, lint reads no database\n");
  }

  SUBCASE("--pending-only reports what the database has not applied")
  {
    write_lock_file("migrations", "sqlite");
    write_migration("migrations", "1_init", "CREATE TABLE a (id INTEGER, b TEXT);\nDELETE FROM a;\n");
    REQUIRE(run_rastar({"migrate", "deploy", "--migrations", "migrations"}, migrate_environment("file:./dev.db"))
              .exit_code
            == 0);
    write_migration("migrations", "2_next", "UPDATE a SET b = 'x';\n");
    const auto all = run_rastar({"migrate", "lint", "--migrations", "migrations"}, migrate_environment());
    CHECK(all.out.find("1_init") == std::string::npos); // same-file: a is new there
    const auto pending = run_rastar({"migrate", "lint", "--pending-only", "--migrations", "migrations"},
                                    migrate_environment("file:./dev.db"));
    CHECK(pending.exit_code == 1);
    CHECK(pending.out.find(fs::absolute("migrations/2_next/migration.sql").string() + ":1:1: update-without-where")
          == 0);
  }

  SUBCASE("--help lists the rules")
  {
    const auto result = run_rastar({"migrate", "lint", "--help"}, migrate_environment());
    CHECK(result.exit_code == 0);
    for (const auto* rule : {"drop-table", "drop-column", "rename-table", "rename-column", "change-column-type",
                             "set-not-null", "add-required-column", "constraint-without-not-valid",
                             "unique-without-concurrently", "index-without-concurrently", "remove-enum-value",
                             "rename-enum-value", "truncate", "delete-without-where", "update-without-where"}) {
      CHECK(result.out.find(std::string("  ") + rule + " ") != std::string::npos);
    }
  }
}

TEST_CASE("rastar-init migrate deploy, guard policy, SQLite")
{
  TestDirectory directory;
  const auto migrations = fs::absolute("migrations");
  write_history(migrations, "sqlite");
  auto deploy = [&](std::vector<std::string> extra, Environment environment = migrate_environment("file:./dev.db")) {
    std::vector<std::string> arguments{"migrate", "deploy", "--migrations", migrations.string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_rastar(arguments, environment);
  };
  auto applied = [] { return sqlite_rows("dev.db", "SELECT migration_name FROM _prisma_migrations ORDER BY rowid"); };

  SUBCASE("warn (the default) logs the finding and applies")
  {
    const auto result = deploy({});
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("rastar-init: warning: " + guard_line(migrations)) != std::string::npos);
    CHECK(applied() == std::vector<std::string>{"1_init", "2_drop"});
  }

  SUBCASE("refuse applies nothing and exits 76")
  {
    const auto result = deploy({"--policy", "refuse"});
    CHECK(result.exit_code == 76);
    CHECK(result.err.find("rastar-init: error: " + guard_line(migrations)) != std::string::npos);
    CHECK(error_line(result) == k_refused);
    CHECK(applied().empty());
  }

  SUBCASE("refuse from the environment; an allow comment lets it through")
  {
    auto environment = migrate_environment("file:./dev.db");
    environment["RASTAR_MIGRATION_POLICY"] = "refuse";
    CHECK(deploy({}, environment).exit_code == 76);
    write_history(migrations, "sqlite", "-- rastar-init: allow drop-column\n");
    const auto result = deploy({}, environment);
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("allowed by comment: " + (migrations / "2_drop" / "migration.sql").string())
          != std::string::npos);
  }

  SUBCASE("off says nothing")
  {
    const auto result = deploy({"--policy", "off"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("drop-column") == std::string::npos);
  }

  SUBCASE("the config's guard.policy, beaten by --policy")
  {
    write_file("rastar-init.yaml", "guard:\n  policy: refuse\n");
    CHECK(deploy({"--config", "rastar-init.yaml"}).exit_code == 76);
    CHECK(deploy({"--config", "rastar-init.yaml", "--policy", "warn"}).exit_code == 0);
  }

  SUBCASE("an unknown key in guard: is a configuration error")
  {
    write_file("rastar-init.yaml", "guard:\n  polcy: refuse\n");
    const auto result = deploy({"--config", "rastar-init.yaml"});
    CHECK(result.exit_code == 78);
    CHECK(result.err.find("polcy") != std::string::npos);
    CHECK(result.err.find("policy") != std::string::npos);
  }

  SUBCASE("drift under refuse exits 65, under warn it is logged")
  {
    REQUIRE(deploy({}).exit_code == 0);
    write_migration(migrations, "1_init", "CREATE TABLE \"User\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT);\n-- edited\n");
    fs::remove_all(migrations / "2_drop");
    write_migration(migrations, "3_more", "CREATE TABLE b (id INTEGER);\n");
    const auto refused = deploy({"--policy", "refuse"});
    CHECK(refused.exit_code == 65);
    CHECK(error_line(refused) == "rastar-init: error: the migration history was changed after it was applied (2 "
                                 "problems, listed above) and the guard policy is refuse; nothing was applied\n");
    CHECK(applied() == std::vector<std::string>{"1_init", "2_drop"});
    const auto warned = deploy({});
    CHECK(warned.exit_code == 0);
    CHECK(warned.err.find("migration `1_init` was edited after it was applied") != std::string::npos);
    CHECK(warned.err.find("migration `2_drop` is recorded as applied but its directory is missing") != std::string::npos);
    CHECK(applied() == std::vector<std::string>{"1_init", "2_drop", "3_more"});
  }
}

TEST_CASE("rastar-init run --only-migrate, guard policy, SQLite")
{
  TestDirectory directory;
  write_history("migrations", "sqlite");
  write_file("rastar-init.yaml", "database:\n  url: file:./dev.db\nmigrations: migrations\nguard:\n  policy: refuse\n"
                                 "control: {socket: \"\"}\nstatus: {listen: \"0\"}\n");
  auto applied = [] { return sqlite_rows("dev.db", "SELECT count(*) FROM _prisma_migrations"); };

  const auto refused = run_rastar({"run", "--only-migrate", "--config", "rastar-init.yaml"}, migrate_environment());
  CHECK(refused.exit_code == 76);
  CHECK(error_line(refused) == k_refused);
  CHECK(applied() == std::vector<std::string>{"0"});

  const auto warned = run_rastar({"run", "--only-migrate", "--config", "rastar-init.yaml", "--policy", "warn"},
                                 migrate_environment());
  CHECK(warned.exit_code == 0);
  CHECK(warned.err.find(guard_line(fs::absolute("migrations"))) != std::string::npos);
  CHECK(applied() == std::vector<std::string>{"2"});
}

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init migrate deploy and run --only-migrate, guard policy, PostgreSQL")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    const auto migrations = fs::absolute("migrations");
    write_history(migrations, "postgresql");
    auto deploy = [&](const std::string& policy) {
      return run_rastar({"migrate", "deploy", "--migrations", migrations.string(), "--policy", policy},
                        migrate_environment(database.url()));
    };
    auto applied = [&] { return database.query("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL"); };

    SUBCASE("refuse, then warn")
    {
      const auto refused = deploy("refuse");
      CHECK(refused.exit_code == 76);
      CHECK(error_line(refused) == k_refused);
      CHECK(applied() == std::vector<std::string>{"0"});
      const auto warned = deploy("warn");
      CHECK(warned.exit_code == 0);
      CHECK(warned.err.find(guard_line(migrations)) != std::string::npos);
      CHECK(applied() == std::vector<std::string>{"2"});
    }

    SUBCASE("off")
    {
      const auto result = deploy("off");
      CHECK(result.exit_code == 0);
      CHECK(result.err.find("drop-column") == std::string::npos);
      CHECK(applied() == std::vector<std::string>{"2"});
    }

    SUBCASE("run --only-migrate")
    {
      write_file("rastar-init.yaml", "migrations: migrations\nguard:\n  policy: refuse\n"
                                     "control: {socket: \"\"}\nstatus: {listen: \"0\"}\n");
      const auto refused =
        run_rastar({"run", "--only-migrate", "--config", "rastar-init.yaml"}, migrate_environment(database.url()));
      CHECK(refused.exit_code == 76);
      CHECK(error_line(refused) == k_refused);
      CHECK(database.query("SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"0"});
      auto environment = migrate_environment(database.url());
      const auto off = run_rastar({"run", "--only-migrate", "--config", "rastar-init.yaml", "--policy", "off"},
                                  environment);
      CHECK(off.exit_code == 0);
      CHECK(applied() == std::vector<std::string>{"2"});
    }
  }
}
