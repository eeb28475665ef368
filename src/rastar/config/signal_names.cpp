#include <rastar/config/signal_names.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstring>

namespace rastar::config {

namespace {

constexpr int k_highest_signal = 64;

} // namespace

std::optional<int>
parse_signal(std::string_view text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    int number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size() || number < 1 || number > k_highest_signal) {
      return std::nullopt;
    }
    return number;
  }
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  if (upper.starts_with("SIG")) {
    upper.erase(0, 3);
  }
  for (int number = 1; number < NSIG && number <= k_highest_signal; ++number) {
    // glibc's own abbreviations ("TERM", "USR1"), so the names match kill -l.
    const char* abbreviation = sigabbrev_np(number);
    if (abbreviation && upper == abbreviation) {
      return number;
    }
  }
  return std::nullopt;
}

std::string
signal_name(int signal_number)
{
  const char* abbreviation = sigabbrev_np(signal_number);
  if (!abbreviation) {
    return "signal " + std::to_string(signal_number);
  }
  return std::string("SIG") + abbreviation;
}

} // namespace rastar::config
