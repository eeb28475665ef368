// Faults around a running `rastar-init migrate deploy`: kill -9, a server
// that goes away, SIGTERM (decision D2), a file that cannot be written, a full
// disk, and many deploys at once on one SQLite file. Each case checks the exit
// code and that the database holds nothing half-written afterwards.

#include "cli_migrate_test_support.hpp"
#include "supervise_test_support.hpp"

#include <doctest/doctest.h>

#include <boost/process/search_path.hpp>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <thread>

namespace fs = std::filesystem;
using namespace rastar::test;
using namespace std::chrono_literals;

namespace {

std::string
error_line(const std::string& err)
{
  const auto start = err.find("rastar-init: error: ");
  return start == std::string::npos ? "" : err.substr(start);
}

// A statement that keeps SQLite busy for minutes unless interrupted.
constexpr const char* k_slow_sqlite =
  "CREATE TABLE slow (n);\nINSERT INTO slow SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
  "SELECT x + 1 FROM c LIMIT 4000000000) SELECT x FROM c);\n";

struct SqliteProject
{
  fs::path migrations = fs::absolute("migrations");
  fs::path database = fs::absolute("dev.db");

  SqliteProject()
  {
    write_lock_file(migrations, "sqlite");
  }

  std::vector<std::string>
  argv() const
  {
    return {RASTAR_INIT_BINARY, "migrate", "deploy", "--migrations", migrations.string()};
  }

  CommandResult
  deploy() const
  {
    return run_rastar({"migrate", "deploy", "--migrations", migrations.string()}, migrate_environment("file:./dev.db"));
  }
};

// Whether a fresh process can take the file's write lock at once.
bool
sqlite_lock_free(const fs::path& database)
{
  const auto shell = run({boost::process::search_path("sqlite3").string(), database.string(),
                          "BEGIN EXCLUSIVE; COMMIT;"});
  return shell.exit_code == 0;
}

// Makes a file immutable (chattr +i) for the object's life.
class Immutable
{
public:
  explicit Immutable(fs::path path)
    : m_path(std::move(path))
  {
    const auto chattr = run({boost::process::search_path("chattr").string(), "+i", m_path.string()});
    m_applied = chattr.exit_code == 0;
    m_reason = chattr.err;
  }

  ~Immutable()
  {
    if (m_applied) {
      run({boost::process::search_path("chattr").string(), "-i", m_path.string()});
    }
  }

  Immutable(const Immutable&) = delete;
  Immutable& operator=(const Immutable&) = delete;

  bool
  applied() const
  {
    return m_applied;
  }

  const std::string&
  reason() const
  {
    return m_reason;
  }

private:
  fs::path m_path;
  bool m_applied = false;
  std::string m_reason;
};

} // namespace

