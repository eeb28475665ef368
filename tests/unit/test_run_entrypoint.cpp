// `rastar-init run` end to end, through the real binary on SQLite and on
// PostgreSQL: the first start (migrate, seed, services), the second (nothing
// twice), a migration added between starts, a failing migration and its
// `migrate resolve`, a missing admin password, the flags that skip phases,
// and `run -- CMD` with a database.

#include "cli_migrate_test_support.hpp"
#include "run_test_support.hpp"

#include <rastar/seed/password_hash.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <functional>
#include <regex>

namespace fs = std::filesystem;
using namespace rastar::test;
using namespace std::chrono_literals;

namespace {

// The database of one case, as the scenarios read it back.
struct Database
{
  std::string url;
  bool postgres = false;
  Rows rows;
};

Database
sqlite_database()
{
  const auto path = fs::absolute("data/rastar.db");
  return {"file:./data/rastar.db", false, [path](const std::string& sql) { return sqlite_rows(path, sql); }};
}

Database
postgres_database(const TemporaryDatabase& database)
{
  return {database.url(), true, [&database](const std::string& sql) { return database.query(sql); }};
}

const std::regex k_cuid("c[0-9a-z]{24}");
const std::regex k_iso_millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00)");

constexpr const char* k_applied_names =
  "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL "
  "ORDER BY migration_name";

std::vector<std::string>
names_with(std::vector<std::string> names, const std::string& extra)
{
  names.push_back(extra);
  return names;
}

// What the worker service saw as DATABASE_URL: the absolute file for SQLite (D7).
std::string
url_seen_by_services(const Database& database)
{
  return database.postgres ? database.url : "file:" + fs::absolute("data/rastar.db").string();
}

// Starts `run`, waits until /readyz says 200, checks the services and what
// `rastar-init status --json` says, then SIGTERMs it: exit 0. Returns its log.
std::string
start_serve_and_stop(const RunProject& project, const Database& database)
{
  fs::remove("worker.url");
  const auto launched = project.start();
  const bool ready = wait_ready(project.status_port(), launched.pid);
  if (!ready) {
    kill(launched.pid, SIGTERM);
    wait_exit(launched.pid, 20s);
    FAIL("rastar-init run did not get ready; its log:\n" << launched.err());
  }
  const auto status = run_rastar({"status", "--json", "--listen", "127.0.0.1:" + std::to_string(project.status_port())},
                                 {{"RASTAR_INIT_CONFIG", std::nullopt}});
  CHECK(status.exit_code == 0);
  const auto json = nlohmann::json::parse(status.out);
  CHECK(json["phase"] == "running");
  CHECK(json["ready"] == true);
  REQUIRE(json["services"].size() == 2);
  for (const auto& service : json["services"]) {
    CHECK(service["pid"].is_number());
  }
  CHECK(wait_until([] { return fs::exists("worker.url"); }, 10s));
  CHECK(read_file("worker.url") == url_seen_by_services(database) + "\n");
  CHECK(fs::exists("web.ready"));
  kill(launched.pid, SIGTERM);
  CHECK(wait_exit(launched.pid, 20s) == 0);
  const auto log = launched.err();
  CHECK(launched.out().find(k_run_admin_password) == std::string::npos);
  CHECK(log.find(k_run_admin_password) == std::string::npos);
  return log;
}

