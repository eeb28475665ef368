// Several services built from a SupervisorConfig in code, supervised by
// run_supervisor in a forked child (a subreaper, as rastar-init is when it is
// not PID 1), with its stdout and stderr in files.
#include "supervise_test_support.hpp"

#include <rastar/supervise/supervisor.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>
#include <rastar/util/logging.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fcntl.h>
#include <regex>
#include <sstream>
#include <unistd.h>

using namespace rastar;
using namespace rastar::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Launched
fork_supervisor(const config::SupervisorConfig& config)
{
  Launched result;
  result.out_path = (std::filesystem::current_path() / "supervisor.out").string();
  result.err_path = (std::filesystem::current_path() / "supervisor.err").string();
  // Nothing the test runner buffered may reach the child's files.
  std::fflush(nullptr);
  result.pid = fork();
  REQUIRE(result.pid >= 0);
  if (result.pid == 0) {
    util::SignalWatcher::restart_after_fork();
    dup2(open(result.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 1);
    dup2(open(result.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 2);
    int code = 0;
    try {
      logging::init("info");
      code = supervise::run_supervisor(config, std::nullopt);
    } catch (const Error& e) {
      fmt::print(stderr, "error: {}\n", e.what());
      code = to_int(e.code());
    }
    std::fflush(nullptr);
    _exit(code);
  }
  return result;
}

config::ServiceConfig
service(const std::string& script)
{
  config::ServiceConfig result;
  result.command = {"sh", "-c", script};
  result.restart = config::RestartPolicy::never;
  return result;
}

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

} // namespace

TEST_CASE("Supervisor: dependency order, ready checks and ordered shutdown")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  // Each records its start, becomes ready by creating a marker file, and
  // records its stop on SIGTERM.
  const auto script = [](const std::string& name) {
    return "trap 'echo stop " + name + " >> events; exit 0' TERM; echo start " + name + " >> events; touch " +
           name + ".up; while :; do sleep 0.02; done";
  };
  const auto ready_on_marker = [](const std::string& name) {
    config::Check check;
    check.kind = config::CheckKind::command;
    check.command = {"test", "-f", name + ".up"};
    check.interval = milliseconds(20);
    return check;
  };
  for (const std::string name : {"db", "api", "web"}) {
    config.services[name] = service(script(name));
    config.services[name].ready = ready_on_marker(name);
  }
  config.services["api"].depends_on["db"] = config::DependencyCondition::healthy;
  config.services["web"].depends_on["api"] = config::DependencyCondition::healthy;
  const auto supervisor = fork_supervisor(config);
  REQUIRE(wait_for_text("events", "start web"));
  kill(supervisor.pid, SIGTERM);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
  CHECK(lines_of(read_file("events")) ==
        std::vector<std::string>{"start db", "start api", "start web", "stop web", "stop api", "stop db"});
}

TEST_CASE("Supervisor: a service that ignores its stop signal is killed and the exit code is 137")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  config.services["stubborn"] = service("trap '' TERM; echo up; while :; do sleep 0.02; done");
  config.services["stubborn"].stop_timeout = milliseconds(300);
  config.services["polite"] = service("echo up; exec sleep 30");
  const auto supervisor = fork_supervisor(config);
  REQUIRE(wait_for_text(supervisor.out_path, "[stubborn] up"));
  REQUIRE(wait_for_text(supervisor.out_path, "[polite] up"));
  const auto start = std::chrono::steady_clock::now();
  kill(supervisor.pid, SIGTERM);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 137);
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(300));
  CHECK(supervisor.err().find("rastar-init: warning: stubborn: still running 300 ms after signal 15: killing it\n") !=
        std::string::npos);
}

TEST_CASE("Supervisor: the global shutdown timeout kills what is left")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  config.shutdown_timeout = milliseconds(400);
  config.services["stubborn"] = service("trap '' TERM; echo up; while :; do sleep 0.02; done");
  const auto supervisor = fork_supervisor(config);
  REQUIRE(wait_for_text(supervisor.out_path, "[stubborn] up"));
  const auto start = std::chrono::steady_clock::now();
  kill(supervisor.pid, SIGTERM);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 137);
  CHECK(std::chrono::steady_clock::now() - start < seconds(5));
}

