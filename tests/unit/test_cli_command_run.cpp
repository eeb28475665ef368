// `rastar-init run`'s phase switches: the flags --no-migrate and --no-seed and
// the config file's `run: {migrate, seed}`, on a real SQLite database.
#include "example_fixture.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <filesystem>

namespace fs = std::filesystem;
using rastar::test::TestDirectory;

namespace {

// The number of rows of `table`, or -1 when the table does not exist.
int
count_rows(const fs::path& path, const std::string& table)
{
  SQLite::Database database(path.string(), SQLite::OPEN_READONLY);
  if (!database.tableExists(table)) {
    return -1;
  }
  return database.execAndGet("SELECT count(*) FROM \"" + table + "\"").getInt();
}

const std::map<std::string, std::optional<std::string>> k_environment = {
  {"ADMIN_PASSWORD", rastar::test::k_example_password},
  {"DATABASE_URL", std::nullopt},
  {"RASTAR_INIT_CONFIG", std::nullopt},
  {"RASTAR_LOG_LEVEL", std::nullopt}};

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("rastar-init run: run.migrate and run.seed")
{
  TestDirectory directory;
  const auto path = directory.path() / "rastar.db";
  const std::string url = "file:" + path.string();

  SUBCASE("both false: nothing is opened, migrated or seeded")
  {
    const auto result = rastar::test::prepare_example_database(url, "run: {migrate: false, seed: false}\n");
    CHECK(contains(result.err, "phase migrate: skipped (run.migrate: false)\n"));
    CHECK(contains(result.err, "phase seed: skipped (run.seed: false)\n"));
    CHECK_FALSE(fs::exists(path));
  }

  SUBCASE("seed: false migrates and leaves the tables empty")
  {
    const auto result = rastar::test::prepare_example_database(url, "run:\n  seed: false\n");
    CHECK_FALSE(contains(result.err, "phase migrate: skipped"));
    CHECK(count_rows(path, "_prisma_migrations") == 3);
    CHECK(count_rows(path, "AdminUser") == 0);
    CHECK(count_rows(path, "Pack") == 0);
  }

  SUBCASE("migrate: false seeds without migrating")
  {
    rastar::test::write_file("example.yaml", rastar::test::example_config(url, "run: {migrate: false}\n"));
    const auto on_empty = rastar::test::run_rastar({"run", "--only-migrate", "--config", "example.yaml"},
                                                   k_environment);
    CHECK(on_empty.exit_code == 66);
    CHECK(count_rows(path, "_prisma_migrations") == -1);

    rastar::test::prepare_example_database(url, "run: {seed: false}\n", "migrate-only.yaml");
    const auto seeded = rastar::test::run_rastar({"run", "--only-migrate", "--config", "example.yaml"},
                                                 k_environment);
    CHECK(seeded.exit_code == 0);
    CHECK(count_rows(path, "AdminUser") == 1);
    CHECK(count_rows(path, "Pack") == 1);
  }

  SUBCASE("a flag turns a phase off whatever the file says")
  {
    rastar::test::write_file("example.yaml",
                             rastar::test::example_config(url, "run: {migrate: true, seed: true}\n"));
    const auto result = rastar::test::run_rastar({"run", "--only-migrate", "--no-seed", "--config", "example.yaml"},
                                                 k_environment);
    CHECK(result.exit_code == 0);
    CHECK(count_rows(path, "_prisma_migrations") == 3);
    CHECK(count_rows(path, "AdminUser") == 0);
  }

  SUBCASE("config check shows the switches the file sets")
  {
    rastar::test::write_file("example.yaml", rastar::test::example_config(url, "run: {seed: false}\n"));
    const auto result = rastar::test::run_rastar({"config", "check", "--config", "example.yaml"}, k_environment);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.out, "\nrun:\n  seed: false\n"));
  }

  SUBCASE("a value that is not a boolean, or an unknown key, is a config error")
  {
    rastar::test::write_file("bad.yaml", "run:\n  migrate: maybe\n");
    const auto value = rastar::test::run_rastar({"run", "--config", "bad.yaml"}, k_environment);
    CHECK(value.exit_code == 78);
    CHECK(value.err == "rastar-init: error: bad.yaml:2:12: run.migrate: \"maybe\" is not true or false\n");

    rastar::test::write_file("bad.yaml", "run: {seeds: false}\n");
    const auto key = rastar::test::run_rastar({"run", "--config", "bad.yaml"}, k_environment);
    CHECK(key.exit_code == 78);
    CHECK(key.err == "rastar-init: error: bad.yaml:1:7: run.seeds: unknown key; did you mean \"seed\"?\n");
  }
}
