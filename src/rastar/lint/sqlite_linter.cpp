#include <rastar/lint/rules.hpp>
#include <rastar/lint/script_linter.hpp>
#include <rastar/util/error.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

// SQLite's own parser splits each script (sqlite3_prepare_v3 returns where
// the statement ended) and reports its errors with their offsets. Every
// schema statement then runs on a private in-memory database, so that the
// next one prepares against the schema the history has built and a table's columns
// before and after a change come from SQLite itself (PRAGMA table_info).
// The rules read the statement's tokens: SQLite exposes no parse tree.

namespace rastar::lint {

namespace {

struct Token
{
  std::string text;  // identifiers unquoted
  std::string upper; // bare words upper-cased; empty otherwise
  bool word = false; // an identifier or keyword, quoted or not
  char punctuation = 0;
};

bool
is_word_char(char c)
{
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

std::string
to_lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string
to_upper(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::vector<Token>
tokenize(std::string_view sql)
{
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      const auto end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      const auto end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      const char close = c == '[' ? ']' : c;
      std::string text;
      std::size_t j = i + 1;
      while (j < sql.size()) {
        if (sql[j] == close) {
          if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
            text += close;
            j += 2;
            continue;
          }
          break;
        }
        text += sql[j++];
      }
      i = std::min(j + 1, sql.size());
      Token token;
      token.text = std::move(text);
      token.word = c != '\'';
      tokens.push_back(std::move(token));
    } else if (is_word_char(c)) {
      const auto start = i;
      while (i < sql.size() && is_word_char(sql[i])) {
        ++i;
      }
      Token token;
      token.text = std::string(sql.substr(start, i - start));
      token.upper = to_upper(token.text);
      token.word = true;
      tokens.push_back(std::move(token));
    } else {
      Token token;
      token.text = std::string(1, c);
      token.punctuation = c;
      tokens.push_back(std::move(token));
      ++i;
    }
  }
  return tokens;
}

// A cursor over one statement's tokens.
class Tokens
{
public:
  explicit Tokens(std::vector<Token> tokens)
    : m_tokens(std::move(tokens))
  {
  }

  bool
  keyword(std::string_view word) const
  {
    return m_position < m_tokens.size() && m_tokens[m_position].upper == word;
  }

  // Moves past `word` when it is next.
  bool
  accept(std::string_view word)
  {
    if (keyword(word)) {
      ++m_position;
      return true;
    }
    return false;
  }

  bool
  accept_punctuation(char c)
  {
    if (m_position < m_tokens.size() && m_tokens[m_position].punctuation == c) {
      ++m_position;
      return true;
    }
    return false;
  }

  // A name, with an optional `schema.` before it; empty when none is next.
  std::string
  name()
  {
    if (m_position >= m_tokens.size() || !m_tokens[m_position].word) {
      return {};
    }
    std::string result = m_tokens[m_position++].text;
    if (m_position + 1 < m_tokens.size() && m_tokens[m_position].punctuation == '.' && m_tokens[m_position + 1].word) {
      result = m_tokens[m_position + 1].text;
      m_position += 2;
    }
    return result;
  }

  // Whether any of `words` follows at parenthesis depth 0.
  bool
  rest_has(std::initializer_list<std::string_view> words) const
  {
    int depth = 0;
    for (auto i = m_position; i < m_tokens.size(); ++i) {
      const auto& token = m_tokens[i];
      depth += token.punctuation == '(' ? 1 : token.punctuation == ')' ? -1 : 0;
      if (depth == 0 && std::find(words.begin(), words.end(), token.upper) != words.end()) {
        return true;
      }
    }
    return false;
  }

  // A parenthesised list of comma-separated items; an item that is one name
  // gives that name, anything else "". Empty when no list is next.
  std::vector<std::string>
  name_list()
  {
    std::vector<std::string> items;
    if (!accept_punctuation('(')) {
      return items;
    }
    items.emplace_back();
    int depth = 1;
    int tokens_in_item = 0;
    for (; m_position < m_tokens.size() && depth > 0; ++m_position) {
      const auto& token = m_tokens[m_position];
      if (token.punctuation == '(') {
        ++depth;
      } else if (token.punctuation == ')') {
        --depth;
      }
      if (depth == 0) {
        break;
      }
      if (depth == 1 && token.punctuation == ',') {
        items.emplace_back();
        tokens_in_item = 0;
        continue;
      }
      items.back() = ++tokens_in_item == 1 && token.word ? token.text : "";
    }
    accept_punctuation(')');
    return items;
  }

