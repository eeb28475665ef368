#include <rastar/config/config_file.hpp>

#include <rastar/config/backup_section.hpp>
#include <rastar/config/seed_section.hpp>
#include <rastar/config/service_section.hpp>
#include <rastar/config/yaml_reader.hpp>
#include <rastar/db/database_url.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <sstream>

namespace rastar::config {

namespace {

const std::vector<std::string> k_top_level_keys = {
  "database", "guard", "migrations", "schema", "seeds", "run", "services", "shutdown_timeout", "sighup", "status", "control", "backup"};

std::filesystem::path
resolve(const std::filesystem::path& base_directory, const std::string& path)
{
  return (base_directory / path).lexically_normal();
}

std::filesystem::path
read_path(const YamlValue& value, const std::filesystem::path& base_directory)
{
  const std::string text = value.string();
  if (text.empty()) {
    value.fail("must not be empty");
  }
  return resolve(base_directory, text);
}

DatabaseSettings
read_database(const YamlValue& value, const std::filesystem::path& base_directory)
{
  const auto map = value.map({"url", "wait_timeout", "lock_timeout", "sqlite_timestamps"});
  DatabaseSettings database;
  if (const auto url = map.get("url")) {
    // Empty (an unset ${DATABASE_URL}) leaves the URL to the environment (D4).
    if (auto text = url->string(); !text.empty()) {
      try {
        db::parse_database_url(text, base_directory);
      } catch (const Error& e) {
        url->fail(e.what());
      }
      database.url = std::move(text);
    }
  }
  if (const auto wait_timeout = map.get("wait_timeout")) {
    database.wait_timeout = wait_timeout->duration(true);
  }
  if (const auto lock_timeout = map.get("lock_timeout")) {
    database.lock_timeout = lock_timeout->duration(true);
  }
  if (const auto sqlite_timestamps = map.get("sqlite_timestamps")) {
    database.sqlite_timestamps = sqlite_timestamps->choice({"iso8601", "unixepoch-ms"}) == 0
                                   ? SqliteTimestamps::iso8601
                                   : SqliteTimestamps::unixepoch_ms;
  }
  return database;
}

MigrationsSetting
read_migrations(const YamlValue& value, const std::filesystem::path& base_directory)
{
  MigrationsSetting migrations;
  if (value.is_scalar()) {
    migrations.directory = read_path(value, base_directory);
    return migrations;
  }
  if (!value.is_map()) {
    value.fail_type("a directory or a map of provider: directory");
  }
  const auto map = value.map({"postgresql", "sqlite"});
  if (const auto postgresql = map.get("postgresql")) {
    migrations.by_provider[db::Provider::postgresql] = read_path(*postgresql, base_directory);
  }
  if (const auto sqlite = map.get("sqlite")) {
    migrations.by_provider[db::Provider::sqlite] = read_path(*sqlite, base_directory);
  }
  if (migrations.by_provider.empty()) {
    value.fail("names no directory; write postgresql: DIR and/or sqlite: DIR");
  }
  return migrations;
}

RunSettings
read_run(const YamlValue& value)
{
  const auto map = value.map({"migrate", "seed"});
  RunSettings run;
  if (const auto migrate = map.get("migrate")) {
    run.migrate = migrate->boolean();
  }
  if (const auto seed = map.get("seed")) {
    run.seed = seed->boolean();
  }
  return run;
}

// `host:port`, with the port a number from 1 to 65535 (`[::1]:8079` works too).
bool
is_host_and_port(const std::string& text)
{
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() || text.size() - colon - 1 > 5) {
    return false;
  }
  int port = 0;
  for (std::size_t i = colon + 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    port = port * 10 + (text[i] - '0');
  }
  return port >= 1 && port <= 65535;
}

void
read_supervisor_settings(const YamlMap& top, SupervisorConfig& supervisor, const std::filesystem::path& base)
{
  if (const auto shutdown_timeout = top.get("shutdown_timeout")) {
    supervisor.shutdown_timeout = shutdown_timeout->duration(true);
  }
  if (const auto sighup = top.get("sighup")) {
    supervisor.sighup_reloads = sighup->choice({"forward", "reload"}) == 1;
  }
  if (const auto status = top.get("status")) {
    const auto map = status->map({"listen"});
    if (const auto listen = map.get("listen")) {
      const std::string text = listen->string();
      if (text != "0" && !is_host_and_port(text)) {
        listen->fail(fmt::format("\"{}\" is not host:port (for example 127.0.0.1:8079), or 0 to turn it off", text));
      }
      supervisor.status.listen = text;
      supervisor.status.listen_given = true;
    }
  }
  if (const auto control = top.get("control")) {
    const auto map = control->map({"socket"});
    if (const auto socket = map.get("socket")) {
      const std::string text = socket->string();
      // "" or "0" (as status.listen) turns it off.
      supervisor.control.socket = text.empty() || text == "0" ? "" : resolve(base, text).string();
    }
  }
}

void
report(const std::vector<std::string>& found, std::vector<std::string>* warnings)
{
  for (const auto& warning : found) {
    if (warnings) {
      warnings->push_back(warning);
    } else {
      spdlog::warn("{}", warning);
    }
  }
}

} // namespace

