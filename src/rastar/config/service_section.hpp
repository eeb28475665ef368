#pragma once

#include <rastar/config/config_file.hpp>
#include <rastar/config/service_config.hpp>
#include <rastar/config/yaml_reader.hpp>

#include <filesystem>
#include <map>
#include <string>

// The `services:` map of the config file: each service's keys, its checks,
// and the checks across services (depends_on names, cycles, accounts).

namespace rastar::config {

// Reads and validates `services`; relative `cwd`s resolve against `base_directory`.
std::map<std::string, ServiceConfig>
read_services(const YamlValue& services,
              const std::filesystem::path& base_directory,
              AccountCheck accounts);

} // namespace rastar::config
