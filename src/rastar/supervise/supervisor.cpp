#include <rastar/supervise/supervisor.hpp>

#include <rastar/supervise/control_socket.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <set>
#include <unistd.h>

namespace asio = boost::asio;

namespace rastar::supervise {

namespace {

void
check_graph(const config::SupervisorConfig& config)
{
  for (const auto& [name, service] : config.services) {
    if (service.command.empty()) {
      throw config_error(fmt::format("services.{}.command: must name the program to run", name));
    }
    for (const auto& [dependency, condition] : service.depends_on) {
      if (config.services.count(dependency) == 0) {
        throw config_error(fmt::format("services.{}.depends_on: \"{}\" is not a service of this config", name,
                                       dependency));
      }
    }
  }
  // Depth-first search for a cycle, naming it.
  std::map<std::string, int> mark; // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    mark[name] = 1;
    path.push_back(name);
    for (const auto& [dependency, condition] : config.services.at(name).depends_on) {
      if (mark[dependency] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), dependency); it != path.end(); ++it) {
          cycle += *it + " -> ";
        }
        throw config_error(fmt::format("services: depends_on forms a cycle ({}{}); remove one of these "
                                       "dependencies",
                                       cycle, dependency));
      }
      if (mark[dependency] == 0) {
        visit(dependency);
      }
    }
    path.pop_back();
    mark[name] = 2;
  };
  for (const auto& [name, service] : config.services) {
    if (mark[name] == 0) {
      visit(name);
    }
  }
}

} // namespace

void
check_supervisor_graph(const config::SupervisorConfig& config)
{
  check_graph(config);
}

Supervisor::Supervisor(config::SupervisorConfig config, bool single_command)
  : m_config(std::move(config)),
    m_single_command(single_command),
    m_shutdown_timer(m_io),
    m_escalation_timer(m_io),
    m_reap_timer(m_io)
{
  check_graph(m_config);
  for (const auto& [name, service_config] : m_config.services) {
    m_services.emplace(name, make_service(name, service_config));
  }
  m_snapshot.phase = "start";
}

Supervisor::~Supervisor() = default;

std::unique_ptr<Service>
Supervisor::make_service(const std::string& name, const config::ServiceConfig& service_config)
{
  config::ServiceConfig named = service_config;
  named.name = name;
  const bool pass_through = m_single_command || name == k_command_service_name;
  return std::make_unique<Service>(m_io, m_reaper, m_writer, named, pass_through, [this] { request_reconcile(); });
}

void
Supervisor::serve_control(std::string socket_path)
{
  m_control_path = socket_path == "0" ? "" : std::move(socket_path);
}

int
Supervisor::run()
{
  become_subreaper();
  // From here the loop reads the signals itself (one wake-up per signal);
  // the watcher of the earlier phases, if one ran, takes them back after.
  const bool watcher_paused = util::SignalWatcher::pause_instance();
  struct ResumeWatcher
  {
    bool paused;
    ~ResumeWatcher()
    {
      if (paused) {
        util::SignalWatcher::resume_instance();
      }
    }
  } resume_watcher{watcher_paused};
  m_signals = std::make_unique<SignalSource>(m_io);
  // A stop asked for before this phase cancels it cleanly (D1: 143 / 130).
  int early = watcher_paused ? util::SignalWatcher::instance().cancel_signal() : 0;
  for (const int signal_number : m_signals->take_pending()) {
    if (early == 0 && (signal_number == SIGTERM || signal_number == SIGINT || signal_number == SIGQUIT)) {
      early = signal_number;
    }
  }
  if (early != 0) {
    m_signals.reset();
    spdlog::info("received {} before the services started: not starting them", strsignal(early));
    return exit_code_for_signal(early);
  }

  if (!m_control_path.empty()) {
    m_control = std::make_unique<ControlSocket>(m_io, m_control_path,
                                                [this](const ControlRequest& request, ControlSocket::Reply reply) {
                                                  control(request, std::move(reply));
                                                });
  }
  m_signals->start([this](int signal_number) { on_signal(signal_number); });
  reap_periodically();
  request_reconcile();
  m_io.run();
  // Removes the socket file: no one can ask a rastar-init that is gone.
  m_control.reset();
  m_pending_control.clear();
  m_signals.reset();
  // Drain what the services wrote before they ended (pid1.md §6.6), but do
  // not wait for stragglers that still hold a pipe open.
  for (auto& [name, service] : m_services) {
    service->drain_output();
  }
  for (auto& service : m_retiring) {
    service->drain_output();
  }
  m_writer.flush(std::chrono::seconds(5));
  publish();
  return m_exit_code.value_or(0);
}

