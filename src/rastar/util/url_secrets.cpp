#include <rastar/util/url_secrets.hpp>

#include <array>
#include <string>

namespace rastar::util {

namespace {

constexpr std::array<std::string_view, 2> k_secret_parameters{"password", "sslpassword"};

} // namespace

std::vector<TextSpan>
url_secret_spans(std::string_view url)
{
  std::vector<TextSpan> spans;
  const auto scheme_end = url.find("://");
  const std::size_t rest_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;

  // The query starts at the first `?` after the last `/`, so that a `?` or a
  // `/` typed unencoded inside the password still counts as userinfo. When a
  // query value holds a `@` (a path, an application name), this errs towards
  // hiding too much, never too little.
  const auto last_slash = url.rfind('/');
  auto query_start =
    url.find('?', last_slash == std::string_view::npos || last_slash < rest_start ? rest_start : last_slash);
  if (query_start == std::string_view::npos) {
    query_start = url.size();
  }

  // Without `://` (a mistyped URL), `user:secret@host` is still hidden.
  const auto at = url.substr(0, query_start).rfind('@');
  if (at != std::string_view::npos && at > rest_start) {
    const auto colon = url.find(':', rest_start);
    if (colon != std::string_view::npos && colon < at && at > colon + 1) {
      spans.push_back({colon + 1, at - colon - 1});
    }
  }

  // `password=...` and `sslpassword=...` up to the next `&`, wherever they
  // follow a `?` or `&`: a query value may hold a `/` (host=/run/postgresql),
  // so the query's start is not searched for here.
  for (std::size_t separator = url.find_first_of("?&", rest_start); separator != std::string_view::npos;
       separator = url.find_first_of("?&", separator + 1)) {
    const auto name_start = separator + 1;
    for (const auto secret : k_secret_parameters) {
      if (url.substr(name_start).starts_with(secret) && name_start + secret.size() < url.size() &&
          url[name_start + secret.size()] == '=') {
        const auto value_start = name_start + secret.size() + 1;
        auto value_end = url.find('&', value_start);
        if (value_end == std::string_view::npos) {
          value_end = url.size();
        }
        if (value_end > value_start) {
          spans.push_back({value_start, value_end - value_start});
        }
      }
    }
  }
  return spans;
}

} // namespace rastar::util
