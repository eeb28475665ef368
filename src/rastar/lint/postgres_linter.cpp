#include <rastar/lint/rules.hpp>
#include <rastar/lint/script_linter.hpp>
#include <rastar/migrate/pg_script_text.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

// Rules over libpg_query's JSON parse tree (PostgreSQL 15's grammar). A
// statement on a table created earlier in the same script is never flagged:
// nobody can be using that table yet.

namespace rastar::lint {

namespace {

using nlohmann::json;



std::string
string_value(const json& node)
{
  if (node.contains("String")) {
    return node["String"].value("sval", "");
  }
  return {};
}

// The last name of a qualified name list (`public.User` → User).
std::string
last_name(const json& names)
{
  if (!names.is_array() || names.empty()) {
    return {};
  }
  return string_value(names.back());
}

std::string
relation_name(const json& node, const char* key = "relation")
{
  if (!node.contains(key)) {
    return {};
  }
  return node[key].value("relname", "");
}

std::vector<std::string>
string_list(const json& node, const char* key)
{
  std::vector<std::string> result;
  if (node.contains(key)) {
    for (const auto& item : node[key]) {
      result.push_back(string_value(item));
    }
  }
  return result;
}

bool
has_constraint(const json& column_def, std::string_view contype)
{
  if (!column_def.contains("constraints")) {
    return false;
  }
  return std::any_of(column_def["constraints"].begin(), column_def["constraints"].end(), [&](const json& item) {
    return item.contains("Constraint") && item["Constraint"].value("contype", "") == contype;
  });
}

std::string
type_text(const json& type_name)
{
  const auto names = string_list(type_name, "names");
  if (names.empty()) {
    return "?";
  }
  // pg_catalog.int4 reads better as int4.
  return names.back() + (type_name.contains("arrayBounds") ? "[]" : "");
}

struct StatementContext
{
  std::vector<RawFinding>& findings;
  int line;
  int column;

  void
  add(std::string_view rule, std::string message) const
  {
    findings.push_back({line, column, line, std::string(rule), std::move(message)});
  }
};

class PostgresLinter : public ScriptLinter
{
public:
  std::vector<RawFinding>
  lint_script(std::string_view script) override
  {
    const std::string text(script);
    migrate::PgParseResult parsed(text);
    std::vector<RawFinding> findings;
    if (parsed.get().error != nullptr) {
      RawFinding finding;
      const auto offset = migrate::byte_offset_of_character(script, parsed.get().error->cursorpos);
      line_and_column(script, offset, finding.line, finding.column);
      finding.statement_line = finding.line;
      finding.rule = k_parse_error;
      finding.message = fmt::format("{}; PostgreSQL will refuse this migration, fix the statement",
                                    parsed.get().error->message);
      findings.push_back(std::move(finding));
      return findings;
    }
    m_created_tables.clear();
    m_created_enums.clear();
    m_replaced_enums.clear();
    const auto tree = json::parse(parsed.get().parse_tree);
    if (!tree.contains("stmts")) {
      return findings;
    }
    for (const auto& raw : tree["stmts"]) {
      ++m_statements;
      const auto location = raw.value("stmt_location", std::size_t{0});
      const auto length = raw.value("stmt_len", std::size_t{0});
      const auto end = length == 0 ? script.size() : std::min(script.size(), location + length);
      const auto start = migrate::skip_whitespace_and_comments(script, location, end);
      const auto& statement = raw["stmt"];
      if (statement.empty()) {
        continue;
      }
      const auto& kind = statement.begin().key();
      const auto& node = statement.begin().value();
      // Line and column only when a rule fires: most statements need neither.
      std::size_t before = findings.size();
      StatementContext context{findings, 0, 0};
      check(kind, node, context);
      if (findings.size() != before) {
        int line = 0;
        int column = 0;
        line_and_column(script, start, line, column);
        for (auto i = before; i < findings.size(); ++i) {
          findings[i].line = findings[i].statement_line = line;
          findings[i].column = column;
        }
      }
    }
    return findings;
  }

  std::size_t
  statements() const override
  {
    return m_statements;
  }

private:
  bool
  existing(const std::string& table) const
  {
    return !table.empty() && !m_created_tables.contains(table);
  }

