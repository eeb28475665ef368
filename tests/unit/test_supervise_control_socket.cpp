// The control socket end to end: a real `rastar-init run --config` with
// print_signals services, driven by the real `rastar-init stop|start|restart`.
#include "control_fixture.hpp"

#include <rastar/supervise/control_protocol.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace rastar;
using namespace std::chrono_literals;
using test::RunningInit;

namespace {

bool
process_exists(int pid)
{
  return kill(pid, 0) == 0 || errno != ESRCH;
}

// The pid in "bot started (pid 1234)\n".
int
pid_in(const std::string& answer)
{
  const auto at = answer.find("(pid ");
  REQUIRE(at != std::string::npos);
  return std::stoi(answer.substr(at + 5));
}

// Sends `bytes` on the socket at `path` and returns all it answers (3 s at most).
std::string
exchange(const std::string& path, const std::string& bytes)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  std::string answer;
  char buffer[256];
  pollfd entry{fd, POLLIN, 0};
  while (::poll(&entry, 1, 3000) > 0) {
    const auto size = ::read(fd, buffer, sizeof(buffer));
    if (size <= 0) {
      break;
    }
    answer.append(buffer, static_cast<std::size_t>(size));
  }
  ::close(fd);
  return answer;
}

// A socket file nobody listens on, as a rastar-init killed by SIGKILL leaves.
void
leave_stale_socket(const std::string& path)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  ::close(fd);
}

} // namespace

TEST_CASE("parse_control_request")
{
  std::string error;

  SUBCASE("ACTION SERVICE, with or without its line end")
  {
    auto request = supervise::parse_control_request("restart bot\n", error);
    REQUIRE(request);
    CHECK(request->action == supervise::ControlAction::restart);
    CHECK(request->service == "bot");
    request = supervise::parse_control_request("  stop   web-1 \r\n", error);
    REQUIRE(request);
    CHECK(request->action == supervise::ControlAction::stop);
    CHECK(request->service == "web-1");
    CHECK(supervise::format_control_request(*request) == "stop web-1\n");
  }

  SUBCASE("errors are answer sentences")
  {
    CHECK_FALSE(supervise::parse_control_request("kill bot\n", error));
    CHECK(error == "unknown action \"kill\"; send \"start SERVICE\", \"stop SERVICE\" or \"restart SERVICE\"");
    CHECK_FALSE(supervise::parse_control_request("\x01\n", error));
    CHECK(error == "unknown action \"\\x01\"; send \"start SERVICE\", \"stop SERVICE\" or \"restart SERVICE\"");
    CHECK_FALSE(supervise::parse_control_request("stop\n", error));
    CHECK(error == "\"stop\" needs the name of a service, as in \"stop bot\"");
    CHECK_FALSE(supervise::parse_control_request("stop bot web\n", error));
    CHECK(error == "\"stop\" takes one service name, not \"bot web\"");
  }
}

TEST_CASE("parse_control_answer")
{
  auto answer = supervise::parse_control_answer("ok: bot stopped\n");
  REQUIRE(answer);
  CHECK(answer->ok);
  CHECK(answer->sentence == "bot stopped");
  answer = supervise::parse_control_answer("error: no service named \"x\"\n");
  REQUIRE(answer);
  CHECK_FALSE(answer->ok);
  CHECK(answer->sentence == "no service named \"x\"");
  CHECK_FALSE(supervise::parse_control_answer("HTTP/1.1 400 Bad Request\n"));
  CHECK(supervise::format_control_answer(supervise::ControlAnswer::failure("two\nlines")) == "error: two lines\n");
}

