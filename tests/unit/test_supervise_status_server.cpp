#include "status_server_fixture.hpp"
#include "test_support.hpp"

#include <rastar/supervise/snapshot_json.hpp>
#include <rastar/supervise/status_server.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using namespace rastar;
using test::http_request;
using test::RawConnection;
using test::RunningStatusServer;

TEST_CASE("StatusServer /healthz and /readyz")
{
  RunningStatusServer server(test::migrating_snapshot());

  SUBCASE("while migrating: alive, not ready (D20)")
  {
    const auto healthz = http_request(server.port(), "GET /healthz");
    CHECK(healthz.status == 200);
    CHECK(healthz.body == "ok\n");
    CHECK(healthz.header("Content-Type") == "text/plain; charset=utf-8");
    CHECK(healthz.header("Cache-Control") == "no-store");
    const auto readyz = http_request(server.port(), "GET /readyz");
    CHECK(readyz.status == 503);
    CHECK(readyz.body == "not ready: phase migrate\n");
  }

  SUBCASE("/readyz turns 200 once every service is ready")
  {
    auto snapshot = test::running_snapshot();
    server.set(snapshot);
    const auto waiting = http_request(server.port(), "GET /readyz");
    CHECK(waiting.status == 503);
    CHECK(waiting.body == "not ready: worker backoff\n");

    snapshot.services[1].state = "ready";
    snapshot.services[1].health = "unhealthy";
    server.set(snapshot);
    CHECK(http_request(server.port(), "GET /readyz").body == "not ready: worker unhealthy\n");

    snapshot.services[1].health = "healthy";
    snapshot.ready = true;
    server.set(snapshot);
    const auto ready = http_request(server.port(), "GET /readyz");
    CHECK(ready.status == 200);
    CHECK(ready.body == "ready\n");
  }

  SUBCASE("unhealthy: /healthz and /readyz 503")
  {
    auto snapshot = test::running_snapshot();
    snapshot.services[1].state = "failed";
    snapshot.healthy = false;
    server.set(snapshot);
    const auto healthz = http_request(server.port(), "GET /healthz");
    CHECK(healthz.status == 503);
    CHECK(healthz.body == "unhealthy: worker failed\n");
    const auto readyz = http_request(server.port(), "GET /readyz");
    CHECK(readyz.status == 503);
    CHECK(readyz.body == "not ready: unhealthy\n");
  }

  SUBCASE("a query string does not change the path")
  {
    CHECK(http_request(server.port(), "GET /healthz?probe=liveness").status == 200);
  }
}

TEST_CASE("StatusServer /status")
{
  auto snapshot = test::running_snapshot();
  snapshot.services[1].last_exit_signal = 9;
  RunningStatusServer server(snapshot);

  SUBCASE("GET answers the snapshot as JSON")
  {
    const auto reply = http_request(server.port(), "GET /status");
    CHECK(reply.status == 200);
    CHECK(reply.header("Content-Type") == "application/json");
    CHECK(reply.body == supervise::snapshot_to_json_text(snapshot));
    const auto parsed = supervise::snapshot_from_json_text(reply.body);
    CHECK(parsed.phase == "running");
    REQUIRE(parsed.services.size() == 2);
    CHECK(parsed.services[0].pid == 4242);
    CHECK(parsed.services[1].restarts == 3);
    CHECK(parsed.services[1].last_exit_signal == 9);
  }

  SUBCASE("HEAD answers GET's headers without a body")
  {
    const auto get = http_request(server.port(), "GET /status");
    const auto head = http_request(server.port(), "HEAD /status");
    CHECK(head.status == 200);
    CHECK(head.header("Content-Length") == std::to_string(get.body.size()));
    CHECK(head.body.empty());
  }

  SUBCASE("a snapshot that throws answers 500 and the server goes on")
  {
    server.fail_with("the supervisor is gone");
    const auto failed = http_request(server.port(), "GET /status");
    CHECK(failed.status == 500);
    CHECK(failed.body == "internal error\n");
    server.fail_with("");
    CHECK(http_request(server.port(), "GET /status").status == 200);
  }
}

TEST_CASE("StatusServer refuses what it does not serve")
{
  RunningStatusServer server(test::migrating_snapshot());

  SUBCASE("404 for other paths")
  {
    for (const auto* line : {"GET /", "GET /metrics", "GET /status/api", "POST /restart"}) {
      CAPTURE(line);
      const auto reply = http_request(server.port(), line);
      CHECK(reply.status == 404);
      CHECK(reply.body == "not found: the status endpoint serves /healthz, /readyz and /status\n");
    }
  }

  SUBCASE("405 for methods other than GET and HEAD")
  {
    for (const auto* line : {"POST /status", "PUT /healthz", "DELETE /readyz", "OPTIONS /status"}) {
      CAPTURE(line);
      const auto reply = http_request(server.port(), line, "Content-Length: 0\r\n");
      CHECK(reply.status == 405);
      CHECK(reply.header("Allow") == "GET, HEAD");
      CHECK(reply.body == "method not allowed: the status endpoint is read-only (GET, HEAD)\n");
    }
  }

  SUBCASE("oversized or malformed requests")
  {
    const auto big_header = http_request(server.port(), "GET /status", "X-Padding: " + std::string(9000, 'a') + "\r\n");
    CHECK(big_header.status == 431);
    CHECK(big_header.header("Connection") == "close");
    const auto big_body = http_request(server.port(), "POST /status", "Content-Length: 5000\r\n");
    CHECK(big_body.status == 413);
    RawConnection garbage(server.port());
    garbage.send("HELLO THERE\r\n\r\n");
    const auto bad = test::parse_reply(garbage.read_to_end());
    CHECK(bad.status == 400);
  }
}

