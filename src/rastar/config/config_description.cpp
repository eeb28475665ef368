#include <rastar/config/config_description.hpp>

#include <rastar/config/duration.hpp>
#include <rastar/config/signal_names.hpp>
#include <rastar/db/database_url.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

namespace rastar::config {

namespace {

constexpr std::string_view k_mask = "****";

// A URL anywhere in `text` may carry a password (`postgresql://u:pw@h/db`).
std::string
mask_urls(const std::string& text)
{
  if (text.find("://") == std::string::npos && text.find("password=") == std::string::npos) {
    return text;
  }
  return db::redact_database_url(text);
}

std::string
duration_text(Milliseconds duration)
{
  return format_duration(duration);
}

nlohmann::ordered_json
describe_check(const Check& check)
{
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  switch (check.kind) {
  case CheckKind::http: result["http"] = check.http_url; break;
  case CheckKind::tcp: result["tcp"] = check.tcp_address; break;
  case CheckKind::command: {
    nlohmann::ordered_json command = nlohmann::ordered_json::array();
    for (const auto& word : check.command) {
      command.push_back(mask_urls(word));
    }
    result["command"] = command;
    break;
  }
  case CheckKind::none: break;
  }
  result["interval"] = duration_text(check.interval);
  result["timeout"] = duration_text(check.timeout);
  result["retries"] = check.retries;
  result["start_period"] = duration_text(check.start_period);
  return result;
}

nlohmann::ordered_json
describe_service(const ServiceConfig& service)
{
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  nlohmann::ordered_json command = nlohmann::ordered_json::array();
  for (const auto& word : service.command) {
    command.push_back(mask_urls(word));
  }
  result["command"] = command;
  if (!service.cwd.empty()) {
    result["cwd"] = service.cwd;
  }
  if (!service.env.empty()) {
    nlohmann::ordered_json env = nlohmann::ordered_json::object();
    for (const auto& [name, value] : service.env) {
      env[name] = looks_secret(name) ? std::string(k_mask) : mask_urls(value);
    }
    result["env"] = env;
  }
  if (!service.user.empty()) {
    result["user"] = service.user;
  }
  if (!service.group.empty()) {
    result["group"] = service.group;
  }
  constexpr const char* k_restart_names[] = {"always", "on-failure", "never"};
  result["restart"] = k_restart_names[static_cast<int>(service.restart)];
  result["backoff"] = {{"initial", duration_text(service.backoff.initial)},
                       {"max", duration_text(service.backoff.max)},
                       {"multiplier", service.backoff.multiplier},
                       {"reset_after", duration_text(service.backoff.reset_after)}};
  result["crash_loop"] = {{"limit", service.crash_loop_limit}, {"window", duration_text(service.crash_loop_window)}};
  result["critical"] = service.critical;
  if (!service.depends_on.empty()) {
    nlohmann::ordered_json depends_on = nlohmann::ordered_json::object();
    for (const auto& [name, condition] : service.depends_on) {
      depends_on[name] = {{"condition", condition == DependencyCondition::healthy ? "healthy" : "started"}};
    }
    result["depends_on"] = depends_on;
  }
  result["stop_signal"] = signal_name(service.stop_signal);
  result["stop_timeout"] = duration_text(service.stop_timeout);
  result["success_codes"] = service.success_codes;
  if (service.ready.kind != CheckKind::none) {
    result["ready"] = describe_check(service.ready);
  }
  if (service.health.kind != CheckKind::none) {
    result["health"] = describe_check(service.health);
  }
  constexpr const char* k_log_formats[] = {"prefixed", "json", "raw"};
  result["log"] = {{"format", k_log_formats[static_cast<int>(service.log_format)]},
                   {"max_line_bytes", service.max_line_bytes}};
  return result;
}

// A seed as it will run; literal values whose field name looks secret are
// masked, and a bcrypt value shows the variable it reads, never a password.
nlohmann::ordered_json
describe_seed(const seed::SeedSpec& spec)
{
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  if (spec.kind == seed::SeedSpec::Kind::sql) {
    result["sql"] = spec.script.string();
    result["unless"] = spec.unless;
    return result;
  }
  if (!spec.model.empty()) {
    result["model"] = spec.model;
  } else {
    result["table"] = spec.table;
  }
  result["key"] = spec.key;
  nlohmann::ordered_json values = nlohmann::ordered_json::object();
  for (const auto& [field, value] : spec.values) {
    switch (value.kind) {
    case seed::SeedValue::Kind::null: values[field] = nullptr; break;
    case seed::SeedValue::Kind::bcrypt_env:
      values[field] = {{"bcrypt_env", value.variable}, {"cost", value.cost}};
      break;
    case seed::SeedValue::Kind::literal:
      values[field] = looks_secret(field) ? std::string(k_mask) : mask_urls(value.text);
      break;
    }
  }
  result["values"] = values;
  return result;
}

void
emit(YAML::Emitter& out, const nlohmann::ordered_json& value)
{
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      emit(out, item);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    const bool all_scalars =
      std::none_of(value.begin(), value.end(), [](const auto& item) { return item.is_structured(); });
    out << (all_scalars ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
    for (const auto& item : value) {
      emit(out, item);
    }
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    out << value.get<std::string>();
  } else if (value.is_boolean()) {
    out << value.get<bool>();
  } else if (value.is_number_integer()) {
    out << value.get<long long>();
  } else if (value.is_number()) {
    out << value.get<double>();
  } else {
    out << YAML::Null;
  }
}

} // namespace

bool
looks_secret(std::string_view name)
{
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  for (std::string_view word : {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY"}) {
    if (upper.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

nlohmann::ordered_json
describe_config(const Config& config)
{
  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  result["source"] = config.source.string();

  nlohmann::ordered_json database = nlohmann::ordered_json::object();
  if (config.database.url) {
    database["url"] = db::redact_database_url(*config.database.url);
  }
  if (config.database.wait_timeout) {
    database["wait_timeout"] = duration_text(*config.database.wait_timeout);
  }
  if (config.database.lock_timeout) {
    database["lock_timeout"] = duration_text(*config.database.lock_timeout);
  }
  database["sqlite_timestamps"] =
    config.database.sqlite_timestamps == SqliteTimestamps::iso8601 ? "iso8601" : "unixepoch-ms";
  result["database"] = database;

  if (config.migrations.directory) {
    result["migrations"] = config.migrations.directory->string();
  } else if (!config.migrations.by_provider.empty()) {
    nlohmann::ordered_json migrations = nlohmann::ordered_json::object();
    for (const auto& [provider, directory] : config.migrations.by_provider) {
      migrations[std::string(db::provider_name(provider))] = directory.string();
    }
    result["migrations"] = migrations;
  }
  if (config.schema) {
    result["schema"] = config.schema->string();
  }
  if (config.guard_policy) {
    result["guard"] = {{"policy", std::string(lint::policy_name(*config.guard_policy))}};
  }

  // Left out at its defaults, as the file may leave it out.
  const auto& backup = config.backup;
  if (!backup.enabled || backup.directory || backup.keep != backup::BackupConfig().keep || !backup.command.empty()) {
    nlohmann::ordered_json section = {{"enabled", backup.enabled}};
    if (backup.directory) {
      section["directory"] = backup.directory->string();
    }
    section["keep"] = backup.keep;
    if (!backup.command.empty()) {
      nlohmann::ordered_json command = nlohmann::ordered_json::array();
      for (const auto& word : backup.command) {
        command.push_back(mask_urls(word));
      }
      section["command"] = command;
    }
    result["backup"] = section;
  }

  if (!config.seeds.empty()) {
    nlohmann::ordered_json seeds = nlohmann::ordered_json::object();
    for (const auto& spec : config.seeds) {
      seeds[spec.name] = describe_seed(spec);
    }
    result["seeds"] = seeds;
  }

  nlohmann::ordered_json run = nlohmann::ordered_json::object();
  if (config.run.migrate) {
    run["migrate"] = *config.run.migrate;
  }
  if (config.run.seed) {
    run["seed"] = *config.run.seed;
  }
  if (!run.empty()) {
    result["run"] = run;
  }

  const SupervisorConfig& supervisor = config.supervisor;
  result["shutdown_timeout"] = duration_text(supervisor.shutdown_timeout);
  result["sighup"] = supervisor.sighup_reloads ? "reload" : "forward";
  result["status"] = {{"listen", supervisor.status.listen}};
  result["control"] = {{"socket", supervisor.control.socket}};
  nlohmann::ordered_json services = nlohmann::ordered_json::object();
  for (const auto& [name, service] : supervisor.services) {
    services[name] = describe_service(service);
  }
  result["services"] = services;
  return result;
}

std::string
to_yaml(const nlohmann::ordered_json& value)
{
  YAML::Emitter out;
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

} // namespace rastar::config
