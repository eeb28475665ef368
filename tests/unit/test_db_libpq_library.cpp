// libpq loaded on first use: without libpq.so.5, only PostgreSQL needs it.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace rastar::test;

namespace {

// The file behind libpq.so.5, as this test binary (which links libpq) maps it.
std::string
mapped_libpq_path()
{
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto path = line.find('/');
    if (path != std::string::npos && line.find("/libpq.so.5", path) != std::string::npos) {
      return line.substr(path);
    }
  }
  return "";
}

// Runs rastar-init with `arguments` in a mount namespace where libpq.so.5 is
// an empty file, as if libpq5 were not installed.
CommandResult
run_without_libpq(const std::vector<std::string>& arguments,
                  const std::map<std::string, std::optional<std::string>>& environment)
{
  const auto libpq = mapped_libpq_path();
  REQUIRE_FALSE(libpq.empty());
  std::vector<std::string> argv{"unshare", "--mount", "sh", "-c", "mount --bind /dev/null \"$0\" && exec \"$@\"",
                                libpq, RASTAR_INIT_BINARY};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return run(argv, environment);
}

} // namespace

// Needs root (a mount namespace), as the pid1 suite does.
TEST_SUITE("pid1")
{
  TEST_CASE("libpq::functions: without libpq.so.5")
  {
    TestDirectory directory;

    SUBCASE("run -- CMD and SQLite work")
    {
      const auto result =
        run_without_libpq({"run", "--", "sh", "-c", "echo ran; exit 3"}, {{"DATABASE_URL", std::nullopt}});
      CHECK(result.exit_code == 3);
      CHECK(result.out == "ran\n");

      // 1: no migrations yet, so not up to date (78 if it had needed libpq).
      const auto sqlite = run_without_libpq({"migrate", "status"}, {{"DATABASE_URL", "file:./rastar.db"}});
      CHECK(sqlite.exit_code == 1);
      CHECK(sqlite.out.find("No migration found in ") != std::string::npos);
    }

    SUBCASE("a PostgreSQL URL is a configuration error that says what to install")
    {
      const auto result = run_without_libpq({"wait", "--timeout", "1"},
                                            {{"DATABASE_URL", "postgresql://u:secret@127.0.0.1:1/app"}});
      CHECK(result.exit_code == 78);
      CHECK(result.err.starts_with("rastar-init: error: PostgreSQL's client library cannot be loaded ("));
      CHECK(result.err.ends_with("); install it (Debian and Ubuntu: apt-get install libpq5; elsewhere, the package "
                                 "that provides libpq.so.5), or use a SQLite DATABASE_URL (file:...)\n"));
      CHECK(result.err.find("secret") == std::string::npos);
    }
  }
}
