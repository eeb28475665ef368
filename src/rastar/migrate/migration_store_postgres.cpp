#include <rastar/migrate/migration_store_postgres.hpp>

#include <rastar/config/signal_names.hpp>
#include <rastar/migrate/pg_session.hpp>
#include <rastar/migrate/postgres_migration_error.hpp>
#include <rastar/migrate/sql_script.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>
#include <rastar/util/time.hpp>
#include <rastar/util/uuid.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pg_query.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <thread>

namespace rastar::migrate {

namespace {

using namespace std::chrono_literals;

// Prisma's statement (PE SC/flavour/postgres.rs, create_migrations_table),
// byte for byte: indoc leaves the trailing newline.
constexpr const char* k_create_migrations_table =
  "CREATE TABLE _prisma_migrations (\n"
  "    id                      VARCHAR(36) PRIMARY KEY NOT NULL,\n"
  "    checksum                VARCHAR(64) NOT NULL,\n"
  "    finished_at             TIMESTAMPTZ,\n"
  "    migration_name          VARCHAR(255) NOT NULL,\n"
  "    logs                    TEXT,\n"
  "    rolled_back_at          TIMESTAMPTZ,\n"
  "    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
  "    applied_steps_count     INTEGER NOT NULL DEFAULT 0\n"
  ");\n";

// Prisma's connection setup query (PE SC/flavour/postgres.rs, setup_connection).
constexpr const char* k_setup_query =
  "SELECT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = $1), version(), "
  "current_setting('server_version_num')::integer as numeric_version;";

// Timestamps travel as integer microseconds since the epoch, so the session's
// TimeZone and DateStyle never matter.
constexpr const char* k_load_rows =
  "SELECT \"id\", \"checksum\", round(extract(epoch FROM \"finished_at\") * 1000000)::bigint, "
  "\"migration_name\", \"logs\", round(extract(epoch FROM \"rolled_back_at\") * 1000000)::bigint, "
  "round(extract(epoch FROM \"started_at\") * 1000000)::bigint, \"applied_steps_count\" "
  "FROM \"_prisma_migrations\" ORDER BY \"started_at\" ASC";

// The session holding Prisma's lock in this database (advisory locks are per
// database), with what pg_stat_activity tells about it.
constexpr const char* k_lock_holder =
  "SELECT l.pid, a.application_name, host(a.client_addr), a.client_port, "
  "round(extract(epoch FROM a.backend_start) * 1000000)::bigint, a.usename "
  "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
  "WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = 72707369 AND l.objsubid = 1 "
  "AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
  "LIMIT 1";

// PE SC/flavour/postgres/schema_differ.rs, table_should_be_ignored.
constexpr std::string_view k_postgis_tables[] = {
  "spatial_ref_sys", "geometry_columns", "geography_columns", "raster_columns", "raster_overviews",
};

bool
equals_ignoring_case(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool
is_postgis_table(std::string_view name)
{
  return std::any_of(std::begin(k_postgis_tables), std::end(k_postgis_tables),
                     [&](std::string_view ignored) { return equals_ignoring_case(name, ignored); });
}

ExitCode
exit_code_for(int signal_number)
{
  return static_cast<ExitCode>(exit_code_for_signal(signal_number));
}

int
cancel_signal()
{
  return util::SignalWatcher::instance().cancel_signal();
}

std::string
duration_text(std::chrono::milliseconds duration)
{
  const auto ms = duration.count();
  if (ms % 60000 == 0) {
    return fmt::format("{} min", ms / 60000);
  }
  if (ms % 1000 == 0) {
    return fmt::format("{} s", ms / 1000);
  }
  return fmt::format("{} ms", ms);
}

util::SystemTime
micros_to_time(const std::string& micros)
{
  return util::SystemTime(std::chrono::microseconds(std::stoll(micros)));
}

std::optional<util::SystemTime>
optional_time(const std::optional<std::string>& micros)
{
  if (!micros) {
    return std::nullopt;
  }
  return micros_to_time(*micros);
}

// A value for libpq's `options` keyword: spaces and backslashes escaped.
std::string
escape_option_value(std::string_view value)
{
  std::string escaped;
  for (char character : value) {
    if (character == ' ' || character == '\\') {
      escaped += '\\';
    }
    escaped += character;
  }
  return escaped;
}

// The URL's keywords plus what Prisma's connection sets: search_path to the
// schema alone (quaint's startup parameter), UTF-8 (scripts are UTF-8 and
// error positions are counted in characters), and a name in pg_stat_activity.
PgSession::Keywords
connection_keywords(const db::DatabaseUrl& url)
{
  auto keywords = url.libpq_keywords;
  std::optional<std::size_t> options_index;
  bool has_encoding = false;
  bool has_name = false;
  for (std::size_t index = 0; index < keywords.size(); ++index) {
    auto& [name, value] = keywords[index];
    if (name == "client_encoding") {
      value = "UTF8";
      has_encoding = true;
    } else if (name == "application_name" || name == "fallback_application_name") {
      has_name = true;
    } else if (name == "options") {
      options_index = index;
    }
  }
  const auto search_path = "-c search_path=" + escape_option_value(quote_identifier(url.schema));
  if (!options_index) {
    keywords.emplace_back("options", search_path);
  } else if (keywords[*options_index].second.find("search_path") == std::string::npos) {
    keywords[*options_index].second += " " + search_path;
  }
  if (!has_encoding) {
    keywords.emplace_back("client_encoding", "UTF8");
  }
  if (!has_name) {
    keywords.emplace_back("fallback_application_name", "rastar-init");
  }
  return keywords;
}

std::string
host_and_port(const db::DatabaseUrl& url)
{
  const std::string host = url.host.empty() ? "localhost" : url.host;
  const std::string port = url.port.empty() ? "5432" : url.port;
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

// Sends a cancel request for the running query when SIGTERM/SIGINT/SIGQUIT
// arrives (D2), for as long as the scope lives.
class CancelScope
{
public:
  explicit CancelScope(std::shared_ptr<PgCancelHandle> handle)
  {
    util::SignalWatcher::instance().set_cancel_hook([handle] { handle->cancel(); });
  }

  ~CancelScope()
  {
    release();
  }

  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

  void
  release()
  {
    if (m_active) {
      util::SignalWatcher::instance().set_cancel_hook(nullptr);
      m_active = false;
    }
  }

private:
  bool m_active = true;
};

// The index a CREATE INDEX CONCURRENTLY statement builds: its quoted
// (schema-qualified when written so) name, or the quoted table when the
// statement names no index.
struct ConcurrentIndex
{
  std::optional<std::string> index;
  std::string table;
};

std::optional<ConcurrentIndex>
concurrent_index_of(const std::string& statement)
{
  auto parsed = pg_query_parse(statement.c_str());
  std::optional<ConcurrentIndex> found;
  if (parsed.error == nullptr && parsed.parse_tree != nullptr) {
    const auto tree = nlohmann::json::parse(parsed.parse_tree, nullptr, false);
    if (tree.is_object() && tree.contains("stmts") && !tree["stmts"].empty()) {
      const auto& node = tree["stmts"][0]["stmt"];
      if (node.contains("IndexStmt") && node["IndexStmt"].value("concurrent", false)) {
        const auto& index = node["IndexStmt"];
        const auto& relation = index.value("relation", nlohmann::json::object());
        const std::string schema = relation.value("schemaname", "");
        const std::string prefix = schema.empty() ? "" : quote_identifier(schema) + ".";
        ConcurrentIndex result;
        result.table = prefix + quote_identifier(relation.value("relname", ""));
        if (index.contains("idxname")) {
          result.index = prefix + quote_identifier(index["idxname"].get<std::string>());
        }
        found = result;
      }
    }
  }
  pg_query_free_parse_result(parsed);
  return found;
}

// The start of a statement, for a log line: its first line, shortened.
std::string
statement_head(const std::string& text)
{
  auto head = text.substr(0, text.find('\n'));
  if (head.size() > 60) {
    head = head.substr(0, 57) + "...";
  }
  return head;
}

class PostgresStore : public MigrationStore
{
public:
  PostgresStore(const db::DatabaseUrl& url, const StoreOptions& options);

  std::string
  describe() const override;

  std::string
  server_version() const override
  {
    return m_server_version_text;
  }

  bool
  exists() override;

  void
  lock(std::chrono::milliseconds timeout) override;

  std::vector<std::string>
  list_tables() override;

  void
  create_migrations_table() override;

  std::optional<std::vector<MigrationRow>>
  load_rows() override;

  void
  apply_migration(const LocalMigration& migration, const std::string& checksum) override;

  void
  record_applied(const std::vector<std::string>& ids_to_roll_back,
                 const std::string& name,
                 const std::string& checksum,
                 util::SystemTime now) override;

  void
  mark_rolled_back(const std::vector<std::string>& ids, util::SystemTime now) override;

  StoreConnection
  connection() override
  {
    return StoreConnection{m_session.get(), nullptr};
  }

private:
  // What a migration's row is, for writing it.
  struct Row
  {
    std::string id;
    std::string checksum;
    std::string name;
    util::SystemTime started_at;
  };

  void
  connect();

  bool
  database_is_missing(const PgError& error) const;

  void
  create_database();

  PgSession&
  session();

  std::string
  lock_holder();

  [[noreturn]] void
  throw_bookkeeping_error(const PgError& error, const std::string& what) const;

  [[noreturn]] void
  throw_connection_lost(const PgError& error, const std::string& name, const std::string& consequence) const;

  void
  rollback_quietly();

  std::string
  insert_sql(const Row& row, const std::optional<std::string>& logs);

  std::string
  finish_sql(const std::string& id);

  std::string
  id_list(const std::vector<std::string>& ids);

  void
  write_failed_row(const Row& row, const std::string& logs);

  void
  update_logs(const Row& row, const std::string& logs);

  std::string
  failure_message(const Row& row, const PgError& error, const std::string& script,
                  const std::string& query, std::size_t query_offset, const std::string& note);

  void
  apply_in_transaction(const LocalMigration& migration, const Row& row);

  void
  apply_as_prisma(const LocalMigration& migration, const Row& row, const Statement& control);

  void
  apply_statement_by_statement(const LocalMigration& migration, const Row& row,
                               const ScriptAnalysis& analysis);

  std::string
  leftovers(const ScriptAnalysis& analysis, std::size_t failed_index);

  db::DatabaseUrl m_url;
  StoreOptions m_options;
  std::unique_ptr<PgSession> m_session; // null: read-only on a database that does not exist
  bool m_schema_exists = false;
  int m_server_version = 0;
  std::string m_server_version_text;
  bool m_cockroachdb = false;
  bool m_locked = false;
};

PostgresStore::PostgresStore(const db::DatabaseUrl& url, const StoreOptions& options)
  : m_url(url),
    m_options(options)
{
  connect();
  if (!m_session) {
    return;
  }
  try {
    const auto setup = m_session->exec_params(k_setup_query, {m_url.schema});
    m_schema_exists = setup.text(0, 0) == "t";
    m_cockroachdb = setup.text(0, 1).find("CockroachDB") != std::string::npos;
    m_server_version = std::stoi(setup.text(0, 2));
    m_server_version_text = setup.text(0, 1).substr(0, setup.text(0, 1).find(" on "));
    if (!m_schema_exists && !m_options.read_only) {
      try {
        m_session->exec("CREATE SCHEMA " + quote_identifier(m_url.schema));
      } catch (const PgFailure& failure) {
        // Another replica created it between our check and our CREATE.
        if (failure.error().sqlstate != "42P06" && failure.error().sqlstate != "23505") {
          throw;
        }
      }
      m_schema_exists = true;
    }
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("prepare schema \"{}\"", m_url.schema));
  }
}

void
PostgresStore::connect()
{
  try {
    m_session = std::make_unique<PgSession>(connection_keywords(m_url));
    return;
  } catch (const PgFailure& failure) {
    if (!database_is_missing(failure.error())) {
      throw Error(ExitCode::database_unreachable,
                  fmt::format("Cannot connect to PostgreSQL database \"{}\" at {} ({}): {}. Check that the "
                              "server is up and that DATABASE_URL names the right host, user and password.",
                              m_url.database, host_and_port(m_url), m_url.redacted, failure.error().message));
    }
  }
  if (m_options.read_only) {
    return; // Nothing exists yet, and a reader creates nothing (D9).
  }
  if (!m_options.create_database) {
    throw Error(ExitCode::database_unreachable,
                fmt::format("Database \"{}\" does not exist on the PostgreSQL server at {} (P1003). Create it, "
                            "or run `rastar-init migrate deploy`, which creates it as Prisma does.",
                            m_url.database, host_and_port(m_url)));
  }
  create_database();
  try {
    m_session = std::make_unique<PgSession>(connection_keywords(m_url));
  } catch (const PgFailure& failure) {
    throw Error(ExitCode::database_unreachable,
                fmt::format("Cannot connect to PostgreSQL database \"{}\" at {} right after creating it: {}.",
                            m_url.database, host_and_port(m_url), failure.error().message));
  }
}

bool
PostgresStore::database_is_missing(const PgError& error) const
{
  if (error.message.find(fmt::format("database \"{}\" does not exist", m_url.database)) != std::string::npos) {
    return true;
  }
  // libpq gives no SQLSTATE for a refused connection, and the server may word
  // its refusal in another language: when the message names the database,
  // ask the server's catalog instead.
  if (m_url.database.empty() || error.message.find(m_url.database) == std::string::npos) {
    return false;
  }
  try {
    PgSession probe(connection_keywords(m_url.with_database("postgres")));
    return probe.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", {m_url.database}).size() == 0;
  } catch (const PgFailure&) {
    return false;
  }
}

void
PostgresStore::create_database()
{
  try {
    PgSession admin(connection_keywords(m_url.with_database("postgres")));
    admin.exec("CREATE DATABASE " + quote_identifier(m_url.database));
    spdlog::info("Created PostgreSQL database \"{}\" at {}", m_url.database, host_and_port(m_url));
  } catch (const PgFailure& failure) {
    // 42P04 (or a unique violation in pg_database): another replica created it first.
    if (failure.error().sqlstate == "42P04" || failure.error().sqlstate == "23505") {
      return;
    }
    throw Error(ExitCode::database_unreachable,
                fmt::format("Database \"{}\" does not exist on the PostgreSQL server at {} and could not be "
                            "created: {}. Create it, or give the user of DATABASE_URL the CREATEDB privilege.",
                            m_url.database, host_and_port(m_url), failure.error().message));
  }
}

PgSession&
PostgresStore::session()
{
  if (!m_session) {
    throw Error(ExitCode::internal,
                fmt::format("{} does not exist and was opened read-only, so nothing can be written to it "
                            "(this is a bug in rastar-init: please report it).",
                            describe()));
  }
  return *m_session;
}

std::string
PostgresStore::describe() const
{
  return fmt::format("PostgreSQL database \"{}\", schema \"{}\" at {}", m_url.database, m_url.schema,
                     host_and_port(m_url));
}

bool
PostgresStore::exists()
{
  return m_session && m_schema_exists;
}

void
PostgresStore::throw_bookkeeping_error(const PgError& error, const std::string& what) const
{
  if (error.connection_lost) {
    throw Error(ExitCode::database_unreachable,
                fmt::format("The connection to {} was lost while trying to {}: {}", describe(), what,
                            error.message));
  }
  throw Error(ExitCode::migration_failed,
              fmt::format("Could not {} in {}: {}{}", what, describe(), error.message,
                          error.sqlstate.empty() ? "" : fmt::format(" (SQLSTATE {})", error.sqlstate)));
}

void
PostgresStore::throw_connection_lost(const PgError& error, const std::string& name,
                                     const std::string& consequence) const
{
  throw Error(ExitCode::database_unreachable,
              fmt::format("The connection to {} was lost while migration `{}` ran ({}). {}", describe(), name,
                          error.message, consequence));
}

void
PostgresStore::rollback_quietly()
{
  if (m_session && !m_session->is_broken() && m_session->in_transaction()) {
    try {
      m_session->exec("ROLLBACK");
    } catch (const PgFailure&) {
      // The connection is failing: the server rolls the transaction back as it ends.
    }
  }
}

void
PostgresStore::lock(std::chrono::milliseconds timeout)
{
  if (!m_session || m_locked || m_cockroachdb) {
    return;
  }
  if (advisory_lock_disabled()) {
    spdlog::debug("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK is set: not taking the migration lock");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  auto next_report = start;
  auto delay = std::chrono::milliseconds(5);
  const auto lock_name = fmt::format("the migration lock (PostgreSQL advisory lock {}, the one Prisma Migrate "
                                     "takes) on {}",
                                     k_prisma_advisory_lock_key, describe());
  while (true) {
    if (const int signal_number = cancel_signal()) {
      throw Error(exit_code_for(signal_number),
                  fmt::format("Cancelled by {} while waiting for {}.", config::signal_name(signal_number), lock_name));
    }
    try {
      // Polling, never a blocking pg_advisory_lock: a session blocked in that
      // call holds a snapshot that a CREATE INDEX CONCURRENTLY run by the
      // holder waits for, and PostgreSQL fails one side with a deadlock.
      if (m_session->exec("SELECT pg_try_advisory_lock(72707369)").text(0, 0) == "t") {
        m_locked = true;
        if (next_report != start) {
          spdlog::info("Obtained {} after {:.1f} s", lock_name,
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        return;
      }
    } catch (const PgFailure& failure) {
      throw_bookkeeping_error(failure.error(), "take the migration lock");
    }
    const auto now = std::chrono::steady_clock::now();
    if (timeout.count() > 0 && now >= deadline) {
      throw Error(ExitCode::lock_timeout,
                  fmt::format("Timed out after {} waiting for {}: it is held by {}. Another deploy is probably "
                              "running: let it finish, or raise the lock timeout (--lock-timeout, "
                              "RASTAR_LOCK_TIMEOUT; 0 waits forever). If that session is stuck, end it with "
                              "SELECT pg_terminate_backend(<pid>).",
                              duration_text(timeout), lock_name, lock_holder()));
    }
    if (now >= next_report) {
      spdlog::info("Waiting for {}{}: it is held by {}", lock_name,
                   timeout.count() > 0 ? fmt::format(" (up to {})", duration_text(timeout)) : "", lock_holder());
      next_report = now + 10s;
    }
    auto wake = std::min(now + delay, next_report);
    if (timeout.count() > 0) {
      wake = std::min(wake, deadline);
    }
    // Sleep in short slices so that a cancel signal is noticed at once.
    while (std::chrono::steady_clock::now() < wake && cancel_signal() == 0) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        wake - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
    }
    delay = std::min<std::chrono::milliseconds>(delay * 2, 1s);
  }
}

std::string
PostgresStore::lock_holder()
{
  try {
    const auto rows = m_session->exec(k_lock_holder);
    if (rows.size() == 0) {
      return "a session that has just released it";
    }
    const auto application = rows.get(0, 1);
    const auto address = rows.get(0, 2);
    const auto port = rows.get(0, 3);
    const auto since = rows.get(0, 4);
    std::string client = "an unknown client";
    if (address) {
      client = "client " + *address;
    } else if (port && *port == "-1") {
      client = "a local socket";
    }
    std::string connected;
    if (since) {
      const auto seconds = std::chrono::floor<std::chrono::seconds>(micros_to_time(*since));
      connected = ", connected since " + util::prisma_display_utc(seconds);
    }
    return fmt::format("pid {} (application \"{}\", {}{}{})", rows.text(0, 0), application.value_or(""), client,
                       rows.get(0, 5) ? ", user \"" + *rows.get(0, 5) + "\"" : "", connected);
  } catch (const PgFailure& failure) {
    return fmt::format("another session (pg_locks could not be read: {})", failure.error().message);
  }
}

std::vector<std::string>
PostgresStore::list_tables()
{
  if (!exists()) {
    return {};
  }
  try {
    const auto rows = m_session->exec_params(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname",
      {m_url.schema});
    std::vector<std::string> tables;
    for (int row = 0; row < rows.size(); ++row) {
      auto name = rows.text(row, 0);
      if (!is_postgis_table(name)) {
        tables.push_back(std::move(name));
      }
    }
    return tables;
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), "list the tables");
  }
}

void
PostgresStore::create_migrations_table()
{
  try {
    session().exec(k_create_migrations_table);
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), "create the _prisma_migrations table");
  }
}

std::optional<std::vector<MigrationRow>>
PostgresStore::load_rows()
{
  if (!exists()) {
    return std::nullopt;
  }
  try {
    // No existence check first: the common case (the table is there) costs one round trip.
    const auto rows = m_session->exec(k_load_rows);
    std::vector<MigrationRow> result;
    for (int row = 0; row < rows.size(); ++row) {
      MigrationRow loaded;
      loaded.id = rows.text(row, 0);
      loaded.checksum = rows.text(row, 1);
      loaded.finished_at = optional_time(rows.get(row, 2));
      loaded.migration_name = rows.text(row, 3);
      loaded.logs = rows.get(row, 4);
      loaded.rolled_back_at = optional_time(rows.get(row, 5));
      loaded.started_at = micros_to_time(rows.text(row, 6));
      loaded.applied_steps_count = std::stoi(rows.text(row, 7));
      result.push_back(std::move(loaded));
    }
    return result;
  } catch (const PgFailure& failure) {
    if (failure.error().sqlstate == "42P01") {
      return std::nullopt;
    }
    throw_bookkeeping_error(failure.error(), "read the _prisma_migrations table");
  }
}

std::string
PostgresStore::insert_sql(const Row& row, const std::optional<std::string>& logs)
{
  auto& pg = session();
  if (logs) {
    return fmt::format("INSERT INTO \"_prisma_migrations\" (\"id\",\"checksum\",\"started_at\",\"migration_name\","
                       "\"logs\") VALUES ({},{},{},{},{});\n",
                       pg.literal(row.id), pg.literal(row.checksum), pg.literal(util::iso8601_utc(row.started_at)),
                       pg.literal(row.name), pg.literal(*logs));
  }
  return fmt::format("INSERT INTO \"_prisma_migrations\" (\"id\",\"checksum\",\"started_at\",\"migration_name\") "
                     "VALUES ({},{},{},{});\n",
                     pg.literal(row.id), pg.literal(row.checksum), pg.literal(util::iso8601_utc(row.started_at)),
                     pg.literal(row.name));
}

// Prisma's record_successful_step then record_migration_finished, with the
// client's clock.
std::string
PostgresStore::finish_sql(const std::string& id)
{
  auto& pg = session();
  return fmt::format(
    "UPDATE \"_prisma_migrations\" SET \"applied_steps_count\" = \"applied_steps_count\" + 1 WHERE \"id\" = {};\n"
    "UPDATE \"_prisma_migrations\" SET \"finished_at\" = {} WHERE \"id\" = {};\n",
    pg.literal(id), pg.literal(util::iso8601_utc(util::now_utc())), pg.literal(id));
}

std::string
PostgresStore::id_list(const std::vector<std::string>& ids)
{
  std::string list;
  for (const auto& id : ids) {
    list += (list.empty() ? "" : ",") + session().literal(id);
  }
  return list;
}

void
PostgresStore::write_failed_row(const Row& row, const std::string& logs)
{
  try {
    session().exec(insert_sql(row, logs));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("record the failure of migration `{}`", row.name));
  }
}

