#include "test_support.hpp"

#include <rastar/migrate/migration_store_sqlite.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/sha256.hpp>
#include <rastar/util/time.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/process.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <regex>
#include <thread>
#include <unistd.h>

namespace bp = boost::process;
using namespace rastar;
using namespace rastar::migrate;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_expected_ddl = "CREATE TABLE \"_prisma_migrations\" (\n"
                                       "    \"id\"                    TEXT PRIMARY KEY NOT NULL,\n"
                                       "    \"checksum\"              TEXT NOT NULL,\n"
                                       "    \"finished_at\"           DATETIME,\n"
                                       "    \"migration_name\"        TEXT NOT NULL,\n"
                                       "    \"logs\"                  TEXT,\n"
                                       "    \"rolled_back_at\"        DATETIME,\n"
                                       "    \"started_at\"            DATETIME NOT NULL DEFAULT current_timestamp,\n"
                                       "    \"applied_steps_count\"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n"
                                       ")";

constexpr const char* k_p3018_header =
  "A migration failed to apply. New migrations cannot be applied before the error is recovered from. Read more "
  "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n";

db::DatabaseUrl
sqlite_url(const std::filesystem::path& path)
{
  db::DatabaseUrl url;
  url.provider = db::Provider::sqlite;
  url.sqlite_path = std::filesystem::absolute(path);
  url.redacted = "file:" + url.sqlite_path.string();
  return url;
}

std::unique_ptr<MigrationStore>
open_store(const std::filesystem::path& path, bool read_only = false)
{
  StoreOptions options;
  options.read_only = read_only;
  return open_sqlite_store(sqlite_url(path), options);
}

LocalMigration
migration(const std::string& name, const std::string& script)
{
  return LocalMigration{name, std::filesystem::current_path() / "migrations" / name, script};
}

// Every row of `sql` on a connection of its own, columns joined with '|', NULL as <null>.
std::vector<std::string>
query(const std::filesystem::path& path, const std::string& sql)
{
  SQLite::Database database(path, SQLite::OPEN_READONLY);
  SQLite::Statement statement(database, sql);
  std::vector<std::string> rows;
  while (statement.executeStep()) {
    std::string row;
    for (int i = 0; i < statement.getColumnCount(); ++i) {
      row += (i ? "|" : "") + (statement.getColumn(i).isNull() ? "<null>" : statement.getColumn(i).getString());
    }
    rows.push_back(row);
  }
  return rows;
}

void
execute(const std::filesystem::path& path, const std::string& sql)
{
  SQLite::Database database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  database.exec(sql);
}

