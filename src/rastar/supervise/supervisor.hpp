#pragma once

#include <rastar/config/service_config.hpp>
#include <rastar/supervise/output_writer.hpp>
#include <rastar/supervise/reaper.hpp>
#include <rastar/supervise/service.hpp>
#include <rastar/supervise/snapshot.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// The PID-1 supervision phase: one Asio loop that receives the signals (from
// util::SignalWatcher), reaps every child, starts services in dependency
// order, shuts them down in reverse order (D17) and decides the exit code (D1).

namespace rastar::supervise {

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

  // Called (on the loop) for SIGHUP when the config sets sighup_reloads;
  // without one, SIGHUP is forwarded.
  void
  set_reload_handler(std::function<void()> handler);

private:
  struct SignalInbox;

  void
  on_signal(int signal_number);

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

  config::SupervisorConfig m_config;
  bool m_single_command;
  boost::asio::io_context m_io;
  Reaper m_reaper;
  OutputWriter m_writer;
  std::map<std::string, std::unique_ptr<Service>> m_services;
  boost::asio::steady_timer m_shutdown_timer;
  boost::asio::steady_timer m_escalation_timer;
  boost::asio::steady_timer m_reap_timer;
  std::shared_ptr<SignalInbox> m_inbox;
  std::function<void()> m_reload_handler;
  std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
  bool m_reconcile_pending = false;
  bool m_shutting_down = false;
  bool m_escalating = false;
  bool m_killed_at_escalation = false;
  std::optional<int> m_shutdown_exit_code; // set when a critical service ended it
  std::optional<int> m_exit_code;

  mutable std::mutex m_snapshot_mutex;
  Snapshot m_snapshot;
};

// Runs the services of `config`, plus `extra_command` as a critical service
// whose output passes through; with no services, `extra_command` alone runs
// in the tini drop-in mode. Returns the exit code. Throws Error(usage) when
// there is nothing to run, Error(config) for a bad dependency graph.
int
run_supervisor(const config::SupervisorConfig& config, std::optional<std::vector<std::string>> extra_command);

} // namespace rastar::supervise
