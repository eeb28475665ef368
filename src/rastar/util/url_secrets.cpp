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

  // Query parameters: `password=...` and `sslpassword=...`, up to the next `&`.
  std::size_t position = query_start;
  while (position < url.size()) {
    const auto name_start = position + 1;
    auto end = url.find('&', name_start);
    if (end == std::string_view::npos) {
      end = url.size();
    }
    const auto pair = url.substr(name_start, end - name_start);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && equals + 1 < pair.size()) {
      const auto name = pair.substr(0, equals);
      for (const auto secret : k_secret_parameters) {
        if (name == secret) {
          spans.push_back({name_start + equals + 1, pair.size() - equals - 1});
        }
      }
    }
    position = end;
  }
  return spans;
}

} // namespace rastar::util
