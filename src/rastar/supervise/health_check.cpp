#include <rastar/supervise/health_check.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace rastar::supervise {

std::string
to_string(Health health)
{
  switch (health) {
  case Health::none: return "none";
  case Health::starting: return "starting";
  case Health::healthy: return "healthy";
  case Health::unhealthy: return "unhealthy";
  }
  return "none";
}

// One probe in flight: its deadline, socket and command pid.
struct HealthCheck::Attempt
{
  explicit Attempt(asio::io_context& io)
    : deadline(io),
      resolver(io),
      socket(io)
  {
  }

  asio::steady_timer deadline;
  tcp::resolver resolver;
  tcp::socket socket;
  asio::streambuf response;
  std::string request;
  pid_t pid = -1;
  bool done = false;
};

namespace {

// Splits "host:port" (or "[v6]:port"); the port defaults to `default_port`.
std::pair<std::string, std::string>
split_host_port(const std::string& address, const std::string& default_port)
{
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    const auto host = address.substr(1, close - 1);
    const auto rest = close == std::string::npos ? std::string() : address.substr(close + 1);
    return {host, rest.size() > 1 && rest.front() == ':' ? rest.substr(1) : default_port};
  }
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return {address, default_port};
  }
  return {address.substr(0, colon), address.substr(colon + 1)};
}

} // namespace

HealthCheck::HealthCheck(asio::io_context& io, Reaper& reaper, config::Check check, std::string service,
                         SpawnRequest command_template, Listener listener)
  : m_io(io),
    m_reaper(reaper),
    m_check(std::move(check)),
    m_service(std::move(service)),
    m_command_template(std::move(command_template)),
    m_listener(std::move(listener)),
    m_timer(io)
{
}

void
HealthCheck::start()
{
  m_started = std::chrono::steady_clock::now();
  m_stopped = false;
  schedule(config::Milliseconds(0));
}

void
HealthCheck::stop()
{
  m_stopped = true;
  m_timer.cancel();
  if (m_attempt && !m_attempt->done) {
    m_attempt->done = true;
    m_attempt->deadline.cancel();
    boost::system::error_code ignored;
    m_attempt->resolver.cancel();
    m_attempt->socket.close(ignored);
    if (m_attempt->pid > 0) {
      kill(-m_attempt->pid, SIGKILL);
    }
  }
  m_attempt.reset();
}

void
HealthCheck::schedule(config::Milliseconds delay)
{
  m_timer.expires_after(delay);
  m_timer.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error && !self->m_stopped) {
      self->probe();
    }
  });
}

void
HealthCheck::probe()
{
  auto attempt = std::make_shared<Attempt>(m_io);
  m_attempt = attempt;
  attempt->deadline.expires_after(m_check.timeout);
  attempt->deadline.async_wait([self = shared_from_this(), attempt](const boost::system::error_code& error) {
    if (!error) {
      self->complete(attempt, false, fmt::format("no answer within {} ms", self->m_check.timeout.count()));
    }
  });
  switch (m_check.kind) {
  case config::CheckKind::tcp: {
    const auto [host, port] = split_host_port(m_check.tcp_address, "80");
    probe_tcp(attempt, host, port, "");
    break;
  }
  case config::CheckKind::http: {
    const std::string prefix = "http://";
    if (m_check.http_url.compare(0, prefix.size(), prefix) != 0) {
      complete(attempt, false, fmt::format("\"{}\" is not an http:// URL", m_check.http_url));
      return;
    }
    const auto rest = m_check.http_url.substr(prefix.size());
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    const auto target = slash == std::string::npos ? std::string("/") : rest.substr(slash);
    const auto [host, port] = split_host_port(authority, "80");
    probe_tcp(attempt, host, port,
              fmt::format("GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: rastar-init\r\nConnection: close\r\n\r\n",
                          target, authority));
    break;
  }
  case config::CheckKind::command: probe_command(attempt); break;
  case config::CheckKind::none: complete(attempt, true, ""); break;
  }
}

