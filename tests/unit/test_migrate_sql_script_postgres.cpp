#include "test_support.hpp"

#include <rastar/migrate/sql_script.hpp>

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <string>
#include <vector>

using rastar::migrate::analyze_postgres_script;
using rastar::migrate::ScriptAnalysis;
using rastar::migrate::ScriptParseError;

namespace {

constexpr int k_postgres_15 = 150004;
constexpr int k_postgres_11 = 110000;

std::vector<std::string>
texts(const ScriptAnalysis& analysis)
{
  std::vector<std::string> result;
  for (const auto& statement : analysis.statements) {
    result.push_back(statement.text);
  }
  return result;
}

std::vector<std::string>
kinds(const ScriptAnalysis& analysis)
{
  std::vector<std::string> result;
  for (const auto& statement : analysis.statements) {
    result.push_back(statement.kind);
  }
  return result;
}

// The single statement of `sql`.
rastar::migrate::Statement
only_statement(const std::string& sql, int server_version_num = k_postgres_15)
{
  const auto analysis = analyze_postgres_script(sql, server_version_num);
  REQUIRE(analysis.statements.size() == 1);
  return analysis.statements.front();
}

// Runs `sql` as one statement inside BEGIN … ROLLBACK and returns the server's
// error, or "" when it ran.
std::string
error_inside_transaction(const rastar::test::TemporaryDatabase& database, const std::string& sql)
{
  pqxx::connection connection(database.url());
  pqxx::nontransaction work(connection);
  work.exec("BEGIN");
  std::string message;
  try {
    work.exec(sql);
  } catch (const pqxx::sql_error& error) {
    message = error.what();
  }
  work.exec("ROLLBACK");
  return message;
}

} // namespace

TEST_CASE("migrate::analyze_postgres_script splits statements")
{
  SUBCASE("text without ';', offset, line and column of the first token")
  {
    const std::string script = "-- CreateTable\n"
                               "CREATE TABLE \"User\" (\n    \"id\" SERIAL NOT NULL\n);\n"
                               "\n"
                               "/* a comment\n   over lines */ /* and /* nested */ one */\n"
                               "  -- then a line comment\n"
                               "\tCREATE UNIQUE INDEX \"User_id_key\" ON \"User\"(\"id\");\n";
    const auto analysis = analyze_postgres_script(script, k_postgres_15);
    REQUIRE(analysis.statements.size() == 2);
    const auto& first = analysis.statements[0];
    CHECK(first.text == "CREATE TABLE \"User\" (\n    \"id\" SERIAL NOT NULL\n)");
    CHECK(first.offset == 15);
    CHECK(first.line == 2);
    CHECK(first.column == 1);
    CHECK(first.kind == "CreateStmt");
    const auto& second = analysis.statements[1];
    CHECK(second.text == "CREATE UNIQUE INDEX \"User_id_key\" ON \"User\"(\"id\")");
    CHECK(second.offset == script.find("CREATE UNIQUE"));
    CHECK(second.line == 9);
    CHECK(second.column == 2);
    CHECK(second.kind == "IndexStmt");
    CHECK_FALSE(analysis.has_transaction_control);
    CHECK_FALSE(analysis.has_non_transactional);
  }

  SUBCASE("';' inside comments and string literals does not split")
  {
    const std::string script = "INSERT INTO t VALUES ('a;b'); -- not here; nor here\n"
                               "UPDATE t SET v = 'x'';y' /* ; */ WHERE v = E'\\';';\n";
    const auto analysis = analyze_postgres_script(script, k_postgres_15);
    CHECK(texts(analysis)
          == std::vector<std::string>{"INSERT INTO t VALUES ('a;b')", "UPDATE t SET v = 'x'';y' /* ; */ WHERE v = E'\\';'"});
    CHECK(analysis.statements[1].line == 2);
  }

  SUBCASE("comments inside and at the end of a statement are kept")
  {
    const auto statement = only_statement("SELECT 1 -- one\n     + 2 -- plus two\n;");
    CHECK(statement.text == "SELECT 1 -- one\n     + 2 -- plus two");
  }

  SUBCASE("the last statement without ';' and without a trailing newline")
  {
    const auto analysis = analyze_postgres_script("CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b text", k_postgres_15);
    CHECK(texts(analysis) == std::vector<std::string>{"CREATE TABLE a (id int)", "ALTER TABLE a ADD COLUMN b text"});
    CHECK(kinds(analysis) == std::vector<std::string>{"CreateStmt", "AlterTableStmt"});
    CHECK(analysis.statements[1].line == 2);
    CHECK(analysis.statements[1].offset == 25);
  }

  SUBCASE("the last statement without ';' followed by blank lines and a comment")
  {
    const auto statement = only_statement("\n\nDROP TABLE a\n\n-- done\n\n");
    CHECK(statement.text == "DROP TABLE a\n\n-- done");
    CHECK(statement.line == 3);
  }

  SUBCASE("empty statements are skipped")
  {
    const auto analysis = analyze_postgres_script(";;SELECT 1;; ;\nSELECT 2;", k_postgres_15);
    CHECK(texts(analysis) == std::vector<std::string>{"SELECT 1", "SELECT 2"});
    CHECK(analysis.statements[0].offset == 2);
  }

  SUBCASE("an empty script, or only comments, has no statements")
  {
    CHECK(analyze_postgres_script("", k_postgres_15).statements.empty());
    CHECK(analyze_postgres_script("\n  \n", k_postgres_15).statements.empty());
    CHECK(analyze_postgres_script("-- This is an empty migration.", k_postgres_15).statements.empty());
    CHECK(analyze_postgres_script("/* nothing */\n-- at all\n", k_postgres_15).statements.empty());
  }

  SUBCASE("columns count bytes after multi-byte characters")
  {
    const auto analysis = analyze_postgres_script("SELECT 'été'; SELECT 2", k_postgres_15);
    REQUIRE(analysis.statements.size() == 2);
    CHECK(analysis.statements[0].text == "SELECT 'été'");
    CHECK(analysis.statements[1].column == 17);
    CHECK(analysis.statements[1].offset == 16);
  }

  SUBCASE("CRLF line endings")
  {
    const auto analysis = analyze_postgres_script("SELECT 1;\r\n\r\nSELECT 2;\r\n", k_postgres_15);
    CHECK(texts(analysis) == std::vector<std::string>{"SELECT 1", "SELECT 2"});
    CHECK(analysis.statements[1].line == 3);
    CHECK(analysis.statements[1].column == 1);
  }
}

