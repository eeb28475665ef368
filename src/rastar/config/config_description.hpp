#pragma once

#include <rastar/config/config.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

// The resolved config as `config check` prints it: what rastar-init will do,
// with every secret masked, as JSON (--format json) or YAML (text).

namespace rastar::config {

// Whether an environment variable's name says it holds a secret (it contains
// PASSWORD, PASSWD, SECRET, TOKEN or KEY, in any case).
bool
looks_secret(std::string_view name);

// `config` as JSON: durations as `15m`, signals by name, settings the file
// leaves out omitted. database.url and any URL in an env value or a command
// have their password replaced by `****`; secret-looking env values are `****`.
nlohmann::ordered_json
describe_config(const Config& config);

// `value` as block-style YAML (lists of scalars in flow style, `[a, b]`).
std::string
to_yaml(const nlohmann::ordered_json& value);

} // namespace rastar::config