void
PostgresStore::update_logs(const Row& row, const std::string& logs)
{
  try {
    session().exec(fmt::format("UPDATE \"_prisma_migrations\" SET \"logs\" = {} WHERE \"id\" = {}",
                               session().literal(logs), session().literal(row.id)));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("record the failure of migration `{}`", row.name));
  }
}

std::string
PostgresStore::failure_message(const Row& row, const PgError& error, const std::string& script,
                               const std::string& query, std::size_t query_offset, const std::string& note)
{
  const auto position = postgres_error_position(error, script, query, query_offset);
  auto database_error = postgres_database_error(error, script, position);
  if (!note.empty()) {
    database_error += "\n\n" + note;
  }
  return postgres_p3018_message(row.name, error.sqlstate, database_error);
}

void
PostgresStore::apply_migration(const LocalMigration& migration, const std::string& checksum)
{
  if (!migration.script) {
    throw Error(ExitCode::internal, fmt::format("{} was not read before it was applied (this is a bug in "
                                                "rastar-init: please report it).",
                                                migration.script_path().string()));
  }
  const Row row{util::uuid_v4(), checksum, migration.name, util::now_utc()};
  ScriptAnalysis analysis;
  try {
    analysis = analyze_postgres_script(*migration.script, m_server_version);
  } catch (const ScriptParseError& error) {
    // As Prisma does, the server has the last word on the script's syntax.
    spdlog::warn("{}:{}:{}: PostgreSQL's parser rejects this script ({}); sending it to the server as it is, in "
                 "one transaction",
                 migration.script_path().string(), error.line(), error.column(), error.what());
    apply_in_transaction(migration, row);
    return;
  }
  if (analysis.has_non_transactional) {
    apply_statement_by_statement(migration, row, analysis);
  } else if (analysis.has_transaction_control) {
    const auto control = std::find_if(analysis.statements.begin(), analysis.statements.end(),
                                      [](const Statement& statement) { return statement.transaction_control; });
    apply_as_prisma(migration, row, *control);
  } else {
    apply_in_transaction(migration, row);
  }
}