TEST_CASE("migrate::analyze_postgres_script transaction control")
{
  SUBCASE("BEGIN inside a plpgsql body and a DO block is not transaction control")
  {
    const std::string script = "CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$\n"
                               "BEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"
                               "DO $body$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'Role') THEN\n"
                               "    CREATE TYPE \"Role\" AS ENUM ('USER'); COMMIT;\n  END IF;\nEND $body$;\n";
    const auto analysis = analyze_postgres_script(script, k_postgres_15);
    CHECK(kinds(analysis) == std::vector<std::string>{"CreateFunctionStmt", "DoStmt"});
    CHECK_FALSE(analysis.has_transaction_control);
    CHECK(analysis.statements[1].line == 7);
    CHECK(analysis.statements[1].text.ends_with("END $body$"));
  }

  SUBCASE("a string literal ending in $$' does not open a dollar quote")
  {
    const auto analysis = analyze_postgres_script(
      "INSERT INTO \"Template\" (body) VALUES ('costs $$');\nBEGIN;\nSELECT '$$';\nCOMMIT;\n", k_postgres_15);
    CHECK(kinds(analysis) == std::vector<std::string>{"InsertStmt", "TransactionStmt", "SelectStmt", "TransactionStmt"});
    CHECK(analysis.has_transaction_control);
  }

  SUBCASE("a Prisma enum migration with its own BEGIN and COMMIT")
  {
    const std::string script = "-- AlterEnum\n"
                               "BEGIN;\n"
                               "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');\n"
                               "ALTER TABLE \"User\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n"
                               "ALTER TYPE \"Role\" RENAME TO \"Role_old\";\n"
                               "ALTER TYPE \"Role_new\" RENAME TO \"Role\";\n"
                               "DROP TYPE \"Role_old\";\n"
                               "COMMIT;\n";
    const auto analysis = analyze_postgres_script(script, k_postgres_15);
    REQUIRE(analysis.statements.size() == 7);
    CHECK(analysis.has_transaction_control);
    CHECK_FALSE(analysis.has_non_transactional);
    CHECK(analysis.statements.front().transaction_control);
    CHECK(analysis.statements.front().text == "BEGIN");
    CHECK(analysis.statements.front().line == 2);
    CHECK(analysis.statements.back().transaction_control);
    CHECK(analysis.statements.back().text == "COMMIT");
    for (std::size_t i = 1; i + 1 < analysis.statements.size(); ++i) {
      CHECK_FALSE(analysis.statements[i].transaction_control);
    }
  }

  SUBCASE("an UPDATE before the file's own BEGIN")
  {
    const auto analysis =
      analyze_postgres_script("UPDATE \"User\" SET role = 'USER' WHERE role IS NULL;\nBEGIN;\nALTER TYPE \"Role\" RENAME TO \"Old\";\nCOMMIT;", k_postgres_15);
    CHECK(kinds(analysis) == std::vector<std::string>{"UpdateStmt", "TransactionStmt", "RenameStmt", "TransactionStmt"});
    CHECK_FALSE(analysis.statements[0].transaction_control);
    CHECK(analysis.statements[1].transaction_control);
    CHECK(analysis.statements[3].transaction_control);
    CHECK(analysis.has_transaction_control);
  }

  SUBCASE("every form of transaction control")
  {
    for (const std::string sql : {"BEGIN", "BEGIN TRANSACTION", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                                  "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT a", "RELEASE SAVEPOINT a",
                                  "ROLLBACK TO SAVEPOINT a", "PREPARE TRANSACTION 'x'"}) {
      INFO(sql);
      const auto statement = only_statement(sql);
      CHECK(statement.kind == "TransactionStmt");
      CHECK(statement.transaction_control);
      CHECK_FALSE(statement.non_transactional);
    }
    for (const std::string sql : {"COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'"}) {
      INFO(sql);
      const auto statement = only_statement(sql);
      CHECK(statement.transaction_control);
      CHECK(statement.non_transactional);
    }
  }
}

