#include <rastar/config/duration.hpp>

#include <cstdint>

namespace rastar::config {

namespace {

constexpr std::int64_t k_max_milliseconds = 100LL * 366 * 24 * 3600 * 1000;

bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

// Reads `digits[.digits]` at `i` as thousandths of a unit; nullopt when none.
std::optional<std::int64_t>
read_thousandths(std::string_view text, std::size_t& i)
{
  const std::size_t start = i;
  std::int64_t whole = 0;
  while (i < text.size() && is_digit(text[i])) {
    whole = whole * 10 + (text[i++] - '0');
    if (whole > k_max_milliseconds) {
      return std::nullopt;
    }
  }
  std::int64_t fraction = 0;
  std::int64_t scale = 1000;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      // Digits beyond a thousandth are dropped: nothing here is that fine.
      if (scale > 1) {
        scale /= 10;
        fraction += (text[i] - '0') * scale;
      }
      ++i;
    }
  }
  if (i == start || (i == start + 1 && text[start] == '.')) {
    return std::nullopt;
  }
  return whole * 1000 + fraction;
}

} // namespace

std::optional<std::chrono::milliseconds>
parse_duration(std::string_view text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  std::size_t i = 0;
  std::int64_t total = 0;
  bool bare = true;
  while (i < text.size()) {
    const auto amount = read_thousandths(text, i);
    if (!amount) {
      return std::nullopt;
    }
    std::int64_t unit_millis = 0;
    if (text.substr(i, 2) == "ms") {
      unit_millis = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit_millis = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit_millis = 60'000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit_millis = 3'600'000;
      ++i;
    } else if (i == text.size() && bare) {
      unit_millis = 1000; // a bare number counts seconds
    } else {
      return std::nullopt;
    }
    bare = false;
    if (*amount > k_max_milliseconds / unit_millis) {
      return std::nullopt;
    }
    total += *amount * unit_millis / 1000;
    if (total > k_max_milliseconds) {
      return std::nullopt;
    }
  }
  return std::chrono::milliseconds(total);
}

std::string
format_duration(std::chrono::milliseconds duration)
{
  std::int64_t rest = duration.count();
  if (rest == 0) {
    return "0s";
  }
  std::string text;
  if (rest < 0) {
    text = "-";
    rest = -rest;
  }
  const std::pair<std::int64_t, const char*> units[] = {
    {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (rest >= size) {
      text += std::to_string(rest / size) + name;
      rest %= size;
    }
  }
  return text;
}

} // namespace rastar::config
