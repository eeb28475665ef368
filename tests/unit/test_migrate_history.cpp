#include <rastar/migrate/history.hpp>
#include <rastar/migrate/status_report.hpp>

#include <doctest/doctest.h>

using namespace rastar;
using namespace rastar::migrate;

namespace {

MigrationsDirectory
local_of(const std::vector<std::string>& names)
{
  MigrationsDirectory local;
  local.path = "prisma/migrations";
  for (const auto& name : names) {
    local.migrations.push_back({name, local.path / name, "SELECT '" + name + "';"});
  }
  return local;
}

int g_clock = 0;

MigrationRow
row(const std::string& name, bool finished, bool rolled_back = false)
{
  MigrationRow result;
  result.id = "id-" + std::to_string(++g_clock);
  result.migration_name = name;
  result.checksum = script_checksum("SELECT '" + name + "';");
  result.started_at = util::SystemTime{std::chrono::seconds(1'700'000'000 + g_clock)};
  if (finished) {
    result.finished_at = result.started_at;
    result.applied_steps_count = 1;
  }
  if (rolled_back) {
    result.rolled_back_at = result.started_at;
  }
  return result;
}

std::vector<std::string>
names(const std::vector<const LocalMigration*>& migrations)
{
  std::vector<std::string> result;
  for (const auto* migration : migrations) {
    result.push_back(migration->name);
  }
  return result;
}

} // namespace

TEST_CASE("migrate::pending_for_deploy")
{
  const auto local = local_of({"1_a", "2_b", "3_c"});
  SUBCASE("gaps are applied, in directory order")
  {
    CHECK(names(pending_for_deploy(local, {row("1_a", true), row("3_c", true)})) == std::vector<std::string>{"2_b"});
  }
  SUBCASE("a migration whose rows are all rolled back is applied again")
  {
    CHECK(names(pending_for_deploy(local, {row("1_a", true), row("2_b", false, true), row("3_c", true)})) ==
          std::vector<std::string>{"2_b"});
  }
  SUBCASE("a failed row counts as present")
  {
    CHECK(names(pending_for_deploy(local, {row("1_a", true), row("2_b", false)})) == std::vector<std::string>{"3_c"});
  }
  SUBCASE("database-only rows are ignored")
  {
    CHECK(names(pending_for_deploy(local, {row("0_gone", true)})).size() == 3);
  }
}

TEST_CASE("migrate::diagnose")
{
  const auto local = local_of({"1_a", "2_b"});
  SUBCASE("up to date")
  {
    const auto d = diagnose(local, std::vector{row("1_a", true), row("2_b", true)});
    CHECK(d.verdict == Verdict::up_to_date);
    CHECK(status_exit_code(d) == 0);
    CHECK(render_status_text(local, d).out ==
          "\n2 migrations found in prisma/migrations\n\nDatabase schema is up to date!\n");
  }
  SUBCASE("behind, also with no table at all")
  {
    const auto d = diagnose(local, std::nullopt);
    CHECK(d.verdict == Verdict::behind);
    CHECK(d.pending == std::vector<std::string>{"1_a", "2_b"});
    CHECK(status_exit_code(d) == 1);
    const auto text = render_status_text(local, d);
    CHECK(text.out.find("Following migrations have not yet been applied:\n1_a\n2_b\n") != std::string::npos);
    const auto one = diagnose(local, std::vector{row("1_a", true)});
    CHECK(render_status_text(local, one).out.find("Following migration have not yet been applied:\n2_b\n") !=
          std::string::npos);
  }
  SUBCASE("diverged names the last common migration")
  {
    const auto d = diagnose(local, std::vector{row("1_a", true), row("9_other", true)});
    CHECK(d.verdict == Verdict::diverged);
    CHECK(d.last_common == "1_a");
    const auto text = render_status_text(local, d);
    CHECK(text.out.find("diverge") == std::string::npos);
    CHECK(text.err.find("The last common migration is: 1_a\n") != std::string::npos);
    CHECK(text.err.find("The migration have not yet been applied:\n2_b\n") != std::string::npos);
    CHECK(text.err.find("The migration from the database are not found locally in prisma/migrations:\n9_other\n") !=
          std::string::npos);
  }
  SUBCASE("not managed: no table and no local migration")
  {
    const auto d = diagnose(local_of({}), std::nullopt);
    CHECK(d.verdict == Verdict::not_managed);
    CHECK(render_status_text(local_of({}), d).err.starts_with("The current database is not managed by Prisma Migrate."));
  }
  SUBCASE("failed rows, unless something is pending")
  {
    const auto failed = diagnose(local, std::vector{row("1_a", true), row("2_b", false)});
    CHECK(failed.verdict == Verdict::failed);
    CHECK(render_status_text(local, failed).err.find("Following migration have failed:\n2_b\n") != std::string::npos);
    CHECK(render_status_text(local, failed).err.find("--rolled-back \"2_b\"") != std::string::npos);
    const auto pending_wins = diagnose(local, std::vector{row("1_a", false)});
    CHECK(pending_wins.verdict == Verdict::behind);
  }
  SUBCASE("database-only rows with nothing pending: up to date, as Prisma says")
  {
    CHECK(diagnose(local, std::vector{row("1_a", true), row("2_b", true), row("0_gone", true)}).verdict ==
          Verdict::up_to_date);
  }
  SUBCASE("a rolled-back migration is pending (deploy would apply it)")
  {
    const auto d = diagnose(local, std::vector{row("1_a", true), row("2_b", false, true)});
    CHECK(d.verdict == Verdict::behind);
    CHECK(d.pending == std::vector<std::string>{"2_b"});
  }
  SUBCASE("edited migrations are listed, compared with the first row")
  {
    auto edited = row("1_a", true);
    edited.checksum = script_checksum("something else");
    const auto d = diagnose(local, std::vector{edited, row("2_b", true)});
    CHECK(d.edited == std::vector<std::string>{"1_a"});
    CHECK(render_status_json(local, d)["edited"] == nlohmann::json::array({"1_a"}));
  }
}
