#include <rastar/cli/command.hpp>
#include <rastar/config/service_config.hpp>
#include <rastar/supervise/supervisor.hpp>
#include <rastar/util/error.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace rastar::cli {

namespace {

// RASTAR_SHUTDOWN_TIMEOUT: "9", "9s", "2.5s" or "500ms".
config::Milliseconds
shutdown_timeout_from_environment(config::Milliseconds fallback)
{
  const char* value = std::getenv("RASTAR_SHUTDOWN_TIMEOUT");
  if (!value || !*value) {
    return fallback;
  }
  const std::string text = value;
  std::size_t used = 0;
  double number = -1;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  double millis = -1;
  if (used > 0 && (unit.empty() || unit == "s")) {
    millis = number * 1000;
  } else if (used > 0 && unit == "ms") {
    millis = number;
  }
  if (millis < 0) {
    throw config_error(fmt::format("RASTAR_SHUTDOWN_TIMEOUT=\"{}\" is not a duration; give seconds (\"9\", "
                                   "\"2.5s\") or milliseconds (\"500ms\")",
                                   text));
  }
  return config::Milliseconds(static_cast<long long>(millis));
}

} // namespace

void
add_run_command(CLI::App& app, ChosenCommand& chosen)
{
  auto command = std::make_shared<std::vector<std::string>>();
  auto* run = app.add_subcommand(
    "run", "Supervise the services; `run -- CMD ARGS...` runs CMD alone as an init would (a tini drop-in: "
           "signals go to CMD's process group, its exit code comes back, SIGKILL after RASTAR_SHUTDOWN_TIMEOUT, "
           "default 9 s, once it was asked to stop).");
  run->add_option("command", *command, "The command and its arguments, after `--`");
  run->callback([&chosen, command] {
    chosen.action = [command] {
      config::SupervisorConfig config;
      config.shutdown_timeout = shutdown_timeout_from_environment(config.shutdown_timeout);
      std::optional<std::vector<std::string>> extra;
      if (!command->empty()) {
        extra = *command;
      }
      return supervise::run_supervisor(config, extra);
    };
  });
}

} // namespace rastar::cli