void
Supervisor::on_signal(int signal_number)
{
  if (signal_number == SIGCHLD) {
    m_reaper.reap();
    return;
  }
  if (m_single_command) {
    // tini -g: everything goes to the command's group.
    auto& command = *m_services.begin()->second;
    command.signal(signal_number);
    if ((signal_number == SIGTERM || signal_number == SIGINT) && !m_escalating && command.has_process()) {
      // D17: unlike tini, do not wait forever on a command that ignores it.
      m_escalating = true;
      m_escalation_timer.expires_after(m_config.shutdown_timeout);
      m_escalation_timer.async_wait([this](const boost::system::error_code& error) {
        auto& target = *m_services.begin()->second;
        if (!error && target.has_process()) {
          spdlog::warn("{} still runs {} ms after the stop signal: killing it", target.config().command.front(),
                       m_config.shutdown_timeout.count());
          m_killed_at_escalation = true;
          target.kill_now();
        }
      });
    }
    return;
  }
  switch (signal_number) {
  case SIGTERM:
  case SIGINT:
  case SIGQUIT:
    if (!m_shutting_down) {
      spdlog::info("received {}: stopping the services", strsignal(signal_number));
      begin_shutdown(std::nullopt);
    }
    return;
  case SIGHUP:
    if (m_config.sighup_reloads && m_reload_loader) {
      reload();
      return;
    }
    [[fallthrough]];
  case SIGUSR1:
  case SIGUSR2:
  case SIGWINCH:
    for (auto& [name, service] : m_services) {
      service->signal(signal_number);
    }
    return;
  default:
    // Job control and the rest: never acted on by PID 1 itself (pid1.md §6.8).
    return;
  }
}

void
Supervisor::request_reconcile()
{
  // Services report changes from inside their own calls; reconciling later
  // on the loop keeps those calls from re-entering this one.
  if (!m_reconcile_pending) {
    m_reconcile_pending = true;
    asio::post(m_io, [this] {
      m_reconcile_pending = false;
      reconcile();
    });
  }
}

bool
Supervisor::dependencies_met(const Service& service) const
{
  for (const auto& [dependency, condition] : service.config().depends_on) {
    const auto& other = *m_services.at(dependency);
    const bool met = condition == config::DependencyCondition::started
                       ? other.started()
                       : other.ready() && other.state() == ServiceState::running;
    if (!met) {
      return false;
    }
  }
  return true;
}

bool
Supervisor::dependents_stopped(const Service& service) const
{
  for (const auto& [name, other] : m_services) {
    if (other->config().depends_on.count(service.name()) != 0 && other->has_process()) {
      return false;
    }
  }
  return true;
}

void
Supervisor::reconcile()
{
  if (m_exit_code) {
    return;
  }
  settle_pending_control();
  // A service a reload removed or replaced is dropped once it has ended.
  std::erase_if(m_retiring, [](std::unique_ptr<Service>& service) {
    if (service->has_process()) {
      return false;
    }
    service->drain_output();
    return true;
  });
  if (!m_shutting_down) {
    // Waiting: not started yet at boot, started by command (rearmed), or
    // added or changed by a reload (after the old definition has ended).
    for (auto& [name, service] : m_services) {
      if (service->state() == ServiceState::waiting && dependencies_met(*service) && !retiring(name)) {
        service->start();
      }
    }
    for (auto& [name, service] : m_services) {
      const auto state = service->state();
      if (service->config().critical && !held_down(name) &&
          (state == ServiceState::exited || state == ServiceState::failed)) {
        if (m_single_command) {
          finish(m_killed_at_escalation ? to_int(ExitCode::killed) : service->final_exit_code());
          return;
        }
        spdlog::info("{} is critical and has ended: stopping the others", name);
        begin_shutdown(service->final_exit_code());
        return;
      }
    }
    bool any_alive = false;
    std::optional<int> first_failure;
    for (auto& [name, service] : m_services) {
      const auto state = service->state();
      if (held_down(name)) {
        // Stopped by command: down on purpose, and expected back.
        any_alive = true;
      } else if (state == ServiceState::exited || state == ServiceState::failed) {
        if (!service->last_exit_succeeded() && !first_failure) {
          first_failure = service->final_exit_code();
        }
      } else {
        any_alive = true;
      }
    }
    if (!any_alive) {
      spdlog::info("every service has ended: nothing left to supervise");
      begin_shutdown(first_failure.value_or(0));
      return;
    }
  } else {
    for (auto& [name, service] : m_services) {
      if (service->has_process() && service->state() == ServiceState::running && dependents_stopped(*service)) {
        service->stop();
      }
    }
    bool any_process = !m_retiring.empty();
    for (auto& [name, service] : m_services) {
      any_process = any_process || service->has_process();
    }
    if (!any_process) {
      int code = m_shutdown_exit_code.value_or(0);
      if (!m_shutdown_exit_code) {
        for (auto& [name, service] : m_services) {
          // A SIGKILL at a stop by command was not one of the shutdown's.
          if (service->was_killed() && !held_down(name)) {
            code = to_int(ExitCode::killed);
          }
        }
      }
      finish(code);
      return;
    }
  }
  publish();
}