void
HealthCheck::probe_tcp(const std::shared_ptr<Attempt>& attempt, const std::string& host, const std::string& port,
                       const std::string& request)
{
  attempt->request = request;
  auto self = shared_from_this();
  attempt->resolver.async_resolve(host, port, [self, attempt](const boost::system::error_code& error,
                                                              const tcp::resolver::results_type& endpoints) {
    if (error) {
      self->complete(attempt, false, "cannot resolve: " + error.message());
      return;
    }
    asio::async_connect(attempt->socket, endpoints, [self, attempt](const boost::system::error_code& connect_error,
                                                                    const tcp::endpoint&) {
      if (connect_error) {
        self->complete(attempt, false, "cannot connect: " + connect_error.message());
        return;
      }
      if (attempt->request.empty()) {
        self->complete(attempt, true, "");
        return;
      }
      asio::async_write(attempt->socket, asio::buffer(attempt->request),
                        [self, attempt](const boost::system::error_code& write_error, std::size_t) {
        if (write_error) {
          self->complete(attempt, false, "cannot send the request: " + write_error.message());
          return;
        }
        asio::async_read_until(attempt->socket, attempt->response, "\r\n",
                               [self, attempt](const boost::system::error_code& read_error, std::size_t size) {
          if (read_error) {
            self->complete(attempt, false, "no HTTP answer: " + read_error.message());
            return;
          }
          std::string status_line(asio::buffers_begin(attempt->response.data()),
                                  asio::buffers_begin(attempt->response.data()) + static_cast<long>(size));
          // "HTTP/1.1 200 OK": 2xx and 3xx count as healthy.
          const auto space = status_line.find(' ');
          const char digit = space == std::string::npos || space + 1 >= status_line.size()
                               ? '0'
                               : status_line[space + 1];
          while (!status_line.empty() && (status_line.back() == '\n' || status_line.back() == '\r')) {
            status_line.pop_back();
          }
          self->complete(attempt, digit == '2' || digit == '3', "answered \"" + status_line + "\"");
        });
      });
    });
  });
}

void
HealthCheck::probe_command(const std::shared_ptr<Attempt>& attempt)
{
  SpawnRequest request = m_command_template;
  request.argv = m_check.command;
  request.output = OutputMode::null;
  request.null_stdin = true;
  request.take_terminal = false;
  try {
    attempt->pid = spawn_process(request).pid;
  } catch (const SpawnError& e) {
    complete(attempt, false, e.what());
    return;
  }
  m_reaper.watch(attempt->pid, [self = shared_from_this(), attempt](const ExitStatus& status) {
    attempt->pid = -1;
    self->complete(attempt, status.code == 0 && status.signal == 0, "the command " + status.describe());
  });
}

void
HealthCheck::complete(const std::shared_ptr<Attempt>& attempt, bool passed, const std::string& detail)
{
  if (attempt->done) {
    return;
  }
  attempt->done = true;
  attempt->deadline.cancel();
  boost::system::error_code ignored;
  attempt->socket.close(ignored);
  if (attempt->pid > 0) {
    kill(-attempt->pid, SIGKILL); // timed out: the reaper still collects it
  }
  if (m_stopped) {
    return;
  }
  const Health before = m_health;
  if (passed) {
    m_failures = 0;
    m_health = Health::healthy;
  } else {
    const bool in_start_period = std::chrono::steady_clock::now() - m_started < m_check.start_period;
    if (!in_start_period) {
      ++m_failures;
    }
    spdlog::debug("{}: check failed: {}", m_service, detail);
    if (m_failures >= std::max(m_check.retries, 1)) {
      if (before != Health::unhealthy) {
        spdlog::warn("{}: unhealthy: {}", m_service, detail);
      }
      m_health = Health::unhealthy;
    }
  }
  schedule(m_check.interval);
  if (m_health != before) {
    m_listener(m_health);
  }
}

} // namespace rastar::supervise
