#include <rastar/cli/command.hpp>
#include <rastar/config/config_file.hpp>
#include <rastar/supervise/listen_address.hpp>
#include <rastar/supervise/snapshot_json.hpp>
#include <rastar/supervise/snapshot_text.hpp>
#include <rastar/supervise/status_client.hpp>
#include <rastar/util/error.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>

namespace rastar::cli {

namespace {

constexpr const char* k_default_listen = "127.0.0.1:8079";
constexpr const char* k_listen_variable = "RASTAR_STATUS_LISTEN";
// A probe that waits longer than this is as good as a dead one.
constexpr std::chrono::milliseconds k_timeout{2000};

struct StatusOptions
{
  std::string listen; // empty: not given on the command line
  std::string format = "text";
  bool json = false;
  bool ready = false;
};

// The config file's status.listen, when a config is found and sets it (D4:
// flag, file, environment). A config that does not load leaves the decision to the others:
// a probe must not fail on what `run` itself would report.
std::optional<std::string>
listen_from_config()
{
  try {
    if (const auto path = config::find_config_path(std::nullopt, true)) {
      config::LoadOptions load;
      load.accounts = config::AccountCheck::warn;
      std::vector<std::string> warnings;
      const auto status = config::load_config_file(*path, load, &warnings).supervisor.status;
      // A file without status.listen leaves the address to the environment.
      if (status.listen_given) {
        return status.listen;
      }
    }
  } catch (const Error&) {
  }
  return std::nullopt;
}

// Where the endpoint is: --listen, else the config's status.listen, else
// RASTAR_STATUS_LISTEN, else the default. Throws Error(config) for an invalid
// address or one that is "0".
boost::asio::ip::tcp::endpoint
endpoint_to_query(const StatusOptions& options)
{
  std::string text = k_default_listen;
  std::string source = "status.listen";
  const char* variable = std::getenv(k_listen_variable);
  if (!options.listen.empty()) {
    text = options.listen;
    source = "--listen";
  } else if (const auto configured = listen_from_config()) {
    text = *configured;
  } else if (variable && *variable) {
    text = variable;
    source = k_listen_variable;
  }
  const auto bound = supervise::parse_listen_address(text, source);
  if (!bound) {
    throw config_error(fmt::format("the status endpoint is off ({} is 0): give the address rastar-init "
                                   "listens on with --listen, as 127.0.0.1:8079",
                                   source));
  }
  return supervise::local_endpoint_for(*bound);
}

std::string
url_of(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& path)
{
  return fmt::format("http://{}{}", supervise::format_endpoint(endpoint), path);
}

int
run_status(const StatusOptions& options)
{
  const auto endpoint = endpoint_to_query(options);
  const auto answer = supervise::fetch_status_path(endpoint, "/status", k_timeout);
  if (answer.status != 200) {
    throw Error(ExitCode::verdict_no,
                fmt::format("{} answered HTTP {} instead of rastar-init's status; is another program "
                            "listening on that port?",
                            url_of(endpoint, "/status"), answer.status));
  }
  supervise::Snapshot snapshot;
  try {
    snapshot = supervise::snapshot_from_json_text(answer.body);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ExitCode::verdict_no,
                fmt::format("{} did not answer with rastar-init's status JSON ({}); is another program "
                            "listening on that port?",
                            url_of(endpoint, "/status"), e.what()));
  }
  if (options.json || options.format == "json") {
    fmt::print("{}", supervise::snapshot_to_json_text(snapshot));
  } else {
    fmt::print("{}", supervise::format_snapshot_table(snapshot));
  }
  return to_int(ExitCode::success);
}

int
run_healthcheck(const StatusOptions& options)
{
  const std::string path = options.ready ? "/readyz" : "/healthz";
  try {
    const auto endpoint = endpoint_to_query(options);
    const auto answer = supervise::fetch_status_path(endpoint, path, k_timeout);
    if (answer.status != 200 && answer.status != 503) {
      throw Error(ExitCode::verdict_no,
                  fmt::format("{} answered HTTP {}, neither 200 nor 503; is another program listening "
                              "on that port?",
                              url_of(endpoint, path), answer.status));
    }
    // Docker keeps this output in `docker inspect`'s health log.
    fmt::print("{}", answer.body);
    return answer.status == 200 ? to_int(ExitCode::success) : to_int(ExitCode::verdict_no);
  } catch (const Error& e) {
    // Docker reads any other code than 0 and 1 as reserved: every failure is "unhealthy".
    throw Error(ExitCode::verdict_no, e.what());
  }
}

void
add_listen_option(CLI::App& command, StatusOptions& options)
{
  command.add_option("--listen", options.listen,
                     "the status endpoint's address, as status.listen writes it (env RASTAR_STATUS_LISTEN, "
                     "default 127.0.0.1:8079)");
}

} // namespace

void
add_status_commands(CLI::App& app, ChosenCommand& chosen)
{
  auto options = std::make_shared<StatusOptions>();

  auto* status = app.add_subcommand(
    "status", "Print the state of rastar-init and its services from its status endpoint (/status). Exits 0 "
              "when rastar-init answered, 1 when it did not.");
  add_listen_option(*status, *options);
  status->add_option("--format", options->format, "text (a table) or json")
    ->check(CLI::IsMember({"text", "json"}))
    ->capture_default_str();
  status->add_flag("--json", options->json, "the same as --format json");
  status->callback([&chosen, options] { chosen.action = [options] { return run_status(*options); }; });

  auto* healthcheck = app.add_subcommand(
    "healthcheck", "Exit 0 when rastar-init is healthy (/healthz answers 200) and 1 otherwise, for Docker's "
                   "HEALTHCHECK without curl in the image. /healthz stays 200 while rastar-init waits for "
                   "the database or runs migrations.");
  add_listen_option(*healthcheck, *options);
  healthcheck->add_flag("--ready", options->ready, "ask /readyz instead: 0 only once every service is ready");
  healthcheck->callback([&chosen, options] { chosen.action = [options] { return run_healthcheck(*options); }; });
}

} // namespace rastar::cli
