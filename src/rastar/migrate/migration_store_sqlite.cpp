#include <rastar/migrate/migration_store_sqlite.hpp>

#include <rastar/config/signal_names.hpp>
#include <rastar/migrate/sql_script.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>
#include <rastar/util/time.hpp>
#include <rastar/util/uuid.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace rastar::migrate {

namespace {

using namespace std::chrono_literals;

// PE SC/flavour/sqlite.rs, create_migrations_table, after indoc: SQLite keeps
// this text (less the final ";\n") in sqlite_master.sql, which Prisma and
// `.dump` show, so it is copied byte for byte.
constexpr const char* k_create_table_sql = "CREATE TABLE \"_prisma_migrations\" (\n"
                                           "    \"id\"                    TEXT PRIMARY KEY NOT NULL,\n"
                                           "    \"checksum\"              TEXT NOT NULL,\n"
                                           "    \"finished_at\"           DATETIME,\n"
                                           "    \"migration_name\"        TEXT NOT NULL,\n"
                                           "    \"logs\"                  TEXT,\n"
                                           "    \"rolled_back_at\"        DATETIME,\n"
                                           "    \"started_at\"            DATETIME NOT NULL DEFAULT current_timestamp,\n"
                                           "    \"applied_steps_count\"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n"
                                           ");\n";

// PE SC/flavour/sqlite.rs, load_migrations_table.
constexpr const char* k_select_rows_sql = "SELECT\n"
                                          "    id,\n"
                                          "    checksum,\n"
                                          "    finished_at,\n"
                                          "    migration_name,\n"
                                          "    logs,\n"
                                          "    rolled_back_at,\n"
                                          "    started_at,\n"
                                          "    applied_steps_count\n"
                                          "FROM `_prisma_migrations`\n"
                                          "ORDER BY `started_at` ASC\n";

// rusqlite's busy timeout, which Prisma keeps for everything but the lock.
constexpr int k_busy_timeout_ms = 5000;
constexpr auto k_first_backoff = 2ms;
constexpr auto k_max_backoff = 100ms;
constexpr auto k_log_interval = 10s;

// PE SC/flavour/sqlite/schema_differ.rs, SPATIALITE_TABLES_OR_VIEWS, matched
// case-insensitively. sqlite_sequence and sqlite_stat1 are not on it: Prisma
// counts them (they only exist beside a user table anyway).
constexpr std::string_view k_spatialite_tables[]{
  "data_licenses", "elementarygeometries", "geometry_columns", "geometry_columns_auth",
  "geometry_columns_field_infos", "geometry_columns_statistics", "geometry_columns_time", "geom_cols_ref_sys",
  "idx_iso_metadata_geometry", "idx_iso_metadata_geometry_node", "idx_iso_metadata_geometry_parent",
  "idx_iso_metadata_geometry_rowid", "iso_metadata", "iso_metadata_reference", "iso_metadata_view", "knn", "knn2",
  "networks", "raster_coverages", "raster_coverages_keyword", "raster_coverages_ref_sys", "raster_coverages_srid",
  "rl2map_configurations", "rl2map_configurations_view", "se_external_graphics", "se_external_graphics_view",
  "se_fonts", "se_fonts_view", "se_raster_styled_layers", "se_raster_styled_layers_view", "se_raster_styles",
  "se_raster_styles_view", "se_vector_styled_layers", "se_vector_styled_layers_view", "se_vector_styles",
  "se_vector_styles_view", "spatialindex", "spatialite_history", "spatial_ref_sys", "spatial_ref_sys_all",
  "spatial_ref_sys_aux", "sql_statements_log", "stored_procedures", "stored_variables", "topologies",
  "vector_coverages", "vector_coverages_keyword", "vector_coverages_ref_sys", "vector_coverages_srid",
  "vector_layers", "vector_layers_auth", "vector_layers_field_infos", "vector_layers_statistics",
  "views_geometry_columns", "views_geometry_columns_auth", "views_geometry_columns_field_infos",
  "views_geometry_columns_statistics", "virts_geometry_collection", "virts_geometry_collectionm",
  "virts_geometry_columns", "virts_geometry_columns_auth", "virts_geometry_columns_field_infos",
  "virts_geometry_columns_statistics", "wms_getcapabilities", "wms_getmap", "wms_ref_sys", "wms_settings"};

bool
is_spatialite_table(const std::string& name)
{
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return std::find(std::begin(k_spatialite_tables), std::end(k_spatialite_tables), lower)
         != std::end(k_spatialite_tables);
}

std::string
format_duration(std::chrono::milliseconds duration)
{
  const auto ms = duration.count();
  if (ms != 0 && ms % 60'000 == 0) {
    return fmt::format("{} min", ms / 60'000);
  }
  if (ms != 0 && ms % 1000 == 0) {
    return fmt::format("{} s", ms / 1000);
  }
  return fmt::format("{} ms", ms);
}

ExitCode
signal_exit_code(int signal_number)
{
  return static_cast<ExitCode>(exit_code_for_signal(signal_number));
}

// " (held by pid 12 (node), pid 40 (sqlite3))" from /proc/locks, or "" when
// the holder cannot be seen (another PID namespace, no /proc).
std::string
describe_lock_holders(const std::filesystem::path& path)
{
  struct stat file_stat {};
  if (stat(path.c_str(), &file_stat) != 0) {
    return "";
  }
  std::ifstream locks("/proc/locks");
  std::set<long> pids;
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string ordinal, kind, mode, access, pid_text, device_inode;
    fields >> ordinal >> kind;
    if (kind == "->") {
      continue; // a waiter, not a holder
    }
    fields >> mode >> access >> pid_text >> device_inode;
    unsigned major_number = 0;
    unsigned minor_number = 0;
    unsigned long inode = 0;
    if (std::sscanf(device_inode.c_str(), "%x:%x:%lu", &major_number, &minor_number, &inode) != 3) {
      continue;
    }
    if (major_number == major(file_stat.st_dev) && minor_number == minor(file_stat.st_dev)
        && inode == file_stat.st_ino) {
      pids.insert(std::strtol(pid_text.c_str(), nullptr, 10));
    }
  }
  std::vector<std::string> holders;
  for (const long pid : pids) {
    if (pid <= 0) {
      continue;
    }
    std::ifstream comm_file(fmt::format("/proc/{}/comm", pid));
    std::string comm;
    std::getline(comm_file, comm);
    holders.push_back(comm.empty() ? fmt::format("pid {}", pid) : fmt::format("pid {} ({})", pid, comm));
  }
  return holders.empty() ? "" : fmt::format(" (held by {})", fmt::join(holders, ", "));
}

// Timestamps: Prisma writes Unix milliseconds; it reads those, or text as
// `%Y-%m-%d %H:%M:%S` (what DEFAULT current_timestamp writes) or RFC 3339.
bool
read_number(std::string_view text, std::size_t pos, std::size_t digits, int& value)
{
  if (pos + digits > text.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = pos; i < pos + digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

std::optional<util::SystemTime>
parse_datetime_text(std::string_view text)
{
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_number(text, 0, 4, year) || text.size() < 19 || text[4] != '-' || !read_number(text, 5, 2, month)
      || text[7] != '-' || !read_number(text, 8, 2, day)
      || (text[10] != ' ' && text[10] != 'T' && text[10] != 't') || !read_number(text, 11, 2, hour)
      || text[13] != ':' || !read_number(text, 14, 2, minute) || text[16] != ':'
      || !read_number(text, 17, 2, second)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  auto time = util::SystemTime(std::chrono::sys_days(date).time_since_epoch() + std::chrono::hours(hour)
                               + std::chrono::minutes(minute) + std::chrono::seconds(second));
  std::size_t pos = 19;
  if (pos == text.size()) {
    return text[10] == ' ' ? std::optional(time) : std::nullopt; // RFC 3339 needs an offset
  }
  if (text[pos] == '.') {
    std::int64_t micros = 0;
    int digits = 0;
    for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos, ++digits) {
      if (digits < 6) {
        micros = micros * 10 + (text[pos] - '0');
      }
    }
    if (digits == 0) {
      return std::nullopt;
    }
    for (int i = digits; i < 6; ++i) {
      micros *= 10;
    }
    time += std::chrono::microseconds(micros);
  }
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
    return time;
  }
  int offset_hours = 0;
  int offset_minutes = 0;
  if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && read_number(text, pos + 1, 2, offset_hours)
      && text[pos + 3] == ':' && read_number(text, pos + 4, 2, offset_minutes)) {
    const auto offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    return text[pos] == '+' ? time - offset : time + offset;
  }
  return std::nullopt;
}

