#pragma once

#include <optional>
#include <string>
#include <vector>

// `rastar-init run`: the whole entrypoint, as a pipeline of phases — load the
// config, wait for the database, migrate (under the lock), seed, release the
// lock, then supervise the services as PID 1. The status endpoint answers from
// the first phase (D20).

namespace rastar::run {

struct RunOptions
{
  std::optional<std::string> config_path; // --config
  std::optional<std::string> url;         // --url
  bool migrate = true;                    // --no-migrate turns it off
  bool seed = true;                       // --no-seed
  bool backup = true;                     // --no-backup: no backup before pending migrations
  bool only_migrate = false;              // --only-migrate: stop after migrations and seeds
  std::string policy;                     // --policy (warn, refuse, off); empty: config, env, warn
  std::vector<std::string> command;       // after `--`
};

// Runs the phases and returns the exit code (D1). Errors before the services
// start throw Error with their phase's code.
int
run_entrypoint(const RunOptions& options);

} // namespace rastar::run