  // The select list up to FROM at depth 0, as name_list reads items.
  std::vector<std::string>
  select_list()
  {
    std::vector<std::string> items{""};
    int depth = 0;
    int tokens_in_item = 0;
    for (; m_position < m_tokens.size(); ++m_position) {
      const auto& token = m_tokens[m_position];
      depth += token.punctuation == '(' ? 1 : token.punctuation == ')' ? -1 : 0;
      if (depth == 0 && token.upper == "FROM") {
        ++m_position;
        break;
      }
      if (depth == 0 && token.punctuation == ',') {
        items.emplace_back();
        tokens_in_item = 0;
        continue;
      }
      items.back() = ++tokens_in_item == 1 && token.word ? token.text : "";
    }
    return items;
  }

private:
  std::vector<Token> m_tokens;
  std::size_t m_position = 0;
};

struct Column
{
  std::string name;
  std::string type;
  bool not_null = false;
  bool has_default = false;
  bool primary_key = false;
};

struct Copy
{
  std::string target; // lower case
  std::string source; // lower case
  std::vector<std::string> target_columns;
  std::vector<std::string> source_columns; // "" for an expression
};

struct Drop
{
  std::string table;  // as written
  std::vector<Column> columns;
  std::size_t finding = 0; // index of its drop-table finding
  int line = 1;
  int column = 1;
};

class SqliteLinter : public ScriptLinter
{
public:
  SqliteLinter()
  {
    if (sqlite3_open_v2(":memory:", &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, nullptr) != SQLITE_OK) {
      throw Error(ExitCode::internal, "cannot open an in-memory SQLite database to lint with");
    }
  }
  ~SqliteLinter() override
  {
    sqlite3_close(m_db);
  }
  SqliteLinter(const SqliteLinter&) = delete;
  SqliteLinter& operator=(const SqliteLinter&) = delete;

  std::vector<RawFinding>
  lint_script(std::string_view script) override
  {
    m_script = script;
    m_findings.clear();
    m_created.clear();
    m_drops.clear();
    m_copies.clear();
    m_redefined.clear();

    // A NUL-terminated copy, its length given with the terminator: otherwise
    // SQLite copies the whole rest of the script on every prepare, and a
    // 10 MB data migration took minutes to check.
    const std::string terminated(script);
    const char* const begin = terminated.c_str();
    const char* const end = begin + terminated.size();
    const char* tail = begin;
    while (tail < end) {
      sqlite3_stmt* statement = nullptr;
      const char* next = nullptr;
      const int rc = sqlite3_prepare_v3(m_db, tail, static_cast<int>(end - tail) + 1, 0, &statement, &next);
      if (rc != SQLITE_OK) {
        const int error_offset = sqlite3_error_offset(m_db);
        const auto offset = error_offset >= 0 ? static_cast<std::size_t>(tail - begin) + error_offset
                                              : statement_start(static_cast<std::size_t>(tail - begin));
        add(k_parse_error, fmt::format("{}; SQLite will refuse this migration, fix the statement", sqlite3_errmsg(m_db)),
            offset, statement_start(static_cast<std::size_t>(tail - begin)));
        break;
      }
      if (statement == nullptr) {
        break; // only white space and comments were left
      }
      ++m_statements;
      const auto start = statement_start(static_cast<std::size_t>(tail - begin));
      const std::string_view text(begin + start, static_cast<std::size_t>(next - begin) - start);
      check(Tokens(tokenize(text)), start);
      if (changes_schema(text)) {
        int step = SQLITE_ROW;
        while (step == SQLITE_ROW) {
          step = sqlite3_step(statement);
        }
        if (step != SQLITE_DONE) {
          spdlog::debug("lint: replaying a statement at offset {} failed: {}", start, sqlite3_errmsg(m_db));
        }
      }
      sqlite3_finalize(statement);
      after_run();
      tail = next;
    }
    resolve_redefinitions();
    std::vector<RawFinding> result;
    for (std::size_t i = 0; i < m_findings.size(); ++i) {
      if (!m_suppressed.contains(i)) {
        result.push_back(std::move(m_findings[i]));
      }
    }
    m_suppressed.clear();
    std::stable_sort(result.begin(), result.end(), [](const RawFinding& a, const RawFinding& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return result;
  }

  std::size_t
  statements() const override
  {
    return m_statements;
  }

private:
  // Only CREATE, ALTER and DROP are replayed: they are what the next
  // statements prepare against. Data statements never run, so every table
  // stays empty, a data migration costs nothing, and ATTACH or VACUUM INTO
  // never touch a file.
  static bool
  changes_schema(std::string_view text)
  {
    std::size_t end = 0;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) {
      ++end;
    }
    const auto keyword = to_upper(std::string(text.substr(0, end)));
    return keyword == "CREATE" || keyword == "ALTER" || keyword == "DROP";
  }

  std::size_t
  statement_start(std::size_t offset) const
  {
    while (offset < m_script.size()) {
      if (std::isspace(static_cast<unsigned char>(m_script[offset]))) {
        ++offset;
      } else if (m_script.substr(offset, 2) == "--") {
        const auto end = m_script.find('\n', offset);
        offset = end == std::string_view::npos ? m_script.size() : end + 1;
      } else if (m_script.substr(offset, 2) == "/*") {
        const auto end = m_script.find("*/", offset + 2);
        offset = end == std::string_view::npos ? m_script.size() : end + 2;
      } else {
        break;
      }
    }
    return offset;
  }

  std::size_t
  add(std::string_view rule, std::string message, std::size_t offset, std::size_t statement_offset)
  {
    RawFinding finding;
    line_and_column(m_script, offset, finding.line, finding.column);
    int statement_column = 0;
    line_and_column(m_script, statement_offset, finding.statement_line, statement_column);
    finding.rule = rule;
    finding.message = std::move(message);
    m_findings.push_back(std::move(finding));
    return m_findings.size() - 1;
  }

  bool
  existing(const std::string& table) const
  {
    return !table.empty() && !m_created.contains(to_lower(table));
  }

  std::vector<Column>
  columns_of(const std::string& table) const
  {
    std::vector<Column> columns;
    sqlite3_stmt* statement = nullptr;
    const auto sql = fmt::format("PRAGMA table_info(\"{}\")", table);
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      return columns;
    }
    while (sqlite3_step(statement) == SQLITE_ROW) {
      Column column;
      column.name = reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
      column.type = to_upper(reinterpret_cast<const char*>(sqlite3_column_text(statement, 2)));
      column.not_null = sqlite3_column_int(statement, 3) != 0;
      column.has_default = sqlite3_column_type(statement, 4) != SQLITE_NULL;
      column.primary_key = sqlite3_column_int(statement, 5) != 0;
      columns.push_back(std::move(column));
    }
    sqlite3_finalize(statement);
    return columns;
  }

