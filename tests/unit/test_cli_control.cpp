// `rastar-init start|stop|restart SERVICE`: where it finds the socket, what
// it prints and how it exits, against a stand-in server and a real rastar-init.
#include "control_fixture.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace rastar;
using test::FakeControlServer;
using test::run_rastar;

namespace {

// No inherited config or socket from the environment the tests run in.
const std::map<std::string, std::optional<std::string>> k_clean{{"RASTAR_INIT_CONFIG", std::nullopt},
                                                                 {"RASTAR_CONTROL_SOCKET", std::nullopt}};

std::string
absolute(const std::string& name)
{
  return (std::filesystem::current_path() / name).string();
}

} // namespace

TEST_CASE("rastar-init start|stop|restart")
{
  test::TestDirectory directory;
  const auto path = absolute("control.sock");

  SUBCASE("an ok answer: its sentence on stdout, exit 0; the request is one line")
  {
    FakeControlServer server(path, "ok: bot restarted (pid 42)\n");
    const auto result = run_rastar({"restart", "bot", "--socket", path}, k_clean);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "bot restarted (pid 42)\n");
    CHECK(result.err.empty());
    CHECK(server.request() == "restart bot\n");
  }

  SUBCASE("an error answer: its sentence on stderr, exit 1")
  {
    FakeControlServer server(path, "error: no service named \"bto\"; did you mean \"bot\"?\n");
    const auto result = run_rastar({"stop", "bto", "--socket", path}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err == "rastar-init: error: no service named \"bto\"; did you mean \"bot\"?\n");
    CHECK(server.request() == "stop bto\n");
  }

  SUBCASE("no socket there: rastar-init is not running")
  {
    const auto result = run_rastar({"stop", "bot", "--socket", path}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: rastar-init is not running with its control socket at " + path +
                          " (there is no such file); check control.socket in its config, or give the path with "
                          "--socket\n");
  }

  SUBCASE("a socket file nobody listens on")
  {
    {
      FakeControlServer gone(path, "ok: x\n");
    }
    // The fake closed its socket without removing the file.
    REQUIRE(std::filesystem::exists(path));
    const auto result = run_rastar({"start", "bot", "--socket", path}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: rastar-init is not running at " + path +
                          " (nothing answers on that socket; the file is left from an earlier run)\n");
  }

  SUBCASE("no answer in time")
  {
    FakeControlServer silent(path, "");
    const auto result = run_rastar({"stop", "bot", "--socket", path, "--timeout", "300ms"}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: rastar-init at " + path +
                          " gave no answer within 300 ms; the stop may still complete: check with `rastar-init "
                          "status`\n");
  }

  SUBCASE("something else answering")
  {
    FakeControlServer other(path, "HTTP/1.1 400 Bad Request\r\n\r\n");
    const auto result = run_rastar({"stop", "bot", "--socket", path}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: the program answering on " + path +
                          " is not rastar-init (it answered \"HTTP/1.1 400 Bad Request\")\n");
  }

  SUBCASE("the socket: --socket, else the config's control.socket, else RASTAR_CONTROL_SOCKET")
  {
    const auto from_config = absolute("from-config.sock");
    const auto from_variable = absolute("from-variable.sock");
    {
      FakeControlServer server(from_variable, "ok: via the variable\n");
      const auto result = run_rastar({"stop", "bot"}, {{"RASTAR_INIT_CONFIG", std::nullopt},
                                                       {"RASTAR_CONTROL_SOCKET", from_variable}});
      CHECK(result.exit_code == 0);
      CHECK(result.out == "via the variable\n");
    }
    // D4: the default config path, config/rastar-init.yaml, when it exists.
    test::write_file("config/rastar-init.yaml", "control: {socket: " + from_config + "}\n");
    {
      FakeControlServer server(from_config, "ok: via the config\n");
      const auto result = run_rastar({"stop", "bot"}, {{"RASTAR_INIT_CONFIG", std::nullopt},
                                                       {"RASTAR_CONTROL_SOCKET", from_variable}});
      CHECK(result.exit_code == 0);
      CHECK(result.out == "via the config\n");
    }
    {
      FakeControlServer server(path, "ok: via the flag\n");
      const auto result = run_rastar({"stop", "bot", "--socket", path}, {{"RASTAR_INIT_CONFIG", std::nullopt},
                                                                         {"RASTAR_CONTROL_SOCKET", from_variable}});
      CHECK(result.exit_code == 0);
      CHECK(result.out == "via the flag\n");
    }
  }

  SUBCASE("a config that turns the socket off")
  {
    test::write_file("off.yaml", "control: {socket: \"\"}\n");
    const auto result = run_rastar({"stop", "bot"}, {{"RASTAR_INIT_CONFIG", "off.yaml"},
                                                     {"RASTAR_CONTROL_SOCKET", std::nullopt}});
    CHECK(result.exit_code == 78);
    CHECK(result.err == "rastar-init: error: the control socket is off (control.socket in off.yaml is \"\"): set "
                        "control.socket in rastar-init's config, or give the socket's path with --socket\n");
  }

  SUBCASE("bad command lines: 64")
  {
    CHECK(run_rastar({"stop"}, k_clean).exit_code == 64);
    const auto result = run_rastar({"stop", "bot", "--socket", path, "--timeout", "soon"}, k_clean);
    CHECK(result.exit_code == 64);
    CHECK(result.err == "rastar-init: error: --timeout \"soon\" is not a duration above zero; give seconds "
                        "(\"60\", \"90s\") or minutes (\"5m\")\n");
  }

  SUBCASE("another user than rastar-init's is told to switch (the socket is 0600)")
  {
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
      MESSAGE("needs root and setpriv to run the client as nobody; not checked");
      return;
    }
    test::RunningInit init(test::signal_printer_service("bot"));
    const auto result = test::run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                   RASTAR_INIT_BINARY, "stop", "bot", "--socket", init.socket()},
                                  k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: permission denied on " + init.socket() +
                          ": the control socket is mode 0600; run this command as rastar-init's user (or root)\n");
    CHECK(init.service("bot").pid);
    CHECK(init.terminate() == 0);
  }
}
