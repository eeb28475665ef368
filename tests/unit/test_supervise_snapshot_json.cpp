#include "status_server_fixture.hpp"

#include <rastar/supervise/snapshot_json.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace rastar;
using supervise::Snapshot;

namespace {

void
check_equal(const Snapshot& left, const Snapshot& right)
{
  CHECK(left.phase == right.phase);
  CHECK(left.uptime_seconds == right.uptime_seconds);
  CHECK(left.ready == right.ready);
  CHECK(left.healthy == right.healthy);
  REQUIRE(left.services.size() == right.services.size());
  for (std::size_t i = 0; i < left.services.size(); ++i) {
    const auto& a = left.services[i];
    const auto& b = right.services[i];
    CHECK(a.name == b.name);
    CHECK(a.state == b.state);
    CHECK(a.pid == b.pid);
    CHECK(a.restarts == b.restarts);
    CHECK(a.last_exit_code == b.last_exit_code);
    CHECK(a.last_exit_signal == b.last_exit_signal);
    CHECK(a.uptime_seconds == b.uptime_seconds);
    CHECK(a.health == b.health);
    CHECK(a.critical == b.critical);
  }
}

} // namespace

TEST_CASE("supervise::snapshot_to_json_text")
{
  auto snapshot = test::running_snapshot();
  snapshot.services[1].last_exit_code.reset();
  snapshot.services[1].last_exit_signal = 9;

  SUBCASE("field names and nulls")
  {
    const auto json = nlohmann::json::parse(supervise::snapshot_to_json_text(snapshot));
    CHECK(json == nlohmann::json::parse(R"({
      "phase": "running", "uptime_seconds": 3725.4, "ready": false, "healthy": true,
      "services": [
        {"name": "api", "state": "ready", "pid": 4242, "restarts": 0, "last_exit_code": null,
         "last_exit_signal": null, "uptime_seconds": 65.2, "health": "healthy", "critical": true},
        {"name": "worker", "state": "backoff", "pid": null, "restarts": 3, "last_exit_code": null,
         "last_exit_signal": 9, "uptime_seconds": 0.0, "health": "none", "critical": false}
      ]})"));
  }

  SUBCASE("indented, one document, a final newline")
  {
    const auto text = supervise::snapshot_to_json_text(test::migrating_snapshot());
    CHECK(text == "{\n  \"healthy\": true,\n  \"phase\": \"migrate\",\n  \"ready\": false,\n"
                  "  \"services\": [],\n  \"uptime_seconds\": 3.5\n}\n");
  }

  SUBCASE("a name that is not UTF-8 does not stop /status")
  {
    snapshot.services[0].name = "api\xff";
    const auto json = nlohmann::json::parse(supervise::snapshot_to_json_text(snapshot));
    CHECK(json["services"][0]["name"] == "api\xEF\xBF\xBD");
  }
}

TEST_CASE("supervise::snapshot_from_json_text")
{
  SUBCASE("round trip")
  {
    auto snapshot = test::running_snapshot();
    snapshot.services[0].last_exit_signal = 15;
    snapshot.ready = true;
    check_equal(supervise::snapshot_from_json_text(supervise::snapshot_to_json_text(snapshot)), snapshot);
    check_equal(supervise::snapshot_from_json_text(supervise::snapshot_to_json_text(test::migrating_snapshot())),
                test::migrating_snapshot());
  }

  SUBCASE("absent optional fields and unknown fields")
  {
    const auto snapshot = supervise::snapshot_from_json_text(R"({
      "phase": "running", "uptime_seconds": 1, "ready": true, "healthy": true, "version": "9.9",
      "services": [{"name": "api", "state": "ready", "restarts": 0, "uptime_seconds": 0,
                    "health": "none", "critical": false, "cpu": 3}]})");
    REQUIRE(snapshot.services.size() == 1);
    CHECK_FALSE(snapshot.services[0].pid.has_value());
    CHECK_FALSE(snapshot.services[0].last_exit_code.has_value());
    CHECK_FALSE(snapshot.services[0].last_exit_signal.has_value());
  }

  SUBCASE("what is not a snapshot throws")
  {
    CHECK_THROWS_AS(supervise::snapshot_from_json_text("<html>404</html>"), nlohmann::json::parse_error);
    CHECK_THROWS_AS(supervise::snapshot_from_json_text(R"({"phase": "running"})"), nlohmann::json::out_of_range);
    CHECK_THROWS_AS(supervise::snapshot_from_json_text(
                      R"({"phase": 1, "uptime_seconds": 1, "ready": true, "healthy": true, "services": []})"),
                    nlohmann::json::type_error);
  }
}
