#pragma once

#include <spdlog/spdlog.h>

#include <string>

// rastar-init's own diagnostics go through spdlog to stderr, one line each:
// `rastar-init: warning: …`. What a command prints as its result goes to
// stdout with fmt::print, never through the log.

namespace rastar::logging {

// Sets up the stderr logger at `level` (trace, debug, info, warn, error, off).
// Throws Error(config) for an unknown level name.
void
init(const std::string& level);

// The level named by RASTAR_LOG_LEVEL, else "info".
std::string
level_from_environment();

} // namespace rastar::logging