TEST_CASE("StatusServer connections")
{
  SUBCASE("an idle or slow client does not block others and is dropped at the idle timeout")
  {
    RunningStatusServer server(test::migrating_snapshot(), std::chrono::milliseconds(1500));
    RawConnection silent(server.port());
    RawConnection slow(server.port());
    slow.send("GET /hea");
    const auto started = std::chrono::steady_clock::now();
    CHECK(http_request(server.port(), "GET /healthz").status == 200);
    // Answered long before the idle clients' timeout.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
    CHECK(silent.closed_by_server());
    CHECK(slow.closed_by_server());
    // Closed by the server at its idle timeout, not by the test's 5 s receive timeout.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(4500));
  }

  SUBCASE("keep-alive: several requests on one connection, pipelined too")
  {
    RunningStatusServer server(test::migrating_snapshot());
    RawConnection connection(server.port());
    connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(connection.read_reply().body == "ok\n");
    connection.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /status HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(connection.read_reply().status == 503);
    const auto head = connection.read_reply(true);
    CHECK(head.status == 200);
    CHECK(head.header("Content-Type") == "application/json");
    connection.send("GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(connection.read_reply().status == 200);
    CHECK(connection.closed_by_server());
  }

  SUBCASE("200 sequential requests all succeed, on new connections and on one")
  {
    RunningStatusServer server(test::running_snapshot());
    int fresh_ok = 0;
    for (int i = 0; i < 200; ++i) {
      fresh_ok += http_request(server.port(), i % 2 ? "GET /status" : "GET /healthz").status == 200;
    }
    CHECK(fresh_ok == 200);
    RawConnection connection(server.port());
    int kept_ok = 0;
    for (int i = 0; i < 200; ++i) {
      connection.send("GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
      kept_ok += connection.read_reply().status == 200;
    }
    CHECK(kept_ok == 200);
  }

  SUBCASE("beyond 64 open connections a new one is closed, and service resumes after")
  {
    RunningStatusServer server(test::migrating_snapshot());
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 64; ++i) {
      idle.push_back(std::make_unique<RawConnection>(server.port()));
    }
    // Each request proves the server has accepted every connection before it.
    idle.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(idle.back()->read_reply().status == 200);
    RawConnection refused(server.port());
    CHECK(refused.closed_by_server());
    idle.clear();
    CHECK(test::wait_until([&] {
      try {
        return http_request(server.port(), "GET /healthz").status == 200;
      } catch (const std::exception&) {
        return false;
      }
    }));
  }

  SUBCASE("stop() closes the listener and open connections, and the loop runs out of work")
  {
    RunningStatusServer server(test::migrating_snapshot());
    const auto port = server.port();
    RawConnection open(port);
    open.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(open.read_reply().status == 200);
    CHECK(server.stop_and_join());
    CHECK(open.closed_by_server());
    CHECK_THROWS_AS(RawConnection{port}, boost::system::system_error);
  }
}

TEST_CASE("StatusServer construction")
{
  test::QuietLog quiet;
  boost::asio::io_context io;
  auto snapshot = [] { return test::migrating_snapshot(); };

  SUBCASE("0 turns the server off")
  {
    supervise::StatusServer server(io, "0", snapshot);
    CHECK_FALSE(server.enabled());
    CHECK(server.port() == 0);
    CHECK(server.address().empty());
  }

  SUBCASE("port 0 after a host takes a free port")
  {
    supervise::StatusServer server(io, "127.0.0.1:0", snapshot);
    CHECK(server.enabled());
    CHECK(server.port() != 0);
    CHECK(server.address() == "127.0.0.1:" + std::to_string(server.port()));
  }

  SUBCASE("a port in use is a configuration error that says what to do")
  {
    supervise::StatusServer first(io, "127.0.0.1:0", snapshot);
    const auto listen = "127.0.0.1:" + std::to_string(first.port());
    CHECK_THROWS_WITH_AS(supervise::StatusServer(io, listen, snapshot),
                         ("cannot listen on " + listen +
                          " (status.listen): Address already in use; choose another port, or set status.listen "
                          "to 0 to turn the status endpoint off")
                           .c_str(),
                         Error);
  }

  SUBCASE("an invalid address names status.listen")
  {
    CHECK_THROWS_WITH_AS(supervise::StatusServer(io, "localhost", snapshot),
                         "status.listen \"localhost\" is not a listen address (no port): write HOST:PORT with an IP "
                         "address (127.0.0.1:8079, 0.0.0.0:8079, [::1]:8079), :PORT for every interface, or 0 to "
                         "turn the status endpoint off",
                         Error);
  }

  SUBCASE("the server also runs on a loop the caller runs on its own thread")
  {
    supervise::StatusServer server(io, "127.0.0.1:0", snapshot);
    std::thread client([&] {
      const auto reply = http_request(server.port(), "GET /healthz");
      CHECK(reply.status == 200);
      server.stop();
    });
    io.run_for(std::chrono::seconds(5));
    client.join();
    CHECK(io.stopped());
  }
}
