#include "test_support.hpp"

#include <boost/process.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <cerrno>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bp = boost::process;

namespace rastar::test {

std::string
postgres_admin_url()
{
  const char* value = std::getenv("RASTAR_TEST_DATABASE_URL");
  return value ? value : "";
}

namespace {

std::atomic<int> g_counter{0};

// Replaces the database name (the path after the authority) of a URL.
std::string
url_with_database(const std::string& url, const std::string& database)
{
  const auto authority_start = url.find("://") + 3;
  const auto authority_end = url.find_first_of("/?", authority_start);
  return url.substr(0, authority_end == std::string::npos ? url.size() : authority_end) + "/" + database;
}

} // namespace

TestDirectory::TestDirectory()
  : m_previous(std::filesystem::current_path())
{
  m_path = m_previous / ("case" + std::to_string(++g_counter));
  std::filesystem::remove_all(m_path);
  std::filesystem::create_directories(m_path);
  std::filesystem::current_path(m_path);
}

TestDirectory::~TestDirectory()
{
  std::filesystem::current_path(m_previous);
}

void
write_file(const std::filesystem::path& path, const std::string& content)
{
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

std::string
read_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<char*>
pointers_of(std::vector<std::string>& strings)
{
  std::vector<char*> pointers;
  for (auto& text : strings) {
    pointers.push_back(text.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

std::vector<std::string>
child_environment(const std::map<std::string, std::optional<std::string>>& changes)
{
  std::vector<std::string> entries;
  for (char** entry = environ; *entry; ++entry) {
    const std::string text = *entry;
    if (changes.count(text.substr(0, text.find('='))) == 0) {
      entries.push_back(text);
    }
  }
  for (const auto& [name, value] : changes) {
    if (value) {
      entries.push_back(name + "=" + *value);
    }
  }
  return entries;
}

CommandResult
run(const std::vector<std::string>& arguments,
    const std::map<std::string, std::optional<std::string>>& environment)
{
  // The child's own environment: Boost.Process 1.74's environment lookup
  // reads past shorter entries (seen under ASan).
  auto entries = child_environment(environment);
  auto env = pointers_of(entries);
  std::vector<std::string> argument_copy = arguments;
  auto argv = pointers_of(argument_copy);

  const auto stem = std::filesystem::current_path() /
                    ("run" + std::to_string(getpid()) + "_" + std::to_string(++g_counter));
  const auto out_path = stem.string() + ".out";
  const auto err_path = stem.string() + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    throw std::runtime_error("cannot start " + arguments.front());
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
}

CommandResult
run_rastar(const std::vector<std::string>& arguments,
           const std::map<std::string, std::optional<std::string>>& environment)
{
  std::vector<std::string> full{RASTAR_INIT_BINARY};
  full.insert(full.end(), arguments.begin(), arguments.end());
  return run(full, environment);
}

std::string
helper_path(const std::string& name)
{
  return std::string(RASTAR_HELPERS_DIR) + "/" + name;
}

TemporaryDatabase::TemporaryDatabase()
  : m_name("rastar_test_" + std::to_string(getpid()) + "_" + std::to_string(++g_counter))
{
  pqxx::connection admin(postgres_admin_url());
  pqxx::nontransaction work(admin);
  work.exec("DROP DATABASE IF EXISTS " + work.quote_name(m_name) + " WITH (FORCE)");
  work.exec("CREATE DATABASE " + work.quote_name(m_name));
}

TemporaryDatabase::~TemporaryDatabase()
{
  try {
    pqxx::connection admin(postgres_admin_url());
    pqxx::nontransaction work(admin);
    work.exec("DROP DATABASE IF EXISTS " + work.quote_name(m_name) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // Left for the server's cleanup; a failed drop must not fail the test.
  }
}

std::string
TemporaryDatabase::url(const std::string& query) const
{
  const auto base = url_with_database(postgres_admin_url(), m_name);
  return query.empty() ? base : base + "?" + query;
}

std::vector<std::string>
TemporaryDatabase::query(const std::string& sql) const
{
  pqxx::connection connection(url());
  pqxx::nontransaction work(connection);
  std::vector<std::string> values;
  for (const auto& row : work.exec(sql)) {
    values.push_back(row[0].is_null() ? "<null>" : row[0].c_str());
  }
  return values;
}

void
TemporaryDatabase::execute(const std::string& sql) const
{
  pqxx::connection connection(url());
  pqxx::nontransaction work(connection);
  work.exec(sql);
}

} // namespace rastar::test
