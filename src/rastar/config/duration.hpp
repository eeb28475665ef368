#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// Durations as the config file, flags and RASTAR_* variables write them.

namespace rastar::config {

// Parses `500ms`, `10s`, `15m`, `1h`, a sum of those (`1m30s`, as Go and
// compose write it), or a bare number of seconds (`30`, `0.5`). Returns
// nullopt for anything else, negatives included, and beyond about 100 years.
std::optional<std::chrono::milliseconds>
parse_duration(std::string_view text);

// The shortest exact form of `duration`: `1h`, `15m`, `1m30s`, `250ms`, `0s`.
std::string
format_duration(std::chrono::milliseconds duration);

} // namespace rastar::config