void
PostgresStore::apply_in_transaction(const LocalMigration& migration, const Row& row)
{
  auto& pg = session();
  const std::string& script = *migration.script;
  const std::string rolled_back = "Its transaction was rolled back by the server, so nothing of it was applied; "
                                  "the next deploy applies it again.";
  CancelScope cancel_scope(pg.cancel_handle());
  // Three round trips: BEGIN with the row, the script as one simple query (as
  // Prisma sends it; the statements run in our transaction), the row's
  // updates with COMMIT.
  try {
    pg.exec("BEGIN;\n" + insert_sql(row, std::nullopt));
  } catch (const PgFailure& failure) {
    rollback_quietly();
    throw_bookkeeping_error(failure.error(), fmt::format("record the start of migration `{}`", row.name));
  }
  std::optional<PgError> error;
  bool at_commit = false;
  try {
    if (cancel_signal() == 0) {
      pg.exec(script);
    }
    if (cancel_signal() == 0) {
      at_commit = true;
      pg.exec(finish_sql(row.id) + "COMMIT;");
      return;
    }
  } catch (const PgFailure& failure) {
    error = failure.error();
  }
  cancel_scope.release();
  if (error && error->connection_lost) {
    throw_connection_lost(*error, row.name,
                          at_commit ? "The connection broke while the transaction committed: the next deploy "
                                      "finds out whether it did, and applies the migration again if not."
                                    : rolled_back);
  }
  rollback_quietly();
  if (const int signal_number = cancel_signal()) {
    throw Error(exit_code_for(signal_number),
                fmt::format("Cancelled by {} while migration `{}` ran. Its transaction was rolled back, so "
                            "nothing of it was applied; the next deploy applies it again.",
                            config::signal_name(signal_number), row.name));
  }
  // An error at COMMIT (a deferred constraint) points into our UPDATEs, not the script.
  const auto message = at_commit ? postgres_p3018_message(row.name, error->sqlstate,
                                                          postgres_database_error(*error, script, std::nullopt))
                                 : failure_message(row, *error, script, script, 0, "");
  // As Prisma leaves it (D8): a failed row with the error, in its own transaction.
  write_failed_row(row, message);
  throw MigrationFailed(message);
}

