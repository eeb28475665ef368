#include "test_support.hpp"

#include <rastar/db/database_url.hpp>
#include <rastar/migrate/pg_session.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>
#include <openssl/x509.h>

#include <map>

using namespace rastar;
using db::parse_database_url;

namespace {

const std::filesystem::path k_base = "/srv/app";

std::map<std::string, std::string>
keywords(const db::DatabaseUrl& url)
{
  std::map<std::string, std::string> result;
  for (const auto& [keyword, value] : url.libpq_keywords) {
    CHECK_MESSAGE(result.count(keyword) == 0, "keyword given twice: ", keyword);
    result[keyword] = value;
  }
  return result;
}

db::DatabaseUrl
parse(std::string_view url)
{
  return parse_database_url(url, k_base);
}

} // namespace

TEST_CASE("db::parse_database_url, PostgreSQL")
{
  SUBCASE("user, password, host, port, database")
  {
    const auto url = parse("postgresql://rastar:s3cret@db.example:5433/rastar");
    CHECK(url.provider == db::Provider::postgresql);
    CHECK(keywords(url) == std::map<std::string, std::string>{{"user", "rastar"},
                                                              {"password", "s3cret"},
                                                              {"host", "db.example"},
                                                              {"port", "5433"},
                                                              {"dbname", "rastar"},
                                                              {"application_name", "rastar-init"},
                                                              {"options", "-c search_path=\"public\""}});
    CHECK(url.host == "db.example");
    CHECK(url.port == "5433");
    CHECK(url.user == "rastar");
    CHECK(url.database == "rastar");
    CHECK(url.schema == "public");
    CHECK(url.address() == "db.example:5433");
    CHECK(url.redacted == "postgresql://rastar:****@db.example:5433/rastar");
    CHECK(url.warnings.empty());
  }

  SUBCASE("postgres:// and Prisma's defaults: localhost, 5432")
  {
    const auto url = parse("postgres://rastar@/rastar");
    CHECK(url.host == "localhost");
    CHECK(url.port == "5432");
    CHECK(url.address() == "localhost:5432");
    CHECK(keywords(url).count("password") == 0);
    CHECK(url.redacted == "postgres://rastar@/rastar");
  }

  SUBCASE("IPv6 host and a percent-encoded password")
  {
    const auto url = parse("postgresql://u:p%40ss@[::1]:5433/db");
    CHECK(url.host == "::1");
    CHECK(url.port == "5433");
    CHECK(keywords(url).at("password") == "p@ss");
    CHECK(url.address() == "[::1]:5433");
    CHECK(url.redacted == "postgresql://u:****@[::1]:5433/db");
  }

  SUBCASE("Unix-socket host as a parameter and percent-encoded in the authority")
  {
    const auto url = parse("postgresql://rastar@/rastar?host=/var/run/postgresql");
    CHECK(url.host == "/var/run/postgresql");
    CHECK(url.address() == "/var/run/postgresql:5432");
    const auto with_more = parse("postgresql://rastar@/rastar?host=/var/run/postgresql&schema=app&password=pw");
    CHECK(with_more.host == "/var/run/postgresql");
    CHECK(with_more.schema == "app");
    CHECK(keywords(with_more).at("password") == "pw");
    CHECK(with_more.redacted == "postgresql://rastar@/rastar?host=/var/run/postgresql&schema=app&password=****");
    const auto encoded = parse("postgresql://rastar:pw@%2Frun%2Fpostgresql:6432/rastar");
    CHECK(encoded.host == "/run/postgresql");
    CHECK(encoded.port == "6432");
    CHECK(encoded.redacted == "postgresql://rastar:****@%2Frun%2Fpostgresql:6432/rastar");
  }

  SUBCASE("percent-encoded user and database name")
  {
    const auto url = parse("postgresql://app%20user:pw@h/my%20db%2Fx");
    CHECK(url.user == "app user");
    CHECK(url.database == "my db/x");
    CHECK(keywords(url).at("dbname") == "my db/x");
  }

  SUBCASE("Prisma's parameters are translated or dropped, libpq's are kept")
  {
    const auto url = parse("postgresql://u:pw@h/db?schema=app&connection_limit=5&pool_timeout=10&pgbouncer=false"
                           "&statement_cache_size=0&socket_timeout=30&connect_timeout=7&sslmode=require"
                           "&application_name=web&max_connection_lifetime=60&max_idle_connection_lifetime=5"
                           "&sslaccept=accept_invalid_certs&sslpassword=pkcs12secret");
    CHECK(keywords(url) == std::map<std::string, std::string>{{"user", "u"},
                                                              {"password", "pw"},
                                                              {"host", "h"},
                                                              {"port", "5432"},
                                                              {"dbname", "db"},
                                                              {"connect_timeout", "7"},
                                                              {"sslmode", "require"},
                                                              {"application_name", "web"},
                                                              {"options", "-c search_path=\"app\""}});
    CHECK(url.schema == "app");
    CHECK(url.warnings.empty());
    CHECK(url.redacted.find("pkcs12secret") == std::string::npos);
    CHECK(url.redacted.find("sslpassword=****") != std::string::npos);
  }

  SUBCASE("schema with white space, a quote and a backslash is escaped for SQL and for libpq's options")
  {
    const auto url = parse("postgresql://u@h/db?schema=my%20%22app%5C&options=-c%20work_mem%3D8MB");
    CHECK(url.schema == "my \"app\\");
    CHECK(keywords(url).at("options") == "-c work_mem=8MB -c search_path=\"my\\ \"\"app\\\\\"");
  }

  SUBCASE("a schema given with + as space, as Prisma's query parsing reads it")
  {
    CHECK(parse("postgresql://u@h/db?schema=my+app").schema == "my app");
  }

  SUBCASE("sslaccept=strict verifies the certificate and the host name")
  {
    auto url = parse("postgresql://u@h/db?sslaccept=strict");
    CHECK(keywords(url).at("sslmode") == "verify-full");
    CHECK(keywords(url).at("sslrootcert") == X509_get_default_cert_file());

    url = parse("postgresql://u@h/db?sslmode=require&sslaccept=strict&sslcert=certs/ca.pem");
    CHECK(keywords(url).at("sslmode") == "verify-full");
    CHECK(keywords(url).at("sslrootcert") == "/srv/app/certs/ca.pem");

    url = parse("postgresql://u@h/db?sslmode=disable&sslaccept=strict");
    CHECK(keywords(url).at("sslmode") == "disable");

    url = parse("postgresql://u@h/db?sslmode=verify-ca&sslaccept=strict");
    CHECK(keywords(url).at("sslmode") == "verify-ca");

    url = parse("postgresql://u@h/db?sslaccept=paranoid");
    CHECK(keywords(url).at("sslmode") == "verify-full");
    CHECK(url.warnings == std::vector<std::string>{
                            "DATABASE_URL sslaccept \"paranoid\" is unknown and counts as strict, as in Prisma"});
  }

  SUBCASE("Prisma's sslcert is the server's CA: libpq's sslrootcert")
  {
    const auto url = parse("postgresql://u@h/db?sslmode=require&sslcert=/etc/ssl/db-ca.pem");
    CHECK(keywords(url).at("sslrootcert") == "/etc/ssl/db-ca.pem");
    CHECK(keywords(url).count("sslcert") == 0);
    CHECK(keywords(url).at("sslmode") == "require");
  }

  SUBCASE("pgbouncer=true and unknown parameters are warned about")
  {
    const auto url = parse("postgresql://u@h/db?pgbouncer=true&frobnicate=1");
    CHECK(url.warnings ==
          std::vector<std::string>{
            "DATABASE_URL has pgbouncer=true: migrations take PostgreSQL advisory locks, which a transaction-mode "
            "pooler does not keep; give the migrations a direct connection (directUrl)",
            "DATABASE_URL parameter \"frobnicate\" is ignored: neither Prisma nor PostgreSQL's client knows it"});
    CHECK(keywords(url).count("frobnicate") == 0);
  }

  SUBCASE("a password= parameter is kept for libpq and hidden")
  {
    const auto url = parse("postgresql://u@h/db?password=hunter2&sslmode=disable");
    CHECK(keywords(url).at("password") == "hunter2");
    CHECK(url.redacted == "postgresql://u@h/db?password=****&sslmode=disable");
  }

  SUBCASE("with_database aims the same connection at another database")
  {
    const auto url = parse("postgresql://u:secret@h:5433/rastar?schema=app");
    const auto admin = url.with_database("postgres");
    CHECK(admin.database == "postgres");
    CHECK(keywords(admin).at("dbname") == "postgres");
    CHECK(keywords(admin).at("password") == "secret");
    CHECK(admin.redacted == "postgresql://u:****@h:5433/postgres?schema=app");
    CHECK(url.with_database("my db").redacted == "postgresql://u:****@h:5433/my%20db?schema=app");
    CHECK(keywords(url).at("dbname") == "rastar");
  }
}