// Turns a cancel signal into sqlite3_interrupt on the connection running a
// script. The hook may run on the watcher thread after the guard has gone,
// so the connection is reached through shared state the guard clears.
class InterruptOnCancel
{
public:
  explicit InterruptOnCancel(sqlite3* handle)
    : m_target(std::make_shared<Target>())
  {
    m_target->handle = handle;
    // Between two steps an interrupt is forgotten; the progress handler
    // closes that window by checking for the signal every few thousand
    // virtual-machine instructions.
    sqlite3_progress_handler(
      handle, 4096, [](void*) { return util::SignalWatcher::instance().cancel_signal() != 0 ? 1 : 0; }, nullptr);
    util::SignalWatcher::instance().set_cancel_hook([target = m_target] {
      std::lock_guard lock(target->mutex);
      if (target->handle != nullptr) {
        sqlite3_interrupt(target->handle);
      }
    });
  }

  ~InterruptOnCancel()
  {
    util::SignalWatcher::instance().set_cancel_hook(nullptr);
    std::lock_guard lock(m_target->mutex);
    sqlite3_progress_handler(m_target->handle, 0, nullptr, nullptr);
    m_target->handle = nullptr;
  }

  InterruptOnCancel(const InterruptOnCancel&) = delete;
  InterruptOnCancel& operator=(const InterruptOnCancel&) = delete;

private:
  struct Target
  {
    std::mutex mutex;
    sqlite3* handle = nullptr;
  };
  std::shared_ptr<Target> m_target;
};

