#include <rastar/seed/seed_connection.hpp>

#include <rastar/migrate/pg_session.hpp>
#include <rastar/migrate/sql_script.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/format.h>

#include <map>

namespace rastar::seed {

namespace {

// The name `table` resolves to through the session's search_path (the URL's
// schema), as the unqualified name in the seed's statements resolves.
constexpr const char* k_table_oid = "SELECT to_regclass(quote_ident($1))::oid";

constexpr const char* k_columns = "SELECT attname FROM pg_catalog.pg_attribute "
                                  "WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum";

constexpr const char* k_unique_keys = "SELECT i.indexrelid, a.attname FROM pg_catalog.pg_index i "
                                      "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid "
                                      "AND a.attnum = ANY(i.indkey) "
                                      "WHERE i.indrelid = $1::oid AND i.indisunique AND i.indpred IS NULL "
                                      "AND i.indexprs IS NULL ORDER BY i.indexrelid, a.attname";

class PostgresSeedConnection final : public SeedConnection
{
public:
  explicit PostgresSeedConnection(migrate::PgSession& session)
    : m_session(session)
  {
  }

  ~PostgresSeedConnection() override
  {
    rollback();
  }

  PostgresSeedConnection(const PostgresSeedConnection&) = delete;
  PostgresSeedConnection& operator=(const PostgresSeedConnection&) = delete;

  db::Provider
  provider() const override
  {
    return db::Provider::postgresql;
  }

  void
  begin() override
  {
    run("BEGIN", {});
    util::SignalWatcher::instance().set_cancel_hook([handle = m_session.cancel_handle()] { handle->cancel(); });
  }

  void
  commit() override
  {
    util::SignalWatcher::instance().set_cancel_hook(nullptr);
    run("COMMIT", {});
  }

  void
  rollback() noexcept override
  {
    util::SignalWatcher::instance().set_cancel_hook(nullptr);
    if (!m_session.is_broken() && m_session.in_transaction()) {
      try {
        m_session.exec("ROLLBACK");
      } catch (const migrate::PgFailure&) {
        // The connection is failing: the server rolls back as the session ends.
      }
    }
  }

  std::optional<std::vector<std::string>>
  columns(const std::string& table) override
  {
    const auto oid = table_oid(table);
    if (!oid) {
      return std::nullopt;
    }
    const auto rows = query(k_columns, {*oid});
    std::vector<std::string> names;
    for (int row = 0; row < rows.size(); ++row) {
      names.push_back(rows.text(row, 0));
    }
    return names;
  }

  std::vector<std::vector<std::string>>
  unique_keys(const std::string& table) override
  {
    std::vector<std::vector<std::string>> keys;
    const auto oid = table_oid(table);
    if (!oid) {
      return keys;
    }
    const auto rows = query(k_unique_keys, {*oid});
    std::map<std::string, std::vector<std::string>> by_index;
    for (int row = 0; row < rows.size(); ++row) {
      by_index[rows.text(row, 0)].push_back(rows.text(row, 1));
    }
    for (auto& [index, names] : by_index) {
      keys.push_back(std::move(names));
    }
    return keys;
  }

  std::string
  placeholder(std::size_t index) const override
  {
    return fmt::format("${}", index);
  }

  std::size_t
  execute(const std::string& sql, const std::vector<SqlParameter>& parameters) override
  {
    std::vector<std::optional<std::string>> texts;
    for (const auto& parameter : parameters) {
      switch (parameter.kind) {
      case SqlParameter::Kind::null: texts.emplace_back(std::nullopt); break;
      case SqlParameter::Kind::text: texts.emplace_back(parameter.text); break;
      case SqlParameter::Kind::integer: texts.emplace_back(std::to_string(parameter.integer)); break;
      case SqlParameter::Kind::real: texts.emplace_back(fmt::format("{}", parameter.real)); break;
      }
    }
    return static_cast<std::size_t>(query(sql, texts).size());
  }

  void
  run_script(const std::string& script) override
  {
    run(script, {});
  }

  std::string
  transaction_control_in(const std::string& script) const override
  {
    try {
      // The server version only matters for ALTER TYPE … ADD VALUE, which is
      // not transaction control.
      for (const auto& statement : migrate::analyze_postgres_script(script, 150000).statements) {
        if (statement.transaction_control) {
          return fmt::format("{} at line {}", statement.kind, statement.line);
        }
      }
    } catch (const migrate::ScriptParseError&) {
      // The server reports the syntax error, with its position, when the script runs.
    }
    return "";
  }

private:
  std::optional<std::string>
  table_oid(const std::string& table)
  {
    return query(k_table_oid, {table}).get(0, 0);
  }

  migrate::PgRows
  query(const std::string& sql, const std::vector<std::optional<std::string>>& parameters)
  {
    try {
      return m_session.exec_params(sql, parameters);
    } catch (const migrate::PgFailure& failure) {
      throw translate(failure);
    }
  }

  void
  run(const std::string& sql, const std::vector<std::optional<std::string>>& parameters)
  {
    try {
      if (parameters.empty()) {
        m_session.exec(sql);
      } else {
        m_session.exec_params(sql, parameters);
      }
    } catch (const migrate::PgFailure& failure) {
      throw translate(failure);
    }
  }

  static SqlFailure
  translate(const migrate::PgFailure& failure)
  {
    const auto& error = failure.error();
    int signal_number = 0;
    if (error.sqlstate == "57014") { // query_canceled: ours, when a cancel signal came
      signal_number = util::SignalWatcher::instance().cancel_signal();
    }
    std::string message = error.message;
    if (error.detail) {
      message += fmt::format(" ({})", *error.detail);
    }
    if (!error.sqlstate.empty()) {
      message += fmt::format(" [SQLSTATE {}]", error.sqlstate);
    }
    return SqlFailure(message, signal_number);
  }

  migrate::PgSession& m_session;
};

} // namespace

std::unique_ptr<SeedConnection>
postgres_seed_connection(migrate::PgSession& session)
{
  return std::make_unique<PostgresSeedConnection>(session);
}

} // namespace rastar::seed
