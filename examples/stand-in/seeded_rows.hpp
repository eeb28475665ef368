#pragma once

#include <rastar/db/database_url.hpp>

#include <string>

// What the stand-in apps read at start-up, as the real bot, portal and admin
// do through their Prisma client: the admin user the seeds wrote and the
// default pack. Missing rows mean the entrypoint did not seed, and the real
// apps would fail later in a less obvious way; the stand-ins fail at once.

namespace rastar::stand_in {

struct SeededRows
{
  std::string admin_email;
  std::string admin_role;
  std::string pack_slug;
  std::string pack_name;
  long long pack_credits = 0;
};

// Reads the admin whose email is `admin_email` and the default pack (a Pack
// row with isDefault true; the oldest when several are) from the database at
// `url`, opening a SQLite file read-only. Throws std::runtime_error with a
// sentence that names what is missing and the rastar-init command that
// provides it.
SeededRows
read_seeded_rows(const db::DatabaseUrl& url, const std::string& admin_email);

} // namespace rastar::stand_in