TEST_CASE("Supervisor::stop_service, start_service, restart_service")
{
  test::TestDirectory directory;

  SUBCASE("stop, start and restart one service while the other keeps running")
  {
    RunningInit init(test::signal_printer_service("bot") + test::signal_printer_service("web"));
    const int first = *init.service("bot").pid;
    const int web = *init.service("web").pid;

    auto result = init.control("stop", "bot");
    CHECK(result.exit_code == 0);
    CHECK(result.out == "bot stopped\n");
    CHECK(result.err.empty());
    // The answer comes once the process has ended and been reaped.
    CHECK_FALSE(process_exists(first));
    CHECK(test::read_file("bot.out") == "ready (pid: " + std::to_string(first) + ")\n15\n");
    auto bot = init.service("bot");
    CHECK(bot.state == "stopped");
    CHECK_FALSE(bot.pid);
    // A service stopped by command is wanted down: still ready and healthy.
    auto snapshot = init.snapshot();
    REQUIRE(snapshot);
    CHECK(snapshot->ready);
    CHECK(snapshot->healthy);
    CHECK(*init.service("web").pid == web);

    // Not restarted behind the operator's back.
    std::this_thread::sleep_for(300ms);
    CHECK(init.service("bot").state == "stopped");

    result = init.control("stop", "bot");
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err == "rastar-init: error: bot is already stopped\n");

    result = init.control("start", "bot");
    CHECK(result.exit_code == 0);
    const int second = pid_in(result.out);
    CHECK(result.out == "bot started (pid " + std::to_string(second) + ")\n");
    CHECK(second != first);
    CHECK(process_exists(second));
    CHECK(init.wait_printing("bot"));
    CHECK(init.service("bot").pid == second);

    result = init.control("start", "bot");
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: bot is already running (pid " + std::to_string(second) + ")\n");

    result = init.control("restart", "bot");
    CHECK(result.exit_code == 0);
    const int third = pid_in(result.out);
    CHECK(result.out == "bot restarted (pid " + std::to_string(third) + ")\n");
    CHECK(third != second);
    CHECK_FALSE(process_exists(second));
    CHECK(process_exists(third));
    // The old process got its stop signal before the new one started.
    CHECK(test::wait_until([&] {
      return test::read_file("bot.out") == "ready (pid: " + std::to_string(first) + ")\n15\nready (pid: " +
                                             std::to_string(second) + ")\n15\nready (pid: " +
                                             std::to_string(third) + ")\n";
    }));
    CHECK(*init.service("web").pid == web);

    CHECK(init.terminate() == 0);
    CHECK(init.err().find("control: stop bot: bot stopped") != std::string::npos);
  }

  SUBCASE("stopping a critical service, or every service, by command does not end the container")
  {
    // restart: never, so its own end is the end (on-failure would restart it first).
    RunningInit init(test::signal_printer_service("bot", "    critical: true\n    restart: never\n"));
    auto result = init.control("stop", "bot");
    CHECK(result.exit_code == 0);
    CHECK(result.out == "bot stopped\n");
    std::this_thread::sleep_for(500ms);
    CHECK(init.alive());
    result = init.control("start", "bot");
    CHECK(result.exit_code == 0);
    // Started again, it is critical again: its own end ends the container.
    kill(pid_in(result.out), SIGTERM);
    CHECK(test::wait_until([&] { return !init.alive(); }));
    CHECK(init.terminate() == 143);
  }

  SUBCASE("a service that ignores its stop signal is killed after its stop_timeout; not a shutdown's 137")
  {
    RunningInit init("  stubborn:\n    command: [/bin/sh, -c, 'exec \"$$0\" >>stubborn.out', " +
                     test::helper_path("print_signals") + "]\n    stop_timeout: 300ms\n");
    const int pid = *init.service("stubborn").pid;
    const auto started = std::chrono::steady_clock::now();
    const auto result = init.control("stop", "stubborn");
    CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "stubborn stopped (killed: it was still running 300 ms after signal 15)\n");
    CHECK_FALSE(process_exists(pid));
    CHECK(test::read_file("stubborn.out") == "ready (pid: " + std::to_string(pid) + ")\n15\n");
    CHECK(init.terminate() == 0);
  }

  SUBCASE("start revives a failed service with its crash-loop count reset")
  {
    // bot keeps rastar-init running once flaky has failed.
    RunningInit init(test::signal_printer_service("bot") +
                       "  flaky:\n    command: [/bin/sh, -c, 'if [ -e go ]; then exec \"$$0\" --exit-on 15; else "
                       "exit 3; fi', " +
                       test::helper_path("print_signals") +
                       "]\n    backoff: {initial: 10ms}\n    crash_loop: {limit: 1, window: 1m}\n",
                     "control.sock", false);
    REQUIRE(init.wait_for([](const supervise::Snapshot& snapshot) {
      return snapshot.services.size() == 2 && snapshot.services[1].state == "failed";
    }));
    CHECK_FALSE(init.snapshot()->healthy);

    auto result = init.control("stop", "flaky");
    CHECK(result.exit_code == 1);
    CHECK(result.err ==
          "rastar-init: error: flaky is not running (it failed); start it with `rastar-init start flaky`\n");

    test::write_file("go", "");
    result = init.control("start", "flaky");
    CHECK(result.exit_code == 0);
    CHECK(result.out == "flaky started (pid " + std::to_string(pid_in(result.out)) + ")\n");
    CHECK(init.wait_for([](const supervise::Snapshot& snapshot) {
      return snapshot.healthy && snapshot.services[1].state == "ready";
    }));
    CHECK(init.terminate() == 0);
  }

  SUBCASE("a stopped dependency must be started first; one not ready yet is waited for")
  {
    // db is ready while db.ok exists.
    test::write_file("db.ok", "");
    RunningInit init(test::signal_printer_service("db", "    ready: {command: [test, -e, db.ok], interval: 50ms}\n") +
                     test::signal_printer_service("web", "    depends_on: {db: {condition: healthy}}\n"));
    CHECK(init.control("stop", "web").exit_code == 0);
    CHECK(init.control("stop", "db").exit_code == 0);
    auto result = init.control("start", "web");
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: web depends on db, which is stopped; start db first\n");
    CHECK(init.service("web").state == "stopped");

    std::filesystem::remove("db.ok");
    CHECK(init.control("start", "db").exit_code == 0);
    result = init.control("start", "web");
    CHECK(result.exit_code == 0);
    CHECK(result.out == "web will start once db is ready\n");
    CHECK(init.service("web").state == "starting");
    test::write_file("db.ok", "");
    CHECK(init.wait_for([&](const supervise::Snapshot&) { return init.service("web").pid.has_value(); }));
    CHECK(init.terminate() == 0);
  }

  SUBCASE("unknown services: did you mean, else the list")
  {
    RunningInit init(test::signal_printer_service("bot") + test::signal_printer_service("web"));
    auto result = init.control("restart", "bto");
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err == "rastar-init: error: no service named \"bto\"; did you mean \"bot\"?\n");
    result = init.control("stop", "database");
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: no service named \"database\"; the services are bot, web\n");
    CHECK(init.terminate() == 0);
  }

  SUBCASE("requests that are not ACTION SERVICE get an error line")
  {
    RunningInit init(test::signal_printer_service("bot"));
    CHECK(exchange(init.socket(), "kill bot\n") ==
          "error: unknown action \"kill\"; send \"start SERVICE\", \"stop SERVICE\" or \"restart SERVICE\"\n");
    CHECK(exchange(init.socket(), std::string(2000, 'x')) ==
          "error: the request is longer than 1024 bytes; send one line, as \"stop bot\"\n");
    CHECK(init.terminate() == 0);
  }
}

