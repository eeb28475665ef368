// The Supervisor's actions by command (D20): stop, start and restart one
// service, as `supervisorctl` and `s6-svc -d/-u/-r` do. They run on the loop;
// a stop answers once the service has ended.
#include <rastar/supervise/supervisor.hpp>

#include <rastar/config/did_you_mean.hpp>

#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

namespace asio = boost::asio;

namespace rastar::supervise {

namespace {

// Logs the answer and sends it.
void
answer(const Supervisor::ControlReply& reply, ControlAction action, const std::string& name, const ControlAnswer& result)
{
  if (result.ok) {
    spdlog::info("control: {} {}: {}", to_string(action), name, result.sentence);
  } else {
    spdlog::warn("control: {} {}: {}", to_string(action), name, result.sentence);
  }
  reply(result);
}

// How a service that does not run ended, for "bot is not running (...)".
std::string
why_down(const Service& service)
{
  if (service.state() == ServiceState::failed) {
    return "it failed";
  }
  return service.last_exit_succeeded() ? "it has exited successfully" : "it has exited with an error";
}

} // namespace

void
Supervisor::control(const ControlRequest& request, ControlReply reply)
{
  switch (request.action) {
  case ControlAction::stop: stop_service(request.service, std::move(reply)); return;
  case ControlAction::start: start_service(request.service, std::move(reply)); return;
  case ControlAction::restart: restart_service(request.service, std::move(reply)); return;
  }
}

Service*
Supervisor::service_for_control(const std::string& name, const ControlReply& reply)
{
  if (m_shutting_down || m_exit_code) {
    reply(ControlAnswer::failure("rastar-init is shutting down and takes no actions"));
    return nullptr;
  }
  const auto found = m_services.find(name);
  if (found != m_services.end()) {
    return found->second.get();
  }
  std::vector<std::string> names;
  for (const auto& [service_name, service] : m_services) {
    names.push_back(service_name);
  }
  if (const auto suggestion = config::did_you_mean(name, names)) {
    reply(ControlAnswer::failure(fmt::format("no service named \"{}\"; did you mean \"{}\"?", name, *suggestion)));
  } else {
    reply(ControlAnswer::failure(
      fmt::format("no service named \"{}\"; the services are {}", name, fmt::join(names, ", "))));
  }
  return nullptr;
}

void
Supervisor::stop_service(std::string name, ControlReply reply)
{
  asio::post(m_io, [this, name = std::move(name), reply = std::move(reply)]() mutable {
    const ControlReply logged = [reply, name](const ControlAnswer& result) {
      answer(reply, ControlAction::stop, name, result);
    };
    if (auto* service = service_for_control(name, logged)) {
      ControlReply later = logged;
      const auto result = stop_by_command(*service, ControlAction::stop, later);
      if (!later) {
        return; // it answers once the service has ended
      }
      logged(result);
    }
  });
}

void
Supervisor::restart_service(std::string name, ControlReply reply)
{
  asio::post(m_io, [this, name = std::move(name), reply = std::move(reply)]() mutable {
    const ControlReply logged = [reply, name](const ControlAnswer& result) {
      answer(reply, ControlAction::restart, name, result);
    };
    auto* service = service_for_control(name, logged);
    if (!service) {
      return;
    }
    if (service->state() == ServiceState::stopping) {
      logged(ControlAnswer::failure(fmt::format("{} is stopping; try again once it has stopped", name)));
      return;
    }
    if (service->has_process()) {
      ControlReply later = logged;
      const auto result = stop_by_command(*service, ControlAction::restart, later);
      if (later) {
        logged(result);
      }
      return;
    }
    // Not running: a restart is a start (supervisorctl does the same).
    logged(start_by_command(*service, "restarted"));
  });
}

void
Supervisor::start_service(std::string name, ControlReply reply)
{
  asio::post(m_io, [this, name = std::move(name), reply = std::move(reply)]() mutable {
    const ControlReply logged = [reply, name](const ControlAnswer& result) {
      answer(reply, ControlAction::start, name, result);
    };
    auto* service = service_for_control(name, logged);
    if (!service) {
      return;
    }
    switch (service->state()) {
    case ServiceState::running:
      logged(ControlAnswer::failure(fmt::format("{} is already running (pid {})", name, service->pid())));
      return;
    case ServiceState::stopping:
      logged(ControlAnswer::failure(fmt::format("{} is stopping; try again once it has stopped", name)));
      return;
    case ServiceState::waiting:
      logged(ControlAnswer::failure(
        fmt::format("{} is already starting; it waits for its dependencies to be ready", name)));
      return;
    case ServiceState::backoff:
    case ServiceState::exited:
    case ServiceState::failed: logged(start_by_command(*service, "started")); return;
    }
  });
}

// Stops a running service by command and leaves `reply` to answer when it
// has ended (then `reply` is emptied); answers at once otherwise.
ControlAnswer
Supervisor::stop_by_command(Service& service, ControlAction action, ControlReply& reply)
{
  const auto& name = service.name();
  switch (service.state()) {
  case ServiceState::stopping:
    return ControlAnswer::failure(fmt::format("{} is already stopping", name));
  case ServiceState::exited:
    if (held_down(name)) {
      return ControlAnswer::failure(fmt::format("{} is already stopped", name));
    }
    [[fallthrough]];
  case ServiceState::failed:
    return ControlAnswer::failure(
      fmt::format("{} is not running ({}); start it with `rastar-init start {}`", name, why_down(service), name));
  case ServiceState::waiting:
  case ServiceState::backoff:
    m_held_down.insert(name);
    service.stop();
    publish();
    return ControlAnswer::success(fmt::format("{} stopped (it was not running: {})", name,
                                              service.started() ? "it was waiting to restart"
                                                                : "it had not started yet"));
  case ServiceState::running:
    break;
  }
  spdlog::info("control: {} {}: sending it signal {}", to_string(action), name, service.config().stop_signal);
  m_held_down.insert(name);
  service.stop();
  m_pending_control.push_back({name, action, std::move(reply)});
  reply = nullptr;
  publish();
  return ControlAnswer::success("");
}

ControlAnswer
Supervisor::start_by_command(Service& service, const char* verb)
{
  const auto& name = service.name();
  std::vector<std::string> awaited;
  for (const auto& [dependency, condition] : service.config().depends_on) {
    const auto& other = *m_services.at(dependency);
    const bool met = condition == config::DependencyCondition::started
                       ? other.started()
                       : other.ready() && other.state() == ServiceState::running;
    if (met) {
      continue;
    }
    // A dependency that will not come back on its own would keep it waiting forever.
    if (held_down(dependency) || other.state() == ServiceState::exited ||
        other.state() == ServiceState::failed) {
      const char* how = held_down(dependency) ? "is stopped"
                        : other.state() == ServiceState::failed ? "has failed"
                                                                : "has exited";
      return ControlAnswer::failure(
        fmt::format("{} depends on {}, which {}; start {} first", name, dependency, how, dependency));
    }
    awaited.push_back(dependency);
  }
  m_held_down.erase(name);
  service.rearm();
  if (!awaited.empty()) {
    // reconcile() starts it once they are ready, as at boot.
    publish();
    return ControlAnswer::success(fmt::format("{} will start once {} {} ready", name, fmt::join(awaited, " and "),
                                              awaited.size() == 1 ? "is" : "are"));
  }
  service.start();
  publish();
  if (service.state() == ServiceState::failed) {
    return ControlAnswer::failure(fmt::format("{} could not be started: {}", name, service.start_error()));
  }
  return ControlAnswer::success(fmt::format("{} {} (pid {})", name, verb, service.pid()));
}

void
Supervisor::settle_pending_control()
{
  std::vector<PendingControl> settled;
  std::erase_if(m_pending_control, [&](PendingControl& pending) {
    if (m_services.at(pending.service)->has_process()) {
      return false;
    }
    settled.push_back(std::move(pending));
    return true;
  });
  for (auto& pending : settled) {
    auto& service = *m_services.at(pending.service);
    const std::string how =
      service.was_killed()
        ? fmt::format(" (killed: it was still running {} ms after signal {})", service.config().stop_timeout.count(),
                      service.config().stop_signal)
        : "";
    if (pending.action == ControlAction::stop) {
      pending.reply(ControlAnswer::success(fmt::format("{} stopped{}", pending.service, how)));
    } else if (m_shutting_down) {
      pending.reply(ControlAnswer::failure(
        fmt::format("{} was stopped, but rastar-init is shutting down, so it was not started again",
                    pending.service)));
    } else {
      pending.reply(start_by_command(service, "restarted"));
    }
  }
}

} // namespace rastar::supervise
