#include <rastar/db/prisma_schema.hpp>
#include <rastar/seed/field_values.hpp>

#include <doctest/doctest.h>

#include <regex>

using namespace rastar;
using seed::SqlParameter;

namespace {

const db::PrismaSchema&
schema()
{
  static const auto parsed = db::parse_prisma_schema(R"(
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

enum Role {
  OWNER
  SUPPORT @map("support")
}

model Thing {
  id        String   @id @default(cuid())
  id2       String   @default(cuid(2))
  u4        String   @default(uuid())
  u7        String   @default(uuid(7))
  nano      String   @default(nanoid(10))
  sortable  String   @default(ulid())
  number    Int      @default(autoincrement())
  big       BigInt
  ratio     Float
  price     Decimal
  active    Boolean  @default(true)
  name      String   @default("guest")
  data      Json
  role      Role
  blob      Bytes
  createdAt DateTime @default(now())
  updatedAt DateTime @updatedAt
}
)",
                                                     "schema.prisma");
  return parsed;
}

const db::Field&
field(const std::string& name)
{
  return *schema().find_model("Thing")->find_field(name);
}

const seed::ValueFormat k_postgres{db::Provider::postgresql, config::SqliteTimestamps::iso8601};
const seed::ValueFormat k_sqlite{db::Provider::sqlite, config::SqliteTimestamps::iso8601};
const seed::ValueFormat k_sqlite_ms{db::Provider::sqlite, config::SqliteTimestamps::unixepoch_ms};

SqlParameter
typed(const std::string& name, const std::string& text, const seed::ValueFormat& format = k_postgres)
{
  return seed::typed_value(field(name), text, schema(), format);
}

} // namespace

TEST_CASE("seed::typed_value")
{
  SUBCASE("PostgreSQL gets text for the column to read; SQLite typed values")
  {
    CHECK(typed("number", "42").text == "42");
    CHECK(typed("number", "42", k_sqlite).kind == SqlParameter::Kind::integer);
    CHECK(typed("number", "42", k_sqlite).integer == 42);
    CHECK(typed("number", "+7", k_sqlite).integer == 7);
    CHECK(typed("big", "9223372036854775807", k_sqlite).integer == INT64_MAX);
    CHECK(typed("ratio", "1.5").text == "1.5");
    CHECK(typed("ratio", "-2e3", k_sqlite).real == -2000.0);
    CHECK(typed("price", "9.99").text == "9.99");
    CHECK(typed("price", "9.99", k_sqlite).text == "9.99");
    CHECK(typed("name", "anything at all").text == "anything at all");
    CHECK(typed("data", "{\"a\": [1, 2]}").text == "{\"a\":[1,2]}");
  }
  SUBCASE("Booleans: true/false on PostgreSQL, 1/0 on SQLite as the better-sqlite3 adapter writes them")
  {
    CHECK(typed("active", "true").text == "true");
    CHECK(typed("active", "FALSE").text == "false");
    CHECK(typed("active", "true", k_sqlite).integer == 1);
    CHECK(typed("active", "false", k_sqlite).integer == 0);
    CHECK(typed("active", "false", k_sqlite).kind == SqlParameter::Kind::integer);
  }
  SUBCASE("enums are written by their database name")
  {
    CHECK(typed("role", "OWNER").text == "OWNER");
    CHECK(typed("role", "SUPPORT").text == "support");
  }
  SUBCASE("DateTime in UTC with milliseconds")
  {
    CHECK(typed("createdAt", "2026-01-06T12:34:56.789123Z").text == "2026-01-06T12:34:56.789+00:00");
    CHECK(typed("createdAt", "2026-01-06T14:34:56+02:00", k_sqlite).text == "2026-01-06T12:34:56.000+00:00");
    CHECK(typed("createdAt", "2026-01-06").text == "2026-01-06T00:00:00.000+00:00");
    CHECK(typed("createdAt", "1970-01-01T00:00:01.5Z", k_sqlite_ms).integer == 1500);
  }
  SUBCASE("values of the wrong type")
  {
    CHECK_THROWS_WITH_AS(typed("number", "12abc"),
                         "\"12abc\" is not an Int (a whole number from -2147483648 to 2147483647)", seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("number", "2147483648"),
                         "\"2147483648\" is not an Int (a whole number from -2147483648 to 2147483647)",
                         seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("big", "1.5"),
                         "\"1.5\" is not a BigInt (a whole number from -9223372036854775808 to 9223372036854775807)",
                         seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("ratio", "fast"), "\"fast\" is not a Float (a number such as 1.5 or -2e3)",
                         seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("price", "9,99"), "\"9,99\" is not a Decimal (a number such as 9.99)",
                         seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("active", "yes"), "\"yes\" is not a Boolean; write true or false", seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("role", "ADMIN"), "\"ADMIN\" is not a value of enum Role; its values are OWNER, SUPPORT",
                         seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("createdAt", "2026-01-06 12:00"),
                         "\"2026-01-06 12:00\" is not a DateTime; write ISO 8601 with a time zone, e.g. "
                         "2026-01-06T12:34:56Z, or a date such as 2026-01-06",
                         seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("data", "{a: 1}"),
                         "\"{a: 1}\" is not JSON; quote the JSON text in YAML, e.g. '{\"a\": 1}'", seed::ValueError);
    CHECK_THROWS_WITH_AS(typed("blob", "00ff"),
                         "fields of type Bytes cannot be seeded from the config; use an sql: seed", seed::ValueError);
  }
}

TEST_CASE("seed::parse_datetime")
{
  CHECK(seed::parse_datetime("2026-02-30") == std::nullopt);
  CHECK(seed::parse_datetime("2026-01-06T24:00:00Z") == std::nullopt);
  CHECK(seed::parse_datetime("2026-01-06T12:00:00Zjunk") == std::nullopt);
  CHECK(seed::parse_datetime("2026-01-06T12:00:00") == std::nullopt);
  CHECK(seed::parse_datetime("2026-01-06 12:00Z").has_value());
  CHECK(seed::parse_datetime("1970-01-01T01:00:00+01:00")->time_since_epoch().count() == 0);
}

TEST_CASE("seed::client_default")
{
  const auto now = util::SystemTime(std::chrono::milliseconds(1767702896789)); // 2026-01-06T12:34:56.789Z
  auto generated = [&](const std::string& name, const seed::ValueFormat& format = k_postgres) {
    return seed::client_default(field(name), now, format);
  };
  CHECK(std::regex_match(generated("id")->text, std::regex("c[0-9a-z]{24}")));
  CHECK(std::regex_match(generated("id2")->text, std::regex("[a-z][0-9a-z]{23}")));
  CHECK(std::regex_match(generated("u4")->text, std::regex("[0-9a-f-]{14}4[0-9a-f-]{21}")));
  CHECK(generated("u7")->text.starts_with("019b934d-a095-7"));
  CHECK(std::regex_match(generated("nano")->text, std::regex("[A-Za-z0-9_-]{10}")));
  CHECK(generated("sortable")->text.size() == 26);
  CHECK(generated("createdAt")->text == "2026-01-06T12:34:56.789+00:00");
  CHECK(generated("updatedAt")->text == "2026-01-06T12:34:56.789+00:00");
  CHECK(generated("updatedAt", k_sqlite_ms)->integer == 1767702896789);

  SUBCASE("what the database fills is left to it")
  {
    CHECK_FALSE(generated("number"));
    CHECK_FALSE(generated("name"));
    CHECK_FALSE(generated("active"));
    CHECK_FALSE(generated("big"));
  }
}