void
PostgresStore::apply_as_prisma(const LocalMigration& migration, const Row& row, const Statement& control)
{
  auto& pg = session();
  const std::string& script = *migration.script;
  spdlog::info("Migration `{}` controls its own transactions ({} at {}:{}): running it as Prisma does, without a "
               "wrapping transaction",
               row.name, control.kind, migration.script_path().string(), control.line);
  try {
    pg.exec(insert_sql(row, std::nullopt));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("record the start of migration `{}`", row.name));
  }
  const auto left = fmt::format("Its row in _prisma_migrations stays unfinished and the statements its script "
                                "committed stay applied: check the schema, then run `migrate resolve` for `{}`.",
                                row.name);
  CancelScope cancel_scope(pg.cancel_handle());
  try {
    pg.exec(script);
  } catch (const PgFailure& failure) {
    cancel_scope.release();
    if (failure.error().connection_lost) {
      throw_connection_lost(failure.error(), row.name, left);
    }
    rollback_quietly();
    if (const int signal_number = cancel_signal()) {
      const auto text = fmt::format("Cancelled by {} while migration `{}` ran without a wrapping transaction "
                                    "(its script controls its own transactions). The statements it committed "
                                    "before the cancel stay applied: check the schema, then run `migrate "
                                    "resolve` for `{}`.",
                                    config::signal_name(signal_number), row.name, row.name);
      update_logs(row, text);
      throw Error(exit_code_for(signal_number), text);
    }
    const auto message = failure_message(row, failure.error(), script, script, 0, "");
    update_logs(row, message);
    throw MigrationFailed(message);
  }
  cancel_scope.release();
  if (pg.in_transaction()) {
    // Under Prisma the row's updates would run in that transaction and vanish
    // with the connection; say so instead.
    rollback_quietly();
    PgError error;
    error.severity = "ERROR";
    error.message = "the script opened a transaction (BEGIN) and did not end it (COMMIT); it was rolled back";
    const auto message = failure_message(row, error, script, script, 0, "");
    update_logs(row, message);
    throw MigrationFailed(message);
  }
  try {
    pg.exec(finish_sql(row.id));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("record the end of migration `{}`", row.name));
  }
}

