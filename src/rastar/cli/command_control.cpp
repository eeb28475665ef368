#include <rastar/cli/command.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/config/duration.hpp>
#include <rastar/supervise/control_client.hpp>
#include <rastar/util/error.hpp>

#include <fmt/core.h>

#include <cstdlib>
#include <memory>

namespace rastar::cli {

namespace {

constexpr const char* k_default_socket = "/run/rastar-init.sock";
constexpr const char* k_socket_variable = "RASTAR_CONTROL_SOCKET";

struct ControlOptions
{
  std::string socket; // empty: not given on the command line
  std::string service;
  std::string timeout = "60s";
};

struct SocketChoice
{
  std::string path;
  std::string source; // where it came from, for the sentence when it is off
};

// The config file's control.socket, when a config is found (D4). A config
// that does not load leaves the decision to the others, as for `status`: an
// action must not fail on what `run` itself would report.
std::optional<SocketChoice>
socket_from_config()
{
  try {
    if (const auto path = config::find_config_path(std::nullopt, true)) {
      config::LoadOptions load;
      load.accounts = config::AccountCheck::warn;
      std::vector<std::string> warnings;
      const auto loaded = config::load_config_file(*path, load, &warnings);
      return SocketChoice{loaded.supervisor.control.socket, fmt::format("control.socket in {}", path->string())};
    }
  } catch (const Error&) {
  }
  return std::nullopt;
}

// --socket, else the config's control.socket, else RASTAR_CONTROL_SOCKET,
// else the default. Throws Error(config) when the one chosen is off.
std::string
socket_to_use(const ControlOptions& options)
{
  SocketChoice choice{k_default_socket, "the default"};
  const char* variable = std::getenv(k_socket_variable);
  if (!options.socket.empty()) {
    choice = {options.socket, "--socket"};
  } else if (auto configured = socket_from_config()) {
    choice = std::move(*configured);
  } else if (variable && *variable) {
    choice = {variable, k_socket_variable};
  }
  if (choice.path.empty() || choice.path == "0") {
    throw config_error(fmt::format("the control socket is off ({} is \"{}\"): set control.socket in rastar-init's "
                                   "config, or give the socket's path with --socket",
                                   choice.source, choice.path));
  }
  return choice.path;
}

int
run_control(supervise::ControlAction action, const ControlOptions& options)
{
  const auto timeout = config::parse_duration(options.timeout);
  if (!timeout || timeout->count() == 0) {
    throw usage_error(fmt::format("--timeout \"{}\" is not a duration above zero; give seconds (\"60\", \"90s\") "
                                  "or minutes (\"5m\")",
                                  options.timeout));
  }
  const auto path = socket_to_use(options);
  const auto answer = supervise::send_control_request(path, {action, options.service}, *timeout);
  if (!answer.ok) {
    throw Error(ExitCode::verdict_no, answer.sentence);
  }
  fmt::print("{}\n", answer.sentence);
  return to_int(ExitCode::success);
}

void
add_control_command(CLI::App& app, ChosenCommand& chosen, supervise::ControlAction action, const std::string& help)
{
  auto options = std::make_shared<ControlOptions>();
  auto* command = app.add_subcommand(supervise::to_string(action), help);
  command->add_option("SERVICE", options->service, "the service's name, as in the config's services")->required();
  command->add_option("--socket", options->socket,
                      fmt::format("rastar-init's control socket (default: control.socket of its config, else env "
                                  "{}, else {})",
                                  k_socket_variable, k_default_socket));
  command->add_option("--timeout", options->timeout, "how long to wait for the answer")->capture_default_str();
  command->callback([&chosen, action, options] {
    chosen.action = [action, options] { return run_control(action, *options); };
  });
}

} // namespace

void
add_control_commands(CLI::App& app, ChosenCommand& chosen)
{
  add_control_command(app, chosen, supervise::ControlAction::stop,
                      "Stop a service of a running rastar-init (its stop_signal, SIGKILL after its stop_timeout) "
                      "and keep it down until `rastar-init start`. Waits until it has stopped. A stopped service "
                      "counts neither against /readyz nor as the end of a critical service. Exits 0 when done, 1 "
                      "otherwise.");
  add_control_command(app, chosen, supervise::ControlAction::start,
                      "Start a service that was stopped, has exited, failed or is backing off, with its crash-loop "
                      "count reset. Exits 0 when done, 1 otherwise.");
  add_control_command(app, chosen, supervise::ControlAction::restart,
                      "Stop a service as `stop` does, then start it as `start` does. Exits 0 when done, 1 "
                      "otherwise.");
}

} // namespace rastar::cli
