// The doctest main: each run works in a fresh directory under the build tree
// (testdir/<pid>), removed on success and left, with a note, on failure. A
// suite whose prerequisite is missing exits 125 so CTest shows it as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "test_support.hpp"

#include <rastar/util/signals.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <unistd.h>

namespace {

bool
wants_suite(int argc, char** argv, std::string_view suite)
{
  for (int i = 1; i < argc; ++i) {
    std::string_view argument = argv[i];
    if (argument.starts_with("--test-suite=") && argument.find(suite) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

} // namespace

int
main(int argc, char** argv)
{
  // As rastar-init does: signals are received by the watcher, never by default action.
  rastar::util::block_signals();
  const bool in_ci = std::getenv("CI") != nullptr;
  if (wants_suite(argc, argv, "postgres") && rastar::test::postgres_admin_url().empty()) {
    std::fprintf(stderr, "RASTAR_TEST_DATABASE_URL is not set: the PostgreSQL suite cannot run.\n");
    return in_ci ? 1 : 125;
  }
  if (wants_suite(argc, argv, "pid1") && geteuid() != 0) {
    std::fprintf(stderr, "The PID-1 suite needs root (unshare --pid); skipped.\n");
    return in_ci ? 1 : 125;
  }

  const auto root = std::filesystem::current_path();
  const auto directory = root / "testdir" / std::to_string(getpid());
  std::filesystem::create_directories(directory);
  std::filesystem::current_path(directory);

  doctest::Context context(argc, argv);
  const int result = context.run();

  std::filesystem::current_path(root);
  if (result == 0) {
    std::filesystem::remove_all(directory);
  } else {
    std::fprintf(stderr, "Note: test data has been left in %s\n", directory.c_str());
  }
  return result;
}
