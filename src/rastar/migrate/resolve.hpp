#pragma once

#include <rastar/migrate/migration_store.hpp>
#include <rastar/migrate/migrations_directory.hpp>

#include <chrono>
#include <string>

// `migrate resolve`: Prisma's row changes and errors (contract §6).

namespace rastar::migrate {

// --applied NAME: baselines (creates the table without the emptiness check),
// rolls back NAME's failed rows and records it as applied. P3017, P3008.
void
resolve_applied(MigrationStore& store,
                const MigrationsDirectory& local,
                const std::string& name,
                std::chrono::milliseconds lock_timeout);

// --rolled-back NAME: marks NAME's failed rows rolled back. P3011, P3012.
void
resolve_rolled_back(MigrationStore& store, const std::string& name, std::chrono::milliseconds lock_timeout);

} // namespace rastar::migrate
