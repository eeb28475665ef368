#include <rastar/supervise/snapshot_text.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <vector>

namespace rastar::supervise {

namespace {

using Row = std::array<std::string, 7>;

std::string
format_rows(const std::vector<Row>& rows)
{
  std::array<std::size_t, 7> widths{};
  for (const auto& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t column = 0; column < row.size(); ++column) {
      line += row[column];
      if (column + 1 < row.size()) {
        line.append(widths[column] - row[column].size() + 2, ' ');
      }
    }
    text += line + "\n";
  }
  return text;
}

} // namespace

std::string
format_duration(double seconds)
{
  const auto total = static_cast<long long>(std::floor(std::max(seconds, 0.0)));
  if (total < 60) {
    return fmt::format("{}s", total);
  }
  if (total < 3600) {
    return fmt::format("{}m{:02}s", total / 60, total % 60);
  }
  if (total < 86400) {
    return fmt::format("{}h{:02}m", total / 3600, total % 3600 / 60);
  }
  return fmt::format("{}d{:02}h", total / 86400, total % 86400 / 3600);
}

std::string
format_last_exit(std::optional<int> exit_code, std::optional<int> exit_signal)
{
  if (exit_signal) {
    // glibc's abbreviation ("KILL"); null for a number that names no signal.
    const char* name = sigabbrev_np(*exit_signal);
    return name ? fmt::format("SIG{}", name) : fmt::format("signal {}", *exit_signal);
  }
  if (exit_code) {
    return std::to_string(*exit_code);
  }
  return "-";
}

std::string
format_snapshot_table(const Snapshot& snapshot)
{
  std::string text = fmt::format("phase {}, up {}, {}, {}\n",
                                 snapshot.phase,
                                 format_duration(snapshot.uptime_seconds),
                                 snapshot.ready ? "ready" : "not ready",
                                 snapshot.healthy ? "healthy" : "unhealthy");
  if (snapshot.services.empty()) {
    return text + "no services started yet\n";
  }
  std::vector<Row> rows{{"SERVICE", "STATE", "PID", "RESTARTS", "LAST EXIT", "UPTIME", "HEALTH"}};
  for (const auto& service : snapshot.services) {
    rows.push_back({
      service.critical ? service.name + " (critical)" : service.name,
      service.state,
      service.pid ? std::to_string(*service.pid) : "-",
      std::to_string(service.restarts),
      format_last_exit(service.last_exit_code, service.last_exit_signal),
      service.pid ? format_duration(service.uptime_seconds) : "-",
      service.health.empty() ? "-" : service.health,
    });
  }
  return text + format_rows(rows);
}

} // namespace rastar::supervise
