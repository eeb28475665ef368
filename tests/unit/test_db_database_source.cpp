#include "test_support.hpp"

#include <rastar/db/database_source.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

using namespace rastar;

namespace {

// Sets or unsets a variable for the life of the object.
class ScopedVariable
{
public:
  ScopedVariable(std::string name, const char* value)
    : m_name(std::move(name))
  {
    if (const char* old = std::getenv(m_name.c_str())) {
      m_old = old;
    }
    if (value) {
      setenv(m_name.c_str(), value, 1);
    } else {
      unsetenv(m_name.c_str());
    }
  }

  ~ScopedVariable()
  {
    if (m_old) {
      setenv(m_name.c_str(), m_old->c_str(), 1);
    } else {
      unsetenv(m_name.c_str());
    }
  }

  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

private:
  std::string m_name;
  std::optional<std::string> m_old;
};

} // namespace

TEST_CASE("db::find_database_url")
{
  test::TestDirectory directory;
  ScopedVariable url_variable("RASTAR_TEST_URL", nullptr);
  ScopedVariable file_variable("RASTAR_TEST_URL_FILE", nullptr);
  db::DatabaseSourceRequest request;
  request.variable = "RASTAR_TEST_URL";
  request.env_directory = directory.path() / "prisma";
  const auto env_path = (directory.path() / "prisma" / ".env").string();
  test::write_file(env_path, "RASTAR_TEST_URL=\"postgresql://from-dotenv/db\"\n");
  const auto secret_path = (directory.path() / "secret").string();
  test::write_file(secret_path, "postgresql://from-secret/db\n");

  SUBCASE("an explicit value wins over everything")
  {
    ScopedVariable set("RASTAR_TEST_URL", "postgresql://from-env/db");
    request.explicit_url = "postgresql://from-flag/db";
    const auto source = db::find_database_url(request);
    CHECK(source.url == "postgresql://from-flag/db");
    CHECK(source.origin == "--url");
  }

  SUBCASE("the environment wins over the secret file and .env")
  {
    ScopedVariable set("RASTAR_TEST_URL", "postgresql://from-env/db");
    ScopedVariable set_file("RASTAR_TEST_URL_FILE", secret_path.c_str());
    const auto source = db::find_database_url(request);
    CHECK(source.url == "postgresql://from-env/db");
    CHECK(source.origin == "the environment variable RASTAR_TEST_URL");
  }

  SUBCASE("<VAR>_FILE, one trailing newline trimmed")
  {
    ScopedVariable set_file("RASTAR_TEST_URL_FILE", secret_path.c_str());
    const auto source = db::find_database_url(request);
    CHECK(source.url == "postgresql://from-secret/db");
    CHECK(source.origin == "the file " + secret_path + " (RASTAR_TEST_URL_FILE)");
  }

  SUBCASE("an empty variable counts as unset")
  {
    ScopedVariable set("RASTAR_TEST_URL", "");
    CHECK(db::find_database_url(request).url == "postgresql://from-dotenv/db");
  }

  SUBCASE(".env beside the schema")
  {
    const auto source = db::find_database_url(request);
    CHECK(source.url == "postgresql://from-dotenv/db");
    CHECK(source.origin == env_path);
  }

  SUBCASE("an unreadable secret file")
  {
    ScopedVariable set_file("RASTAR_TEST_URL_FILE", "/nonexistent/secret");
    CHECK_THROWS_WITH_AS(db::find_database_url(request),
                         "RASTAR_TEST_URL_FILE names a file that cannot be read: /nonexistent/secret: cannot read: No "
                         "such file or directory",
                         Error);
  }

  SUBCASE("nowhere: the error says where it looked")
  {
    test::write_file(env_path, "OTHER=1\n");
    const auto not_set_there = "no database URL: RASTAR_TEST_URL and RASTAR_TEST_URL_FILE are not set, and " +
                               env_path + " does not set it; set RASTAR_TEST_URL (or pass --url)";
    CHECK_THROWS_WITH_AS(db::find_database_url(request), not_set_there.c_str(), Error);
    std::filesystem::remove(env_path);
    const auto no_file = "no database URL: RASTAR_TEST_URL and RASTAR_TEST_URL_FILE are not set, and there is no " +
                         env_path + "; set RASTAR_TEST_URL (or pass --url)";
    CHECK_THROWS_WITH_AS(db::find_database_url(request), no_file.c_str(), Error);
    request.env_directory.reset();
    CHECK_THROWS_WITH_AS(db::find_database_url(request),
                         "no database URL: RASTAR_TEST_URL and RASTAR_TEST_URL_FILE are not set, and no schema was "
                         "named to look for a .env beside it; set RASTAR_TEST_URL (or pass --url)",
                         Error);
  }
}

TEST_CASE("rastar-init wait, where the URL comes from")
{
  test::TestDirectory directory;
  SUBCASE(".env beside --schema, relative file: against the working directory")
  {
    test::write_file(directory.path() / "prisma" / "schema.prisma", "");
    test::write_file(directory.path() / "prisma" / ".env", "DATABASE_URL=file:./dev.db\n");
    test::write_file(directory.path() / "prisma" / "dev.db", "");
    const auto result = test::run_rastar({"wait", "--schema", "prisma/schema.prisma"},
                                         {{"DATABASE_URL", std::nullopt}, {"DATABASE_URL_FILE", std::nullopt}});
    CHECK(result.exit_code == 0);
    const auto in_cwd = (directory.path() / "dev.db").string();
    const auto beside = (directory.path() / "prisma" / "dev.db").string();
    CHECK(result.err == "rastar-init: warning: file:./dev.db is relative to the working directory and names " +
                          in_cwd + ", which does not exist; " + beside +
                          " (beside the schema, where the Prisma CLI looks) does\n"
                          "rastar-init: nothing to wait for: the database is the SQLite file " +
                          in_cwd + "\n");
  }

  SUBCASE("nothing set: configuration error 78")
  {
    const auto result =
      test::run_rastar({"wait"}, {{"DATABASE_URL", std::nullopt}, {"DATABASE_URL_FILE", std::nullopt}});
    CHECK(result.exit_code == 78);
    CHECK(result.err == "rastar-init: error: no database URL: DATABASE_URL and DATABASE_URL_FILE are not set, and "
                        "no schema was named to look for a .env beside it; set DATABASE_URL (or pass --url)\n");
  }

  SUBCASE("an unsupported URL: configuration error 78, password never shown")
  {
    const auto result = test::run_rastar({"wait"}, {{"DATABASE_URL", "mysql://root:hunter2@db/rastar"}});
    CHECK(result.exit_code == 78);
    CHECK(result.err ==
          "rastar-init: error: DATABASE_URL: the scheme \"mysql:\" is not supported; use postgresql:// or file:\n");
  }
}
