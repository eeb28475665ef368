#include "seeded_rows.hpp"

#include <rastar/migrate/pg_session.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <optional>
#include <stdexcept>

namespace rastar::stand_in {

namespace {

// Prisma's default table names for the models AdminUser and Pack.
constexpr const char* k_admin_query = R"(SELECT "email", "role" FROM "AdminUser" WHERE "email" = )";
constexpr const char* k_pack_query =
  R"(SELECT "slug", "name", "credits" FROM "Pack" WHERE "isDefault" = true ORDER BY "createdAt", "id" LIMIT 1)";

std::runtime_error
missing_admin(const std::string& admin_email)
{
  return std::runtime_error(fmt::format("no admin user {} in \"AdminUser\"; seed it first "
                                        "(ADMIN_PASSWORD=... rastar-init db seed, or rastar-init run)",
                                        admin_email));
}

std::runtime_error
missing_pack()
{
  return std::runtime_error("no default pack (a \"Pack\" row with isDefault true); seed it first "
                            "(rastar-init db seed, or rastar-init run)");
}

std::runtime_error
missing_tables(const std::string& reason)
{
  return std::runtime_error(fmt::format("the database has no Rastar tables ({}); apply the migrations first "
                                        "(rastar-init migrate deploy, or rastar-init run)",
                                        reason));
}

SeededRows
read_sqlite(const std::filesystem::path& path, const std::string& admin_email)
{
  std::optional<SQLite::Database> database;
  try {
    database.emplace(path.string(), SQLite::OPEN_READONLY);
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error(fmt::format("cannot open the database file {} ({}); start the apps under "
                                         "rastar-init run, which creates, migrates and seeds it",
                                         path.string(), e.what()));
  }
  SeededRows rows;
  try {
    SQLite::Statement admin(*database, std::string(k_admin_query) + "?");
    admin.bind(1, admin_email);
    if (!admin.executeStep()) {
      throw missing_admin(admin_email);
    }
    rows.admin_email = admin.getColumn(0).getString();
    rows.admin_role = admin.getColumn(1).getString();
    SQLite::Statement pack(*database, k_pack_query);
    if (!pack.executeStep()) {
      throw missing_pack();
    }
    rows.pack_slug = pack.getColumn(0).getString();
    rows.pack_name = pack.getColumn(1).getString();
    rows.pack_credits = pack.getColumn(2).getInt64();
  } catch (const SQLite::Exception& e) {
    if (std::string(e.what()).starts_with("no such table")) {
      throw missing_tables(e.what());
    }
    throw std::runtime_error(fmt::format("reading {} failed: {}", path.string(), e.what()));
  }
  return rows;
}

SeededRows
read_postgres(const db::DatabaseUrl& url, const std::string& admin_email)
{
  std::optional<migrate::PgSession> session;
  try {
    session.emplace(url.libpq_keywords);
  } catch (const migrate::PgFailure& e) {
    throw std::runtime_error(fmt::format("cannot connect to {}: {}", url.redacted, e.error().message));
  }
  SeededRows rows;
  try {
    const auto admin = session->exec_params(std::string(k_admin_query) + "$1", {admin_email});
    if (admin.size() == 0) {
      throw missing_admin(admin_email);
    }
    rows.admin_email = admin.text(0, 0);
    rows.admin_role = admin.text(0, 1);
    const auto pack = session->exec(k_pack_query);
    if (pack.size() == 0) {
      throw missing_pack();
    }
    rows.pack_slug = pack.text(0, 0);
    rows.pack_name = pack.text(0, 1);
    rows.pack_credits = std::stoll(pack.text(0, 2));
  } catch (const migrate::PgFailure& e) {
    if (e.error().sqlstate == "42P01") {
      throw missing_tables(e.error().message);
    }
    throw std::runtime_error(fmt::format("reading {} failed: {}", url.redacted, e.error().message));
  }
  return rows;
}

} // namespace

SeededRows
read_seeded_rows(const db::DatabaseUrl& url, const std::string& admin_email)
{
  if (url.provider == db::Provider::sqlite) {
    return read_sqlite(url.sqlite_path, admin_email);
  }
  return read_postgres(url, admin_email);
}

} // namespace rastar::stand_in
