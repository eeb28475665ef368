#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

// What the config's `seeds:` map declares (README, "Seeds"; decisions D21,
// D22), before the schema or the database is consulted. Reading and
// validating the YAML is config/seed_section.cpp; running it is seeder.cpp.

namespace rastar::seed {

// One entry under a table seed's `values:`.
struct SeedValue
{
  enum class Kind {
    literal,    // a scalar, ${VAR}-expanded, typed later by the schema field
    null,       // `null`, `~` or nothing
    bcrypt_env, // {bcrypt_env: NAME, cost: N}: bcrypt hash of $NAME or of the file $NAME_FILE names
  };
  Kind kind = Kind::literal;
  std::string text;                         // literal: the expanded text
  std::vector<std::string> unset_variables; // literal: ${VAR}s that were unset (an error when seeding)
  std::string variable;                     // bcrypt_env: the variable's name, never its value
  int cost = 12;                            // bcrypt_env: log2 of the rounds, 4 to 31
};

// The default bcrypt cost, as bcrypt libraries for Node default to (10) plus
// the margin OWASP recommends for new hashes.
inline constexpr int k_default_bcrypt_cost = 12;

struct SeedSpec
{
  enum class Kind {
    table, // one row, inserted unless a row with the same key exists
    sql,   // a script, run unless the `unless` query returns a row (D22)
  };
  std::string name; // the key under `seeds:`
  Kind kind = Kind::table;

  // table: `model:` (a model of schema.prisma) or `table:` (its @@map name).
  std::string model;
  std::string table;
  std::vector<std::string> key; // field names that say "already there"
  std::vector<std::pair<std::string, SeedValue>> values; // field name → value, in file order

  // sql: the script (absolute) and the query that says "already there".
  std::filesystem::path script;
  std::string unless;
};

} // namespace rastar::seed