TEST_CASE("Supervisor: a critical service's exit code passes through after the others stop")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  config.services["main"] = service("sleep 0.3; exit 7");
  config.services["main"].critical = true;
  config.services["side"] = service("trap 'echo side stopped >> events; exit 0' TERM; while :; do sleep 0.02; done");
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 7);
  CHECK(read_file("events") == "side stopped\n");
}

TEST_CASE("Supervisor: a critical service killed by a signal gives 128+N")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  config.services["main"] = service("kill -USR1 $$");
  config.services["main"].critical = true;
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 128 + SIGUSR1);
}

TEST_CASE("Supervisor: restarts with backoff until the crash-loop limit")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  auto flaky = service("echo run >> runs; exit 3");
  flaky.restart = config::RestartPolicy::on_failure;
  flaky.backoff.initial = milliseconds(100);
  flaky.backoff.multiplier = 2;
  flaky.crash_loop_limit = 3;
  flaky.critical = true;
  config.services["flaky"] = flaky;
  auto fine = service("echo once >> once; exit 0");
  fine.restart = config::RestartPolicy::on_failure;
  config.services["fine"] = fine;
  const auto start = std::chrono::steady_clock::now();
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 3);
  // One run and three restarts, after 100 + 200 + 400 ms of backoff.
  CHECK(read_file("runs") == "run\nrun\nrun\nrun\n");
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(700));
  CHECK(read_file("once") == "once\n");
  CHECK(supervisor.err().find("rastar-init: error: flaky: exited with code 3; it restarted 3 times within 60 s, "
                              "so it is marked failed\n") != std::string::npos);
}

TEST_CASE("Supervisor: depends_on healthy waits for an HTTP check")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  const std::string port = std::to_string(20000 + getpid() % 20000);
  config::ServiceConfig server;
  server.command = {helper_path("http_ok"), port, "300", "listening.marker"};
  server.ready.kind = config::CheckKind::http;
  server.ready.http_url = "http://127.0.0.1:" + port + "/health";
  server.ready.interval = milliseconds(50);
  config.services["server"] = server;
  auto client = service("test -f listening.marker && echo saw the server || echo too early");
  client.depends_on["server"] = config::DependencyCondition::healthy;
  client.critical = true;
  config.services["client"] = client;
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
  CHECK(supervisor.out().find("[client] saw the server\n") != std::string::npos);
}

TEST_CASE("Supervisor: depends_on healthy waits for a TCP check")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  const std::string port = std::to_string(20001 + getpid() % 20000);
  config::ServiceConfig server;
  server.command = {helper_path("http_ok"), port, "300", "listening.marker"};
  server.ready.kind = config::CheckKind::tcp;
  server.ready.tcp_address = "127.0.0.1:" + port;
  server.ready.interval = milliseconds(50);
  config.services["server"] = server;
  auto client = service("test -f listening.marker && echo saw the server || echo too early");
  client.depends_on["server"] = config::DependencyCondition::healthy;
  client.critical = true;
  config.services["client"] = client;
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
  CHECK(supervisor.out().find("[client] saw the server\n") != std::string::npos);
}

