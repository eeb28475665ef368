#pragma once

#include <rastar/config/service_config.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <vector>

// The restart policy of one service as plain functions of time, so it can be
// tested without processes: when to restart (D18), how long to wait
// (exponential backoff) and when to give up (crash-loop limit).

namespace rastar::supervise {

using SteadyTime = std::chrono::steady_clock::time_point;

// True when an exit with `code` (or death by a signal: `by_signal`) is one of
// `success_codes`; a signal is never a success.
bool
is_success(const std::vector<int>& success_codes, int code, bool by_signal);

// True when `policy` restarts a service after an exit that was (`success`) or
// was not a success.
bool
restart_wanted(config::RestartPolicy policy, bool success);

// The wait before restart number `attempt` (1 = the first after a stable run):
// initial × multiplier^(attempt−1), capped at max.
config::Milliseconds
backoff_delay(const config::Backoff& backoff, int attempt);

// Counts one service's restarts: the backoff attempt (reset after a stable
// run) and the restarts inside the crash-loop window.
class RestartTracker
{
public:
  // `limit` restarts are allowed within `window`; a limit of 0 turns the
  // crash-loop check off.
  RestartTracker(config::Backoff backoff, int limit, config::Milliseconds window);

  // Records that the service ended at `now` after running for `run_time` and
  // is to be restarted: returns the delay before the restart, or nullopt when
  // the restart would exceed the crash-loop limit (the service has failed).
  std::optional<config::Milliseconds>
  next_restart(SteadyTime now, config::Milliseconds run_time);

  // Starts over as after a stable run: the next restart waits the initial
  // delay and the crash-loop window is empty (a start by command). The total
  // of restarts() is kept.
  void
  forget_crash_loop();

  // Restarts granted so far.
  int
  restarts() const
  {
    return m_restarts;
  }

private:
  config::Backoff m_backoff;
  int m_limit;
  config::Milliseconds m_window;
  int m_attempt = 0;
  int m_restarts = 0;
  std::deque<SteadyTime> m_recent;
};

} // namespace rastar::supervise
