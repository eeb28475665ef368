#include <rastar/db/schema_introspection.hpp>

#include <rastar/migrate/pg_session.hpp>
#include <rastar/util/error.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace rastar::db {

namespace {

bool
equal_ignoring_ascii_case(std::string_view a, std::string_view b)
{
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

// libpq's messages end in a newline and may span lines; one sentence reads better.
std::string
one_line(std::string message)
{
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') {
    message.pop_back();
  }
  return message;
}

IntrospectedDatabase
introspect_sqlite(const DatabaseUrl& url)
{
  IntrospectedDatabase result;
  result.case_insensitive = true;
  std::error_code error;
  if (!std::filesystem::exists(url.sqlite_path, error)) {
    result.exists = false;
    return result;
  }
  try {
    // OPEN_READONLY without OPEN_CREATE: reading must never create the file (D7).
    SQLite::Database database(url.sqlite_path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement tables(database,
                             "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                             "ESCAPE '\\' ORDER BY name");
    while (tables.executeStep()) {
      result.tables.push_back({"main", tables.getColumn(0).getString(), {}});
    }
    for (auto& table : result.tables) {
      SQLite::Statement columns(database, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
      columns.bind(1, table.name);
      while (columns.executeStep()) {
        table.columns.push_back(columns.getColumn(0).getString());
      }
    }
  } catch (const SQLite::Exception& e) {
    throw unreachable_error(fmt::format("cannot read the SQLite database {}: {}", url.sqlite_path.string(), e.what()));
  }
  return result;
}

IntrospectedDatabase
introspect_postgres(const DatabaseUrl& url, const std::vector<std::string>& schemas)
{
  IntrospectedDatabase result;
  std::optional<migrate::PgSession> session;
  try {
    session.emplace(url.libpq_keywords);
  } catch (const migrate::PgFailure& e) {
    // A database not created yet holds no tables: report them all missing
    // rather than fail (migrate deploy would create it).
    if (e.error().message.find("database \"" + url.database + "\" does not exist") != std::string::npos) {
      result.exists = false;
      return result;
    }
    throw unreachable_error(fmt::format("cannot connect to {}: {}", url.redacted, one_line(e.what())));
  }
  try {
    std::string schema_list;
    for (const auto& schema : schemas.empty() ? std::vector<std::string>{url.schema} : schemas) {
      schema_list += (schema_list.empty() ? "" : ", ") + session->literal(schema);
    }
    // Read-only, and never committed: the session ends with the transaction open.
    session->exec("BEGIN TRANSACTION READ ONLY");
    // pg_catalog rather than information_schema: the latter hides tables the
    // user may not read, which would be reported as missing.
    const auto rows = session->exec(
      "SELECT n.nspname, c.relname, a.attname"
      " FROM pg_catalog.pg_class c"
      " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
      " WHERE c.relkind IN ('r', 'p') AND n.nspname IN (" + schema_list + ")"
      " ORDER BY n.nspname, c.relname, a.attnum");
    for (int row = 0; row < rows.size(); ++row) {
      const auto schema = rows.text(row, 0);
      const auto name = rows.text(row, 1);
      if (result.tables.empty() || result.tables.back().schema != schema || result.tables.back().name != name) {
        result.tables.push_back({schema, name, {}});
      }
      if (const auto column = rows.get(row, 2)) {
        result.tables.back().columns.push_back(*column);
      }
    }
  } catch (const migrate::PgFailure& e) {
    if (e.error().connection_lost) {
      throw unreachable_error(fmt::format("cannot connect to {}: {}", url.redacted, one_line(e.what())));
    }
    throw unreachable_error(fmt::format("cannot list the tables of {}: {}", url.redacted, one_line(e.what())));
  }
  return result;
}

} // namespace

const IntrospectedTable*
IntrospectedDatabase::find_table(std::string_view schema, std::string_view name) const
{
  for (const auto& table : tables) {
    if (table.schema == schema && same_name(table.name, name)) {
      return &table;
    }
  }
  return nullptr;
}

bool
IntrospectedDatabase::same_name(std::string_view a, std::string_view b) const
{
  return case_insensitive ? equal_ignoring_ascii_case(a, b) : a == b;
}

IntrospectedDatabase
introspect_database(const DatabaseUrl& url, const std::vector<std::string>& schemas)
{
  return url.provider == Provider::sqlite ? introspect_sqlite(url) : introspect_postgres(url, schemas);
}

} // namespace rastar::db
