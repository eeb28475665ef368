// SIGHUP with `sighup: reload`: the config is read again and the running set
// of services brought to it, as `docker compose up` does for a changed file.
#include <rastar/supervise/supervisor.hpp>

#include <rastar/util/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace rastar::supervise {

namespace {

// "2 restarted (api, web)", or "" when `names` is empty.
std::string
describe(const std::vector<std::string>& names, const char* what)
{
  if (names.empty()) {
    return "";
  }
  return fmt::format("{} {} ({})", names.size(), what, fmt::join(names, ", "));
}

} // namespace

void
Supervisor::set_reload_handler(ConfigLoader loader)
{
  m_reload_loader = std::move(loader);
}

bool
Supervisor::retiring(const std::string& name) const
{
  return std::any_of(m_retiring.begin(), m_retiring.end(),
                     [&](const std::unique_ptr<Service>& service) { return service->name() == name; });
}

void
Supervisor::reload()
{
  if (m_shutting_down || m_exit_code) {
    spdlog::info("received SIGHUP while shutting down: not reloading the config");
    return;
  }
  spdlog::info("received SIGHUP: reloading the config");
  try {
    apply_config(m_reload_loader());
  } catch (const Error& e) {
    spdlog::error("reload: {}; the services keep running as they are", e.what());
  }
}

void
Supervisor::apply_config(config::SupervisorConfig config)
{
  check_supervisor_graph(config);
  if (config.services.empty()) {
    throw config_error("services: the reloaded config has none; a reload does not stop every service (send "
                       "SIGTERM to stop the container)");
  }
  if (config.status.listen != m_config.status.listen || config.control.socket != m_config.control.socket) {
    spdlog::warn("reload: status.listen and control.socket take effect at the next start, not at a reload");
  }
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  std::vector<std::string> added;
  std::vector<std::string> unchanged;
  for (auto& [name, service] : m_services) {
    const auto found = config.services.find(name);
    if (found == config.services.end()) {
      removed.push_back(name);
      continue;
    }
    config::ServiceConfig named = found->second;
    named.name = name;
    (named == service->config() ? unchanged : changed).push_back(name);
  }
  for (const auto& [name, service_config] : config.services) {
    if (m_services.count(name) == 0) {
      added.push_back(name);
    }
  }
  // A control action waiting on a service that goes away gets its answer now.
  std::erase_if(m_pending_control, [&](PendingControl& pending) {
    const bool affected = std::find(removed.begin(), removed.end(), pending.service) != removed.end() ||
                          std::find(changed.begin(), changed.end(), pending.service) != changed.end();
    if (affected) {
      pending.reply(ControlAnswer::failure(
        fmt::format("{}: the config was reloaded meanwhile; see `rastar-init status` for its state", pending.service)));
    }
    return affected;
  });
  for (const auto& name : removed) {
    auto service = std::move(m_services.at(name));
    m_services.erase(name);
    m_held_down.erase(name);
    service->stop();
    m_retiring.push_back(std::move(service));
  }
  for (const auto& name : changed) {
    auto old_service = std::move(m_services.at(name));
    old_service->stop();
    m_retiring.push_back(std::move(old_service));
    m_services[name] = make_service(name, config.services.at(name));
    if (held_down(name)) {
      m_services[name]->stop(); // stopped by command: stays down until started
    }
  }
  for (const auto& name : added) {
    m_services.emplace(name, make_service(name, config.services.at(name)));
  }
  m_config = std::move(config);
  std::vector<std::string> parts;
  for (const auto& part : {describe(changed, "restarted"), describe(added, "added"), describe(removed, "removed")}) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  if (parts.empty()) {
    spdlog::info("reload: nothing changed");
  } else {
    spdlog::info("reload: {}; {} unchanged", fmt::join(parts, ", "), unchanged.size());
  }
  request_reconcile();
}

} // namespace rastar::supervise
