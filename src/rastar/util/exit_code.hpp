#pragma once

// The exit-code contract of every rastar-init command (README, "Exit codes").
// Values follow sysexits.h where one fits, so scripts can tell failures apart.

namespace rastar {

enum class ExitCode : int {
  success = 0,
  verdict_no = 1,           // status not up to date, lint findings, verify found gaps, unhealthy
  usage = 64,               // bad command line
  migration_failed = 65,    // migration failed or blocked (P3009, P3018, P3005, P3019, P3015, ...)
  seed_failed = 66,
  database_unreachable = 69,
  internal = 70,            // a bug: please report it
  lock_timeout = 75,        // migration lock not obtained in time; a restart may succeed
  destructive_refused = 76, // destructive-change policy `refuse` stopped the deploy
  config = 78,              // configuration error
  cannot_execute = 126,
  command_not_found = 127,
  killed = 137,             // rastar-init had to SIGKILL something at shutdown
  sigint = 130,             // SIGINT arrived before the services started
  sigterm = 143,            // SIGTERM arrived before the services started
};

constexpr int
to_int(ExitCode code)
{
  return static_cast<int>(code);
}

// 128 + N, as shells and tini report a process killed by signal N.
constexpr int
exit_code_for_signal(int signal_number)
{
  return 128 + signal_number;
}

} // namespace rastar
