#include "status_server_fixture.hpp"

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

namespace rastar::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

QuietLog::QuietLog()
  : m_level(spdlog::get_level())
{
  spdlog::set_level(spdlog::level::off);
}

QuietLog::~QuietLog()
{
  spdlog::set_level(m_level);
}

RunningStatusServer::RunningStatusServer(supervise::Snapshot snapshot, std::chrono::milliseconds idle_timeout)
  : m_snapshot(std::move(snapshot))
{
  m_server.emplace(
    m_io,
    "127.0.0.1:0",
    [this] {
      std::lock_guard lock(m_mutex);
      if (!m_failure.empty()) {
        throw std::runtime_error(m_failure);
      }
      return m_snapshot;
    },
    idle_timeout);
  std::promise<void> finished;
  m_finished = finished.get_future();
  m_thread = std::thread([this, finished = std::move(finished)]() mutable {
    m_io.run();
    finished.set_value();
  });
}

RunningStatusServer::~RunningStatusServer()
{
  stop_and_join();
}

void
RunningStatusServer::set(supervise::Snapshot snapshot)
{
  std::lock_guard lock(m_mutex);
  m_snapshot = std::move(snapshot);
}

void
RunningStatusServer::fail_with(std::string message)
{
  std::lock_guard lock(m_mutex);
  m_failure = std::move(message);
}

unsigned short
RunningStatusServer::port() const
{
  return m_server->port();
}

std::string
RunningStatusServer::listen() const
{
  return "127.0.0.1:" + std::to_string(port());
}

bool
RunningStatusServer::stop_and_join()
{
  if (!m_thread.joinable()) {
    return true;
  }
  m_server->stop();
  const bool ran_out = m_finished.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  if (!ran_out) {
    m_io.stop();
  }
  m_thread.join();
  m_server.reset();
  return ran_out;
}

std::string
RawReply::header(const std::string& name) const
{
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  };
  const auto lowered = lower(head);
  const auto key = "\r\n" + lower(name) + ": ";
  const auto start = lowered.find(key);
  if (start == std::string::npos) {
    return "";
  }
  const auto value_start = start + key.size();
  return head.substr(value_start, head.find("\r\n", value_start) - value_start);
}

RawConnection::RawConnection(unsigned short port)
  : m_socket(m_io)
{
  m_socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
}

long
RawConnection::receive(char* data, std::size_t size)
{
  // Asio's blocking read polls without a timeout whatever SO_RCVTIMEO says,
  // so wait with poll() here: a server that never answers fails the test.
  pollfd descriptor{m_socket.native_handle(), POLLIN, 0};
  if (::poll(&descriptor, 1, 5000) != 1) {
    return -1;
  }
  return ::recv(m_socket.native_handle(), data, size, 0);
}

void
RawConnection::receive_more()
{
  char chunk[4096];
  const auto count = receive(chunk, sizeof chunk);
  if (count <= 0) {
    throw std::runtime_error("the server closed the connection or did not answer within 5 s");
  }
  m_pending.append(chunk, static_cast<std::size_t>(count));
}

void
RawConnection::send(const std::string& bytes)
{
  asio::write(m_socket, asio::buffer(bytes));
}

std::string
RawConnection::read_to_end()
{
  std::string text = std::move(m_pending);
  m_pending.clear();
  char chunk[4096];
  while (true) {
    const auto count = receive(chunk, sizeof chunk);
    if (count <= 0) {
      break;
    }
    text.append(chunk, static_cast<std::size_t>(count));
  }
  return text;
}

RawReply
RawConnection::read_reply(bool head_only)
{
  while (m_pending.find("\r\n\r\n") == std::string::npos) {
    receive_more();
  }
  const auto head_end = m_pending.find("\r\n\r\n") + 4;
  auto reply = parse_reply(m_pending.substr(0, head_end));
  const auto length = head_only ? 0 : std::stoul(reply.header("Content-Length"));
  while (m_pending.size() < head_end + length) {
    receive_more();
  }
  reply.body = m_pending.substr(head_end, length);
  m_pending.erase(0, head_end + length);
  return reply;
}

bool
RawConnection::closed_by_server()
{
  char byte;
  const auto count = receive(&byte, 1);
  return count == 0 || (count < 0 && errno == ECONNRESET);
}

RawReply
http_request(unsigned short port, const std::string& request_line, const std::string& extra)
{
  RawConnection connection(port);
  connection.send(request_line + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra + "\r\n");
  return parse_reply(connection.read_to_end());
}

RawReply
parse_reply(const std::string& text)
{
  RawReply reply;
  const auto head_end = text.find("\r\n\r\n");
  if (text.size() < 12 || head_end == std::string::npos) {
    throw std::runtime_error("not an HTTP reply: \"" + text + "\"");
  }
  reply.status = std::stoi(text.substr(9, 3));
  reply.head = text.substr(0, head_end);
  reply.body = text.substr(head_end + 4);
  return reply;
}

supervise::Snapshot
migrating_snapshot()
{
  supervise::Snapshot snapshot;
  snapshot.phase = "migrate";
  snapshot.uptime_seconds = 3.5;
  snapshot.ready = false;
  snapshot.healthy = true;
  return snapshot;
}

supervise::Snapshot
running_snapshot()
{
  supervise::Snapshot snapshot;
  snapshot.phase = "running";
  snapshot.uptime_seconds = 3725.4;
  snapshot.ready = false;
  snapshot.healthy = true;
  supervise::ServiceSnapshot api;
  api.name = "api";
  api.state = "ready";
  api.pid = 4242;
  api.uptime_seconds = 65.2;
  api.health = "healthy";
  api.critical = true;
  supervise::ServiceSnapshot worker;
  worker.name = "worker";
  worker.state = "backoff";
  worker.restarts = 3;
  worker.last_exit_code = 1;
  worker.health = "none";
  snapshot.services = {api, worker};
  return snapshot;
}

} // namespace rastar::test
