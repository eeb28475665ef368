#pragma once

#include <rastar/config/config.hpp>
#include <rastar/config/env_expansion.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/migrate/migration_store.hpp>
#include <rastar/seed/seed_config.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Running the config's seeds (issue #5, decisions D2, D21, D22). Each seed
// runs in its own transaction on the connection that holds the migration
// lock, so across replicas and restarts a row is seeded at most once: a table
// seed inserts its row unless one with the same key is there (an existing row
// is never touched, its password included); an sql seed runs its script
// unless its `unless` query returns a row. Identifiers are quoted and checked
// against the live catalog, values are parameters. A failure rolls back the
// seed it happened in, so nothing is half-written; seeds before it stay.

namespace rastar::seed {

struct SeedOptions
{
  config::SqliteTimestamps sqlite_timestamps = config::SqliteTimestamps::iso8601;
  // Where bcrypt_env passwords are read from.
  config::EnvironmentLookup environment = config::process_environment();
  // schema.prisma's path, for messages.
  std::filesystem::path schema_path;
};

enum class SeedOutcome {
  inserted,      // a table seed wrote its row
  already_there, // a table seed found its key, or an sql seed's `unless` returned a row
  ran,           // an sql seed ran its script
};

// "inserted", "already there", "ran".
std::string_view
outcome_name(SeedOutcome outcome);

struct SeedReport
{
  std::string name;
  SeedOutcome outcome = SeedOutcome::inserted;
  std::string target; // the table ("AdminUser"), or the script's path
  std::string key;    // a table seed's key as `email = admin@rastar.local`; empty for sql seeds
};

struct SeedResult
{
  std::vector<SeedReport> seeds; // in the order they ran
};

// Runs `seeds` in order on `store`, which must hold the migration lock: call
// it after migrate::deploy() (which takes the lock) or store.lock(), while the
// store lives. `schema` types the values and names the tables. Throws
// Error(seed_failed) with a sentence naming the seed and the key at fault,
// or Error(128+N) when a cancel signal interrupted a seed (rolled back).
SeedResult
run_seeds(const std::vector<SeedSpec>& seeds,
          const db::PrismaSchema& schema,
          migrate::MigrationStore& store,
          const SeedOptions& options = {});

// schema.prisma read for `seeds`: an empty schema when no seed names a
// model; throws Error(config) naming `config_path` when one does and
// `schema_path` is not set.
db::PrismaSchema
schema_for_seeds(const std::vector<SeedSpec>& seeds,
                 const std::optional<std::filesystem::path>& schema_path,
                 const std::filesystem::path& config_path);

} // namespace rastar::seed
