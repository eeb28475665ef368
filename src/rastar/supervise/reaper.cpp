#include <rastar/supervise/reaper.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rastar::supervise {

ExitStatus
ExitStatus::from_wait_status(int status)
{
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.core_dumped = WCOREDUMP(status);
  }
  return result;
}

int
ExitStatus::shell_code() const
{
  return signal != 0 ? 128 + signal : code;
}

std::string
ExitStatus::describe() const
{
  if (signal != 0) {
    return fmt::format("was killed by signal {} ({}){}", signal, strsignal(signal),
                       core_dumped ? ", core dumped" : "");
  }
  return fmt::format("exited with code {}", code);
}

void
become_subreaper()
{
  if (getpid() == 1) {
    return; // orphans come to PID 1 anyway
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    spdlog::warn("cannot become a child subreaper ({}): orphaned grandchildren will not be reaped by "
                 "rastar-init; run it as PID 1",
                 std::strerror(errno));
  }
}

void
Reaper::watch(pid_t pid, Callback callback)
{
  m_watched[pid] = std::move(callback);
}

void
Reaper::reap()
{
  while (true) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0) {
      return; // children remain, none has exited
    }
    if (pid < 0) {
      if (errno == EINTR) {
        continue;
      }
      return; // ECHILD: no children at all
    }
    if (!WIFEXITED(status) && !WIFSIGNALED(status)) {
      continue; // stopped or continued: not an end
    }
    const auto found = m_watched.find(pid);
    if (found == m_watched.end()) {
      ++m_strangers;
      continue;
    }
    auto callback = std::move(found->second);
    m_watched.erase(found);
    callback(ExitStatus::from_wait_status(status));
  }
}

} // namespace rastar::supervise
