// SQLite's online backup into a backup directory, on real database files.

#include "cli_migrate_test_support.hpp"

#include <rastar/backup/backup_file_name.hpp>
#include <rastar/backup/sqlite_backup.hpp>
#include <rastar/util/error.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

namespace fs = std::filesystem;
using namespace rastar;
using namespace rastar::test;

namespace {

std::vector<fs::path>
files_in(const fs::path& directory)
{
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void
fill(const fs::path& database, int rows)
{
  sqlite_execute(database, "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                           "CREATE INDEX item_name ON item (name);"
                           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                             std::to_string(rows) +
                             ") INSERT INTO item (name) SELECT printf('item %08d with some padding text', i) FROM n;");
}

} // namespace

TEST_CASE("backup::back_up_sqlite_file")
{
  TestDirectory directory;
  const auto database = fs::absolute("data/rastar.db");
  fs::create_directories(database.parent_path());
  fill(database, 2000);
  backup::BackupRequest request;
  request.directory = backup::default_sqlite_backup_directory(database);
  request.label = "20250101000000_init";

  SUBCASE("a checked copy under the pattern's name, with the same rows, and no partial file left")
  {
    const auto result = backup::back_up_sqlite_file(database, request);
    CHECK(result.file.parent_path() == fs::absolute("data/backups"));
    CHECK(backup::is_backup_file_name(result.file.filename().string(), "rastar.db", ".bak"));
    CHECK(result.file.filename().string().ends_with(".20250101000000_init.bak"));
    CHECK(result.bytes == fs::file_size(result.file));
    CHECK(files_in(request.directory) == std::vector<fs::path>{result.file});
    CHECK(sqlite_rows(result.file, "SELECT count(*), max(name) FROM item") ==
          std::vector<std::string>{"2000|item 00002000 with some padding text"});
    CHECK(sqlite_rows(result.file, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  }

  SUBCASE("while another connection is in the middle of a write, the copy has the committed state")
  {
    sqlite_execute(database, "PRAGMA journal_mode=WAL");
    SQLite::Database writer(database.string(), SQLite::OPEN_READWRITE);
    writer.exec("BEGIN IMMEDIATE; DELETE FROM item WHERE id > 10;");
    const auto result = backup::back_up_sqlite_file(database, request);
    writer.exec("COMMIT");
    // One self-contained file, still in WAL mode as its original, with no -wal or -shm beside it.
    CHECK(files_in(request.directory) == std::vector<fs::path>{result.file});
    CHECK(sqlite_rows(result.file, "PRAGMA journal_mode") == std::vector<std::string>{"wal"});
    CHECK(sqlite_rows(result.file, "SELECT count(*) FROM item") == std::vector<std::string>{"2000"});
    CHECK(sqlite_rows(database, "SELECT count(*) FROM item") == std::vector<std::string>{"10"});
  }

  SUBCASE("rotation keeps the newest `keep`, the new one included")
  {
    request.keep = 2;
    std::vector<fs::path> made;
    for (int i = 0; i < 4; ++i) {
      request.label = "m" + std::to_string(i);
      made.push_back(backup::back_up_sqlite_file(database, request).file);
    }
    CHECK(files_in(request.directory) == std::vector<fs::path>{made[2], made[3]});
  }

  SUBCASE("a directory that cannot be created stops it, naming both paths")
  {
    write_file("blocker", "a regular file where a directory should be");
    request.directory = fs::absolute("blocker/backups");
    CHECK_THROWS_WITH_AS(backup::back_up_sqlite_file(database, request),
                         ("could not back up " + database.string() + " into " + request.directory.string() +
                          ": the directory cannot be created (Not a directory)")
                           .c_str(),
                         Error);
  }

  SUBCASE("a missing database")
  {
    CHECK_THROWS_WITH_AS(backup::back_up_sqlite_file(fs::absolute("data/missing.db"), request),
                         ("there is nothing to back up: " + fs::absolute("data/missing.db").string() +
                          " does not exist; check DATABASE_URL")
                           .c_str(),
                         Error);
    CHECK_FALSE(fs::exists(request.directory));
  }

  SUBCASE("a damaged database gives no backup under the final name")
  {
    // Overwrite the middle of the file (table and index pages) with garbage.
    const auto size = fs::file_size(database);
    {
      std::fstream file(database, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(static_cast<std::streamoff>(size / 2));
      const std::string garbage(16384, '\x5a');
      file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    std::string message;
    try {
      backup::back_up_sqlite_file(database, request);
    } catch (const Error& error) {
      message = error.what();
      CHECK(error.code() == ExitCode::migration_failed);
    }
    CAPTURE(message);
    CHECK(message.starts_with("could not back up " + database.string() + " into " + request.directory.string() +
                              ": the copy failed PRAGMA quick_check ("));
    CHECK(message.ends_with("database disk image is malformed); run PRAGMA integrity_check on the database "
                            "itself"));
    CHECK(files_in(request.directory).empty());
  }
}
