#include <rastar/migrate/migration_order.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#ifdef RASTAR_TEST_WITH_ICU
#include <unicode/ucol.h>
#endif

using rastar::migrate::compare_migration_names;
using rastar::migrate::has_non_ascii;

namespace {

int
sign_of(int value)
{
  return (value > 0) - (value < 0);
}

bool
less(const std::string& a, const std::string& b)
{
  return compare_migration_names(a, b) < 0;
}

std::string
printable_ascii()
{
  std::string characters;
  for (char c = ' '; c <= '~'; ++c) {
    characters.push_back(c);
  }
  return characters;
}

// Names like the ones found in real Prisma histories, plus random printable
// ASCII, from a fixed seed so a failure reproduces.
std::vector<std::string>
random_names(std::size_t count)
{
  std::mt19937 random(20250221);
  const std::string printable = printable_ascii();
  const std::string name_characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- .";
  auto pick = [&](const std::string& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random)];
  };
  auto number = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  auto word = [&](int length) {
    std::string text;
    for (int i = 0; i < length; ++i) {
      text.push_back(pick(name_characters));
    }
    return text;
  };
  auto digits = [&](int length) {
    std::string text;
    for (int i = 0; i < length; ++i) {
      text.push_back(static_cast<char>('0' + number(0, 9)));
    }
    return text;
  };

  std::vector<std::string> names;
  while (names.size() < count) {
    std::string name;
    switch (number(0, 6)) {
    case 0: { // any printable ASCII
      const int length = number(1, 30);
      for (int i = 0; i < length; ++i) {
        name.push_back(pick(printable));
      }
      break;
    }
    case 1: // 20250221232355_add_user
      name = "2025" + digits(number(4, 10)) + "_" + word(number(1, 15));
      break;
    case 2: // 01_init
      name = digits(2) + "_" + word(number(1, 10));
      break;
    case 3: // 20240101000000_new_models copy
      name = "2024" + digits(10) + "_" + word(number(1, 8)) + (number(0, 1) == 0 ? " copy" : " Copy 2");
      break;
    case 4: // 20240101000000_init.sql
      name = "2024" + digits(number(4, 10)) + "_" + word(number(1, 8)) + ".sql";
      break;
    case 5: // hyphens and mixed case: 2024-01-01-AddUser
      name = "2024-" + digits(2) + "-" + digits(2) + (number(0, 1) == 0 ? "-" : "_") + word(number(1, 12));
      break;
    default: // short names over few characters, where ties and prefixes are common
      for (int i = number(1, 6); i > 0; --i) {
        name.push_back(pick("aA_-. 0Zz"));
      }
      break;
    }
    names.push_back(name.substr(0, 30));
  }
  return names;
}

#ifdef RASTAR_TEST_WITH_ICU
// ICU's root collator with default attributes: what Node's localeCompare uses
// when no locale is given and none is set.
class IcuRoot
{
public:
  IcuRoot()
  {
    UErrorCode status = U_ZERO_ERROR;
    m_collator = ucol_open("", &status);
    REQUIRE(U_SUCCESS(status));
  }
  ~IcuRoot()
  {
    ucol_close(m_collator);
  }
  IcuRoot(const IcuRoot&) = delete;
  IcuRoot& operator=(const IcuRoot&) = delete;

  int
  compare(const std::string& a, const std::string& b) const
  {
    UErrorCode status = U_ZERO_ERROR;
    const auto result = ucol_strcollUTF8(m_collator,
                                         a.data(),
                                         static_cast<int32_t>(a.size()),
                                         b.data(),
                                         static_cast<int32_t>(b.size()),
                                         &status);
    REQUIRE(U_SUCCESS(status));
    return sign_of(static_cast<int>(result));
  }

private:
  UCollator* m_collator = nullptr;
};
#endif

} // namespace