std::optional<std::filesystem::path>
find_config_path(const std::optional<std::string>& flag, bool fall_back_to_default)
{
  if (flag && !flag->empty()) {
    return std::filesystem::path(*flag);
  }
  if (const char* variable = std::getenv("RASTAR_INIT_CONFIG"); variable && *variable) {
    return std::filesystem::path(variable);
  }
  if (fall_back_to_default) {
    std::error_code error;
    if (std::filesystem::exists(k_default_config_path, error)) {
      return std::filesystem::path(k_default_config_path);
    }
  }
  return std::nullopt;
}

Config
load_config_file(const std::filesystem::path& path, const LoadOptions& options, std::vector<std::string>* warnings)
{
  if (std::filesystem::is_directory(path)) {
    throw config_error(path.string() + ": is a directory; --config and RASTAR_INIT_CONFIG name the YAML file");
  }
  std::string error;
  const auto text = util::read_file(path, &error);
  if (!text) {
    throw config_error(error);
  }
  Config config = parse_config(*text, path.string(), options, warnings);
  config.source = path;
  return config;
}

namespace {

// Where a second YAML document starts, if the text has one. Not LoadAll:
// yaml-cpp 0.7's LoadAll loops without end, allocating, on a document that
// starts with a stray "," (jbeder/yaml-cpp#1040); this reads at most two
// documents and ignores a "second" one that did not move past the first.
class DocumentStarts : public YAML::EventHandler
{
public:
  std::vector<YAML::Mark> marks;

  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

std::optional<YAML::Mark>
second_document_start(const std::string& text)
{
  std::istringstream input(text);
  YAML::Parser parser(input);
  DocumentStarts starts;
  for (int i = 0; i < 2 && parser.HandleNextDocument(starts); ++i) {
  }
  if (starts.marks.size() < 2 || starts.marks[1].pos <= starts.marks[0].pos) {
    return std::nullopt;
  }
  return starts.marks[1];
}

} // namespace

Config
parse_config(const std::string& text,
             const std::string& label,
             const LoadOptions& options,
             std::vector<std::string>* warnings)
{
  YamlDocument document(label, text, options.environment);
  YAML::Node first_root;
  try {
    first_root = YAML::Load(text);
    if (const auto second = second_document_start(text)) {
      document.fail(*second, "", "a second YAML document starts here; keep the whole config in one");
    }
  } catch (const YAML::Exception& e) {
    document.fail(e.mark, "", e.msg);
  }
  const YamlValue root(document, first_root, "", YAML::Mark());
  if (!root.is_map()) {
    root.fail_type("a map of settings (services, database, migrations, …)");
  }
  const auto base = options.base_directory.empty() ? std::filesystem::current_path() : options.base_directory;
  const auto top = root.map(k_top_level_keys, true);

  Config config;
  if (const auto database = top.get("database")) {
    config.database = read_database(*database, base);
  }
  if (const auto migrations = top.get("migrations")) {
    config.migrations = read_migrations(*migrations, base);
  }
  if (const auto schema = top.get("schema")) {
    config.schema = read_path(*schema, base);
  }
  if (const auto backup = top.get("backup")) {
    config.backup = read_backup(*backup, base);
  }
  if (const auto seeds = top.get("seeds")) {
    config.seeds = read_seeds(*seeds, base);
  }
  if (const auto run = top.get("run")) {
    config.run = read_run(*run);
  }
  if (const auto guard = top.get("guard")) {
    const auto map = guard->map({"policy"});
    if (const auto policy = map.get("policy")) {
      config.guard_policy = static_cast<lint::Policy>(policy->choice({"warn", "refuse", "off"}));
    }
  }
  read_supervisor_settings(top, config.supervisor, base);
  if (const auto services = top.get("services")) {
    config.supervisor.services = read_services(*services, base, options.accounts);
  }
  report(document.warnings(), warnings);
  return config;
}

} // namespace rastar::config
