#include "status_server_fixture.hpp"

#include <rastar/supervise/snapshot_text.hpp>

#include <doctest/doctest.h>

#include <csignal>

using namespace rastar;

TEST_CASE("supervise::format_duration")
{
  CHECK(supervise::format_duration(0) == "0s");
  CHECK(supervise::format_duration(59.9) == "59s");
  CHECK(supervise::format_duration(60) == "1m00s");
  CHECK(supervise::format_duration(307) == "5m07s");
  CHECK(supervise::format_duration(3599) == "59m59s");
  CHECK(supervise::format_duration(3725.4) == "1h02m");
  CHECK(supervise::format_duration(86399) == "23h59m");
  CHECK(supervise::format_duration(3 * 86400 + 4 * 3600 + 59) == "3d04h");
  CHECK(supervise::format_duration(-1) == "0s");
}

TEST_CASE("supervise::format_last_exit")
{
  CHECK(supervise::format_last_exit(std::nullopt, std::nullopt) == "-");
  CHECK(supervise::format_last_exit(0, std::nullopt) == "0");
  CHECK(supervise::format_last_exit(137, std::nullopt) == "137");
  CHECK(supervise::format_last_exit(std::nullopt, SIGKILL) == "SIGKILL");
  CHECK(supervise::format_last_exit(std::nullopt, SIGTERM) == "SIGTERM");
  CHECK(supervise::format_last_exit(std::nullopt, 200) == "signal 200");
}

TEST_CASE("supervise::format_snapshot_table")
{
  SUBCASE("services")
  {
    auto snapshot = test::running_snapshot();
    supervise::ServiceSnapshot cron;
    cron.name = "cron";
    cron.state = "failed";
    cron.restarts = 5;
    cron.last_exit_signal = SIGKILL;
    snapshot.services.push_back(cron);
    CHECK(supervise::format_snapshot_table(snapshot) ==
          "phase running, up 1h02m, not ready, healthy\n"
          "SERVICE         STATE    PID   RESTARTS  LAST EXIT  UPTIME  HEALTH\n"
          "api (critical)  ready    4242  0         -          1m05s   healthy\n"
          "worker          backoff  -     3         1          -       none\n"
          "cron            failed   -     5         SIGKILL    -       -\n");
  }

  SUBCASE("before any service starts")
  {
    auto snapshot = test::migrating_snapshot();
    snapshot.healthy = false;
    CHECK(supervise::format_snapshot_table(snapshot) ==
          "phase migrate, up 3s, not ready, unhealthy\n"
          "no services started yet\n");
  }
}