  void
  check(const std::string& kind, const json& node, const StatementContext& context)
  {
    if (kind == "CreateStmt") {
      m_created_tables.insert(relation_name(node));
    } else if (kind == "CreateTableAsStmt" && node.contains("into")) {
      m_created_tables.insert(relation_name(node["into"], "rel"));
    } else if (kind == "DropStmt") {
      check_drop(node, context);
    } else if (kind == "TruncateStmt") {
      for (const auto& relation : node.value("relations", json::array())) {
        const auto table = relation.contains("RangeVar") ? relation["RangeVar"].value("relname", "") : "";
        if (existing(table)) {
          context.add("truncate", fmt::format("truncates table \"{}\"", table));
        }
      }
    } else if (kind == "DeleteStmt" && !node.contains("whereClause") && existing(relation_name(node))) {
      context.add("delete-without-where", fmt::format("deletes every row of table \"{}\"", relation_name(node)));
    } else if (kind == "UpdateStmt" && !node.contains("whereClause") && existing(relation_name(node))) {
      context.add("update-without-where", fmt::format("updates every row of table \"{}\"", relation_name(node)));
    } else if (kind == "RenameStmt") {
      check_rename(node, context);
    } else if (kind == "AlterTableStmt" && node.value("objtype", "") == "OBJECT_TABLE") {
      check_alter_table(node, context);
    } else if (kind == "IndexStmt" && !node.value("concurrent", false) && existing(relation_name(node))) {
      context.add("index-without-concurrently",
                  fmt::format("creates {}index \"{}\" on table \"{}\" without CONCURRENTLY",
                              node.value("unique", false) ? "unique " : "", node.value("idxname", ""),
                              relation_name(node)));
    } else if (kind == "CreateEnumStmt") {
      check_create_enum(node, context);
    } else if (kind == "AlterEnumStmt") {
      check_alter_enum(node, context);
    }
  }

  void
  check_drop(const json& node, const StatementContext& context)
  {
    const std::string type = node.value("removeType", "");
    for (const auto& object : node.value("objects", json::array())) {
      const auto name = object.contains("List") ? last_name(object["List"].value("items", json::array()))
                                                : last_name(object);
      if (type == "OBJECT_TABLE" && existing(name)) {
        context.add("drop-table", fmt::format("drops table \"{}\"", name));
      } else if (type == "OBJECT_TYPE") {
        m_enums.erase(name);
      }
    }
  }

  void
  check_rename(const json& node, const StatementContext& context)
  {
    const std::string type = node.value("renameType", "");
    const auto table = relation_name(node);
    const std::string new_name = node.value("newname", "");
    if (type == "OBJECT_TABLE" && existing(table)) {
      context.add("rename-table", fmt::format("renames table \"{}\" to \"{}\"", table, new_name));
    } else if (type == "OBJECT_COLUMN" && node.value("relationType", "") == "OBJECT_TABLE" && existing(table)) {
      context.add("rename-column", fmt::format("renames column \"{}\" of table \"{}\" to \"{}\"",
                                               node.value("subname", ""), table, new_name));
    } else if (type == "OBJECT_TYPE" && node.contains("object") && node["object"].contains("List")) {
      // Prisma removes enum values by creating the new type under another
      // name, renaming the old one away and the new one into its place.
      const auto old_name = last_name(node["object"]["List"].value("items", json::array()));
      if (const auto found = m_enums.find(old_name); found != m_enums.end()) {
        const auto values = found->second;
        m_enums.erase(found);
        if (!m_created_enums.contains(old_name)) {
          m_replaced_enums[old_name] = values;
        }
        m_enums[new_name] = values;
        compare_with_replaced(new_name, values, context);
      }
    }
  }

  // When `name` replaces an enum renamed away in this script, flags the values it lost.
  void
  compare_with_replaced(const std::string& name, const std::vector<std::string>& values,
                        const StatementContext& context)
  {
    const auto replaced = m_replaced_enums.find(name);
    if (replaced == m_replaced_enums.end()) {
      return;
    }
    for (const auto& value : replaced->second) {
      if (std::find(values.begin(), values.end(), value) == values.end()) {
        context.add("remove-enum-value", fmt::format("removes value '{}' from enum \"{}\"", value, name));
      }
    }
    m_replaced_enums.erase(replaced);
  }

