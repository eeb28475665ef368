#pragma once

#include <rastar/backup/backup_config.hpp>
#include <rastar/config/yaml_reader.hpp>

#include <filesystem>

// The `backup:` map of the config file; its keys are described in
// backup/backup_config.hpp and the README ("Backups").

namespace rastar::config {

// Reads and validates `backup`; a relative `directory` resolves against
// `base_directory`.
backup::BackupConfig
read_backup(const YamlValue& value, const std::filesystem::path& base_directory);

} // namespace rastar::config