// Whether another connection can take a write lock at once.
bool
is_write_locked(const std::filesystem::path& path)
{
  sqlite3* handle = nullptr;
  sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr);
  const int result = sqlite3_exec(handle, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (result == SQLITE_OK) {
    sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  sqlite3_close(handle);
  return result == SQLITE_BUSY;
}

std::int64_t
now_millis()
{
  return util::unix_millis(util::now_utc());
}

// Sets an environment variable for one scope.
class ScopedEnvironment
{
public:
  ScopedEnvironment(const char* name, const char* value)
    : m_name(name)
  {
    setenv(name, value, 1);
  }
  ~ScopedEnvironment()
  {
    unsetenv(m_name);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

private:
  const char* m_name;
};

// The sqlite3 command-line shell in another process, fed through a pipe.
class SqliteShell
{
public:
  explicit SqliteShell(const std::filesystem::path& path)
    : m_child(bp::search_path("sqlite3"), path.string(), bp::std_in < m_input, bp::std_out > bp::null,
              bp::std_err > bp::null)
  {
  }
  ~SqliteShell()
  {
    if (m_child.running()) {
      m_child.terminate();
    }
  }
  SqliteShell(const SqliteShell&) = delete;
  SqliteShell& operator=(const SqliteShell&) = delete;

  void
  send(const std::string& text)
  {
    m_input << text << std::flush;
  }

  void
  quit()
  {
    send(".quit\n");
    m_input.pipe().close();
    m_child.wait();
  }

  pid_t
  pid() const
  {
    return m_child.id();
  }

private:
  bp::opstream m_input;
  bp::child m_child;
};

// Runs this test binary's `test_case` (a child role, skipped in normal runs)
// with `environment`, so that a signal sent to it cannot reach this process.
bp::child
start_child_role(const std::string& test_case, const std::string& database_path)
{
  auto environment = boost::this_process::environment();
  environment["RASTAR_TEST_SQLITE_CHILD_DB"] = database_path;
  return bp::child(std::filesystem::read_symlink("/proc/self/exe").string(), "--no-skip", "--test-case=" + test_case,
                   environment, bp::std_out > bp::null, bp::std_err > stderr);
}

int
wait_with_timeout(bp::child& child, std::chrono::seconds timeout)
{
  if (!child.wait_for(timeout)) {
    child.terminate();
    FAIL("the child did not finish in time");
  }
  return child.exit_code();
}

const char*
child_database()
{
  return std::getenv("RASTAR_TEST_SQLITE_CHILD_DB");
}

// The child role leaves this beside the database once its checks ran, so a
// child that matched no test case cannot pass for one that succeeded.
std::filesystem::path
child_marker(const std::filesystem::path& database)
{
  return database.string() + ".checked";
}

// A statement that keeps SQLite busy for minutes without writing much.
constexpr const char* k_slow_statement =
  "INSERT INTO slow SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT "
  "4000000000) SELECT x FROM c);\n";

} // namespace

TEST_CASE("open_sqlite_store")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "data" / "nested" / "dev.db";

  SUBCASE("read-only never creates the file or its directory")
  {
    auto store = open_store(path, true);
    CHECK_FALSE(store->exists());
    CHECK(store->list_tables().empty());
    CHECK_FALSE(store->load_rows().has_value());
    CHECK_FALSE(std::filesystem::exists(directory.path() / "data"));
    CHECK(store->describe() == "SQLite database " + path.string());
  }

  SUBCASE("writable creates the missing directories and the file, as Prisma does")
  {
    auto store = open_store(path);
    CHECK(store->exists());
    CHECK(std::filesystem::is_regular_file(path));
    CHECK(store->list_tables().empty());
    CHECK_FALSE(store->load_rows().has_value());
  }

  SUBCASE("read-only reads an existing file and refuses to write")
  {
    std::filesystem::create_directories(path.parent_path());
    execute(path, "CREATE TABLE a (x)");
    auto store = open_store(path, true);
    CHECK(store->exists());
    CHECK(store->list_tables() == std::vector<std::string>{"a"});
    CHECK_THROWS_WITH_AS(store->create_migrations_table(),
                         ("Cannot create the _prisma_migrations table on SQLite database " + path.string()
                          + ": it was opened read-only. This is a bug in rastar-init; please report it.")
                           .c_str(),
                         Error);
  }

  SUBCASE("a directory that cannot be created is named")
  {
    test::write_file(directory.path() / "file", "");
    const auto bad = directory.path() / "file" / "dev.db";
    try {
      open_store(bad);
      FAIL("expected an error");
    } catch (const Error& error) {
      CHECK(error.code() == ExitCode::database_unreachable);
      CHECK(std::string(error.what())
            == "Cannot create the directory " + (directory.path() / "file").string() + " for SQLite database "
                 + bad.string() + ": Not a directory. Create it, or point DATABASE_URL at a writable place.");
    }
  }
}