  void
  check_alter_table(const json& node, const StatementContext& context)
  {
    const auto table = relation_name(node);
    if (!existing(table)) {
      return;
    }
    for (const auto& item : node.value("cmds", json::array())) {
      if (!item.contains("AlterTableCmd")) {
        continue;
      }
      const auto& command = item["AlterTableCmd"];
      const std::string subtype = command.value("subtype", "");
      const std::string column = command.value("name", "");
      if (subtype == "AT_DropColumn") {
        context.add("drop-column", fmt::format("drops column \"{}\" of table \"{}\"", column, table));
      } else if (subtype == "AT_AlterColumnType") {
        const auto& definition = command.value("def", json::object());
        const auto type = definition.contains("ColumnDef") && definition["ColumnDef"].contains("typeName")
                            ? type_text(definition["ColumnDef"]["typeName"])
                            : std::string("?");
        context.add("change-column-type",
                    fmt::format("changes the type of column \"{}\" of table \"{}\" to {}", column, table, type));
      } else if (subtype == "AT_SetNotNull") {
        context.add("set-not-null", fmt::format("sets column \"{}\" of table \"{}\" NOT NULL", column, table));
      } else if (subtype == "AT_AddColumn" && command.contains("def") && command["def"].contains("ColumnDef")) {
        const auto& definition = command["def"]["ColumnDef"];
        const bool required = has_constraint(definition, "CONSTR_NOTNULL") || has_constraint(definition, "CONSTR_PRIMARY");
        const bool filled = has_constraint(definition, "CONSTR_DEFAULT") || has_constraint(definition, "CONSTR_IDENTITY")
                            || has_constraint(definition, "CONSTR_GENERATED");
        if (required && !filled) {
          context.add("add-required-column",
                      fmt::format("adds column \"{}\" to table \"{}\" NOT NULL without a default",
                                  definition.value("colname", ""), table));
        }
      } else if (subtype == "AT_AddConstraint" && command.contains("def") && command["def"].contains("Constraint")) {
        check_add_constraint(command["def"]["Constraint"], table, context);
      }
    }
  }

  static void
  check_add_constraint(const json& constraint, const std::string& table, const StatementContext& context)
  {
    const std::string type = constraint.value("contype", "");
    const std::string name = constraint.value("conname", "");
    const auto label = name.empty() ? std::string() : fmt::format(" \"{}\"", name);
    if ((type == "CONSTR_FOREIGN" || type == "CONSTR_CHECK") && !constraint.value("skip_validation", false)) {
      context.add("constraint-without-not-valid",
                  fmt::format("adds {} constraint{} to table \"{}\" without NOT VALID",
                              type == "CONSTR_FOREIGN" ? "foreign key" : "check", label, table));
    } else if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") && !constraint.contains("indexname")) {
      context.add("unique-without-concurrently",
                  fmt::format("adds {} constraint{} to table \"{}\", building its index without CONCURRENTLY",
                              type == "CONSTR_UNIQUE" ? "unique" : "primary key", label, table));
    }
  }

  void
  check_create_enum(const json& node, const StatementContext& context)
  {
    const auto name = last_name(node.value("typeName", json::array()));
    const auto values = string_list(node, "vals");
    if (m_replaced_enums.contains(name)) {
      compare_with_replaced(name, values, context);
    } else {
      m_created_enums.insert(name);
    }
    m_enums[name] = values;
  }

  void
  check_alter_enum(const json& node, const StatementContext& context)
  {
    const auto name = last_name(node.value("typeName", json::array()));
    auto& values = m_enums[name];
    const std::string new_value = node.value("newVal", "");
    if (node.contains("oldVal")) {
      const std::string old_value = node.value("oldVal", "");
      if (!m_created_enums.contains(name)) {
        context.add("rename-enum-value",
                    fmt::format("renames value '{}' of enum \"{}\" to '{}'", old_value, name, new_value));
      }
      std::replace(values.begin(), values.end(), old_value, new_value);
    } else {
      values.push_back(new_value);
    }
  }

  std::size_t m_statements = 0;
  std::map<std::string, std::vector<std::string>> m_enums; // every script so far
  std::set<std::string> m_created_tables;                  // this script
  std::set<std::string> m_created_enums;                   // this script
  std::map<std::string, std::vector<std::string>> m_replaced_enums; // renamed away in this script
};

} // namespace

std::unique_ptr<ScriptLinter>
make_postgres_linter()
{
  return std::make_unique<PostgresLinter>();
}

} // namespace rastar::lint