// How a script run ended when it did not succeed.
struct ScriptFailure
{
  int extended_code = 0;
  std::string message;
  int line = 1;
  int column = 1;
  int cancel_signal = 0; // non-zero: stopped by this signal
  std::size_t statements_done = 0;
};

// Errors that come from the file or the disk, not from the migration's SQL.
bool
is_environment_error(int extended_code)
{
  switch (extended_code & 0xff) {
  case SQLITE_READONLY:
  case SQLITE_FULL:
  case SQLITE_IOERR:
  case SQLITE_CANTOPEN:
  case SQLITE_NOTADB:
  case SQLITE_CORRUPT:
  case SQLITE_NOMEM:
    return true;
  default:
    return false;
  }
}

// PE libs/user-facing-errors/src/schema_engine.rs, ApplyMigrationError (P3018).
std::string
p3018_message(const std::string& migration_name, const std::string& code, const std::string& database_error)
{
  return fmt::format("A migration failed to apply. New migrations cannot be applied before the error is recovered "
                     "from. Read more about how to resolve migration issues in a production database: "
                     "https://pris.ly/d/migrate-resolve\n\nMigration name: {}\n\nDatabase error code: {}\n\n"
                     "Database error:\n{}\n",
                     migration_name, code, database_error);
}

class SqliteMigrationStore final : public MigrationStore
{
public:
  SqliteMigrationStore(std::filesystem::path path, const StoreOptions& options)
    : m_path(std::move(path)),
      m_options(options)
  {
    if (m_options.read_only) {
      if (std::filesystem::exists(m_path)) {
        open();
      }
      return;
    }
    const auto directory = m_path.parent_path();
    std::error_code error;
    if (!directory.empty() && !std::filesystem::is_directory(directory, error)) {
      std::filesystem::create_directories(directory, error);
      if (error) {
        throw Error(ExitCode::database_unreachable,
                    fmt::format("Cannot create the directory {} for SQLite database {}: {}. Create it, or point "
                                "DATABASE_URL at a writable place.",
                                directory.string(), m_path.string(), error.message()));
      }
    }
    open();
  }

  std::string
  describe() const override
  {
    return fmt::format("SQLite database {}", m_path.string());
  }

  std::string
  server_version() const override
  {
    return std::string("SQLite ") + sqlite3_libversion();
  }

  bool
  exists() override
  {
    return std::filesystem::exists(m_path);
  }

  void
  lock(std::chrono::milliseconds timeout) override
  {
    require_writable("take the migration lock");
    if (advisory_lock_disabled()) {
      spdlog::info("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK is set: migrating {} without the migration lock.", describe());
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    auto next_log = start + k_log_interval;
    auto backoff = std::chrono::milliseconds(k_first_backoff);
    while (true) {
      if (try_lock()) {
        spdlog::debug("Took the migration lock on {}.", describe());
        return;
      }
      if (const int signal_number = util::SignalWatcher::instance().cancel_signal(); signal_number != 0) {
        throw Error(signal_exit_code(signal_number),
                    fmt::format("Stopped waiting for the migration lock on {}: received {}.", describe(),
                                config::signal_name(signal_number)));
      }
      const auto now = std::chrono::steady_clock::now();
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      if (timeout.count() > 0 && waited >= timeout) {
        throw Error(ExitCode::lock_timeout,
                    fmt::format("Timed out after {} waiting for the migration lock on {}: another process kept the "
                                "file locked{}. Let the other migration finish, or stop the process that holds the "
                                "file, then run again (the lock timeout is --lock-timeout).",
                                format_duration(timeout), describe(), describe_lock_holders(m_path)));
      }
      if (now >= next_log) {
        spdlog::warn("Waiting for the migration lock on {}: another process has the file locked{} ({} so far).",
                     describe(), describe_lock_holders(m_path),
                     format_duration(std::chrono::duration_cast<std::chrono::seconds>(waited)));
        next_log += k_log_interval;
      }
      auto sleep_for = backoff;
      if (timeout.count() > 0) {
        sleep_for = std::min(sleep_for, std::max(timeout - waited, std::chrono::milliseconds(1)));
      }
      std::this_thread::sleep_for(sleep_for);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(k_max_backoff));
    }
  }

