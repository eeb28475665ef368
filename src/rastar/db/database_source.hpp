#pragma once

#include <filesystem>
#include <optional>
#include <string>

// Where the database URL comes from (decisions D4 and D14), highest first: an
// explicit value (--url, or the config file), the environment variable, the
// file named by `<VAR>_FILE` (the Docker secrets convention), and the `.env`
// file beside the schema, which never overrides the real environment.

namespace rastar::db {

struct DatabaseSourceRequest
{
  // --url or the config's value, when the caller has one, and how to name it
  // in messages ("--url", "config/rastar-init.yaml: database.url").
  std::optional<std::string> explicit_url;
  std::string explicit_origin = "--url";

  // The variable to read: DATABASE_URL, or what the schema's `url = env("…")`
  // (or `directUrl`) names.
  std::string variable = "DATABASE_URL";

  // The schema's directory, where a `.env` may sit; nullopt when no schema is known.
  std::optional<std::filesystem::path> env_directory;
};

struct DatabaseSource
{
  std::string url;
  // Where it came from, for messages: "--url", "the environment variable
  // DATABASE_URL", "the file /run/secrets/db (DATABASE_URL_FILE)",
  // "prisma/.env".
  std::string origin;
};

// Finds the URL by the order above. An empty variable counts as unset.
// Throws Error(config) naming every place it looked and what to set, or naming
// the `<VAR>_FILE` file that cannot be read.
DatabaseSource
find_database_url(const DatabaseSourceRequest& request);

} // namespace rastar::db
