#include <rastar/util/time.hpp>

#include <fmt/format.h>

#include <ctime>

namespace rastar::util {

namespace {

struct Split
{
  std::tm calendar{};
  std::int64_t micros = 0;
};

Split
split(SystemTime time)
{
  const auto since_epoch = time.time_since_epoch().count();
  auto seconds = since_epoch / 1'000'000;
  auto micros = since_epoch % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  Split result;
  const std::time_t as_time_t = static_cast<std::time_t>(seconds);
  gmtime_r(&as_time_t, &result.calendar);
  result.micros = micros;
  return result;
}

std::string
date_and_time(const std::tm& c, char separator)
{
  return fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}",
                     c.tm_year + 1900, c.tm_mon + 1, c.tm_mday, separator,
                     c.tm_hour, c.tm_min, c.tm_sec);
}

} // namespace

SystemTime
now_utc()
{
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::int64_t
unix_millis(SystemTime time)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::string
iso8601_utc(SystemTime time)
{
  const auto parts = split(time);
  return fmt::format("{}.{:06}Z", date_and_time(parts.calendar, 'T'), parts.micros);
}

std::string
prisma_display_utc(SystemTime time)
{
  const auto parts = split(time);
  std::string fraction;
  if (parts.micros == 0) {
    fraction = "";
  } else if (parts.micros % 1000 == 0) {
    fraction = fmt::format(".{:03}", parts.micros / 1000);
  } else {
    fraction = fmt::format(".{:06}", parts.micros);
  }
  return fmt::format("{}{} UTC", date_and_time(parts.calendar, ' '), fraction);
}

} // namespace rastar::util
