#pragma once

// A real StatusServer on an ephemeral loopback port, its io_context run on a
// thread of its own (as rastar-init runs it during the pre-service phases),
// and a raw HTTP/1.1 client that shows exactly what goes over the wire.

#include <rastar/supervise/status_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace rastar::test {

// Silences spdlog while it lives: the server's own lines are not test output.
class QuietLog
{
public:
  QuietLog();
  ~QuietLog();
  QuietLog(const QuietLog&) = delete;
  QuietLog& operator=(const QuietLog&) = delete;

private:
  spdlog::level::level_enum m_level;
};

class RunningStatusServer
{
public:
  explicit RunningStatusServer(
    supervise::Snapshot snapshot,
    std::chrono::milliseconds idle_timeout = supervise::StatusServer::k_default_idle_timeout);
  ~RunningStatusServer();
  RunningStatusServer(const RunningStatusServer&) = delete;
  RunningStatusServer& operator=(const RunningStatusServer&) = delete;

  // Replaces what the next request sees, as the supervisor does under its mutex.
  void
  set(supervise::Snapshot snapshot);

  // Makes the snapshot function throw `message` (empty: stop throwing).
  void
  fail_with(std::string message);

  unsigned short
  port() const;

  // "127.0.0.1:<port>", for --listen.
  std::string
  listen() const;

  // Stops the server and returns whether its loop then ran out of work on its
  // own within a few seconds (it is stopped by force otherwise).
  bool
  stop_and_join();

private:
  QuietLog m_quiet;
  boost::asio::io_context m_io;
  std::mutex m_mutex;
  supervise::Snapshot m_snapshot;
  std::string m_failure;
  std::optional<supervise::StatusServer> m_server;
  std::future<void> m_finished;
  std::thread m_thread;
};

struct RawReply
{
  int status = 0;
  std::string head; // status line and headers, without the blank line
  std::string body;

  // The value of header `name` (case-insensitive), or "" when absent.
  std::string
  header(const std::string& name) const;
};

// A blocking client socket whose reads give up after 5 s, so a broken server
// fails the test instead of hanging it.
class RawConnection
{
public:
  explicit RawConnection(unsigned short port);

  void
  send(const std::string& bytes);

  // Reads until the server closes the connection (or 5 s pass without data).
  std::string
  read_to_end();

  // Reads one reply whose body is Content-Length long; `head_only` for HEAD.
  RawReply
  read_reply(bool head_only = false);

  // Whether the server closed the connection (a read returned end of file).
  bool
  closed_by_server();

private:
  // recv() after waiting at most 5 s: the byte count, 0 at end of file, -1
  // on timeout or error.
  long
  receive(char* data, std::size_t size);

  // Appends what arrives to m_pending; throws when nothing does.
  void
  receive_more();

  boost::asio::io_context m_io;
  boost::asio::ip::tcp::socket m_socket;
  std::string m_pending;
};

// Sends `request` ("GET /healthz") as one HTTP/1.1 request with
// "Connection: close" on a new connection and returns the reply.
RawReply
http_request(unsigned short port, const std::string& request_line, const std::string& extra = "");

// Splits a reply read to its end into status, head and body.
RawReply
parse_reply(const std::string& text);

// A snapshot in the "migrate" phase, not ready, healthy, no services.
supervise::Snapshot
migrating_snapshot();

// Phase "running" with api (critical, ready, healthy) and worker (backoff).
supervise::Snapshot
running_snapshot();

} // namespace rastar::test