  void
  check(Tokens tokens, std::size_t start)
  {
    if (tokens.accept("CREATE")) {
      tokens.accept("TEMP") || tokens.accept("TEMPORARY");
      if (tokens.accept("TABLE")) {
        if (tokens.accept("IF")) {
          tokens.accept("NOT");
          tokens.accept("EXISTS");
        }
        m_created.insert(to_lower(tokens.name()));
      }
    } else if (tokens.accept("DROP") && tokens.accept("TABLE")) {
      if (tokens.accept("IF")) {
        tokens.accept("EXISTS");
      }
      const auto table = tokens.name();
      if (existing(table)) {
        Drop drop;
        drop.table = table;
        drop.columns = columns_of(table);
        drop.finding = add("drop-table", fmt::format("drops table \"{}\"", table), start, start);
        drop.line = m_findings[drop.finding].line;
        drop.column = m_findings[drop.finding].column;
        m_drops[to_lower(table)] = std::move(drop);
      }
    } else if (tokens.accept("ALTER") && tokens.accept("TABLE")) {
      check_alter_table(tokens, start);
    } else if (tokens.accept("DELETE") && tokens.accept("FROM")) {
      const auto table = tokens.name();
      if (existing(table) && !tokens.rest_has({"WHERE"})) {
        add("delete-without-where", fmt::format("deletes every row of table \"{}\"", table), start, start);
      }
    } else if (tokens.accept("UPDATE")) {
      if (tokens.accept("OR")) {
        tokens.name();
      }
      const auto table = tokens.name();
      if (existing(table) && !tokens.rest_has({"WHERE"})) {
        add("update-without-where", fmt::format("updates every row of table \"{}\"", table), start, start);
      }
    } else if (tokens.accept("INSERT") || tokens.accept("REPLACE")) {
      if (tokens.accept("OR")) {
        tokens.name();
      }
      if (tokens.accept("INTO")) {
        Copy copy;
        copy.target = to_lower(tokens.name());
        copy.target_columns = tokens.name_list();
        if (tokens.accept("SELECT")) {
          copy.source_columns = tokens.select_list();
          copy.source = to_lower(tokens.name());
          m_copies.push_back(std::move(copy));
        }
      }
    }
  }

