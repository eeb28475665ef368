#include <rastar/backup/sqlite_backup.hpp>

#include <rastar/backup/backup_file_name.hpp>
#include <rastar/util/error.hpp>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace rastar::backup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_backup_extension = ".bak";

// How long the on-demand backup waits for a writer's lock before giving up.
constexpr int k_busy_timeout_ms = 10000;

[[noreturn]] void
fail(const fs::path& database_path, const fs::path& directory, const std::string& reason)
{
  throw migration_error(
    fmt::format("could not back up {} into {}: {}", database_path.string(), directory.string(), reason));
}

// fsync(2) on a file or, with `directory`, on a directory, so that the
// rename that follows (or just happened) survives a power cut.
void
sync_path(const fs::path& path, bool directory)
{
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) {
    throw std::runtime_error(fmt::format("opening {} to sync it: {}", path.string(), std::strerror(errno)));
  }
  const int result = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (result != 0) {
    throw std::runtime_error(fmt::format("syncing {}: {}", path.string(), std::strerror(saved)));
  }
}

// `PRAGMA quick_check` on the copy: "" when it says "ok", else the problems
// it lists. Read-write on purpose: a copy of a WAL database is a WAL database,
// and only a writable connection removes the -wal and -shm files it opens
// them with when it closes, leaving the backup one self-contained file.
std::string
quick_check(const fs::path& copy)
{
  SQLite::Database database(copy.string(), SQLite::OPEN_READWRITE);
  std::string problems;
  try {
    SQLite::Statement statement(database, "PRAGMA quick_check");
    while (statement.executeStep()) {
      const std::string row = statement.getColumn(0).getString();
      if (row != "ok") {
        problems += problems.empty() ? row : "; " + row;
      }
    }
  } catch (const SQLite::Exception& exception) {
    // Damage bad enough stops the check itself (SQLITE_CORRUPT).
    problems += problems.empty() ? exception.what() : std::string("; ") + exception.what();
  }
  return problems;
}

void
remove_partial(const fs::path& partial)
{
  std::error_code ignored;
  fs::remove(partial, ignored);
  for (const char* suffix : {"-journal", "-wal", "-shm"}) {
    fs::remove(partial.string() + suffix, ignored);
  }
}

void
copy_pages(SQLite::Database& source, const fs::path& partial)
{
  SQLite::Database destination(partial.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Backup backup(destination, "main", source, "main");
  // All pages in one step: the source stays readable for other connections
  // (and writable in WAL mode), and a step never restarts halfway.
  const int result = backup.executeStep(-1);
  if (result != SQLITE_DONE) {
    throw std::runtime_error(result == SQLITE_BUSY || result == SQLITE_LOCKED
                               ? "the database stayed locked by another process; try again when it is idle"
                               : fmt::format("the backup stopped with SQLite code {} ({})", result,
                                             sqlite3_errstr(result)));
  }
}

} // namespace

fs::path
default_sqlite_backup_directory(const fs::path& database_path)
{
  return database_path.parent_path() / "backups";
}

BackupResult
back_up_sqlite(SQLite::Database& source, const fs::path& database_path, const BackupRequest& request)
{
  const auto started = std::chrono::steady_clock::now();
  const auto& directory = request.directory;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory)) {
    fail(database_path, directory,
         fmt::format("the directory cannot be created ({})",
                     error ? error.message() : "a file of that name is in the way"));
  }
  const auto prefix = database_path.filename().string();
  const auto name = backup_file_name(prefix, util::now_utc(), request.label, k_backup_extension);
  const auto final_path = directory / name;
  // A leading dot keeps the partial file out of the rotation's pattern.
  const auto partial = directory / ("." + name + ".partial");
  if (fs::exists(final_path, error)) {
    fail(database_path, directory, fmt::format("{} already exists", final_path.string()));
  }

  try {
    copy_pages(source, partial);
    const auto problems = quick_check(partial);
    if (!problems.empty()) {
      throw std::runtime_error(fmt::format(
        "the copy failed PRAGMA quick_check ({}); run PRAGMA integrity_check on the database itself", problems));
    }
    sync_path(partial, false);
    fs::rename(partial, final_path);
    sync_path(directory, true);
  } catch (const SQLite::Exception& exception) {
    remove_partial(partial);
    fail(database_path, directory, exception.what());
  } catch (const std::exception& exception) {
    remove_partial(partial);
    fail(database_path, directory, exception.what());
  }

  BackupResult result;
  result.file = final_path;
  result.bytes = fs::file_size(final_path, error);
  result.removed = rotate_backups(directory, prefix, k_backup_extension, request.keep);
  spdlog::info("backed up {} to {} ({} bytes) in {} ms{}", database_path.string(), final_path.string(), result.bytes,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                 .count(),
               result.removed.empty() ? ""
                                      : fmt::format("; deleted {} older backup{} (keep: {})", result.removed.size(),
                                                    result.removed.size() == 1 ? "" : "s", request.keep));
  return result;
}

BackupResult
back_up_sqlite_file(const fs::path& database_path, const BackupRequest& request)
{
  std::error_code error;
  if (!fs::is_regular_file(database_path, error)) {
    throw migration_error(fmt::format("there is nothing to back up: {} does not exist; check DATABASE_URL",
                                      database_path.string()));
  }
  std::unique_ptr<SQLite::Database> source;
  try {
    source = std::make_unique<SQLite::Database>(database_path.string(), SQLite::OPEN_READONLY, k_busy_timeout_ms);
  } catch (const SQLite::Exception& exception) {
    fail(database_path, request.directory, exception.what());
  }
  return back_up_sqlite(*source, database_path, request);
}

} // namespace rastar::backup
