#pragma once

#include <rastar/config/service_config.hpp>
#include <rastar/supervise/backoff.hpp>
#include <rastar/supervise/health_check.hpp>
#include <rastar/supervise/log_relay.hpp>
#include <rastar/supervise/output_writer.hpp>
#include <rastar/supervise/reaper.hpp>
#include <rastar/supervise/snapshot.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>

// One supervised service: its process, output relays, probes and restarts.
// The Supervisor decides when it starts and stops; the Service carries out
// its own restart policy and reports every change through `on_change`.

namespace rastar::supervise {

enum class ServiceState {
  waiting,  // not started yet (dependencies) or stopped before it started
  running,  // a process runs; ready once its ready check passed (or it has none)
  backoff,  // ended, restarts after a delay
  stopping, // stop signal sent, waiting for it to end
  exited,   // ended for good (policy says no restart, or stopped)
  failed,   // could not be started, or crash-looped past its limit
};

class Service
{
public:
  // `pass_through`: the child inherits rastar-init's stdout/stderr unprefixed
  // (the tini drop-in) and gets the terminal when stdin is one.
  Service(boost::asio::io_context& io, Reaper& reaper, OutputWriter& writer, config::ServiceConfig config,
          bool pass_through, std::function<void()> on_change);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Starts the process now (a failure to start is reported as `failed`).
  void
  start();

  // Sends the stop signal to its group and SIGKILLs it after stop_timeout;
  // a service that is waiting or backing off is just not started again.
  void
  stop();

  // Makes a service that was stopped, ended, failed or is backing off
  // startable again as if new: clears the stop, the crash-loop count and the
  // last start failure, and leaves it waiting for start() (control: start).
  void
  rearm();

  // SIGKILLs its process group now if a process runs.
  void
  kill_now();

  // Sends `signal_number` to its process group if a process runs.
  void
  signal(int signal_number);

  // Reads what its output pipes still hold and writes it out, without
  // waiting for stragglers that keep them open (before rastar-init exits).
  void
  drain_output();

  const config::ServiceConfig&
  config() const
  {
    return m_config;
  }

  const std::string&
  name() const
  {
    return m_config.name;
  }

  ServiceState
  state() const
  {
    return m_state;
  }

  // A process runs (running or stopping).
  bool
  has_process() const
  {
    return m_pid > 0;
  }

  // The running process's id (also its group's), or -1.
  pid_t
  pid() const
  {
    return m_pid;
  }

  // Why the last start() failed ("cannot run node: ..."), or empty.
  const std::string&
  start_error() const
  {
    return m_start_error;
  }

  // Has a process been spawned at least once (depends_on: started).
  bool
  started() const
  {
    return m_spawned;
  }

  // Its ready check passed for the current process (depends_on: healthy).
  bool
  ready() const
  {
    return m_ready;
  }

  // The code the container exits with when this (critical) service ended it:
  // 127/126 when it could not start, else its last code (128+N for signal N).
  int
  final_exit_code() const;

  // Whether SIGKILL had to end it at its stop_timeout (or the global one).
  bool
  was_killed() const
  {
    return m_killed;
  }

  // Whether its last exit was a success by its success_codes.
  bool
  last_exit_succeeded() const;

  ServiceSnapshot
  snapshot() const;

private:
  void
  on_exit(const ExitStatus& status);

  void
  on_ready_health(Health health);

  void
  start_probes();

  void
  stop_probes();

  void
  set_state(ServiceState state);

  SpawnRequest
  spawn_request() const;

  boost::asio::io_context& m_io;
  Reaper& m_reaper;
  OutputWriter& m_writer;
  config::ServiceConfig m_config;
  bool m_pass_through;
  std::function<void()> m_on_change;
  RestartTracker m_restarts;
  // Expires with the service: a timer that fired just before a reload
  // retired and destroyed it is then ignored.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  boost::asio::steady_timer m_restart_timer;
  boost::asio::steady_timer m_kill_timer;
  std::unique_ptr<LogRelay> m_stdout_relay;
  std::unique_ptr<LogRelay> m_stderr_relay;
  std::shared_ptr<HealthCheck> m_ready_check;
  std::shared_ptr<HealthCheck> m_health_check;
  ServiceState m_state = ServiceState::waiting;
  pid_t m_pid = -1;
  bool m_spawned = false;
  bool m_ready = false;
  bool m_stop_requested = false;
  bool m_killed = false;
  std::optional<ExitStatus> m_last_exit;
  std::optional<int> m_spawn_error_code;
  std::string m_start_error;
  SteadyTime m_process_started{};
};

} // namespace rastar::supervise
