#pragma once

#include <rastar/db/database_url.hpp>
#include <rastar/migrate/migration_store.hpp>

#include <memory>

// The PostgreSQL migration store: Prisma's `_prisma_migrations` in the URL's
// `schema` (reached through search_path, as Prisma reaches it), advisory lock
// 72707369 taken by polling, and each migration committed together with its
// row unless its script controls transactions itself or holds statements that
// cannot run in one (contract §0, §4; decisions D2, D8, D12).

namespace rastar::migrate {

// Connects to `url` and makes ready: creates the schema when missing (and the
// database, with options.create_database), unless options.read_only. Throws
// Error(database_unreachable) when the server cannot be reached or the
// database is missing and may not be created.
std::unique_ptr<MigrationStore>
open_postgres_store(const db::DatabaseUrl& url, const StoreOptions& options);

// The number Prisma Migrate takes its advisory lock on.
inline constexpr long k_prisma_advisory_lock_key = 72707369;

} // namespace rastar::migrate
