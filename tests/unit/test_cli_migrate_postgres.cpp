// `rastar-init migrate deploy|status|resolve`, `db check` and concurrent
// deploys run as real processes against a real PostgreSQL server; each case
// checks what the binary printed, its exit code, and the database afterwards.

#include "cli_migrate_test_support.hpp"
#include "supervise_test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <boost/process.hpp>

#include <chrono>
#include <csignal>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using namespace rastar::test;
using namespace std::chrono_literals;

namespace {

// A migrations folder for PostgreSQL in the case's directory, and the
// database the case migrates.
struct PgProject
{
  TemporaryDatabase database;
  fs::path migrations = fs::absolute("migrations");
  std::string query;

  PgProject()
  {
    write_lock_file(migrations, "postgresql");
  }

  std::string
  url() const
  {
    return database.url(query);
  }

  std::vector<std::string>
  arguments(std::vector<std::string> command) const
  {
    command.insert(command.end(), {"--migrations", migrations.string()});
    return command;
  }

  CommandResult
  rastar(const std::vector<std::string>& command) const
  {
    return run_rastar(arguments(command), migrate_environment(url()));
  }

  // The rastar-init binary with `command`, for `launch`.
  std::vector<std::string>
  argv(const std::vector<std::string>& command) const
  {
    auto full = arguments(command);
    full.insert(full.begin(), RASTAR_INIT_BINARY);
    return full;
  }

