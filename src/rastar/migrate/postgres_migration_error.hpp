#pragma once

#include <rastar/migrate/pg_session.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// How a failed PostgreSQL migration is reported, as Prisma reports it (P3018,
// contract §4): the server's error in tokio-postgres's Display form, the lines
// of migration.sql around the error position, then the error's fields in
// tokio-postgres's Debug form.

namespace rastar::migrate {

// Where a server error points in migration.sql: byte offset, 1-based line and
// column (in bytes).
struct ScriptPosition
{
  std::size_t offset = 0;
  int line = 1;
  int column = 1;
};

// The position of `error` in `script`, when the server gave one. `query` is
// the text that was sent and `query_offset` its byte offset in `script` (a
// statement sent alone) — the server counts characters of the query sent.
std::optional<ScriptPosition>
postgres_error_position(const PgError& error, std::string_view script, std::string_view query,
                        std::size_t query_offset);

// Prisma's `{db_error}{position}\n\n{db_error:?}`: "ERROR: message" with
// DETAIL/HINT lines, the numbered lines of `script` up to the error line, and
// the fields of the error.
std::string
postgres_database_error(const PgError& error, std::string_view script,
                        const std::optional<ScriptPosition>& position);

// Prisma's P3018 message, ending in a newline.
std::string
postgres_p3018_message(const std::string& migration_name, const std::string& error_code,
                       const std::string& database_error);

} // namespace rastar::migrate
