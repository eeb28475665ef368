#include <rastar/seed/seed_connection.hpp>

#include <rastar/migrate/sql_script.hpp>
#include <rastar/util/signals.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <mutex>

namespace rastar::seed {

namespace {

class SqliteSeedConnection final : public SeedConnection
{
public:
  explicit SqliteSeedConnection(SQLite::Database& database)
    : m_database(database),
      m_target(std::make_shared<Target>())
  {
  }

  ~SqliteSeedConnection() override
  {
    rollback();
  }

  SqliteSeedConnection(const SqliteSeedConnection&) = delete;
  SqliteSeedConnection& operator=(const SqliteSeedConnection&) = delete;

  db::Provider
  provider() const override
  {
    return db::Provider::sqlite;
  }

  void
  begin() override
  {
    // IMMEDIATE: the write lock now, not at the first write (the migration
    // lock's connection already holds the file exclusively; elsewhere this
    // avoids a deadlock between two readers that both want to write).
    exec("BEGIN IMMEDIATE");
    sqlite3* handle = m_database.getHandle();
    {
      std::lock_guard lock(m_target->mutex);
      m_target->handle = handle;
    }
    // An interrupt that lands between two statements is forgotten; the
    // progress handler also checks for the signal as statements run.
    sqlite3_progress_handler(
      handle, 4096, [](void*) { return util::SignalWatcher::instance().cancel_signal() != 0 ? 1 : 0; }, nullptr);
    util::SignalWatcher::instance().set_cancel_hook([target = m_target] {
      std::lock_guard lock(target->mutex);
      if (target->handle != nullptr) {
        sqlite3_interrupt(target->handle);
      }
    });
  }

  void
  commit() override
  {
    stop_watching();
    exec("COMMIT");
  }

  void
  rollback() noexcept override
  {
    stop_watching();
    sqlite3* handle = m_database.getHandle();
    if (sqlite3_get_autocommit(handle) == 0) {
      sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  std::optional<std::vector<std::string>>
  columns(const std::string& table) override
  {
    if (execute("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1",
                {SqlParameter{SqlParameter::Kind::text, table, 0, 0}})
        == 0) {
      return std::nullopt;
    }
    return column_of("SELECT name FROM pragma_table_info(?1) ORDER BY cid", table);
  }

  std::vector<std::vector<std::string>>
  unique_keys(const std::string& table) override
  {
    std::vector<std::vector<std::string>> keys;
    // An INTEGER PRIMARY KEY is the rowid and has no index of its own.
    auto primary_key = column_of("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY name", table);
    if (!primary_key.empty()) {
      keys.push_back(std::move(primary_key));
    }
    for (const auto& index :
         column_of("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND partial = 0", table)) {
      // An expression's name is NULL, read as "": such an index is not a column set.
      auto names = column_of("SELECT coalesce(name, '') FROM pragma_index_info(?1) ORDER BY name", index);
      if (std::find(names.begin(), names.end(), "") == names.end()) {
        keys.push_back(std::move(names));
      }
    }
    return keys;
  }

  std::string
  placeholder(std::size_t index) const override
  {
    return fmt::format("?{}", index);
  }

  std::size_t
  execute(const std::string& sql, const std::vector<SqlParameter>& parameters) override
  {
    try {
      SQLite::Statement statement(m_database, sql);
      for (std::size_t i = 0; i < parameters.size(); ++i) {
        const auto& parameter = parameters[i];
        const int index = static_cast<int>(i + 1);
        switch (parameter.kind) {
        case SqlParameter::Kind::null: statement.bind(index); break;
        case SqlParameter::Kind::text: statement.bind(index, parameter.text); break;
        case SqlParameter::Kind::integer: statement.bind(index, static_cast<std::int64_t>(parameter.integer)); break;
        case SqlParameter::Kind::real: statement.bind(index, parameter.real); break;
        }
      }
      std::size_t rows = 0;
      while (statement.executeStep()) {
        ++rows;
      }
      return rows;
    } catch (const SQLite::Exception& exception) {
      throw failure(exception.getExtendedErrorCode(), exception.what());
    }
  }

  void
  run_script(const std::string& script) override
  {
    exec(script);
  }

  std::string
  transaction_control_in(const std::string& script) const override
  {
    for (const auto& statement : migrate::analyze_sqlite_script(script).statements) {
      if (statement.transaction_control) {
        return fmt::format("{} at line {}", statement.kind, statement.line);
      }
    }
    return "";
  }

private:
  struct Target
  {
    std::mutex mutex;
    sqlite3* handle = nullptr;
  };

  void
  stop_watching() noexcept
  {
    util::SignalWatcher::instance().set_cancel_hook(nullptr);
    std::lock_guard lock(m_target->mutex);
    if (m_target->handle != nullptr) {
      sqlite3_progress_handler(m_target->handle, 0, nullptr, nullptr);
      m_target->handle = nullptr;
    }
  }

  std::vector<std::string>
  column_of(const char* sql, const std::string& argument)
  {
    std::vector<std::string> values;
    try {
      SQLite::Statement statement(m_database, sql);
      statement.bind(1, argument);
      while (statement.executeStep()) {
        values.push_back(statement.getColumn(0).getString());
      }
    } catch (const SQLite::Exception& exception) {
      throw failure(exception.getExtendedErrorCode(), exception.what());
    }
    return values;
  }

  void
  exec(const std::string& sql)
  {
    sqlite3* handle = m_database.getHandle();
    if (sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw failure(sqlite3_extended_errcode(handle), sqlite3_errmsg(handle));
    }
  }

  static SqlFailure
  failure(int extended_code, const std::string& message)
  {
    const int signal_number =
      (extended_code & 0xff) == SQLITE_INTERRUPT ? util::SignalWatcher::instance().cancel_signal() : 0;
    return SqlFailure(fmt::format("{} [SQLite error {}]", message, extended_code), signal_number);
  }

  SQLite::Database& m_database;
  std::shared_ptr<Target> m_target;
};

} // namespace

std::unique_ptr<SeedConnection>
sqlite_seed_connection(SQLite::Database& database)
{
  return std::make_unique<SqliteSeedConnection>(database);
}

} // namespace rastar::seed
