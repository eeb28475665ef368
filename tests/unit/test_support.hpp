#pragma once

// Shared helpers for the tests: a per-case directory, running the real
// rastar-init binary, and throwaway PostgreSQL databases.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rastar::test {

// RASTAR_TEST_DATABASE_URL: a PostgreSQL URL whose user may create databases.
// Empty when unset.
std::string
postgres_admin_url();

// A fresh directory for one test case, below the run's testdir; the process
// works inside it while the object lives.
class TestDirectory
{
public:
  TestDirectory();
  ~TestDirectory();
  TestDirectory(const TestDirectory&) = delete;
  TestDirectory& operator=(const TestDirectory&) = delete;

  const std::filesystem::path&
  path() const
  {
    return m_path;
  }

private:
  std::filesystem::path m_previous;
  std::filesystem::path m_path;
};

// Writes `content` to `path`, creating parent directories.
void
write_file(const std::filesystem::path& path, const std::string& content);

std::string
read_file(const std::filesystem::path& path);

struct CommandResult
{
  int exit_code = -1;
  std::string out;
  std::string err;
};

// This process's environment as "NAME=value" entries, with `changes` applied
// (nullopt removes a variable), for a child started with posix_spawn: the test
// process's own environment is never changed.
std::vector<std::string>
child_environment(const std::map<std::string, std::optional<std::string>>& changes);

// The null-terminated pointer array posix_spawn wants for argv or envp; the
// pointers stay valid while `strings` is neither changed nor destroyed.
std::vector<char*>
pointers_of(std::vector<std::string>& strings);

// Runs `arguments` (argv[0] is the program path) with the current environment
// plus `environment` (a value of std::nullopt removes the variable), waits, and
// captures both streams.
CommandResult
run(const std::vector<std::string>& arguments,
    const std::map<std::string, std::optional<std::string>>& environment = {});

// Runs the rastar-init binary under test with `arguments`.
CommandResult
run_rastar(const std::vector<std::string>& arguments,
           const std::map<std::string, std::optional<std::string>>& environment = {});

// The path of a test helper program built beside the tests.
std::string
helper_path(const std::string& name);

// A PostgreSQL database created for one test and dropped (with FORCE) after it.
class TemporaryDatabase
{
public:
  TemporaryDatabase();
  ~TemporaryDatabase();
  TemporaryDatabase(const TemporaryDatabase&) = delete;
  TemporaryDatabase& operator=(const TemporaryDatabase&) = delete;

  // postgresql://…/<name>, with `query` (e.g. "schema=app") appended when given.
  std::string
  url(const std::string& query = "") const;

  const std::string&
  name() const
  {
    return m_name;
  }

  // Runs `sql` on this database and returns the first column of every row,
  // NULL as "<null>".
  std::vector<std::string>
  query(const std::string& sql) const;

  // Runs `sql` for its effect.
  void
  execute(const std::string& sql) const;

private:
  std::string m_name;
};

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template<typename Condition>
bool
wait_until(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace rastar::test

#include <thread>

template<typename Condition>
bool
rastar::test::wait_until(Condition condition, std::chrono::milliseconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}