  std::vector<std::string>
  list_tables() override
  {
    std::vector<std::string> tables;
    if (!m_database) {
      return tables; // read-only and no file: an empty database
    }
    try {
      // PE SC/flavour/sqlite.rs, table_names.
      SQLite::Statement query(*m_database,
                              "SELECT name AS table_name FROM sqlite_master WHERE type='table' ORDER BY name ASC");
      while (query.executeStep()) {
        auto name = query.getColumn(0).getString();
        if (!is_spatialite_table(name)) {
          tables.push_back(std::move(name));
        }
      }
    } catch (const SQLite::Exception& exception) {
      throw failure("list the tables of", exception.getExtendedErrorCode(), exception.what());
    }
    return tables;
  }

  void
  create_migrations_table() override
  {
    require_writable("create the _prisma_migrations table");
    execute(k_create_table_sql, "create the _prisma_migrations table in");
  }

  std::optional<std::vector<MigrationRow>>
  load_rows() override
  {
    if (!m_database) {
      return std::nullopt;
    }
    std::vector<MigrationRow> rows;
    try {
      SQLite::Statement query(*m_database, k_select_rows_sql);
      while (query.executeStep()) {
        MigrationRow row;
        row.id = query.getColumn(0).getString();
        row.checksum = query.getColumn(1).getString();
        row.migration_name = query.getColumn(3).getString();
        row.finished_at = read_timestamp(query.getColumn(2), row.migration_name, "finished_at");
        if (!query.getColumn(4).isNull()) {
          row.logs = query.getColumn(4).getString();
        }
        row.rolled_back_at = read_timestamp(query.getColumn(5), row.migration_name, "rolled_back_at");
        const auto started_at = read_timestamp(query.getColumn(6), row.migration_name, "started_at");
        if (!started_at) {
          throw bad_row(row.migration_name, "started_at", "NULL");
        }
        row.started_at = *started_at;
        row.applied_steps_count = query.getColumn(7).getInt();
        rows.push_back(std::move(row));
      }
    } catch (const SQLite::Exception& exception) {
      // Prisma takes a failing SELECT for a missing table ("no such table" is
      // SQLITE_ERROR, extended code 1); anything else is a real failure.
      if (exception.getExtendedErrorCode() == SQLITE_ERROR) {
        return std::nullopt;
      }
      throw failure("read the _prisma_migrations table of", exception.getExtendedErrorCode(), exception.what());
    }
    return rows;
  }

  void
  apply_migration(const LocalMigration& migration, const std::string& checksum) override
  {
    require_writable("apply migrations");
    if (!migration.script) {
      throw Error(ExitCode::migration_failed,
                  fmt::format("Could not find the migration file at {}. Please delete the directory or restore the "
                              "migration file.",
                              migration.script_path().string()));
    }
    const auto analysis = analyze_sqlite_script(*migration.script);
    const std::string reason = why_not_in_transaction(analysis);
    if (reason.empty()) {
      apply_in_transaction(migration, checksum, analysis);
    } else if (only_foreign_keys_pragmas_stand_in_the_way(analysis)) {
      apply_with_foreign_keys_around(migration, checksum, analysis);
    } else {
      spdlog::info("Migration `{}` runs without a wrapping transaction, as Prisma runs it: {}.", migration.name,
                   reason);
      apply_as_prisma_does(migration, checksum, analysis);
    }
  }

  void
  record_applied(const std::vector<std::string>& ids_to_roll_back,
                 const std::string& name,
                 const std::string& checksum,
                 util::SystemTime now) override
  {
    require_writable("record a migration as applied");
    const auto millis = util::unix_millis(now);
    try {
      SQLite::Transaction transaction(*m_database);
      for (const auto& id : ids_to_roll_back) {
        set_rolled_back(id, millis);
      }
      // PE SC/sql_migration_persistence.rs, mark_migration_applied_impl.
      SQLite::Statement insert(*m_database,
                               "INSERT INTO `_prisma_migrations` (`id`, `checksum`, `logs`, `started_at`, "
                               "`finished_at`, `migration_name`) VALUES (?, ?, ?, ?, ?, ?)");
      insert.bind(1, util::uuid_v4());
      insert.bind(2, checksum);
      insert.bind(3, std::string());
      insert.bind(4, static_cast<std::int64_t>(millis));
      insert.bind(5, static_cast<std::int64_t>(millis));
      insert.bind(6, name);
      insert.exec();
      transaction.commit();
    } catch (const SQLite::Exception& exception) {
      throw failure(fmt::format("record migration `{}` as applied in", name), exception.getExtendedErrorCode(),
                    exception.what());
    }
  }

