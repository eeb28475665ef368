// SIGTERM to `rastar-init run` before its services start (D2): during a
// migration it cancels the statement, rolls back, lets go of the lock and
// exits 143, leaving no row and no DDL of that migration; while it waits for
// a lock another session holds it exits 143 at once.

#include "cli_migrate_test_support.hpp"
#include "run_test_support.hpp"

#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/process.hpp>

#include <csignal>

namespace fs = std::filesystem;
using namespace rastar::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_slow_name = "20260201000000_slow";

// SIGTERMs `launched` and returns its exit code and how long it took to go.
std::pair<std::optional<int>, double>
terminate_timed(const Launched& launched)
{
  const auto start = std::chrono::steady_clock::now();
  kill(launched.pid, SIGTERM);
  const auto code = wait_exit(launched.pid, 20s);
  return {code, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

} // namespace

TEST_CASE("rastar-init run, SQLite: SIGTERM during a migration")
{
  TestDirectory directory;
  const auto database = fs::absolute("data/rastar.db");
  RunProject project("file:./data/rastar.db", false);
  project.write_config();
  // A statement that keeps SQLite busy for minutes unless interrupted.
  write_migration(project.migrations(), k_slow_name,
                  "CREATE TABLE \"Slow\" (n);\nINSERT INTO \"Slow\" SELECT count(*) FROM (WITH RECURSIVE c(x) AS "
                  "(SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 4000000000) SELECT x FROM c);\n");
  const auto launched = project.start();
  REQUIRE(wait_for_text(launched.err_path, "applied migration `20260106141500_add_session_tracking`", 30s));
  std::this_thread::sleep_for(300ms);
  const auto [code, seconds] = terminate_timed(launched);
  CHECK(code == 143);
  CHECK(seconds < 3);
  CHECK(error_text(launched.err())
          .starts_with("Migration `20260201000000_slow` was cancelled by SIGTERM and rolled back: nothing of it is "
                       "applied or recorded in "));
  CAPTURE(launched.err());

  CHECK_FALSE(fs::exists("worker.url"));
  CHECK(sqlite_rows(database, "SELECT migration_name FROM _prisma_migrations ORDER BY migration_name") ==
        example_migration_names());
  CHECK(sqlite_rows(database, "SELECT count(*) FROM sqlite_master WHERE name = 'Slow'") ==
        std::vector<std::string>{"0"});
  CHECK(sqlite_rows(database, "SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"0"});
  // The file's lock is free: another process writes at once.
  CHECK_NOTHROW(sqlite_execute(database, "BEGIN EXCLUSIVE; COMMIT;"));
}

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init run, PostgreSQL: SIGTERM during a migration")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    RunProject project(database.url(), true);
    project.write_config();
    write_migration(project.migrations(), k_slow_name,
                    "CREATE TABLE \"Slow\" (\"id\" INTEGER);\nSELECT pg_sleep(5);\n");
    const auto launched = project.start();
    const std::string sleeping = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                                 "state = 'active' AND query LIKE '%pg\\_sleep(5)%' AND pid <> pg_backend_pid()";
    REQUIRE_MESSAGE(wait_until([&] { return database.query(sleeping) == std::vector<std::string>{"1"}; }, 30s),
                    launched.err());
    const auto [code, seconds] = terminate_timed(launched);
    CHECK(code == 143);
    CHECK(seconds < 3);
    CAPTURE(launched.err());
    CHECK(error_text(launched.err()) ==
          "Cancelled by SIGTERM while migration `20260201000000_slow` ran. Its transaction was rolled back, so "
          "nothing of it was applied; the next deploy applies it again.\n");

    // The lock and the session are gone at once, the migration left nothing.
    CHECK(database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") ==
          std::vector<std::string>{"0"});
    CHECK(database.query(sleeping) == std::vector<std::string>{"0"});
    CHECK(database.query("SELECT migration_name FROM _prisma_migrations ORDER BY migration_name") ==
          example_migration_names());
    CHECK(database.query("SELECT count(*) FROM pg_tables WHERE tablename = 'Slow'") == std::vector<std::string>{"0"});
    CHECK(database.query("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"0"});
    CHECK_FALSE(fs::exists("worker.url"));

    // The next deploy takes the lock at once and applies the migration.
    write_migration(project.migrations(), k_slow_name, "CREATE TABLE \"Slow\" (\"id\" INTEGER);\n");
    const auto next = project.start_and_wait({"--only-migrate"});
    CHECK(next.exit_code == 0);
    CHECK(line_from(next.err, "phase migrate: ").starts_with("phase migrate: 1 of 4 migrations applied in "));
    CHECK(next.err.find("Waiting for the migration lock") == std::string::npos);
    CHECK(database.query("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL") ==
          std::vector<std::string>{"4"});
  }

  TEST_CASE("rastar-init run, PostgreSQL: SIGTERM while another session holds the migration lock")
  {
    TestDirectory directory;
    TemporaryDatabase database;
    RunProject project(database.url(), true);
    project.write_config();
    // psql reads its commands from a pipe, so the test decides when it lets go.
    boost::process::opstream to_psql;
    boost::process::child psql(boost::process::search_path("psql"), database.url(), "-X", "-q",
                               boost::process::std_in < to_psql, boost::process::std_out > boost::process::null,
                               boost::process::std_err > boost::process::null);
    to_psql << "SELECT pg_advisory_lock(72707369);" << std::endl;
    REQUIRE(wait_until(
      [&] {
        return database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND "
                              "granted") == std::vector<std::string>{"1"};
      },
      10s));

    const auto launched = project.start();
    REQUIRE(wait_for_text(launched.err_path, "Waiting for the migration lock", 10s));
    CHECK(launched.err().find("application \"psql\"") != std::string::npos);
    // D20: alive while it waits its turn, not ready.
    CHECK(status_code(project.status_port(), "/healthz") == 200);
    CHECK(status_code(project.status_port(), "/readyz") == 503);
    const auto [code, seconds] = terminate_timed(launched);
    CHECK(code == 143);
    CHECK(seconds < 2);
    CAPTURE(launched.err());
    CHECK(error_text(launched.err())
            .starts_with("Cancelled by SIGTERM while waiting for the migration lock (PostgreSQL advisory lock "
                         "72707369, the one Prisma Migrate takes) on "));
    CHECK(database.query("SELECT count(*) FROM pg_tables WHERE tablename = '_prisma_migrations'") ==
          std::vector<std::string>{"0"});
    CHECK_FALSE(fs::exists("worker.url"));

    to_psql << "\\q" << std::endl;
    to_psql.pipe().close();
    CHECK(psql.wait_for(std::chrono::seconds(10)));
  }
}