TEST_CASE("SqliteMigrationStore::create_migrations_table")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  auto store = open_store(path);
  store->create_migrations_table();

  // SQLite keeps the statement's text: Prisma's, byte for byte.
  CHECK(query(path, "SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'")
        == std::vector<std::string>{k_expected_ddl});
  CHECK(store->list_tables() == std::vector<std::string>{"_prisma_migrations"});
  REQUIRE(store->load_rows().has_value());
  CHECK(store->load_rows()->empty());
  // Prisma's plain CREATE TABLE: a second call fails, naming the file.
  CHECK_THROWS_WITH_AS(store->create_migrations_table(),
                       ("Cannot create the _prisma_migrations table in SQLite database " + path.string()
                        + ": table \"_prisma_migrations\" already exists.")
                         .c_str(),
                       Error);
}

TEST_CASE("SqliteMigrationStore::list_tables")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  execute(path, "CREATE TABLE spatial_ref_sys (x); CREATE TABLE \"SpatiaLite_History\" (x);"
                "CREATE TABLE \"Post\" (id INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO \"Post\" DEFAULT VALUES;"
                "CREATE VIEW v AS SELECT 1; CREATE INDEX i ON \"Post\" (id);");
  auto store = open_store(path);
  // SpatiaLite's tables are ignored in any case; views and indexes are not
  // tables; sqlite_sequence counts, as it does for Prisma.
  CHECK(store->list_tables() == std::vector<std::string>{"Post", "sqlite_sequence"});
}