  std::vector<std::string>
  rows(const std::string& sql) const
  {
    return database.query(sql);
  }
};

std::string
error_line(const CommandResult& result)
{
  const auto start = result.err.find("rastar-init: error: ");
  return start == std::string::npos ? "" : result.err.substr(start);
}

const std::string k_examples = std::string(RASTAR_SOURCE_DIR) + "/examples/rastar";

} // namespace

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init migrate deploy, PostgreSQL")
  {
    TestDirectory directory;
    PgProject project;

    SUBCASE("creates the database, Prisma's table with Prisma's column types, and Prisma's rows")
    {
      {
        pqxx::connection admin(postgres_admin_url());
        pqxx::nontransaction work(admin);
        work.exec("DROP DATABASE " + work.quote_name(project.database.name()) + " WITH (FORCE)");
      }
      const std::string crlf = "CREATE TABLE a (x integer);\r\nINSERT INTO a VALUES (1);\r\n";
      write_migration(project.migrations, "20240101000000_init", crlf);
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 0);
      CHECK(result.out == deploy_output(project.migrations, 1, {"20240101000000_init"}));
      CHECK(project.rows("SELECT concat_ws('|', column_name, data_type, character_maximum_length, is_nullable, "
                         "column_default) FROM information_schema.columns WHERE table_name = '_prisma_migrations' "
                         "ORDER BY ordinal_position") ==
            std::vector<std::string>{"id|character varying|36|NO", "checksum|character varying|64|NO",
                                     "finished_at|timestamp with time zone|YES",
                                     "migration_name|character varying|255|NO", "logs|text|YES",
                                     "rolled_back_at|timestamp with time zone|YES",
                                     "started_at|timestamp with time zone|NO|now()",
                                     "applied_steps_count|integer|NO|0"});
      CHECK(project.rows("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                         "'public._prisma_migrations'::regclass") == std::vector<std::string>{"PRIMARY KEY (id)"});
      const auto id = project.rows("SELECT id FROM _prisma_migrations");
      REQUIRE(id.size() == 1);
      CHECK(is_uuid_v4(id[0]));
      CHECK(project.rows("SELECT concat_ws('|', checksum, coalesce(logs, '<null>'), coalesce(rolled_back_at::text, "
                         "'<null>'), applied_steps_count, started_at <= finished_at, now() - started_at < "
                         "interval '1 minute', started_at <> date_trunc('second', started_at)) FROM "
                         "_prisma_migrations") ==
            std::vector<std::string>{sha256(crlf) + "|<null>|<null>|1|t|t|t"});
      CHECK(project.rows("SELECT x FROM a") == std::vector<std::string>{"1"});
      CHECK(project.rastar({"migrate", "deploy"}).out == deploy_nothing_output(project.migrations, 1));
    }

    SUBCASE("schema= puts the table and the migration in that schema, and creates it")
    {
      project.query = "schema=app";
      write_migration(project.migrations, "20240101000000_init", "CREATE TABLE a (x integer);");
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 0);
      CHECK(project.rows("SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE "
                         "table_schema IN ('public', 'app') ORDER BY 1") ==
            std::vector<std::string>{"app._prisma_migrations", "app.a"});
      const auto status = project.rastar({"migrate", "status"});
      CHECK(status.exit_code == 0);
      CHECK(status.out.ends_with("Database schema is up to date!\n"));
      // The public schema knows nothing of it.
      project.query = "";
      CHECK(project.rastar({"migrate", "status"}).exit_code == 1);
    }

    SUBCASE("localeCompare order and a gap")
    {
      write_migration(project.migrations, "20250221232355_add_path", "ALTER TABLE watcher ADD COLUMN path text;");
      write_migration(project.migrations, "20250221_library_watcher", "CREATE TABLE watcher (id integer);");
      REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
      write_migration(project.migrations, "20250101000000_early", "CREATE TABLE early (id integer);");
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 0);
      CHECK(result.out == deploy_output(project.migrations, 3, {"20250101000000_early"}));
      CHECK(project.rows("SELECT migration_name FROM _prisma_migrations ORDER BY started_at") ==
            std::vector<std::string>{"20250221_library_watcher", "20250221232355_add_path", "20250101000000_early"});
    }

    SUBCASE("an SQL error: P3018 with the SQLSTATE, nothing of the script applied, Prisma's failed row")
    {
      write_migration(project.migrations, "20240101000000_bad", "CREATE TABLE b (x integer);\nSELECT * FROM nowhere;\n");
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 65);
      CHECK(error_line(result).starts_with(
        "rastar-init: error: P3018: A migration failed to apply. New migrations cannot be applied before the error "
        "is recovered from. Read more about how to resolve migration issues in a production database: "
        "https://pris.ly/d/migrate-resolve\n\nMigration name: 20240101000000_bad\n\nDatabase error code: 42P01\n\n"
        "Database error:\nERROR: relation \"nowhere\" does not exist"));
      CHECK(project.rows("SELECT to_regclass('b') IS NULL") == std::vector<std::string>{"t"});
      CHECK(project.rows("SELECT concat_ws('|', finished_at IS NULL, rolled_back_at IS NULL, applied_steps_count, "
                         "logs LIKE 'A migration failed to apply.%Database error code: 42P01%') FROM "
                         "_prisma_migrations") == std::vector<std::string>{"t|t|0|t"});
      const auto blocked = project.rastar({"migrate", "deploy"});
      CHECK(blocked.exit_code == 65);
      CHECK(error_line(blocked).starts_with("rastar-init: error: P3009: migrate found failed migrations"));
      const auto status = project.rastar({"migrate", "status"});
      CHECK(status.exit_code == 1);
      CHECK(status.err.starts_with("Following migration have failed:\n20240101000000_bad\n"));
      CHECK(project.rastar({"migrate", "resolve", "--rolled-back", "20240101000000_bad"}).exit_code == 0);
      write_migration(project.migrations, "20240101000000_bad", "CREATE TABLE b (x integer);\n");
      CHECK(project.rastar({"migrate", "deploy"}).exit_code == 0);
      CHECK(project.rows("SELECT concat_ws('|', rolled_back_at IS NULL, finished_at IS NULL) FROM "
                         "_prisma_migrations ORDER BY started_at") == std::vector<std::string>{"f|t", "t|f"});
    }

    SUBCASE("P3005 on a schema with a table; PostGIS's tables and views alone do not count")
    {
      project.database.execute("CREATE TABLE spatial_ref_sys (srid integer); CREATE VIEW v AS SELECT 1 AS one");
      write_migration(project.migrations, "20240101000000_init", "CREATE TABLE a (x integer);");
      CHECK(project.rastar({"migrate", "deploy"}).exit_code == 0);

      TemporaryDatabase other;
      other.execute("CREATE TABLE legacy (x integer)");
      const auto result = run_rastar(project.arguments({"migrate", "deploy"}), migrate_environment(other.url()));
      CHECK(result.exit_code == 65);
      CHECK(error_line(result).starts_with("rastar-init: error: P3005: The database schema is not empty. Read more "
                                           "about how to baseline an existing production database: "
                                           "https://pris.ly/d/migrate-baseline\nPostgreSQL database \"" +
                                           other.name() + "\", schema \"public\" at "));
      CHECK(other.query("SELECT to_regclass('_prisma_migrations') IS NULL") == std::vector<std::string>{"t"});
    }

    SUBCASE("a script with its own BEGIN/COMMIT and a CREATE INDEX CONCURRENTLY run as Prisma runs them")
    {
      write_migration(project.migrations, "20240101000000_init",
                      "CREATE TABLE t (x integer);\nINSERT INTO t SELECT generate_series(1, 1000);\n");
      write_migration(project.migrations, "20240102000000_enum",
                      "UPDATE t SET x = x;\nBEGIN;\nCREATE TYPE mood AS ENUM ('ok');\nCOMMIT;\n");
      write_migration(project.migrations, "20240103000000_index", "CREATE INDEX CONCURRENTLY t_x ON t (x);\n");
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 0);
      CHECK(project.rows("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass") ==
            std::vector<std::string>{"t"});
      CHECK(project.rows("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL AND "
                         "applied_steps_count = 1") == std::vector<std::string>{"3"});
    }

    SUBCASE("a non-UTF-8 file is read as Node reads it: invalid bytes become U+FFFD")
    {
      write_migration(project.migrations, "20240101000000_latin1",
                      "CREATE TABLE l (x text);\nINSERT INTO l VALUES ('caf\xe9');\n");
      const auto result = project.rastar({"migrate", "deploy"});
      CHECK(result.exit_code == 0);
      CHECK(project.rows("SELECT encode(convert_to(x, 'UTF8'), 'hex') FROM l") ==
            std::vector<std::string>{"636166efbfbd"});
      CHECK(project.rows("SELECT checksum FROM _prisma_migrations") ==
            std::vector<std::string>{sha256("CREATE TABLE l (x text);\nINSERT INTO l VALUES ('caf\xef\xbf\xbd');\n")});
    }
  }

  TEST_CASE("rastar-init migrate deploy, PostgreSQL, a 10 MB migration")
  {
    TestDirectory directory;
    PgProject project;
    std::string script = "CREATE TABLE big (x text);\n";
    const std::string insert = "INSERT INTO big VALUES ('" + std::string(1000, 'x') + "');\n";
    std::size_t rows = 0;
    for (; script.size() < 10 * 1024 * 1024; ++rows) {
      script += insert;
    }
    write_migration(project.migrations, "20240101000000_big", script);
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(project.rows("SELECT count(*) FROM big") == std::vector<std::string>{std::to_string(rows)});
    CHECK(project.rows("SELECT checksum FROM _prisma_migrations") == std::vector<std::string>{sha256(script)});
  }

  TEST_CASE("rastar-init migrate status and resolve, PostgreSQL")
  {
    TestDirectory directory;
    PgProject project;
    write_migration(project.migrations, "20240101000000_init", "CREATE TABLE legacy (x integer);\n");
    write_migration(project.migrations, "20240102000000_more", "CREATE TABLE more (x integer);\n");

    SUBCASE("status never writes: a missing schema= schema is reported as nothing applied, and not created (D9)")
    {
      project.query = "schema=missing";
      const auto result = project.rastar({"migrate", "status"});
      CHECK(result.exit_code == 1);
      CHECK(result.out.find("Following migrations have not yet been applied:\n20240101000000_init\n"
                            "20240102000000_more\n") != std::string::npos);
      CHECK(project.rows("SELECT count(*) FROM pg_namespace WHERE nspname = 'missing'") ==
            std::vector<std::string>{"0"});
      const auto json = nlohmann::json::parse(project.rastar({"migrate", "status", "--json"}).out);
      CHECK(json["status"] == "behind");
      CHECK(project.rows("SELECT count(*) FROM pg_namespace WHERE nspname = 'missing'") ==
            std::vector<std::string>{"0"});
    }

    SUBCASE("status on a database that does not exist creates nothing")
    {
      const auto url = project.database.url() + "_absent";
      const auto result = run_rastar(project.arguments({"migrate", "status"}), migrate_environment(url));
      CHECK(result.exit_code == 1);
      CHECK(project.database.query("SELECT count(*) FROM pg_database WHERE datname = '" + project.database.name() +
                                   "_absent'") == std::vector<std::string>{"0"});
    }

    SUBCASE("resolve --applied baselines a database with tables, then deploy applies the rest")
    {
      project.database.execute("CREATE TABLE legacy (x integer)");
      CHECK(project.rastar({"migrate", "deploy"}).exit_code == 65);
      const auto baseline = project.rastar({"migrate", "resolve", "--applied", "20240101000000_init"});
      CHECK(baseline.exit_code == 0);
      CHECK(baseline.out == "\nMigration 20240101000000_init marked as applied.\n");
      CHECK(project.rows("SELECT concat_ws('|', checksum, logs, started_at = finished_at, applied_steps_count, "
                         "rolled_back_at IS NULL) FROM _prisma_migrations") ==
            std::vector<std::string>{sha256("CREATE TABLE legacy (x integer);\n") + "||t|0|t"});
      const auto deploy = project.rastar({"migrate", "deploy"});
      CHECK(deploy.exit_code == 0);
      CHECK(deploy.out == deploy_output(project.migrations, 2, {"20240102000000_more"}));
      const auto again = project.rastar({"migrate", "resolve", "--applied", "20240102000000_more"});
      CHECK(again.exit_code == 65);
      CHECK(error_line(again) == "rastar-init: error: P3008: The migration `20240102000000_more` is already "
                                 "recorded as applied in the database.\n");
      CHECK(project.rastar({"migrate", "resolve", "--rolled-back", "20240102000000_more"}).exit_code == 65);
      CHECK(project.rastar({"migrate", "resolve", "--rolled-back", "x"}).exit_code == 65);
    }

    SUBCASE("resolve --rolled-back on a database without the table")
    {
      const auto result = project.rastar({"migrate", "resolve", "--rolled-back", "20240101000000_init"});
      CHECK(result.exit_code == 65);
      CHECK(error_line(result).starts_with("rastar-init: error: Invariant violation: called markMigrationRolledBack "
                                           "on a database without migrations table."));
    }

    SUBCASE("db check reports on PostgreSQL: 1 while behind, 0 when up to date, failed rows listed")
    {
      const auto behind = project.rastar({"db", "check"});
      CHECK(behind.exit_code == 1);
      CHECK(behind.out.starts_with("Database:    PostgreSQL database \"" + project.database.name() +
                                   "\", schema \"public\" at "));
      CHECK(behind.out.find("\nServer:      PostgreSQL ") != std::string::npos);
      CHECK(behind.out.find("\nMigrations:  2 local, 0 applied, 2 pending, 0 failed\n") != std::string::npos);
      REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
      const auto ready = project.rastar({"db", "check"});
      CHECK(ready.exit_code == 0);
      CHECK(ready.out.find("\nMigrations:  2 local, 2 applied, 0 pending, 0 failed\n") != std::string::npos);
      CHECK(ready.out.ends_with("Database schema is up to date!\n"));
      const auto json = nlohmann::json::parse(project.rastar({"db", "check", "--json"}).out);
      CHECK(json["applied"] == 2);
      CHECK(json["schema_exists"] == true);
      CHECK(json["up_to_date"] == true);

      project.database.execute("INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES "
                               "('x', 'y', '2025-12-19 10:55:50.794337+00', '20240103000000_broken')");
      const auto failed = project.rastar({"db", "check"});
      CHECK(failed.exit_code == 1);
      CHECK(failed.out.find("\nFailed:      20240103000000_broken (started 2025-12-19 10:55:50.794337 UTC)\n") !=
            std::string::npos);
    }

    SUBCASE("DATABASE_URL from the .env beside the schema, with the example history")
    {
      fs::create_directories("prisma");
      fs::copy_file(k_examples + "/schema.prisma", "prisma/schema.prisma");
      write_file("prisma/.env", "DATABASE_URL=\"" + project.database.url() + "\"\n");
      const std::vector<std::string> command{"migrate", "deploy", "--schema", "prisma/schema.prisma",
                                             "--migrations", k_examples + "/migrations"};
      const auto result = run_rastar(command, migrate_environment());
      CHECK(result.exit_code == 0);
      CHECK(project.rows("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL") ==
            std::vector<std::string>{"3"});
      const auto verify = run_rastar({"db", "verify", "--schema", "prisma/schema.prisma"}, migrate_environment());
      CHECK(verify.exit_code == 0);
    }
  }

  TEST_CASE("rastar-init migrate deploy, PostgreSQL, bad URLs")
  {
    TestDirectory directory;
    fs::create_directories("migrations");
    for (const auto& [url, code] : std::vector<std::pair<std::string, int>>{
           {"postgresql://postgres@127.0.0.1:1/db?connect_timeout=2", 69},
           {"postgresql://postgres@host.invalid/db?connect_timeout=2", 69},
           {"postgresql://postgres@127.0.0.1:5432/db?sslmode=sometimes", 78},
           {"postgres//missing-colon", 78},
         }) {
      CAPTURE(url);
      const auto result = run_rastar({"migrate", "deploy", "--migrations", "migrations"}, migrate_environment(url));
      CHECK(result.exit_code == code);
      CHECK(result.out == "");
      CHECK(error_line(result).starts_with("rastar-init: error: "));
    }
  }

  TEST_CASE("rastar-init migrate deploy, PostgreSQL, concurrency")
  {
    TestDirectory directory;
    PgProject project;

    SUBCASE("8 deploys started together apply every migration exactly once and all exit 0")
    {
      for (int index = 1; index <= 6; ++index) {
        write_migration(project.migrations, "2024010100000" + std::to_string(index) + "_m",
                        "CREATE TABLE t" + std::to_string(index) + " (x integer);\nSELECT pg_sleep(0.05);\n");
      }
      std::vector<Launched> deploys;
      for (int index = 0; index < 8; ++index) {
        deploys.push_back(launch(project.argv({"migrate", "deploy"}), launch_environment(project.url())));
      }
      int applied = 0;
      for (const auto& deploy : deploys) {
        CHECK(wait_exit(deploy.pid, 60s) == 0);
        applied += deploy.out().find("All migrations have been successfully applied.") != std::string::npos ? 1 : 0;
      }
      CHECK(applied >= 1);
      CHECK(project.rows("SELECT count(*) || '|' || count(DISTINCT migration_name) || '|' || count(finished_at) FROM "
                         "_prisma_migrations") == std::vector<std::string>{"6|6|6"});
    }

    SUBCASE("a deploy waits while a psql session holds Prisma's advisory lock, and proceeds when it lets go")
    {
      write_migration(project.migrations, "20240101000000_init", "CREATE TABLE a (x integer);\n");
      // psql reads its commands from a pipe, so the test decides when it lets go.
      boost::process::opstream to_psql;
      boost::process::child psql(boost::process::search_path("psql"), project.url(), "-X", "-q",
                                 boost::process::std_in < to_psql, boost::process::std_out > boost::process::null,
                                 boost::process::std_err > boost::process::null);
      to_psql << "SELECT pg_advisory_lock(72707369);" << std::endl;
      REQUIRE(wait_until(
        [&] {
          return project.rows("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND "
                              "granted") == std::vector<std::string>{"1"};
        },
        10s));
      const auto deploy = launch(project.argv({"migrate", "deploy"}), launch_environment(project.url()));
      REQUIRE(wait_for_text(deploy.err_path, "Waiting for the migration lock", 10s));
      CHECK(deploy.err().find("application \"psql\"") != std::string::npos);
      std::this_thread::sleep_for(300ms);
      int status = 0;
      CHECK(waitpid(deploy.pid, &status, WNOHANG) == 0); // still waiting
      CHECK(project.rows("SELECT count(*) FROM pg_tables WHERE tablename = '_prisma_migrations'") ==
            std::vector<std::string>{"0"});
      to_psql << "\\q" << std::endl;
      to_psql.pipe().close();
      CHECK(wait_exit(deploy.pid, 20s) == 0);
      CHECK(psql.wait_for(10s));
      CHECK(project.rows("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL") ==
            std::vector<std::string>{"1"});
    }

    SUBCASE("a deploy that cannot get the lock in time exits 75, naming the holder")
    {
      write_migration(project.migrations, "20240101000000_init", "CREATE TABLE a (x integer);\n");
      pqxx::connection holder(project.url());
      pqxx::nontransaction work(holder);
      work.exec("SELECT pg_advisory_lock(72707369)");
      const auto result = project.rastar({"migrate", "deploy", "--lock-timeout", "300ms"});
      CHECK(result.exit_code == 75);
      CHECK(error_line(result).starts_with("rastar-init: error: Timed out after 300 ms waiting for the migration "
                                           "lock (PostgreSQL advisory lock 72707369, the one Prisma Migrate takes)"));
      CHECK(error_line(result).find("it is held by pid " + std::to_string(holder.backendpid())) != std::string::npos);
    }

    SUBCASE("4 deploys with a CREATE INDEX CONCURRENTLY on a table with rows all succeed, with no deadlock")
    {
      write_migration(project.migrations, "20240101000000_init",
                      "CREATE TABLE t (x integer);\nINSERT INTO t SELECT generate_series(1, 50000);\n");
      write_migration(project.migrations, "20240102000000_index", "CREATE INDEX CONCURRENTLY t_x ON t (x);\n");
      write_migration(project.migrations, "20240103000000_more", "CREATE TABLE u (x integer);\n");
      std::vector<Launched> deploys;
      for (int index = 0; index < 4; ++index) {
        deploys.push_back(launch(project.argv({"migrate", "deploy"}), launch_environment(project.url())));
      }
      for (const auto& deploy : deploys) {
        CHECK(wait_exit(deploy.pid, 60s) == 0);
        CHECK(deploy.err().find("deadlock") == std::string::npos);
      }
      CHECK(project.rows("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x'::regclass") ==
            std::vector<std::string>{"t"});
      CHECK(project.rows("SELECT count(*) || '|' || count(DISTINCT migration_name) || '|' || count(finished_at) FROM "
                         "_prisma_migrations") == std::vector<std::string>{"3|3|3"});
    }
  }
}
