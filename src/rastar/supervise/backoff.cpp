#include <rastar/supervise/backoff.hpp>

#include <algorithm>
#include <cmath>

namespace rastar::supervise {

bool
is_success(const std::vector<int>& success_codes, int code, bool by_signal)
{
  return !by_signal && std::find(success_codes.begin(), success_codes.end(), code) != success_codes.end();
}

bool
restart_wanted(config::RestartPolicy policy, bool success)
{
  switch (policy) {
  case config::RestartPolicy::always: return true;
  case config::RestartPolicy::on_failure: return !success;
  case config::RestartPolicy::never: return false;
  }
  return false;
}

config::Milliseconds
backoff_delay(const config::Backoff& backoff, int attempt)
{
  const double cap = static_cast<double>(backoff.max.count());
  double delay = static_cast<double>(backoff.initial.count());
  // Multiply step by step so a large attempt number saturates at the cap
  // instead of overflowing pow().
  for (int step = 1; step < attempt && delay < cap; ++step) {
    delay *= backoff.multiplier;
  }
  return config::Milliseconds(static_cast<long long>(std::min(delay, cap)));
}

RestartTracker::RestartTracker(config::Backoff backoff, int limit, config::Milliseconds window)
  : m_backoff(backoff),
    m_limit(limit),
    m_window(window)
{
}

std::optional<config::Milliseconds>
RestartTracker::next_restart(SteadyTime now, config::Milliseconds run_time)
{
  if (run_time >= m_backoff.reset_after) {
    m_attempt = 0;
  }
  while (!m_recent.empty() && now - m_recent.front() >= m_window) {
    m_recent.pop_front();
  }
  if (m_limit > 0 && static_cast<int>(m_recent.size()) >= m_limit) {
    return std::nullopt;
  }
  m_recent.push_back(now);
  ++m_attempt;
  ++m_restarts;
  return backoff_delay(m_backoff, m_attempt);
}

void
RestartTracker::forget_crash_loop()
{
  m_attempt = 0;
  m_recent.clear();
}

} // namespace rastar::supervise