TEST_CASE("SqliteMigrationStore::apply_migration")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  auto store = open_store(path);
  store->create_migrations_table();

  SUBCASE("success: one committed row as Prisma writes it")
  {
    const std::string script = "CREATE TABLE \"User\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT);\n"
                               "INSERT INTO \"User\" (\"name\") VALUES (\"internal\");\n";
    const auto before = now_millis();
    store->apply_migration(migration("20240101000000_init", script), util::sha256_hex(script));
    const auto after = now_millis();

    const auto rows = query(path, "SELECT id, checksum, typeof(started_at), started_at, typeof(finished_at), "
                                  "finished_at, migration_name, logs, rolled_back_at, applied_steps_count "
                                  "FROM _prisma_migrations");
    REQUIRE(rows.size() == 1);
    const std::regex row_pattern("([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\\|"
                                 "([0-9a-f]{64})\\|integer\\|([0-9]+)\\|integer\\|([0-9]+)\\|"
                                 "20240101000000_init\\|<null>\\|<null>\\|1");
    std::smatch match;
    REQUIRE(std::regex_match(rows[0], match, row_pattern));
    CHECK(match[2] == util::sha256_hex(script));
    const auto started_at = std::stoll(match[3]);
    const auto finished_at = std::stoll(match[4]);
    CHECK(started_at >= before);
    CHECK(started_at <= finished_at);
    CHECK(finished_at <= after);
    // Double-quoted string literals stay accepted, as Debian's SQLite does.
    CHECK(query(path, "SELECT name FROM \"User\"") == std::vector<std::string>{"internal"});

    const auto loaded = store->load_rows();
    REQUIRE(loaded.has_value());
    REQUIRE(loaded->size() == 1);
    CHECK(loaded->at(0).migration_name == "20240101000000_init");
    CHECK(util::unix_millis(loaded->at(0).started_at) == started_at);
    CHECK(util::unix_millis(*loaded->at(0).finished_at) == finished_at);
    CHECK_FALSE(loaded->at(0).logs.has_value());
    CHECK_FALSE(loaded->at(0).is_failed());
    CHECK(loaded->at(0).applied_steps_count == 1);
  }

  SUBCASE("an SQL error rolls the script back and leaves Prisma's failed row")
  {
    const std::string script = "CREATE TABLE a (x);\n\n  INSERT INTO missing VALUES (1);\nCREATE TABLE b (y);";
    const std::string expected = std::string(k_p3018_header)
                                 + "Migration name: 20240102000000_bad\n\nDatabase error code: 1\n\nDatabase error:\n"
                                   "no such table: missing\n    at 20240102000000_bad/migration.sql:3:3\n";
    CHECK_THROWS_WITH_AS(store->apply_migration(migration("20240102000000_bad", script), "abc"), expected.c_str(),
                         MigrationFailed);
    CHECK(query(path, "SELECT name FROM sqlite_master WHERE name IN ('a', 'b')").empty());
    CHECK(query(path, "SELECT checksum, typeof(started_at), finished_at, migration_name, logs, rolled_back_at, "
                      "applied_steps_count FROM _prisma_migrations")
          == std::vector<std::string>{"abc|integer|<null>|20240102000000_bad|" + expected + "|<null>|0"});
    const auto loaded = store->load_rows();
    REQUIRE(loaded->size() == 1);
    CHECK(loaded->at(0).is_failed());
    CHECK(loaded->at(0).logs == expected);
  }

  SUBCASE("the error code is SQLite's extended code")
  {
    const std::string script = "CREATE TABLE u (x UNIQUE);\nINSERT INTO u VALUES (1);\nINSERT INTO u VALUES (1);\n";
    const std::string expected = std::string(k_p3018_header)
                                 + "Migration name: 20240103000000_dup\n\nDatabase error code: 2067\n\n"
                                   "Database error:\nUNIQUE constraint failed: u.x\n"
                                   "    at 20240103000000_dup/migration.sql:3:1\n";
    CHECK_THROWS_WITH_AS(store->apply_migration(migration("20240103000000_dup", script), "abc"), expected.c_str(),
                         MigrationFailed);
    CHECK(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'u'") == std::vector<std::string>{"0"});
  }

  SUBCASE("a script with its own BEGIN … COMMIT and a row-returning pragma runs as Prisma runs it")
  {
    execute(path, "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p REFERENCES parent(id));"
                  "INSERT INTO child VALUES (7);");
    const std::string script = "BEGIN TRANSACTION;\nPRAGMA foreign_keys = OFF;\nCREATE TABLE a (x);\n"
                               "PRAGMA foreign_key_check;\nCOMMIT;\n";
    store->apply_migration(migration("20240104000000_own_tx", script), "abc");
    CHECK(query(path, "SELECT migration_name, finished_at IS NOT NULL, applied_steps_count, logs FROM "
                      "_prisma_migrations")
          == std::vector<std::string>{"20240104000000_own_tx|1|1|<null>"});
    CHECK(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'a'") == std::vector<std::string>{"1"});
  }

  SUBCASE("Prisma's RedefineTables pattern keeps the data and the foreign keys")
  {
    execute(path, "PRAGMA foreign_keys = ON;"
                  "CREATE TABLE \"Post\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"title\" TEXT);"
                  "CREATE TABLE \"Comment\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"postId\" INTEGER NOT NULL "
                  "REFERENCES \"Post\" (\"id\") ON DELETE CASCADE);"
                  "INSERT INTO \"Post\" VALUES (1, 'hello'); INSERT INTO \"Comment\" VALUES (1, 1);");
    const std::string script = "-- RedefineTables\nPRAGMA defer_foreign_keys=ON;\nPRAGMA foreign_keys=OFF;\n"
                               "CREATE TABLE \"new_Post\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"title\" TEXT NOT "
                               "NULL DEFAULT '');\n"
                               "INSERT INTO \"new_Post\" (\"id\", \"title\") SELECT \"id\", \"title\" FROM \"Post\";\n"
                               "DROP TABLE \"Post\";\nALTER TABLE \"new_Post\" RENAME TO \"Post\";\n"
                               "PRAGMA foreign_keys=ON;\nPRAGMA defer_foreign_keys=OFF";
    store->apply_migration(migration("20240105000000_redefine", script), "abc");
    // With foreign_keys really OFF the DROP TABLE did not cascade to Comment.
    CHECK(query(path, "SELECT count(*) FROM \"Comment\"") == std::vector<std::string>{"1"});
    CHECK(query(path, "SELECT title FROM \"Post\"") == std::vector<std::string>{"hello"});
    CHECK(query(path, "SELECT applied_steps_count, finished_at IS NOT NULL FROM _prisma_migrations")
          == std::vector<std::string>{"1|1"});
  }

  SUBCASE("a failure outside a transaction keeps what ran before it and sets logs, as Prisma does")
  {
    const std::string script = "CREATE TABLE kept (x);\nPRAGMA foreign_keys=OFF;\nCREATE TABLE broken (;\n";
    const std::string expected = std::string(k_p3018_header)
                                 + "Migration name: 20240106000000_partial\n\nDatabase error code: 1\n\n"
                                   "Database error:\nnear \";\": syntax error\n"
                                   "    at 20240106000000_partial/migration.sql:3:1\n";
    CHECK_THROWS_WITH_AS(store->apply_migration(migration("20240106000000_partial", script), "abc"), expected.c_str(),
                         MigrationFailed);
    CHECK(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'kept'") == std::vector<std::string>{"1"});
    CHECK(query(path, "SELECT finished_at, applied_steps_count, logs FROM _prisma_migrations")
          == std::vector<std::string>{"<null>|0|" + expected});
  }

  SUBCASE("a BEGIN without COMMIT fails instead of being rolled back at exit")
  {
    CHECK_THROWS_AS(store->apply_migration(migration("20240107000000_open", "BEGIN;\nCREATE TABLE t (x);"), "abc"),
                    MigrationFailed);
    CHECK(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 't'") == std::vector<std::string>{"0"});
    const auto rows = query(path, "SELECT finished_at, logs FROM _prisma_migrations");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].find("the script ends inside a transaction (BEGIN without COMMIT)") != std::string::npos);
  }

  SUBCASE("empty scripts, triggers and an unterminated last statement")
  {
    store->apply_migration(migration("20240108000000_empty", ""), util::sha256_hex(""));
    store->apply_migration(migration("20240109000000_trigger",
                                     "CREATE TABLE log (msg TEXT);\nCREATE TRIGGER t AFTER INSERT ON log "
                                     "WHEN new.msg = 'a;b' BEGIN\n  INSERT INTO log VALUES ('seen;');\nEND;\n"
                                     "INSERT INTO log VALUES ('a;b')"),
                           "abc");
    CHECK(query(path, "SELECT msg FROM log ORDER BY msg") == std::vector<std::string>{"a;b", "seen;"});
    CHECK(query(path, "SELECT migration_name, applied_steps_count FROM _prisma_migrations ORDER BY migration_name")
          == std::vector<std::string>{"20240108000000_empty|1", "20240109000000_trigger|1"});
  }

  SUBCASE("a full database is an error naming the file, with no failed row")
  {
    const std::string script = "PRAGMA max_page_count = 3;\nCREATE TABLE f1 (x);\nCREATE TABLE f2 (x);\n"
                               "CREATE TABLE f3 (x);\n";
    CHECK_THROWS_WITH_AS(store->apply_migration(migration("20240110000000_full", script), "abc"),
                         ("Cannot apply migration `20240110000000_full` to SQLite database " + path.string()
                          + ": database or disk is full. Free space on its file system, then run again.")
                           .c_str(),
                         Error);
    CHECK(query(path, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"0"});
    CHECK(query(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'f_'") == std::vector<std::string>{"0"});
  }

  SUBCASE("a migration without a readable migration.sql is Prisma's P3015")
  {
    auto missing = migration("20240111000000_gone", "");
    missing.script.reset();
    CHECK_THROWS_WITH_AS(store->apply_migration(missing, "abc"),
                         ("Could not find the migration file at " + missing.script_path().string()
                          + ". Please delete the directory or restore the migration file.")
                           .c_str(),
                         Error);
  }
}

TEST_CASE("SqliteMigrationStore on a read-only file")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  execute(path, "CREATE TABLE a (x)");
  // Root ignores permission bits, so as root the file is made immutable instead.
  const bool as_root = geteuid() == 0;
  const std::string protect = as_root ? "chattr +i " + path.string() : "chmod 0444 " + path.string();
  if (std::system((protect + " 2>/dev/null").c_str()) != 0) {
    MESSAGE("cannot make the file read-only here (no chattr on this file system); skipped");
    return;
  }
  struct Unprotect
  {
    std::string command;
    ~Unprotect()
    {
      [[maybe_unused]] const int ignored = std::system(command.c_str());
    }
  } unprotect{as_root ? "chattr -i " + path.string() : "chmod 0644 " + path.string()};

  auto store = open_store(path);
  CHECK(store->list_tables() == std::vector<std::string>{"a"});
  CHECK_THROWS_WITH_AS(store->create_migrations_table(),
                       ("Cannot create the _prisma_migrations table in SQLite database " + path.string()
                        + ": attempt to write a readonly database. Make the file and its directory writable for "
                          "this user, then run again.")
                         .c_str(),
                       Error);
}

TEST_CASE("SqliteMigrationStore::record_applied and mark_rolled_back")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  auto store = open_store(path);
  store->create_migrations_table();
  CHECK_THROWS_AS(store->apply_migration(migration("20240101000000_bad", "SELECT * FROM nothing"), "old"),
                  MigrationFailed);
  const auto failed_id = store->load_rows()->at(0).id;
  const util::SystemTime now{std::chrono::microseconds(1766141750794337)};

  SUBCASE("resolve --applied: the failed row is rolled back and a finished row inserted, in one transaction")
  {
    store->record_applied({failed_id}, "20240101000000_bad", "new", now);
    const auto rows = query(path, "SELECT id = '" + failed_id + "', checksum, started_at, finished_at, logs, "
                                  "rolled_back_at, applied_steps_count, typeof(logs) FROM _prisma_migrations "
                                  "ORDER BY rowid");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].starts_with("1|old|"));
    CHECK(rows[0].ends_with("|1766141750794|0|text"));
    CHECK(rows[1] == "0|new|1766141750794|1766141750794||<null>|0|text");
  }

  SUBCASE("resolve --rolled-back sets rolled_back_at in Unix milliseconds")
  {
    store->mark_rolled_back({failed_id}, now);
    CHECK(query(path, "SELECT typeof(rolled_back_at), rolled_back_at FROM _prisma_migrations")
          == std::vector<std::string>{"integer|1766141750794"});
    CHECK_FALSE(store->load_rows()->at(0).is_failed());
  }
}

