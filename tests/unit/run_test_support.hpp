#pragma once

// The end-to-end tests of `rastar-init run`: a project in the case's
// directory (the example Rastar history copied, so a case may add or break a
// migration, the README demo's two seeds, and two small services), started
// as a real process and read back through its log, its status endpoint and
// the database.

#include "supervise_test_support.hpp"
#include "test_support.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rastar::test {

// The admin's password the cases seed with; no output may contain it.
inline constexpr const char* k_run_admin_password = "pw-Run-s3cret&Tr0ub4dor";

// Runs a query on the case's database: one string per row (a test builds
// its one column with ||, which SQLite and PostgreSQL both understand).
using Rows = std::function<std::vector<std::string>(const std::string&)>;

// The migrations of examples/rastar's history, in order.
std::vector<std::string>
example_migration_names();

// One project of `rastar-init run` on one database, in the current directory.
class RunProject
{
public:
  // `database_url`: DATABASE_URL for every start; `postgres` picks the example
  // history (migrations/ or migrations-sqlite/) copied into ./migrations.
  RunProject(std::string database_url, bool postgres);

  const std::filesystem::path&
  migrations() const
  {
    return m_migrations;
  }

  // Writes config `name` (default rastar.yaml): the example schema, ./migrations,
  // the admin and default-pack seeds, a status port of its own, no control
  // socket, and the services `web` (http_ok, ready once it answers) and
  // `worker` (writes its DATABASE_URL to `<prefix>worker.url`, then sleeps).
  // Returns the status port.
  unsigned short
  write_config(const std::string& name = "rastar.yaml", const std::string& prefix = "") const;

  // The environment of a start: DATABASE_URL, ADMIN_PASSWORD, and nothing that
  // would pick another database, config or log level; `extra` wins.
  std::map<std::string, std::string>
  environment(const std::map<std::string, std::string>& extra = {}) const;

  // `rastar-init run --config CONFIG`, as argv.
  std::vector<std::string>
  run_argv(const std::string& config = "rastar.yaml") const;

  // `rastar-init run --config rastar.yaml ARGS…` in the background.
  Launched
  start(const std::vector<std::string>& arguments = {}, const std::map<std::string, std::string>& extra = {}) const;

  // Starts, waits for the run to end (60 s at most), returns its outcome.
  CommandResult
  start_and_wait(const std::vector<std::string>& arguments = {},
                 const std::map<std::string, std::string>& extra = {}) const;

  // `rastar-init ARGS… --config rastar.yaml` (a command other than run).
  CommandResult
  rastar(std::vector<std::string> arguments) const;

  // The status port of the last write_config.
  unsigned short
  status_port() const
  {
    return m_status_port;
  }

private:
  std::string m_url;
  bool m_postgres;
  std::filesystem::path m_migrations;
  mutable unsigned short m_status_port = 0;
};

// GET `path` from the status endpoint on `port`: its HTTP status, 0 when
// nothing answers.
int
status_code(unsigned short port, const std::string& path);

// Waits until /readyz on `port` says 200 (30 s at most) or `pid` exits.
bool
wait_ready(unsigned short port, pid_t pid);

// How many lines of `log` contain `text`.
std::size_t
count_lines(const std::string& log, const std::string& text);

// The log line that contains `text`, from that text to the end of the line,
// or "" when none does.
std::string
line_from(const std::string& log, const std::string& text);

// What `rastar-init: error: ` says, to the end of the output.
std::string
error_text(const std::string& err);

} // namespace rastar::test
