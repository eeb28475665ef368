#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

// Each command group registers its subcommands on the CLI11 app and, when one
// of them is chosen, leaves the action to run in `chosen`. rastar_main runs it
// after parsing, inside its single error boundary.

namespace rastar::cli {

struct ChosenCommand
{
  std::function<int()> action;
};

void
add_wait_command(CLI::App& app, ChosenCommand& chosen);

void
add_migrate_commands(CLI::App& app, ChosenCommand& chosen);

// `migrate lint`: the destructive-change rules over a migrations directory.
// Call after add_migrate_commands, whose `migrate` group it joins.
void
add_lint_command(CLI::App& app, ChosenCommand& chosen);

// Adds --policy (warn, refuse or off) to `command`: `migrate deploy` and `run`.
void
add_policy_option(CLI::App& command, std::string& policy);

void
add_db_commands(CLI::App& app, ChosenCommand& chosen);

// `db seed`: the config's seeds alone, under the migration lock. Call after
// add_db_commands, whose `db` group it joins.
void
add_seed_command(CLI::App& app, ChosenCommand& chosen);

// `db backup`: a backup now, as taken before migrations. Call after
// add_db_commands, whose `db` group it joins.
void
add_backup_command(CLI::App& app, ChosenCommand& chosen);

// `config check`: validate the config file and print it resolved (D4's path order).
void
add_config_commands(CLI::App& app, ChosenCommand& chosen);

// `run`: the supervisor, and `run -- CMD ARGS...` as a tini drop-in.
void
add_run_command(CLI::App& app, ChosenCommand& chosen);

// `status` (the /status table or JSON) and `healthcheck` (/healthz or /readyz
// as an exit code, for Docker's HEALTHCHECK).
void
add_status_commands(CLI::App& app, ChosenCommand& chosen);

// `stop`, `start` and `restart SERVICE`: actions through the control socket (D20).
void
add_control_commands(CLI::App& app, ChosenCommand& chosen);

} // namespace rastar::cli
