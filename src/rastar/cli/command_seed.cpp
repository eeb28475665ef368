#include <rastar/cli/command.hpp>
#include <rastar/cli/database_target.hpp>
#include <rastar/cli/output_format.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/seed/seeder.hpp>
#include <rastar/util/error.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace rastar::cli {

namespace {

int
run_seed(const TargetOptions& options, const OutputFormat& format)
{
  // D4: a database command reads a config only when one is named; the seeds live there.
  const auto path = config::find_config_path(options.config.empty() ? std::nullopt : std::optional(options.config),
                                             false);
  if (!path) {
    throw config_error("db seed runs the seeds a config file declares; name it with --config FILE or "
                       "RASTAR_INIT_CONFIG");
  }
  // resolve_target reads the file too and reports its warnings; once is enough.
  std::vector<std::string> repeated_warnings;
  const auto file = config::load_config_file(*path, {}, &repeated_warnings);
  const auto target = resolve_target(options);

  const auto schema = seed::schema_for_seeds(file.seeds, target.schema, *path);

  seed::SeedResult result;
  if (!file.seeds.empty()) {
    auto store = open_store(target, {.read_only = false, .create_database = false});
    // Under the migration lock, as in `run`: replicas that start together seed once.
    store->lock(target.lock_timeout);
    seed::SeedOptions seed_options;
    seed_options.sqlite_timestamps = file.database.sqlite_timestamps;
    seed_options.schema_path = target.schema.value_or(std::filesystem::path());
    result = seed::run_seeds(file.seeds, schema, *store, seed_options);
  }

  if (format.json()) {
    nlohmann::ordered_json seeds = nlohmann::ordered_json::array();
    for (const auto& report : result.seeds) {
      nlohmann::ordered_json item = {{"name", report.name},
                                     {"outcome", seed::outcome_name(report.outcome)},
                                     {"target", report.target}};
      if (!report.key.empty()) {
        item["key"] = report.key;
      }
      seeds.push_back(item);
    }
    fmt::print("{}\n", nlohmann::ordered_json{{"seeds", seeds}}.dump(2));
    return 0;
  }
  if (result.seeds.empty()) {
    fmt::print("No seeds: {} declares none.\n", path->string());
  }
  for (const auto& report : result.seeds) {
    fmt::print("{}: {} ({}{}{})\n", report.name, seed::outcome_name(report.outcome), report.target,
               report.key.empty() ? "" : ", ", report.key);
  }
  return 0;
}

} // namespace

void
add_seed_command(CLI::App& app, ChosenCommand& chosen)
{
  auto* db = app.get_subcommand("db");
  auto options = std::make_shared<TargetOptions>();
  auto format = std::make_shared<OutputFormat>();
  auto* seed = db->add_subcommand("seed", "Run the config's seeds under the migration lock: insert each missing row "
                                          "(an existing one is never changed), run each sql seed whose unless query "
                                          "returns nothing. Exit 66 when a seed fails");
  add_target_options(*seed, *options);
  add_output_format(*seed, *format);
  seed->callback([&chosen, options, format] {
    chosen.action = [options, format] { return run_seed(*options, *format); };
  });
}

} // namespace rastar::cli
