#pragma once

#include <rastar/config/service_config.hpp>
#include <rastar/supervise/process_spawn.hpp>
#include <rastar/supervise/reaper.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>

// A service's ready or health probe (HTTP GET, TCP connect or a command),
// repeated with Docker HEALTHCHECK's timing: the first probe at once, then one
// every `interval`, each cut off after `timeout`; failures inside
// `start_period` do not count; `retries` failures in a row make it unhealthy
// and one success makes it healthy again.

namespace rastar::supervise {

enum class Health { none, starting, healthy, unhealthy };

// "none", "starting", "healthy", "unhealthy" (the snapshot's words).
std::string
to_string(Health health);

class HealthCheck : public std::enable_shared_from_this<HealthCheck>
{
public:
  using Listener = std::function<void(Health)>;

  // `command_template` carries the environment, cwd and user a command probe
  // runs with (its argv and output are replaced). Command probes are reaped
  // through `reaper`. `listener` hears every change of health.
  HealthCheck(boost::asio::io_context& io, Reaper& reaper, config::Check check, std::string service,
              SpawnRequest command_template, Listener listener);

  // Begins probing.
  void
  start();

  // Stops probing; an outstanding probe is abandoned (a command is killed).
  void
  stop();

  Health
  health() const
  {
    return m_health;
  }

private:
  struct Attempt;

  void
  schedule(config::Milliseconds delay);

  void
  probe();

  void
  probe_tcp(const std::shared_ptr<Attempt>& attempt, const std::string& host, const std::string& port,
            const std::string& request);

  void
  probe_command(const std::shared_ptr<Attempt>& attempt);

  void
  complete(const std::shared_ptr<Attempt>& attempt, bool passed, const std::string& detail);

  boost::asio::io_context& m_io;
  Reaper& m_reaper;
  config::Check m_check;
  std::string m_service;
  SpawnRequest m_command_template;
  Listener m_listener;
  boost::asio::steady_timer m_timer;
  std::shared_ptr<Attempt> m_attempt;
  std::chrono::steady_clock::time_point m_started;
  Health m_health = Health::starting;
  int m_failures = 0;
  bool m_stopped = false;
};

} // namespace rastar::supervise
