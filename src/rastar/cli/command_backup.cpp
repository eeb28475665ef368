#include <rastar/backup/migration_backup.hpp>
#include <rastar/cli/command.hpp>
#include <rastar/cli/database_target.hpp>
#include <rastar/cli/output_format.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>

namespace rastar::cli {

namespace {

struct BackupFlags
{
  std::optional<int> keep;
  std::string directory;
};

int
run_backup(const TargetOptions& options, const BackupFlags& flags, const OutputFormat& format)
{
  const auto target = resolve_target(options);
  auto config = target.backup;
  if (flags.keep) {
    config.keep = *flags.keep;
  }
  if (!flags.directory.empty()) {
    config.directory = std::filesystem::absolute(flags.directory);
  }
  const auto result = backup::back_up_now(target.url, config);
  const auto database =
    target.url.provider == db::Provider::sqlite ? target.url.sqlite_path.string() : target.url.redacted;

  if (format.json()) {
    nlohmann::ordered_json removed = nlohmann::ordered_json::array();
    for (const auto& path : result.removed) {
      removed.push_back(path.string());
    }
    nlohmann::ordered_json json = {{"database", database},
                                   {"directory", backup::backup_directory(config, target.url).string()},
                                   {"file", result.file.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(result.file.string())},
                                   {"bytes", result.bytes},
                                   {"removed", removed}};
    fmt::print("{}\n", json.dump(2));
    return 0;
  }
  if (result.file.empty()) {
    fmt::print("The backup command of {} succeeded; it wrote nothing at RASTAR_BACKUP_PATH.\n", database);
  } else {
    fmt::print("Backed up {} to {} ({} bytes).\n", database, result.file.string(), result.bytes);
  }
  for (const auto& path : result.removed) {
    fmt::print("Deleted the old backup {} (keep: {}).\n", path.string(), config.keep);
  }
  return 0;
}

} // namespace

void
add_backup_command(CLI::App& app, ChosenCommand& chosen)
{
  auto* db = app.get_subcommand("db");
  auto options = std::make_shared<TargetOptions>();
  auto flags = std::make_shared<BackupFlags>();
  auto format = std::make_shared<OutputFormat>();
  auto* backup = db->add_subcommand(
    "backup", "Back the database up now, as before migrations: SQLite through its online backup API (safe while "
              "the apps run), PostgreSQL through the config's backup.command. Keeps the newest backup.keep "
              "backups (default 5)");
  backup->add_option("--url", options->url,
                     "Database URL (postgresql://… or file:…). Prefer DATABASE_URL: argv is visible to every "
                     "user, so rastar-init overwrites the password in its own argv with ****");
  backup->add_option("--schema", options->schema, "schema.prisma, whose datasource names the URL variable");
  backup->add_option("--config", options->config,
                     "Config file to read the database and the backup section from (or RASTAR_INIT_CONFIG)");
  backup->add_option("--keep", flags->keep, "How many backups of this database to keep, the new one included; 0 "
                                            "keeps all (default: backup.keep, else 5)")
    ->check(CLI::Range(0, 100000));
  backup->add_option("--directory", flags->directory,
                     "Where to write it (default: backup.directory, else backups/ beside the SQLite file, "
                     "./backups for PostgreSQL)");
  add_output_format(*backup, *format);
  backup->callback([&chosen, options, flags, format] {
    chosen.action = [options, flags, format] { return run_backup(*options, *flags, *format); };
  });
}

} // namespace rastar::cli