std::string
PostgresStore::leftovers(const ScriptAnalysis& analysis, std::size_t failed_index)
{
  const auto& failed = analysis.statements[failed_index];
  std::string text = fmt::format(
    "This migration ran outside a transaction, statement by statement, because it has statements that cannot run "
    "in one. {} of its {} statements ran and stay applied; statement {} (migration.sql line {}) did not complete.",
    failed_index == 0 ? std::string("None") : fmt::format("The first {}", failed_index), analysis.statements.size(),
    failed_index + 1, failed.line);
  const auto index = concurrent_index_of(failed.text);
  if (!index || m_session->is_broken()) {
    return text;
  }
  std::vector<std::string> invalid;
  try {
    if (index->index) {
      const auto rows = m_session->exec_params(
        "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND NOT indisvalid", {*index->index});
      if (rows.size() > 0) {
        invalid.push_back(*index->index);
      }
    } else {
      const auto rows = m_session->exec_params(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = to_regclass($1) AND NOT indisvalid",
        {index->table});
      for (int row = 0; row < rows.size(); ++row) {
        invalid.push_back(rows.text(row, 0));
      }
    }
  } catch (const PgFailure&) {
    // Without the catalog we cannot tell; the sentence above still holds.
  }
  for (const auto& name : invalid) {
    text += fmt::format(" It left the index {} behind, INVALID: drop it with DROP INDEX CONCURRENTLY IF EXISTS {}; "
                        "before the migration is retried.",
                        name, name);
  }
  return text;
}

