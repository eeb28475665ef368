#pragma once

#include <optional>
#include <string>
#include <string_view>

// Signal names as `stop_signal` and logs write them.

namespace rastar::config {

// `SIGTERM`, `TERM`, `sigterm` or a number (1 to 64) → the signal number;
// nullopt for anything else.
std::optional<int>
parse_signal(std::string_view text);

// `SIGTERM` for 15; `signal 40` where the system has no name for it.
std::string
signal_name(int signal_number);

} // namespace rastar::config
