#include <rastar/migrate/sql_script.hpp>

#include <rastar/migrate/pg_script_text.hpp>

#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace rastar::migrate {

namespace {

using nlohmann::json;


// Line and column of byte offsets visited in increasing order, in linear time.
class PositionTracker
{
public:
  explicit PositionTracker(std::string_view script)
    : m_script(script)
  {
  }

  void
  locate(std::size_t offset, int& line, int& column)
  {
    for (; m_position < offset && m_position < m_script.size(); ++m_position) {
      if (m_script[m_position] == '\n') {
        ++m_line;
        m_line_start = m_position + 1;
      }
    }
    line = m_line;
    column = static_cast<int>(offset - m_line_start) + 1;
  }

private:
  std::string_view m_script;
  std::size_t m_position = 0;
  std::size_t m_line_start = 0;
  int m_line = 1;
};

// PostgreSQL's defGetBoolean: an option without a value is true.
bool
option_is_true(const json& def_elem)
{
  if (!def_elem.contains("arg")) {
    return true;
  }
  const auto& arg = def_elem["arg"];
  if (arg.contains("Boolean")) {
    return arg["Boolean"].value("boolval", false);
  }
  if (arg.contains("Integer")) {
    return arg["Integer"].value("ival", 0) != 0;
  }
  std::string text;
  if (arg.contains("String")) {
    text = arg["String"].value("sval", "");
  } else if (arg.contains("TypeName") && arg["TypeName"].contains("names")) {
    // A keyword such as `off` arrives as a type name, as PostgreSQL's defGetString reads it.
    text = arg["TypeName"]["names"].back()["String"].value("sval", "");
  } else {
    return true;
  }
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return !(text == "false" || text == "f" || text == "off" || text == "no" || text == "n" || text == "0");
}

// The DefElem named `name` in the list `node[key]`, or nullptr.
const json*
find_option(const json& node, const char* key, const char* name)
{
  if (!node.contains(key)) {
    return nullptr;
  }
  for (const auto& item : node[key]) {
    if (item.contains("DefElem") && item["DefElem"].value("defname", "") == name) {
      return &item["DefElem"];
    }
  }
  return nullptr;
}

bool
option_set(const json& node, const char* key, const char* name, bool default_value)
{
  const json* option = find_option(node, key, name);
  return option != nullptr ? option_is_true(*option) : default_value;
}

bool
flag(const json& node, const char* key)
{
  return node.value(key, false);
}

// Whether PostgreSQL refuses the statement inside a transaction block
// (PreventInTransactionBlock in the server), judged from the parse tree alone.
bool
is_non_transactional(const std::string& kind, const json& node, int server_version_num)
{
  if (kind == "IndexStmt" || kind == "DropStmt") {
    return flag(node, "concurrent"); // CREATE/DROP INDEX CONCURRENTLY
  }
  if (kind == "ReindexStmt") {
    const std::string target = node.value("kind", "");
    return option_set(node, "params", "concurrently", false) || target == "REINDEX_OBJECT_SCHEMA"
           || target == "REINDEX_OBJECT_SYSTEM" || target == "REINDEX_OBJECT_DATABASE";
  }
  if (kind == "VacuumStmt") {
    return flag(node, "is_vacuumcmd"); // ANALYZE alone may run in a transaction
  }
  if (kind == "CreatedbStmt" || kind == "DropdbStmt" || kind == "CreateTableSpaceStmt"
      || kind == "DropTableSpaceStmt" || kind == "AlterSystemStmt") {
    return true;
  }
  if (kind == "AlterDatabaseStmt") {
    return find_option(node, "options", "tablespace") != nullptr;
  }
  if (kind == "AlterEnumStmt") {
    // ALTER TYPE … ADD VALUE; RENAME VALUE (oldVal) always could run in one.
    return !node.contains("oldVal") && server_version_num < 120000;
  }
  if (kind == "AlterTableStmt" && node.contains("cmds")) {
    for (const auto& command : node["cmds"]) {
      const json* partition = command.contains("AlterTableCmd") && command["AlterTableCmd"].contains("def")
                                ? &command["AlterTableCmd"]["def"]
                                : nullptr;
      if (partition != nullptr && partition->contains("PartitionCmd")
          && flag((*partition)["PartitionCmd"], "concurrent")) {
        return true; // DETACH PARTITION … CONCURRENTLY
      }
    }
    return false;
  }
  if (kind == "DiscardStmt") {
    return node.value("target", "") == "DISCARD_ALL";
  }
  if (kind == "ClusterStmt") {
    return !node.contains("relation"); // CLUSTER of every table
  }
  if (kind == "CreateSubscriptionStmt") {
    return option_set(node, "options", "connect", true) && option_set(node, "options", "create_slot", true);
  }
  if (kind == "DropSubscriptionStmt") {
    return true; // refused when the subscription has a slot, which the script cannot tell
  }
  if (kind == "AlterSubscriptionStmt") {
    const std::string action = node.value("kind", "");
    if (action == "ALTER_SUBSCRIPTION_REFRESH") {
      return true;
    }
    if (action == "ALTER_SUBSCRIPTION_SET_PUBLICATION" || action == "ALTER_SUBSCRIPTION_ADD_PUBLICATION"
        || action == "ALTER_SUBSCRIPTION_DROP_PUBLICATION") {
      return option_set(node, "options", "refresh", true);
    }
    return false;
  }
  if (kind == "TransactionStmt") {
    const std::string action = node.value("kind", "");
    return action == "TRANS_STMT_COMMIT_PREPARED" || action == "TRANS_STMT_ROLLBACK_PREPARED";
  }
  return false;
}


// The statement node types whose fields decide is_non_transactional; only
// their trees are kept.
bool
is_inspected_kind(const std::string& kind)
{
  static const std::set<std::string, std::less<>> k_inspected = {
    "IndexStmt", "DropStmt", "ReindexStmt", "VacuumStmt", "AlterDatabaseStmt", "AlterEnumStmt", "AlterTableStmt",
    "DiscardStmt", "ClusterStmt", "CreateSubscriptionStmt", "AlterSubscriptionStmt", "TransactionStmt"};
  return k_inspected.contains(kind);
}

struct RawStatement
{
  std::size_t location = 0;
  std::size_t length = 0; // 0: to the end of the script
  std::string kind;
  json node = json::object();
};

// Reads libpg_query's {"stmts": [{"stmt": {"Kind": {...}}, "stmt_location": n,
// "stmt_len": n}]} as a stream, building a tree only for the node types that
// are inspected: a data migration of INSERTs then costs a fraction of a full
// parse of the (six times larger) JSON.
class StatementReader : public json::json_sax_t
{
public:
  std::vector<RawStatement> statements;

