#include <rastar/config/backup_section.hpp>

#include <rastar/config/service_section.hpp>

namespace rastar::config {

backup::BackupConfig
read_backup(const YamlValue& value, const std::filesystem::path& base_directory)
{
  if (!value.is_map()) {
    value.fail_type("a map with enabled, directory, keep, command and shell");
  }
  const auto map = value.map({"enabled", "directory", "keep", "command", "shell"});
  backup::BackupConfig config;
  if (const auto enabled = map.get("enabled")) {
    config.enabled = enabled->boolean();
  }
  if (const auto directory = map.get("directory")) {
    const std::string text = directory->string();
    if (text.empty()) {
      directory->fail("must not be empty; leave the key out for the default (backups/ beside the database)");
    }
    config.directory = (base_directory / text).lexically_normal();
  }
  if (const auto keep = map.get("keep")) {
    config.keep = static_cast<int>(keep->integer(0, 100000));
  }
  const auto shell = map.get("shell");
  if (const auto command = map.get("command")) {
    config.command = read_command(*command, shell);
  } else if (shell) {
    shell->fail("only applies to a backup command");
  }
  return config;
}

} // namespace rastar::config
