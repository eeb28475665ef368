#pragma once

#include <rastar/db/database_url.hpp>
#include <rastar/lint/policy.hpp>
#include <rastar/migrate/deploy.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <vector>

// The deploy guard: the lint rules applied to the migrations about to run,
// and the same policy for the history's drift (edited or deleted applied
// migrations), wired into migrate::deploy's hooks.

namespace rastar::lint {

// Lints `pending` (the whole history is read, so "existing table" means what
// it means for `migrate lint`). warn: logs every finding not allowed; refuse:
// logs them and throws Error(destructive_refused) when one is not allowed;
// off: does nothing. Parse errors are only logged: the database reports them
// when the migration runs, as Prisma would.
void
guard_pending(const migrate::MigrationsDirectory& local,
              db::Provider provider,
              const std::vector<const migrate::LocalMigration*>& pending,
              Policy policy);

// Sets `options`' drift policy and pending-migration check for `policy`.
void
apply_policy(migrate::DeployOptions& options, const migrate::MigrationsDirectory& local, db::Provider provider,
             Policy policy);

} // namespace rastar::lint