  void
  check_alter_table(Tokens& tokens, std::size_t start)
  {
    const auto table = tokens.name();
    const bool is_existing = existing(table);
    if (tokens.accept("RENAME")) {
      if (tokens.accept("TO")) {
        const auto new_name = tokens.name();
        if (is_existing) {
          add("rename-table", fmt::format("renames table \"{}\" to \"{}\"", table, new_name), start, start);
        } else if (m_drops.contains(to_lower(new_name))) {
          // RedefineTables: the new table takes the dropped one's place.
          m_redefined.push_back({to_lower(table), to_lower(new_name)});
        }
        return;
      }
      tokens.accept("COLUMN");
      const auto column = tokens.name();
      tokens.accept("TO");
      if (is_existing) {
        add("rename-column", fmt::format("renames column \"{}\" of table \"{}\" to \"{}\"", column, table,
                                         tokens.name()),
            start, start);
      }
    } else if (tokens.accept("DROP")) {
      tokens.accept("COLUMN");
      if (is_existing) {
        add("drop-column", fmt::format("drops column \"{}\" of table \"{}\"", tokens.name(), table), start, start);
      }
    } else if (tokens.accept("ADD")) {
      tokens.accept("COLUMN");
      const auto column = tokens.name();
      if (is_existing && tokens.rest_has({"NOT"}) && !tokens.rest_has({"DEFAULT"})) {
        add("add-required-column",
            fmt::format("adds column \"{}\" to table \"{}\" NOT NULL without a default", column, table), start, start);
      }
    }
  }

  void
  after_run()
  {
    for (auto& [from, to] : m_redefined) {
      if (!m_new_columns.contains(to)) {
        m_new_columns[to] = columns_of(to);
      }
    }
  }

  // D23: Prisma's RedefineTables (create new_X, copy, drop X, rename new_X to
  // X) is one step; what it really changes comes from comparing the columns
  // before and after, through the copy's column lists.
  void
  resolve_redefinitions()
  {
    for (const auto& [from, to] : m_redefined) {
      const auto& drop = m_drops[to];
      const auto copy = std::find_if(m_copies.begin(), m_copies.end(),
                                     [&](const Copy& c) { return c.target == from && c.source == to; });
      if (copy == m_copies.end()) {
        continue; // nothing copied: the drop-table finding stands
      }
      m_suppressed.insert(drop.finding);
      const auto& after = m_new_columns[to];
      std::set<std::string> filled;
      auto report = [&](std::string_view rule, std::string message) {
        RawFinding finding;
        finding.line = finding.statement_line = drop.line;
        finding.column = drop.column;
        finding.rule = rule;
        finding.message = std::move(message);
        m_findings.push_back(std::move(finding));
      };
      for (const auto& old_column : drop.columns) {
        const auto source = std::find_if(copy->source_columns.begin(), copy->source_columns.end(), [&](const auto& n) {
          return to_lower(n) == to_lower(old_column.name);
        });
        const auto index = static_cast<std::size_t>(source - copy->source_columns.begin());
        if (source == copy->source_columns.end() || index >= copy->target_columns.size()) {
          report("drop-column",
                 fmt::format("redefines table \"{}\" without column \"{}\"", drop.table, old_column.name));
          continue;
        }
        const auto& target_name = copy->target_columns[index];
        filled.insert(to_lower(target_name));
        if (to_lower(target_name) != to_lower(old_column.name)) {
          report("rename-column", fmt::format("redefines table \"{}\", copying column \"{}\" into \"{}\"",
                                              drop.table, old_column.name, target_name));
        }
        const auto new_column = std::find_if(after.begin(), after.end(),
                                             [&](const Column& c) { return to_lower(c.name) == to_lower(target_name); });
        if (new_column == after.end()) {
          continue;
        }
        if (new_column->type != old_column.type) {
          report("change-column-type", fmt::format("redefines table \"{}\" with column \"{}\" as {} (was {})",
                                                   drop.table, new_column->name, new_column->type, old_column.type));
        }
        if (new_column->not_null && !old_column.not_null) {
          report("set-not-null", fmt::format("redefines table \"{}\" with column \"{}\" NOT NULL (was nullable)",
                                             drop.table, new_column->name));
        }
      }
      for (const auto& new_column : after) {
        const bool rowid = new_column.primary_key && new_column.type == "INTEGER";
        if (!filled.contains(to_lower(new_column.name)) && new_column.not_null && !new_column.has_default && !rowid) {
          report("add-required-column",
                 fmt::format("redefines table \"{}\" with new column \"{}\" NOT NULL without a default", drop.table,
                             new_column.name));
        }
      }
    }
    m_new_columns.clear();
  }

  sqlite3* m_db = nullptr;
  std::size_t m_statements = 0;
  std::string_view m_script;
  std::vector<RawFinding> m_findings;
  std::set<std::size_t> m_suppressed;
  std::set<std::string> m_created;                                 // lower case, this script
  std::map<std::string, Drop> m_drops;                             // by lower-case name, this script
  std::vector<Copy> m_copies;                                      // this script
  std::vector<std::pair<std::string, std::string>> m_redefined;    // new_X → X, lower case
  std::map<std::string, std::vector<Column>> m_new_columns;        // X's columns right after the rename
};

} // namespace

std::unique_ptr<ScriptLinter>
make_sqlite_linter()
{
  return std::make_unique<SqliteLinter>();
}

} // namespace rastar::lint
