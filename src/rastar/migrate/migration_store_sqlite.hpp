#pragma once

#include <rastar/db/database_url.hpp>
#include <rastar/migrate/migration_store.hpp>

#include <memory>

// The MigrationStore for SQLite, behaving as Prisma's schema engine does on
// SQLite (contract §1–§4, §6): the same `_prisma_migrations` DDL, rows with
// integer Unix-millisecond timestamps, and the lock Prisma takes
// (`PRAGMA main.locking_mode=EXCLUSIVE`, held until the store is destroyed).
//
// Where the script allows it, a migration runs in one transaction together
// with its row, so a crash leaves no trace and an SQL error leaves only the
// failed row Prisma would leave. A script with its own transaction control, a
// `PRAGMA foreign_keys` or a statement that cannot run in a transaction runs
// as Prisma runs it: row first, statements autocommitted, row finished after.

namespace rastar::migrate {

// Opens the SQLite file `url.sqlite_path` (absolute). Read-only: opens it
// read-only and never creates it (a missing file is an empty database).
// Writable: creates the file and its missing parent directories, as Prisma does.
// Throws Error(database_unreachable) when the file cannot be opened or created.
std::unique_ptr<MigrationStore>
open_sqlite_store(const db::DatabaseUrl& url, const StoreOptions& options);

} // namespace rastar::migrate
