#include "test_support.hpp"

#include <boost/process.hpp>
#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

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

CommandResult
run(const std::vector<std::string>& arguments,
    const std::map<std::string, std::optional<std::string>>& environment)
{
  // A copy: this_process::environment() is the live environment, and setting
  // a variable for one child would leave it set for every later test.
  bp::environment child_environment = boost::this_process::environment();
  for (const auto& [name, value] : environment) {
    if (value) {
      child_environment[name] = *value;
    } else {
      child_environment.erase(name);
    }
  }
  const auto stem = std::filesystem::current_path() /
                    ("run" + std::to_string(getpid()) + "_" + std::to_string(++g_counter));
  const auto out_path = stem.string() + ".out";
  const auto err_path = stem.string() + ".err";
  std::vector<std::string> rest(arguments.begin() + 1, arguments.end());
  bp::child child(arguments.front(), bp::args(rest), bp::std_out > out_path, bp::std_err > err_path,
                  bp::std_in < bp::null, child_environment);
  child.wait();
  CommandResult result;
  result.exit_code = child.native_exit_code();
  result.exit_code = WIFEXITED(result.exit_code) ? WEXITSTATUS(result.exit_code)
                                                 : 128 + WTERMSIG(result.exit_code);
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
