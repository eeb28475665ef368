#include <rastar/migrate/status_report.hpp>

#include <rastar/util/time.hpp>

#include <fmt/format.h>

namespace rastar::migrate {

namespace {

std::string
found_line(const MigrationsDirectory& local)
{
  const auto count = local.migrations.size();
  const auto where = local.path.string();
  if (count == 0) {
    return fmt::format("No migration found in {}\n", where);
  }
  return fmt::format("{} migration{} found in {}\n", count, count == 1 ? "" : "s", where);
}

std::string
lines(const std::vector<std::string>& names)
{
  std::string text;
  for (const auto& name : names) {
    text += name + "\n";
  }
  return text;
}

const char*
plural(std::size_t count, const char* one, const char* many)
{
  return count == 1 ? one : many;
}

std::string
verdict_name(Verdict verdict)
{
  switch (verdict) {
  case Verdict::up_to_date: return "up_to_date";
  case Verdict::behind: return "behind";
  case Verdict::diverged: return "diverged";
  case Verdict::not_managed: return "not_managed";
  case Verdict::failed: return "failed";
  }
  return "unknown";
}

} // namespace

StatusText
render_status_text(const MigrationsDirectory& local, const Diagnosis& diagnosis)
{
  StatusText text;
  text.out = "\n" + found_line(local) + "\n";
  switch (diagnosis.verdict) {
  case Verdict::behind:
    text.out += fmt::format("Following {} not yet been applied:\n{}\n"
                            "To apply migrations in development run prisma migrate dev.\n"
                            "To apply migrations in production run rastar-init migrate deploy (or prisma migrate deploy).\n",
                            plural(diagnosis.pending.size(), "migration have", "migrations have"),
                            lines(diagnosis.pending));
    break;
  case Verdict::diverged:
    text.err += fmt::format(
      "Your local migration history and the migrations table from your database are different:\n\n"
      "The last common migration is: {}\n\n"
      "The {} not yet been applied:\n{}\n"
      "The {} from the database are not found locally in {}:\n{}",
      diagnosis.last_common.value_or("null"),
      plural(diagnosis.pending.size(), "migration have", "migrations have"), lines(diagnosis.pending),
      plural(diagnosis.db_only.size(), "migration", "migrations"), local.path.string(), lines(diagnosis.db_only));
    break;
  case Verdict::not_managed:
    text.err += "The current database is not managed by Prisma Migrate.\n\n"
                "Read more about how to baseline an existing production database:\n"
                "https://pris.ly/d/migrate-baseline\n";
    break;
  case Verdict::failed: {
    std::vector<std::string> names;
    for (const auto& row : diagnosis.failed) {
      names.push_back(row.migration_name);
    }
    const auto& first = names.front();
    text.err += fmt::format(
      "Following {} failed:\n{}\n"
      "During development if the failed migration(s) have not been deployed to a production database you can "
      "then fix the migration(s) and run prisma migrate dev.\n\n"
      "The failed migration(s) can be marked as rolled back or applied:\n\n"
      "- If you rolled back the migration(s) manually:\n"
      "rastar-init migrate resolve --rolled-back \"{}\"\n\n"
      "- If you fixed the database manually (hotfix):\n"
      "rastar-init migrate resolve --applied \"{}\"\n\n"
      "Read more about how to resolve migration issues in a production database:\n"
      "https://pris.ly/d/migrate-resolve\n",
      plural(names.size(), "migration have", "migrations have"), lines(names), first, first);
    break;
  }
  case Verdict::up_to_date:
    text.out += "Database schema is up to date!\n";
    break;
  }
  for (const auto& name : diagnosis.edited) {
    text.err += fmt::format("warning: migration `{}` was edited after it was applied (its checksum differs)\n",
                            name);
  }
  return text;
}

nlohmann::json
render_status_json(const MigrationsDirectory& local, const Diagnosis& diagnosis)
{
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& row : diagnosis.failed) {
    failed.push_back({{"name", row.migration_name}, {"started_at", util::iso8601_utc(row.started_at)}});
  }
  return {
    {"status", verdict_name(diagnosis.verdict)},
    {"up_to_date", diagnosis.verdict == Verdict::up_to_date},
    {"migrations_directory", local.path.string()},
    {"migrations_found", local.migrations.size()},
    {"pending", diagnosis.pending},
    {"failed", failed},
    {"database_only", diagnosis.db_only},
    {"edited", diagnosis.edited},
    {"last_common", diagnosis.last_common ? nlohmann::json(*diagnosis.last_common) : nlohmann::json()},
  };
}

int
status_exit_code(const Diagnosis& diagnosis)
{
  return diagnosis.verdict == Verdict::up_to_date ? 0 : 1;
}

} // namespace rastar::migrate
