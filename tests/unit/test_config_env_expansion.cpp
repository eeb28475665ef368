#include <rastar/config/env_expansion.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

using namespace rastar::config;

namespace {

EnvironmentLookup
lookup_in(std::map<std::string, std::string> variables)
{
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

const EnvironmentLookup k_lookup = lookup_in({{"HOST", "db"}, {"EMPTY", ""}, {"PORT", "5432"}});

std::string
expand(std::string_view text)
{
  return expand_variables(text, k_lookup).text;
}

// The message and offset of the expansion error `text` raises.
std::pair<std::string, std::size_t>
failure(std::string_view text)
{
  try {
    expand_variables(text, k_lookup);
  } catch (const ExpansionError& e) {
    return {e.what(), e.offset()};
  }
  FAIL("no error for ", text);
  return {};
}

} // namespace

TEST_CASE("config::expand_variables")
{
  SUBCASE("plain text and $$ stay as written")
  {
    CHECK(expand("no variables here") == "no variables here");
    CHECK(expand("cost: $$5, $$HOST") == "cost: $5, $HOST");
    CHECK(expand("") == "");
  }

  SUBCASE("$VAR and ${VAR}")
  {
    CHECK(expand("postgresql://${HOST}:$PORT/app") == "postgresql://db:5432/app");
    CHECK(expand("$HOST-x") == "db-x");
    CHECK(expand("${EMPTY}") == "");
  }

  SUBCASE("unset variables give an empty string and are reported")
  {
    const auto result = expand_variables("a${MISSING}b$ALSO_MISSING", k_lookup);
    CHECK(result.text == "ab");
    CHECK(result.unset_variables == std::vector<std::string>{"MISSING", "ALSO_MISSING"});
    CHECK(expand_variables("${HOST}", k_lookup).unset_variables.empty());
  }

  SUBCASE("defaults: with a colon empty counts as unset, without only unset does")
  {
    CHECK(expand("${MISSING:-fallback}") == "fallback");
    CHECK(expand("${EMPTY:-fallback}") == "fallback");
    CHECK(expand("${HOST:-fallback}") == "db");
    CHECK(expand("${MISSING-fallback}") == "fallback");
    CHECK(expand("${EMPTY-fallback}") == "");
    CHECK(expand("${MISSING:-}") == "");
    CHECK(expand_variables("${MISSING:-x}", k_lookup).unset_variables.empty());
  }

  SUBCASE("defaults nest and may hold $$ and }")
  {
    CHECK(expand("${MISSING:-${HOST}:${PORT}}") == "db:5432");
    CHECK(expand("${MISSING:-${ALSO:-deep}}") == "deep");
    CHECK(expand("${MISSING:-$$x}") == "$x");
    CHECK(expand("${MISSING:-a}}") == "a}");
  }

  SUBCASE("replacements")
  {
    CHECK(expand("${HOST:+set}") == "set");
    CHECK(expand("${EMPTY:+set}") == "");
    CHECK(expand("${EMPTY+set}") == "set");
    CHECK(expand("${MISSING+set}") == "");
  }

  SUBCASE("required variables")
  {
    CHECK(expand("${HOST:?needed}") == "db");
    CHECK(expand("${EMPTY?needed}") == "");
    CHECK(failure("url: ${MISSING:?set it to the database URL}") ==
          std::pair<std::string, std::size_t>{"required variable MISSING is missing a value: set it to the database URL",
                                              5});
    CHECK(failure("${EMPTY:?}") ==
          std::pair<std::string, std::size_t>{"required variable EMPTY is missing a value", 0});
    CHECK(failure("${MISSING?no ${HOST}}").first == "required variable MISSING is missing a value: no db");
  }

  SUBCASE("malformed references")
  {
    CHECK(failure("pa$5word") ==
          std::pair<std::string, std::size_t>{
            "\"$\" is not followed by a variable name; write \"$$\" for a literal \"$\"", 2});
    CHECK(failure("end$").second == 3);
    CHECK(failure("x ${HOST") == std::pair<std::string, std::size_t>{"\"${\" has no closing \"}\"", 2});
    CHECK(failure("${}") ==
          std::pair<std::string, std::size_t>{
            "\"${}\" has no valid variable name (letters, digits and \"_\", not starting with a digit)", 0});
    CHECK(failure("${1ST}").first ==
          "\"${1ST}\" has no valid variable name (letters, digits and \"_\", not starting with a digit)");
    CHECK(failure("${HOST:x}").first ==
          "\"${HOST:x}\": expected \"}\", \":-\", \"-\", \":?\", \"?\", \":+\" or \"+\" after the variable name");
    CHECK(failure("${HOST/a/b}").first ==
          "\"${HOST/a/b}\": expected \"}\", \":-\", \"-\", \":?\", \"?\", \":+\" or \"+\" after the variable name");
  }

  SUBCASE("an error inside a default points into the default")
  {
    CHECK(failure("${MISSING:-a$}") ==
          std::pair<std::string, std::size_t>{
            "\"$\" is not followed by a variable name; write \"$$\" for a literal \"$\"", 12});
  }
}

TEST_CASE("config::process_environment")
{
  ::setenv("RASTAR_TEST_EXPANSION", "from the process", 1);
  ::unsetenv("RASTAR_TEST_EXPANSION_UNSET");
  const auto lookup = process_environment();
  CHECK(lookup("RASTAR_TEST_EXPANSION") == "from the process");
  CHECK(lookup("RASTAR_TEST_EXPANSION_UNSET") == std::nullopt);
  CHECK(expand_variables("${RASTAR_TEST_EXPANSION}!", lookup).text == "from the process!");
}
