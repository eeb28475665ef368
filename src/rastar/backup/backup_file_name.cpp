#include <rastar/backup/backup_file_name.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace rastar::backup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_stamp_shape = "ddddddddTdddddd.dddZ";

bool
is_label_character(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool
matches_stamp(std::string_view text)
{
  if (text.size() != k_stamp_shape.size()) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (k_stamp_shape[i] == 'd' ? !digit : text[i] != k_stamp_shape[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

std::string
clean_label(std::string_view label)
{
  if (label.empty()) {
    return "manual";
  }
  std::string cleaned(label);
  std::replace_if(cleaned.begin(), cleaned.end(), [](char c) { return !is_label_character(c); }, '_');
  return cleaned;
}

std::string
backup_time_stamp(util::SystemTime time)
{
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  return fmt::format("{:%Y%m%dT%H%M%S}.{:03}Z", seconds, millis);
}

std::string
backup_file_name(std::string_view prefix, util::SystemTime time, std::string_view label, std::string_view extension)
{
  return fmt::format("{}.{}.{}{}", prefix, backup_time_stamp(time), clean_label(label), extension);
}

bool
is_backup_file_name(std::string_view name, std::string_view prefix, std::string_view extension)
{
  if (!name.starts_with(prefix) || !name.ends_with(extension) ||
      name.size() < prefix.size() + 1 + k_stamp_shape.size() + 2 + extension.size()) {
    return false;
  }
  auto rest = name.substr(prefix.size(), name.size() - prefix.size() - extension.size());
  if (rest[0] != '.' || !matches_stamp(rest.substr(1, k_stamp_shape.size())) ||
      rest[1 + k_stamp_shape.size()] != '.') {
    return false;
  }
  const auto label = rest.substr(2 + k_stamp_shape.size());
  return !label.empty() && std::all_of(label.begin(), label.end(), is_label_character);
}

std::vector<fs::path>
list_backups(const fs::path& directory, std::string_view prefix, std::string_view extension)
{
  std::vector<fs::path> found;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const auto name = it->path().filename().string();
    if (is_backup_file_name(name, prefix, extension) && it->is_regular_file(error)) {
      found.push_back(it->path());
    }
  }
  // The fixed-width stamp follows the same prefix, so name order is time order.
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<fs::path>
rotate_backups(const fs::path& directory, std::string_view prefix, std::string_view extension, int keep)
{
  std::vector<fs::path> removed;
  if (keep <= 0) {
    return removed;
  }
  const auto backups = list_backups(directory, prefix, extension);
  const auto excess = backups.size() > static_cast<std::size_t>(keep) ? backups.size() - keep : 0;
  for (std::size_t i = 0; i < excess; ++i) {
    // The new backup is already safe; an old one left behind is worth a
    // warning, not a stopped deploy.
    std::error_code error;
    if (!fs::remove(backups[i], error) && error) {
      spdlog::warn("could not delete the old backup {}: {}; delete it by hand", backups[i].string(),
                   error.message());
      continue;
    }
    removed.push_back(backups[i]);
  }
  return removed;
}

} // namespace rastar::backup
