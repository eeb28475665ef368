// Four replicas of `rastar-init run` started together, each as PID 1 of its
// own PID namespace, against one database: exactly one migrates and seeds,
// the others wait their turn, find nothing to do, and start their services.

#include "cli_migrate_test_support.hpp"
#include "run_test_support.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace rastar::test;
using namespace std::chrono_literals;

namespace {

constexpr int k_replicas = 4;

// The pid namespace's view of `host_pid`: the last NSpid field of its status.
std::string
namespace_pid(pid_t host_pid)
{
  std::ifstream status("/proc/" + std::to_string(host_pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("NSpid:")) {
      return line.substr(line.find_last_of(" \t") + 1);
    }
  }
  return "";
}

struct Replica
{
  std::string config;
  unsigned short port = 0;
  Launched launched;
};

// Starts the replicas together, checks each gets ready as PID 1, stops them
// with SIGTERM (exit 0), and checks that one migrated and seeded.
void
check_replicas(const std::string& url, bool postgres, const Rows& rows)
{
  RunProject project(url, postgres);
  std::vector<Replica> replicas(k_replicas);
  for (int index = 0; index < k_replicas; ++index) {
    auto& replica = replicas[static_cast<std::size_t>(index)];
    replica.config = "replica" + std::to_string(index) + ".yaml";
    replica.port = project.write_config(replica.config, "r" + std::to_string(index) + "_");
  }
  for (auto& replica : replicas) {
    auto argv = project.run_argv(replica.config);
    argv.insert(argv.begin(), {"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"});
    replica.launched = launch(argv, project.environment());
  }

  for (std::size_t index = 0; index < replicas.size(); ++index) {
    CAPTURE(index);
    auto& replica = replicas[index];
    CHECK_MESSAGE(wait_ready(replica.port, replica.launched.pid), replica.launched.err());
    // The worker has no readiness check: ready means started, and its shell
    // may write the file a moment later.
    const auto url_file = "r" + std::to_string(index) + "_worker.url";
    wait_until([&] { return read_file(url_file).ends_with("\n"); }, 5s);
    CHECK(read_file(url_file).starts_with(postgres ? "postgresql://" : "file:/"));
  }
  for (auto& replica : replicas) {
    const pid_t init = first_child(replica.launched.pid, 5s);
    REQUIRE(init > 0);
    CHECK(namespace_pid(init) == "1");
    kill(init, SIGTERM);
  }

  std::size_t migrating = 0;
  std::size_t seeding = 0;
  std::size_t applied_lines = 0;
  for (auto& replica : replicas) {
    CHECK(wait_exit(replica.launched.pid, 30s) == 0);
    const auto log = replica.launched.err();
    CAPTURE(log);
    CHECK(log.find(k_run_admin_password) == std::string::npos);
    const auto applied = count_lines(log, "applied migration `");
    applied_lines += applied;
    if (applied > 0) {
      ++migrating;
      CHECK(applied == 3);
      CHECK(line_from(log, "phase migrate: ").starts_with("phase migrate: 3 of 3 migrations applied in "));
    } else {
      CHECK(line_from(log, "phase migrate: ").starts_with("phase migrate: 0 of 3 migrations applied in "));
    }
    if (line_from(log, "phase seed: ").starts_with("phase seed: 2 of 2 seeds written")) {
      ++seeding;
      CHECK(applied == 3); // the one that migrated, under the same lock
    } else {
      CHECK(line_from(log, "phase seed: ").starts_with("phase seed: 0 of 2 seeds written, 2 already there"));
    }
  }
  CHECK(migrating == 1);
  CHECK(seeding == 1);
  CHECK(applied_lines == 3);
  CHECK(rows("SELECT count(*) || '|' || count(DISTINCT migration_name) || '|' || count(finished_at) FROM "
             "_prisma_migrations") == std::vector<std::string>{"3|3|3"});
  CHECK(rows("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"1"});
  CHECK(rows("SELECT count(*) FROM \"Pack\"") == std::vector<std::string>{"1"});
}

} // namespace

TEST_SUITE("pid1")
{
  TEST_CASE("rastar-init run, SQLite: 4 replicas started together, each as PID 1")
  {
    TestDirectory directory;
    const auto path = fs::absolute("data/rastar.db");
    check_replicas("file:./data/rastar.db", false, [path](const std::string& sql) { return sqlite_rows(path, sql); });
  }
}

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init run, PostgreSQL: 4 replicas started together, each as PID 1")
  {
    // unshare --pid needs root, as the pid1 suite does.
    REQUIRE_MESSAGE(geteuid() == 0, "this case runs each replica in its own PID namespace, which needs root");
    TestDirectory directory;
    TemporaryDatabase database;
    check_replicas(database.url(), true, [&database](const std::string& sql) { return database.query(sql); });
  }
}