TEST_CASE("Supervisor: log relay")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  SUBCASE("two chatty services: no line lost, cut or interleaved")
  {
    for (const std::string name : {"a", "b"}) {
      config::ServiceConfig chatty;
      chatty.command = {helper_path("emit_lines"), name, "20000", "120"};
      chatty.restart = config::RestartPolicy::never;
      config.services[name] = chatty;
    }
    const auto supervisor = fork_supervisor(config);
    CHECK(wait_exit(supervisor.pid, seconds(30)) == 0);
    std::map<std::string, long> next{{"a", 0}, {"b", 0}};
    const std::regex shape(R"(\[(a|b)\] (a|b) (\d+) [a-z]+)");
    bool all_well_formed = true;
    for (const auto& line : lines_of(supervisor.out())) {
      std::smatch match;
      if (!std::regex_match(line, match, shape) || match[1] != match[2] || line.size() != 124 ||
          std::stol(match[3]) != next[match[1]]) {
        all_well_formed = false;
        break;
      }
      ++next[match[1]];
    }
    CHECK(all_well_formed);
    CHECK(next["a"] == 20000);
    CHECK(next["b"] == 20000);
  }
  SUBCASE("a 10 MB line is split into pieces with nothing lost")
  {
    config::ServiceConfig big;
    big.command = {helper_path("emit_lines"), "big", "1", "10485760", "--stderr"};
    big.restart = config::RestartPolicy::never;
    big.max_line_bytes = 65536;
    config.services["big"] = big;
    const auto supervisor = fork_supervisor(config);
    CHECK(wait_exit(supervisor.pid, seconds(30)) == 0);
    std::string joined;
    int pieces = 0;
    for (const auto& line : lines_of(supervisor.err())) {
      if (line.rfind("[big] ", 0) == 0) {
        CHECK(line.size() <= 65536 + 6);
        joined += line.substr(6);
        ++pieces;
      }
    }
    CHECK(pieces == 160);
    REQUIRE(joined.size() == 10485760);
    CHECK(joined.rfind("big 0 abcdefghijklmnopqrstuvwxyzabc", 0) == 0);
    bool pattern_intact = true;
    for (std::size_t i = 6; i < joined.size(); ++i) {
      if (joined[i] != static_cast<char>('a' + (i - 6) % 26)) {
        pattern_intact = false;
        break;
      }
    }
    CHECK(pattern_intact);
  }
  SUBCASE("a service that closes stdout early keeps running and is heard on stderr")
  {
    config.services["quiet"] = service("echo before; exec 1>&-; sleep 0.3; echo after >&2; exit 0");
    config.services["quiet"].critical = true;
    const auto supervisor = fork_supervisor(config);
    CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
    CHECK(supervisor.out() == "[quiet] before\n");
    CHECK(supervisor.err().find("[quiet] after\n") != std::string::npos);
  }
  SUBCASE("json lines")
  {
    config.services["j"] = service("echo hello; echo oops >&2");
    config.services["j"].log_format = config::LogFormat::json;
    const auto supervisor = fork_supervisor(config);
    CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
    const auto out = nlohmann::json::parse(lines_of(supervisor.out()).at(0));
    CHECK(out["service"] == "j");
    CHECK(out["stream"] == "stdout");
    CHECK(out["line"] == "hello");
    CHECK(supervisor.err().find(R"("line":"oops","service":"j","stream":"stderr")") != std::string::npos);
  }
  SUBCASE("environment overrides and cwd")
  {
    std::filesystem::create_directories("work");
    config.services["e"] = service("echo \"$GREETING from $(basename \"$PWD\")\"");
    config.services["e"].env["GREETING"] = "hello";
    config.services["e"].cwd = (directory.path() / "work").string();
    const auto supervisor = fork_supervisor(config);
    CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
    CHECK(supervisor.out() == "[e] hello from work\n");
  }
}

TEST_CASE("Supervisor: a non-critical service that cannot start is reported and the rest goes on")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  config::ServiceConfig missing;
  missing.command = {"no-such-program-anywhere"};
  config.services["missing"] = missing;
  config.services["main"] = service("sleep 0.2; echo done");
  config.services["main"].critical = true;
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
  CHECK(supervisor.out() == "[main] done\n");
  CHECK(supervisor.err().find("rastar-init: error: missing: cannot run \"no-such-program-anywhere\": command not "
                              "found (check the name and PATH)\n") != std::string::npos);
}

