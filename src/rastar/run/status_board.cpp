#include <rastar/run/status_board.hpp>

#include <rastar/supervise/supervisor.hpp>
#include <rastar/util/error.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <spdlog/spdlog.h>

namespace rastar::run {

StatusBoard::StatusBoard()
  : m_started(std::chrono::steady_clock::now())
{
}

void
StatusBoard::set_phase(std::string phase)
{
  std::lock_guard lock(m_mutex);
  m_phase = std::move(phase);
}

void
StatusBoard::attach(const supervise::Supervisor* supervisor)
{
  std::lock_guard lock(m_mutex);
  m_supervisor = supervisor;
}

supervise::Snapshot
StatusBoard::snapshot() const
{
  std::lock_guard lock(m_mutex);
  if (m_supervisor) {
    return m_supervisor->snapshot();
  }
  supervise::Snapshot snapshot;
  snapshot.phase = m_phase;
  snapshot.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
  snapshot.ready = false;
  snapshot.healthy = true; // waiting for the database or the lock is not a reason to be restarted
  return snapshot;
}

StatusEndpoint::StatusEndpoint(const std::string& listen, const StatusBoard& board)
{
  try {
    m_server = std::make_unique<supervise::StatusServer>(m_io, listen, [&board] { return board.snapshot(); });
  } catch (const Error& e) {
    spdlog::warn("the status endpoint is off: {}", e.what());
    return;
  }
  if (!m_server->enabled()) {
    m_server.reset();
    return;
  }
  m_thread = std::thread([this] {
    auto guard = boost::asio::make_work_guard(m_io);
    m_io.run();
  });
}

StatusEndpoint::~StatusEndpoint()
{
  if (m_server) {
    m_server->stop();
  }
  m_io.stop();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  m_server.reset();
}

} // namespace rastar::run