TEST_CASE("db::parse_database_url, errors")
{
  SUBCASE("unsupported scheme")
  {
    CHECK_THROWS_WITH_AS(parse("mysql://root:secret@h/db"),
                         "DATABASE_URL: the scheme \"mysql:\" is not supported; use postgresql:// or file:", Error);
    CHECK_THROWS_WITH_AS(parse("prisma+postgres://accelerate.prisma-data.net/?api_key=k"),
                         "DATABASE_URL: the scheme \"prisma+postgres:\" is not supported; use postgresql:// or file:",
                         Error);
  }

  SUBCASE("not a URL at all")
  {
    CHECK_THROWS_WITH_AS(parse("hunter2"),
                         "DATABASE_URL is not a URL; it must look like "
                         "postgresql://USER:PASSWORD@HOST:PORT/DATABASE or file:PATH",
                         Error);
    CHECK_THROWS_WITH_AS(parse(""),
                         "DATABASE_URL is empty; set it to postgresql://USER:PASSWORD@HOST:PORT/DATABASE or file:PATH",
                         Error);
    CHECK_THROWS_WITH_AS(parse("postgresql:u:secret@h/db"),
                         "DATABASE_URL must start with postgresql:// (with two slashes)", Error);
  }

  SUBCASE("no database name")
  {
    CHECK_THROWS_WITH_AS(parse("postgresql://user:secret@host/"),
                         "DATABASE_URL postgresql://user:****@host/ has no database name; add one after the host, "
                         "e.g. /rastar",
                         Error);
    CHECK_THROWS_WITH_AS(parse("postgresql://user:secret@host"),
                         "DATABASE_URL postgresql://user:****@host has no database name; add one after the host, "
                         "e.g. /rastar",
                         Error);
  }

  SUBCASE("Prisma's parameters with values Prisma refuses")
  {
    CHECK_THROWS_WITH_AS(parse("postgresql://u:secret@h/db?connection_limit=ten"),
                         "DATABASE_URL postgresql://u:****@h/db?connection_limit=ten: connection_limit must be a "
                         "whole number, not \"ten\"",
                         Error);
    CHECK_THROWS_WITH_AS(parse("postgresql://u@h/db?pgbouncer=yes"),
                         "DATABASE_URL postgresql://u@h/db?pgbouncer=yes: pgbouncer must be true or false, not \"yes\"",
                         Error);
    CHECK_THROWS_WITH_AS(parse("postgresql://u@h/db?schema="),
                         "DATABASE_URL postgresql://u@h/db?schema= has an empty schema parameter; name a schema or "
                         "leave the parameter out",
                         Error);
    CHECK_THROWS_WITH_AS(parse("postgresql://u@h/db?sslmode=sometimes"),
                         "DATABASE_URL postgresql://u@h/db?sslmode=sometimes: sslmode \"sometimes\" is not one of "
                         "disable, prefer, require, verify-ca, verify-full",
                         Error);
    CHECK_THROWS_WITH_AS(parse("postgresql://u@h/db?connect_timeout=5s"),
                         "DATABASE_URL postgresql://u@h/db?connect_timeout=5s: connect_timeout must be a whole number "
                         "of seconds, not \"5s\"",
                         Error);
  }

  SUBCASE("a PKCS#12 client identity cannot be given to libpq")
  {
    CHECK_THROWS_WITH_AS(parse("postgresql://u:secret@h/db?sslidentity=client.p12&sslpassword=p12pass"),
                         "DATABASE_URL postgresql://u:****@h/db?sslidentity=client.p12&sslpassword=****: sslidentity "
                         "(a PKCS#12 client certificate) cannot be used, since libpq takes only PEM files; connect "
                         "without a client certificate or through a proxy that holds it",
                         Error);
  }

  SUBCASE("libpq's own complaint never shows the password")
  {
    try {
      parse("postgresql://u:bad%zzsecret@h/db");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::config);
      const std::string message = e.what();
      CHECK(message.starts_with("DATABASE_URL postgresql://u:****@h/db cannot be read: "));
      CHECK(message.find("zzsecret") == std::string::npos);
    }
  }
}

