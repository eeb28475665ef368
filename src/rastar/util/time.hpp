#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace rastar::util {

using SystemTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// The current UTC time, to the microsecond (PostgreSQL's precision).
SystemTime
now_utc();

// Milliseconds since the Unix epoch, as Prisma stores DateTime on SQLite.
std::int64_t
unix_millis(SystemTime time);

// `2025-12-19T10:55:50.794337Z`: an ISO 8601 literal PostgreSQL parses as timestamptz.
std::string
iso8601_utc(SystemTime time);

// `2025-12-19 10:55:50.794337 UTC`: chrono's Display form, as Prisma prints
// a failed migration's start time in P3009 (fraction as 0, 3, 6 or 9 digits).
std::string
prisma_display_utc(SystemTime time);

} // namespace rastar::util
