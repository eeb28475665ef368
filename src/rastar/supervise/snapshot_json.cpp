#include <rastar/supervise/snapshot_json.hpp>

#include <nlohmann/json.hpp>

namespace rastar::supervise {

namespace {

nlohmann::json
optional_to_json(const std::optional<int>& value)
{
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// A field that may be null or absent.
std::optional<int>
optional_from_json(const nlohmann::json& json, const char* key)
{
  const auto field = json.find(key);
  if (field == json.end() || field->is_null()) {
    return std::nullopt;
  }
  return field->get<int>();
}

} // namespace

void
to_json(nlohmann::json& json, const ServiceSnapshot& service)
{
  json = nlohmann::json{
    {"name", service.name},
    {"state", service.state},
    {"pid", optional_to_json(service.pid)},
    {"restarts", service.restarts},
    {"last_exit_code", optional_to_json(service.last_exit_code)},
    {"last_exit_signal", optional_to_json(service.last_exit_signal)},
    {"uptime_seconds", service.uptime_seconds},
    {"health", service.health},
    {"critical", service.critical},
  };
}

void
from_json(const nlohmann::json& json, ServiceSnapshot& service)
{
  json.at("name").get_to(service.name);
  json.at("state").get_to(service.state);
  service.pid = optional_from_json(json, "pid");
  json.at("restarts").get_to(service.restarts);
  service.last_exit_code = optional_from_json(json, "last_exit_code");
  service.last_exit_signal = optional_from_json(json, "last_exit_signal");
  json.at("uptime_seconds").get_to(service.uptime_seconds);
  json.at("health").get_to(service.health);
  json.at("critical").get_to(service.critical);
}

void
to_json(nlohmann::json& json, const Snapshot& snapshot)
{
  json = nlohmann::json{
    {"phase", snapshot.phase},
    {"uptime_seconds", snapshot.uptime_seconds},
    {"ready", snapshot.ready},
    {"healthy", snapshot.healthy},
    {"services", snapshot.services},
  };
}

void
from_json(const nlohmann::json& json, Snapshot& snapshot)
{
  json.at("phase").get_to(snapshot.phase);
  json.at("uptime_seconds").get_to(snapshot.uptime_seconds);
  json.at("ready").get_to(snapshot.ready);
  json.at("healthy").get_to(snapshot.healthy);
  json.at("services").get_to(snapshot.services);
}

std::string
snapshot_to_json_text(const Snapshot& snapshot)
{
  // Replace rather than throw on a name that is not UTF-8: /status must always answer.
  return nlohmann::json(snapshot).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Snapshot
snapshot_from_json_text(const std::string& text)
{
  return nlohmann::json::parse(text).get<Snapshot>();
}

} // namespace rastar::supervise