TEST_CASE("db::parse_database_url, SQLite")
{
  SUBCASE("relative path against the base directory")
  {
    const auto url = parse("file:./data/rastar.db");
    CHECK(url.provider == db::Provider::sqlite);
    CHECK(url.sqlite_path == "/srv/app/data/rastar.db");
    CHECK(url.redacted == "file:./data/rastar.db");
    CHECK(url.libpq_keywords.empty());
    CHECK(parse("file:dev.db").sqlite_path == "/srv/app/dev.db");
    CHECK(parse("file:../shared/dev.db").sqlite_path == "/srv/shared/dev.db");
  }

  SUBCASE("absolute path kept; parameters stripped")
  {
    CHECK(parse("file:/var/lib/rastar/rastar.db").sqlite_path == "/var/lib/rastar/rastar.db");
    CHECK(parse("file:dev.db?connection_limit=1&socket_timeout=10").sqlite_path == "/srv/app/dev.db");
    CHECK(parse("file:///data/rastar.db").sqlite_path == "/data/rastar.db");
    CHECK(db::provider_name(parse("file:dev.db").provider) == "sqlite");
    CHECK(db::provider_name(db::Provider::postgresql) == "postgresql");
  }

  SUBCASE("parsing does not touch the disk")
  {
    test::TestDirectory directory;
    parse_database_url("file:./missing/dir/rastar.db", directory.path());
    CHECK(!std::filesystem::exists(directory.path() / "missing"));
  }

  SUBCASE("no path")
  {
    CHECK_THROWS_WITH_AS(parse("file:"),
                         "DATABASE_URL \"file:\" names no database file; write file:./data/rastar.db (relative to the "
                         "working directory) or file:/absolute/path.db",
                         Error);
    CHECK_THROWS_WITH_AS(parse("file:?connection_limit=1"),
                         "DATABASE_URL \"file:?connection_limit=1\" names no database file; write "
                         "file:./data/rastar.db (relative to the working directory) or file:/absolute/path.db",
                         Error);
  }
}

