#pragma once

#include <rastar/config/config.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/seed/seed_connection.hpp>
#include <rastar/util/time.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

// A seed's values as the apps' Prisma client would write them (D21): each
// literal typed by its schema field, and the client-side defaults (`cuid()`,
// `uuid()`, `nanoid()`, `ulid()`, `now()`, `@updatedAt`) generated.

namespace rastar::seed {

// A value that does not fit its field; what() is the reason, without the
// seed's name (the seeder adds it).
class ValueError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

// How values are written for one database.
struct ValueFormat
{
  db::Provider provider = db::Provider::postgresql;
  config::SqliteTimestamps sqlite_timestamps = config::SqliteTimestamps::iso8601;
};

// `text` (as written in the config) as a parameter for `field`: Int, BigInt,
// Float, Decimal, Boolean, String, DateTime, Json or an enum of `schema`.
// Throws ValueError naming what was expected.
SqlParameter
typed_value(const db::Field& field, const std::string& text, const db::PrismaSchema& schema, const ValueFormat& format);

// A DateTime as written to the database: on PostgreSQL (timestamp(3)) and by
// default on SQLite (the better-sqlite3 adapter) `2026-01-06T12:34:56.789+00:00`;
// with unixepoch-ms on SQLite, milliseconds since the epoch.
SqlParameter
datetime_value(util::SystemTime time, const ValueFormat& format);

// `text` as a point in time: ISO 8601 with `Z` or an offset
// (`2026-01-06T12:34:56.789Z`, a space for the `T` allowed) or a date alone
// (midnight UTC). nullopt when it is neither.
std::optional<util::SystemTime>
parse_datetime(std::string_view text);

// What Prisma's client writes for `field` when a create leaves it out: its
// client-side @default, or `now` for @updatedAt; nullopt when the database
// fills it (autoincrement(), dbgenerated(), a literal default) or nothing does.
std::optional<SqlParameter>
client_default(const db::Field& field, util::SystemTime now, const ValueFormat& format);

} // namespace rastar::seed