TEST_CASE("SqliteMigrationStore::load_rows reads what Prisma reads")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  auto store = open_store(path);
  store->create_migrations_table();
  execute(path, "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('a', 'c', 'm1');"
                "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at) VALUES "
                "('b', 'c', 'm2', '2025-12-19T10:55:50.794+01:00', '2025-12-19 10:55:51');"
                "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES "
                "('c', 'c', 'm3', 1766141750794);");
  const auto rows = store->load_rows();
  REQUIRE(rows->size() == 3);
  // ORDER BY started_at: integers sort before text in SQLite, as Prisma sees it.
  CHECK(rows->at(0).migration_name == "m3");
  CHECK(util::unix_millis(rows->at(0).started_at) == 1766141750794);
  CHECK(util::iso8601_utc(rows->at(1).started_at) == "2025-12-19T09:55:50.794000Z");
  CHECK(util::iso8601_utc(*rows->at(1).finished_at) == "2025-12-19T10:55:51.000000Z");
  CHECK(rows->at(2).migration_name == "m1"); // DEFAULT current_timestamp text
  CHECK(rows->at(2).is_failed());

  execute(path, "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES "
                "('d', 'c', 'm4', '2025-12-19 10:55:50.794');");
  CHECK_THROWS_WITH_AS(store->load_rows(),
                       ("The `m4` row of _prisma_migrations in SQLite database " + path.string()
                        + " has started_at = '2025-12-19 10:55:50.794', which is neither Unix milliseconds nor a "
                          "date Prisma reads. Correct it (Prisma writes Unix milliseconds), then run again.")
                         .c_str(),
                       Error);
}

