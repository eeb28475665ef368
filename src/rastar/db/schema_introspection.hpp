#pragma once

#include <rastar/db/database_url.hpp>

#include <string>
#include <string_view>
#include <vector>

// The tables and columns a live database has, as db verify compares them
// with schema.prisma. Read-only: SQLite is opened read-only and a missing
// file is never created (D7); PostgreSQL is read in a read-only transaction.

namespace rastar::db {

struct IntrospectedTable
{
  std::string schema; // PostgreSQL schema, or "main" on SQLite
  std::string name;
  std::vector<std::string> columns; // in the table's order
};

struct IntrospectedDatabase
{
  // False when the SQLite file or the PostgreSQL database does not exist yet:
  // nothing has been migrated, so every table is missing.
  bool exists = true;
  std::vector<IntrospectedTable> tables; // ordinary and partitioned tables, by schema and name

  // The table `name` in `schema`, or nullptr. SQLite compares names without
  // regard to ASCII case, as SQLite itself does; PostgreSQL compares exactly
  // (Prisma quotes every identifier).
  const IntrospectedTable*
  find_table(std::string_view schema, std::string_view name) const;

  // Whether `a` and `b` name the same table or column in this database.
  bool
  same_name(std::string_view a, std::string_view b) const;

  bool case_insensitive = false; // SQLite
};

// Lists the tables of `url`'s database: on PostgreSQL those in `schemas`
// (url.schema when empty), on SQLite those of the main database. Throws
// Error(database_unreachable) naming the redacted URL when it cannot connect.
IntrospectedDatabase
introspect_database(const DatabaseUrl& url, const std::vector<std::string>& schemas = {});

} // namespace rastar::db
