#include "test_support.hpp"

#include <rastar/db/database_url.hpp>
#include <rastar/migrate/migration_store_postgres.hpp>
#include <rastar/migrate/postgres_migration_error.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/time.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <cstdlib>
#include <regex>
#include <thread>

using namespace rastar;
using namespace rastar::migrate;
using rastar::test::TemporaryDatabase;

namespace {

db::DatabaseUrl
database_url(const std::string& url, const std::string& schema = "public")
{
  return db::parse_database_url(url + (url.find('?') == std::string::npos ? "?" : "&") + "schema=" + schema,
                                std::filesystem::current_path());
}

LocalMigration
migration(const std::string& name, const std::string& script)
{
  return LocalMigration{name, std::filesystem::path("migrations") / name, script};
}

std::unique_ptr<MigrationStore>
open(const TemporaryDatabase& database, const std::string& schema = "public", StoreOptions options = {})
{
  return open_postgres_store(database_url(database.url(), schema), options);
}

std::unique_ptr<MigrationStore>
open_with_table(const TemporaryDatabase& database, const std::string& schema = "public")
{
  auto store = open(database, schema);
  store->create_migrations_table();
  return store;
}

const std::regex k_uuid_v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

const std::string k_p3018_head =
  "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more "
  "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n";

std::string
host_port()
{
  const auto url = database_url(test::postgres_admin_url());
  return url.host + ":" + url.port;
}

// Holds Prisma's advisory lock on `database` from a connection of its own,
// as another deploy (or the Prisma CLI) would.
class LockHolder
{
public:
  explicit LockHolder(const TemporaryDatabase& database)
    : m_connection(database.url() + "?application_name=holder")
  {
    pqxx::nontransaction work(m_connection);
    work.exec("SELECT pg_advisory_lock(72707369)");
    m_pid = work.exec("SELECT pg_backend_pid()")[0][0].as<int>();
  }

  void
  release()
  {
    pqxx::nontransaction work(m_connection);
    work.exec("SELECT pg_advisory_unlock(72707369)");
  }

  int
  pid() const
  {
    return m_pid;
  }

private:
  pqxx::connection m_connection;
  int m_pid = 0;
};

class ScopedEnvironment
{
public:
  ScopedEnvironment(const char* name, const char* value)
    : m_name(name)
  {
    setenv(name, value, 1);
  }
  ~ScopedEnvironment()
  {
    unsetenv(m_name);
  }

private:
  const char* m_name;
};

} // namespace

TEST_CASE("postgres_database_error")
{
  PgError error;
  error.severity = "ERROR";
  error.severity_code = "ERROR";
  error.sqlstate = "42601";
  error.message = "syntax error at or near \"TABL\"";

  SUBCASE("the position is counted in characters of the statement sent")
  {
    const std::string script = "-- Größe\nSELECT 1;\nCREATE TABL x;\n";
    const std::string statement = "CREATE TABL x";
    error.position = 8;
    const auto position = postgres_error_position(error, script, statement, script.find(statement));
    REQUIRE(position);
    CHECK(position->line == 3);
    CHECK(position->column == 8);
    CHECK(position->offset == script.find("TABL"));
  }

  SUBCASE("a position in the whole script skips multibyte characters")
  {
    const std::string script = "-- Größe\nCREATE TABL x;";
    error.position = 17; // "-- Größe\n" is 9 characters, 11 bytes
    const auto position = postgres_error_position(error, script, script, 0);
    REQUIRE(position);
    CHECK(position->line == 2);
    CHECK(position->column == 8);
  }

  SUBCASE("Prisma's layout: display form, five lines before the error line, debug form")
  {
    const std::string script = "a;\nb;\n\nc;\nd;\ne;\nf;\r\nCREATE TABL x;\n";
    error.position = static_cast<int>(script.find("TABL")) + 1;
    error.hint = "Check \"this\"";
    error.source_file = "scan.l";
    error.source_line = 1188;
    error.source_function = "scanner_yyerror";
    const auto position = postgres_error_position(error, script, script, 0);
    CHECK(postgres_database_error(error, script, position) ==
          "ERROR: syntax error at or near \"TABL\"\nHINT: Check \"this\"\n\nPosition:\n  3\n  4 c;\n  5 d;\n"
          "  6 e;\n  7 f;\n  8 CREATE TABL x;\n\n"
          "DbError { severity: \"ERROR\", parsed_severity: Some(Error), code: SqlState(E42601), message: "
          "\"syntax error at or near \\\"TABL\\\"\", detail: None, hint: Some(\"Check \\\"this\\\"\"), position: "
          "Some(Original(28)), where_: None, schema: None, table: None, column: None, datatype: None, "
          "constraint: None, file: Some(\"scan.l\"), line: Some(1188), routine: Some(\"scanner_yyerror\") }");
  }

  SUBCASE("P3018")
  {
    CHECK(postgres_p3018_message("1_init", "42601", "ERROR: x") ==
          k_p3018_head + "Migration name: 1_init\n\nDatabase error code: 42601\n\nDatabase error:\nERROR: x\n");
  }
}

