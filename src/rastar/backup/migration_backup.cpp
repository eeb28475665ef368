#include <rastar/backup/migration_backup.hpp>

#include <rastar/backup/backup_command.hpp>
#include <rastar/util/error.hpp>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace rastar::backup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_what_to_do =
  "; no migration was applied. Make the directory writable or set backup.directory to one that is, or skip the "
  "backup with --no-backup (backup: {enabled: false} in the config)";

constexpr std::string_view k_command_what_to_do =
  "; no migration was applied. Fix backup.command, or skip the backup with --no-backup (backup: {enabled: false} in "
  "the config)";

// A database that holds nothing yet has nothing worth a backup: its first
// deploy would otherwise leave one empty file per fresh container.
bool
holds_nothing(SQLite::Database& database)
{
  const int tables = database.execAndGet("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT "
                                         "LIKE 'sqlite_%' AND name <> '_prisma_migrations'")
                       .getInt();
  if (tables > 0) {
    return false;
  }
  return !database.tableExists("_prisma_migrations") ||
         database.execAndGet("SELECT count(*) FROM _prisma_migrations").getInt() == 0;
}

BackupRequest
request_for(const BackupConfig& config, const db::DatabaseUrl& url, std::string label)
{
  BackupRequest request;
  request.directory = backup_directory(config, url);
  request.keep = config.keep;
  request.label = std::move(label);
  return request;
}

} // namespace

fs::path
backup_directory(const BackupConfig& config, const db::DatabaseUrl& url)
{
  if (config.directory) {
    return *config.directory;
  }
  if (url.provider == db::Provider::sqlite) {
    return default_sqlite_backup_directory(url.sqlite_path);
  }
  return fs::absolute("backups");
}

std::function<void(const std::vector<const migrate::LocalMigration*>&)>
backup_before_migrations(migrate::MigrationStore& store, const db::DatabaseUrl& url, const BackupConfig& config)
{
  if (!config.enabled) {
    spdlog::info("backups before migrations are turned off");
    return {};
  }
  if (url.provider == db::Provider::postgresql) {
    if (config.command.empty()) {
      return {};
    }
    return [url, config](const std::vector<const migrate::LocalMigration*>& pending) {
      try {
        run_backup_command(url, config.command, request_for(config, url, pending.front()->name));
      } catch (const Error& error) {
        if (error.code() != ExitCode::migration_failed) {
          throw;
        }
        throw migration_error(error.what() + std::string(k_command_what_to_do));
      }
    };
  }
  if (!config.command.empty()) {
    spdlog::warn("backup.command is for PostgreSQL; SQLite is backed up through its online backup API instead");
  }
  return [&store, url, config](const std::vector<const migrate::LocalMigration*>& pending) {
    auto* database = store.connection().sqlite;
    if (database == nullptr) {
      throw Error(ExitCode::internal, "the SQLite store has no connection to back up");
    }
    if (holds_nothing(*database)) {
      spdlog::info("not backing up {}: it holds no data yet", url.sqlite_path.string());
      return;
    }
    try {
      back_up_sqlite(*database, url.sqlite_path, request_for(config, url, pending.front()->name));
    } catch (const Error& error) {
      throw migration_error(error.what() + std::string(k_what_to_do));
    }
  };
}

BackupResult
back_up_now(const db::DatabaseUrl& url, const BackupConfig& config)
{
  if (url.provider == db::Provider::sqlite) {
    return back_up_sqlite_file(url.sqlite_path, request_for(config, url, ""));
  }
  if (config.command.empty()) {
    throw config_error(fmt::format("no backup command is configured for {}: rastar-init backs PostgreSQL up only "
                                   "through one; set backup.command in the config (for example pg_dump "
                                   "--format=custom --file=\"$$RASTAR_BACKUP_PATH\" with shell: true)",
                                   url.redacted));
  }
  return run_backup_command(url, config.command, request_for(config, url, ""));
}

} // namespace rastar::backup