TEST_CASE("migrate::analyze_postgres_script non-transactional statements")
{
  SUBCASE("CREATE INDEX CONCURRENTLY alone")
  {
    const auto analysis = analyze_postgres_script(
      "-- CreateIndex\nCREATE INDEX CONCURRENTLY \"Post_authorId_idx\" ON \"Post\"(\"authorId\");\n", k_postgres_15);
    REQUIRE(analysis.statements.size() == 1);
    CHECK(analysis.statements[0].non_transactional);
    CHECK(analysis.statements[0].line == 2);
    CHECK(analysis.has_non_transactional);
    CHECK_FALSE(analysis.has_transaction_control);
  }

  SUBCASE("CREATE INDEX CONCURRENTLY mixed with other statements")
  {
    const auto analysis = analyze_postgres_script("ALTER TABLE \"Post\" ADD COLUMN \"views\" INTEGER;\n"
                                                  "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Post_views_idx\" ON \"Post\"(\"views\");\n"
                                                  "CREATE INDEX \"Post_other_idx\" ON \"Post\"(\"other\");\n",
                                                  k_postgres_15);
    REQUIRE(analysis.statements.size() == 3);
    CHECK_FALSE(analysis.statements[0].non_transactional);
    CHECK(analysis.statements[1].non_transactional);
    CHECK_FALSE(analysis.statements[2].non_transactional);
    CHECK(analysis.has_non_transactional);
  }

  SUBCASE("DROP INDEX CONCURRENTLY, but not DROP INDEX")
  {
    CHECK(only_statement("DROP INDEX CONCURRENTLY IF EXISTS \"Post_views_idx\"").non_transactional);
    CHECK_FALSE(only_statement("DROP INDEX \"Post_views_idx\"").non_transactional);
  }

  SUBCASE("REINDEX CONCURRENTLY and REINDEX of a schema, the system or a database")
  {
    CHECK(only_statement("REINDEX INDEX CONCURRENTLY i").non_transactional);
    CHECK(only_statement("REINDEX (VERBOSE, CONCURRENTLY) TABLE t").non_transactional);
    CHECK(only_statement("REINDEX SCHEMA public").non_transactional);
    CHECK(only_statement("REINDEX DATABASE app").non_transactional);
    CHECK_FALSE(only_statement("REINDEX (CONCURRENTLY false) INDEX i").non_transactional);
    CHECK_FALSE(only_statement("REINDEX TABLE t").non_transactional);
  }

  SUBCASE("ALTER TYPE … ADD VALUE: only before PostgreSQL 12")
  {
    const std::string sql = "ALTER TYPE \"Role\" ADD VALUE 'MODERATOR'";
    CHECK(only_statement(sql, k_postgres_11).kind == "AlterEnumStmt");
    CHECK(only_statement(sql, k_postgres_11).non_transactional);
    CHECK(only_statement(sql, 119999).non_transactional);
    CHECK_FALSE(only_statement(sql, 120000).non_transactional);
    CHECK_FALSE(only_statement(sql, k_postgres_15).non_transactional);
    CHECK(only_statement("ALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS 'X' BEFORE 'USER'", k_postgres_11).non_transactional);
    CHECK_FALSE(only_statement("ALTER TYPE \"Role\" RENAME VALUE 'A' TO 'B'", k_postgres_11).non_transactional);
    CHECK(analyze_postgres_script(sql + ";", k_postgres_11).has_non_transactional);
    CHECK_FALSE(analyze_postgres_script(sql + ";", k_postgres_15).has_non_transactional);
  }

  SUBCASE("VACUUM, but not ANALYZE alone")
  {
    CHECK(only_statement("VACUUM").non_transactional);
    CHECK(only_statement("VACUUM ANALYZE \"User\"").non_transactional);
    CHECK(only_statement("VACUUM (ANALYZE) \"User\"").non_transactional);
    CHECK_FALSE(only_statement("ANALYZE \"User\"").non_transactional);
    CHECK(only_statement("ANALYZE \"User\"").kind == "VacuumStmt");
  }

  SUBCASE("databases, tablespaces, ALTER SYSTEM and the rest the server refuses in a transaction")
  {
    for (const std::string sql : {"CREATE DATABASE other",
                                  "DROP DATABASE IF EXISTS other",
                                  "ALTER DATABASE other SET TABLESPACE fast",
                                  "CREATE TABLESPACE fast LOCATION '/srv/fast'",
                                  "DROP TABLESPACE fast",
                                  "ALTER SYSTEM SET work_mem = '64MB'",
                                  "ALTER TABLE measurement DETACH PARTITION measurement_y2020 CONCURRENTLY",
                                  "DISCARD ALL",
                                  "CLUSTER",
                                  "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p",
                                  "DROP SUBSCRIPTION s",
                                  "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
                                  "ALTER SUBSCRIPTION s SET PUBLICATION p"}) {
      INFO(sql);
      CHECK(only_statement(sql).non_transactional);
    }
    for (const std::string sql : {"REFRESH MATERIALIZED VIEW CONCURRENTLY stats",
                                  "ALTER DATABASE other SET work_mem = '64MB'",
                                  "ALTER TABLE measurement DETACH PARTITION measurement_y2020",
                                  "DISCARD PLANS",
                                  "CLUSTER \"User\" USING \"User_pkey\"",
                                  "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (connect = false)",
                                  "CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p WITH (create_slot = off)",
                                  "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)",
                                  "ALTER SUBSCRIPTION s DROP PUBLICATION p WITH (refresh = off)",
                                  "CREATE EXTENSION IF NOT EXISTS pgcrypto",
                                  "CHECKPOINT"}) {
      INFO(sql);
      CHECK_FALSE(only_statement(sql).non_transactional);
    }
  }
}

