#pragma once

#include <rastar/config/config_file.hpp>
#include <rastar/config/service_config.hpp>
#include <rastar/config/yaml_reader.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The `services:` map of the config file: each service's keys, its checks,
// and the checks across services (depends_on names, cycles, accounts).

namespace rastar::config {

// Reads and validates `services`; relative `cwd`s resolve against `base_directory`.
std::map<std::string, ServiceConfig>
read_services(const YamlValue& services,
              const std::filesystem::path& base_directory,
              AccountCheck accounts);

// A `command:` (a service's, a check's, the backup's): a list is argv; a
// string is split into words, or becomes /bin/sh -c with `shell` true.
std::vector<std::string>
read_command(const YamlValue& value, const std::optional<YamlValue>& shell);

} // namespace rastar::config
