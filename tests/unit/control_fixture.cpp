#include "control_fixture.hpp"

#include <rastar/supervise/snapshot_json.hpp>
#include <rastar/supervise/status_client.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rastar::test {

unsigned short
free_port()
{
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
    io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

std::string
signal_printer_service(const std::string& name, const std::string& settings)
{
  return "  " + name + ":\n    command: [/bin/sh, -c, 'exec \"$$0\" --exit-on 15 >>" + name + ".out', " +
         helper_path("print_signals") + "]\n" + settings;
}

RunningInit::RunningInit(const std::string& services,
                         const std::string& socket,
                         bool wait_ready,
                         const std::string& config_name)
  : m_socket(socket.empty() || socket.front() == '/' ? socket : (std::filesystem::current_path() / socket).string()),
    m_port(free_port())
{
  write_file(config_name, "status: {listen: \"127.0.0.1:" + std::to_string(m_port) + "\"}\n" +
                            "control: {socket: \"" + m_socket + "\"}\n" + "shutdown_timeout: 5s\n" +
                            "services:\n" + services);
  // No database: the config alone, so `run` goes straight to the services.
  m_launched = launch({RASTAR_INIT_BINARY, "run", "--config", config_name},
                      {{"DATABASE_URL", ""}, {"DATABASE_URL_FILE", ""}, {"RASTAR_LOG_LEVEL", "info"}});
  if (wait_ready) {
    const bool ready = wait_for([](const supervise::Snapshot& snapshot) {
      for (const auto& service : snapshot.services) {
        if (!service.pid) {
          return false;
        }
      }
      return snapshot.phase == "running" && !snapshot.services.empty();
    });
    if (!ready) {
      terminate();
      FAIL("rastar-init did not start its services; its log:\n" << err());
    }
    const auto started = snapshot().value_or(supervise::Snapshot{});
    for (const auto& service : started.services) {
      if (services.find(">>" + service.name + ".out'") != std::string::npos && !wait_printing(service.name)) {
        terminate();
        FAIL("service " << service.name << " did not print its ready line; rastar-init's log:\n" << err());
      }
    }
  }
}

bool
RunningInit::wait_printing(const std::string& name) const
{
  return wait_until(
    [&] {
      const auto current = snapshot();
      if (!current) {
        return false;
      }
      for (const auto& service : current->services) {
        if (service.name == name && service.pid) {
          return read_file(name + ".out").find("ready (pid: " + std::to_string(*service.pid) + ")\n") !=
                 std::string::npos;
        }
      }
      return false;
    },
    std::chrono::seconds(10));
}

RunningInit::~RunningInit()
{
  if (!m_exit_code) {
    terminate();
  }
}

std::string
RunningInit::listen() const
{
  return "127.0.0.1:" + std::to_string(m_port);
}

std::optional<supervise::Snapshot>
RunningInit::snapshot() const
{
  try {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::address_v4::loopback(), m_port);
    const auto answer = supervise::fetch_status_path(endpoint, "/status", std::chrono::seconds(2));
    return supervise::snapshot_from_json_text(answer.body);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

supervise::ServiceSnapshot
RunningInit::service(const std::string& name) const
{
  const auto current = snapshot();
  REQUIRE(current.has_value());
  for (const auto& service : current->services) {
    if (service.name == name) {
      return service;
    }
  }
  FAIL("no service " << name << " in /status");
  return {};
}

bool
RunningInit::wait_for(const std::function<bool(const supervise::Snapshot&)>& condition) const
{
  return wait_until(
    [&] {
      const auto current = snapshot();
      return current && condition(*current);
    },
    std::chrono::seconds(10));
}

CommandResult
RunningInit::control(const std::string& action, const std::string& service) const
{
  return run_rastar({action, service, "--socket", m_socket, "--timeout", "20s"},
                    {{"RASTAR_INIT_CONFIG", std::nullopt}, {"RASTAR_CONTROL_SOCKET", std::nullopt}});
}

bool
RunningInit::alive()
{
  if (m_exit_code) {
    return false;
  }
  int status = 0;
  if (waitpid(m_launched.pid, &status, WNOHANG) == m_launched.pid) {
    m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::optional<int>
RunningInit::terminate()
{
  if (!alive()) {
    return m_exit_code;
  }
  kill(m_launched.pid, SIGTERM);
  const auto code = wait_exit(m_launched.pid, std::chrono::seconds(20));
  m_exit_code = code.value_or(-1);
  return code;
}

FakeControlServer::FakeControlServer(const std::string& path, std::string answer)
  : m_answer(std::move(answer))
{
  m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(m_fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  REQUIRE(::bind(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(m_fd, 4) == 0);
  m_thread = std::thread([this] { serve(); });
}

FakeControlServer::~FakeControlServer()
{
  m_stop = true;
  m_thread.join();
  ::close(m_fd);
}

std::string
FakeControlServer::request() const
{
  std::lock_guard lock(m_mutex);
  return m_request;
}

void
FakeControlServer::serve()
{
  // Every wait is bounded by polls that also watch m_stop.
  auto wait_readable = [this](int fd) {
    while (!m_stop) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  };
  if (!wait_readable(m_fd)) {
    return;
  }
  const int client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) {
    return;
  }
  std::string line;
  char byte = 0;
  while (line.find('\n') == std::string::npos && wait_readable(client) && ::read(client, &byte, 1) == 1) {
    line += byte;
  }
  {
    std::lock_guard lock(m_mutex);
    m_request = line;
  }
  if (!m_answer.empty()) {
    [[maybe_unused]] const auto written = ::write(client, m_answer.data(), m_answer.size());
  } else {
    while (!m_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ::close(client);
}

} // namespace rastar::test
