// SIGHUP with `sighup: reload`: rastar-init run --config as PID 1 reads its
// file again and brings the services to it (Supervisor::set_reload_handler).
#include "supervise_test_support.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

using namespace rastar::test;
using std::chrono::seconds;

namespace {

// A service that records its start (its pid and $VERSION) and its stop.
std::string
recorder(const std::string& name, const std::string& version)
{
  // $$ is a literal $ in the config file (it expands ${VAR} itself).
  return "  " + name + ":\n    command: [sh, -c, \"echo start $$$$ $$VERSION >> " + name + ".events; trap 'echo stop " +
         "$$$$ >> " + name + ".events; exit 0' TERM HUP; while :; do sleep 0.02; done\"]\n    env: {VERSION: \"" +
         version + "\"}\n";
}

std::string
config_with(const std::string& sighup, const std::string& services)
{
  return "sighup: " + sighup + "\nstatus: {listen: \"0\"}\ncontrol: {socket: \"\"}\nshutdown_timeout: 5s\nservices:\n" +
         services;
}

Launched
launch_config_init(const std::string& config_path)
{
  return launch({"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", RASTAR_INIT_BINARY, "run",
                 "--config", config_path});
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

// The pid a service's first "start" line names.
std::string
started_pid(const std::string& events)
{
  const auto lines = lines_of(events);
  REQUIRE(!lines.empty());
  std::istringstream in(lines.front());
  std::string word;
  std::string pid;
  in >> word >> pid;
  return pid;
}

} // namespace

TEST_SUITE("pid1")
{
  TEST_CASE("Supervisor::set_reload_handler: SIGHUP reloads the config")
  {
    TestDirectory directory;
    const auto path = (directory.path() / "rastar-init.yaml").string();
    write_file(path, config_with("reload", recorder("keep", "1") + recorder("change", "1") + recorder("gone", "1")));
    const auto init = launch_config_init(path);
    for (const std::string name : {"keep", "change", "gone"}) {
      REQUIRE(wait_for_text(name + ".events", "start "));
    }
    const pid_t pid1 = first_child(init.pid, seconds(5));
    REQUIRE(pid1 > 0);
    const auto keep_pid = started_pid(read_file("keep.events"));
    const auto change_pid = started_pid(read_file("change.events"));
    const auto gone_pid = started_pid(read_file("gone.events"));

    SUBCASE("removed services stop, added ones start, changed ones restart, unchanged ones keep their pid")
    {
      write_file(path, config_with("reload", recorder("keep", "1") + recorder("change", "2") + recorder("added", "1")));
      kill(pid1, SIGHUP);
      REQUIRE(wait_for_text("added.events", "start "));
      // Its third line: start, stop, start again (pids are small here: " 2" may be a pid).
      REQUIRE(wait_until([] { return lines_of(read_file("change.events")).size() >= 3; }));
      CHECK(wait_for_text(init.err_path, "reload: 1 restarted (change), 1 added (added), 1 removed (gone); 1 "
                                         "unchanged\n"));
      const auto added_pid = started_pid(read_file("added.events"));
      const auto new_change_pid = lines_of(read_file("change.events")).at(2).substr(6);
      // Nothing but the reload's own changes happened: keep never stopped.
      CHECK(lines_of(read_file("keep.events")) == std::vector<std::string>{"start " + keep_pid + " 1"});
      CHECK(lines_of(read_file("gone.events")) ==
            std::vector<std::string>{"start " + gone_pid + " 1", "stop " + gone_pid});
      // The new definition started only once the old process had ended.
      CHECK(lines_of(read_file("change.events")) ==
            std::vector<std::string>{"start " + change_pid + " 1", "stop " + change_pid, "start " + new_change_pid});
      CHECK(new_change_pid.substr(new_change_pid.size() - 2) == " 2");

      // Reloading the same file again changes nothing.
      kill(pid1, SIGHUP);
      CHECK(wait_for_text(init.err_path, "reload: nothing changed\n"));
      kill(pid1, SIGTERM);
      CHECK(wait_exit(init.pid, seconds(10)) == 0);
      CHECK(lines_of(read_file("keep.events")) ==
            std::vector<std::string>{"start " + keep_pid + " 1", "stop " + keep_pid});
      CHECK(lines_of(read_file("added.events")) ==
            std::vector<std::string>{"start " + added_pid + " 1", "stop " + added_pid});
      CHECK(lines_of(read_file("gone.events")).size() == 2);
    }

    SUBCASE("a file that is not valid is reported with its position and changes nothing")
    {
      write_file(path, config_with("reload", recorder("keep", "1") + "  change:\n    command: [\"true\"]\n    "
                                                                     "restart: sometimes\n"));
      kill(pid1, SIGHUP);
      CHECK(wait_for_text(init.err_path,
                          "rastar-init: error: reload: " + path +
                            ":11:14: services.change.restart: \"sometimes\" is not one of always, on-failure, never; "
                            "the services keep running as they are\n"));
      write_file(path, config_with("reload", recorder("keep", "1")));
      kill(pid1, SIGTERM);
      CHECK(wait_exit(init.pid, seconds(10)) == 0);
      for (const auto& [name, pid] : std::vector<std::pair<std::string, std::string>>{
             {"keep", keep_pid}, {"change", change_pid}, {"gone", gone_pid}}) {
        const std::vector<std::string> expected{"start " + pid + " 1", "stop " + pid};
        CHECK_MESSAGE(lines_of(read_file(name + ".events")) == expected, name);
      }
    }

    SUBCASE("a dependency cycle is reported and changes nothing")
    {
      write_file(path, config_with("reload", recorder("keep", "1") + "    depends_on: [change]\n" +
                                               recorder("change", "1") + "    depends_on: [keep]\n"));
      kill(pid1, SIGHUP);
      CHECK(wait_for_text(init.err_path, "rastar-init: error: reload: " + path +
                                           ":13:18: services.change.depends_on[0]: dependency cycle: change -> keep "
                                           "-> change; the services keep running as they are\n"));
      kill(pid1, SIGTERM);
      CHECK(wait_exit(init.pid, seconds(10)) == 0);
      CHECK(lines_of(read_file("gone.events")) ==
            std::vector<std::string>{"start " + gone_pid + " 1", "stop " + gone_pid});
    }
  }

  TEST_CASE("Supervisor: SIGHUP is forwarded to every service unless the config says reload")
  {
    TestDirectory directory;
    const auto path = (directory.path() / "rastar-init.yaml").string();
    write_file(path, config_with("forward", recorder("a", "1") + recorder("b", "1")));
    const auto init = launch_config_init(path);
    REQUIRE(wait_for_text("a.events", "start "));
    REQUIRE(wait_for_text("b.events", "start "));
    const pid_t pid1 = first_child(init.pid, seconds(5));
    REQUIRE(pid1 > 0);
    const auto a_pid = started_pid(read_file("a.events"));
    kill(pid1, SIGHUP);
    // Each service's trap ends it on HUP; on-failure does not restart a 0.
    CHECK(wait_for_text("a.events", "stop " + a_pid + "\n"));
    CHECK(wait_for_text("b.events", "stop "));
    CHECK(wait_exit(init.pid, seconds(10)) == 0);
    CHECK(init.err().find("reload") == std::string::npos);
  }
}
