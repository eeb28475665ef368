#include <rastar/cli/command.hpp>
#include <rastar/cli/database_target.hpp>
#include <rastar/cli/output_format.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/db/verify.hpp>
#include <rastar/migrate/deploy.hpp>
#include <rastar/migrate/history.hpp>
#include <rastar/migrate/status_report.hpp>
#include <rastar/util/error.hpp>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace rastar::cli {

namespace {

int
run_verify(const TargetOptions& options, bool apply, const OutputFormat& format)
{
  const auto target = resolve_target(options);
  if (!target.schema) {
    throw config_error("db verify needs the Prisma schema to know which tables to expect; pass --schema "
                       "path/to/schema.prisma (or set `schema` in the config)");
  }
  const auto schema = db::read_prisma_schema(*target.schema);
  if (apply) {
    const auto local = read_checked_migrations(target);
    auto store = open_store(target, {.read_only = false, .create_database = true});
    migrate::DeployOptions deploy_options;
    deploy_options.lock_timeout = target.lock_timeout;
    const auto result = migrate::deploy(*store, local, deploy_options);
    spdlog::info("{} pending migration{} applied before verifying", result.applied.size(),
                 result.applied.size() == 1 ? "" : "s");
  }
  const auto report = db::verify_database(schema, target.url);
  if (format.json()) {
    fmt::print("{}\n", db::render_verify_json(report).dump(2));
  } else {
    fmt::print("{}", db::render_verify_text(report));
  }
  return db::verify_exit_code(report);
}

// The production check: one screen that says whether a PostgreSQL database
// is ready for the apps.
int
run_check(const TargetOptions& options, const OutputFormat& format)
{
  const auto target = resolve_target(options);
  if (target.url.provider != db::Provider::postgresql) {
    throw config_error(fmt::format("db check is the production check and needs a PostgreSQL URL, but the URL "
                                   "is a SQLite file ({}); use `rastar-init migrate status` for SQLite",
                                   target.url.sqlite_path.string()));
  }
  const auto local = read_checked_migrations(target);
  auto store = open_store(target, {.read_only = true, .create_database = false});
  const auto exists = store->exists();
  const auto rows = exists ? store->load_rows() : std::nullopt;
  const auto diagnosis = migrate::diagnose(local, rows);
  const auto applied = rows ? std::count_if(rows->begin(), rows->end(), [](const auto& row) {
    return row.finished_at && !row.rolled_back_at;
  }) : 0;

  if (format.json()) {
    auto json = migrate::render_status_json(local, diagnosis);
    json["database"] = store->describe();
    json["server_version"] = store->server_version();
    json["schema_exists"] = exists;
    json["applied"] = applied;
    fmt::print("{}\n", json.dump(2));
    return migrate::status_exit_code(diagnosis);
  }
  const auto text = migrate::render_status_text(local, diagnosis);
  fmt::print("Database:    {}\n", store->describe());
  fmt::print("Server:      {}\n", store->server_version());
  fmt::print("Migrations:  {} local, {} applied, {} pending, {} failed\n", local.migrations.size(), applied,
             diagnosis.pending.size(), diagnosis.failed.size());
  for (const auto& row : diagnosis.failed) {
    fmt::print("Failed:      {} (started {})\n", row.migration_name, util::prisma_display_utc(row.started_at));
  }
  fmt::print("{}", text.out);
  fmt::print(stderr, "{}", text.err);
  return migrate::status_exit_code(diagnosis);
}

} // namespace

void
add_db_commands(CLI::App& app, ChosenCommand& chosen)
{
  auto* db = app.add_subcommand("db", "Check the database against the schema and the migrations");
  db->require_subcommand(1);

  auto verify_options = std::make_shared<TargetOptions>();
  auto verify_format = std::make_shared<OutputFormat>();
  auto apply = std::make_shared<bool>(false);
  auto* verify = db->add_subcommand("verify", "Check that every table and column of schema.prisma exists; exit 1 "
                                              "when something is missing");
  add_target_options(*verify, *verify_options);
  add_output_format(*verify, *verify_format);
  verify->add_flag("--apply", *apply, "Apply pending migrations first (migrate deploy)");
  verify->callback([&chosen, verify_options, verify_format, apply] {
    chosen.action = [verify_options, verify_format, apply] {
      return run_verify(*verify_options, *apply, *verify_format);
    };
  });

  auto check_options = std::make_shared<TargetOptions>();
  auto check_format = std::make_shared<OutputFormat>();
  auto* check = db->add_subcommand("check", "Production check of a PostgreSQL database: server version, migration "
                                            "status and failed migrations. Never writes.");
  add_target_options(*check, *check_options);
  add_output_format(*check, *check_format);
  check->callback([&chosen, check_options, check_format] {
    chosen.action = [check_options, check_format] { return run_check(*check_options, *check_format); };
  });
}

} // namespace rastar::cli
