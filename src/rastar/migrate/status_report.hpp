#pragma once

#include <rastar/migrate/history.hpp>

#include <nlohmann/json.hpp>

#include <string>

// `migrate status` output: Prisma's wording (contract §7), split between
// stdout and stderr as Prisma splits it, or JSON for scripts.

namespace rastar::migrate {

struct StatusText
{
  std::string out; // what Prisma prints on stdout
  std::string err; // what Prisma prints on stderr
};

// The text for `diagnosis` of `local` (found in `local.path`).
StatusText
render_status_text(const MigrationsDirectory& local, const Diagnosis& diagnosis);

// {"status": "up_to_date"|"behind"|"diverged"|"not_managed"|"failed", "migrations_found": N,
//  "pending": [...], "failed": [{"name","started_at"}], "database_only": [...], "edited": [...]}
nlohmann::json
render_status_json(const MigrationsDirectory& local, const Diagnosis& diagnosis);

// The exit code Prisma's status gives: 0 up to date, 1 otherwise.
int
status_exit_code(const Diagnosis& diagnosis);

} // namespace rastar::migrate
