#pragma once

// The control socket's tests: a real `rastar-init run --config` child with
// its own status port and control socket in the test's directory, and a
// stand-in server that answers one request as told (for the client's side).

#include "supervise_test_support.hpp"
#include "test_support.hpp"

#include <rastar/supervise/snapshot.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace rastar::test {

// A free loopback port (it was free a moment ago).
unsigned short
free_port();

// The YAML of a service named `name` that runs print_signals with its output
// appended to `name`.out and exits on SIGTERM; `settings` are more lines of
// its map, indented by four spaces.
std::string
signal_printer_service(const std::string& name, const std::string& settings = "");

// `rastar-init run --config rastar-init.yaml` in the current directory.
class RunningInit
{
public:
  // `services`: the body of the services: map. `socket`: control.socket
  // (relative paths are made absolute). Unless `wait_ready` is false, waits
  // up to 10 s for every service to run, and every signal_printer_service to
  // print its ready line (before that a signal would kill it by default);
  // the test fails otherwise.
  explicit RunningInit(const std::string& services,
                       const std::string& socket = "control.sock",
                       bool wait_ready = true,
                       const std::string& config_name = "rastar-init.yaml");
  ~RunningInit();
  RunningInit(const RunningInit&) = delete;
  RunningInit& operator=(const RunningInit&) = delete;

  pid_t
  pid() const
  {
    return m_launched.pid;
  }

  // The control socket's absolute path.
  const std::string&
  socket() const
  {
    return m_socket;
  }

  std::string
  listen() const;

  // /status, or nullopt when it does not answer.
  std::optional<supervise::Snapshot>
  snapshot() const;

  // The service's entry in /status (the test fails when there is none).
  supervise::ServiceSnapshot
  service(const std::string& name) const;

  // Waits until the signal_printer_service `name` runs as the pid /status
  // shows and has printed its ready line (10 s at most).
  bool
  wait_printing(const std::string& name) const;

  // Polls /status until `condition` holds (10 s at most).
  bool
  wait_for(const std::function<bool(const supervise::Snapshot&)>& condition) const;

  // `rastar-init ACTION SERVICE --socket <this socket>`.
  CommandResult
  control(const std::string& action, const std::string& service) const;

  // Whether rastar-init is still running (it has not exited).
  bool
  alive();

  // SIGTERM, then its exit code (nullopt when it had to be killed after 20 s).
  std::optional<int>
  terminate();

  std::string
  err() const
  {
    return m_launched.err();
  }

private:
  Launched m_launched;
  std::string m_socket;
  unsigned short m_port = 0;
  std::optional<int> m_exit_code;
};

// A Unix socket server at `path` that accepts one connection, reads one line
// and answers `answer` (nothing when it is empty, holding the connection open
// until destroyed).
class FakeControlServer
{
public:
  FakeControlServer(const std::string& path, std::string answer);
  ~FakeControlServer();
  FakeControlServer(const FakeControlServer&) = delete;
  FakeControlServer& operator=(const FakeControlServer&) = delete;

  // The request line it received, once it has ("" until then).
  std::string
  request() const;

private:
  void
  serve();

  int m_fd = -1;
  std::string m_answer;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::string m_request;
  std::thread m_thread;
};

} // namespace rastar::test