void
Supervisor::begin_shutdown(std::optional<int> exit_code)
{
  m_shutting_down = true;
  m_shutdown_exit_code = exit_code;
  for (auto& [name, service] : m_services) {
    if (!service->has_process()) {
      service->stop(); // not started or backing off: stays down
    }
  }
  m_shutdown_timer.expires_after(m_config.shutdown_timeout);
  m_shutdown_timer.async_wait([this](const boost::system::error_code& error) {
    if (error) {
      return;
    }
    for (auto& [name, service] : m_services) {
      if (service->has_process()) {
        spdlog::warn("{}: still running {} ms into the shutdown: killing it", name,
                     m_config.shutdown_timeout.count());
        service->kill_now();
      }
    }
    for (auto& service : m_retiring) {
      service->kill_now();
    }
  });
  request_reconcile();
}

void
Supervisor::finish(int exit_code)
{
  m_exit_code = exit_code;
  m_shutdown_timer.cancel();
  m_escalation_timer.cancel();
  m_reap_timer.cancel();
  m_io.stop();
}

void
Supervisor::reap_periodically()
{
  // A safety net besides SIGCHLD, as tini reaps at least once a second.
  m_reaper.reap();
  publish();
  m_reap_timer.expires_after(std::chrono::seconds(1));
  m_reap_timer.async_wait([this](const boost::system::error_code& error) {
    if (!error) {
      reap_periodically();
    }
  });
}

void
Supervisor::publish()
{
  Snapshot snapshot;
  snapshot.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
  bool all_ready = true;
  for (const auto& [name, service] : m_services) {
    snapshot.services.push_back(service->snapshot());
    const auto state = service->state();
    if (held_down(name)) {
      // Stopped by command: shown, but neither unready nor unhealthy.
      if (state == ServiceState::exited) {
        snapshot.services.back().state = "stopped";
      }
      continue;
    }
    const bool one_shot_done = state == ServiceState::exited && service->last_exit_succeeded();
    if (!(state == ServiceState::running && service->ready()) && !one_shot_done) {
      all_ready = false;
    }
    if (state == ServiceState::failed) {
      snapshot.healthy = false;
    }
    if (snapshot.services.back().health == "unhealthy") {
      all_ready = false;
    }
  }
  snapshot.phase = m_shutting_down || m_exit_code ? "shutdown" : all_ready ? "running" : "start";
  snapshot.ready = all_ready && snapshot.phase == "running";
  std::lock_guard lock(m_snapshot_mutex);
  m_snapshot = std::move(snapshot);
}

Snapshot
Supervisor::snapshot() const
{
  std::lock_guard lock(m_snapshot_mutex);
  return m_snapshot;
}

config::SupervisorConfig
with_extra_command(const config::SupervisorConfig& config,
                   const std::optional<std::vector<std::string>>& extra_command,
                   bool& single_command)
{
  config::SupervisorConfig effective = config;
  single_command = effective.services.empty() && extra_command.has_value();
  if (extra_command) {
    if (extra_command->empty()) {
      throw usage_error("run: the command after `--` is empty; give a program to run");
    }
    if (effective.services.count(k_command_service_name) != 0) {
      throw config_error(fmt::format("services.{}: the name is taken by the command given after `--`; rename the "
                                     "service",
                                     k_command_service_name));
    }
    config::ServiceConfig command;
    command.name = k_command_service_name;
    command.command = *extra_command;
    command.critical = true;
    command.restart = config::RestartPolicy::never;
    command.stop_timeout = effective.shutdown_timeout;
    command.log_format = config::LogFormat::raw;
    effective.services.emplace(k_command_service_name, command);
  }
  if (effective.services.empty()) {
    throw usage_error("run: nothing to run; give a command (rastar-init run -- CMD ARGS...) or services in the "
                      "config file");
  }
  return effective;
}

int
run_supervisor(const config::SupervisorConfig& config, std::optional<std::vector<std::string>> extra_command)
{
  bool single_command = false;
  auto effective = with_extra_command(config, extra_command, single_command);
  Supervisor supervisor(std::move(effective), single_command);
  const int code = supervisor.run();
  if (single_command) {
    // The tini drop-in: CMD is reaped and the output flushed, so nothing is
    // left to tear down. Skipping the destructors and atexit handlers of
    // every library (about 0.4 ms under strace) brings PID 1's exit, which a
    // runtime waits for, closer to tini's.
    spdlog::default_logger()->flush();
    std::fflush(nullptr);
    _exit(code);
  }
  return code;
}

} // namespace rastar::supervise
