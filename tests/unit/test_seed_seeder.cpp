#include "test_support.hpp"

#include <rastar/config/config_file.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/db/prisma_schema.hpp>
#include <rastar/migrate/deploy.hpp>
#include <rastar/migrate/migration_store_postgres.hpp>
#include <rastar/migrate/migration_store_sqlite.hpp>
#include <rastar/migrate/migrations_directory.hpp>
#include <rastar/seed/password_hash.hpp>
#include <rastar/seed/seeder.hpp>
#include <rastar/util/error.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/process.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>
#include <regex>

namespace bp = boost::process;
namespace fs = std::filesystem;
using namespace rastar;
using rastar::test::TemporaryDatabase;
using seed::SeedOutcome;

namespace {

const fs::path k_examples = fs::path(RASTAR_SOURCE_DIR) / "examples" / "rastar";
constexpr const char* k_password = "pw-Tr0ub4dor&3";

// The ISO 8601 text the better-sqlite3 adapter writes, and PostgreSQL's timestamp(3) as text.
const std::regex k_iso_millis(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00)");
const std::regex k_pg_millis(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})?)");
const std::regex k_cuid("c[0-9a-z]{24}");

config::EnvironmentLookup
environment(std::map<std::string, std::string> variables)
{
  return [variables](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    return found == variables.end() ? std::nullopt : std::optional(found->second);
  };
}

const db::PrismaSchema&
example_schema()
{
  static const auto schema = db::read_prisma_schema(k_examples / "schema.prisma");
  return schema;
}

// The example schema with `extra` added to the end of model `model`'s block
// (or as a model of its own when `model` is empty).
db::PrismaSchema
schema_with(const std::string& model, const std::string& extra)
{
  auto text = rastar::test::read_file(k_examples / "schema.prisma");
  if (model.empty()) {
    text += "\n" + extra + "\n";
  } else {
    const auto start = text.find("model " + model + " {");
    text.insert(text.find("\n}", start), "\n  " + extra);
  }
  return db::parse_prisma_schema(text, "schema.prisma");
}

// The seeds of config/example.yaml, the README demo's.
std::vector<seed::SeedSpec>
example_seeds()
{
  config::LoadOptions load;
  load.environment = environment({});
  load.base_directory = RASTAR_SOURCE_DIR;
  std::vector<std::string> warnings;
  return config::load_config_file(fs::path(RASTAR_SOURCE_DIR) / "config" / "example.yaml", load, &warnings).seeds;
}

std::vector<seed::SeedSpec>
seeds_from(const std::string& yaml)
{
  config::LoadOptions load;
  load.environment = environment({});
  std::vector<std::string> warnings;
  return config::parse_config(yaml, "rastar.yaml", load, &warnings).seeds;
}

seed::SeedOptions
options_with(std::map<std::string, std::string> variables)
{
  seed::SeedOptions options;
  options.environment = environment(std::move(variables));
  options.schema_path = "schema.prisma";
  return options;
}

std::vector<SeedOutcome>
outcomes(const seed::SeedResult& result)
{
  std::vector<SeedOutcome> list;
  for (const auto& report : result.seeds) {
    list.push_back(report.outcome);
  }
  return list;
}

// ---- SQLite ----

db::DatabaseUrl
sqlite_url()
{
  return db::parse_database_url("file:./data/rastar.db", fs::current_path());
}

void
migrate_sqlite()
{
  auto store = migrate::open_sqlite_store(sqlite_url(), {});
  migrate::deploy(*store, migrate::read_migrations_directory(k_examples / "migrations-sqlite"), {});
}

// Opens the store, takes the lock, seeds and lets go, as `db seed` does.
seed::SeedResult
seed_sqlite(const std::vector<seed::SeedSpec>& seeds,
            const seed::SeedOptions& options,
            const db::PrismaSchema& schema = example_schema())
{
  auto store = migrate::open_sqlite_store(sqlite_url(), {});
  store->lock(std::chrono::seconds(10));
  return seed::run_seeds(seeds, schema, *store, options);
}

