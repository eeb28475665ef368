#include "supervise_test_support.hpp"

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>


namespace rastar::test {

namespace {

std::atomic<int> g_launches{0};

} // namespace

Launched
launch(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment)
{
  Launched result;
  const auto stem = "proc" + std::to_string(getpid()) + "_" + std::to_string(++g_launches);
  result.out_path = (std::filesystem::current_path() / (stem + ".out")).string();
  result.err_path = (std::filesystem::current_path() / (stem + ".err")).string();

  auto env_strings =
    child_environment(std::map<std::string, std::optional<std::string>>(environment.begin(), environment.end()));
  auto env = pointers_of(env_strings);
  std::vector<std::string> arguments = argv;
  auto args = pointers_of(arguments);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, result.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, result.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  const int error = posix_spawnp(&result.pid, args[0], &actions, &attributes, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    throw std::runtime_error("cannot start " + argv.front());
  }
  return result;
}

std::optional<int>
wait_exit(pid_t pid, std::chrono::milliseconds timeout)
{
  int status = 0;
  const bool exited = wait_until([&] { return waitpid(pid, &status, WNOHANG) == pid; }, timeout);
  if (!exited) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return std::nullopt;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t
first_child(pid_t pid, std::chrono::milliseconds timeout)
{
  pid_t child = -1;
  wait_until(
    [&] {
      std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
      return static_cast<bool>(children >> child);
    },
    timeout);
  return child;
}

Launched
launch_init(const std::vector<std::string>& command, const std::map<std::string, std::string>& environment)
{
  std::vector<std::string> argv{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                                RASTAR_INIT_BINARY, "run", "--"};
  argv.insert(argv.end(), command.begin(), command.end());
  return launch(argv, environment);
}

InitOutcome
run_init(const std::vector<std::string>& command, const std::map<std::string, std::string>& environment)
{
  const auto start = std::chrono::steady_clock::now();
  const auto launched = launch_init(command, environment);
  InitOutcome outcome;
  outcome.exit_code = wait_exit(launched.pid, std::chrono::seconds(20));
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.out = launched.out();
  outcome.err = launched.err();
  std::filesystem::remove(launched.out_path);
  std::filesystem::remove(launched.err_path);
  return outcome;
}

bool
wait_for_text(const std::string& path, const std::string& text, std::chrono::milliseconds timeout)
{
  return wait_until([&] { return read_file(path).find(text) != std::string::npos; }, timeout);
}

} // namespace rastar::test
