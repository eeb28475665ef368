#include "test_support.hpp"

#include <rastar/db/database_url.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/db/schema_introspection.hpp>
#include <rastar/db/verify.hpp>
#include <rastar/util/error.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <filesystem>

using namespace rastar;
namespace fs = std::filesystem;

namespace {

const fs::path k_example = fs::path(RASTAR_SOURCE_DIR) / "examples" / "rastar";

const std::vector<std::string> k_migrations = {
  "20251228120000_init", "20260106093000_add_mcp_logging", "20260106141500_add_session_tracking"};

db::PrismaSchema
example_schema()
{
  return db::read_prisma_schema(k_example / "schema.prisma");
}

// Applies the first `count` example migrations for SQLite to `path` with the
// SQLite library, as a migration tool would (each file as one script).
void
apply_sqlite_migrations(const fs::path& path, std::size_t count)
{
  SQLite::Database database(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (std::size_t i = 0; i < count; ++i) {
    database.exec(test::read_file(k_example / "migrations-sqlite" / k_migrations[i] / "migration.sql"));
  }
}

// Applies example migrations number `first` up to (not including) `last`,
// each in its own transaction.
void
apply_postgres_migrations(const test::TemporaryDatabase& database, std::size_t first, std::size_t last)
{
  for (std::size_t i = first; i < last; ++i) {
    database.execute("BEGIN;\n" + test::read_file(k_example / "migrations" / k_migrations[i] / "migration.sql")
                     + "\nCOMMIT;");
  }
}

std::vector<std::string>
column_names(const db::ExpectedTable& table)
{
  std::vector<std::string> names;
  for (const auto& column : table.columns) {
    names.push_back(column.name);
  }
  return names;
}

const std::string k_missing_after_init = "TABLE     COLUMN        MODEL    FIELD\n"
                                         "mcp_logs  -             McpLog   -\n"
                                         "sessions  -             Session  -\n"
                                         "users     mcp_enabled   User     mcpEnabled\n"
                                         "users     last_seen_at  User     lastSeenAt\n"
                                         "\n"
                                         "Apply the pending migrations (rastar-init migrate deploy, or db verify "
                                         "--apply), then verify again.\n";

} // namespace

TEST_CASE("db::expected_tables")
{
  SUBCASE("the Rastar example: mapped names, no relation fields")
  {
    const auto tables = db::expected_tables(example_schema(), db::Provider::postgresql, "public");
    REQUIRE(tables.size() == 6);
    CHECK(tables[0].schema == "public");
    CHECK(tables[0].name == "users");
    CHECK(tables[0].model == "User");
    CHECK(column_names(tables[0])
          == std::vector<std::string>{"id", "telegram_id", "username", "first_name", "language_code", "credits",
                                      "is_blocked", "mcp_enabled", "created_at", "updated_at", "last_seen_at"});
    CHECK(tables[0].columns[1].field == "telegramId");
    CHECK(column_names(tables[3])
          == std::vector<std::string>{"id", "userId", "packId", "amount", "currency", "status", "telegramChargeId",
                                      "createdAt"});
    CHECK(tables[5].name == "sessions");
    CHECK(db::expected_tables(example_schema(), db::Provider::sqlite, "main")[0].schema == "main");
  }

  SUBCASE("implicit many-to-many join tables, scalar lists, views, ignored models, enums, @@schema")
  {
    const auto schema = db::parse_prisma_schema("enum Kind {\n  A\n  B\n}\n"
                                                "model Post {\n"
                                                "  id         Int        @id\n"
                                                "  tags       String[]\n"
                                                "  kind       Kind\n"
                                                "  categories Category[]\n"
                                                "  editors    Person[]   @relation(\"Edits\")\n"
                                                "  @@schema(\"blog\")\n"
                                                "}\n"
                                                "model Category {\n  id Int @id\n  posts Post[]\n}\n"
                                                "model Person {\n  id Int @id\n  edited Post[] @relation(\"Edits\")\n}\n"
                                                "model Legacy {\n  code String @ignore\n  @@ignore\n}\n"
                                                "view Totals {\n  id Int @unique\n}\n",
                                                "schema.prisma");
    const auto postgres = db::expected_tables(schema, db::Provider::postgresql, "public");
    REQUIRE(postgres.size() == 6);
    CHECK(postgres[0].schema == "blog");
    CHECK(column_names(postgres[0]) == std::vector<std::string>{"id", "tags", "kind"});
    CHECK(postgres[3].name == "Legacy");
    CHECK(column_names(postgres[3]) == std::vector<std::string>{"code"});
    CHECK(postgres[4].name == "_CategoryToPost");
    CHECK(postgres[4].schema == "public"); // the schema of model A, Category
    CHECK(postgres[4].relation == "CategoryToPost");
    CHECK(postgres[4].model.empty());
    CHECK(column_names(postgres[4]) == std::vector<std::string>{"A", "B"});
    CHECK(postgres[4].columns[0].field == "Category");
    CHECK(postgres[5].name == "_Edits");
    CHECK(postgres[5].schema == "public"); // the schema of model A, Person
    const auto sqlite = db::expected_tables(schema, db::Provider::sqlite, "main");
    CHECK(column_names(sqlite[0]) == std::vector<std::string>{"id", "kind"});
    CHECK(sqlite[0].schema == "main");
  }
}

TEST_CASE("db::verify_database, SQLite")
{
  test::TestDirectory directory;
  const auto schema = example_schema();
  const auto url = db::parse_database_url("file:./data/rastar.db", directory.path());
  const auto file = directory.path() / "data" / "rastar.db";
  fs::create_directories(file.parent_path());

  SUBCASE("after every migration nothing is missing")
  {
    apply_sqlite_migrations(file, 3);
    const auto report = db::verify_database(schema, url);
    CHECK(report.complete());
    CHECK(report.tables_checked == 6);
    CHECK(report.columns_checked == 51);
    CHECK(db::verify_exit_code(report) == 0);
    CHECK(db::render_verify_text(report) == "All 6 tables and 51 columns exist in " + file.string() + ".\n");
  }

  SUBCASE("after the first migration the later tables and columns are missing")
  {
    apply_sqlite_migrations(file, 1);
    const auto report = db::verify_database(schema, url);
    CHECK_FALSE(report.complete());
    CHECK(db::verify_exit_code(report) == 1);
    REQUIRE(report.missing_tables.size() == 2);
    CHECK(report.missing_tables[0].table == "mcp_logs");
    CHECK(report.missing_tables[0].schema == "main");
    REQUIRE(report.missing_columns.size() == 2);
    CHECK(report.missing_columns[1].column == "last_seen_at");
    CHECK(report.missing_columns[1].field == "lastSeenAt");
    CHECK(db::render_verify_text(report)
          == "Missing in " + file.string() + ": 2 of 6 tables, 2 of 51 columns.\n\n" + k_missing_after_init);
    CHECK(db::render_verify_json(report).dump() ==
          R"({"columns_checked":51,"complete":false,"database":")" + file.string()
            + R"(","database_exists":true,)"
              R"("missing_columns":[{"column":"mcp_enabled","field":"mcpEnabled","model":"User","schema":"main","table":"users"},)"
              R"({"column":"last_seen_at","field":"lastSeenAt","model":"User","schema":"main","table":"users"}],)"
              R"("missing_tables":[{"model":"McpLog","relation":null,"schema":"main","table":"mcp_logs"},)"
              R"({"model":"Session","relation":null,"schema":"main","table":"sessions"}],"tables_checked":6})");
  }

  SUBCASE("after two migrations only the session tracking is missing")
  {
    apply_sqlite_migrations(file, 2);
    const auto report = db::verify_database(schema, url);
    REQUIRE(report.missing_tables.size() == 1);
    CHECK(report.missing_tables[0].table == "sessions");
    REQUIRE(report.missing_columns.size() == 1);
    CHECK(report.missing_columns[0].column == "last_seen_at");
  }

  SUBCASE("the SQLite history keeps rows through RedefineTables and leaves foreign keys consistent")
  {
    apply_sqlite_migrations(file, 1);
    {
      SQLite::Database database(file.string(), SQLite::OPEN_READWRITE);
      database.exec("INSERT INTO users (telegram_id, first_name, updated_at) VALUES (4242, 'Ada', CURRENT_TIMESTAMP);"
                    "INSERT INTO Pack (id, slug, name, credits, price, updatedAt) "
                    "VALUES ('p1', 'starter', 'Starter', 10, 50, CURRENT_TIMESTAMP);"
                    "INSERT INTO Purchase (id, userId, packId, amount, currency) VALUES ('b1', 1, 'p1', 50, 'XTR');");
    }
    SQLite::Database database(file.string(), SQLite::OPEN_READWRITE);
    for (std::size_t i = 1; i < k_migrations.size(); ++i) {
      database.exec(test::read_file(k_example / "migrations-sqlite" / k_migrations[i] / "migration.sql"));
    }
    SQLite::Statement user(database, "SELECT telegram_id, first_name, mcp_enabled, last_seen_at IS NULL FROM users");
    REQUIRE(user.executeStep());
    CHECK(user.getColumn(0).getInt64() == 4242);
    CHECK(user.getColumn(1).getString() == "Ada");
    CHECK(user.getColumn(2).getInt() == 0);
    CHECK(user.getColumn(3).getInt() == 1);
    SQLite::Statement violations(database, "PRAGMA foreign_key_check");
    CHECK_FALSE(violations.executeStep());
    CHECK(database.execAndGet("SELECT count(*) FROM Purchase JOIN users ON users.id = Purchase.userId").getInt() == 1);
  }

  SUBCASE("a missing file is reported as an empty database and is not created")
  {
    const auto report = db::verify_database(schema, url);
    CHECK_FALSE(report.database_exists);
    CHECK(report.missing_tables.size() == 6);
    CHECK(report.missing_columns.empty());
    CHECK_FALSE(fs::exists(file));
    CHECK(db::render_verify_text(report).rfind("The database " + file.string() + " does not exist yet.\n"
                                                 "Missing in " + file.string() + ": 6 of 6 tables, 0 of 51 columns.\n",
                                               0)
          == 0);
  }

  SUBCASE("reading leaves the file, its journal and its directory as they were")
  {
    apply_sqlite_migrations(file, 3);
    const auto before = fs::last_write_time(file);
    CHECK(db::verify_database(schema, url).complete());
    CHECK(fs::last_write_time(file) == before);
    std::vector<std::string> entries;
    for (const auto& entry : fs::directory_iterator(file.parent_path())) {
      entries.push_back(entry.path().filename().string());
    }
    CHECK(entries == std::vector<std::string>{"rastar.db"});
  }

  SUBCASE("SQLite names are compared without regard to case, as SQLite does")
  {
    SQLite::Database database(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    database.exec("CREATE TABLE USERS (ID INTEGER PRIMARY KEY, Telegram_Id BIGINT)");
    const auto introspected = db::introspect_database(url);
    REQUIRE(introspected.find_table("main", "users"));
    CHECK(introspected.find_table("main", "users")->columns == std::vector<std::string>{"ID", "Telegram_Id"});
    CHECK(introspected.same_name("telegram_id", "TELEGRAM_ID"));
  }

  SUBCASE("a file that is not a database cannot be read")
  {
    test::write_file(file, "this is not a database, just text long enough to have a header of one hundred bytes....");
    CHECK_THROWS_WITH_AS(db::verify_database(schema, url),
                         ("cannot read the SQLite database " + file.string() + ": file is not a database").c_str(),
                         Error);
  }
}

