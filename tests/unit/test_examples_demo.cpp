// examples/demo.sh, the README's first command, run non-interactively on the
// built binaries (RASTAR_INIT skips installing and building) with its
// database, ports and control socket in the test's directory, and stopped by
// DEMO_SECONDS as Ctrl-C would stop it.
#include "control_fixture.hpp"
#include "example_fixture.hpp"
#include "supervise_test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <unistd.h>

namespace fs = std::filesystem;
using rastar::test::TestDirectory;

namespace {

const std::string k_demo = std::string(RASTAR_SOURCE_DIR) + "/examples/demo.sh";

// The demo's own password: shown nowhere, however it is run.
const std::string k_demo_password = "rastar-demo-only";

std::map<std::string, std::string>
demo_environment(const fs::path& directory)
{
  return {{"RASTAR_INIT", RASTAR_INIT_BINARY},
          {"RASTAR_STAND_IN", rastar::test::stand_in_path()},
          {"DATABASE_URL", "file:" + (directory / "rastar.db").string()},
          {"RASTAR_STATUS_LISTEN", "127.0.0.1:" + std::to_string(rastar::test::free_port())},
          {"RASTAR_CONTROL_SOCKET", (directory / "control.sock").string()},
          {"BOT_PORT", std::to_string(rastar::test::free_port())},
          {"PORTAL_PORT", std::to_string(rastar::test::free_port())},
          {"ADMIN_PORT", std::to_string(rastar::test::free_port())},
          {"DEMO_SECONDS", "1"},
          {"ADMIN_PASSWORD", ""},
          {"ADMIN_PASSWORD_FILE", ""},
          {"ADMIN_EMAIL", ""},
          {"RASTAR_INIT_CONFIG", ""},
          {"RASTAR_LOG_LEVEL", "info"}};
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

struct DemoRun
{
  std::optional<int> exit_code;
  std::string out;
  std::string err;
};

DemoRun
run_demo(const std::vector<std::string>& prefix, const std::map<std::string, std::string>& environment)
{
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {"/bin/bash", k_demo});
  const auto launched = rastar::test::launch(argv, environment);
  DemoRun result;
  result.exit_code = rastar::test::wait_exit(launched.pid, std::chrono::seconds(90));
  result.out = launched.out();
  result.err = launched.err();
  return result;
}

// What every run of the demo shows, first start or not.
void
check_demo(const DemoRun& run)
{
  INFO("stdout:\n" << run.out << "\nstderr:\n" << run.err);
  CHECK(run.exit_code == 0);
  CHECK(contains(run.out, "demo: ADMIN_PASSWORD is not set: the admin is seeded with the demo's own password, "
                          "which is not secret (set ADMIN_PASSWORD to choose one)\n"));
  // The status table: ready and healthy, each app with a pid and no restart.
  CHECK(std::regex_search(run.out, std::regex("== rastar-init status\nphase running, up \\w+, ready, healthy\n"
                                              "SERVICE +STATE +PID +RESTARTS +LAST EXIT +UPTIME +HEALTH\n")));
  for (const char* service : {"admin", "bot", "portal"}) {
    CAPTURE(service);
    CHECK(std::regex_search(run.out, std::regex(std::string("\n") + service + " +ready +[0-9]+ +0 +- +\\w+ +healthy\n")));
  }
  CHECK(contains(run.out, "== the seeded admin (email | role | password hash, bcrypt)\n"
                          "admin@rastar.local|owner|$2b$12$…\n"));
  CHECK(contains(run.out, "== the default pack (slug | name | credits | price | isDefault)\nstarter|Starter|100|0|1\n"));
  CHECK(contains(run.out, "demo: stopping in 1 s (DEMO_SECONDS)\n"));
  // The apps' own lines, relayed by rastar-init with their service's name.
  for (const std::string role : {"bot", "portal", "admin"}) {
    CHECK(contains(run.out, "[" + role + "] " + role + ": default pack \"starter\" (100 credits)\n"));
    CHECK(contains(run.out, "[" + role + "] " + role + ": SIGTERM received, closing\n"));
  }
  CHECK_FALSE(contains(run.out + run.err, k_demo_password));
}

} // namespace

TEST_CASE("examples/demo.sh")
{
  TestDirectory directory;
  const auto environment = demo_environment(directory.path());

  SUBCASE("runs the example until ready, shows it, and stops cleanly; a second run finds nothing to do")
  {
    const auto first = run_demo({}, environment);
    check_demo(first);
    CHECK(contains(first.err, "phase migrate: 3 of 3 migrations applied"));
    CHECK(contains(first.err, "phase seed: 2 of 2 seeds written"));

    const auto second = run_demo({}, environment);
    check_demo(second);
    CHECK(contains(second.err, "phase migrate: 0 of 3 migrations applied"));
    CHECK(contains(second.err, "phase seed: 0 of 2 seeds written"));
  }

  SUBCASE("a failure before the services start ends the demo with rastar-init's code")
  {
    auto broken = environment;
    broken["DATABASE_URL"] = "mysql://localhost/rastar";
    const auto result = run_demo({}, broken);
    CHECK(result.exit_code == 78);
    CHECK_FALSE(contains(result.out, "== rastar-init status"));
  }
}

TEST_SUITE("pid1")
{
  TEST_CASE("examples/demo.sh as a user other than root")
  {
    TestDirectory directory;
    const auto home = directory.path() / "nobody";
    fs::create_directories(home);
    REQUIRE(chown(home.c_str(), 65534, 65534) == 0);
    // A checkout under a private directory (mktemp -d is 0700) is out of
    // that user's reach whatever the demo does: say so instead of failing.
    const auto reach = rastar::test::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r",
                                          k_demo},
                                         {});
    if (reach.exit_code != 0) {
      MESSAGE("skipped: user 65534 cannot read ", RASTAR_SOURCE_DIR, " (a parent directory is private)");
      return;
    }
    check_demo(run_demo({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, demo_environment(home)));
  }
}
