#include <rastar/seed/field_values.hpp>

#include <rastar/seed/value_generators.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>

namespace rastar::seed {

namespace {

SqlParameter
text_parameter(std::string text)
{
  return SqlParameter{SqlParameter::Kind::text, std::move(text), 0, 0};
}

SqlParameter
integer_parameter(std::int64_t value, const ValueFormat& format)
{
  if (format.provider == db::Provider::postgresql) {
    return text_parameter(std::to_string(value));
  }
  return SqlParameter{SqlParameter::Kind::integer, "", value, 0};
}

std::optional<std::int64_t>
parse_integer(const std::string& text)
{
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

SqlParameter
boolean_value(const std::string& text, const ValueFormat& format)
{
  bool value = false;
  if (text == "true" || text == "True" || text == "TRUE") {
    value = true;
  } else if (text != "false" && text != "False" && text != "FALSE") {
    throw ValueError(fmt::format("\"{}\" is not a Boolean; write true or false", text));
  }
  if (format.provider == db::Provider::postgresql) {
    return text_parameter(value ? "true" : "false");
  }
  // The better-sqlite3 adapter writes Booleans as 1 and 0 (D21).
  return SqlParameter{SqlParameter::Kind::integer, "", value ? 1 : 0, 0};
}

SqlParameter
enum_value(const db::Enum& enumeration, const std::string& text)
{
  std::string names;
  for (const auto& value : enumeration.values) {
    if (value.name == text) {
      return text_parameter(value.database_name);
    }
    names += names.empty() ? value.name : ", " + value.name;
  }
  throw ValueError(fmt::format("\"{}\" is not a value of enum {}; its values are {}", text, enumeration.name, names));
}

bool
read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& value)
{
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool
expect(std::string_view text, std::size_t& pos, char c)
{
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

} // namespace

std::optional<util::SystemTime>
parse_datetime(std::string_view text)
{
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month)
      || !expect(text, pos, '-') || !read_digits(text, pos, 2, day)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) {
    return std::nullopt;
  }
  util::SystemTime time(std::chrono::sys_days(date).time_since_epoch());
  if (pos == text.size()) {
    return time; // a date alone is midnight UTC, as JavaScript's Date reads it
  }
  int hour = 0, minute = 0, second = 0;
  if ((!expect(text, pos, 'T') && !expect(text, pos, ' ')) || !read_digits(text, pos, 2, hour)
      || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute)) {
    return std::nullopt;
  }
  if (expect(text, pos, ':') && !read_digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  time += std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
  if (expect(text, pos, '.')) {
    std::int64_t micros = 0;
    int digits = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits < 6) {
        micros = micros * 10 + (text[pos] - '0');
      }
    }
    if (digits == 0) {
      return std::nullopt;
    }
    for (int i = digits; i < 6; ++i) {
      micros *= 10;
    }
    time += std::chrono::microseconds(micros);
  }
  // A time of day needs its zone: without one, JavaScript would read local time.
  if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
    return pos == text.size() ? std::optional(time) : std::nullopt;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool plus = text[pos++] == '+';
    int offset_hours = 0, offset_minutes = 0;
    if (!read_digits(text, pos, 2, offset_hours) || !expect(text, pos, ':')
        || !read_digits(text, pos, 2, offset_minutes) || pos != text.size()) {
      return std::nullopt;
    }
    const auto offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    return plus ? time - offset : time + offset;
  }
  return std::nullopt;
}

SqlParameter
datetime_value(util::SystemTime time, const ValueFormat& format)
{
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(time);
  if (format.provider == db::Provider::sqlite && format.sqlite_timestamps == config::SqliteTimestamps::unixepoch_ms) {
    return SqlParameter{SqlParameter::Kind::integer, "", millis.time_since_epoch().count(), 0};
  }
  // The offset is ignored by `timestamp(3)` columns and read by timestamptz ones.
  const auto days = std::chrono::floor<std::chrono::days>(millis);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{millis - days};
  return text_parameter(fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+00:00", static_cast<int>(date.year()),
                                    static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                                    clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                                    clock.subseconds().count()));
}

SqlParameter
typed_value(const db::Field& field, const std::string& text, const db::PrismaSchema& schema, const ValueFormat& format)
{
  if (field.kind == db::FieldKind::enumeration) {
    return enum_value(*schema.find_enum(field.type), text);
  }
  const std::string& type = field.type;
  if (type == "String") {
    return text_parameter(text);
  }
  if (type == "Int" || type == "BigInt") {
    const bool big = type == "BigInt";
    const auto value = parse_integer(!text.empty() && text[0] == '+' ? text.substr(1) : text);
    const std::int64_t low = big ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int32_t>::min();
    const std::int64_t high = big ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int32_t>::max();
    if (!value || *value < low || *value > high) {
      throw ValueError(fmt::format("\"{}\" is not {} (a whole number from {} to {})", text,
                                   big ? "a BigInt" : "an Int", low, high));
    }
    return integer_parameter(*value, format);
  }
  if (type == "Float") {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
      throw ValueError(fmt::format("\"{}\" is not a Float (a number such as 1.5 or -2e3)", text));
    }
    if (format.provider == db::Provider::postgresql) {
      return text_parameter(text);
    }
    return SqlParameter{SqlParameter::Kind::real, "", 0, value};
  }
  if (type == "Decimal") {
    static const std::regex k_decimal(R"([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)");
    if (!std::regex_match(text, k_decimal)) {
      throw ValueError(fmt::format("\"{}\" is not a Decimal (a number such as 9.99)", text));
    }
    return text_parameter(text);
  }
  if (type == "Boolean") {
    return boolean_value(text, format);
  }
  if (type == "DateTime") {
    const auto time = parse_datetime(text);
    if (!time) {
      throw ValueError(fmt::format("\"{}\" is not a DateTime; write ISO 8601 with a time zone, e.g. "
                                   "2026-01-06T12:34:56Z, or a date such as 2026-01-06",
                                   text));
    }
    return datetime_value(*time, format);
  }
  if (type == "Json") {
    try {
      // Stored as Prisma stores it: serialised without spaces.
      return text_parameter(nlohmann::json::parse(text).dump());
    } catch (const nlohmann::json::parse_error&) {
      throw ValueError(fmt::format("\"{}\" is not JSON; quote the JSON text in YAML, e.g. '{{\"a\": 1}}'", text));
    }
  }
  throw ValueError(fmt::format("fields of type {} cannot be seeded from the config; use an sql: seed", type));
}

std::optional<SqlParameter>
client_default(const db::Field& field, util::SystemTime now, const ValueFormat& format)
{
  if (field.updated_at) {
    return datetime_value(now, format);
  }
  if (!field.default_value || field.default_value->kind != db::DefaultValue::Kind::call) {
    return std::nullopt;
  }
  const auto& function = field.default_value->function;
  const auto& arguments = field.default_value->arguments;
  const std::string argument = arguments.empty() ? "" : arguments.front();
  if (function == "now") {
    return datetime_value(now, format);
  }
  if (function == "cuid") {
    return text_parameter(argument == "2" ? cuid2() : cuid());
  }
  if (function == "uuid") {
    return text_parameter(argument == "7" ? uuid_v7(now) : uuid_v4());
  }
  if (function == "nanoid") {
    const auto length = parse_integer(argument);
    return text_parameter(nanoid(length && *length > 0 && *length <= 255 ? static_cast<std::size_t>(*length) : 21));
  }
  if (function == "ulid") {
    return text_parameter(ulid(now));
  }
  return std::nullopt; // autoincrement(), dbgenerated(…), sequence(), auto(): the database's own
}

} // namespace rastar::seed