  bool
  null() override
  {
    return add_scalar(json(nullptr));
  }

  bool
  boolean(bool value) override
  {
    return add_scalar(json(value));
  }

  bool
  number_integer(json::number_integer_t value) override
  {
    return add_number(value < 0 ? 0 : static_cast<std::size_t>(value), json(value));
  }

  bool
  number_unsigned(json::number_unsigned_t value) override
  {
    return add_number(static_cast<std::size_t>(value), json(value));
  }

  bool
  number_float(json::number_float_t value, const json::string_t& /*text*/) override
  {
    return add_scalar(json(value));
  }

  bool
  string(json::string_t& value) override
  {
    return add_scalar(json(std::move(value)));
  }

  bool
  binary(json::binary_t& /*value*/) override
  {
    return true;
  }

  bool
  start_object(std::size_t /*elements*/) override
  {
    if (m_building) {
      open(json::object());
    } else if (m_depth == 2 && m_root_key == "stmts") {
      statements.emplace_back();
    } else if (m_depth == 4 && is_inspected_kind(statements.back().kind)) {
      m_building = true;
      m_stack.push_back(&statements.back().node);
    }
    ++m_depth;
    return true;
  }

  bool
  key(json::string_t& value) override
  {
    if (m_building) {
      m_key = std::move(value);
    } else if (m_depth == 1) {
      m_root_key = std::move(value);
    } else if (m_depth == 3) {
      m_statement_key = std::move(value);
    } else if (m_depth == 4 && m_statement_key == "stmt") {
      statements.back().kind = std::move(value);
    }
    return true;
  }

