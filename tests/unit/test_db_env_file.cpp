#include "test_support.hpp"

#include <rastar/db/env_file.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace rastar;
using Values = std::map<std::string, std::string>;

namespace {

std::optional<std::string>
no_environment(const std::string&)
{
  return std::nullopt;
}

Values
parse(std::string_view text)
{
  return db::parse_env_text(text, no_environment);
}

} // namespace

TEST_CASE("db::parse_env_text")
{
  SUBCASE("KEY=VALUE, export, comments, white space")
  {
    CHECK(parse("# a comment\n"
                "DATABASE_URL=postgresql://u:p@h/db\n"
                "  export   SHADOW_URL = postgresql://s@h/shadow   # trailing comment\n"
                "\n"
                "EMPTY=\n"
                "YAML_STYLE: value\n"
                "not an assignment\n"
                "DOTTED.KEY-1=x\r\n") == Values{{"DATABASE_URL", "postgresql://u:p@h/db"},
                                                {"SHADOW_URL", "postgresql://s@h/shadow"},
                                                {"EMPTY", ""},
                                                {"YAML_STYLE", "value"},
                                                {"DOTTED.KEY-1", "x"}});
  }

  SUBCASE("an unquoted value ends at #, a quoted one keeps it")
  {
    CHECK(parse("A=pass#word\nB=\"pass#word\"\nC='pass#word' # c\n") ==
          Values{{"A", "pass"}, {"B", "pass#word"}, {"C", "pass#word"}});
  }

  SUBCASE("quotes: \\n expands in double quotes only; values may span lines")
  {
    CHECK(parse("D=\"one\\ntwo\"\nS='one\\ntwo'\nB=`back 'and' \"quotes\"`\nM=\"line 1\nline 2\"\nN=after\n") ==
          Values{{"D", "one\ntwo"},
                 {"S", "one\\ntwo"},
                 {"B", "back 'and' \"quotes\""},
                 {"M", "line 1\nline 2"},
                 {"N", "after"}});
  }

  SUBCASE("an unclosed quote is read as unquoted text")
  {
    CHECK(parse("A=\"open\nB=2\n") == Values{{"A", "\"open"}, {"B", "2"}});
  }

  SUBCASE("the last assignment of a key wins")
  {
    CHECK(parse("A=1\nA=2\n") == Values{{"A", "2"}});
  }

  SUBCASE("${VAR} expands from the environment first, then from the file")
  {
    const auto lookup = [](const std::string& name) -> std::optional<std::string> {
      if (name == "DB_HOST") {
        return "from-env";
      }
      return std::nullopt;
    };
    CHECK(db::parse_env_text("DB_HOST=from-file\n"
                             "DB_USER=rastar\n"
                             "DATABASE_URL=\"postgresql://${DB_USER}@${DB_HOST}/$DB_NAME\"\n"
                             "WITH_DEFAULT=${DB_PORT:-5432}\n"
                             "LITERAL='${DB_USER}'\n"
                             "DOLLAR=pa\\$word\n",
                             lookup) == Values{{"DB_HOST", "from-file"},
                                               {"DB_USER", "rastar"},
                                               {"DATABASE_URL", "postgresql://rastar@from-env/"},
                                               {"WITH_DEFAULT", "5432"},
                                               {"LITERAL", "${DB_USER}"},
                                               {"DOLLAR", "pa$word"}});
  }
}

TEST_CASE("db::read_env_file")
{
  test::TestDirectory directory;

  SUBCASE("missing file")
  {
    CHECK(!db::read_env_file(directory.path() / ".env", no_environment));
  }

  SUBCASE("a file is read")
  {
    test::write_file(directory.path() / ".env", "DATABASE_URL=\"file:./dev.db\"\n");
    CHECK(db::read_env_file(directory.path() / ".env", no_environment) == Values{{"DATABASE_URL", "file:./dev.db"}});
  }

  SUBCASE("a file that cannot be read")
  {
    std::filesystem::create_directories(directory.path() / ".env");
    const auto expected = (directory.path() / ".env").string() + " is a directory; a .env must be a file";
    CHECK_THROWS_WITH_AS(db::read_env_file(directory.path() / ".env", no_environment), expected.c_str(), Error);
  }
}
