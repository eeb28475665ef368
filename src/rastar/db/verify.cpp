#include <rastar/db/verify.hpp>

#include <rastar/util/exit_code.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace rastar::db {

namespace {

bool
is_column(const Field& field, Provider provider)
{
  if (field.kind == FieldKind::relation) {
    return false;
  }
  return !field.list || provider == Provider::postgresql;
}

// Whether `field` of `model` is one side of an implicit many-to-many
// relation: a list on both sides and no `fields:` on either. Returns the
// other model, or nullptr.
const Model*
many_to_many_partner(const PrismaSchema& schema, const Model& model, const Field& field)
{
  if (field.kind != FieldKind::relation || !field.list || !field.relation_fields.empty()) {
    return nullptr;
  }
  const auto* other = schema.find_model(field.type);
  if (!other || other->view) {
    return nullptr;
  }
  for (const auto& candidate : other->fields) {
    if (&candidate != &field && candidate.kind == FieldKind::relation && candidate.type == model.name
        && candidate.list && candidate.relation_fields.empty() && candidate.relation_name == field.relation_name) {
      return other;
    }
  }
  return nullptr;
}

std::string
table_label(const VerifyReport& report, const std::string& schema, const std::string& table)
{
  return schema == report.default_schema ? table : schema + "." + table;
}

std::string
plural(std::size_t count, const char* noun)
{
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

} // namespace

std::vector<ExpectedTable>
expected_tables(const PrismaSchema& schema, Provider provider, const std::string& default_schema)
{
  std::vector<ExpectedTable> tables;
  std::set<std::string> join_tables;
  const auto schema_of = [&](const std::optional<std::string>& declared) {
    return provider == Provider::sqlite ? std::string("main") : declared.value_or(default_schema);
  };
  for (const auto& model : schema.models) {
    if (model.view) {
      continue;
    }
    ExpectedTable table{schema_of(model.schema), model.table, model.name, "", {}};
    for (const auto& field : model.fields) {
      if (is_column(field, provider)) {
        table.columns.push_back({field.column, field.name});
      }
    }
    tables.push_back(std::move(table));
  }
  // Join tables come after the models, as Prisma creates them: `_` + the
  // relation's name (by default the two model names, sorted, joined by
  // "To"), column A for the model first in that order and B for the other.
  for (const auto& model : schema.models) {
    for (const auto& field : model.fields) {
      const auto* other = many_to_many_partner(schema, model, field);
      if (!other) {
        continue;
      }
      const auto& first = std::min(model.name, other->name);
      const auto& second = std::max(model.name, other->name);
      const auto relation = field.relation_name.value_or(first + "To" + second);
      if (!join_tables.insert(relation).second) {
        continue;
      }
      const auto& model_a = model.name == first ? model : *other;
      tables.push_back({schema_of(model_a.schema), "_" + relation, "", relation, {{"A", first}, {"B", second}}});
    }
  }
  return tables;
}

VerifyReport
compare_tables(const std::vector<ExpectedTable>& expected, const IntrospectedDatabase& actual)
{
  VerifyReport report;
  report.database_exists = actual.exists;
  for (const auto& table : expected) {
    ++report.tables_checked;
    report.columns_checked += table.columns.size();
    const auto* found = actual.find_table(table.schema, table.name);
    if (!found) {
      report.missing_tables.push_back({table.schema, table.name, table.model, table.relation});
      continue;
    }
    for (const auto& column : table.columns) {
      const bool present = std::any_of(found->columns.begin(), found->columns.end(), [&](const std::string& name) {
        return actual.same_name(name, column.name);
      });
      if (!present) {
        report.missing_columns.push_back({table.schema, table.name, column.name, table.model, column.field});
      }
    }
  }
  return report;
}

VerifyReport
verify_database(const PrismaSchema& schema, const DatabaseUrl& url)
{
  const auto default_schema = url.provider == Provider::sqlite ? std::string("main") : url.schema;
  const auto expected = expected_tables(schema, url.provider, default_schema);
  std::vector<std::string> schemas;
  for (const auto& table : expected) {
    if (std::find(schemas.begin(), schemas.end(), table.schema) == schemas.end()) {
      schemas.push_back(table.schema);
    }
  }
  auto report = compare_tables(expected, introspect_database(url, schemas));
  // A SQLite URL's path may be relative: the resolved file says which one was read (D7).
  report.database = url.provider == Provider::sqlite ? url.sqlite_path.string() : url.redacted;
  report.default_schema = default_schema;
  return report;
}

std::string
render_verify_text(const VerifyReport& report)
{
  const auto checked = fmt::format("{} and {}", plural(report.tables_checked, "table"),
                                   plural(report.columns_checked, "column"));
  if (report.complete()) {
    return fmt::format("All {} exist in {}.\n", checked, report.database);
  }
  std::string text;
  if (!report.database_exists) {
    text += fmt::format("The database {} does not exist yet.\n", report.database);
  }
  text += fmt::format("Missing in {}: {} of {}, {} of {}.\n\n", report.database, report.missing_tables.size(),
                      plural(report.tables_checked, "table"), report.missing_columns.size(),
                      plural(report.columns_checked, "column"));

  std::vector<std::array<std::string, 4>> rows{{"TABLE", "COLUMN", "MODEL", "FIELD"}};
  for (const auto& table : report.missing_tables) {
    rows.push_back({table_label(report, table.schema, table.table), "-",
                    table.model.empty() ? fmt::format("({} many-to-many)", table.relation) : table.model, "-"});
  }
  for (const auto& column : report.missing_columns) {
    rows.push_back({table_label(report, column.schema, column.table), column.column,
                    column.model.empty() ? "-" : column.model, column.field});
  }
  std::array<std::size_t, 4> widths{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], widths[i]) : row[i];
    }
    text += line + "\n";
  }
  text += "\nApply the pending migrations (rastar-init migrate deploy, or db verify --apply), then verify again.\n";
  return text;
}

nlohmann::json
render_verify_json(const VerifyReport& report)
{
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& table : report.missing_tables) {
    tables.push_back({{"schema", table.schema},
                      {"table", table.table},
                      {"model", table.model.empty() ? nlohmann::json() : nlohmann::json(table.model)},
                      {"relation", table.relation.empty() ? nlohmann::json() : nlohmann::json(table.relation)}});
  }
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& column : report.missing_columns) {
    columns.push_back({{"schema", column.schema},
                       {"table", column.table},
                       {"column", column.column},
                       {"model", column.model.empty() ? nlohmann::json() : nlohmann::json(column.model)},
                       {"field", column.field}});
  }
  return {{"database", report.database},
          {"database_exists", report.database_exists},
          {"complete", report.complete()},
          {"tables_checked", report.tables_checked},
          {"columns_checked", report.columns_checked},
          {"missing_tables", tables},
          {"missing_columns", columns}};
}

int
verify_exit_code(const VerifyReport& report)
{
  return to_int(report.complete() ? ExitCode::success : ExitCode::verdict_no);
}

} // namespace rastar::db