TEST_CASE("rastar-init migrate deploy, SQLite, faults")
{
  TestDirectory directory;
  SqliteProject project;
  write_migration(project.migrations, "20240101000000_init", "CREATE TABLE a (x);\n");

  SUBCASE("8 deploys started together on one file apply every migration exactly once and all exit 0")
  {
    for (int index = 2; index <= 6; ++index) {
      write_migration(project.migrations, "2024010100000" + std::to_string(index) + "_m",
                      "CREATE TABLE t" + std::to_string(index) + " (x);\nINSERT INTO t" + std::to_string(index) +
                        " WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000) SELECT x FROM c;\n");
    }
    std::vector<Launched> deploys;
    for (int index = 0; index < 8; ++index) {
      deploys.push_back(launch(project.argv(), launch_environment("file:./dev.db")));
    }
    for (const auto& deploy : deploys) {
      CHECK(wait_exit(deploy.pid, 60s) == 0);
      CHECK(deploy.err().find("error") == std::string::npos);
    }
    CHECK(sqlite_rows(project.database, "SELECT count(*), count(DISTINCT migration_name), count(finished_at) FROM "
                                        "_prisma_migrations") == std::vector<std::string>{"6|6|6"});
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM t6") == std::vector<std::string>{"20000"});
  }

  SUBCASE("SIGTERM during a long migration: exit 143, nothing of it written, the lock released (D2)")
  {
    REQUIRE(project.deploy().exit_code == 0);
    write_migration(project.migrations, "20240102000000_slow", k_slow_sqlite);
    const auto deploy = launch(project.argv(), launch_environment("file:./dev.db"));
    REQUIRE(wait_for_text(deploy.out_path, "Applying migration `20240102000000_slow`", 20s));
    std::this_thread::sleep_for(200ms);
    const auto start = std::chrono::steady_clock::now();
    kill(deploy.pid, SIGTERM);
    CHECK(wait_exit(deploy.pid, 20s) == 143);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK(error_line(deploy.err()) ==
          "rastar-init: error: Migration `20240102000000_slow` was cancelled by SIGTERM and rolled back: nothing of it "
          "is applied or recorded in SQLite database " +
            project.database.string() + ".\n");
    CHECK(sqlite_lock_free(project.database));
    CHECK(sqlite_rows(project.database, "SELECT migration_name FROM _prisma_migrations") ==
          std::vector<std::string>{"20240101000000_init"});
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM sqlite_master WHERE name = 'slow'") ==
          std::vector<std::string>{"0"});
  }

  SUBCASE("kill -9 during a long migration, then deploy again: applied once, no stale row")
  {
    REQUIRE(project.deploy().exit_code == 0);
    write_migration(project.migrations, "20240102000000_slow", k_slow_sqlite);
    const auto deploy = launch(project.argv(), launch_environment("file:./dev.db"));
    REQUIRE(wait_for_text(deploy.out_path, "Applying migration `20240102000000_slow`", 20s));
    std::this_thread::sleep_for(200ms);
    kill(deploy.pid, SIGKILL);
    CHECK(wait_exit(deploy.pid, 20s) == 137);
    write_migration(project.migrations, "20240102000000_slow", "CREATE TABLE slow (n);\n");
    const auto again = project.deploy();
    CHECK(again.exit_code == 0);
    CHECK(again.out == deploy_output(project.migrations, 2, {"20240102000000_slow"}));
    CHECK(sqlite_rows(project.database, "SELECT migration_name, finished_at IS NOT NULL FROM _prisma_migrations "
                                        "ORDER BY rowid") ==
          std::vector<std::string>{"20240101000000_init|1", "20240102000000_slow|1"});
    CHECK(sqlite_rows(project.database, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  }

  SUBCASE("SIGTERM while waiting for the lock: exit 143 at once")
  {
    REQUIRE(project.deploy().exit_code == 0);
    write_migration(project.migrations, "20240102000000_b", "CREATE TABLE b (x);\n");
    // The holder waits out sqlite_lock_free's own brief BEGIN EXCLUSIVE
    // instead of failing on it at once (the shell's busy timeout is 0).
    const auto shell = launch({boost::process::search_path("sqlite3").string(), "-cmd", ".timeout 10000",
                               project.database.string(), "BEGIN EXCLUSIVE; SELECT count(*) FROM a; SELECT count(*) FROM (WITH RECURSIVE c(x) AS "
                               "(SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 4000000000) SELECT x FROM c);"});
    REQUIRE(wait_until([&] { return !sqlite_lock_free(project.database); }, 10s));
    const auto deploy = launch(project.argv(), launch_environment("file:./dev.db"));
    // The count is printed just before the lock is taken.
    REQUIRE(wait_for_text(deploy.out_path, "migrations found", 10s));
    std::this_thread::sleep_for(100ms);
    kill(deploy.pid, SIGTERM);
    CHECK(wait_exit(deploy.pid, 10s) == 143);
    CHECK(error_line(deploy.err()) == "rastar-init: error: Stopped waiting for the migration lock on SQLite database " +
                                        project.database.string() + ": received SIGTERM.\n");
    kill(shell.pid, SIGKILL);
    wait_exit(shell.pid, 10s);
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"1"});
  }

  SUBCASE("a file that cannot be written (chattr +i): a clear error naming the file, nothing written")
  {
    REQUIRE(project.deploy().exit_code == 0);
    write_migration(project.migrations, "20240102000000_b", "CREATE TABLE b (x);\n");
    Immutable immutable(project.database);
    if (!immutable.applied()) {
      MESSAGE("SKIPPED: chattr +i is not available here (" << immutable.reason() << ")");
      return;
    }
    const auto result = project.deploy();
    CHECK(result.exit_code == 65);
    CHECK(error_line(result.err).starts_with("rastar-init: error: Cannot "));
    CHECK(error_line(result.err).find("SQLite database " + project.database.string() + ": attempt to write a "
                                      "readonly database.") != std::string::npos);
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"1"});
  }

  SUBCASE("a full disk (a file size limit): a clear error naming the file, no row, the file intact")
  {
    REQUIRE(project.deploy().exit_code == 0);
    write_migration(project.migrations, "20240102000000_big",
                    "CREATE TABLE big (x);\nINSERT INTO big WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                    "LIMIT 4000) SELECT randomblob(1000) FROM c;\n");
    const auto result = run({boost::process::search_path("prlimit").string(), "--fsize=1000000", RASTAR_INIT_BINARY,
                             "migrate", "deploy", "--migrations", project.migrations.string()},
                            migrate_environment("file:./dev.db"));
    CHECK(result.exit_code == 65);
    CHECK(error_line(result.err).starts_with("rastar-init: error: Cannot apply migration `20240102000000_big` to "
                                             "SQLite database " +
                                             project.database.string() + ": "));
    // The interrupted transaction's journal is rolled back by the next
    // writer, as after a crash; the migration is then applied once.
    CHECK(project.deploy().exit_code == 0);
    CHECK(sqlite_rows(project.database, "SELECT migration_name, finished_at IS NOT NULL FROM _prisma_migrations "
                                        "ORDER BY rowid") ==
          std::vector<std::string>{"20240101000000_init|1", "20240102000000_big|1"});
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM big") == std::vector<std::string>{"4000"});
    CHECK(sqlite_rows(project.database, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  }
}

TEST_SUITE("postgres")
{
  namespace {

  struct PgFaultProject
  {
    TemporaryDatabase database;
    fs::path migrations = fs::absolute("migrations");

    PgFaultProject()
    {
      write_lock_file(migrations, "postgresql");
    }

    std::vector<std::string>
    argv() const
    {
      return {RASTAR_INIT_BINARY, "migrate", "deploy", "--migrations", migrations.string()};
    }

    CommandResult
    deploy() const
    {
      return run_rastar({"migrate", "deploy", "--migrations", migrations.string()},
                        migrate_environment(database.url()));
    }

    Launched
    launch_deploy() const
    {
      return launch(argv(), launch_environment(database.url()));
    }

    // The pid of rastar-init's backend once it runs a statement matching `like`.
    std::string
    backend_running(const std::string& like) const
    {
      std::string pid;
      wait_until(
        [&] {
          const auto rows = database.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'rastar-init' "
                                           "AND state = 'active' AND query LIKE '" +
                                           like + "'");
          pid = rows.empty() ? "" : rows.front();
          return !pid.empty();
        },
        20s);
      return pid;
    }

    bool
    rastar_gone() const
    {
      return wait_until(
        [&] {
          return database.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rastar-init'") ==
                 std::vector<std::string>{"0"};
        },
        20s);
    }
  };

  } // namespace

  TEST_CASE("rastar-init migrate deploy, PostgreSQL, faults")
  {
    TestDirectory directory;
    PgFaultProject project;
    write_migration(project.migrations, "20240101000000_init", "CREATE TABLE a (x integer);\n");
    REQUIRE(project.deploy().exit_code == 0);

    SUBCASE("kill -9 in the middle of a migration, then deploy again: applied once, no stale failed row")
    {
      // The server notices the dead client during pg_sleep instead of after it.
      project.database.execute("ALTER DATABASE " + project.database.name() +
                               " SET client_connection_check_interval = '50ms'");
      write_migration(project.migrations, "20240102000000_slow",
                      "CREATE TABLE slow (x integer);\nSELECT pg_sleep(30);\n");
      const auto deploy = project.launch_deploy();
      REQUIRE_FALSE(project.backend_running("%pg_sleep%").empty());
      kill(deploy.pid, SIGKILL);
      CHECK(wait_exit(deploy.pid, 10s) == 137);
      REQUIRE(project.rastar_gone());
      CHECK(project.database.query("SELECT count(*) FROM _prisma_migrations WHERE migration_name = "
                                   "'20240102000000_slow'") == std::vector<std::string>{"0"});
      CHECK(project.database.query("SELECT to_regclass('slow') IS NULL") == std::vector<std::string>{"t"});
      // The next deploy runs the same migration, without the wait.
      write_migration(project.migrations, "20240102000000_slow", "CREATE TABLE slow (x integer);\n");
      const auto again = project.deploy();
      CHECK(again.exit_code == 0);
      CHECK(again.out == deploy_output(project.migrations, 2, {"20240102000000_slow"}));
      CHECK(project.database.query("SELECT concat_ws('|', migration_name, finished_at IS NOT NULL, logs IS NULL) "
                                   "FROM _prisma_migrations ORDER BY started_at") ==
            std::vector<std::string>{"20240101000000_init|t|t", "20240102000000_slow|t|t"});
    }

    SUBCASE("the server ends the session mid-migration (pg_terminate_backend): 69, rolled back, applied next time")
    {
      write_migration(project.migrations, "20240102000000_slow",
                      "CREATE TABLE slow (x integer);\nSELECT pg_sleep(30);\n");
      const auto deploy = project.launch_deploy();
      const auto backend = project.backend_running("%pg_sleep%");
      REQUIRE_FALSE(backend.empty());
      project.database.query("SELECT pg_terminate_backend(" + backend + ")");
      CHECK(wait_exit(deploy.pid, 10s) == 69);
      const auto error = error_line(deploy.err());
      CHECK(error.starts_with("rastar-init: error: The connection to PostgreSQL database \"" +
                              project.database.name() + "\", schema \"public\" at "));
      CHECK(error.find(" was lost while migration `20240102000000_slow` ran (") != std::string::npos);
      CHECK(error.ends_with("Its transaction was rolled back by the server, so nothing of it was applied; the next "
                            "deploy applies it again.\n"));
      CHECK(project.database.query("SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"1"});
      CHECK(project.database.query("SELECT to_regclass('slow') IS NULL") == std::vector<std::string>{"t"});
      write_migration(project.migrations, "20240102000000_slow", "CREATE TABLE slow (x integer);\n");
      CHECK(project.deploy().exit_code == 0);
      CHECK(project.database.query("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL") ==
            std::vector<std::string>{"2"});
    }

    SUBCASE("SIGTERM during a long migration: exit 143, rolled back, the lock released (D2)")
    {
      write_migration(project.migrations, "20240102000000_slow",
                      "CREATE TABLE slow (x integer);\nSELECT pg_sleep(30);\n");
      const auto deploy = project.launch_deploy();
      REQUIRE_FALSE(project.backend_running("%pg_sleep%").empty());
      const auto start = std::chrono::steady_clock::now();
      kill(deploy.pid, SIGTERM);
      CHECK(wait_exit(deploy.pid, 10s) == 143);
      CHECK(std::chrono::steady_clock::now() - start < 5s);
      CHECK(error_line(deploy.err()) ==
            "rastar-init: error: Cancelled by SIGTERM while migration `20240102000000_slow` ran. Its transaction was "
            "rolled back, so nothing of it was applied; the next deploy applies it again.\n");
      CHECK(project.rastar_gone());
      CHECK(project.database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = "
                                   "72707369") == std::vector<std::string>{"0"});
      CHECK(project.database.query("SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"1"});
      CHECK(project.database.query("SELECT to_regclass('slow') IS NULL") == std::vector<std::string>{"t"});
    }

    SUBCASE("SIGTERM while waiting for the lock: exit 143 at once")
    {
      write_migration(project.migrations, "20240102000000_b", "CREATE TABLE b (x integer);\n");
      pqxx::connection holder(project.database.url());
      pqxx::nontransaction work(holder);
      work.exec("SELECT pg_advisory_lock(72707369)");
      const auto deploy = project.launch_deploy();
      REQUIRE(wait_for_text(deploy.err_path, "Waiting for the migration lock", 10s));
      kill(deploy.pid, SIGTERM);
      CHECK(wait_exit(deploy.pid, 5s) == 143);
      CHECK(error_line(deploy.err()).starts_with("rastar-init: error: Cancelled by SIGTERM while waiting for the "
                                                 "migration lock (PostgreSQL advisory lock 72707369"));
    }

    SUBCASE("SIGTERM during CREATE INDEX CONCURRENTLY: the failed row names the INVALID index and how to drop it")
    {
      project.database.execute("INSERT INTO a SELECT generate_series(1, 1000)");
      write_migration(project.migrations, "20240102000000_index", "CREATE INDEX CONCURRENTLY a_x ON a (x);\n");
      // An open transaction that wrote to the table makes CREATE INDEX
      // CONCURRENTLY wait for it, after the index's catalog entry is committed.
      pqxx::connection writer(project.database.url());
      pqxx::work transaction(writer);
      transaction.exec("INSERT INTO a VALUES (0)");
      const auto deploy = project.launch_deploy();
      REQUIRE_FALSE(project.backend_running("CREATE INDEX CONCURRENTLY%").empty());
      kill(deploy.pid, SIGTERM);
      CHECK(wait_exit(deploy.pid, 10s) == 143);
      transaction.abort();
      const auto error = error_line(deploy.err());
      CHECK(error.starts_with("rastar-init: error: Cancelled by SIGTERM while migration `20240102000000_index` ran. "
                              "This migration ran outside a transaction"));
      CHECK(error.find("It left the index \"a_x\" behind, INVALID: drop it with DROP INDEX CONCURRENTLY IF EXISTS "
                       "\"a_x\"; before the migration is retried.") != std::string::npos);
      CHECK(project.database.query("SELECT concat_ws('|', finished_at IS NULL, rolled_back_at IS NULL, "
                                   "applied_steps_count, logs LIKE '%DROP INDEX CONCURRENTLY IF EXISTS \"a_x\";%') FROM "
                                   "_prisma_migrations WHERE migration_name = '20240102000000_index'") ==
            std::vector<std::string>{"t|t|0|t"});
      CHECK(project.database.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'a_x'::regclass") ==
            std::vector<std::string>{"f"});
      CHECK(project.deploy().exit_code == 65);
    }
  }
}