// Every row of `sql`, columns joined with '|', NULL as <null>.
std::vector<std::string>
sqlite_rows(const std::string& sql)
{
  SQLite::Database database(sqlite_url().sqlite_path, SQLite::OPEN_READONLY);
  SQLite::Statement statement(database, sql);
  std::vector<std::string> rows;
  while (statement.executeStep()) {
    std::string row;
    for (int i = 0; i < statement.getColumnCount(); ++i) {
      row += (i ? "|" : "") + (statement.getColumn(i).isNull() ? "<null>" : statement.getColumn(i).getString());
    }
    rows.push_back(row);
  }
  return rows;
}

void
sqlite_execute(const std::string& sql)
{
  SQLite::Database database(sqlite_url().sqlite_path, SQLite::OPEN_READWRITE);
  database.exec(sql);
}

// The sentence of the Error `action` throws; "" when it throws none.
std::string
error_text(const std::function<void()>& action)
{
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

int
exit_code_of(const std::function<void()>& action)
{
  try {
    action();
  } catch (const Error& error) {
    return to_int(error.code());
  }
  return 0;
}

} // namespace

TEST_CASE("seed::run_seeds on SQLite")
{
  rastar::test::TestDirectory directory;
  migrate_sqlite();
  const auto seeds = example_seeds();
  const auto with_password = options_with({{"ADMIN_PASSWORD", k_password}});

  SUBCASE("the first run inserts the rows as the apps would write them, the second inserts nothing")
  {
    const auto first = seed_sqlite(seeds, with_password);
    CHECK(outcomes(first) == std::vector{SeedOutcome::inserted, SeedOutcome::inserted});
    CHECK(first.seeds[0].target == "AdminUser");
    CHECK(first.seeds[0].key == "email = admin@rastar.local");

    const auto admin = sqlite_rows("SELECT id, email, passwordHash, role, createdAt, updatedAt, typeof(createdAt) "
                                   "FROM AdminUser");
    REQUIRE(admin.size() == 1);
    std::vector<std::string> column;
    for (std::size_t start = 0, bar = 0; bar != std::string::npos; start = bar + 1) {
      bar = admin[0].find('|', start);
      column.push_back(admin[0].substr(start, bar == std::string::npos ? bar : bar - start));
    }
    CHECK(std::regex_match(column[0], k_cuid));
    CHECK(column[1] == "admin@rastar.local");
    CHECK(column[2].starts_with("$2b$12$"));
    CHECK(seed::bcrypt_verify(k_password, column[2]));
    CHECK(column[3] == "owner");
    CHECK(std::regex_match(column[4], k_iso_millis));
    CHECK(column[5] == column[4]);
    CHECK(column[6] == "text");

    CHECK(sqlite_rows("SELECT slug, name, description, credits, price, currency, isDefault, typeof(isDefault), "
                      "isActive FROM Pack")
          == std::vector<std::string>{"starter|Starter|100 credits to try the bot|100|0|XTR|1|integer|1"});

    const auto second = seed_sqlite(seeds, with_password);
    CHECK(outcomes(second) == std::vector{SeedOutcome::already_there, SeedOutcome::already_there});
    CHECK(sqlite_rows("SELECT count(*) FROM AdminUser") == std::vector<std::string>{"1"});
    CHECK(sqlite_rows("SELECT count(*) FROM Pack") == std::vector<std::string>{"1"});
    CHECK(sqlite_rows("SELECT passwordHash FROM AdminUser") == std::vector<std::string>{column[2]});

    // Once the admin exists its password is not needed: the secret may be gone.
    const auto without = seed_sqlite(seeds, options_with({}));
    CHECK(outcomes(without) == std::vector{SeedOutcome::already_there, SeedOutcome::already_there});
  }

  SUBCASE("an existing admin is never overwritten, its password included")
  {
    sqlite_execute("INSERT INTO AdminUser (id, email, passwordHash, role, updatedAt) "
                   "VALUES ('mine', 'admin@rastar.local', '$2b$04$theirs', 'support', 0)");
    const auto result = seed_sqlite(seeds, with_password);
    CHECK(outcomes(result) == std::vector{SeedOutcome::already_there, SeedOutcome::inserted});
    CHECK(sqlite_rows("SELECT id, passwordHash, role FROM AdminUser")
          == std::vector<std::string>{"mine|$2b$04$theirs|support"});
  }

  SUBCASE("a missing ADMIN_PASSWORD fails the seed, with nothing written")
  {
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds, options_with({})),
                         "Seed \"admin\" failed: values.passwordHash: neither ADMIN_PASSWORD nor ADMIN_PASSWORD_FILE "
                         "is set; set one of them (ADMIN_PASSWORD_FILE names a file that holds the password, as "
                         "Docker secrets do). Nothing of this seed was written.",
                         Error);
    CHECK(exit_code_of([&] { seed_sqlite(seeds, options_with({})); }) == 66);
    CHECK(sqlite_rows("SELECT count(*) FROM AdminUser") == std::vector<std::string>{"0"});
    CHECK(sqlite_rows("SELECT count(*) FROM Pack") == std::vector<std::string>{"0"});
  }

  SUBCASE("ADMIN_PASSWORD_FILE, the Docker secrets convention")
  {
    rastar::test::write_file("admin_password", std::string(k_password) + "\n");
    seed_sqlite(seeds, options_with({{"ADMIN_PASSWORD_FILE", (directory.path() / "admin_password").string()}}));
    CHECK(seed::bcrypt_verify(k_password, sqlite_rows("SELECT passwordHash FROM AdminUser").at(0)));
  }

  SUBCASE("DateTime as Unix milliseconds, the adapter's other form")
  {
    auto options = with_password;
    options.sqlite_timestamps = config::SqliteTimestamps::unixepoch_ms;
    seed_sqlite(seeds, options);
    const auto row = sqlite_rows("SELECT typeof(createdAt), createdAt = updatedAt, "
                                 "abs(createdAt - (julianday('now') - 2440587.5) * 86400000) < 60000 FROM Pack");
    CHECK(row == std::vector<std::string>{"integer|1|1"});
  }

  SUBCASE("a field the model does not have")
  {
    const auto bad = seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                "    values: {slug: x, name: X, credits: 1, price: 1, isDefalt: true}\n");
    CHECK_THROWS_WITH_AS(seed_sqlite(bad, with_password),
                         "Seed \"pack\" failed: values.isDefalt: model Pack has no field \"isDefalt\"; did you mean "
                         "\"isDefault\"?. Nothing of this seed was written.",
                         Error);
    const auto mapped = seeds_from("seeds:\n  user:\n    model: User\n    key: telegram_id\n"
                                   "    values: {telegram_id: 1}\n");
    CHECK_THROWS_WITH_AS(seed_sqlite(mapped, with_password),
                         "Seed \"user\" failed: values.telegram_id: \"telegram_id\" is the column of field telegramId; "
                         "write the field's name, as the apps' code does. Nothing of this seed was written.",
                         Error);
  }

  SUBCASE("a model or table the schema does not have")
  {
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  pack:\n    model: Packs\n    key: slug\n"
                                                "    values: {slug: x}\n"),
                                     with_password),
                         "Seed \"pack\" failed: model: schema.prisma has no model \"Packs\"; did you mean \"Pack\"?. "
                         "Nothing of this seed was written.",
                         Error);
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  user:\n    table: user\n    key: id\n"
                                                "    values: {id: 1}\n"),
                                     with_password),
                         "Seed \"user\" failed: table: no model of schema.prisma maps to table \"user\"; did you mean "
                         "\"users\"?. Nothing of this seed was written.",
                         Error);
  }

  SUBCASE("a table or column the database does not have")
  {
    const auto database = "SQLite database " + sqlite_url().sqlite_path.string();
    const auto coupon = schema_with("", "model Coupon {\n  code String @id\n}");
    CHECK(error_text([&] { seed_sqlite(seeds_from("seeds:\n  coupon:\n    model: Coupon\n    key: code\n"
                                                "    values: {code: FREE}\n"),
                                     with_password, coupon); })
          == "Seed \"coupon\" failed: model: table \"Coupon\" (model Coupon) does not exist in " + database
                           + "; apply the migrations first (rastar-init migrate deploy). Nothing of this seed was "
                             "written.");
    const auto nickname = schema_with("AdminUser", "nickname String?");
    CHECK(error_text([&] { seed_sqlite(seeds_from("seeds:\n  admin:\n    model: AdminUser\n    key: email\n"
                                                "    values: {email: a@b.c, passwordHash: x, nickname: Al}\n"),
                                     with_password, nickname); })
          == "Seed \"admin\" failed: values.nickname: column \"nickname\" of table \"AdminUser\" does not "
                         "exist in " + database + "; apply the migration that adds it, or correct schema.prisma. "
                         "Nothing of this seed was written.");
    CHECK(sqlite_rows("SELECT count(*) FROM AdminUser") == std::vector<std::string>{"0"});
  }

  SUBCASE("a value of the wrong type, a required field left out, an unset variable")
  {
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                                "    values: {slug: x, name: X, credits: lots, price: 1}\n"),
                                     with_password),
                         "Seed \"pack\" failed: values.credits: \"lots\" is not an Int (a whole number from "
                         "-2147483648 to 2147483647). Nothing of this seed was written.",
                         Error);
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                                "    values: {slug: x, name: X, price: 1}\n"),
                                     with_password),
                         "Seed \"pack\" failed: values: field credits of model Pack is required (Int) and has no "
                         "default; give it a value. Nothing of this seed was written.",
                         Error);
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                                "    values: {slug: x, name: X, credits: 1, price: 1, "
                                                "currency: null}\n"),
                                     with_password),
                         "Seed \"pack\" failed: values.currency: is null, but field currency of model Pack is required "
                         "(String, not String?). Nothing of this seed was written.",
                         Error);
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                                "    values: {slug: '${PACK_SLUG}', name: X, credits: 1, price: 1}\n"),
                                     with_password),
                         "Seed \"pack\" failed: values.slug: variable PACK_SLUG is not set; set it, or give a default "
                         "with ${PACK_SLUG:-value}. Nothing of this seed was written.",
                         Error);
    CHECK_THROWS_WITH_AS(seed_sqlite(seeds_from("seeds:\n  purchase:\n    model: Purchase\n    key: id\n"
                                                "    values: {id: p1, pack: starter}\n"),
                                     with_password),
                         "Seed \"purchase\" failed: values.pack: pack is a relation to Pack; set its foreign key field "
                         "packId instead. Nothing of this seed was written.",
                         Error);
    CHECK(sqlite_rows("SELECT count(*) FROM Pack") == std::vector<std::string>{"0"});
  }

  SUBCASE("a constraint the database enforces rolls the seed back")
  {
    // The pack exists under another slug with the same id: the key says
    // "missing", the primary key refuses the row.
    sqlite_execute("INSERT INTO Pack (id, slug, name, credits, price, updatedAt) VALUES ('p1', 'other', 'O', 1, 1, 0)");
    const auto clash = seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                  "    values: {id: p1, slug: starter, name: S, credits: 1, price: 1}\n");
    CHECK(error_text([&] { seed_sqlite(clash, with_password); })
          == "Seed \"pack\" failed: SQLite database " + sqlite_url().sqlite_path.string()
                           + " refused the row for table \"Pack\": UNIQUE constraint failed: Pack.id [SQLite error "
                             "1555]. Nothing of this seed was written.");
    CHECK(sqlite_rows("SELECT slug FROM Pack") == std::vector<std::string>{"other"});
  }

  SUBCASE("an sql seed runs once, in one transaction")
  {
    rastar::test::write_file("vip.sql", "INSERT INTO Pack (id, slug, name, credits, price, updatedAt)\n"
                                        "  VALUES ('vip', 'vip', 'VIP', 1000, 500, 0);\n"
                                        "UPDATE Pack SET isActive = false WHERE slug = 'vip';\n");
    const auto vip = seeds_from("seeds:\n  vip:\n    sql: vip.sql\n    unless: SELECT 1 FROM Pack WHERE slug = 'vip'\n");
    CHECK(outcomes(seed_sqlite(vip, with_password)) == std::vector{SeedOutcome::ran});
    CHECK(outcomes(seed_sqlite(vip, with_password)) == std::vector{SeedOutcome::already_there});
    CHECK(sqlite_rows("SELECT slug, isActive FROM Pack") == std::vector<std::string>{"vip|0"});

    rastar::test::write_file("half.sql", "INSERT INTO Pack (id, slug, name, credits, price, updatedAt)\n"
                                         "  VALUES ('half', 'half', 'Half', 1, 1, 0);\n"
                                         "INSERT INTO Nope VALUES (1);\n");
    const auto half = seeds_from("seeds:\n  half:\n    sql: half.sql\n    unless: SELECT 1 FROM Pack WHERE slug = 'half'\n");
    CHECK(error_text([&] { seed_sqlite(half, with_password); })
          == "Seed \"half\" failed: sql: " + (directory.path() / "half.sql").string() + " failed on SQLite "
                           "database " + sqlite_url().sqlite_path.string() + ": no such table: Nope [SQLite error 1]. "
                           "Nothing of this seed was written.");
    CHECK(sqlite_rows("SELECT count(*) FROM Pack WHERE slug = 'half'") == std::vector<std::string>{"0"});

    rastar::test::write_file("own.sql", "BEGIN;\nDELETE FROM Pack;\nCOMMIT;\n");
    const auto own = seeds_from("seeds:\n  own:\n    sql: own.sql\n    unless: SELECT 1 WHERE 0\n");
    CHECK(error_text([&] { seed_sqlite(own, with_password); })
          == "Seed \"own\" failed: sql: " + (directory.path() / "own.sql").string() + " controls "
                           "transactions itself (BEGIN at line 1); rastar-init runs an sql seed in one transaction of "
                           "its own, so remove that statement. Nothing of this seed was written.");
  }
}