TEST_CASE("db::redact_database_url")
{
  SUBCASE("userinfo and password parameters")
  {
    CHECK(db::redact_database_url("postgresql://u:secret@h/db") == "postgresql://u:****@h/db");
    CHECK(db::redact_database_url("postgresql://u@h/db") == "postgresql://u@h/db");
    CHECK(db::redact_database_url("postgresql://u:@h/db") == "postgresql://u:@h/db");
    CHECK(db::redact_database_url("postgresql://h/db?user=u&password=secret") ==
          "postgresql://h/db?user=u&password=****");
    CHECK(db::redact_database_url("file:./dev.db") == "file:./dev.db");
  }

  SUBCASE("a password typed without percent-encoding is still hidden")
  {
    CHECK(db::redact_database_url("postgresql://u:se/cr@et@h:5432/db?schema=app") ==
          "postgresql://u:****@h:5432/db?schema=app");
    CHECK(db::redact_database_url("postgresql://u:se?cret@h/db") == "postgresql://u:****@h/db");
    CHECK(db::redact_database_url("u:secret@h/db") == "u:****@h/db");
  }

  SUBCASE("an @ in a query value hides too much, never too little")
  {
    CHECK(db::redact_database_url("postgresql://u:secret@h/db?application_name=me@x") ==
          "postgresql://u:****@h/db?application_name=me@x");
    const auto redacted = db::redact_database_url("postgresql://u:secret@h/db?sslcert=/a/b@c.pem");
    CHECK(redacted.find("secret") == std::string::npos);
  }
}

TEST_SUITE("postgres")
{
  TEST_CASE("db::DatabaseUrl::libpq_keywords, against the server")
  {
    test::TemporaryDatabase database;
    database.execute("CREATE SCHEMA \"we ird\"\"s\\\"");
    const auto url = parse(database.url("schema=we%20ird%22s%5C&application_name=probe"));
    migrate::PgSession session(url.libpq_keywords);
    CHECK(session.exec("SHOW search_path").text(0, 0) == "\"we ird\"\"s\\\"");
    CHECK(session.exec("SELECT current_schema()").text(0, 0) == "we ird\"s\\");
    CHECK(session.exec("SHOW application_name").text(0, 0) == "probe");
    CHECK(session.exec("SELECT current_database()").text(0, 0) == database.name());

    const auto plain = parse(database.url());
    migrate::PgSession default_session(plain.libpq_keywords);
    CHECK(default_session.exec("SHOW application_name").text(0, 0) == "rastar-init");
    CHECK(default_session.exec("SHOW search_path").text(0, 0) == "\"public\"");
  }
}