TEST_CASE("Supervisor: a critical service that cannot start ends the container with 127")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  config::ServiceConfig missing;
  missing.command = {"no-such-program-anywhere"};
  missing.critical = true;
  config.services["missing"] = missing;
  config.services["other"] = service("echo up");
  config.services["other"].depends_on["missing"] = config::DependencyCondition::started;
  const auto supervisor = fork_supervisor(config);
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 127);
  // Its dependent waited for it and was never started.
  CHECK(supervisor.out().empty());
  CHECK(supervisor.err().find("rastar-init: error: missing: cannot run \"no-such-program-anywhere\": command not "
                              "found (check the name and PATH)\n") != std::string::npos);
}

TEST_CASE("Supervisor: not PID 1, it is the child subreaper of what its services leave behind")
{
  TestDirectory directory;
  config::SupervisorConfig config;
  // The inner shell outlives its parent: the kernel re-parents it to the
  // nearest subreaper, which must be the supervisor (not the test runner).
  config.services["parent"] =
    service("sh -c 'sleep 0.3; grep PPid: /proc/$$/status > orphan.ppid; echo $$ > orphan.pid' & exit 0");
  config.services["main"] = service("while [ ! -f orphan.pid ]; do sleep 0.02; done; sleep 0.3; echo done");
  config.services["main"].critical = true;
  const auto supervisor = fork_supervisor(config);
  REQUIRE(wait_for_text("orphan.pid", "\n"));
  CHECK(read_file("orphan.ppid") == "PPid:\t" + std::to_string(supervisor.pid) + "\n");
  // Reaped once it ended: no zombie of it is left under the supervisor.
  const auto orphan = std::stoi(read_file("orphan.pid"));
  CHECK(wait_until([&] { return !std::filesystem::exists("/proc/" + std::to_string(orphan)); }, seconds(5)));
  CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
  CHECK(supervisor.out() == "[main] done\n");
}

TEST_CASE("Supervisor: bad dependency graphs")
{
  config::SupervisorConfig config;
  config.services["a"] = service("true");
  SUBCASE("unknown service")
  {
    config.services["a"].depends_on["ghost"] = config::DependencyCondition::started;
    CHECK_THROWS_WITH_AS(supervise::Supervisor(config, false),
                         "services.a.depends_on: \"ghost\" is not a service of this config", Error);
  }
  SUBCASE("cycle")
  {
    config.services["b"] = service("true");
    config.services["a"].depends_on["b"] = config::DependencyCondition::started;
    config.services["b"].depends_on["a"] = config::DependencyCondition::healthy;
    CHECK_THROWS_WITH_AS(supervise::Supervisor(config, false),
                         "services: depends_on forms a cycle (a -> b -> a); remove one of these dependencies",
                         Error);
  }
}

TEST_SUITE("pid1")
{
  TEST_CASE("Supervisor: 1000 orphans of a service are reaped with none left, as PID 1")
  {
    TestDirectory directory;
    write_file("rastar-init.yaml",
               "status: {listen: \"0\"}\ncontrol: {socket: \"\"}\nservices:\n  census:\n    command: [sh, -c, \"" +
                 helper_path("spawn_orphans") + " 1000 200 && " + helper_path("zombie_census") +
                 " 15000\"]\n    critical: true\n  bystander:\n    command: [sleep, \"60\"]\n");
    const auto init = launch({"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", RASTAR_INIT_BINARY,
                              "run", "--config", (directory.path() / "rastar-init.yaml").string()});
    CHECK(wait_exit(init.pid, seconds(30)) == 0);
    CHECK(init.out() == "[census] zombies: 0, orphans: 0\n");
  }

  TEST_CASE("Supervisor: a service runs as the user and group it names")
  {
    TestDirectory directory;
    std::filesystem::permissions(directory.path(), std::filesystem::perms::all);
    config::SupervisorConfig config;
    config.services["who"] = service("echo \"$(id -u) $(id -g) $(id -G)\"");
    config.services["who"].user = "nobody";
    config.services["who"].critical = true;
    const auto supervisor = fork_supervisor(config);
    CHECK(wait_exit(supervisor.pid, seconds(10)) == 0);
    CHECK(supervisor.out() == "[who] 65534 65534 65534\n");
  }
}