TEST_CASE("ControlSocket")
{
  test::TestDirectory directory;

  SUBCASE("mode 0600, removed at exit")
  {
    std::string path;
    {
      RunningInit init(test::signal_printer_service("bot"));
      path = init.socket();
      struct stat status{};
      REQUIRE(lstat(path.c_str(), &status) == 0);
      CHECK(S_ISSOCK(status.st_mode));
      CHECK((status.st_mode & 07777) == 0600);
      CHECK(status.st_uid == geteuid());
      CHECK(init.err().find("control socket on " + path + " (rastar-init start|stop|restart SERVICE)") !=
            std::string::npos);
      CHECK(init.terminate() == 0);
    }
    CHECK_FALSE(std::filesystem::exists(path));
  }

  SUBCASE("a stale socket file is replaced")
  {
    const auto path = (std::filesystem::current_path() / "control.sock").string();
    leave_stale_socket(path);
    RunningInit init(test::signal_printer_service("bot"));
    CHECK(init.err().find("control socket " + path +
                          ": removed the stale socket file of an earlier run (nobody answered on it)") !=
          std::string::npos);
    CHECK(init.control("stop", "bot").out == "bot stopped\n");
    CHECK(init.terminate() == 0);
  }

  SUBCASE("a second rastar-init on the same path warns, runs, and leaves the first one's socket alone")
  {
    RunningInit first(test::signal_printer_service("bot"));
    RunningInit second(test::signal_printer_service("web"), "control.sock", true, "second.yaml");
    CHECK(second.err().find("warning: control socket " + first.socket() +
                            ": another process (another rastar-init?) already answers on it; give each rastar-init "
                            "on this machine its own control.socket; running without it, so `rastar-init "
                            "start|stop|restart` cannot reach this rastar-init\n") != std::string::npos);
    CHECK(second.service("web").pid);
    CHECK(second.terminate() == 0);
    // The first one still answers on its socket.
    CHECK(std::filesystem::exists(first.socket()));
    const auto result = first.control("stop", "bot");
    CHECK(result.exit_code == 0);
    CHECK(result.out == "bot stopped\n");
    CHECK(first.terminate() == 0);
  }

  SUBCASE("a file that is not a socket is left alone")
  {
    test::write_file("control.sock", "keep me");
    RunningInit init(test::signal_printer_service("bot"));
    CHECK(init.err().find("warning: control socket " + init.socket() +
                          ": a file that is not a socket is in the way; remove it or set control.socket to another "
                          "path; running without it") != std::string::npos);
    CHECK(init.terminate() == 0);
    CHECK(test::read_file("control.sock") == "keep me");
  }

  SUBCASE("a directory that does not exist: a warning, and the services run")
  {
    RunningInit init(test::signal_printer_service("bot"), "missing/control.sock");
    CHECK(init.err().find("warning: control socket " + init.socket() + ": the directory " +
                          (std::filesystem::current_path() / "missing").string() +
                          " does not exist; create it or set control.socket to another path; running without "
                          "it") != std::string::npos);
    CHECK(init.service("bot").pid);
    CHECK(init.terminate() == 0);
  }

  SUBCASE("control.socket \"\" turns it off")
  {
    RunningInit init(test::signal_printer_service("bot"), "");
    CHECK(init.err().find("control socket") == std::string::npos);
    CHECK(init.terminate() == 0);
  }
}