TEST_SUITE("postgres")
{
  TEST_CASE("open_postgres_store")
  {
    TemporaryDatabase database;

    SUBCASE("describe names database, schema and server")
    {
      CHECK(open(database, "app")->describe() ==
            fmt::format("PostgreSQL database \"{}\", schema \"app\" at {}", database.name(), host_port()));
    }

    SUBCASE("a missing schema is created, as Prisma does on connect")
    {
      auto store = open(database, "app");
      CHECK(store->exists());
      CHECK(database.query("SELECT nspname FROM pg_namespace WHERE nspname = 'app'") ==
            std::vector<std::string>{"app"});
    }

    SUBCASE("read-only never creates the schema (D9)")
    {
      auto store = open(database, "app", StoreOptions{.read_only = true});
      CHECK_FALSE(store->exists());
      CHECK_FALSE(store->load_rows());
      CHECK(store->list_tables().empty());
      CHECK(database.query("SELECT nspname FROM pg_namespace WHERE nspname = 'app'").empty());
    }

    SUBCASE("a missing database")
    {
      const auto name = database.name() + "_new";
      const auto url = database_url(test::postgres_admin_url()).with_database(name);
      CHECK_THROWS_WITH_AS(open_postgres_store(url, {}),
                           fmt::format("Database \"{}\" does not exist on the PostgreSQL server at {} (P1003). "
                                       "Create it, or run `rastar-init migrate deploy`, which creates it as Prisma "
                                       "does.",
                                       name, host_port())
                             .c_str(),
                           Error);
      auto reader = open_postgres_store(url, StoreOptions{.read_only = true});
      CHECK_FALSE(reader->exists());
      CHECK_FALSE(reader->load_rows());

      auto store = open_postgres_store(url, StoreOptions{.create_database = true});
      CHECK(store->exists());
      store->create_migrations_table();
      CHECK(store->load_rows()->empty());
      store.reset();
      pqxx::connection admin(test::postgres_admin_url());
      pqxx::nontransaction work(admin);
      CHECK(work.exec("SELECT 1 FROM pg_database WHERE datname = " + work.quote(name)).size() == 1);
      work.exec("DROP DATABASE " + work.quote_name(name) + " WITH (FORCE)");
    }

    SUBCASE("an unreachable server is database_unreachable")
    {
      auto url = database_url(database.url());
      for (auto& [keyword, value] : url.libpq_keywords) {
        if (keyword == "port") {
          value = "1";
        }
      }
      url.port = "1";
      try {
        open_postgres_store(url, {});
        FAIL("no error");
      } catch (const Error& error) {
        CHECK(error.code() == ExitCode::database_unreachable);
        CHECK(std::string(error.what())
                .starts_with(fmt::format("Cannot connect to PostgreSQL database \"{}\" at {}:1 (",
                                         database.name(), url.host)));
      }
    }
  }

  TEST_CASE("PostgresStore::create_migrations_table")
  {
    TemporaryDatabase database;
    auto store = open(database);
    CHECK_FALSE(store->load_rows());
    store->create_migrations_table();
    CHECK(store->load_rows()->empty());
    const auto columns = database.query(
      "SELECT concat_ws('|', column_name, data_type, coalesce(character_maximum_length::text, '-'), is_nullable, "
      "coalesce(column_default, '-')) FROM information_schema.columns "
      "WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position");
    CHECK(columns == std::vector<std::string>{
                       "id|character varying|36|NO|-",
                       "checksum|character varying|64|NO|-",
                       "finished_at|timestamp with time zone|-|YES|-",
                       "migration_name|character varying|255|NO|-",
                       "logs|text|-|YES|-",
                       "rolled_back_at|timestamp with time zone|-|YES|-",
                       "started_at|timestamp with time zone|-|NO|now()",
                       "applied_steps_count|integer|-|NO|0",
                     });
    CHECK(database.query("SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                         "WHERE conrelid = '_prisma_migrations'::regclass") ==
          std::vector<std::string>{"_prisma_migrations_pkey PRIMARY KEY (id)"});
    CHECK_THROWS_AS(store->create_migrations_table(), Error);
  }

  TEST_CASE("PostgresStore::list_tables")
  {
    TemporaryDatabase database;
    database.execute("CREATE TABLE spatial_ref_sys (id int); CREATE TABLE \"Geometry_Columns\" (id int); "
                     "CREATE TABLE raster_overviews (id int); CREATE VIEW v AS SELECT 1 AS one; "
                     "CREATE TYPE mood AS ENUM ('ok'); CREATE SCHEMA other; CREATE TABLE other.elsewhere (id int)");
    auto store = open(database);
    CHECK(store->list_tables().empty());
    database.execute("CREATE TABLE \"User\" (id int)");
    store->create_migrations_table();
    CHECK(store->list_tables() == std::vector<std::string>{"User", "_prisma_migrations"});
    CHECK(open(database, "other")->list_tables() == std::vector<std::string>{"elsewhere"});
  }

  TEST_CASE("PostgresStore::apply_migration")
  {
    TemporaryDatabase database;
    auto store = open_with_table(database);

    SUBCASE("one transaction with its row: Prisma's row contents")
    {
      const auto before = util::now_utc();
      store->apply_migration(migration("1_init", "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n-- end"),
                             "c0ffee");
      const auto after = util::now_utc();
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 1);
      const auto& row = rows->front();
      CHECK(std::regex_match(row.id, k_uuid_v4));
      CHECK(row.checksum == "c0ffee");
      CHECK(row.migration_name == "1_init");
      CHECK(row.started_at >= before);
      CHECK(row.started_at <= after);
      REQUIRE(row.finished_at);
      CHECK(*row.finished_at >= row.started_at);
      CHECK(*row.finished_at <= after);
      CHECK(row.applied_steps_count == 1);
      CHECK_FALSE(row.logs);
      CHECK_FALSE(row.rolled_back_at);
      CHECK(database.query("SELECT id FROM a") == std::vector<std::string>{"1"});
      CHECK(database.query("SELECT started_at = '" + util::iso8601_utc(row.started_at) +
                           "' FROM _prisma_migrations") == std::vector<std::string>{"t"});
    }

    SUBCASE("an SQL error rolls back the script and leaves Prisma's failed row")
    {
      const std::string script = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nSELECT * FROM missing;\n";
      const auto before = util::now_utc();
      std::string message;
      try {
        store->apply_migration(migration("2_fail", script), "abc");
        FAIL("no error");
      } catch (const MigrationFailed& failure) {
        message = failure.what();
      }
      CHECK(message.starts_with(k_p3018_head +
                                "Migration name: 2_fail\n\nDatabase error code: 42P01\n\nDatabase error:\n"
                                "ERROR: relation \"missing\" does not exist\n\nPosition:\n  1 CREATE TABLE a (id "
                                "int);\n  2 CREATE TABLE b (id int);\n  3 SELECT * FROM missing;\n\nDbError { "
                                "severity: \"ERROR\", parsed_severity: Some(Error), code: SqlState(E42P01), message: "
                                "\"relation \\\"missing\\\" does not exist\", detail: None, hint: None, position: "
                                "Some(Original(65)), where_: None,"));
      CHECK(message.ends_with(" }\n"));
      CHECK(database.query("SELECT to_regclass('a') IS NULL AND to_regclass('b') IS NULL") ==
            std::vector<std::string>{"t"});
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 1);
      CHECK(rows->front().is_failed());
      CHECK(rows->front().logs == message);
      CHECK(rows->front().applied_steps_count == 0);
      CHECK(rows->front().checksum == "abc");
      CHECK(rows->front().started_at >= before);
      CHECK(std::regex_match(rows->front().id, k_uuid_v4));
    }

    SUBCASE("a script the parser rejects goes to the server, which reports it")
    {
      CHECK_THROWS_AS(store->apply_migration(migration("3_bad", "CREATE TABLE ok (id int);\nCREAT TABLE x;\n"), "x"),
                      MigrationFailed);
      CHECK(database.query("SELECT to_regclass('ok') IS NULL") == std::vector<std::string>{"t"});
      CHECK(store->load_rows()->front().logs->find("Database error code: 42601") != std::string::npos);
    }

    SUBCASE("a script with its own BEGIN/COMMIT runs as Prisma runs it")
    {
      store->apply_migration(migration("1_t", "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);"), "1");
      store->apply_migration(
        migration("2_enum", "UPDATE t SET x = 2;\nBEGIN;\nALTER TABLE t ADD COLUMN y int;\nCOMMIT;\n"), "2");
      CHECK(database.query("SELECT x::text || coalesce(y::text, '-') FROM t") == std::vector<std::string>{"2-"});
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 2);
      CHECK(rows->at(1).migration_name == "2_enum");
      CHECK(rows->at(1).finished_at);
      CHECK(rows->at(1).applied_steps_count == 1);

      CHECK_THROWS_AS(
        store->apply_migration(migration("3_own", "BEGIN;\nCREATE TABLE z (id int);\nSELECT 1/0;\nCOMMIT;\n"), "3"),
        MigrationFailed);
      CHECK(database.query("SELECT to_regclass('z') IS NULL") == std::vector<std::string>{"t"});
      const auto after = store->load_rows();
      REQUIRE(after->size() == 3);
      CHECK(after->at(2).is_failed());
      CHECK(after->at(2).applied_steps_count == 0);
      CHECK(after->at(2).logs->find("Database error code: 22012") != std::string::npos);
    }

    SUBCASE("CREATE INDEX CONCURRENTLY runs outside a transaction")
    {
      database.execute("CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 1000)");
      store->apply_migration(migration("1_idx", "CREATE INDEX CONCURRENTLY \"t_x_idx\" ON \"t\"(\"x\");"), "1");
      store->apply_migration(
        migration("2_mixed",
                  "ALTER TABLE t ADD COLUMN z int;\nCREATE INDEX CONCURRENTLY t_z_idx ON t(z);\nUPDATE t SET z = x;\n"),
        "2");
      CHECK(database.query("SELECT string_agg(indexrelid::regclass::text || ':' || indisvalid, ',' ORDER BY 1) "
                           "FROM pg_index WHERE indrelid = 't'::regclass") ==
            std::vector<std::string>{"t_x_idx:true,t_z_idx:true"});
      CHECK(database.query("SELECT count(*) FROM t WHERE z = x") == std::vector<std::string>{"1000"});
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 2);
      CHECK(rows->at(1).finished_at);
      CHECK(rows->at(1).applied_steps_count == 1);
    }

    SUBCASE("a failed CREATE INDEX CONCURRENTLY names the INVALID index it left")
    {
      database.execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (1)");
      std::string message;
      try {
        store->apply_migration(migration("1_unique", "ALTER TABLE t ADD COLUMN y int;\n"
                                                     "CREATE UNIQUE INDEX CONCURRENTLY t_x_key ON t(x);\n"),
                               "1");
        FAIL("no error");
      } catch (const MigrationFailed& failure) {
        message = failure.what();
      }
      CHECK(message.find("Database error code: 23505") != std::string::npos);
      CHECK(message.ends_with(
        " }\n\nThis migration ran outside a transaction, statement by statement, because it has statements that "
        "cannot run in one. The first 1 of its 2 statements ran and stay applied; statement 2 (migration.sql line 2) "
        "did not complete. It left the index \"t_x_key\" behind, INVALID: drop it with DROP INDEX CONCURRENTLY IF "
        "EXISTS \"t_x_key\"; before the migration is retried. Then run `migrate resolve --rolled-back \"1_unique\"` "
        "and deploy again.\n"));
      CHECK(database.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_x_key'::regclass") ==
            std::vector<std::string>{"f"});
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 1);
      CHECK(rows->front().is_failed());
      CHECK(rows->front().logs == message);
    }

    SUBCASE("schema= puts the migration in that schema")
    {
      auto app = open_with_table(database, "app");
      app->apply_migration(migration("1_init", "CREATE TABLE thing (id int);"), "1");
      CHECK(database.query("SELECT schemaname || '.' || tablename FROM pg_tables WHERE tablename IN "
                           "('thing', '_prisma_migrations') ORDER BY 1") ==
            std::vector<std::string>{"app._prisma_migrations", "app.thing", "public._prisma_migrations"});
      CHECK(app->load_rows()->size() == 1);
      CHECK(store->load_rows()->empty());
    }
  }

  TEST_CASE("PostgresStore::record_applied")
  {
    TemporaryDatabase database;
    auto store = open_with_table(database);
    CHECK_THROWS_AS(store->apply_migration(migration("1_x", "SELECT 1/0;"), "old"), MigrationFailed);
    const auto failed_id = store->load_rows()->front().id;
    const auto now = util::now_utc();

    SUBCASE("rolls back the failed rows and inserts a finished one")
    {
      store->record_applied({failed_id}, "1_x", "new", now);
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 2);
      CHECK(rows->at(0).id == failed_id);
      CHECK(rows->at(0).rolled_back_at == now);
      CHECK(rows->at(1).migration_name == "1_x");
      CHECK(rows->at(1).checksum == "new");
      CHECK(rows->at(1).logs == "");
      CHECK(rows->at(1).started_at == now);
      CHECK(rows->at(1).finished_at == now);
      CHECK(rows->at(1).applied_steps_count == 0);
      CHECK(std::regex_match(rows->at(1).id, k_uuid_v4));
    }

    SUBCASE("mark_rolled_back sets rolled_back_at only")
    {
      store->mark_rolled_back({failed_id}, now);
      const auto rows = store->load_rows();
      REQUIRE(rows->size() == 1);
      CHECK(rows->front().rolled_back_at == now);
      CHECK_FALSE(rows->front().finished_at);
      CHECK_FALSE(rows->front().is_failed());
    }
  }

  TEST_CASE("PostgresStore::lock")
  {
    TemporaryDatabase database;
    auto store = open(database);
    const std::string lock_count =
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND granted";

    SUBCASE("free: taken at once, held by the store's session")
    {
      store->lock(std::chrono::seconds(1));
      CHECK(database.query(lock_count) == std::vector<std::string>{"1"});
      store.reset();
      CHECK(test::wait_until([&] { return database.query(lock_count) == std::vector<std::string>{"0"}; }));
    }

    SUBCASE("waits while another session holds it, then takes it")
    {
      LockHolder holder(database);
      std::thread releaser([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        holder.release();
      });
      const auto start = std::chrono::steady_clock::now();
      store->lock(std::chrono::seconds(20));
      const auto waited = std::chrono::steady_clock::now() - start;
      releaser.join();
      CHECK(waited >= std::chrono::milliseconds(400));
      CHECK(waited < std::chrono::seconds(3));
      CHECK(database.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707369 AND "
                           "granted AND pid <> " +
                           std::to_string(holder.pid())) == std::vector<std::string>{"1"});
    }

    SUBCASE("times out naming the holder")
    {
      LockHolder holder(database);
      const auto since = database.query(
        "SELECT to_char(date_trunc('second', backend_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM pg_stat_activity WHERE pid = " +
        std::to_string(holder.pid()));
      REQUIRE(since.size() == 1);
      const auto url = database_url(database.url());
      const auto expected = fmt::format(
        "Timed out after 300 ms waiting for the migration lock (PostgreSQL advisory lock 72707369, the one Prisma "
        "Migrate takes) on PostgreSQL database \"{}\", schema \"public\" at {}: it is held by pid {} (application "
        "\"holder\", client {}, user \"{}\", connected since {} UTC). Another deploy is probably running: let it "
        "finish, or raise the lock timeout (--lock-timeout, RASTAR_LOCK_TIMEOUT; 0 waits forever). If that session "
        "is stuck, end it with SELECT pg_terminate_backend(<pid>).",
        database.name(), host_port(), holder.pid(), url.host, url.user, since.front());
      try {
        store->lock(std::chrono::milliseconds(300));
        FAIL("no error");
      } catch (const Error& error) {
        CHECK(error.code() == ExitCode::lock_timeout);
        CHECK(std::string(error.what()) == expected);
      }
    }

    SUBCASE("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK")
    {
      LockHolder holder(database);
      {
        ScopedEnvironment disabled("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK", "1");
        store->lock(std::chrono::milliseconds(100));
        CHECK(database.query(lock_count) == std::vector<std::string>{"1"});
      }
      {
        ScopedEnvironment zero("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK", "0");
        CHECK_THROWS_AS(store->lock(std::chrono::milliseconds(50)), Error);
      }
    }
  }
}
