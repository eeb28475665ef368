#include <rastar/run/execute_again.hpp>

#include <rastar/util/signals.hpp>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

namespace rastar::run {

namespace {

// Set by `run` for the image it executes again once PostgreSQL is migrated and
// seeded: a pipe's read end holding the URL for the services. A pipe, not the
// variable's value, since a process's initial environment stays readable in
// /proc and the URL may carry the password.
constexpr const char* k_prepared_url_variable = "RASTAR_INIT_PREPARED_DATABASE_FD";

// This process's arguments as the kernel shows them (a --url password already
// scrubbed: the executed image does not read --url).
std::vector<std::string>
own_arguments()
{
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> arguments;
  for (std::string argument; std::getline(in, argument, '\0');) {
    arguments.push_back(argument);
  }
  return arguments;
}

// The file this process runs, by its own name, so that the executed image's
// name (ps, pgrep, docker top) stays rastar-init; /proc/self/exe, whose name
// would be "exe", only when the file was replaced or removed since.
std::string
own_executable()
{
  std::error_code error;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error || path.string().ends_with(" (deleted)")) {
    return "/proc/self/exe";
  }
  return path.string();
}

} // namespace

void
execute_again_without_database(const std::string& services_url)
{
  const bool watcher_paused = util::SignalWatcher::pause_instance();
  if (watcher_paused && util::SignalWatcher::instance().cancel_signal() != 0) {
    util::SignalWatcher::resume_instance();
    return;
  }
  const auto arguments = own_arguments();
  std::vector<char*> argv;
  for (const auto& argument : arguments) {
    argv.push_back(const_cast<char*>(argument.c_str()));
  }
  argv.push_back(nullptr);
  // The URL fits in the pipe's buffer, so it is written whole before the exec.
  int error = EINVAL;
  int url_pipe[2];
  if (!arguments.empty() && services_url.size() < 65536 && ::pipe2(url_pipe, O_CLOEXEC) == 0) {
    const bool written = ::write(url_pipe[1], services_url.data(), services_url.size()) ==
                         static_cast<ssize_t>(services_url.size());
    ::close(url_pipe[1]);
    ::fcntl(url_pipe[0], F_SETFD, 0); // the read end survives the exec
    ::setenv(k_prepared_url_variable, std::to_string(url_pipe[0]).c_str(), 1);
    spdlog::debug("phase start: executing rastar-init again, without the database libraries");
    std::fflush(nullptr);
    if (written) {
      ::execv(own_executable().c_str(), argv.data());
    }
    error = written ? errno : EIO;
    ::close(url_pipe[0]);
    ::unsetenv(k_prepared_url_variable);
  }
  spdlog::debug("phase start: could not execute rastar-init again ({}); supervising from this process",
                std::strerror(error));
  if (watcher_paused) {
    util::SignalWatcher::resume_instance();
  }
}

std::optional<std::string>
take_prepared_url()
{
  const char* value = std::getenv(k_prepared_url_variable);
  if (value == nullptr) {
    return std::nullopt;
  }
  const int fd = std::atoi(value);
  ::unsetenv(k_prepared_url_variable);
  std::string url;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      url.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fd);
  return url;
}

} // namespace rastar::run
