#include <rastar/util/utf8.hpp>

#include <doctest/doctest.h>

using rastar::util::replace_invalid_utf8;

TEST_CASE("util::replace_invalid_utf8")
{
  SUBCASE("valid UTF-8, a BOM included, is left alone")
  {
    CHECK_FALSE(replace_invalid_utf8("").has_value());
    CHECK_FALSE(replace_invalid_utf8("\xef\xbb\xbf" "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac").has_value());
  }

  SUBCASE("each maximal invalid subpart becomes one U+FFFD, as Node's decoder does")
  {
    CHECK(replace_invalid_utf8("caf\xe9") == "caf\xef\xbf\xbd");
    CHECK(replace_invalid_utf8("a\xe2\x82") == "a\xef\xbf\xbd");             // truncated: one
    CHECK(replace_invalid_utf8("\xe2\x82z") == "\xef\xbf\xbdz");             // the next byte is kept
    CHECK(replace_invalid_utf8("\xf0\x9f\x98" "A") == "\xef\xbf\xbd" "A");
    CHECK(replace_invalid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");   // overlong: two
    CHECK(replace_invalid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // a surrogate: three
    CHECK(replace_invalid_utf8("\xf4\x90\x80\x80") ==
          "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // above U+10FFFF
    CHECK(replace_invalid_utf8("\x80x\xff") == "\xef\xbf\xbdx\xef\xbf\xbd");
  }
}