TEST_CASE("migrate::analyze_postgres_script errors")
{
  SUBCASE("a syntax error names the token, its line and column")
  {
    const std::string script = "CREATE TABLE a (id int);\n/* two\nlines */\nALTER TABLE a ADD COLUMN b text;\n  SELEC 1;\n";
    try {
      analyze_postgres_script(script, k_postgres_15);
      FAIL("no error");
    } catch (const ScriptParseError& error) {
      CHECK(std::string(error.what()) == "syntax error at or near \"SELEC\"");
      CHECK(error.line() == 5);
      CHECK(error.column() == 3);
    }
  }

  SUBCASE("the column is in bytes after multi-byte characters")
  {
    try {
      analyze_postgres_script("SELECT 'ééé' FROM t WHER x", k_postgres_15);
      FAIL("no error");
    } catch (const ScriptParseError& error) {
      CHECK(std::string(error.what()) == "syntax error at or near \"x\"");
      CHECK(error.line() == 1);
      CHECK(error.column() == 29);
    }
  }

  SUBCASE("an unterminated statement or literal at the end")
  {
    CHECK_THROWS_WITH_AS(analyze_postgres_script("SELECT 1;\nSELECT 'x;' FROM", k_postgres_15),
                         "syntax error at end of input",
                         ScriptParseError);
    try {
      analyze_postgres_script("SELECT 1;\nDO $$ BEGIN END;", k_postgres_15);
      FAIL("no error");
    } catch (const ScriptParseError& error) {
      CHECK(std::string(error.what()) == "unterminated dollar-quoted string at or near \"$$ BEGIN END;\"");
      CHECK(error.line() == 2);
      CHECK(error.column() == 4);
    }
    CHECK_THROWS_WITH_AS(analyze_postgres_script("SELECT 1; /* open", k_postgres_15),
                         "unterminated /* comment at or near \"/* open\"",
                         ScriptParseError);
  }

  SUBCASE("a NUL byte")
  {
    try {
      analyze_postgres_script(std::string("SELECT 1;\nSELECT \0 2;", 21), k_postgres_15);
      FAIL("no error");
    } catch (const ScriptParseError& error) {
      CHECK(std::string(error.what()) == "the script contains a NUL byte, which PostgreSQL cannot receive");
      CHECK(error.line() == 2);
      CHECK(error.column() == 8);
    }
  }
}