  void
  mark_rolled_back(const std::vector<std::string>& ids, util::SystemTime now) override
  {
    require_writable("mark migrations as rolled back");
    try {
      SQLite::Transaction transaction(*m_database);
      for (const auto& id : ids) {
        set_rolled_back(id, util::unix_millis(now));
      }
      transaction.commit();
    } catch (const SQLite::Exception& exception) {
      throw failure("mark migrations as rolled back in", exception.getExtendedErrorCode(), exception.what());
    }
  }

  StoreConnection
  connection() override
  {
    if (!m_database && m_options.read_only) {
      return {};
    }
    return StoreConnection{nullptr, &database()};
  }

private:
  void
  open()
  {
    try {
      const int flags = m_options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
      m_database = std::make_unique<SQLite::Database>(m_path, flags, k_busy_timeout_ms);
      if (!m_options.read_only) {
        // Prisma's SQLite is rusqlite's bundled build, compiled with
        // SQLITE_DEFAULT_FOREIGN_KEYS=1: migrations run with foreign keys
        // enforced (hence the foreign_keys=OFF in RedefineTables).
        m_database->exec("PRAGMA foreign_keys = ON");
      }
    } catch (const SQLite::Exception& exception) {
      m_database.reset();
      throw Error(ExitCode::database_unreachable,
                  fmt::format("Cannot open SQLite database {}: {}. Check the path in DATABASE_URL and that the file "
                              "and its directory are {}.",
                              m_path.string(), exception.what(),
                              m_options.read_only ? "readable" : "readable and writable"));
    }
  }

