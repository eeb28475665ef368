#include "status_server_fixture.hpp"
#include "test_support.hpp"

#include <rastar/supervise/snapshot_json.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/ip/tcp.hpp>

using namespace rastar;
using test::run_rastar;
using test::RunningStatusServer;

namespace {

// The environment of every run: no inherited RASTAR_STATUS_LISTEN.
const std::map<std::string, std::optional<std::string>> k_clean{{"RASTAR_STATUS_LISTEN", std::nullopt}};

// A loopback port nothing listens on (it was free a moment ago).
unsigned short
closed_port()
{
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
    io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

std::string
unreachable(unsigned short port, const std::string& path)
{
  return "rastar-init: error: cannot reach the status endpoint at http://127.0.0.1:" + std::to_string(port) +
         path + ": Connection refused; check that rastar-init runs and that --listen or status.listen names its "
         "address\n";
}

} // namespace

TEST_CASE("rastar-init healthcheck")
{
  RunningStatusServer server(test::migrating_snapshot());

  SUBCASE("healthy while migrating, not ready until the services are")
  {
    auto result = run_rastar({"healthcheck", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "ok\n");
    CHECK(result.err.empty());

    result = run_rastar({"healthcheck", "--ready", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.out == "not ready: phase migrate\n");

    auto snapshot = test::running_snapshot();
    snapshot.services[1].state = "ready";
    snapshot.ready = true;
    server.set(snapshot);
    result = run_rastar({"healthcheck", "--ready", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "ready\n");
  }

  SUBCASE("unhealthy: 1")
  {
    auto snapshot = test::running_snapshot();
    snapshot.services[0].state = "failed";
    snapshot.healthy = false;
    server.set(snapshot);
    const auto result = run_rastar({"healthcheck", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.out == "unhealthy: api failed\n");
  }

  SUBCASE("RASTAR_STATUS_LISTEN when there is no --listen, and --listen before it")
  {
    const auto elsewhere = "127.0.0.1:" + std::to_string(closed_port());
    auto result = run_rastar({"healthcheck"}, {{"RASTAR_STATUS_LISTEN", server.listen()}});
    CHECK(result.exit_code == 0);
    result = run_rastar({"healthcheck", "--listen", server.listen()}, {{"RASTAR_STATUS_LISTEN", elsewhere}});
    CHECK(result.exit_code == 0);
  }

  SUBCASE("a config file without status.listen leaves the address to RASTAR_STATUS_LISTEN; one with it wins")
  {
    test::TestDirectory directory;
    test::write_file("without.yaml", "control: {socket: \"\"}\n");
    auto result = run_rastar({"healthcheck"}, {{"RASTAR_STATUS_LISTEN", server.listen()},
                                               {"RASTAR_INIT_CONFIG", (directory.path() / "without.yaml").string()}});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "ok\n");
    const auto elsewhere = "127.0.0.1:" + std::to_string(closed_port());
    test::write_file("with.yaml", "status: {listen: \"" + server.listen() + "\"}\n");
    result = run_rastar({"healthcheck"}, {{"RASTAR_STATUS_LISTEN", elsewhere},
                                          {"RASTAR_INIT_CONFIG", (directory.path() / "with.yaml").string()}});
    CHECK(result.exit_code == 0);
  }

  SUBCASE("unreachable: 1 and a sentence")
  {
    const auto port = closed_port();
    const auto result = run_rastar({"healthcheck", "--listen", "127.0.0.1:" + std::to_string(port)}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err == unreachable(port, "/healthz"));
  }

  SUBCASE("the default address, 127.0.0.1:8079, when nothing names one")
  {
    const auto result = run_rastar({"healthcheck", "--ready"}, k_clean);
    if (result.exit_code == 1 && result.out.empty()) {
      CHECK(result.err == unreachable(8079, "/readyz"));
    } else {
      MESSAGE("something listens on 127.0.0.1:8079; the default address is not checked");
    }
  }

  SUBCASE("an answer that is neither 200 nor 503: 1")
  {
    server.fail_with("broken");
    const auto result = run_rastar({"healthcheck", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: http://" + server.listen() +
                          "/healthz answered HTTP 500, neither 200 nor 503; is another program listening on that "
                          "port?\n");
  }

  SUBCASE("a bad or turned-off address is unhealthy too (Docker reserves other codes)")
  {
    auto result = run_rastar({"healthcheck", "--listen", "0"}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: the status endpoint is off (--listen is 0): give the address "
                        "rastar-init listens on with --listen, as 127.0.0.1:8079\n");
    result = run_rastar({"healthcheck"}, {{"RASTAR_STATUS_LISTEN", "8079"}});
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: RASTAR_STATUS_LISTEN \"8079\" is not a listen address (no port): "
                        "write HOST:PORT with an IP address (127.0.0.1:8079, 0.0.0.0:8079, [::1]:8079), :PORT for "
                        "every interface, or 0 to turn the status endpoint off\n");
  }

  SUBCASE("a server that never answers: 1 after the timeout")
  {
    // Listening but never accepting: the kernel completes the handshake, no one answers.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor silent(io,
                                          boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    const auto listen = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    const auto started = std::chrono::steady_clock::now();
    const auto result = run_rastar({"healthcheck", "--listen", listen}, k_clean);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: cannot reach the status endpoint at http://" + listen +
                          "/healthz: no answer within 2000 ms; check that rastar-init runs and that --listen or "
                          "status.listen names its address\n");
    CHECK(elapsed >= std::chrono::milliseconds(1900));
    CHECK(elapsed < std::chrono::seconds(10));
  }
}

TEST_CASE("rastar-init status")
{
  auto snapshot = test::running_snapshot();
  snapshot.services[1].last_exit_code.reset();
  snapshot.services[1].last_exit_signal = 9;
  RunningStatusServer server(snapshot);

  SUBCASE("a table by default")
  {
    const auto result = run_rastar({"status", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out == "phase running, up 1h02m, not ready, healthy\n"
                        "SERVICE         STATE    PID   RESTARTS  LAST EXIT  UPTIME  HEALTH\n"
                        "api (critical)  ready    4242  0         -          1m05s   healthy\n"
                        "worker          backoff  -     3         SIGKILL    -       none\n");
  }

  SUBCASE("the phase before services run")
  {
    server.set(test::migrating_snapshot());
    const auto result = run_rastar({"status"}, {{"RASTAR_STATUS_LISTEN", server.listen()}});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "phase migrate, up 3s, not ready, healthy\nno services started yet\n");
  }

  SUBCASE("--format json and --json")
  {
    for (const auto& flags : {std::vector<std::string>{"--format", "json"}, std::vector<std::string>{"--json"}}) {
      std::vector<std::string> arguments{"status", "--listen", server.listen()};
      arguments.insert(arguments.end(), flags.begin(), flags.end());
      const auto result = run_rastar(arguments, k_clean);
      CHECK(result.exit_code == 0);
      CHECK(result.out == supervise::snapshot_to_json_text(snapshot));
      const auto json = nlohmann::json::parse(result.out);
      CHECK(json["phase"] == "running");
      CHECK(json["services"][0]["name"] == "api");
      CHECK(json["services"][0]["pid"] == 4242);
      CHECK(json["services"][1]["pid"].is_null());
      CHECK(json["services"][1]["last_exit_signal"] == 9);
    }
  }

  SUBCASE("an unknown format is a usage error")
  {
    const auto result = run_rastar({"status", "--listen", server.listen(), "--format", "yaml"}, k_clean);
    CHECK(result.exit_code == 64);
  }

  SUBCASE("unreachable: 1 and a sentence")
  {
    const auto port = closed_port();
    const auto result = run_rastar({"status", "--listen", "127.0.0.1:" + std::to_string(port)}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.out.empty());
    CHECK(result.err == unreachable(port, "/status"));
  }

  SUBCASE("an error answer: 1 and a sentence")
  {
    server.fail_with("broken");
    const auto result = run_rastar({"status", "--listen", server.listen()}, k_clean);
    CHECK(result.exit_code == 1);
    CHECK(result.err == "rastar-init: error: http://" + server.listen() +
                          "/status answered HTTP 500 instead of rastar-init's status; is another program listening "
                          "on that port?\n");
  }

  SUBCASE("a turned-off or invalid address is a configuration error")
  {
    auto result = run_rastar({"status", "--listen", "0"}, k_clean);
    CHECK(result.exit_code == 78);
    CHECK(result.err == "rastar-init: error: the status endpoint is off (--listen is 0): give the address "
                        "rastar-init listens on with --listen, as 127.0.0.1:8079\n");
    result = run_rastar({"status", "--listen", "[::1:80"}, k_clean);
    CHECK(result.exit_code == 78);
  }

  SUBCASE("a wildcard address is reached through loopback")
  {
    const auto result = run_rastar({"status", "--json", "--listen", ":" + std::to_string(server.port())}, k_clean);
    CHECK(result.exit_code == 0);
    CHECK(nlohmann::json::parse(result.out)["phase"] == "running");
  }
}