  bool
  end_object() override
  {
    return close();
  }

  bool
  start_array(std::size_t /*elements*/) override
  {
    if (m_building) {
      open(json::array());
    }
    ++m_depth;
    return true;
  }

  bool
  end_array() override
  {
    return close();
  }

  bool
  parse_error(std::size_t /*position*/, const std::string& /*token*/, const nlohmann::detail::exception& /*error*/) override
  {
    return false;
  }

private:
  bool
  add_scalar(json value)
  {
    if (m_building) {
      place(std::move(value));
    }
    return true;
  }

  bool
  add_number(std::size_t number, json value)
  {
    if (!m_building && m_depth == 3 && !statements.empty()) {
      if (m_statement_key == "stmt_location") {
        statements.back().location = number;
      } else if (m_statement_key == "stmt_len") {
        statements.back().length = number;
      }
    }
    return add_scalar(std::move(value));
  }

  json*
  place(json value)
  {
    json& parent = *m_stack.back();
    if (parent.is_object()) {
      json& slot = parent[m_key];
      slot = std::move(value);
      return &slot;
    }
    parent.push_back(std::move(value));
    return &parent.back();
  }

  void
  open(json container)
  {
    m_stack.push_back(place(std::move(container)));
  }

  bool
  close()
  {
    --m_depth;
    if (m_building) {
      m_stack.pop_back();
      m_building = !m_stack.empty();
    }
    return true;
  }

  int m_depth = 0;
  bool m_building = false;
  std::vector<json*> m_stack;
  std::string m_key;
  std::string m_root_key;
  std::string m_statement_key;
};

} // namespace

ScriptAnalysis
analyze_postgres_script(std::string_view script, int server_version_num)
{
  PositionTracker positions(script);
  if (const auto nul = script.find('\0'); nul != std::string_view::npos) {
    int line = 0;
    int column = 0;
    positions.locate(nul, line, column);
    throw ScriptParseError("the script contains a NUL byte, which PostgreSQL cannot receive", line, column);
  }

  const std::string text(script);
  const PgParseResult result(text);
  if (const PgQueryError* error = result.get().error; error != nullptr) {
    int line = 0;
    int column = 0;
    if (error->cursorpos > 0) {
      positions.locate(byte_offset_of_character(script, error->cursorpos), line, column);
    }
    throw ScriptParseError(error->message, line, column);
  }

  StatementReader reader;
  if (!json::sax_parse(result.get().parse_tree, &reader)) {
    throw std::runtime_error("libpg_query returned a parse tree that is not JSON");
  }
  ScriptAnalysis analysis;
  analysis.statements.reserve(reader.statements.size());
  for (const auto& raw : reader.statements) {
    const std::size_t end = raw.length == 0 ? script.size() : std::min(raw.location + raw.length, script.size());
    const std::size_t begin = skip_whitespace_and_comments(script, raw.location, end);
    std::size_t last = end;
    while (last > begin && is_sql_space(script[last - 1])) {
      --last;
    }

    Statement statement;
    statement.text = std::string(script.substr(begin, last - begin));
    statement.offset = begin;
    positions.locate(begin, statement.line, statement.column);
    statement.kind = raw.kind;
    statement.transaction_control = statement.kind == "TransactionStmt";
    statement.non_transactional = is_non_transactional(statement.kind, raw.node, server_version_num);

    analysis.has_transaction_control = analysis.has_transaction_control || statement.transaction_control;
    analysis.has_non_transactional = analysis.has_non_transactional || statement.non_transactional;
    analysis.statements.push_back(std::move(statement));
  }
  return analysis;
}

} // namespace rastar::migrate
