#include <rastar/util/sha256.hpp>
#include <rastar/util/time.hpp>
#include <rastar/util/uuid.hpp>

#include <doctest/doctest.h>

#include <regex>

using namespace rastar;

TEST_CASE("util::sha256_hex")
{
  CHECK(util::sha256_hex("hello") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  CHECK(util::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("util::uuid_v4")
{
  const auto id = util::uuid_v4();
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  CHECK(util::uuid_v4() != id);
}

TEST_CASE("util time formats")
{
  const util::SystemTime time{std::chrono::microseconds(1766141750794337)};
  CHECK(util::iso8601_utc(time) == "2025-12-19T10:55:50.794337Z");
  CHECK(util::prisma_display_utc(time) == "2025-12-19 10:55:50.794337 UTC");
  CHECK(util::unix_millis(time) == 1766141750794);
  const util::SystemTime whole_millis{std::chrono::microseconds(1766141750794000)};
  CHECK(util::prisma_display_utc(whole_millis) == "2025-12-19 10:55:50.794 UTC");
  const util::SystemTime whole_seconds{std::chrono::microseconds(1766141750000000)};
  CHECK(util::prisma_display_utc(whole_seconds) == "2025-12-19 10:55:50 UTC");
}