TEST_CASE("SqliteMigrationStore::lock")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";
  execute(path, "CREATE TABLE a (x)");

  SUBCASE("held until the store is gone: other connections and processes are locked out")
  {
    auto first = open_store(path);
    first->lock(1s);
    CHECK(is_write_locked(path));
    const auto shell = test::run({bp::search_path("sqlite3").string(), path.string(), "SELECT count(*) FROM a"});
    CHECK(shell.exit_code != 0);
    CHECK(shell.err.find("database is locked") != std::string::npos);
    // The holder itself keeps working.
    first->create_migrations_table();

    auto second = open_store(path);
    CHECK_THROWS_WITH_AS(second->lock(150ms),
                         ("Timed out after 150 ms waiting for the migration lock on SQLite database " + path.string()
                          + ": another process kept the file locked (held by pid " + std::to_string(getpid())
                          + " (unittest)). Let the other migration finish, or stop the process that holds the file, "
                            "then run again (the lock timeout is --lock-timeout).")
                           .c_str(),
                         Error);
    try {
      second->lock(10ms);
    } catch (const Error& error) {
      CHECK(error.code() == ExitCode::lock_timeout);
    }
    first.reset();
    second->lock(1s);
    CHECK(is_write_locked(path));
  }

  SUBCASE("a WAL database is locked the same way, and migrates while locked")
  {
    execute(path, "PRAGMA journal_mode=WAL");
    auto store = open_store(path);
    store->lock(1s);
    CHECK(is_write_locked(path));
    store->create_migrations_table();
    store->apply_migration(migration("20240101000000_wal", "CREATE TABLE w (x);"), "abc");
    store.reset();
    CHECK(query(path, "SELECT migration_name, applied_steps_count FROM _prisma_migrations")
          == std::vector<std::string>{"20240101000000_wal|1"});
  }

  SUBCASE("waits for another process and proceeds when it lets go")
  {
    SqliteShell shell(path);
    shell.send("BEGIN EXCLUSIVE;\n");
    REQUIRE(test::wait_until([&] { return is_write_locked(path); }));
    auto store = open_store(path);
    const auto start = std::chrono::steady_clock::now();
    auto locking = std::async(std::launch::async, [&] { store->lock(10s); });
    CHECK(locking.wait_for(300ms) == std::future_status::timeout);
    shell.send("COMMIT;\n");
    locking.get();
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);
    shell.quit();
  }

  SUBCASE("a waiter never blocks the holder's COMMIT (no shared lock kept between attempts)")
  {
    SqliteShell shell(path);
    shell.send(".timeout 3000\nBEGIN IMMEDIATE;\nINSERT INTO a VALUES ('from the shell');\n");
    REQUIRE(test::wait_until([&] { return is_write_locked(path); }));
    auto store = open_store(path);
    auto locking = std::async(std::launch::async, [&] { store->lock(10s); });
    std::this_thread::sleep_for(200ms);
    shell.send("COMMIT;\n");
    locking.get();
    shell.quit();
    store.reset();
    CHECK(query(path, "SELECT x FROM a") == std::vector<std::string>{"from the shell"});
  }

  SUBCASE("the timeout names the other process")
  {
    SqliteShell shell(path);
    shell.send("BEGIN EXCLUSIVE;\n");
    REQUIRE(test::wait_until([&] { return is_write_locked(path); }));
    auto store = open_store(path);
    CHECK_THROWS_WITH_AS(store->lock(100ms),
                         ("Timed out after 100 ms waiting for the migration lock on SQLite database " + path.string()
                          + ": another process kept the file locked (held by pid " + std::to_string(shell.pid())
                          + " (sqlite3)). Let the other migration finish, or stop the process that holds the file, "
                            "then run again (the lock timeout is --lock-timeout).")
                           .c_str(),
                         Error);
    shell.quit();
  }

  SUBCASE("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK takes no lock at all; \"0\" and \"\" do not disable it")
  {
    SqliteShell shell(path);
    shell.send("BEGIN EXCLUSIVE;\n");
    REQUIRE(test::wait_until([&] { return is_write_locked(path); }));
    auto store = open_store(path);
    {
      ScopedEnvironment disable("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK", "1");
      store->lock(100ms);
    }
    for (const char* value : {"0", ""}) {
      ScopedEnvironment keep("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK", value);
      CHECK_THROWS_AS(store->lock(20ms), Error);
    }
    shell.quit();
    ScopedEnvironment disable("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK", "true");
    store->lock(100ms);
    CHECK_FALSE(is_write_locked(path));
  }
}