void
check_seeded_rows(const Database& database)
{
  const auto admin = database.rows("SELECT id || '|' || email || '|' || role FROM \"AdminUser\"");
  REQUIRE(admin.size() == 1);
  const auto admin_id = admin[0].substr(0, admin[0].find('|'));
  CHECK(std::regex_match(admin_id, k_cuid));
  CHECK(admin[0].substr(admin_id.size()) == "|admin@rastar.local|owner");
  const auto hash = database.rows("SELECT \"passwordHash\" FROM \"AdminUser\"").at(0);
  CHECK(hash.starts_with("$2b$12$"));
  CHECK(rastar::seed::bcrypt_verify(k_run_admin_password, hash));

  const auto pack = database.rows("SELECT id || '|' || slug || '|' || name || '|' || description || '|' || credits "
                                  "|| '|' || price || '|' || currency || '|' || \"isDefault\" || '|' || \"isActive\" "
                                  "FROM \"Pack\"");
  REQUIRE(pack.size() == 1);
  const auto pack_id = pack[0].substr(0, pack[0].find('|'));
  CHECK(std::regex_match(pack_id, k_cuid));
  CHECK(pack[0].substr(pack_id.size()) == (database.postgres
                                             ? "|starter|Starter|100 credits to try the bot|100|0|XTR|true|true"
                                             : "|starter|Starter|100 credits to try the bot|100|0|XTR|1|1"));

  // D21: the time the apps' Prisma client writes, in UTC.
  for (const std::string table : {"AdminUser", "Pack"}) {
    CAPTURE(table);
    if (database.postgres) {
      CHECK(database.rows("SELECT (\"createdAt\" = \"updatedAt\" AND \"createdAt\" BETWEEN (now() AT TIME ZONE "
                          "'UTC') - interval '1 minute' AND (now() AT TIME ZONE 'UTC'))::text FROM \"" +
                          table + "\"") == std::vector<std::string>{"true"});
      CHECK(database.rows("SELECT data_type || '|' || datetime_precision FROM information_schema.columns WHERE "
                          "table_name = '" +
                          table + "' AND column_name = 'createdAt'") ==
            std::vector<std::string>{"timestamp without time zone|3"});
    } else {
      const auto times = database.rows("SELECT \"createdAt\" || '|' || \"updatedAt\" FROM \"" + table + "\"").at(0);
      const auto created = times.substr(0, times.find('|'));
      CHECK(std::regex_match(created, k_iso_millis));
      CHECK(times == created + "|" + created);
    }
  }
}

// First start, second start, and a migration added between starts.
void
check_starts(const Database& database)
{
  RunProject project(database.url, database.postgres);
  project.write_config();

  // First start: the three example migrations, both seeds, both services.
  const auto first = start_serve_and_stop(project, database);
  CHECK(line_from(first, "phase migrate: ").starts_with("phase migrate: 3 of 3 migrations applied in "));
  CHECK(line_from(first, "phase seed: ").starts_with("phase seed: 2 of 2 seeds written, 0 already there, in "));
  CHECK(count_lines(first, "applied migration `") == 3);
  CHECK(database.rows(k_applied_names) == example_migration_names());
  check_seeded_rows(database);

  // Second start: nothing applied or seeded again, nothing rewritten.
  const std::string history_sql = "SELECT migration_name || '|' || id || '|' || finished_at FROM "
                                  "_prisma_migrations ORDER BY migration_name";
  const std::string rows_sql = "SELECT id || '|' || \"passwordHash\" || '|' || \"updatedAt\" FROM \"AdminUser\" "
                               "UNION ALL SELECT id || '|' || slug || '|' || \"updatedAt\" FROM \"Pack\"";
  const auto history = database.rows(history_sql);
  const auto seeded = database.rows(rows_sql);
  REQUIRE(history.size() == 3);
  REQUIRE(seeded.size() == 2);
  const auto second = start_serve_and_stop(project, database);
  CHECK(line_from(second, "phase migrate: ").starts_with("phase migrate: 0 of 3 migrations applied in "));
  CHECK(line_from(second, "phase seed: ").starts_with("phase seed: 0 of 2 seeds written, 2 already there, in "));
  CHECK(count_lines(second, "applied migration `") == 0);
  CHECK(database.rows(history_sql) == history);
  CHECK(database.rows(rows_sql) == seeded);

  // A migration added between starts is applied on the next one.
  write_migration(project.migrations(), "20260201000000_add_banner",
                  "CREATE TABLE \"Banner\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"text\" TEXT NOT NULL);\n");
  const auto third = start_serve_and_stop(project, database);
  CHECK(line_from(third, "phase migrate: ").starts_with("phase migrate: 1 of 4 migrations applied in "));
  CHECK(line_from(third, "applied migration `").starts_with("applied migration `20260201000000_add_banner` in "));
  CHECK(line_from(third, "phase seed: ").starts_with("phase seed: 0 of 2 seeds written, 2 already there, in "));
  CHECK(database.rows(k_applied_names) == names_with(example_migration_names(), "20260201000000_add_banner"));
  CHECK(database.rows("SELECT count(*) FROM \"Banner\"") == std::vector<std::string>{"0"});
  CHECK(database.rows(rows_sql) == seeded);
}

