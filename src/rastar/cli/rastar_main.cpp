#include <rastar/cli/command.hpp>
#include <rastar/cli/exit_codes_help.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/logging.hpp>
#include <rastar/util/argv_scrub.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int
rastar_main(int argc, char** argv)
{
  using namespace rastar;
  // D2: before anything else, so no signal is lost or acted on by default.
  util::block_signals();

  // D5: parse a private copy, then hide any password given with --url from
  // `ps` by overwriting it in the argv the kernel shows.
  const std::vector<std::string> arguments(argv, argv + argc);
  std::vector<const char*> argument_pointers;
  for (const auto& argument : arguments) {
    argument_pointers.push_back(argument.c_str());
  }
  util::scrub_url_passwords(argc, argv);

  CLI::App app{"rastar-init: the Rastar container entrypoint: waits for the database, applies "
               "Prisma migrations, seeds, and supervises the apps as PID 1.",
               "rastar-init"};
  app.require_subcommand(1);
  app.set_version_flag("--version", RASTAR_VERSION);
  std::string log_level = logging::level_from_environment();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off (env RASTAR_LOG_LEVEL)")
    ->capture_default_str();

  cli::ChosenCommand chosen;
  cli::add_wait_command(app, chosen);
  cli::add_config_commands(app, chosen);
  cli::add_migrate_commands(app, chosen);
  cli::add_db_commands(app, chosen);
  cli::add_run_command(app, chosen);
  cli::add_status_commands(app, chosen);
  cli::add_control_commands(app, chosen);
  cli::add_seed_command(app, chosen);
  cli::add_lint_command(app, chosen);
  cli::add_backup_command(app, chosen);
  // COMMANDS
  // Set after the subcommands, so only the top-level --help carries the table.
  app.footer(cli::exit_codes_help());

  try {
    app.parse(argc, argument_pointers.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return to_int(ExitCode::usage);
  }

  try {
    logging::init(log_level);
    return chosen.action ? chosen.action() : to_int(ExitCode::usage);
  } catch (const Error& e) {
    fmt::print(stderr, "rastar-init: error: {}\n", e.what());
    return to_int(e.code());
  } catch (const std::exception& e) {
    fmt::print(stderr,
               "rastar-init: internal error: {}\n"
               "This is a bug in rastar-init; please report it with the command you ran.\n",
               e.what());
    return to_int(ExitCode::internal);
  }
}
