#include <rastar/cli/command.hpp>
#include <rastar/cli/database_target.hpp>

#include <rastar/db/database_source.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/db/wait.hpp>
#include <rastar/util/error.hpp>

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

namespace rastar::cli {

namespace {

struct WaitArguments
{
  std::string url;
  std::string schema;
  double timeout_seconds = 60;
  bool require_database = false;
  bool create_database = false;
};

int
run_wait(const WaitArguments& arguments, bool url_given)
{
  db::DatabaseSourceRequest request;
  if (url_given) {
    request.explicit_url = arguments.url;
  }
  if (!arguments.schema.empty()) {
    request.env_directory = std::filesystem::absolute(arguments.schema).parent_path();
  }
  const auto source = db::find_database_url(request);
  const auto url = db::parse_database_url(source.url, std::filesystem::current_path());
  spdlog::debug("database URL from {}: {}", source.origin, url.redacted);
  warn_about_url(source.url, url,
                 arguments.schema.empty() ? std::nullopt : std::optional<std::filesystem::path>(arguments.schema));

  db::WaitOptions options;
  options.timeout = std::chrono::milliseconds(std::llround(arguments.timeout_seconds * 1000));
  options.require_database = arguments.require_database;
  options.create_database = arguments.create_database;
  db::wait_for_database(url, options);
  return to_int(ExitCode::success);
}

} // namespace

void
add_wait_command(CLI::App& app, ChosenCommand& chosen)
{
  auto arguments = std::make_shared<WaitArguments>();
  auto* command = app.add_subcommand(
    "wait",
    "Wait until PostgreSQL accepts connections (progress once a second). A refused connection or a host name "
    "that does not resolve yet is retried until --timeout; a wrong password or a TLS failure ends at once with "
    "69. A database that does not exist yet is reported and is not an error (migrate deploy creates it). For "
    "SQLite there is nothing to wait for.");
  auto* url_option = command->add_option(
    "--url", arguments->url,
    "Database URL (default: DATABASE_URL, DATABASE_URL_FILE, then .env beside --schema). Prefer the "
    "environment: the command line is visible to every user, so rastar-init overwrites the password in its "
    "own argv with * at start-up");
  command->add_option("--schema", arguments->schema,
                      "schema.prisma, to read the .env beside it (relative file: paths still mean the working "
                      "directory)");
  command->add_option("--timeout", arguments->timeout_seconds, "Seconds to keep trying; 0 waits for ever")
    ->capture_default_str()
    ->check(CLI::NonNegativeNumber);
  command->add_flag("--require-database", arguments->require_database,
                    "Keep waiting until the database exists as well; exit 69 if it does not by the timeout");
  command->add_flag("--create-database", arguments->create_database,
                    "Create the database when it does not exist (CREATE DATABASE, as Prisma does)");
  command->callback([&chosen, arguments, url_option] {
    const bool url_given = url_option->count() > 0;
    chosen.action = [arguments, url_given] { return run_wait(*arguments, url_given); };
  });
}

} // namespace rastar::cli
