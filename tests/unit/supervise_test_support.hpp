#pragma once

// Running processes for the supervisor tests with a timeout on every wait:
// launch with output to files, wait for an exit or kill, find the PID 1 of
// an `unshare --pid` namespace, and run rastar-init as that PID 1.

#include "test_support.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace rastar::test {

struct Launched
{
  pid_t pid = -1;
  std::string out_path;
  std::string err_path;

  std::string
  out() const
  {
    return read_file(out_path);
  }

  std::string
  err() const
  {
    return read_file(err_path);
  }
};

// Starts `argv` with default signal handling, stdin from /dev/null and
// stdout/stderr to files in the current directory; `environment` is added.
Launched
launch(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment = {});

// The exit code (128+N for signal N), or nullopt after SIGKILLing the
// process group when `timeout` passed.
std::optional<int>
wait_exit(pid_t pid, std::chrono::milliseconds timeout);

// The host pid of the first child of `pid` (unshare --fork's child, PID 1
// inside), or -1 when none appears within `timeout`.
pid_t
first_child(pid_t pid, std::chrono::milliseconds timeout);

// `unshare --pid --fork --mount-proc --kill-child rastar-init run -- command`.
Launched
launch_init(const std::vector<std::string>& command, const std::map<std::string, std::string>& environment = {});

struct InitOutcome
{
  std::optional<int> exit_code;
  std::string out;
  std::string err;
  double seconds = 0;
};

// launch_init and wait for it (20 s at most).
InitOutcome
run_init(const std::vector<std::string>& command, const std::map<std::string, std::string>& environment = {});

// Waits until `path` contains `text`.
bool
wait_for_text(const std::string& path, const std::string& text,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace rastar::test