void
PostgresStore::apply_statement_by_statement(const LocalMigration& migration, const Row& row,
                                            const ScriptAnalysis& analysis)
{
  auto& pg = session();
  const std::string& script = *migration.script;
  std::string kinds;
  for (const auto& statement : analysis.statements) {
    if (statement.non_transactional) {
      kinds += fmt::format("{}{} (line {})", kinds.empty() ? "" : ", ", statement_head(statement.text),
                           statement.line);
    }
  }
  if (analysis.statements.size() == 1) {
    spdlog::warn("Migration `{}` cannot run inside a transaction ({}): running it without one", row.name, kinds);
  } else {
    spdlog::warn("Migration `{}` has statements that cannot run inside a transaction ({}): running its {} "
                 "statements one by one, each committed on its own; if one fails, the ones before it stay applied",
                 row.name, kinds, analysis.statements.size());
  }
  try {
    pg.exec(insert_sql(row, std::nullopt));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("record the start of migration `{}`", row.name));
  }
  const auto resolve = fmt::format(" Then run `migrate resolve --rolled-back \"{}\"` and deploy again.", row.name);
  CancelScope cancel_scope(pg.cancel_handle());
  for (std::size_t index = 0; index < analysis.statements.size(); ++index) {
    const auto& statement = analysis.statements[index];
    std::optional<PgError> error;
    if (cancel_signal() == 0) {
      try {
        pg.exec(statement.text);
        continue;
      } catch (const PgFailure& failure) {
        error = failure.error();
      }
    }
    cancel_scope.release();
    if (error && error->connection_lost) {
      throw_connection_lost(*error, row.name,
                            "It ran outside a transaction: the statements before the failing one stay applied "
                            "and its row stays unfinished. Check the schema, then run `migrate resolve`.");
    }
    rollback_quietly();
    const auto left = leftovers(analysis, index);
    if (const int signal_number = cancel_signal()) {
      const auto text = fmt::format("Cancelled by {} while migration `{}` ran. {}{}", config::signal_name(signal_number),
                                    row.name, left, resolve);
      update_logs(row, text);
      throw Error(exit_code_for(signal_number), text);
    }
    const auto message = failure_message(row, *error, script, statement.text, statement.offset, left + resolve);
    update_logs(row, message);
    throw MigrationFailed(message);
  }
  cancel_scope.release();
  try {
    pg.exec(finish_sql(row.id));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), fmt::format("record the end of migration `{}`", row.name));
  }
}

