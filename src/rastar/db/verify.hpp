#pragma once

#include <rastar/db/database_url.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/db/schema_introspection.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

// db verify: does the database have every table and column that
// schema.prisma declares? The provider is the URL's, not the datasource's:
// the same schema serves a SQLite development database and PostgreSQL (D6).

namespace rastar::db {

struct ExpectedColumn
{
  std::string name;
  std::string field; // the field it comes from
};

// A table Prisma Migrate creates: a model's, or the join table of an
// implicit many-to-many relation.
struct ExpectedTable
{
  std::string schema;
  std::string name;
  std::string model;    // empty for a join table
  std::string relation; // the relation's name, for a join table
  std::vector<ExpectedColumn> columns;
};

// The tables and columns Prisma Migrate creates for `schema` on `provider`,
// in `default_schema` unless a model says @@schema. Views are left out;
// @@ignore'd models and @ignore'd fields are in, since Migrate creates them.
// Scalar lists are columns on PostgreSQL only (arrays; SQLite has none).
std::vector<ExpectedTable>
expected_tables(const PrismaSchema& schema, Provider provider, const std::string& default_schema);

struct MissingTable
{
  std::string schema;
  std::string table;
  std::string model;    // empty for a join table
  std::string relation; // for a join table
};

struct MissingColumn
{
  std::string schema;
  std::string table;
  std::string column;
  std::string model; // empty for a join table
  std::string field;
};

struct VerifyReport
{
  std::string database;       // the redacted URL, or the SQLite file
  std::string default_schema; // tables in it are shown unqualified
  bool database_exists = true;
  std::size_t tables_checked = 0;
  std::size_t columns_checked = 0;
  std::vector<MissingTable> missing_tables;   // in the schema's order
  std::vector<MissingColumn> missing_columns; // of tables that exist, in the schema's order

  bool
  complete() const
  {
    return missing_tables.empty() && missing_columns.empty();
  }
};

// Compares `expected` with what `actual` has.
VerifyReport
compare_tables(const std::vector<ExpectedTable>& expected, const IntrospectedDatabase& actual);

// Introspects `url` (read-only) and compares it with `schema`.
VerifyReport
verify_database(const PrismaSchema& schema, const DatabaseUrl& url);

// The report for people: a summary line, and a table of what is missing.
std::string
render_verify_text(const VerifyReport& report);

// {"database", "database_exists", "complete", "tables_checked", "columns_checked",
//  "missing_tables": [{"schema","table","model","relation"}],
//  "missing_columns": [{"schema","table","column","model","field"}]}
nlohmann::json
render_verify_json(const VerifyReport& report);

// 0 when nothing is missing, 1 otherwise (D1).
int
verify_exit_code(const VerifyReport& report);

} // namespace rastar::db
