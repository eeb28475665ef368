#pragma once

#include <rastar/config/service_config.hpp>
#include <rastar/supervise/control_protocol.hpp>
#include <rastar/supervise/output_writer.hpp>
#include <rastar/supervise/reaper.hpp>
#include <rastar/supervise/service.hpp>
#include <rastar/supervise/signal_source.hpp>
#include <rastar/supervise/snapshot.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

// The PID-1 supervision phase: one Asio loop that receives the signals (from
// a signalfd, SignalSource), reaps every child, starts services in dependency
// order, shuts them down in reverse order (D17) and decides the exit code (D1).
//
// Control (D20, `rastar-init stop|start|restart SERVICE`) follows supervisorctl
// and s6-svc: a service stopped by command is "stopped", is not restarted
// until started by command, and is a wanted state, not a fault, so it counts
// neither against readiness (/readyz) nor health, nor as "ended": stopping a
// critical service, or every service, by command does not end the container.
// (A replica whose traffic-serving app is stopped by hand stays in rotation:
// take it out first.) Stopping one service leaves its dependents running.

namespace rastar::supervise {

class ControlSocket;

// The name the command of `run -- CMD` carries in logs and the snapshot.
inline constexpr const char* k_command_service_name = "command";

class Supervisor
{
public:
  // `single_command`: the tini drop-in (`run -- CMD` without services): every
  // signal goes to CMD's group, its output passes through, and rastar-init
  // exits with CMD's code as soon as CMD exits. Throws Error(config) for a
  // dependency on an unknown service, a dependency cycle or an empty command.
  Supervisor(config::SupervisorConfig config, bool single_command);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs until the services are stopped; returns the exit code (D1).
  int
  run();

  // The current state, for the status server; callable from any thread.
  Snapshot
  snapshot() const;

  // Reads the config again; throws Error(config) for a file that is not valid.
  using ConfigLoader = std::function<config::SupervisorConfig()>;

  // On SIGHUP when the config sets `sighup: reload`: loads the config with
  // `loader` and applies it (stops removed services, starts added ones,
  // restarts changed ones, leaves the others running). A config that does
  // not load is logged with its position and changes nothing. Without a
  // loader, SIGHUP is forwarded.
  void
  set_reload_handler(ConfigLoader loader);

  // Serves the control socket at `socket_path` (control.socket; "" or "0":
  // off) while run() runs and removes it when run() returns. A socket that
  // cannot be created is a warning (control_socket.hpp).
  void
  serve_control(std::string socket_path);

  // Called on the loop with the answer to an action.
  using ControlReply = std::function<void(const ControlAnswer&)>;

  // Stops `name` with its stop_signal, SIGKILL after its stop_timeout, and
  // keeps it down until started by command; answers once it has ended.
  // Callable from any thread: the work is posted to the loop.
  void
  stop_service(std::string name, ControlReply reply);

  // Starts `name` when it is stopped, has exited, failed or is backing off,
  // with its crash-loop count reset; a dependency that is not ready yet makes
  // it wait (as at boot), one that is down for good is an error.
  void
  start_service(std::string name, ControlReply reply);

  // Stops `name` as stop_service does, then starts it as start_service does.
  void
  restart_service(std::string name, ControlReply reply);

  // The three above by `request.action`.
  void
  control(const ControlRequest& request, ControlReply reply);

private:
  void
  on_signal(int signal_number);

  // Loads the config with m_reload_loader and applies it.
  void
  reload();

  // Applies `config` (reload's diff); throws Error(config) and changes
  // nothing when its dependency graph is bad or it has no services.
  void
  apply_config(config::SupervisorConfig config);

  std::unique_ptr<Service>
  make_service(const std::string& name, const config::ServiceConfig& service_config);

  // A replaced or removed service named `name` still has its process.
  bool
  retiring(const std::string& name) const;

  void
  request_reconcile();

  void
  reconcile();

  void
  begin_shutdown(std::optional<int> exit_code);

  void
  finish(int exit_code);

  bool
  dependencies_met(const Service& service) const;

  bool
  dependents_stopped(const Service& service) const;

  void
  reap_periodically();

  void
  publish();

  // The service `name`, or nullptr after answering why not (unknown name,
  // shutting down).
  Service*
  service_for_control(const std::string& name, const ControlReply& reply);

  ControlAnswer
  stop_by_command(Service& service, ControlAction action, ControlReply& reply);

  // Starts `service` by command (`verb`: "started", "restarted").
  ControlAnswer
  start_by_command(Service& service, const char* verb);

  // Answers the stops and restarts whose service has ended.
  void
  settle_pending_control();

  bool
  held_down(const std::string& name) const
  {
    return m_held_down.count(name) != 0;
  }

  struct PendingControl
  {
    std::string service;
    ControlAction action;
    ControlReply reply;
  };

  config::SupervisorConfig m_config;
  bool m_single_command;
  boost::asio::io_context m_io;
  Reaper m_reaper;
  OutputWriter m_writer;
  std::map<std::string, std::unique_ptr<Service>> m_services;
  // Removed or replaced by a reload, stopping; dropped once they ended.
  std::vector<std::unique_ptr<Service>> m_retiring;
  boost::asio::steady_timer m_shutdown_timer;
  boost::asio::steady_timer m_escalation_timer;
  boost::asio::steady_timer m_reap_timer;
  std::unique_ptr<SignalSource> m_signals;
  ConfigLoader m_reload_loader;
  std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
  bool m_reconcile_pending = false;
  bool m_shutting_down = false;
  bool m_escalating = false;
  bool m_killed_at_escalation = false;
  std::optional<int> m_shutdown_exit_code; // set when a critical service ended it
  std::optional<int> m_exit_code;
  std::set<std::string> m_held_down; // stopped by command: not restarted, not counted
  std::vector<PendingControl> m_pending_control;
  std::string m_control_path;
  std::unique_ptr<ControlSocket> m_control; // destroyed before m_io

  mutable std::mutex m_snapshot_mutex;
  Snapshot m_snapshot;
};

// Throws Error(config) for a service without a command, a dependency on an
// unknown service, or a dependency cycle (naming it).
void
check_supervisor_graph(const config::SupervisorConfig& config);

// `config` with `run -- CMD`'s command added as the critical service
// "command" (output passed through, never restarted). `single_command` tells
// whether that is all there is: the tini drop-in. Throws Error(usage) when
// there is nothing to run, Error(config) when "command" is taken.
config::SupervisorConfig
with_extra_command(const config::SupervisorConfig& config,
                   const std::optional<std::vector<std::string>>& extra_command,
                   bool& single_command);

// Runs the services of `config`, plus `extra_command` as a critical service
// whose output passes through, and returns the exit code (D1). In the tini
// drop-in (`extra_command` alone) it exits the process itself with _exit once
// CMD is reaped and its output flushed. Throws Error(usage) when there is
// nothing to run, Error(config) for a bad dependency graph.
int
run_supervisor(const config::SupervisorConfig& config, std::optional<std::vector<std::string>> extra_command);

} // namespace rastar::supervise
