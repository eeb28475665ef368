#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <string>

// D19: the one place that calls waitpid. Every child (services, command
// checks) and every orphan re-parented to rastar-init ends here; the owner of
// a pid registers for its status before the next reap can run.

namespace rastar::supervise {

// How a process ended.
struct ExitStatus
{
  int code = 0;        // the exit code, when it exited
  int signal = 0;      // the signal that killed it, or 0
  bool core_dumped = false;

  static ExitStatus
  from_wait_status(int status);

  // The code shells and tini report: the exit code, or 128+N for signal N.
  int
  shell_code() const;

  // "exited with code 3" / "was killed by signal 9 (Killed)".
  std::string
  describe() const;
};

// Makes this process the reaper of orphans below it when it is not PID 1
// (PR_SET_CHILD_SUBREAPER); logs a warning when the kernel refuses.
void
become_subreaper();

class Reaper
{
public:
  using Callback = std::function<void(const ExitStatus&)>;

  // Calls `callback` once, from reap(), when `pid` has exited.
  void
  watch(pid_t pid, Callback callback);

  // Collects every exited child with waitpid(-1, WNOHANG) until none is left
  // (a burst of SIGCHLD coalesces into one signal), dispatching the watched.
  void
  reap();

  // Exited processes nobody watched (orphans), since construction.
  std::size_t
  strangers_reaped() const
  {
    return m_strangers;
  }

  bool
  watching(pid_t pid) const
  {
    return m_watched.count(pid) != 0;
  }

private:
  std::map<pid_t, Callback> m_watched;
  std::size_t m_strangers = 0;
};

} // namespace rastar::supervise
