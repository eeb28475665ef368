#include <rastar/migrate/sql_script.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace rastar::migrate;

namespace {

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

} // namespace

TEST_CASE("analyze_sqlite_script")
{
  SUBCASE("Prisma's RedefineTables pattern runs as it is, flagged for its foreign_keys pragma")
  {
    const std::string script =
      "-- RedefineTables\n"
      "PRAGMA defer_foreign_keys=ON;\n"
      "PRAGMA foreign_keys=OFF;\n"
      "CREATE TABLE \"new_Post\" (\n"
      "    \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n"
      "    \"title\" TEXT NOT NULL\n"
      ");\n"
      "INSERT INTO \"new_Post\" (\"id\", \"title\") SELECT \"id\", \"title\" FROM \"Post\";\n"
      "DROP TABLE \"Post\";\n"
      "ALTER TABLE \"new_Post\" RENAME TO \"Post\";\n"
      "PRAGMA foreign_keys=ON;\n"
      "PRAGMA defer_foreign_keys=OFF;\n";
    const auto analysis = analyze_sqlite_script(script);
    CHECK(kinds(analysis)
          == std::vector<std::string>{"PRAGMA", "PRAGMA", "CREATE", "INSERT", "DROP", "ALTER", "PRAGMA", "PRAGMA"});
    CHECK(analysis.has_foreign_keys_pragma);
    CHECK_FALSE(analysis.has_transaction_control);
    CHECK_FALSE(analysis.has_non_transactional);
    CHECK_FALSE(analysis.statements[0].foreign_keys_pragma); // defer_foreign_keys works in a transaction
    CHECK(analysis.statements[1].foreign_keys_pragma);
    CHECK(analysis.statements[6].foreign_keys_pragma);
    CHECK_FALSE(analysis.statements[7].foreign_keys_pragma);
    // Positions skip the comment before the first statement.
    CHECK(analysis.statements[0].text == "PRAGMA defer_foreign_keys=ON");
    CHECK(analysis.statements[0].line == 2);
    CHECK(analysis.statements[0].column == 1);
    CHECK(analysis.statements[0].offset == script.find("PRAGMA"));
    CHECK(analysis.statements[2].line == 4);
    CHECK(analysis.statements[2].text.ends_with("\"title\" TEXT NOT NULL\n)"));
    CHECK(analysis.statements[3].line == 8);
  }

  SUBCASE("a file wrapped in its own transaction, with a row-returning foreign_key_check inside")
  {
    const auto analysis = analyze_sqlite_script("BEGIN TRANSACTION;\n"
                                                "PRAGMA foreign_keys = off;\n"
                                                "CREATE TABLE a (x);\n"
                                                "PRAGMA foreign_key_check;\n"
                                                "COMMIT;\n");
    CHECK(kinds(analysis) == std::vector<std::string>{"BEGIN", "PRAGMA", "CREATE", "PRAGMA", "COMMIT"});
    CHECK(analysis.has_transaction_control);
    CHECK(analysis.statements[0].transaction_control);
    CHECK(analysis.statements[4].transaction_control);
    CHECK_FALSE(analysis.statements[3].foreign_keys_pragma);
    CHECK_FALSE(analysis.statements[3].transaction_control);
  }

  SUBCASE("every transaction keyword counts, in any case")
  {
    const auto analysis =
      analyze_sqlite_script("begin immediate; savepoint s; release s; rollback to s; end transaction; Commit");
    REQUIRE(analysis.statements.size() == 6);
    for (const auto& statement : analysis.statements) {
      CHECK(statement.transaction_control);
    }
    CHECK(kinds(analysis) == std::vector<std::string>{"BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "END", "COMMIT"});
  }

  SUBCASE("a trigger body's BEGIN … END stays in one statement and is not transaction control")
  {
    const auto analysis = analyze_sqlite_script("CREATE TABLE log (msg TEXT);\n"
                                                "CREATE TRIGGER t AFTER INSERT ON log BEGIN\n"
                                                "  INSERT INTO log VALUES ('a;b');\n"
                                                "  UPDATE log SET msg = 'x' WHERE msg = 'y';\n"
                                                "END;\n"
                                                "INSERT INTO log VALUES ('done');\n");
    REQUIRE(analysis.statements.size() == 3);
    CHECK(analysis.statements[1].kind == "CREATE");
    CHECK(analysis.statements[1].text.starts_with("CREATE TRIGGER t"));
    CHECK(analysis.statements[1].text.ends_with("END"));
    CHECK_FALSE(analysis.has_transaction_control);
    CHECK(analysis.statements[2].line == 6);
  }

  SUBCASE("';' in strings, quoted identifiers and comments does not split")
  {
    const auto analysis = analyze_sqlite_script("INSERT INTO t VALUES ('a;b', \"c;d\"); -- trailing; comment\n"
                                                "/* block; comment */ UPDATE [x;y] SET `a;` = 'it''s; fine';\n"
                                                "-- only a comment;\n");
    CHECK(texts(analysis)
          == std::vector<std::string>{"INSERT INTO t VALUES ('a;b', \"c;d\")",
                                      "UPDATE [x;y] SET `a;` = 'it''s; fine'"});
    CHECK(analysis.statements[1].line == 2);
    CHECK(analysis.statements[1].column == 22);
  }

  SUBCASE("double-quoted string literals in data migrations are ordinary statements")
  {
    const auto analysis = analyze_sqlite_script("UPDATE \"Tag\" SET category = \"internal\" WHERE name = \"x;y\";");
    CHECK(texts(analysis) == std::vector<std::string>{"UPDATE \"Tag\" SET category = \"internal\" WHERE name = \"x;y\""});
  }

  SUBCASE("an unterminated last statement without a trailing newline is kept")
  {
    const auto analysis = analyze_sqlite_script("CREATE TABLE a (x);\nCREATE TABLE b (y)");
    CHECK(texts(analysis) == std::vector<std::string>{"CREATE TABLE a (x)", "CREATE TABLE b (y)"});
    CHECK(analysis.statements[1].line == 2);
    CHECK(analysis.statements[1].offset == 20);
  }

  SUBCASE("empty scripts, lone semicolons and comments yield no statements")
  {
    CHECK(analyze_sqlite_script("").statements.empty());
    CHECK(analyze_sqlite_script("  ;;\n; -- nothing\n/* at all */").statements.empty());
  }

  SUBCASE("foreign_keys pragmas are found in any spelling, reads of it are not")
  {
    for (const char* script : {"PRAGMA foreign_keys=OFF", "pragma FOREIGN_KEYS = 0", "PRAGMA main.foreign_keys=OFF",
                               "PRAGMA  main . \"foreign_keys\" = off", "PRAGMA foreign_keys(1)",
                               "PRAGMA /* c */ foreign_keys\n=\nON"}) {
      CAPTURE(script);
      CHECK(analyze_sqlite_script(script).has_foreign_keys_pragma);
    }
    CHECK_FALSE(analyze_sqlite_script("PRAGMA foreign_keys").has_foreign_keys_pragma);
    CHECK_FALSE(analyze_sqlite_script("PRAGMA foreign_key_check").has_foreign_keys_pragma);
    CHECK_FALSE(analyze_sqlite_script("PRAGMA foreign_key_list(\"Post\")").has_foreign_keys_pragma);
    CHECK_FALSE(analyze_sqlite_script("PRAGMA defer_foreign_keys=ON").has_foreign_keys_pragma);
  }

  SUBCASE("statements that cannot run inside a transaction")
  {
    for (const char* script : {"VACUUM", "vacuum main", "PRAGMA journal_mode=WAL", "PRAGMA main.journal_mode = delete",
                               "PRAGMA synchronous=NORMAL", "PRAGMA wal_checkpoint(TRUNCATE)"}) {
      CAPTURE(script);
      const auto analysis = analyze_sqlite_script(script);
      CHECK(analysis.has_non_transactional);
      CHECK(analysis.statements.at(0).non_transactional);
    }
    for (const char* script : {"PRAGMA journal_mode", "PRAGMA synchronous", "PRAGMA defer_foreign_keys=ON",
                               "PRAGMA legacy_alter_table=ON", "CREATE TABLE vacuum_log (x)", "ANALYZE"}) {
      CAPTURE(script);
      CHECK_FALSE(analyze_sqlite_script(script).has_non_transactional);
    }
  }

  SUBCASE("positions count lines and byte columns after leading comments")
  {
    const auto analysis = analyze_sqlite_script("/* header\n   comment */  SELECT 1;\n\n\t  -- note\n    SELECT 2;");
    REQUIRE(analysis.statements.size() == 2);
    CHECK(analysis.statements[0].line == 2);
    CHECK(analysis.statements[0].column == 16);
    CHECK(analysis.statements[1].line == 5);
    CHECK(analysis.statements[1].column == 5);
    CHECK(analysis.statements[1].kind == "SELECT");
  }
}