void
PostgresStore::record_applied(const std::vector<std::string>& ids_to_roll_back,
                              const std::string& name,
                              const std::string& checksum,
                              util::SystemTime now)
{
  auto& pg = session();
  const auto timestamp = pg.literal(util::iso8601_utc(now));
  std::string sql = "BEGIN;\n";
  if (!ids_to_roll_back.empty()) {
    sql += fmt::format("UPDATE \"_prisma_migrations\" SET \"rolled_back_at\" = {} WHERE \"id\" IN ({});\n",
                       timestamp, id_list(ids_to_roll_back));
  }
  sql += fmt::format("INSERT INTO \"_prisma_migrations\" (\"id\",\"checksum\",\"logs\",\"started_at\","
                     "\"finished_at\",\"migration_name\") VALUES ({},{},'',{},{},{});\nCOMMIT;",
                     pg.literal(util::uuid_v4()), pg.literal(checksum), timestamp, timestamp, pg.literal(name));
  try {
    pg.exec(sql);
  } catch (const PgFailure& failure) {
    rollback_quietly();
    throw_bookkeeping_error(failure.error(), fmt::format("mark migration `{}` as applied", name));
  }
}

void
PostgresStore::mark_rolled_back(const std::vector<std::string>& ids, util::SystemTime now)
{
  if (ids.empty()) {
    return;
  }
  auto& pg = session();
  try {
    pg.exec(fmt::format("UPDATE \"_prisma_migrations\" SET \"rolled_back_at\" = {} WHERE \"id\" IN ({})",
                        pg.literal(util::iso8601_utc(now)), id_list(ids)));
  } catch (const PgFailure& failure) {
    throw_bookkeeping_error(failure.error(), "mark the migration as rolled back");
  }
}

} // namespace

std::unique_ptr<MigrationStore>
open_postgres_store(const db::DatabaseUrl& url, const StoreOptions& options)
{
  return std::make_unique<PostgresStore>(url, options);
}

} // namespace rastar::migrate
