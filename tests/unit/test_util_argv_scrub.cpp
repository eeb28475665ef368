#include "test_support.hpp"

#include <rastar/util/argv_scrub.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace rastar;

namespace {

// Mutable argv built from `arguments`, as main() receives it.
class FakeArgv
{
public:
  explicit FakeArgv(const std::vector<std::string>& arguments)
    : m_storage(arguments)
  {
    for (auto& argument : m_storage) {
      m_pointers.push_back(argument.data());
    }
    m_pointers.push_back(nullptr);
  }

  int
  argc() const
  {
    return static_cast<int>(m_storage.size());
  }

  char**
  argv()
  {
    return m_pointers.data();
  }

  std::vector<std::string>
  arguments() const
  {
    return std::vector<std::string>(m_pointers.begin(), m_pointers.end() - 1);
  }

private:
  std::vector<std::string> m_storage;
  std::vector<char*> m_pointers;
};

constexpr const char* k_child_variable = "RASTAR_TEST_SCRUB_CHILD";
constexpr const char* k_child_case = "util::scrub_url_passwords in the process's own command line";

} // namespace

TEST_CASE("util::scrub_url_passwords")
{
  SUBCASE("--url VALUE and --url=VALUE, userinfo and password= parameters")
  {
    FakeArgv fake({"rastar-init", "wait", "--url", "postgresql://u:hunter2@db/rastar", "--timeout", "5",
                   "--url=postgres://v:p%40ss@[::1]/db?password=swordfish&sslmode=disable"});
    CHECK(util::scrub_url_passwords(fake.argc(), fake.argv()) == 2);
    CHECK(fake.arguments() ==
          std::vector<std::string>{"rastar-init", "wait", "--url", "postgresql://u:*******@db/rastar", "--timeout",
                                   "5", "--url=postgres://v:******@[::1]/db?password=*********&sslmode=disable"});
  }

  SUBCASE("nothing to hide; other options and what follows -- are left alone")
  {
    FakeArgv fake({"rastar-init", "run", "--url", "postgresql://u@db/rastar", "--urls=a:b@c", "--", "psql",
                   "--url", "postgresql://u:keep@db/x"});
    const auto before = fake.arguments();
    CHECK(util::scrub_url_passwords(fake.argc(), fake.argv()) == 0);
    CHECK(fake.arguments() == before);
  }

  SUBCASE("--url as the last argument")
  {
    FakeArgv fake({"rastar-init", "wait", "--url"});
    CHECK(util::scrub_url_passwords(fake.argc(), fake.argv()) == 0);
  }
}

// Run twice: in the test process it starts a copy of the test binary with a
// URL on its command line; in that copy (k_child_variable set) it scrubs the
// copy's real argv and prints /proc/self/cmdline, which is what ps shows.
TEST_CASE("util::scrub_url_passwords in the process's own command line")
{
  if (std::getenv(k_child_variable)) {
    // argv's strings lie one after another from argv[0] on (Linux's layout).
    const auto cmdline = test::read_file("/proc/self/cmdline");
    std::vector<char*> argv;
    for (std::size_t offset = 0; offset < cmdline.size();
         offset += std::strlen(program_invocation_name + offset) + 1) {
      argv.push_back(program_invocation_name + offset);
    }
    util::scrub_url_passwords(static_cast<int>(argv.size()), argv.data());
    auto after = test::read_file("/proc/self/cmdline");
    std::replace(after.begin(), after.end(), '\0', ' ');
    std::printf("cmdline: %s\n", after.c_str());
    return;
  }
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto result = test::run({self, std::string("-tc=") + k_child_case, "--url",
                                 "postgresql://u:hunter2@db/rastar", "--url=postgres://v:pw@db/x?password=swordfish"},
                                {{k_child_variable, "1"}});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("cmdline: " + self + " -tc=" + k_child_case +
                        " --url postgresql://u:*******@db/rastar --url=postgres://v:**@db/x?password=********* \n") !=
        std::string::npos);
  CHECK(result.out.find("hunter2") == std::string::npos);
  CHECK(result.out.find("swordfish") == std::string::npos);
}
