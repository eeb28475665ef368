// lint::lint_migrations over the corpus in tests/lint (one migration history
// per provider, a migration per rule) and over small histories written here.

#include "cli_migrate_test_support.hpp"

#include <rastar/lint/linter.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using namespace rastar;
using namespace rastar::test;

namespace {

const fs::path k_corpus = fs::path(RASTAR_SOURCE_DIR) / "tests" / "lint";

// The text report of `directory`, with paths relative to `relative_to`.
std::string
lint_text(const fs::path& directory, const fs::path& relative_to, const lint::LintOptions& options)
{
  auto report = lint::lint_migrations(migrate::read_migrations_directory(directory), options);
  for (auto& finding : report.findings) {
    finding.path = finding.path.lexically_relative(relative_to);
  }
  return lint::render_text(report);
}

lint::LintReport
lint_here(db::Provider provider, std::optional<std::set<std::string>> only = std::nullopt)
{
  lint::LintOptions options;
  options.provider = provider;
  options.only = std::move(only);
  return lint::lint_migrations(migrate::read_migrations_directory("migrations"), options);
}

} // namespace

TEST_CASE("lint::lint_migrations, the corpus")
{
  SUBCASE("PostgreSQL: every rule caught, the safe forms and same-file changes not flagged")
  {
    const auto directory = k_corpus / "postgresql";
    lint::LintOptions options;
    options.provider = lint::provider_of(migrate::read_migrations_directory(directory));
    CHECK(options.provider == db::Provider::postgresql);
    CHECK(lint_text(directory, k_corpus, options) == read_file(k_corpus / "postgresql.expected"));
  }

  SUBCASE("SQLite: RedefineTables judged by what it changes, SQLite's own parse errors")
  {
    const auto directory = k_corpus / "sqlite";
    lint::LintOptions options;
    options.provider = lint::provider_of(migrate::read_migrations_directory(directory));
    CHECK(options.provider == db::Provider::sqlite);
    CHECK(lint_text(directory, k_corpus, options) == read_file(k_corpus / "sqlite.expected"));
  }
}

TEST_CASE("lint::lint_migrations")
{
  TestDirectory directory;

  SUBCASE("a table created by an earlier migration is existing; one created in the same file is not")
  {
    write_migration("migrations", "1_init", "CREATE TABLE a (id int);\n");
    write_migration("migrations", "2_drop", "CREATE TABLE b (id int);\nDROP TABLE b;\nDROP TABLE a;\n");
    const auto report = lint_here(db::Provider::postgresql);
    REQUIRE(report.findings.size() == 1);
    CHECK(report.findings[0].rule == "drop-table");
    CHECK(report.findings[0].line == 3);
    CHECK(report.findings[0].column == 1);
    CHECK(report.findings[0].migration == "2_drop");
    CHECK(!report.passes());
    CHECK(report.statements == 4);
  }

  SUBCASE("only: other migrations are read but not reported")
  {
    write_migration("migrations", "1_init", "CREATE TABLE a (id int);\nDELETE FROM a;\n");
    write_migration("migrations", "2_next", "  UPDATE a SET id = 1;\n");
    const auto report = lint_here(db::Provider::postgresql, std::set<std::string>{"2_next"});
    REQUIRE(report.findings.size() == 1);
    CHECK(report.findings[0].rule == "update-without-where");
    CHECK(report.findings[0].column == 3);
    CHECK(report.migrations == 1);
  }

  SUBCASE("an allow comment counts only on the line just before the statement, for the rules it names")
  {
    write_migration("migrations", "1_init", "CREATE TABLE a (id int, b int);\n");
    write_migration("migrations", "2_next",
                    "--rastar-init: allow drop-column\nALTER TABLE a DROP COLUMN b;\n"
                    "-- rastar-init: allow drop-column\nTRUNCATE a;\n");
    const auto report = lint_here(db::Provider::postgresql);
    REQUIRE(report.findings.size() == 2);
    CHECK(report.findings[0].allowed);
    CHECK(!report.findings[1].allowed);
    CHECK(report.findings[1].rule == "truncate");
  }

  SUBCASE("every finding allowed passes")
  {
    write_migration("migrations", "1_init", "CREATE TABLE a (id int);\n");
    write_migration("migrations", "2_next", "-- rastar-init: allow truncate, delete-without-where\nTRUNCATE a;\n");
    CHECK(lint_here(db::Provider::postgresql).passes());
  }

  SUBCASE("a parse error cannot be allowed")
  {
    write_migration("migrations", "1_bad", "-- rastar-init: allow parse-error\nSELEC 1;\n");
    const auto report = lint_here(db::Provider::postgresql);
    REQUIRE(report.findings.size() == 2);
    CHECK(report.findings[0].rule == "unknown-rule");
    CHECK(report.findings[1].rule == "parse-error");
    CHECK(report.findings[1].line == 2);
    CHECK(report.findings[1].column == 1);
    CHECK(!report.findings[1].allowed);
  }

  SUBCASE("SQLite: statements prepare against the schema the history built")
  {
    write_migration("migrations", "1_init", "CREATE TABLE a (id INTEGER);\n");
    write_migration("migrations", "2_next", "ALTER TABLE a ADD COLUMN b TEXT;\nUPDATE a SET b = 'x';\n");
    write_migration("migrations", "3_missing", "\n  DELETE FROM nowhere;\n");
    const auto report = lint_here(db::Provider::sqlite);
    REQUIRE(report.findings.size() == 2);
    CHECK(report.findings[0].rule == "update-without-where");
    CHECK(report.findings[1].rule == "parse-error");
    CHECK(report.findings[1].message == "no such table: nowhere; SQLite will refuse this migration, fix the statement");
    CHECK(report.findings[1].line == 2);
    CHECK(report.findings[1].column == 3);
  }

  SUBCASE("SQLite: data statements, ATTACH and VACUUM are parsed but never run")
  {
    write_migration("migrations", "1_attach",
                    "ATTACH DATABASE 'other.db' AS other;\nVACUUM INTO 'copy.db';\nCREATE TABLE a (x INTEGER UNIQUE);\n"
                    "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);\n");
    const auto report = lint_here(db::Provider::sqlite);
    CHECK(report.findings.empty());
    CHECK(report.statements == 5);
    CHECK(!fs::exists("other.db"));
    CHECK(!fs::exists("copy.db"));
  }
}

TEST_CASE("lint::render_json")
{
  TestDirectory directory;
  write_migration("migrations", "1_init", "CREATE TABLE a (id int);\n");
  write_migration("migrations", "2_next", "-- rastar-init: allow truncate\nTRUNCATE a;\n");
  const auto json = lint::render_json(lint_here(db::Provider::postgresql));
  CHECK(json["passes"] == true);
  CHECK(json["migrations"] == 2);
  CHECK(json["statements"] == 2);
  REQUIRE(json["findings"].size() == 1);
  CHECK(json["findings"][0]["path"] == "migrations/2_next/migration.sql");
  CHECK(json["findings"][0]["migration"] == "2_next");
  CHECK(json["findings"][0]["line"] == 2);
  CHECK(json["findings"][0]["column"] == 1);
  CHECK(json["findings"][0]["rule"] == "truncate");
  CHECK(json["findings"][0]["allowed"] == true);
  CHECK(json["findings"][0]["message"]
        == "truncates table \"a\": deletes every row; instead, delete the rows you mean with a WHERE, or drop the "
           "table in a later release");
}
