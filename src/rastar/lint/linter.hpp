#pragma once

#include <rastar/db/database_url.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

// `migrate lint`: every migration of a directory, in Prisma's order, through
// the provider's parser and the rules of rules.hpp, with the allow comments
// (`-- rastar-init: allow RULE[, RULE]` on the line before a statement)
// applied.

namespace rastar::lint {

struct Finding
{
  std::string migration;      // the migration's directory name
  std::filesystem::path path; // its migration.sql
  int line = 1;
  int column = 1;
  std::string rule;    // a rule id, parse-error or unknown-rule
  std::string message; // what the statement does, the reason, the safe alternative
  bool allowed = false;
};

struct LintReport
{
  std::vector<Finding> findings; // migration order, then position
  std::size_t migrations = 0;    // migrations reported on
  std::size_t statements = 0;    // statements parsed, over the whole history

  // D23: true when every finding is allowed (exit 0), false otherwise (exit 1).
  bool
  passes() const;
};

struct LintOptions
{
  db::Provider provider = db::Provider::postgresql;
  // Report only these migrations (the pending ones); the others are still
  // read, so that "existing table" means the same as for a full lint.
  std::optional<std::set<std::string>> only;
};

// The provider `migrate lint` uses without a URL (D6): migration_lock.toml's, else PostgreSQL.
db::Provider
provider_of(const migrate::MigrationsDirectory& directory);

// Lints `directory`. A migration without a readable migration.sql is skipped
// (deploy reports it as P3015).
LintReport
lint_migrations(const migrate::MigrationsDirectory& directory, const LintOptions& options);

// One line per finding: `path:line:col: rule-id: message`, `rule-id (allowed)` when allowed.
std::string
render_text(const LintReport& report);

// {"findings": [{path, migration, line, column, rule, message, allowed}], "passes", "migrations", "statements"}.
nlohmann::ordered_json
render_json(const LintReport& report);

} // namespace rastar::lint
