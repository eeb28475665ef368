#pragma once

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The services part of the config file, after ${VAR} expansion and validation.
// The YAML reader (config_file.cpp) fills it; the supervisor only reads it.

namespace rastar::config {

using Milliseconds = std::chrono::milliseconds;

enum class RestartPolicy { always, on_failure, never };

enum class DependencyCondition { started, healthy };

enum class CheckKind { none, http, tcp, command };

// A readiness or health probe, with Docker HEALTHCHECK's timing knobs.
struct Check
{
  CheckKind kind = CheckKind::none;
  std::string http_url;             // http: GET, healthy on 2xx/3xx (host must be loopback or a name)
  std::string tcp_address;          // tcp: "host:port"
  std::vector<std::string> command; // command: argv, healthy on exit 0
  Milliseconds interval{1000};
  Milliseconds timeout{1000};
  int retries = 3;
  Milliseconds start_period{0};

  bool operator==(const Check&) const = default;
};

struct Backoff
{
  Milliseconds initial{100};
  Milliseconds max{30000};
  double multiplier = 2.0;
  Milliseconds reset_after{10000}; // running this long counts as stable: backoff starts over

  bool operator==(const Backoff&) const = default;
};

enum class LogFormat { prefixed, json, raw };

struct ServiceConfig
{
  std::string name;
  std::vector<std::string> command; // argv; a string command becomes {"/bin/sh","-c",s} only with shell: true
  std::string cwd;                  // empty: rastar-init's
  std::map<std::string, std::string> env; // added to and overriding the container's
  std::string user;                 // empty: stay as rastar-init's user
  std::string group;
  RestartPolicy restart = RestartPolicy::on_failure;
  Backoff backoff;
  int crash_loop_limit = 5;          // restarts within crash_loop_window before the service is failed
  Milliseconds crash_loop_window{60000};
  bool critical = false;             // its end stops the container with its exit code
  std::map<std::string, DependencyCondition> depends_on;
  int stop_signal = SIGTERM;
  Milliseconds stop_timeout{8000};
  std::vector<int> success_codes{0}; // D18
  Check ready;                       // when the service counts as ready (default: started)
  Check health;                      // periodic health while running
  LogFormat log_format = LogFormat::prefixed;
  std::size_t max_line_bytes = 16384; // longer lines are split

  // A reload restarts a service whose definition changed in any field.
  bool operator==(const ServiceConfig&) const = default;
};

struct StatusConfig
{
  std::string listen = "127.0.0.1:8079"; // "0": off
  // The file wrote status.listen: only then does it outrank RASTAR_STATUS_LISTEN
  // for `status` and `healthcheck` (D4: flag, file, environment).
  bool listen_given = false;
};

struct ControlConfig
{
  std::string socket = "/run/rastar-init.sock"; // "": off
};

struct SupervisorConfig
{
  std::map<std::string, ServiceConfig> services; // D16: a map; order comes from depends_on
  Milliseconds shutdown_timeout{9000};           // D17: under Docker's 10 s
  bool sighup_reloads = false;                   // else SIGHUP is forwarded
  StatusConfig status;
  ControlConfig control;
};

} // namespace rastar::config
