#pragma once

#include <sys/types.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

// Starting a child the way D19 asks: Boost.Process forks and execs, and an
// exec-setup hook in the child resets the signals rastar-init blocked, puts
// the child in its own process group, drops privileges and lets no stray
// descriptor through. The child is never waited on here: the Reaper owns it.

namespace rastar::supervise {

// Where the child's stdout and stderr go.
enum class OutputMode {
  inherit, // rastar-init's own (the tini drop-in: output passes through untouched)
  pipe,    // a pipe each, read by the log relay
  null,    // /dev/null
};

struct SpawnRequest
{
  std::vector<std::string> argv;        // argv[0] is looked up in the child's PATH unless it has a '/'
  std::vector<std::string> environment; // "NAME=value", the child's whole environment
  std::string cwd;                      // empty: rastar-init's
  std::string user;                     // name or uid; empty: stay
  std::string group;                    // name or gid; empty: the user's primary group
  OutputMode output = OutputMode::inherit;
  bool null_stdin = false;              // else rastar-init's stdin is inherited
  bool take_terminal = false;           // make the child the terminal's foreground group (tcsetpgrp)
};

struct SpawnedProcess
{
  pid_t pid = -1;     // also its process group id
  int stdout_fd = -1; // read ends when output is OutputMode::pipe (owned by the caller), else -1
  int stderr_fd = -1;
};

// The child could not be started: the command is missing, not executable, or
// its user, group or directory is wrong. what() is a sentence naming the command.
class SpawnError : public std::runtime_error
{
public:
  SpawnError(int error_number, const std::string& message)
    : std::runtime_error(message),
      m_error_number(error_number)
  {
  }

  // 127 when the command was not found, 126 when it could not be executed.
  int
  exit_code() const;

  int
  error_number() const
  {
    return m_error_number;
  }

private:
  int m_error_number;
};

// Starts the process described by `request`. Throws SpawnError.
SpawnedProcess
spawn_process(const SpawnRequest& request);

// rastar-init's environment with `overrides` added or replacing, as "NAME=value".
std::vector<std::string>
environment_with(const std::map<std::string, std::string>& overrides);

// The program execve should run for `name` under the PATH of `environment`,
// as execvp finds it: `name` itself when it holds a '/', else the first
// executable match, else the first match, else "" (not found).
std::string
resolve_program(const std::string& name, const std::vector<std::string>& environment);

} // namespace rastar::supervise