  // One attempt at Prisma's lock on a fresh connection whose first act is
  // `PRAGMA main.locking_mode=EXCLUSIVE`, so no shared lock is taken first.
  // BEGIN EXCLUSIVE takes the file lock at once; in EXCLUSIVE locking mode it
  // outlives the COMMIT and is held until the connection closes. A failed
  // BEGIN EXCLUSIVE in that mode still keeps a SHARED lock, which would block
  // the holder's COMMIT and every other waiter: the connection is closed at
  // once to drop it.
  bool
  try_lock()
  {
    m_database.reset();
    open();
    sqlite3* handle = m_database->getHandle();
    sqlite3_busy_timeout(handle, 0);
    try {
      m_database->exec("PRAGMA main.locking_mode=EXCLUSIVE");
    } catch (const SQLite::Exception& exception) {
      throw failure("take the migration lock on", exception.getExtendedErrorCode(), exception.what());
    }
    const int result = sqlite3_exec(handle, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
    if (result == SQLITE_OK) {
      const int commit = sqlite3_exec(handle, "COMMIT", nullptr, nullptr, nullptr);
      if (commit != SQLITE_OK) {
        throw failure("take the migration lock on", sqlite3_extended_errcode(handle), sqlite3_errmsg(handle));
      }
      sqlite3_busy_timeout(handle, k_busy_timeout_ms);
      return true;
    }
    const int code = sqlite3_extended_errcode(handle);
    if ((code & 0xff) != SQLITE_BUSY && (code & 0xff) != SQLITE_LOCKED) {
      throw failure("take the migration lock on", code, sqlite3_errmsg(handle));
    }
    m_database.reset();
    return false;
  }

  SQLite::Database&
  database()
  {
    if (!m_database) {
      open();
    }
    return *m_database;
  }

  void
  require_writable(const std::string& action)
  {
    if (m_options.read_only) {
      throw Error(ExitCode::internal,
                  fmt::format("Cannot {} on {}: it was opened read-only. This is a bug in rastar-init; please "
                              "report it.",
                              action, describe()));
    }
    database();
  }

  Error
  failure(const std::string& action, int extended_code, const std::string& message) const
  {
    std::string hint;
    switch (extended_code & 0xff) {
    case SQLITE_READONLY:
      hint = " Make the file and its directory writable for this user, then run again.";
      break;
    case SQLITE_FULL:
      hint = " Free space on its file system, then run again.";
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      hint = " Check that DATABASE_URL names the right file.";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      hint = " Another process has it locked; run again once it is done.";
      break;
    default:
      break;
    }
    return Error(ExitCode::migration_failed,
                 fmt::format("Cannot {} {}: {}.{}", action, describe(), message, hint));
  }

  Error
  bad_row(const std::string& migration_name, const std::string& column, const std::string& value) const
  {
    return Error(ExitCode::migration_failed,
                 fmt::format("The `{}` row of _prisma_migrations in {} has {} = {}, which is neither Unix "
                             "milliseconds nor a date Prisma reads. Correct it (Prisma writes Unix milliseconds), "
                             "then run again.",
                             migration_name, describe(), column, value));
  }

  std::optional<util::SystemTime>
  read_timestamp(const SQLite::Column& column, const std::string& migration_name, const std::string& name) const
  {
    if (column.isNull()) {
      return std::nullopt;
    }
    if (column.isInteger()) {
      return util::SystemTime(std::chrono::milliseconds(column.getInt64()));
    }
    const std::string text = column.getString();
    if (column.isText()) {
      if (auto parsed = parse_datetime_text(text)) {
        return parsed;
      }
    }
    throw bad_row(migration_name, name, fmt::format("'{}'", text));
  }

  void
  execute(const char* sql, const std::string& action)
  {
    try {
      database().exec(sql);
    } catch (const SQLite::Exception& exception) {
      throw failure(action, exception.getExtendedErrorCode(), exception.what());
    }
  }

  void
  set_rolled_back(const std::string& id, std::int64_t millis)
  {
    SQLite::Statement update(*m_database, "UPDATE `_prisma_migrations` SET `rolled_back_at` = ? WHERE `id` = ?");
    update.bind(1, static_cast<std::int64_t>(millis));
    update.bind(2, id);
    update.exec();
  }

  static std::string
  why_not_in_transaction(const ScriptAnalysis& analysis)
  {
    for (const auto& statement : analysis.statements) {
      if (statement.transaction_control) {
        return fmt::format("it has its own transaction control ({} at line {})", statement.kind, statement.line);
      }
    }
    for (const auto& statement : analysis.statements) {
      if (statement.foreign_keys_pragma) {
        return fmt::format("it sets PRAGMA foreign_keys (line {}), which SQLite ignores inside a transaction",
                           statement.line);
      }
      if (statement.non_transactional) {
        return fmt::format("{} at line {} cannot run inside a transaction", statement.kind, statement.line);
      }
    }
    return "";
  }

  // Runs `script` statement by statement, as rusqlite's execute_batch does
  // (each statement autocommits unless a transaction is open), stepping
  // row-returning statements to their end and ignoring the rows.
  std::optional<ScriptFailure>
  run_script(const std::string& script, const ScriptAnalysis& analysis)
  {
    sqlite3* handle = m_database->getHandle();
    InterruptOnCancel interrupt_on_cancel(handle);
    const char* const begin = script.c_str();
    const char* const end = begin + script.size();
    const char* tail = begin;
    std::size_t done = 0;
    // Statements are in offset order and the tail only moves forward.
    auto statement = analysis.statements.begin();
    while (tail < end) {
      ScriptFailure failed;
      const auto offset = static_cast<std::size_t>(tail - begin);
      while (statement != analysis.statements.end() && statement->offset < offset) {
        ++statement;
      }
      if (statement != analysis.statements.end()) {
        failed.line = statement->line;
        failed.column = statement->column;
      }
      failed.statements_done = done;
      if (const int signal_number = util::SignalWatcher::instance().cancel_signal(); signal_number != 0) {
        failed.cancel_signal = signal_number;
        return failed;
      }
      sqlite3_stmt* prepared = nullptr;
      const char* next = nullptr;
      // The length includes the terminating NUL: without it SQLite copies
      // the whole rest of the script on every prepare, which made a 10 MB
      // migration of 10,000 statements take a minute.
      int result = sqlite3_prepare_v2(handle, tail, static_cast<int>(end - tail) + 1, &prepared, &next);
      if (result == SQLITE_OK && prepared != nullptr) {
        do {
          result = sqlite3_step(prepared);
        } while (result == SQLITE_ROW);
        if (result == SQLITE_DONE) {
          result = SQLITE_OK;
        }
      }
      if (result != SQLITE_OK) {
        failed.extended_code = sqlite3_extended_errcode(handle);
        failed.message = sqlite3_errmsg(handle);
        sqlite3_finalize(prepared);
        if ((failed.extended_code & 0xff) == SQLITE_INTERRUPT) {
          failed.cancel_signal = util::SignalWatcher::instance().cancel_signal();
        }
        return failed;
      }
      if (prepared != nullptr) {
        ++done;
      }
      sqlite3_finalize(prepared);
      tail = next;
    }
    return std::nullopt;
  }

  std::string
  database_error_text(const LocalMigration& migration, const ScriptFailure& failed) const
  {
    return fmt::format("{}\n    at {}/migration.sql:{}:{}", failed.message, migration.name, failed.line,
                       failed.column);
  }

  void
  insert_started_row(const std::string& id,
                     const std::string& checksum,
                     const std::string& name,
                     std::int64_t started_at,
                     const std::optional<std::string>& logs)
  {
    // PE SC/sql_migration_persistence.rs, record_migration_started_impl (+ logs for a failed row).
    SQLite::Statement insert(*m_database,
                             "INSERT INTO `_prisma_migrations` (`id`, `checksum`, `started_at`, `migration_name`, "
                             "`logs`) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, id);
    insert.bind(2, checksum);
    insert.bind(3, static_cast<std::int64_t>(started_at));
    insert.bind(4, name);
    if (logs) {
      insert.bind(5, *logs);
    } else {
      insert.bind(5);
    }
    insert.exec();
  }

  // record_successful_step, then record_migration_finished, as Prisma does.
  void
  finish_row(const std::string& id)
  {
    SQLite::Statement step(*m_database,
                           "UPDATE `_prisma_migrations` SET `applied_steps_count` = (`applied_steps_count` + ?) "
                           "WHERE `id` = ?");
    step.bind(1, 1);
    step.bind(2, id);
    step.exec();
    SQLite::Statement finished(*m_database, "UPDATE `_prisma_migrations` SET `finished_at` = ? WHERE `id` = ?");
    finished.bind(1, static_cast<std::int64_t>(util::unix_millis(util::now_utc())));
    finished.bind(2, id);
    finished.exec();
  }

  void
  set_logs(const std::string& id, const std::string& logs)
  {
    SQLite::Statement update(*m_database, "UPDATE `_prisma_migrations` SET `logs` = ? WHERE `id` = ?");
    update.bind(1, logs);
    update.bind(2, id);
    update.exec();
  }

  void
  roll_back_open_transaction()
  {
    sqlite3* handle = m_database->getHandle();
    if (sqlite3_get_autocommit(handle) == 0) {
      sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  // D8: the row and the script commit together; an SQL error rolls both
  // back and then leaves the failed row Prisma would leave.
  void
  apply_in_transaction(const LocalMigration& migration, const std::string& checksum, const ScriptAnalysis& analysis)
  {
    const std::string id = util::uuid_v4();
    const auto started_at = util::unix_millis(util::now_utc());
    const std::string action = fmt::format("apply migration `{}` to", migration.name);
    std::optional<ScriptFailure> failed;
    try {
      m_database->exec("BEGIN IMMEDIATE");
      insert_started_row(id, checksum, migration.name, started_at, std::nullopt);
      failed = run_script(*migration.script, analysis);
      if (!failed) {
        finish_row(id);
        m_database->exec("COMMIT");
        return;
      }
    } catch (const SQLite::Exception& exception) {
      roll_back_open_transaction();
      throw failure(action, exception.getExtendedErrorCode(), exception.what());
    }
    roll_back_open_transaction();
    if (failed->cancel_signal != 0) {
      throw Error(signal_exit_code(failed->cancel_signal),
                  fmt::format("Migration `{}` was cancelled by {} and rolled back: nothing of it is applied or "
                              "recorded in {}.",
                              migration.name, config::signal_name(failed->cancel_signal), describe()));
    }
    if (is_environment_error(failed->extended_code)) {
      throw failure(action, failed->extended_code, failed->message);
    }
    const std::string message =
      p3018_message(migration.name, std::to_string(failed->extended_code), database_error_text(migration, *failed));
    try {
      SQLite::Transaction transaction(*m_database);
      insert_started_row(id, checksum, migration.name, started_at, message);
      transaction.commit();
    } catch (const SQLite::Exception& exception) {
      throw failure(fmt::format("record the failure of migration `{}` in", migration.name),
                    exception.getExtendedErrorCode(), exception.what());
    }
    throw MigrationFailed(message);
  }

  static bool
  only_foreign_keys_pragmas_stand_in_the_way(const ScriptAnalysis& analysis)
  {
    return std::none_of(analysis.statements.begin(), analysis.statements.end(), [](const Statement& statement) {
      return statement.transaction_control || statement.non_transactional;
    });
  }

  // The value a `PRAGMA foreign_keys = …` statement sets.
  static bool
  foreign_keys_value(const Statement& statement)
  {
    const auto start = statement.text.find_first_of("=(");
    std::string value;
    for (auto i = start == std::string::npos ? statement.text.size() : start + 1; i < statement.text.size(); ++i) {
      const auto c = static_cast<unsigned char>(statement.text[i]);
      if (std::isalnum(c)) {
        value.push_back(static_cast<char>(std::tolower(c)));
      } else if (!value.empty()) {
        break;
      }
    }
    return !(value == "off" || value == "0" || value == "false" || value == "no");
  }

  // Prisma's RedefineTables turns foreign keys off around a table rebuild, a
  // pragma SQLite ignores inside a transaction. Setting it on the connection
  // before BEGIN (and to the script's last value after COMMIT) gives the same
  // result as Prisma's statement-by-statement run, in one atomic commit
  // instead of one commit per statement.
  void
  apply_with_foreign_keys_around(const LocalMigration& migration,
                                 const std::string& checksum,
                                 const ScriptAnalysis& analysis)
  {
    std::optional<bool> first;
    bool last = true;
    for (const auto& statement : analysis.statements) {
      if (statement.foreign_keys_pragma) {
        last = foreign_keys_value(statement);
        if (!first) {
          first = last;
        }
      }
    }
    auto set_foreign_keys = [this](bool on) {
      m_database->exec(on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
    };
    spdlog::debug("Migration `{}` sets PRAGMA foreign_keys: foreign keys are {} for its transaction", migration.name,
                  first.value_or(true) ? "on" : "off");
    set_foreign_keys(first.value_or(true));
    try {
      apply_in_transaction(migration, checksum, analysis);
    } catch (...) {
      set_foreign_keys(true);
      throw;
    }
    set_foreign_keys(last);
  }

  // Prisma's sequence (contract §4 step 6): row autocommitted, the script as
  // a batch, then the row finished or its logs set.
  void
  apply_as_prisma_does(const LocalMigration& migration, const std::string& checksum, const ScriptAnalysis& analysis)
  {
    const std::string id = util::uuid_v4();
    const std::string action = fmt::format("apply migration `{}` to", migration.name);
    std::optional<ScriptFailure> failed;
    try {
      insert_started_row(id, checksum, migration.name, util::unix_millis(util::now_utc()), std::nullopt);
      failed = run_script(*migration.script, analysis);
      if (!failed && sqlite3_get_autocommit(m_database->getHandle()) == 0) {
        // A BEGIN without COMMIT: closing the connection would roll it back
        // after the row says "finished". Treat it as the error it is.
        failed = ScriptFailure{SQLITE_ERROR, "the script ends inside a transaction (BEGIN without COMMIT)", 1, 1, 0,
                               analysis.statements.size()};
      }
      if (!failed) {
        finish_row(id);
        return;
      }
      // Prisma would set logs inside the script's still open transaction,
      // where the rollback at exit loses them: close it first.
      roll_back_open_transaction();
      if (failed->cancel_signal != 0) {
        set_logs(id,
                 fmt::format("Cancelled by {} at {}/migration.sql:{}:{}. The migration ran without a wrapping "
                             "transaction: the {} statement(s) before that point stay applied. Check the database, "
                             "then run `migrate resolve --rolled-back` or `--applied` for `{}`.",
                             config::signal_name(failed->cancel_signal), migration.name, failed->line, failed->column,
                             failed->statements_done, migration.name));
      }
    } catch (const SQLite::Exception& exception) {
      roll_back_open_transaction();
      throw failure(action, exception.getExtendedErrorCode(), exception.what());
    }
    if (failed->cancel_signal != 0) {
      throw Error(signal_exit_code(failed->cancel_signal),
                  fmt::format("Migration `{}` was cancelled by {}; it ran without a wrapping transaction, so it is "
                              "left failed in {}: see its logs.",
                              migration.name, config::signal_name(failed->cancel_signal), describe()));
    }
    const std::string message =
      p3018_message(migration.name, std::to_string(failed->extended_code), database_error_text(migration, *failed));
    try {
      set_logs(id, message);
    } catch (const SQLite::Exception& exception) {
      throw failure(fmt::format("record the failure of migration `{}` in", migration.name),
                    exception.getExtendedErrorCode(), exception.what());
    }
    if (is_environment_error(failed->extended_code)) {
      throw failure(action, failed->extended_code, failed->message);
    }
    throw MigrationFailed(message);
  }

  std::filesystem::path m_path;
  StoreOptions m_options;
  std::unique_ptr<SQLite::Database> m_database;
};

} // namespace

std::unique_ptr<MigrationStore>
open_sqlite_store(const db::DatabaseUrl& url, const StoreOptions& options)
{
  return std::make_unique<SqliteMigrationStore>(url.sqlite_path, options);
}

} // namespace rastar::migrate