// D2: a cancel signal interrupts the running statement and rolls back. The
// signal goes to a child process (this binary, running a child role below)
// because the process-wide signal watcher remembers the first cancel signal.
TEST_CASE("SqliteMigrationStore cancel")
{
  test::TestDirectory directory;
  const auto path = directory.path() / "dev.db";

  SUBCASE("during a transactional migration: nothing applied, nothing recorded")
  {
    auto child = start_child_role("sqlite store child: migration", path.string());
    // The child's transaction (BEGIN IMMEDIATE) shows as a write lock.
    REQUIRE(test::wait_until([&] { return std::filesystem::exists(path) && is_write_locked(path); }, 20s));
    std::this_thread::sleep_for(100ms);
    const auto start = std::chrono::steady_clock::now();
    kill(child.id(), SIGTERM);
    CHECK(wait_with_timeout(child, 30s) == 0);
    CHECK(std::filesystem::exists(child_marker(path)));
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    CHECK(query(path, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"0"});
    CHECK(query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'slow'") == std::vector<std::string>{"0"});
  }

  SUBCASE("while waiting for the lock")
  {
    execute(path, "CREATE TABLE a (x)");
    SqliteShell shell(path);
    shell.send("BEGIN EXCLUSIVE;\n");
    REQUIRE(test::wait_until([&] { return is_write_locked(path); }));
    auto child = start_child_role("sqlite store child: lock", path.string());
    std::this_thread::sleep_for(500ms);
    kill(child.id(), SIGTERM);
    CHECK(wait_with_timeout(child, 30s) == 0);
    CHECK(std::filesystem::exists(child_marker(path)));
    shell.quit();
  }
}

TEST_CASE("sqlite store child: migration" * doctest::skip())
{
  const char* database = child_database();
  REQUIRE(database != nullptr);
  auto store = open_store(database);
  store->create_migrations_table();
  const std::string script = std::string("CREATE TABLE slow (n);\n") + k_slow_statement;
  try {
    store->apply_migration(migration("20240101000000_slow", script), "abc");
    FAIL("the migration was not cancelled");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::sigterm);
    CHECK(std::string(error.what())
          == fmt::format("Migration `20240101000000_slow` was cancelled by SIGTERM and rolled back: nothing of it is "
                         "applied or recorded in SQLite database {}.",
                         database));
    test::write_file(child_marker(database), "");
  }
}

TEST_CASE("sqlite store child: lock" * doctest::skip())
{
  const char* database = child_database();
  REQUIRE(database != nullptr);
  auto store = open_store(database);
  try {
    store->lock(0ms);
    FAIL("the lock wait was not cancelled");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::sigterm);
    CHECK(std::string(error.what())
          == fmt::format("Stopped waiting for the migration lock on SQLite database {}: received SIGTERM.", database));
    test::write_file(child_marker(database), "");
  }
}
