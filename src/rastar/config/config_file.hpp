#pragma once

#include <rastar/config/config.hpp>
#include <rastar/config/env_expansion.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading and validating the config file (README, "Configuration"). Every
// error is Error(ExitCode::config, "file:line:col: key.path: what to do").

namespace rastar::config {

// Used when neither --config nor RASTAR_INIT_CONFIG names a file (D4).
inline constexpr std::string_view k_default_config_path = "config/rastar-init.yaml";

// What an unknown `user` or `group` is. `run` needs the accounts where it
// runs: error. `config check` may run elsewhere (CI, a laptop) than the
// image the services run in: a warning, unless --strict.
enum class AccountCheck { error, warn };

struct LoadOptions
{
  EnvironmentLookup environment = process_environment();
  AccountCheck accounts = AccountCheck::error;
  // Relative paths resolve against this; empty: the working directory.
  std::filesystem::path base_directory;
};

// The file to read: `flag` when given, else RASTAR_INIT_CONFIG when set and
// not empty, else (with `fall_back_to_default`) config/rastar-init.yaml when
// it exists. nullopt: run without a config file.
std::optional<std::filesystem::path>
find_config_path(const std::optional<std::string>& flag, bool fall_back_to_default);

// Reads, expands and validates the file at `path`. Warnings (unset
// variables, unknown accounts under AccountCheck::warn) are appended to
// `warnings`, or logged when it is null.
Config
load_config_file(const std::filesystem::path& path,
                 const LoadOptions& options = {},
                 std::vector<std::string>* warnings = nullptr);

// The same for config text already in memory; `label` names it in messages.
Config
parse_config(const std::string& text,
             const std::string& label,
             const LoadOptions& options = {},
             std::vector<std::string>* warnings = nullptr);

} // namespace rastar::config
