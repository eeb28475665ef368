#include "run_test_support.hpp"

#include "cli_migrate_test_support.hpp"
#include "control_fixture.hpp"

#include <rastar/supervise/status_client.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <fmt/format.h>

#include <sys/wait.h>

namespace fs = std::filesystem;

namespace rastar::test {

namespace {

const fs::path k_examples = fs::path(RASTAR_SOURCE_DIR) / "examples" / "rastar";

// The seeds of config/example.yaml, the README demo's.
constexpr const char* k_seeds = R"(seeds:
  admin:
    model: AdminUser
    key: [email]
    values:
      email: ${ADMIN_EMAIL:-admin@rastar.local}
      passwordHash: {bcrypt_env: ADMIN_PASSWORD, cost: 12}
      role: owner
  default-pack:
    model: Pack
    key: [slug]
    values:
      slug: starter
      name: Starter
      description: 100 credits to try the bot
      credits: 100
      price: 0
      isDefault: true
)";

} // namespace

std::vector<std::string>
example_migration_names()
{
  return {"20251228120000_init", "20260106093000_add_mcp_logging", "20260106141500_add_session_tracking"};
}

RunProject::RunProject(std::string database_url, bool postgres)
  : m_url(std::move(database_url)),
    m_postgres(postgres),
    m_migrations(fs::absolute("migrations"))
{
  fs::copy(k_examples / (postgres ? "migrations" : "migrations-sqlite"), m_migrations, fs::copy_options::recursive);
}

unsigned short
RunProject::write_config(const std::string& name, const std::string& prefix) const
{
  m_status_port = free_port();
  const auto web_port = free_port();
  write_file(name,
             fmt::format("status: {{listen: \"127.0.0.1:{}\"}}\n"
                         "control: {{socket: \"\"}}\n"
                         "shutdown_timeout: 5s\n"
                         "database: {{lock_timeout: 60s}}\n"
                         "schema: {}\n"
                         "migrations: {}\n"
                         "{}"
                         "services:\n"
                         "  web:\n"
                         "    command: [{}, \"{}\", \"0\", {}web.ready]\n"
                         "    ready: {{http: \"http://127.0.0.1:{}/\", interval: 50ms}}\n"
                         "  worker:\n"
                         "    command: [/bin/sh, -c, 'echo \"$$DATABASE_URL\" > {}worker.url; exec sleep 1000']\n",
                         m_status_port, (k_examples / "schema.prisma").string(), m_migrations.string(), k_seeds,
                         helper_path("http_ok"), web_port, prefix, web_port, prefix));
  return m_status_port;
}

std::map<std::string, std::string>
RunProject::environment(const std::map<std::string, std::string>& extra) const
{
  auto variables = launch_environment(m_url);
  variables["ADMIN_PASSWORD"] = k_run_admin_password;
  variables["ADMIN_PASSWORD_FILE"] = "";
  variables["ADMIN_EMAIL"] = "";
  variables["RASTAR_STATUS_LISTEN"] = "";
  variables["RASTAR_SHUTDOWN_TIMEOUT"] = "";
  for (const auto& [variable, value] : extra) {
    variables[variable] = value;
  }
  return variables;
}

std::vector<std::string>
RunProject::run_argv(const std::string& config) const
{
  return {RASTAR_INIT_BINARY, "run", "--config", config};
}

Launched
RunProject::start(const std::vector<std::string>& arguments, const std::map<std::string, std::string>& extra) const
{
  auto argv = run_argv();
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return launch(argv, environment(extra));
}

CommandResult
RunProject::start_and_wait(const std::vector<std::string>& arguments,
                           const std::map<std::string, std::string>& extra) const
{
  const auto launched = start(arguments, extra);
  CommandResult result;
  result.exit_code = wait_exit(launched.pid, std::chrono::seconds(60)).value_or(-1);
  result.out = launched.out();
  result.err = launched.err();
  return result;
}

CommandResult
RunProject::rastar(std::vector<std::string> arguments) const
{
  arguments.insert(arguments.end(), {"--config", "rastar.yaml"});
  Environment variables;
  for (const auto& [variable, value] : environment()) {
    variables[variable] = value.empty() ? std::nullopt : std::optional<std::string>(value);
  }
  return run_rastar(arguments, variables);
}

int
status_code(unsigned short port, const std::string& path)
{
  try {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::address_v4::loopback(), port);
    return supervise::fetch_status_path(endpoint, path, std::chrono::seconds(2)).status;
  } catch (const std::exception&) {
    return 0;
  }
}

bool
wait_ready(unsigned short port, pid_t pid)
{
  return wait_until(
    [&] {
      // Whether it exited, leaving its status for the test to collect.
      siginfo_t info{};
      const bool exited = waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                          info.si_pid == pid;
      return exited || status_code(port, "/readyz") == 200;
    },
    std::chrono::seconds(30)) &&
         status_code(port, "/readyz") == 200;
}

std::size_t
count_lines(const std::string& log, const std::string& text)
{
  std::size_t count = 0;
  std::size_t start = 0;
  while (start < log.size()) {
    auto end = log.find('\n', start);
    if (end == std::string::npos) {
      end = log.size();
    }
    if (log.substr(start, end - start).find(text) != std::string::npos) {
      ++count;
    }
    start = end + 1;
  }
  return count;
}

std::string
line_from(const std::string& log, const std::string& text)
{
  const auto start = log.find(text);
  if (start == std::string::npos) {
    return "";
  }
  return log.substr(start, log.find('\n', start) - start);
}

std::string
error_text(const std::string& err)
{
  const auto start = err.find("rastar-init: error: ");
  return start == std::string::npos ? "" : err.substr(start + std::string("rastar-init: error: ").size());
}

} // namespace rastar::test