TEST_CASE("migrate::analyze_postgres_script on a 10 MB script")
{
  std::string script = "-- a data migration\n";
  int rows = 0;
  while (script.size() < 10 * 1024 * 1024) {
    script += "INSERT INTO \"User\" (id, email, name) VALUES (" + std::to_string(rows) + ", 'user" + std::to_string(rows)
              + "@example.com', 'Name; with ''quotes'' -- and dashes');\n";
    ++rows;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto analysis = analyze_postgres_script(script, k_postgres_15);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("analysed " << script.size() / (1024 * 1024) << " MB, " << rows << " statements in " << seconds << " s");
  REQUIRE(analysis.statements.size() == static_cast<std::size_t>(rows));
  CHECK(analysis.statements.back().line == rows + 1);
  CHECK(analysis.statements.back().text.starts_with("INSERT INTO \"User\" (id, email, name) VALUES (" + std::to_string(rows - 1)));
  CHECK(seconds < 120);
}

TEST_SUITE("postgres")
{
  TEST_CASE("migrate::analyze_postgres_script agrees with the server about transaction blocks")
  {
    const rastar::test::TemporaryDatabase database;
    database.execute("CREATE TABLE t (id int PRIMARY KEY, v text);"
                     "CREATE INDEX t_v ON t (v);"
                     "CREATE TYPE mood AS ENUM ('sad');"
                     "CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;"
                     "CREATE UNIQUE INDEX mv_id ON mv (id);"
                     "CREATE TABLE p (k int) PARTITION BY RANGE (k);"
                     "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);");
    const auto server_version_num = std::stoi(database.query("SHOW server_version_num").front());
    const std::string refused = "cannot run inside a transaction block";

    for (const std::string sql : {"CREATE INDEX CONCURRENTLY t_v2 ON t (v)",
                                  "DROP INDEX CONCURRENTLY t_v",
                                  "REINDEX INDEX CONCURRENTLY t_v",
                                  "REINDEX SCHEMA public",
                                  "VACUUM t",
                                  "VACUUM (ANALYZE) t",
                                  "CREATE DATABASE rastar_never_created",
                                  "DROP DATABASE IF EXISTS rastar_never_created",
                                  "CREATE TABLESPACE never LOCATION '/nonexistent'",
                                  "DROP TABLESPACE IF EXISTS never",
                                  "ALTER SYSTEM RESET work_mem",
                                  "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY",
                                  "DISCARD ALL",
                                  "CLUSTER",
                                  "COMMIT PREPARED 'never'"}) {
      INFO(sql);
      CHECK(only_statement(sql, server_version_num).non_transactional);
      CHECK(error_inside_transaction(database, sql).find(refused) != std::string::npos);
    }
    for (const std::string sql : {"CREATE INDEX t_v3 ON t (v)",
                                  "DROP INDEX t_v",
                                  "REINDEX INDEX t_v",
                                  "ANALYZE t",
                                  "ALTER TYPE mood ADD VALUE 'happy'",
                                  "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
                                  "ALTER TABLE p DETACH PARTITION p1",
                                  "DISCARD PLANS",
                                  "CLUSTER t USING t_pkey",
                                  "DO $$ BEGIN PERFORM 1; END $$"}) {
      INFO(sql);
      CHECK_FALSE(only_statement(sql, server_version_num).non_transactional);
      CHECK(error_inside_transaction(database, sql) == "");
    }
  }
}
