// `rastar-init run -- CMD` as PID 1 of a fresh PID namespace: the tini
// drop-in's contract (pid1.md §6, decisions D1, D17, D19).
#include "supervise_test_support.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sys/stat.h>

using namespace rastar::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// "ready (pid: N)\n": print_signals's first line (N varies with rastar-init's threads).
std::string
first_line(const std::string& text)
{
  const auto end = text.find('\n');
  REQUIRE(text.rfind("ready (pid: ", 0) == 0);
  return text.substr(0, end + 1);
}

} // namespace

TEST_SUITE("pid1")
{
  TEST_CASE("run -- CMD: exit codes")
  {
    TestDirectory directory;
    SUBCASE("all 256 exit codes pass through")
    {
      for (int code = 0; code < 256; ++code) {
        const auto outcome = run_init({helper_path("exit_with"), std::to_string(code)});
        REQUIRE(outcome.exit_code == code);
        REQUIRE(outcome.err.empty());
      }
    }
    SUBCASE("killed by signal N gives 128+N")
    {
      for (int signal_number : {SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
                                SIGALRM, SIGTERM}) {
        const auto outcome = run_init({helper_path("exit_with"), "--signal", std::to_string(signal_number)});
        CHECK_MESSAGE(outcome.exit_code == 128 + signal_number, "signal ", signal_number);
      }
    }
    SUBCASE("a missing command gives 127 and says so")
    {
      const auto outcome = run_init({"no-such-command-here", "x"});
      CHECK(outcome.exit_code == 127);
      CHECK(outcome.err == "rastar-init: error: command: cannot run \"no-such-command-here\": command not found "
                           "(check the name and PATH)\n");
    }
    SUBCASE("a file that is not executable gives 126 and says so")
    {
      write_file("not-executable", "#!/bin/sh\necho hi\n");
      chmod("not-executable", 0644);
      const auto path = (directory.path() / "not-executable").string();
      const auto outcome = run_init({path});
      CHECK(outcome.exit_code == 126);
      CHECK(outcome.err == "rastar-init: error: command: cannot run \"" + path +
                             "\": permission denied (is it an executable file?)\n");
    }
    SUBCASE("no command is a usage error")
    {
      const auto result = run_rastar({"run"});
      CHECK(result.exit_code == 64);
      CHECK(result.err == "rastar-init: error: run: nothing to run; give a command (rastar-init run -- CMD "
                          "ARGS...) or services in the config file\n");
    }
  }

  TEST_CASE("run -- CMD: argv, environment and output pass through")
  {
    TestDirectory directory;
    const auto outcome = run_init({"sh", "-c", "printf '<%s>' \"$0\" \"$@\"; printf '|%s|' \"$RASTAR_PASSED\"",
                                   "zero", "a", "", "b c", "-x", "--"},
                                  {{"RASTAR_PASSED", "v  w"}});
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.out == "<zero><a><><b c><-x><-->|v  w|");
    CHECK(outcome.err.empty());
  }

  TEST_CASE("run -- CMD: every signal goes to the command's process group")
  {
    TestDirectory directory;
    SUBCASE("each forwarded signal arrives")
    {
      const auto init = launch_init({helper_path("print_signals"), "--exit-on", "15"});
      REQUIRE(wait_for_text(init.out_path, "ready (pid: "));
      const pid_t pid1 = first_child(init.pid, seconds(5));
      REQUIRE(pid1 > 0);
      std::string expected = first_line(init.out());
      for (int signal_number : {SIGUSR1, SIGHUP, SIGWINCH, SIGUSR2, SIGQUIT, SIGINT, SIGCONT, SIGTSTP}) {
        kill(pid1, signal_number);
        expected += std::to_string(signal_number) + "\n";
        REQUIRE_MESSAGE(wait_for_text(init.out_path, expected), "signal ", signal_number);
      }
      kill(pid1, SIGTERM);
      CHECK(wait_exit(init.pid, seconds(10)) == 143);
      CHECK(init.out() == expected + "15\n");
    }
    SUBCASE("a grandchild behind sh -c gets SIGTERM")
    {
      const auto init = launch_init(
        {"sh", "-c", "trap '' TERM; " + helper_path("print_signals") + " --exit-on 15; echo \"after $?\""});
      REQUIRE(wait_for_text(init.out_path, "ready (pid: "));
      const auto ready = first_line(init.out());
      kill(first_child(init.pid, seconds(5)), SIGTERM);
      CHECK(wait_exit(init.pid, seconds(10)) == 0);
      CHECK(init.out() == ready + "15\nafter 143\n");
    }
  }

  TEST_CASE("run -- CMD: a command that ignores SIGTERM is killed after the shutdown timeout")
  {
    TestDirectory directory;
    const auto start = std::chrono::steady_clock::now();
    const auto init = launch_init({helper_path("print_signals")}, {{"RASTAR_SHUTDOWN_TIMEOUT", "500ms"}});
    REQUIRE(wait_for_text(init.out_path, "ready (pid: "));
    const auto ready = first_line(init.out());
    kill(first_child(init.pid, seconds(5)), SIGTERM);
    CHECK(wait_exit(init.pid, seconds(10)) == 137);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= milliseconds(500));
    CHECK(elapsed < seconds(5));
    CHECK(init.out() == ready + "15\n");
    CHECK(init.err() == "rastar-init: warning: " + helper_path("print_signals") +
                          " still runs 500 ms after the stop signal: killing it\n");
  }

  TEST_CASE("run -- CMD: orphans are reaped")
  {
    TestDirectory directory;
    const auto outcome =
      run_init({"sh", "-c", helper_path("spawn_orphans") + " 1000 200 && " + helper_path("zombie_census") + " 15000"});
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.out == "zombies: 0, orphans: 0\n");
  }

  TEST_CASE("run -- CMD: exits as soon as the command does, whatever holds stdout")
  {
    TestDirectory directory;
    const auto outcome = run_init({"sh", "-c", "sleep 30 & echo started; exit 4"});
    CHECK(outcome.exit_code == 4);
    CHECK(outcome.out == "started\n");
    CHECK(outcome.seconds < 5);
  }

  TEST_CASE("run -- CMD: PID 1 never maps libpq")
  {
    TestDirectory directory;
    // CMD reads the mappings of PID 1, rastar-init, while both run.
    const auto outcome = run_init({"cat", "/proc/1/maps"});
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.out.find("/libc.so.6") != std::string::npos);
    CHECK(outcome.out.find("/libpq.so") == std::string::npos);
    CHECK(outcome.out.find("/libkrb5.so") == std::string::npos);
  }

  TEST_CASE("run -- CMD: a bad RASTAR_SHUTDOWN_TIMEOUT is a configuration error")
  {
    TestDirectory directory;
    const auto result = run_rastar({"run", "--", "true"}, {{"RASTAR_SHUTDOWN_TIMEOUT", "soon"}});
    CHECK(result.exit_code == 78);
    CHECK(result.err == "rastar-init: error: RASTAR_SHUTDOWN_TIMEOUT=\"soon\" is not a duration; give seconds "
                        "(\"9\", \"2.5s\") or milliseconds (\"500ms\")\n");
  }
}