// ---- PostgreSQL ----

namespace {

std::unique_ptr<migrate::MigrationStore>
migrated_postgres(const TemporaryDatabase& database)
{
  auto store = migrate::open_postgres_store(db::parse_database_url(database.url(), fs::current_path()), {});
  migrate::deploy(*store, migrate::read_migrations_directory(k_examples / "migrations"), {});
  return store;
}

// config/example.yaml with its paths made absolute, for the binary to run from the test's directory.
fs::path
write_example_config()
{
  auto text = rastar::test::read_file(fs::path(RASTAR_SOURCE_DIR) / "config" / "example.yaml");
  for (std::size_t at = 0; (at = text.find(" examples/", at)) != std::string::npos;) {
    text.replace(at + 1, 0, std::string(RASTAR_SOURCE_DIR) + "/");
    at += 10;
  }
  rastar::test::write_file("rastar.yaml", text);
  return fs::absolute("rastar.yaml");
}

} // namespace

TEST_SUITE("postgres")
{
  TEST_CASE("seed::run_seeds on PostgreSQL")
  {
    rastar::test::TestDirectory directory;
    TemporaryDatabase database;
    const auto seeds = example_seeds();
    const auto with_password = options_with({{"ADMIN_PASSWORD", k_password}});

    SUBCASE("inserted under the deploy's lock on its own session, then already there")
    {
      auto store = migrated_postgres(database);
      const auto first = seed::run_seeds(seeds, example_schema(), *store, with_password);
      CHECK(outcomes(first) == std::vector{SeedOutcome::inserted, SeedOutcome::inserted});
      const auto second = seed::run_seeds(seeds, example_schema(), *store, options_with({}));
      CHECK(outcomes(second) == std::vector{SeedOutcome::already_there, SeedOutcome::already_there});
      store.reset();

      const auto admin = database.query("SELECT concat_ws('|', id, email, role, \"createdAt\" = \"updatedAt\", "
                                        "\"createdAt\"::text) FROM \"AdminUser\"");
      REQUIRE(admin.size() == 1);
      CHECK(std::regex_match(admin[0].substr(0, 25), k_cuid));
      CHECK(admin[0].substr(25, 26) == "|admin@rastar.local|owner|");
      CHECK(admin[0].substr(51, 2) == "t|");
      CHECK(std::regex_match(admin[0].substr(53), k_pg_millis));
      CHECK(database.query("SELECT abs(extract(epoch FROM \"createdAt\" - (now() AT TIME ZONE 'UTC'))) < 60 "
                           "FROM \"AdminUser\"")
            == std::vector<std::string>{"t"});
      CHECK(seed::bcrypt_verify(k_password, database.query("SELECT \"passwordHash\" FROM \"AdminUser\"").at(0)));
      CHECK(database.query("SELECT concat_ws('|', slug, credits, price, currency, \"isDefault\", \"isActive\") "
                           "FROM \"Pack\"")
            == std::vector<std::string>{"starter|100|0|XTR|t|t"});
    }

    SUBCASE("an existing admin keeps its password; a wrong type fails with nothing written")
    {
      auto store = migrated_postgres(database);
      database.execute("INSERT INTO \"AdminUser\" (id, email, \"passwordHash\", \"updatedAt\") "
                       "VALUES ('mine', 'admin@rastar.local', 'theirs', now())");
      CHECK(outcomes(seed::run_seeds(seeds, example_schema(), *store, with_password))
            == std::vector{SeedOutcome::already_there, SeedOutcome::inserted});
      CHECK(database.query("SELECT \"passwordHash\" FROM \"AdminUser\"") == std::vector<std::string>{"theirs"});

      const auto bad = seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                  "    values: {slug: vip, name: VIP, credits: 10, price: 1.5}\n");
      CHECK_THROWS_WITH_AS(seed::run_seeds(bad, example_schema(), *store, with_password),
                           "Seed \"pack\" failed: values.price: \"1.5\" is not an Int (a whole number from -2147483648 "
                           "to 2147483647). Nothing of this seed was written.",
                           Error);
      const auto unknown = schema_with("Pack", "tier String?");
      const auto tiered = seeds_from("seeds:\n  pack:\n    model: Pack\n    key: slug\n"
                                     "    values: {slug: vip, name: VIP, credits: 10, price: 1, tier: gold}\n");
      CHECK(error_text([&] { seed::run_seeds(tiered, unknown, *store, with_password); })
          == fmt::format("Seed \"pack\" failed: values.tier: column \"tier\" of table \"Pack\" does not "
                                       "exist in PostgreSQL database \"{}\", schema \"public\" at {}; apply the "
                                       "migration that adds it, or correct schema.prisma. Nothing of this seed was "
                                       "written.",
                                       database.name(), db::parse_database_url(database.url(), "/").address()));
      CHECK(database.query("SELECT count(*) FROM \"Pack\" WHERE slug = 'vip'") == std::vector<std::string>{"0"});
    }

    SUBCASE("an sql seed runs once and its failure leaves nothing")
    {
      auto store = migrated_postgres(database);
      rastar::test::write_file("vip.sql", "INSERT INTO \"Pack\" (id, slug, name, credits, price, \"updatedAt\")\n"
                                          "  VALUES ('vip', 'vip', 'VIP', 1000, 500, now());\n"
                                          "UPDATE \"Pack\" SET \"isActive\" = false WHERE slug = 'vip';\n");
      const auto vip = seeds_from("seeds:\n  vip:\n    sql: vip.sql\n"
                                  "    unless: SELECT 1 FROM \"Pack\" WHERE slug = 'vip'\n");
      CHECK(outcomes(seed::run_seeds(vip, example_schema(), *store, with_password)) == std::vector{SeedOutcome::ran});
      CHECK(outcomes(seed::run_seeds(vip, example_schema(), *store, with_password))
            == std::vector{SeedOutcome::already_there});
      CHECK(database.query("SELECT \"isActive\" FROM \"Pack\"") == std::vector<std::string>{"f"});

      rastar::test::write_file("half.sql", "INSERT INTO \"Pack\" (id, slug, name, credits, price, \"updatedAt\")\n"
                                           "  VALUES ('half', 'half', 'Half', 1, 1, now());\n"
                                           "SELECT 1/0;\n");
      const auto half = seeds_from("seeds:\n  half:\n    sql: half.sql\n    unless: SELECT 1 WHERE false\n");
      CHECK_THROWS_WITH_AS(seed::run_seeds(half, example_schema(), *store, with_password),
                           doctest::Contains("half.sql failed on PostgreSQL database"), Error);
      CHECK(database.query("SELECT count(*) FROM \"Pack\" WHERE slug = 'half'") == std::vector<std::string>{"0"});
      // The session is usable afterwards: the failed seed's transaction was rolled back.
      CHECK(outcomes(seed::run_seeds(seeds, example_schema(), *store, with_password))
            == std::vector{SeedOutcome::inserted, SeedOutcome::inserted});
    }
  }

  TEST_CASE("rastar-init db seed")
  {
    rastar::test::TestDirectory directory;
    TemporaryDatabase database;
    const auto config = write_example_config();
    const std::map<std::string, std::optional<std::string>> base = {{"DATABASE_URL", database.url()},
                                                                    {"ADMIN_PASSWORD", std::nullopt},
                                                                    {"ADMIN_PASSWORD_FILE", std::nullopt},
                                                                    {"ADMIN_EMAIL", std::nullopt},
                                                                    {"RASTAR_INIT_CONFIG", std::nullopt}};
    auto with = [&base](std::map<std::string, std::optional<std::string>> extra) {
      auto environment = base;
      for (auto& [name, value] : extra) {
        environment[name] = value;
      }
      return environment;
    };
    const auto deployed = rastar::test::run_rastar({"migrate", "deploy", "--config", config.string()}, base);
    REQUIRE(deployed.exit_code == 0);

    SUBCASE("a missing ADMIN_PASSWORD exits 66 naming the seed and the variable, and writes nothing")
    {
      const auto result = rastar::test::run_rastar({"db", "seed", "--config", config.string()}, base);
      CHECK(result.exit_code == 66);
      CHECK(result.out.empty());
      CHECK(result.err.ends_with("rastar-init: error: Seed \"admin\" failed: values.passwordHash: neither "
                                 "ADMIN_PASSWORD nor ADMIN_PASSWORD_FILE is set; set one of them (ADMIN_PASSWORD_FILE "
                                 "names a file that holds the password, as Docker secrets do). Nothing of this seed "
                                 "was written.\n"));
      CHECK(database.query("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"0"});
      CHECK(database.query("SELECT count(*) FROM \"Pack\"") == std::vector<std::string>{"0"});
    }

    SUBCASE("seeds, then finds them there; the password never reaches the output")
    {
      const auto first = rastar::test::run_rastar({"--log-level", "trace", "db", "seed", "--config", config.string()},
                                                  with({{"ADMIN_PASSWORD", k_password}}));
      CHECK(first.exit_code == 0);
      CHECK(first.out == "admin: inserted (AdminUser, email = admin@rastar.local)\n"
                         "default-pack: inserted (Pack, slug = starter)\n");
      CHECK(first.err.find(k_password) == std::string::npos);
      CHECK(first.out.find(k_password) == std::string::npos);

      const auto second = rastar::test::run_rastar({"db", "seed", "--config", config.string(), "--format", "json"},
                                                   with({{"ADMIN_PASSWORD", "another"}}));
      CHECK(second.exit_code == 0);
      CHECK(second.out.find("\"outcome\": \"already there\"") != std::string::npos);
      CHECK(seed::bcrypt_verify(k_password, database.query("SELECT \"passwordHash\" FROM \"AdminUser\"").at(0)));
    }

    SUBCASE("four replicas seeding at once write one admin and one pack")
    {
      std::vector<bp::child> children;
      auto environment = boost::this_process::environment();
      environment["DATABASE_URL"] = database.url();
      environment["ADMIN_PASSWORD"] = k_password;
      environment.erase("RASTAR_INIT_CONFIG");
      for (int i = 0; i < 4; ++i) {
        children.emplace_back(RASTAR_INIT_BINARY, bp::args({"db", "seed", "--config", config.string()}),
                              bp::std_out > fmt::format("out{}", i), bp::std_err > fmt::format("err{}", i),
                              bp::std_in < bp::null, environment);
      }
      int inserted = 0;
      for (int i = 0; i < 4; ++i) {
        children[static_cast<std::size_t>(i)].wait();
        CHECK(children[static_cast<std::size_t>(i)].exit_code() == 0);
        const auto out = rastar::test::read_file(fmt::format("out{}", i));
        inserted += out.find("admin: inserted") != std::string::npos ? 1 : 0;
        CHECK(rastar::test::read_file(fmt::format("err{}", i)).find(k_password) == std::string::npos);
      }
      CHECK(inserted == 1);
      CHECK(database.query("SELECT count(*) FROM \"AdminUser\"") == std::vector<std::string>{"1"});
      CHECK(database.query("SELECT count(*) FROM \"Pack\"") == std::vector<std::string>{"1"});
    }
  }
}
