#include <rastar/cli/database_target.hpp>

#include <rastar/config/config_file.hpp>
#include <rastar/config/duration.hpp>
#include <rastar/db/database_source.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/migrate/migration_store_postgres.hpp>
#include <rastar/migrate/migration_store_sqlite.hpp>
#include <rastar/util/error.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace rastar::cli {

namespace fs = std::filesystem;

namespace {

std::optional<std::string>
non_empty(const std::string& value)
{
  return value.empty() ? std::nullopt : std::optional<std::string>(value);
}

// Prisma's default schema locations, relative to the working directory.
std::optional<fs::path>
find_schema(const std::optional<fs::path>& configured)
{
  if (configured) {
    return configured;
  }
  for (const fs::path candidate : {"prisma/schema.prisma", "schema.prisma"}) {
    if (fs::exists(candidate)) {
      return fs::absolute(candidate);
    }
  }
  return std::nullopt;
}

std::chrono::milliseconds
lock_timeout_from(const std::string& flag, const std::optional<config::Config>& file)
{
  auto parse = [](const std::string& text, const std::string& where) {
    const auto parsed = config::parse_duration(text);
    if (!parsed) {
      throw config_error(fmt::format("{}: \"{}\" is not a duration; write it as 90s, 15m, 1h or 0 (forever)",
                                     where, text));
    }
    return *parsed;
  };
  if (!flag.empty()) {
    return parse(flag, "--lock-timeout");
  }
  if (file && file->database.lock_timeout) {
    return *file->database.lock_timeout;
  }
  if (const char* variable = std::getenv("RASTAR_LOCK_TIMEOUT"); variable && *variable) {
    return parse(variable, "RASTAR_LOCK_TIMEOUT");
  }
  return std::chrono::minutes(15);
}

} // namespace

void
add_target_options(CLI::App& command, TargetOptions& options)
{
  command.add_option("--url", options.url,
                     "Database URL (postgresql://… or file:…). Prefer DATABASE_URL: argv is visible to every "
                     "user, so rastar-init overwrites the password in its own argv with ****");
  command.add_option("--schema", options.schema,
                     "schema.prisma; its directory holds .env and, by default, migrations/ "
                     "(default: prisma/schema.prisma or schema.prisma when present)");
  command.add_option("--migrations", options.migrations,
                     "Migrations directory (default: <schema dir>/migrations, else prisma/migrations)");
  command.add_option("--config", options.config,
                     "Config file to read database settings from (or RASTAR_INIT_CONFIG); without either, "
                     "none is read");
  command.add_option("--lock-timeout", options.lock_timeout,
                     "How long to wait for the migration lock: 90s, 15m, 0 = forever (env "
                     "RASTAR_LOCK_TIMEOUT; default 15m)");
}

DatabaseTarget
resolve_target(const TargetOptions& options)
{
  // D4: database commands read a config only when one is named.
  std::optional<config::Config> file;
  if (const auto path = config::find_config_path(non_empty(options.config), false)) {
    config::LoadOptions load;
    load.accounts = config::AccountCheck::warn; // the services' users are `run`'s concern
    file = config::load_config_file(*path, load);
  }
  return resolve_target(options, file);
}

DatabaseTarget
resolve_target(const TargetOptions& options, const std::optional<config::Config>& file)
{
  DatabaseTarget target;
  target.schema = find_schema(!options.schema.empty() ? std::optional<fs::path>(fs::absolute(options.schema))
                                                      : (file ? file->schema : std::nullopt));

  db::DatabaseSourceRequest request;
  request.explicit_url = non_empty(options.url);
  if (!request.explicit_url && file && file->database.url && !file->database.url->empty()) {
    request.explicit_url = file->database.url;
    request.explicit_origin = file->source.string() + ": database.url";
  }
  if (target.schema) {
    request.env_directory = target.schema->parent_path();
    // D14: the datasource names the variable, and directUrl wins for
    // migrations (advisory locks do not work through a transaction pooler).
    const auto schema = db::read_prisma_schema(*target.schema);
    if (schema.datasource) {
      const auto& setting = schema.datasource->direct_url ? schema.datasource->direct_url : schema.datasource->url;
      if (setting && setting->from_env) {
        request.variable = setting->value;
      } else if (setting && !request.explicit_url) {
        request.explicit_url = setting->value;
        request.explicit_origin = target.schema->string() + ": datasource url";
      }
    }
  }
  const auto source = db::find_database_url(request);
  target.url = db::parse_database_url(source.url, fs::current_path());
  target.source_url = source.url;
  spdlog::debug("database URL from {}: {}", source.origin, target.url.redacted);
  warn_about_url(source.url, target.url, target.schema);

  if (!options.migrations.empty()) {
    target.migrations = fs::absolute(options.migrations);
  } else if (auto configured = file ? file->migrations.for_provider(target.url.provider) : std::nullopt) {
    target.migrations = *configured;
  } else if (target.schema) {
    target.migrations = target.schema->parent_path() / "migrations";
  } else {
    target.migrations = fs::absolute("prisma/migrations");
  }
  target.lock_timeout = lock_timeout_from(options.lock_timeout, file);
  target.guard_policy = file ? file->guard_policy : std::nullopt;
  if (file) {
    target.backup = file->backup;
  }
  return target;
}

void
warn_about_url(std::string_view written, const db::DatabaseUrl& url, const std::optional<fs::path>& schema)
{
  for (const auto& warning : url.warnings) {
    spdlog::warn("{}", warning);
  }
  if (url.provider != db::Provider::sqlite || !schema) {
    return;
  }
  const auto path_part = written.substr(written.starts_with("file://") ? 7 : 5);
  const fs::path relative{std::string(path_part.substr(0, path_part.find('?')))};
  if (relative.is_absolute()) {
    return;
  }
  const auto beside_schema = (fs::absolute(*schema).parent_path() / relative).lexically_normal();
  std::error_code error;
  if (fs::exists(beside_schema, error) && !fs::exists(url.sqlite_path, error)) {
    spdlog::warn("{} is relative to the working directory and names {}, which does not exist; {} (beside the "
                 "schema, where the Prisma CLI looks) does",
                 std::string(written), url.sqlite_path.string(), beside_schema.string());
  }
}

std::unique_ptr<migrate::MigrationStore>
open_store(const DatabaseTarget& target, const migrate::StoreOptions& options)
{
  if (target.url.provider == db::Provider::sqlite) {
    return migrate::open_sqlite_store(target.url, options);
  }
  return migrate::open_postgres_store(target.url, options);
}

migrate::MigrationsDirectory
read_checked_migrations(const DatabaseTarget& target)
{
  auto local = migrate::read_migrations_directory(target.migrations);
  migrate::check_provider(local, target.url.provider);
  return local;
}

} // namespace rastar::cli
