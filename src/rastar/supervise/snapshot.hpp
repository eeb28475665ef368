#pragma once

#include <optional>
#include <string>
#include <vector>

// A point-in-time view of rastar-init for /status, /readyz, `rastar-init
// status` and `healthcheck`. The supervisor produces it; the status server
// only serialises it.

namespace rastar::supervise {

struct ServiceSnapshot
{
  std::string name;
  std::string state;      // starting, running, ready, unhealthy, backoff, stopping, exited, failed, stopped (by command)
  std::optional<int> pid; // while a process runs
  int restarts = 0;
  std::optional<int> last_exit_code;   // the last run's exit code ...
  std::optional<int> last_exit_signal; // ... or the signal that ended it
  double uptime_seconds = 0;           // of the current process; 0 when none runs
  std::string health;                  // none, starting, healthy, unhealthy
  bool critical = false;
};

struct Snapshot
{
  // config, wait, lock, migrate, seed, start, running, shutdown
  std::string phase;
  double uptime_seconds = 0; // of rastar-init
  std::vector<ServiceSnapshot> services;
  // Every service ready (and healthy where it has a check), phase "running".
  bool ready = false;
  // rastar-init itself works (false once a critical or crash-looping service failed).
  bool healthy = true;
};

} // namespace rastar::supervise