TEST_CASE("migrate::compare_migration_names")
{
  SUBCASE("a date-only prefix sorts before a longer timestamp (underscore before digits), unlike byte order")
  {
    CHECK(compare_migration_names("20250221_library_watcher", "20250221232355_add_x") < 0);
    CHECK(compare_migration_names("20250221232355_add_x", "20250221_library_watcher") > 0);
    CHECK(std::string("20250221_library_watcher") > std::string("20250221232355_add_x"));
  }

  SUBCASE("the primary groups: whitespace, punctuation, symbols, digits, letters")
  {
    std::vector<std::string> names = {"a", "0", "$", "_", " ", "\t", "-", "Z", "9", "z"};
    std::sort(names.begin(), names.end(), less);
    CHECK(names == std::vector<std::string>{"\t", " ", "_", "-", "$", "0", "9", "a", "z", "Z"});
  }

  SUBCASE("case is compared after the whole name: lowercase first, only on a tie")
  {
    CHECK(compare_migration_names("a", "A") < 0);
    CHECK(compare_migration_names("Ab", "ab") > 0);
    CHECK(compare_migration_names("Ab", "ac") < 0);
    CHECK(compare_migration_names("aB", "Ab") < 0);
    CHECK(compare_migration_names("A", "ab") < 0);
  }

  SUBCASE("a prefix sorts first; equal names compare equal")
  {
    CHECK(compare_migration_names("01_init", "01_init_2") < 0);
    CHECK(compare_migration_names("", "a") < 0);
    CHECK(compare_migration_names("01_init", "01_init") == 0);
    CHECK(compare_migration_names("", "") == 0);
  }

  SUBCASE("names with spaces, .sql suffixes and hyphens")
  {
    CHECK(compare_migration_names("20240101000000_new_models copy", "20240101000000_new_models") > 0);
    CHECK(compare_migration_names("20240101000000_new_models copy", "20240101000000_new_models_2") < 0);
    CHECK(compare_migration_names("20240101000000_init.sql", "20240101000000_init_2") > 0);
    CHECK(compare_migration_names("2024-01-01", "2024_01_01") > 0);
  }

  SUBCASE("ignorable control characters only break ties, by bytes")
  {
    CHECK(compare_migration_names("a\x01" "b", "ab") < 0);
    CHECK(compare_migration_names("ab", "a\x01" "b") > 0);
    CHECK(compare_migration_names("a\x01" "c", "ab") > 0);
  }

  SUBCASE("characters beyond ASCII follow every ASCII letter, by code point")
  {
    CHECK(compare_migration_names("\xc3\xa9", "z") > 0);           // é
    CHECK(compare_migration_names("\xc3\xa9", "Z") > 0);
    CHECK(compare_migration_names("\xc3\xa9", "\xe2\x82\xac") < 0); // é before €
    CHECK(compare_migration_names("\xe2\x82\xac", "\xf0\x9f\x98\x80") < 0); // € before 😀
    CHECK(compare_migration_names("a\xc3\xa9", "b") < 0);           // the first character still decides
    CHECK(compare_migration_names("\xff", "\xf0\x9f\x98\x80") > 0); // invalid UTF-8 after every code point
    CHECK(compare_migration_names("\xc3", "\xc3\xa9") > 0);         // a truncated sequence is an invalid byte
  }

  SUBCASE("a strict weak order on a sorted sample")
  {
    auto names = random_names(400);
    names.push_back("a\x01" "b");
    names.push_back("ab");
    names.push_back("\xc3\xa9t\xc3\xa9");
    std::sort(names.begin(), names.end(), less);
    for (std::size_t i = 0; i < names.size(); ++i) {
      CHECK_FALSE(less(names[i], names[i]));
      for (std::size_t j = i + 1; j < names.size(); ++j) {
        const int forward = compare_migration_names(names[i], names[j]);
        const int backward = compare_migration_names(names[j], names[i]);
        INFO(names[i], " / ", names[j]);
        REQUIRE(forward <= 0);
        REQUIRE(sign_of(backward) == -sign_of(forward));
        REQUIRE((forward == 0) == (names[i] == names[j]));
      }
    }
  }

#ifdef RASTAR_TEST_WITH_ICU
  const IcuRoot icu;

  SUBCASE("equal to ICU for every ordered pair of printable ASCII characters")
  {
    const std::string printable = printable_ascii();
    int compared = 0;
    for (const char x : printable) {
      for (const char y : printable) {
        const std::string a(1, x);
        const std::string b(1, y);
        INFO("'", a, "' vs '", b, "'");
        REQUIRE(sign_of(compare_migration_names(a, b)) == icu.compare(a, b));
        ++compared;
      }
    }
    CHECK(compared == 95 * 95);
  }

  SUBCASE("equal to ICU for every pair of two-character names over a representative alphabet")
  {
    const std::string alphabet = " \t-_.,;!'()@*/&#%`^+<=>|~$0159aAbzZ";
    std::vector<std::string> names;
    for (const char x : alphabet) {
      names.emplace_back(1, x);
      for (const char y : alphabet) {
        names.push_back(std::string{x, y});
      }
    }
    for (const auto& a : names) {
      for (const auto& b : names) {
        INFO("'", a, "' vs '", b, "'");
        REQUIRE(sign_of(compare_migration_names(a, b)) == icu.compare(a, b));
      }
    }
  }

  SUBCASE("equal to ICU for the whitespace control characters, and where ICU ignores the others")
  {
    for (int x = 0; x < 128; ++x) {
      for (int y = 0; y < 128; ++y) {
        const std::string a = "m" + std::string(1, static_cast<char>(x)) + "n";
        const std::string b = "m" + std::string(1, static_cast<char>(y)) + "n";
        const int ours = sign_of(compare_migration_names(a, b));
        const int theirs = icu.compare(a, b);
        INFO(x, " vs ", y);
        if (theirs == 0) {
          // ICU calls names that differ only in ignorable characters equal; we add byte order.
          REQUIRE(ours == sign_of(a.compare(b)));
        } else {
          REQUIRE(ours == theirs);
        }
      }
    }
  }

  SUBCASE("equal to ICU for thousands of random and migration-like names")
  {
    const auto names = random_names(4000);
    std::mt19937 random(6);
    std::uniform_int_distribution<std::size_t> index(0, names.size() - 1);
    int compared = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      for (const auto& other : {names[(i + 1) % names.size()], names[index(random)], names[index(random)]}) {
        INFO("'", names[i], "' vs '", other, "'");
        REQUIRE(sign_of(compare_migration_names(names[i], other)) == icu.compare(names[i], other));
        ++compared;
      }
    }
    CHECK(compared == 12000);
  }

  SUBCASE("a list sorted by us is sorted for ICU, the real pair included")
  {
    auto names = random_names(2000);
    names.push_back("20250221_library_watcher");
    names.push_back("20250221232355_add_x");
    std::sort(names.begin(), names.end(), less);
    for (std::size_t i = 1; i < names.size(); ++i) {
      INFO("'", names[i - 1], "' then '", names[i], "'");
      REQUIRE(icu.compare(names[i - 1], names[i]) <= 0);
    }
    CHECK(icu.compare("20250221_library_watcher", "20250221232355_add_x") < 0);
  }
#endif
}

TEST_CASE("migrate::has_non_ascii")
{
  CHECK_FALSE(has_non_ascii("20250221232355_add_x"));
  CHECK_FALSE(has_non_ascii("20240101000000_new_models copy"));
  CHECK_FALSE(has_non_ascii(printable_ascii()));
  CHECK_FALSE(has_non_ascii(""));
  CHECK(has_non_ascii("20240101000000_caf\xc3\xa9"));
  CHECK(has_non_ascii("tab\there"));
  CHECK(has_non_ascii("del\x7f"));
  CHECK(has_non_ascii("\xff"));
}