// A failing migration stops `run` before the services; `migrate resolve
// --rolled-back` and a fixed file let the next start through.
void
check_failing_migration(const Database& database)
{
  RunProject project(database.url, database.postgres);
  project.write_config();
  const std::string name = "20260201000000_broken";
  write_migration(project.migrations(), name,
                  "CREATE TABLE \"Half\" (\"id\" INTEGER NOT NULL);\nINSERT INTO \"Nowhere\" VALUES (1);\n");

  const auto failed = project.start_and_wait();
  CHECK(failed.exit_code == 65);
  const auto error = error_text(failed.err);
  CHECK(error.starts_with("P3018: A migration failed to apply. New migrations cannot be applied before the error is "
                          "recovered from. Read more about how to resolve migration issues in a production "
                          "database: https://pris.ly/d/migrate-resolve\n\nMigration name: " +
                          name + "\n\n"));
  CHECK(error.find("Nowhere") != std::string::npos);
  CHECK(error.ends_with("\nThe migration was recorded as failed. Fix the cause, then run `rastar-init migrate "
                        "resolve --rolled-back \"" +
                        name + "\"` and deploy again.\n"));
  CHECK_FALSE(fs::exists("worker.url"));
  CHECK_FALSE(fs::exists("web.ready"));
  CHECK(database.rows("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"0"});
  CHECK(database.rows(database.postgres ? "SELECT count(*) FROM pg_tables WHERE tablename = 'Half'"
                                        : "SELECT count(*) FROM sqlite_master WHERE name = 'Half'") ==
        std::vector<std::string>{"0"});
  CHECK(database.rows("SELECT migration_name || '|' || applied_steps_count || '|' || (finished_at IS NULL) FROM "
                      "_prisma_migrations WHERE migration_name = '" +
                      name + "'") == std::vector<std::string>{name + "|0|" + (database.postgres ? "true" : "1")});

  // The next start stops at P3009 and names both commands.
  const auto blocked = project.start_and_wait();
  CHECK(blocked.exit_code == 65);
  CHECK(error_text(blocked.err).starts_with("P3009: migrate found failed migrations in the target database, new "
                                            "migrations will not be applied. Read more about how to resolve "
                                            "migration issues in a production database: "
                                            "https://pris.ly/d/migrate-resolve\nThe `" +
                                            name + "` migration started at "));
  CHECK(error_text(blocked.err).ends_with(
    " failed\n\nFix the database by hand, then mark the migration with `rastar-init migrate resolve --rolled-back \"" +
    name + "\"` (you undid it) or `--applied \"" + name + "\"` (you completed it).\n"));
  CHECK_FALSE(fs::exists("worker.url"));

  const auto resolved = project.rastar({"migrate", "resolve", "--rolled-back", name});
  CHECK(resolved.exit_code == 0);
  CHECK(resolved.out == "\nMigration " + name + " marked as rolled back.\n");
  write_migration(project.migrations(), name, "CREATE TABLE \"Half\" (\"id\" INTEGER NOT NULL);\n");
  const auto good = start_serve_and_stop(project, database);
  CHECK(line_from(good, "phase migrate: ").starts_with("phase migrate: 1 of 4 migrations applied in "));
  CHECK(line_from(good, "phase seed: ").starts_with("phase seed: 2 of 2 seeds written, 0 already there, in "));
  CHECK(database.rows(k_applied_names) == names_with(example_migration_names(), name));
  CHECK(database.rows("SELECT count(*) FROM _prisma_migrations WHERE migration_name = '" + name +
                      "' AND rolled_back_at IS NOT NULL") == std::vector<std::string>{"1"});
}

// A missing admin password: exit 66 naming the seed and the variable, no
// row of either seed, no services.
void
check_missing_password(const Database& database)
{
  RunProject project(database.url, database.postgres);
  project.write_config();

  SUBCASE("ADMIN_PASSWORD unset")
  {
    const auto result = project.start_and_wait({}, {{"ADMIN_PASSWORD", ""}});
    CHECK(result.exit_code == 66);
    CHECK(error_text(result.err) ==
          "Seed \"admin\" failed: values.passwordHash: neither ADMIN_PASSWORD nor ADMIN_PASSWORD_FILE is set; set "
          "one of them (ADMIN_PASSWORD_FILE names a file that holds the password, as Docker secrets do). Nothing of "
          "this seed was written.\n");
  }
  SUBCASE("ADMIN_PASSWORD_FILE names a missing file")
  {
    const auto missing = fs::absolute("secrets/admin_password").string();
    const auto result = project.start_and_wait({}, {{"ADMIN_PASSWORD", ""}, {"ADMIN_PASSWORD_FILE", missing}});
    CHECK(result.exit_code == 66);
    CHECK(error_text(result.err) == "Seed \"admin\" failed: values.passwordHash: ADMIN_PASSWORD_FILE names a file "
                                    "that cannot be read: " +
                                      missing + ": cannot read: No such file or directory. Nothing of this seed was written.\n");
  }
  SUBCASE("ADMIN_PASSWORD and ADMIN_PASSWORD_FILE both set")
  {
    write_file("admin_password", std::string(k_run_admin_password) + "\n");
    const auto result = project.start_and_wait(
      {}, {{"ADMIN_PASSWORD_FILE", fs::absolute("admin_password").string()}});
    CHECK(result.exit_code == 66);
    CHECK(error_text(result.err) == "Seed \"admin\" failed: values.passwordHash: both ADMIN_PASSWORD and "
                                    "ADMIN_PASSWORD_FILE are set; set only one. Nothing of this seed was written.\n");
    CHECK(result.err.find(k_run_admin_password) == std::string::npos);
    CHECK(result.out.find(k_run_admin_password) == std::string::npos);
  }
  CHECK(database.rows(k_applied_names) == example_migration_names());
  CHECK(database.rows("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"0"});
  CHECK(database.rows("SELECT count(*) FROM \"Pack\"") == std::vector<std::string>{"0"});
  CHECK_FALSE(fs::exists("worker.url"));
  CHECK_FALSE(fs::exists("web.ready"));
}

// --only-migrate, --no-migrate and --no-seed.
void
check_phase_flags(const Database& database)
{
  RunProject project(database.url, database.postgres);
  project.write_config();

  const auto migrated = project.start_and_wait({"--only-migrate", "--no-seed"});
  CHECK(migrated.exit_code == 0);
  CHECK(line_from(migrated.err, "phase migrate: ").starts_with("phase migrate: 3 of 3 migrations applied in "));
  CHECK(line_from(migrated.err, "phase seed: ") == "phase seed: skipped (--no-seed)");
  CHECK(line_from(migrated.err, "--only-migrate") == "--only-migrate: the database is ready; not starting services");
  CHECK(database.rows(k_applied_names) == example_migration_names());
  CHECK(database.rows("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"0"});
  CHECK_FALSE(fs::exists("worker.url"));

  write_migration(project.migrations(), "20260201000000_add_banner", "CREATE TABLE \"Banner\" (\"id\" INTEGER);\n");
  const auto seeded = project.start_and_wait({"--only-migrate", "--no-migrate"});
  CHECK(seeded.exit_code == 0);
  CHECK(line_from(seeded.err, "phase migrate: ") == "phase migrate: skipped (--no-migrate)");
  CHECK(line_from(seeded.err, "phase seed: ").starts_with("phase seed: 2 of 2 seeds written, 0 already there, in "));
  CHECK(database.rows(k_applied_names) == example_migration_names());
  CHECK(database.rows("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"1"});
  CHECK(database.rows("SELECT count(*) FROM \"Pack\"") == std::vector<std::string>{"1"});
  CHECK_FALSE(fs::exists("worker.url"));

  const auto both = project.start_and_wait({"--only-migrate", "--no-migrate", "--no-seed"});
  CHECK(both.exit_code == 0);
  CHECK(line_from(both.err, "phase migrate: ") == "phase migrate: skipped (--no-migrate)");
  CHECK(line_from(both.err, "phase seed: ") == "phase seed: skipped (--no-seed)");
  CHECK(line_from(both.err, "phase lock: ").empty());

  // Without --only-migrate the services start, with nothing migrated.
  fs::remove("worker.url");
  const auto launched = project.start({"--no-migrate"});
  REQUIRE(wait_ready(project.status_port(), launched.pid));
  CHECK(read_file("worker.url") == url_seen_by_services(database) + "\n");
  kill(launched.pid, SIGTERM);
  CHECK(wait_exit(launched.pid, 20s) == 0);
  CHECK(database.rows(k_applied_names) == example_migration_names());
}

// `run -- CMD` with a database and no config: the default prisma/ folder is
// migrated, then CMD runs as the critical service and its code comes back.
// rastar-init loads libpq for PostgreSQL's phases only, then executes itself
// again to supervise without it: CMD reads its parent's mappings.
void
check_run_command(const Database& database)
{
  fs::create_directories("prisma");
  fs::copy_file(fs::path(RASTAR_SOURCE_DIR) / "examples/rastar/schema.prisma", "prisma/schema.prisma");
  fs::copy(fs::path(RASTAR_SOURCE_DIR) / "examples/rastar" / (database.postgres ? "migrations" : "migrations-sqlite"),
           "prisma/migrations", fs::copy_options::recursive);
  auto environment = launch_environment(database.url);
  environment["RASTAR_STATUS_LISTEN"] = "";
  const auto launched = launch({RASTAR_INIT_BINARY, "run", "--", "/bin/sh", "-c",
                                "echo \"$DATABASE_URL\" > cmd.url; cat /proc/$PPID/maps > cmd.maps; "
                                "cat /proc/$PPID/comm > cmd.comm; exit 7"},
                               environment);
  CHECK(wait_exit(launched.pid, 60s) == 7);
  CHECK(line_from(launched.err(), "phase migrate: ").starts_with("phase migrate: 3 of 3 migrations applied in "));
  CHECK(read_file("cmd.url") == url_seen_by_services(database) + "\n");
  CHECK(read_file("cmd.maps").find("/libc.so.6") != std::string::npos);
  CHECK(read_file("cmd.maps").find("/libpq.so.5") == std::string::npos);
  // Executed again by its own name: ps and pgrep still say rastar-init.
  CHECK(read_file("cmd.comm") == "rastar-init\n");
  CHECK(database.rows(k_applied_names) == example_migration_names());
}

} // namespace

TEST_CASE("rastar-init run, SQLite: first start, second start, a migration added between starts")
{
  TestDirectory directory;
  check_starts(sqlite_database());
}

TEST_CASE("rastar-init run, SQLite: a failing migration, migrate resolve, a good start")
{
  TestDirectory directory;
  check_failing_migration(sqlite_database());
}

TEST_CASE("rastar-init run, SQLite: the admin's password is missing")
{
  TestDirectory directory;
  check_missing_password(sqlite_database());
}

TEST_CASE("rastar-init run, SQLite: --only-migrate, --no-migrate, --no-seed")
{
  TestDirectory directory;
  check_phase_flags(sqlite_database());
}

TEST_CASE("rastar-init run -- CMD, SQLite: migrates, then CMD's exit code passes through")
{
  TestDirectory directory;
  check_run_command(sqlite_database());
}

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init run, PostgreSQL: first start, second start, a migration added between starts")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    check_starts(postgres_database(database));
  }

  TEST_CASE("rastar-init run, PostgreSQL: a failing migration, migrate resolve, a good start")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    check_failing_migration(postgres_database(database));
  }

  TEST_CASE("rastar-init run, PostgreSQL: the admin's password is missing")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    check_missing_password(postgres_database(database));
  }

  TEST_CASE("rastar-init run, PostgreSQL: --only-migrate, --no-migrate, --no-seed")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    check_phase_flags(postgres_database(database));
  }

  TEST_CASE("rastar-init run -- CMD, PostgreSQL: migrates, then CMD's exit code passes through")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    check_run_command(postgres_database(database));
  }
}
