#include <rastar/seed/value_generators.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <regex>
#include <set>
#include <string>

using namespace rastar;

namespace {

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(util::now_utc().time_since_epoch()).count();
}

std::int64_t
from_base(const std::string& digits, int base, const std::string& alphabet)
{
  std::int64_t value = 0;
  for (const char c : digits) {
    value = value * base + static_cast<std::int64_t>(alphabet.find(c));
  }
  return value;
}

template<typename Generate>
void
check_unique(Generate generate)
{
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    seen.insert(generate());
  }
  CHECK(seen.size() == 2000);
}

} // namespace

TEST_CASE("seed::cuid")
{
  const auto before = now_ms();
  const auto id = seed::cuid();
  const auto after = now_ms();
  // c + 8 time digits (until 2059) + 4 counter + 4 fingerprint + 8 random.
  CHECK(std::regex_match(id, std::regex("c[0-9a-z]{24}")));
  const auto time = from_base(id.substr(1, 8), 36, "0123456789abcdefghijklmnopqrstuvwxyz");
  CHECK(time >= before);
  CHECK(time <= after);

  SUBCASE("the counter counts up within a process, the fingerprint stays")
  {
    const auto next = seed::cuid();
    const auto counter = [](const std::string& value) {
      return from_base(value.substr(9, 4), 36, "0123456789abcdefghijklmnopqrstuvwxyz");
    };
    CHECK(counter(next) == (counter(id) + 1) % (36 * 36 * 36 * 36));
    CHECK(next.substr(13, 4) == id.substr(13, 4));
  }
  SUBCASE("unique")
  {
    check_unique([] { return seed::cuid(); });
  }
}

TEST_CASE("seed::cuid2")
{
  CHECK(std::regex_match(seed::cuid2(), std::regex("[a-z][0-9a-z]{23}")));
  CHECK(std::regex_match(seed::cuid2(10), std::regex("[a-z][0-9a-z]{9}")));
  CHECK(std::regex_match(seed::cuid2(32), std::regex("[a-z][0-9a-z]{31}")));
  check_unique([] { return seed::cuid2(); });
}

TEST_CASE("seed::uuid_v4")
{
  CHECK(std::regex_match(seed::uuid_v4(),
                         std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  check_unique([] { return seed::uuid_v4(); });
}

TEST_CASE("seed::uuid_v7")
{
  const auto now = util::now_utc();
  const auto id = seed::uuid_v7(now);
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  const auto millis = from_base(id.substr(0, 8) + id.substr(9, 4), 16, "0123456789abcdef");
  CHECK(millis == std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  check_unique([now] { return seed::uuid_v7(now); });
}

TEST_CASE("seed::nanoid")
{
  CHECK(std::regex_match(seed::nanoid(), std::regex("[A-Za-z0-9_-]{21}")));
  CHECK(std::regex_match(seed::nanoid(8), std::regex("[A-Za-z0-9_-]{8}")));
  check_unique([] { return seed::nanoid(); });

  SUBCASE("every symbol of the URL alphabet turns up")
  {
    std::set<char> symbols;
    for (int i = 0; i < 200; ++i) {
      for (const char c : seed::nanoid()) {
        symbols.insert(c);
      }
    }
    CHECK(symbols.size() == 64);
    const std::string url_safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    CHECK(std::all_of(symbols.begin(), symbols.end(),
                      [&url_safe](char c) { return url_safe.find(c) != std::string::npos; }));
  }
}

TEST_CASE("seed::ulid")
{
  const auto now = util::now_utc();
  const auto id = seed::ulid(now);
  CHECK(std::regex_match(id, std::regex("[0-7][0-9A-HJKMNP-TV-Z]{25}")));
  const auto millis = from_base(id.substr(0, 10), 32, "0123456789ABCDEFGHJKMNPQRSTVWXYZ");
  CHECK(millis == std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  check_unique([now] { return seed::ulid(now); });
}
