#include <rastar/config/service_section.hpp>

#include <rastar/config/command_words.hpp>
#include <rastar/config/did_you_mean.hpp>
#include <rastar/config/signal_names.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <grp.h>
#include <pwd.h>
#include <set>
#include <vector>

namespace rastar::config {

namespace {

const std::vector<std::string> k_service_keys = {
  "command", "shell", "cwd", "env", "user", "group", "restart", "backoff", "crash_loop", "critical",
  "depends_on", "stop_signal", "stop_timeout", "success_codes", "ready", "health", "log"};

const std::vector<std::string> k_check_keys = {
  "http", "tcp", "command", "shell", "interval", "timeout", "retries", "start_period"};

bool
is_valid_service_name(const std::string& name)
{
  const auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (name.empty() || !is_alnum(name[0])) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == '-';
  });
}

bool
is_valid_variable_name(const std::string& name)
{
  return !name.empty() && name.find('=') == std::string::npos && name.find('\0') == std::string::npos;
}

bool
is_number(const std::string& text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

// `command:` and a check's `command:`: a list is argv; a string is split into
// words, or handed to /bin/sh -c with `shell: true`.
std::vector<std::string>
read_command(const YamlValue& value, const std::optional<YamlValue>& shell)
{
  const bool use_shell = shell && shell->boolean();
  std::vector<std::string> argv;
  if (value.is_sequence()) {
    if (use_shell) {
      shell->fail("shell: true needs the command written as one string, not a list");
    }
    for (const auto& item : value.sequence()) {
      argv.push_back(item.string());
    }
  } else if (value.is_scalar()) {
    const std::string text = value.string();
    if (use_shell) {
      if (text.empty()) {
        value.fail("must not be empty");
      }
      return {"/bin/sh", "-c", text};
    }
    std::string error;
    auto words = split_command_words(text, &error);
    if (!words) {
      value.fail(error);
    }
    argv = std::move(*words);
  } else {
    value.fail_type("a list of words or a string");
  }
  if (argv.empty()) {
    value.fail("must not be empty");
  }
  if (argv.front().empty()) {
    value.fail("the program (the first word) must not be empty");
  }
  return argv;
}

namespace {

Check
read_check(const YamlValue& value)
{
  const auto map = value.map(k_check_keys);
  Check check;
  std::vector<std::string> kinds;
  for (const char* kind : {"http", "tcp", "command"}) {
    if (map.get(kind)) {
      kinds.emplace_back(kind);
    }
  }
  if (kinds.empty()) {
    value.fail("needs one of http, tcp or command");
  }
  if (kinds.size() > 1) {
    value.fail(fmt::format("has both {} and {}; a check uses exactly one", kinds[0], kinds[1]));
  }
  if (const auto shell = map.get("shell"); shell && !map.get("command")) {
    shell->fail("only applies to a command check");
  }
  if (const auto http = map.get("http")) {
    check.kind = CheckKind::http;
    check.http_url = http->string();
    if (!check.http_url.starts_with("http://") || check.http_url.size() <= 7) {
      http->fail(fmt::format("\"{}\" is not an http:// URL (the check talks plain HTTP to the service, "
                             "for example http://127.0.0.1:3000/health)",
                             check.http_url));
    }
  } else if (const auto tcp = map.get("tcp")) {
    check.kind = CheckKind::tcp;
    check.tcp_address = tcp->string();
    const auto colon = check.tcp_address.rfind(':');
    const std::string port = colon == std::string::npos ? "" : check.tcp_address.substr(colon + 1);
    if (colon == 0 || !is_number(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      tcp->fail(fmt::format("\"{}\" is not host:port (for example 127.0.0.1:3000)", check.tcp_address));
    }
  } else {
    check.kind = CheckKind::command;
    check.command = read_command(*map.get("command"), map.get("shell"));
  }
  if (const auto interval = map.get("interval")) {
    check.interval = interval->duration(false);
  }
  if (const auto timeout = map.get("timeout")) {
    check.timeout = timeout->duration(false);
  }
  if (const auto retries = map.get("retries")) {
    check.retries = static_cast<int>(retries->integer(1, 1000));
  }
  if (const auto start_period = map.get("start_period")) {
    check.start_period = start_period->duration(true);
  }
  return check;
}

std::map<std::string, std::string>
read_env(const YamlValue& value)
{
  std::map<std::string, std::string> env;
  if (value.is_sequence()) {
    // Compose's list form: `- KEY=VALUE`; a later entry wins.
    for (const auto& item : value.sequence()) {
      const std::string text = item.string();
      const auto equals = text.find('=');
      if (equals == std::string::npos || equals == 0) {
        item.fail(fmt::format("\"{}\" is not KEY=VALUE", text));
      }
      env[text.substr(0, equals)] = text.substr(equals + 1);
    }
    return env;
  }
  if (!value.is_map() && !value.is_null()) {
    value.fail_type("a map of variables (or a list of KEY=VALUE)");
  }
  for (const auto& [name, item] : value.entries()) {
    if (!is_valid_variable_name(name)) {
      item.fail("is not a variable name");
    }
    if (item.is_null()) {
      item.fail("has no value; write \"\" for an empty one");
    }
    env[name] = item.string();
  }
  return env;
}

void
read_depends_on(const YamlValue& value,
                ServiceConfig& service,
                std::map<std::string, YamlValue>& positions)
{
  if (value.is_sequence()) {
    for (const auto& item : value.sequence()) {
      const std::string name = item.string();
      service.depends_on[name] = DependencyCondition::started;
      positions.insert_or_assign(name, item);
    }
    return;
  }
  if (!value.is_map() && !value.is_null()) {
    value.fail_type("a list of services or a map of service: {condition: …}");
  }
  for (const auto& [name, item] : value.entries()) {
    DependencyCondition condition = DependencyCondition::started;
    if (!item.is_null()) {
      const auto options = item.map({"condition"});
      if (const auto named = options.get("condition")) {
        condition = named->choice({"started", "healthy"}) == 0 ? DependencyCondition::started
                                                                : DependencyCondition::healthy;
      }
    }
    service.depends_on[name] = condition;
    positions.insert_or_assign(name, item);
  }
}

// `user: name`, `user: 1000`, `user: name:group` or `user: 1000:1000`, as Docker writes it.
void
read_user_and_group(const YamlMap& map, ServiceConfig& service, AccountCheck accounts)
{
  const auto report = [&](const YamlValue& value, const std::string& message) {
    if (accounts == AccountCheck::error) {
      value.fail(message);
    }
    value.warn(message + "; the service cannot start on this machine");
  };
  const auto user = map.get("user");
  const auto group = map.get("group");
  if (user) {
    service.user = user->string();
    const auto colon = service.user.find(':');
    if (colon != std::string::npos) {
      if (group) {
        group->fail("is given twice: here and after the \":\" in user");
      }
      service.group = service.user.substr(colon + 1);
      service.user.erase(colon);
    }
    if (service.user.empty()) {
      user->fail("must name a user");
    }
    if (!is_number(service.user) && getpwnam(service.user.c_str()) == nullptr) {
      report(*user, fmt::format("user \"{}\" does not exist on this system", service.user));
    }
  }
  if (group) {
    service.group = group->string();
  }
  if (user || group) {
    const YamlValue& at = group ? *group : *user;
    if (service.group.empty() && group) {
      at.fail("must name a group");
    }
    if (!service.group.empty() && !is_number(service.group) && getgrnam(service.group.c_str()) == nullptr) {
      report(at, fmt::format("group \"{}\" does not exist on this system", service.group));
    }
  }
}

ServiceConfig
read_service(const std::string& name,
             const YamlValue& value,
             const std::filesystem::path& base_directory,
             AccountCheck accounts,
             std::map<std::string, YamlValue>& dependency_positions)
{
  if (!value.is_map()) {
    value.fail_type("a map of the service's settings");
  }
  const auto map = value.map(k_service_keys);
  ServiceConfig service;
  service.name = name;

  const auto command = map.get("command");
  if (!command) {
    value.fail("needs a command");
  }
  service.command = read_command(*command, map.get("shell"));
  if (const auto cwd = map.get("cwd")) {
    const std::string directory = cwd->string();
    if (directory.empty()) {
      cwd->fail("must not be empty; leave cwd out to run in rastar-init's directory");
    }
    service.cwd = (base_directory / directory).lexically_normal().string();
  }
  if (const auto env = map.get("env")) {
    service.env = read_env(*env);
  }
  read_user_and_group(map, service, accounts);
  if (const auto restart = map.get("restart")) {
    constexpr RestartPolicy k_policies[] = {RestartPolicy::always, RestartPolicy::on_failure, RestartPolicy::never};
    service.restart = k_policies[restart->choice({"always", "on-failure", "never"})];
  }
  if (const auto backoff = map.get("backoff")) {
    const auto settings = backoff->map({"initial", "max", "multiplier", "reset_after"});
    if (const auto initial = settings.get("initial")) {
      service.backoff.initial = initial->duration(true);
    }
    if (const auto max = settings.get("max")) {
      service.backoff.max = max->duration(true);
    }
    if (const auto multiplier = settings.get("multiplier")) {
      const std::string text = multiplier->string();
      double number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (error != std::errc() || end != text.data() + text.size() || !(number >= 1.0 && number <= 100.0)) {
        multiplier->fail(fmt::format("\"{}\" is not a number between 1 and 100", text));
      }
      service.backoff.multiplier = number;
    }
    if (const auto reset_after = settings.get("reset_after")) {
      service.backoff.reset_after = reset_after->duration(true);
    }
    if (service.backoff.initial > service.backoff.max) {
      backoff->fail("initial must not be longer than max");
    }
  }
  if (const auto crash_loop = map.get("crash_loop")) {
    const auto settings = crash_loop->map({"limit", "window"});
    if (const auto limit = settings.get("limit")) {
      service.crash_loop_limit = static_cast<int>(limit->integer(0, 1'000'000));
    }
    if (const auto window = settings.get("window")) {
      service.crash_loop_window = window->duration(false);
    }
  }
  if (const auto critical = map.get("critical")) {
    service.critical = critical->boolean();
  }
  if (const auto depends_on = map.get("depends_on")) {
    read_depends_on(*depends_on, service, dependency_positions);
  }
  if (const auto stop_signal = map.get("stop_signal")) {
    const std::string text = stop_signal->string();
    const auto number = parse_signal(text);
    if (!number) {
      stop_signal->fail(fmt::format("\"{}\" is not a signal; write a name like SIGTERM or TERM, or a number", text));
    }
    service.stop_signal = *number;
  }
  if (const auto stop_timeout = map.get("stop_timeout")) {
    service.stop_timeout = stop_timeout->duration(true);
  }
  if (const auto success_codes = map.get("success_codes")) {
    service.success_codes.clear();
    for (const auto& code : success_codes->sequence()) {
      service.success_codes.push_back(static_cast<int>(code.integer(0, 255)));
    }
    if (service.success_codes.empty()) {
      success_codes->fail("must list at least one exit code");
    }
  }
  if (const auto ready = map.get("ready")) {
    service.ready = read_check(*ready);
  }
  if (const auto health = map.get("health")) {
    service.health = read_check(*health);
  }
  if (const auto log = map.get("log")) {
    const auto settings = log->map({"format", "max_line_bytes"});
    if (const auto format = settings.get("format")) {
      constexpr LogFormat k_formats[] = {LogFormat::prefixed, LogFormat::json, LogFormat::raw};
      service.log_format = k_formats[format->choice({"prefixed", "json", "raw"})];
    }
    if (const auto max_line_bytes = settings.get("max_line_bytes")) {
      service.max_line_bytes = static_cast<std::size_t>(max_line_bytes->integer(80, 16 * 1024 * 1024));
    }
  }
  return service;
}

// Depth-first search for a cycle; returns it as a path that ends where it starts.
std::vector<std::string>
find_cycle(const std::map<std::string, ServiceConfig>& services)
{
  enum class Mark { unvisited, on_path, done };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::vector<std::string> cycle;
  std::function<bool(const std::string&)> visit = [&](const std::string& name) {
    marks[name] = Mark::on_path;
    path.push_back(name);
    for (const auto& [dependency, condition] : services.at(name).depends_on) {
      if (marks[dependency] == Mark::on_path) {
        const auto start = std::find(path.begin(), path.end(), dependency);
        cycle.assign(start, path.end());
        cycle.push_back(dependency);
        return true;
      }
      if (marks[dependency] == Mark::unvisited && visit(dependency)) {
        return true;
      }
    }
    path.pop_back();
    marks[name] = Mark::done;
    return false;
  };
  for (const auto& [name, service] : services) {
    if (marks[name] == Mark::unvisited && visit(name)) {
      return cycle;
    }
  }
  return {};
}

} // namespace

std::map<std::string, ServiceConfig>
read_services(const YamlValue& services, const std::filesystem::path& base_directory, AccountCheck accounts)
{
  std::map<std::string, ServiceConfig> result;
  std::map<std::string, std::map<std::string, YamlValue>> dependency_positions;
  std::map<std::string, YamlValue> service_values;
  for (const auto& [name, value] : services.entries()) {
    if (!is_valid_service_name(name)) {
      value.fail(fmt::format("\"{}\" is not a valid service name; use letters, digits, \"_\", \".\" and \"-\", "
                             "starting with a letter or digit",
                             name));
    }
    result.emplace(name, read_service(name, value, base_directory, accounts, dependency_positions[name]));
    service_values.emplace(name, value);
  }

  std::vector<std::string> names;
  for (const auto& [name, service] : result) {
    names.push_back(name);
  }
  for (const auto& [name, service] : result) {
    for (const auto& [dependency, condition] : service.depends_on) {
      const YamlValue& at = dependency_positions[name].at(dependency);
      const auto target = result.find(dependency);
      if (target == result.end()) {
        const auto suggestion = did_you_mean(dependency, names);
        at.fail(suggestion ? fmt::format("no service named \"{}\"; did you mean \"{}\"?", dependency, *suggestion)
                           : fmt::format("no service named \"{}\"", dependency));
      }
      if (condition == DependencyCondition::healthy && target->second.ready.kind == CheckKind::none &&
          target->second.health.kind == CheckKind::none) {
        at.fail(fmt::format("\"{}\" has no ready or health check, so it never becomes healthy; "
                            "give it one or use condition: started",
                            dependency));
      }
    }
  }
  const auto cycle = find_cycle(result);
  if (!cycle.empty()) {
    std::string text;
    for (const auto& name : cycle) {
      text += (text.empty() ? "" : " -> ") + name;
    }
    dependency_positions[cycle[0]].at(cycle[1]).fail("dependency cycle: " + text);
  }
  return result;
}

} // namespace rastar::config
