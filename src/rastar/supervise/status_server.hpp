#pragma once

#include <rastar/supervise/snapshot.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

// The read-only HTTP status endpoint (D20): /healthz, /readyz and /status,
// served asynchronously on the supervisor's io_context. It is up from the
// first phase, so /healthz answers 200 while rastar-init waits for the
// database or the lock or runs migrations.
//
//   /healthz  200 "ok" while Snapshot.healthy, else 503
//   /readyz   200 "ready" when Snapshot.ready and healthy, else 503 with what
//             is not ready yet
//   /status   200 and the Snapshot as JSON (snapshot_json.hpp)
//
// GET and HEAD only (405 otherwise), 404 for any other path. The server never
// blocks the loop: a slow or idle client is dropped after the idle timeout,
// a request larger than a few kilobytes is refused, and at most a few dozen
// connections are open at once.

namespace rastar::supervise {

namespace detail {
struct StatusServerState;
}

class StatusServer
{
public:
  using SnapshotFunction = std::function<Snapshot()>;

  static constexpr std::chrono::milliseconds k_default_idle_timeout{5000};

  // Binds `listen` (status.listen: "127.0.0.1:8079", "[::1]:8079", ":8079";
  // "127.0.0.1:0" takes a free port; "0" leaves the server off) and accepts
  // on `io`. `snapshot` is called on the io_context's thread for each request
  // and may lock a mutex. Throws Error(config) when the address is invalid or
  // cannot be bound.
  StatusServer(boost::asio::io_context& io,
               const std::string& listen,
               SnapshotFunction snapshot,
               std::chrono::milliseconds idle_timeout = k_default_idle_timeout);

  // Calls stop(). Destroy the server before its io_context.
  ~StatusServer();

  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // False when `listen` was "0".
  bool
  enabled() const;

  // The port actually bound (the free one the kernel chose for port 0); 0 when off.
  unsigned short
  port() const;

  // The bound address as "127.0.0.1:41234"; empty when off.
  std::string
  address() const;

  // Closes the listener and every open connection. Safe from any thread: from
  // the io_context's own thread it closes at once, from another one it posts
  // the close to the loop, which must run (or be destroyed) to free the port.
  // Calling it again does nothing.
  void
  stop();

private:
  // Shared with the pending handlers, so a handler that runs after the server
  // is gone finds its state alive.
  std::shared_ptr<detail::StatusServerState> m_state;
  unsigned short m_port = 0;
  std::string m_address;
};

} // namespace rastar::supervise
