#include <rastar/cli/command.hpp>

#include <rastar/config/config_description.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/util/error.hpp>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

namespace rastar::cli {

namespace {

struct CheckArguments
{
  std::string config;
  std::string format = "text";
  bool json = false;
  bool strict = false;
};

int
run_config_check(const CheckArguments& arguments, bool config_given)
{
  const auto path = config::find_config_path(
    config_given ? std::optional<std::string>(arguments.config) : std::nullopt, true);
  if (!path) {
    throw config_error(fmt::format("no config file: give --config FILE, set RASTAR_INIT_CONFIG, or create {}",
                                   config::k_default_config_path));
  }
  config::LoadOptions options;
  // The accounts exist in the image; CI or a laptop may not have them.
  options.accounts = arguments.strict ? config::AccountCheck::error : config::AccountCheck::warn;
  std::vector<std::string> warnings;
  const auto loaded = config::load_config_file(*path, options, &warnings);
  for (const auto& warning : warnings) {
    spdlog::warn("{}", warning);
  }
  if (arguments.strict && !warnings.empty()) {
    throw config_error(fmt::format("{}: {} warning{}, and --strict makes warnings errors", path->string(),
                                   warnings.size(), warnings.size() == 1 ? "" : "s"));
  }

  auto description = config::describe_config(loaded);
  if (arguments.json || arguments.format == "json") {
    description["warnings"] = warnings;
    fmt::print("{}\n", description.dump(2));
  } else {
    const auto count = loaded.supervisor.services.size();
    fmt::print("# {} is valid: {} service{}. Secrets are shown as ****.\n{}", path->string(), count,
               count == 1 ? "" : "s", config::to_yaml(description));
  }
  return to_int(ExitCode::success);
}

} // namespace

void
add_config_commands(CLI::App& app, ChosenCommand& chosen)
{
  auto* group = app.add_subcommand("config", "Work with the config file (default config/rastar-init.yaml)");
  group->require_subcommand(1);
  auto arguments = std::make_shared<CheckArguments>();
  auto* check = group->add_subcommand(
    "check",
    "Validate the config file and print what rastar-init will do, with ${VAR}s expanded, relative paths made "
    "absolute (against the working directory) and secrets masked. An invalid file exits 78 with "
    "file:line:col: key.path: and what to change. A user or group this machine does not know is a warning "
    "(the image may have it); --strict makes it an error, as `run` does.");
  auto* config_option = check->add_option(
    "--config", arguments->config, "The config file (default: RASTAR_INIT_CONFIG, then config/rastar-init.yaml)");
  check->add_option("--format", arguments->format, "text (YAML) or json")
    ->check(CLI::IsMember({"text", "json"}))
    ->capture_default_str();
  check->add_flag("--json", arguments->json, "Short for --format json");
  check->add_flag("--strict", arguments->strict,
                  "Treat warnings (unset variables, unknown users or groups) as errors");
  check->callback([&chosen, arguments, config_option] {
    const bool config_given = config_option->count() > 0;
    chosen.action = [arguments, config_given] { return run_config_check(*arguments, config_given); };
  });
}

} // namespace rastar::cli
