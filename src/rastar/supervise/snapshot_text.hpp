#pragma once

#include <rastar/supervise/snapshot.hpp>

#include <optional>
#include <string>

// The text form of a Snapshot that `rastar-init status` prints.

namespace rastar::supervise {

// A duration as a person reads it: "42s", "5m07s", "2h03m", "3d04h".
std::string
format_duration(double seconds);

// How a service last ended: its exit code ("1"), the signal's name
// ("SIGKILL"), or "-" when it never ended.
std::string
format_last_exit(std::optional<int> exit_code, std::optional<int> exit_signal);

// A summary line (phase, uptime, ready, healthy) and a table with one row per
// service: SERVICE STATE PID RESTARTS LAST EXIT UPTIME HEALTH, "-" where a
// value is absent. Ends in a newline.
std::string
format_snapshot_table(const Snapshot& snapshot);

} // namespace rastar::supervise
