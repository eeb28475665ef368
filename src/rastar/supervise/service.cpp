#include <rastar/supervise/service.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <unistd.h>

namespace rastar::supervise {

namespace {

std::string
state_word(ServiceState state, bool ready, Health health)
{
  switch (state) {
  case ServiceState::waiting: return "starting";
  case ServiceState::running:
    if (!ready) {
      return "running";
    }
    return health == Health::unhealthy ? "unhealthy" : "ready";
  case ServiceState::backoff: return "backoff";
  case ServiceState::stopping: return "stopping";
  case ServiceState::exited: return "exited";
  case ServiceState::failed: return "failed";
  }
  return "exited";
}

} // namespace

Service::Service(boost::asio::io_context& io, Reaper& reaper, OutputWriter& writer, config::ServiceConfig config,
                 bool pass_through, std::function<void()> on_change)
  : m_io(io),
    m_reaper(reaper),
    m_writer(writer),
    m_config(std::move(config)),
    m_pass_through(pass_through),
    m_on_change(std::move(on_change)),
    m_restarts(m_config.backoff, m_config.crash_loop_limit, m_config.crash_loop_window),
    m_restart_timer(io),
    m_kill_timer(io)
{
}

Service::~Service()
{
  stop_probes();
}

SpawnRequest
Service::spawn_request() const
{
  SpawnRequest request;
  request.argv = m_config.command;
  request.environment = environment_with(m_config.env);
  request.cwd = m_config.cwd;
  request.user = m_config.user;
  request.group = m_config.group;
  if (m_pass_through) {
    request.output = OutputMode::inherit;
    request.take_terminal = isatty(STDIN_FILENO) != 0;
  } else {
    request.output = OutputMode::pipe;
    request.null_stdin = true;
  }
  return request;
}

void
Service::start()
{
  if (m_stop_requested) {
    return;
  }
  SpawnedProcess process;
  try {
    process = spawn_process(spawn_request());
  } catch (const SpawnError& e) {
    spdlog::error("{}: {}", name(), e.what());
    m_spawn_error_code = e.exit_code();
    m_start_error = e.what();
    set_state(ServiceState::failed);
    return;
  }
  m_pid = process.pid;
  m_spawned = true;
  m_ready = false;
  m_process_started = std::chrono::steady_clock::now();
  m_reaper.watch(m_pid, [this](const ExitStatus& status) { on_exit(status); });
  spdlog::debug("{}: started, pid {}", name(), m_pid);
  if (process.stdout_fd >= 0) {
    // The previous run's relays may still hold output from stragglers.
    drain_output();
    m_stdout_relay = std::make_unique<LogRelay>(m_io, m_writer, name(), "stdout", process.stdout_fd,
                                                m_config.log_format, m_config.max_line_bytes);
    m_stderr_relay = std::make_unique<LogRelay>(m_io, m_writer, name(), "stderr", process.stderr_fd,
                                                m_config.log_format, m_config.max_line_bytes);
    m_stdout_relay->start(nullptr);
    m_stderr_relay->start(nullptr);
  }
  m_state = ServiceState::running;
  start_probes();
  m_on_change();
}

void
Service::start_probes()
{
  SpawnRequest probe_template = spawn_request();
  if (m_config.ready.kind != config::CheckKind::none) {
    m_ready_check = std::make_shared<HealthCheck>(m_io, m_reaper, m_config.ready, name(), probe_template,
                                                  [this](Health health) { on_ready_health(health); });
    m_ready_check->start();
  } else {
    m_ready = true;
  }
  if (m_config.health.kind != config::CheckKind::none) {
    m_health_check = std::make_shared<HealthCheck>(m_io, m_reaper, m_config.health, name(), probe_template,
                                                   [this](Health health) {
                                                     // Without a ready check, the first healthy answer
                                                     // is what makes the service ready.
                                                     if (health == Health::healthy && !m_ready) {
                                                       m_ready = true;
                                                       spdlog::info("{}: ready", name());
                                                     }
                                                     m_on_change();
                                                   });
    m_health_check->start();
    if (!m_ready_check) {
      m_ready = false;
    }
  }
}

void
Service::stop_probes()
{
  for (auto* check : {&m_ready_check, &m_health_check}) {
    if (*check) {
      (*check)->stop();
      check->reset();
    }
  }
}

void
Service::on_ready_health(Health health)
{
  if (health == Health::healthy && !m_ready) {
    m_ready = true;
    spdlog::info("{}: ready", name());
    // Ready once is enough; from now on the health check (if any) watches it.
    m_ready_check->stop();
    m_on_change();
  }
}

void
Service::on_exit(const ExitStatus& status)
{
  m_pid = -1;
  m_ready = false;
  m_last_exit = status;
  m_kill_timer.cancel();
  stop_probes();
  const auto run_time =
    std::chrono::duration_cast<config::Milliseconds>(std::chrono::steady_clock::now() - m_process_started);
  if (m_stop_requested) {
    spdlog::debug("{}: stopped: {}", name(), status.describe());
    set_state(ServiceState::exited);
    return;
  }
  const bool success = is_success(m_config.success_codes, status.code, status.signal != 0);
  if (!restart_wanted(m_config.restart, success)) {
    if (m_pass_through) {
      // The drop-in stays as quiet as tini: the exit code says it all.
      spdlog::debug("{}: {}", name(), status.describe());
    } else if (success) {
      spdlog::info("{}: {}", name(), status.describe());
    } else {
      spdlog::warn("{}: {}", name(), status.describe());
    }
    set_state(ServiceState::exited);
    return;
  }
  const auto delay = m_restarts.next_restart(std::chrono::steady_clock::now(), run_time);
  if (!delay) {
    spdlog::error("{}: {}; it restarted {} times within {} s, so it is marked failed", name(), status.describe(),
                  m_config.crash_loop_limit, m_config.crash_loop_window.count() / 1000.0);
    set_state(ServiceState::failed);
    return;
  }
  spdlog::warn("{}: {}; restarting in {} ms", name(), status.describe(), delay->count());
  m_state = ServiceState::backoff;
  m_restart_timer.expires_after(*delay);
  m_restart_timer.async_wait([this, alive = std::weak_ptr<bool>(m_alive)](const boost::system::error_code& error) {
    if (!alive.expired() && !error && m_state == ServiceState::backoff) {
      start();
    }
  });
  m_on_change();
}

void
Service::stop()
{
  if (m_stop_requested) {
    return;
  }
  m_stop_requested = true;
  m_restart_timer.cancel();
  if (m_state == ServiceState::waiting || m_state == ServiceState::backoff) {
    set_state(ServiceState::exited);
    return;
  }
  if (!has_process()) {
    return;
  }
  stop_probes();
  spdlog::debug("{}: sending signal {} to its process group", name(), m_config.stop_signal);
  kill(-m_pid, m_config.stop_signal);
  m_state = ServiceState::stopping;
  m_kill_timer.expires_after(m_config.stop_timeout);
  m_kill_timer.async_wait([this, alive = std::weak_ptr<bool>(m_alive)](const boost::system::error_code& error) {
    if (!alive.expired() && !error && has_process()) {
      spdlog::warn("{}: still running {} ms after signal {}: killing it", name(), m_config.stop_timeout.count(),
                   m_config.stop_signal);
      kill_now();
    }
  });
  m_on_change();
}

void
Service::rearm()
{
  m_stop_requested = false;
  m_restart_timer.cancel();
  m_restarts.forget_crash_loop();
  m_spawn_error_code.reset();
  m_start_error.clear();
  // A SIGKILL at an earlier stop says nothing about the next shutdown (D1's 137).
  m_killed = false;
  m_state = ServiceState::waiting;
}

void
Service::kill_now()
{
  if (has_process()) {
    m_killed = true;
    kill(-m_pid, SIGKILL);
  }
}

void
Service::signal(int signal_number)
{
  if (has_process()) {
    kill(-m_pid, signal_number);
  }
}

void
Service::drain_output()
{
  for (auto* relay : {&m_stdout_relay, &m_stderr_relay}) {
    if (*relay) {
      (*relay)->drain();
      relay->reset();
    }
  }
}

int
Service::final_exit_code() const
{
  if (m_spawn_error_code) {
    return *m_spawn_error_code;
  }
  return m_last_exit ? m_last_exit->shell_code() : 0;
}

bool
Service::last_exit_succeeded() const
{
  if (m_spawn_error_code) {
    return false;
  }
  return !m_last_exit || is_success(m_config.success_codes, m_last_exit->code, m_last_exit->signal != 0);
}

void
Service::set_state(ServiceState state)
{
  m_state = state;
  m_on_change();
}

ServiceSnapshot
Service::snapshot() const
{
  ServiceSnapshot result;
  result.name = name();
  const Health health = m_health_check ? m_health_check->health() : Health::none;
  result.state = state_word(m_state, m_ready, health);
  if (m_pid > 0) {
    result.pid = m_pid;
    result.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_process_started).count();
  }
  result.restarts = m_restarts.restarts();
  if (m_last_exit) {
    if (m_last_exit->signal != 0) {
      result.last_exit_signal = m_last_exit->signal;
    } else {
      result.last_exit_code = m_last_exit->code;
    }
  } else if (m_spawn_error_code) {
    result.last_exit_code = *m_spawn_error_code;
  }
  if (m_state == ServiceState::failed) {
    result.health = "unhealthy";
  } else if (m_health_check) {
    result.health = to_string(health);
  } else if (m_ready_check && m_state == ServiceState::running) {
    result.health = m_ready ? "healthy" : "starting";
  } else {
    result.health = "none";
  }
  result.critical = m_config.critical;
  return result;
}

} // namespace rastar::supervise
