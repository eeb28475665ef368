#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

// Where the secrets sit inside a URL-like string, so that a log line, an error
// or argv can hide them without parsing the URL for real (a URL can be broken
// in any way and must still not leak its password).

namespace rastar::util {

struct TextSpan
{
  std::size_t offset = 0;
  std::size_t length = 0;
};

// The spans of `url` that hold a secret: the password of the userinfo
// (`scheme://user:SECRET@host`) and the value of every `password=` and
// `sslpassword=` query parameter. A password that holds unencoded `@`, `/`
// or `?` is still covered: the userinfo ends at the last `@` before the query.
std::vector<TextSpan>
url_secret_spans(std::string_view url);

} // namespace rastar::util