TEST_SUITE("postgres")
{
  TEST_CASE("db::verify_database, PostgreSQL")
  {
    const auto schema = example_schema();

    SUBCASE("after every migration nothing is missing; after the first, the later ones are")
    {
      test::TemporaryDatabase database;
      const auto url = db::parse_database_url(database.url(), fs::current_path());
      apply_postgres_migrations(database, 0, 1);
      const auto partial = db::verify_database(schema, url);
      CHECK(db::render_verify_text(partial)
            == "Missing in " + url.redacted + ": 2 of 6 tables, 2 of 51 columns.\n\n" + k_missing_after_init);
      CHECK(partial.missing_tables[0].schema == "public");

      apply_postgres_migrations(database, 1, 3);
      CHECK(database.query("SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY conname COLLATE \"C\"")
            == std::vector<std::string>{"Purchase_packId_fkey", "Purchase_userId_fkey", "mcp_logs_user_id_fkey",
                                        "sessions_user_id_fkey"});
      const auto report = db::verify_database(schema, url);
      CHECK(report.complete());
      CHECK(db::render_verify_text(report) == "All 6 tables and 51 columns exist in " + url.redacted + ".\n");
    }

    SUBCASE("PostgreSQL compares names exactly, and looks only in the URL's schema")
    {
      test::TemporaryDatabase database;
      database.execute("CREATE TABLE \"Users\" (\"ID\" integer); CREATE SCHEMA app; CREATE TABLE app.users (id integer)");
      const auto introspected = db::introspect_database(db::parse_database_url(database.url(), fs::current_path()));
      CHECK(introspected.find_table("public", "Users"));
      CHECK_FALSE(introspected.find_table("public", "users"));
      CHECK_FALSE(introspected.find_table("app", "users"));

      const auto in_app = db::parse_database_url(database.url("schema=app"), fs::current_path());
      const auto report = db::verify_database(schema, in_app);
      REQUIRE(report.missing_tables.size() == 5);
      REQUIRE(report.missing_columns.size() == 10); // every users column but id
      CHECK(report.missing_columns[0].schema == "app");
      CHECK(db::render_verify_text(report).find("\nusers      telegram_id    User       telegramId\n") != std::string::npos);
    }

    SUBCASE("a database that does not exist yet is reported as empty")
    {
      test::TemporaryDatabase database;
      const auto url = db::parse_database_url(database.url(), fs::current_path()).with_database(database.name() + "_none");
      const auto report = db::verify_database(schema, url);
      CHECK_FALSE(report.database_exists);
      CHECK(report.missing_tables.size() == 6);
    }

    SUBCASE("a server that does not answer is unreachable (69)")
    {
      const auto url = db::parse_database_url("postgresql://nobody:secret@127.0.0.1:1/app", fs::current_path());
      try {
        db::verify_database(schema, url);
        FAIL("no error");
      } catch (const Error& e) {
        CHECK(e.code() == ExitCode::database_unreachable);
        const std::string message = e.what();
        CHECK(message.rfind("cannot connect to postgresql://nobody:****@127.0.0.1:1/app: ", 0) == 0);
        CHECK(message.find("secret") == std::string::npos);
      }
    }
  }
}
