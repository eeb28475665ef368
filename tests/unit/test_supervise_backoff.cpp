#include <rastar/supervise/backoff.hpp>
#include <rastar/supervise/log_relay.hpp>
#include <rastar/supervise/process_spawn.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace rastar;
using namespace rastar::supervise;
using std::chrono::milliseconds;

TEST_CASE("supervise::backoff_delay")
{
  config::Backoff backoff;
  backoff.initial = milliseconds(100);
  backoff.max = milliseconds(1000);
  backoff.multiplier = 2.0;
  CHECK(backoff_delay(backoff, 1) == milliseconds(100));
  CHECK(backoff_delay(backoff, 2) == milliseconds(200));
  CHECK(backoff_delay(backoff, 4) == milliseconds(800));
  CHECK(backoff_delay(backoff, 5) == milliseconds(1000));
  CHECK(backoff_delay(backoff, 100000) == milliseconds(1000));
}

TEST_CASE("supervise::is_success and restart_wanted")
{
  CHECK(is_success({0}, 0, false));
  CHECK_FALSE(is_success({0}, 1, false));
  CHECK(is_success({0, 143}, 143, false));
  CHECK_FALSE(is_success({0}, 0, true));
  CHECK(restart_wanted(config::RestartPolicy::always, true));
  CHECK(restart_wanted(config::RestartPolicy::on_failure, false));
  CHECK_FALSE(restart_wanted(config::RestartPolicy::on_failure, true));
  CHECK_FALSE(restart_wanted(config::RestartPolicy::never, false));
}

TEST_CASE("supervise::RestartTracker")
{
  config::Backoff backoff;
  backoff.initial = milliseconds(100);
  backoff.max = milliseconds(30000);
  backoff.multiplier = 3.0;
  backoff.reset_after = milliseconds(10000);
  const SteadyTime start{};
  const auto quick = milliseconds(50);

  SUBCASE("delays grow and the crash-loop limit fails the service")
  {
    RestartTracker tracker(backoff, 3, milliseconds(60000));
    CHECK(tracker.next_restart(start, quick) == milliseconds(100));
    CHECK(tracker.next_restart(start + milliseconds(200), quick) == milliseconds(300));
    CHECK(tracker.next_restart(start + milliseconds(600), quick) == milliseconds(900));
    CHECK(tracker.next_restart(start + milliseconds(1600), quick) == std::nullopt);
    CHECK(tracker.restarts() == 3);
  }
  SUBCASE("a stable run starts the backoff over")
  {
    RestartTracker tracker(backoff, 0, milliseconds(60000));
    CHECK(tracker.next_restart(start, quick) == milliseconds(100));
    CHECK(tracker.next_restart(start + milliseconds(200), quick) == milliseconds(300));
    CHECK(tracker.next_restart(start + milliseconds(20000), milliseconds(15000)) == milliseconds(100));
  }
  SUBCASE("restarts older than the window no longer count")
  {
    RestartTracker tracker(backoff, 2, milliseconds(1000));
    CHECK(tracker.next_restart(start, quick).has_value());
    CHECK(tracker.next_restart(start + milliseconds(100), quick).has_value());
    CHECK_FALSE(tracker.next_restart(start + milliseconds(500), quick).has_value());
    RestartTracker later(backoff, 2, milliseconds(1000));
    CHECK(later.next_restart(start, quick).has_value());
    CHECK(later.next_restart(start + milliseconds(100), quick).has_value());
    CHECK(later.next_restart(start + milliseconds(1050), quick).has_value());
  }
  SUBCASE("a limit of 0 never gives up")
  {
    RestartTracker tracker(backoff, 0, milliseconds(60000));
    for (int i = 0; i < 50; ++i) {
      REQUIRE(tracker.next_restart(start + milliseconds(i), quick).has_value());
    }
    CHECK(tracker.restarts() == 50);
  }
}

TEST_CASE("supervise::format_line")
{
  CHECK(format_line(config::LogFormat::prefixed, "api", "stdout", "hello") == "[api] hello\n");
  CHECK(format_line(config::LogFormat::raw, "api", "stderr", "hello") == "hello\n");
  const auto json = nlohmann::json::parse(format_line(config::LogFormat::json, "api", "stderr", "he said \"hi\""));
  CHECK(json["service"] == "api");
  CHECK(json["stream"] == "stderr");
  CHECK(json["line"] == "he said \"hi\"");
  CHECK(json["time"].get<std::string>().size() == 27);
  // A piece cut inside a UTF-8 sequence still makes valid JSON.
  CHECK_NOTHROW(nlohmann::json::parse(format_line(config::LogFormat::json, "api", "stdout", "caf\xc3")));
}

TEST_CASE("supervise::resolve_program")
{
  CHECK(resolve_program("/no/such/thing", {}) == "/no/such/thing");
  CHECK(resolve_program("sh", {"PATH=/nonexistent:/bin"}) == "/bin/sh");
  CHECK(resolve_program("surely-not-a-command-xyz", {"PATH=/bin:/usr/bin"}).empty());
}
