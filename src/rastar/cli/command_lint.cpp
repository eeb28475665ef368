#include <rastar/cli/command.hpp>
#include <rastar/cli/database_target.hpp>
#include <rastar/cli/output_format.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/lint/linter.hpp>
#include <rastar/lint/rules.hpp>
#include <rastar/migrate/history.hpp>
#include <rastar/util/error.hpp>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace rastar::cli {

namespace {

namespace fs = std::filesystem;

struct LintCommandOptions
{
  TargetOptions target;
  bool pending_only = false;
  OutputFormat format;
};

struct LintJob
{
  fs::path directory;
  std::optional<db::Provider> provider; // nullopt: from migration_lock.toml (D6)
};

// Without a URL: --migrations, else the named config's migrations (each
// directory of a per-provider map with its provider), else beside the
// schema, else prisma/migrations.
std::vector<LintJob>
directories_to_lint(const LintCommandOptions& options)
{
  if (!options.target.migrations.empty()) {
    return {{options.target.migrations, std::nullopt}};
  }
  const auto config_path = config::find_config_path(
    options.target.config.empty() ? std::nullopt : std::optional<std::string>(options.target.config), false);
  if (config_path) {
    config::LoadOptions load;
    load.accounts = config::AccountCheck::warn;
    const auto file = config::load_config_file(*config_path, load);
    if (file.migrations.directory) {
      return {{*file.migrations.directory, std::nullopt}};
    }
    std::vector<LintJob> jobs;
    for (const auto& [provider, directory] : file.migrations.by_provider) {
      jobs.push_back({directory, provider});
    }
    if (!jobs.empty()) {
      return jobs;
    }
  }
  if (!options.target.schema.empty()) {
    return {{fs::path(options.target.schema).parent_path() / "migrations", std::nullopt}};
  }
  for (const fs::path schema : {"prisma/schema.prisma", "schema.prisma"}) {
    if (fs::exists(schema)) {
      return {{schema.parent_path() / "migrations", std::nullopt}};
    }
  }
  return {{"prisma/migrations", std::nullopt}};
}

migrate::MigrationsDirectory
read_existing(const fs::path& path)
{
  std::error_code error;
  if (!fs::is_directory(path, error)) {
    throw config_error(fmt::format("{}: no migrations directory there; point --migrations at the directory that "
                                   "holds the migration folders",
                                   path.string()));
  }
  return migrate::read_migrations_directory(path);
}

int
run_lint(const LintCommandOptions& options)
{
  lint::LintReport report;
  auto add = [&report](lint::LintReport part) {
    report.migrations += part.migrations;
    report.statements += part.statements;
    std::move(part.findings.begin(), part.findings.end(), std::back_inserter(report.findings));
  };
  if (options.pending_only) {
    // The pending migrations are the ones deploy would apply to this database.
    const auto target = resolve_target(options.target);
    const auto local = read_checked_migrations(target);
    auto store = open_store(target, {.read_only = true, .create_database = false});
    const auto rows = store->exists() ? store->load_rows() : std::nullopt;
    lint::LintOptions lint_options;
    lint_options.provider = target.url.provider;
    lint_options.only.emplace();
    for (const auto* migration : migrate::pending_for_deploy(local, rows.value_or(std::vector<migrate::MigrationRow>{}))) {
      lint_options.only->insert(migration->name);
    }
    add(lint::lint_migrations(local, lint_options));
  } else {
    if (!options.target.url.empty()) {
      throw usage_error("--url is only read with --pending-only; without it, lint reads no database");
    }
    for (const auto& job : directories_to_lint(options)) {
      const auto local = read_existing(job.directory);
      lint::LintOptions lint_options;
      lint_options.provider = job.provider.value_or(lint::provider_of(local));
      add(lint::lint_migrations(local, lint_options));
    }
  }

  if (options.format.json()) {
    fmt::print("{}\n", lint::render_json(report).dump(2));
  } else {
    fmt::print("{}", lint::render_text(report));
  }
  const auto allowed = std::count_if(report.findings.begin(), report.findings.end(),
                                     [](const lint::Finding& finding) { return finding.allowed; });
  spdlog::info("linted {} migration{} ({} statements): {} finding{}, {} allowed", report.migrations,
               report.migrations == 1 ? "" : "s", report.statements, report.findings.size(),
               report.findings.size() == 1 ? "" : "s", allowed);
  return report.passes() ? 0 : to_int(ExitCode::verdict_no);
}

std::string
rules_help()
{
  std::string text = "Rules (allow one with `-- rastar-init: allow RULE[, RULE]` on the line before the "
                     "statement):\n";
  for (const auto& rule : lint::all_rules()) {
    text += fmt::format("  {:<30} {}\n", rule.id, rule.reason);
  }
  text += fmt::format("  {:<30} {}\n", lint::k_parse_error, "the database's parser rejects the statement (never allowed)");
  text += "Exit 0 when every finding is allowed, 1 otherwise.";
  return text;
}

} // namespace

void
add_policy_option(CLI::App& command, std::string& policy)
{
  command
    .add_option("--policy", policy,
                "Destructive changes in pending migrations, and applied migrations edited or deleted: warn "
                "(log them, the default), refuse (apply nothing, exit 76; drift exits 65) or off (config "
                "guard.policy, env RASTAR_MIGRATION_POLICY)")
    ->check(CLI::IsMember({"warn", "refuse", "off"}));
}

void
add_lint_command(CLI::App& app, ChosenCommand& chosen)
{
  auto* migrate = app.get_subcommand("migrate");
  auto options = std::make_shared<LintCommandOptions>();
  auto* lint = migrate->add_subcommand("lint", "Check migrations for changes that break a zero-downtime deploy, "
                                               "with PostgreSQL's or SQLite's own parser");
  lint->add_option("--migrations", options->target.migrations,
                   "Migrations directory (default: the config's, else <schema dir>/migrations, else "
                   "prisma/migrations); its migration_lock.toml names the provider");
  lint->add_option("--schema", options->target.schema, "schema.prisma, to find the migrations beside it");
  lint->add_option("--config", options->target.config, "Config file to read migrations from (or RASTAR_INIT_CONFIG)");
  lint->add_flag("--pending-only", options->pending_only,
                 "Report only the migrations the database has not applied (needs a database URL; the others are "
                 "still read)");
  lint->add_option("--url", options->target.url,
                   "Database URL for --pending-only; prefer DATABASE_URL (argv is visible to every user)");
  add_output_format(*lint, options->format);
  lint->footer(rules_help());
  lint->callback([&chosen, options] { chosen.action = [options] { return run_lint(*options); }; });
}

} // namespace rastar::cli
