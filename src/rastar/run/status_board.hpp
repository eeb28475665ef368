#pragma once

#include <rastar/supervise/snapshot.hpp>
#include <rastar/supervise/status_server.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace rastar::supervise {
class Supervisor;
}

namespace rastar::run {

// What /status reports while `run` goes through its phases: the phase name
// before the services start, the supervisor's own snapshot after.
class StatusBoard
{
public:
  StatusBoard();

  void
  set_phase(std::string phase);

  // From now on the snapshot is `supervisor`'s (nullptr: back to the phase).
  void
  attach(const supervise::Supervisor* supervisor);

  supervise::Snapshot
  snapshot() const;

private:
  mutable std::mutex m_mutex;
  std::string m_phase = "config";
  const supervise::Supervisor* m_supervisor = nullptr;
  std::chrono::steady_clock::time_point m_started;
};

// The status server on a thread of its own, so /healthz answers while a
// phase blocks (D20). A port that cannot be bound is a warning: the
// services matter more than their probe.
class StatusEndpoint
{
public:
  StatusEndpoint(const std::string& listen, const StatusBoard& board);
  ~StatusEndpoint();
  StatusEndpoint(const StatusEndpoint&) = delete;
  StatusEndpoint& operator=(const StatusEndpoint&) = delete;

private:
  boost::asio::io_context m_io;
  std::unique_ptr<supervise::StatusServer> m_server;
  std::thread m_thread;
};

} // namespace rastar::run
