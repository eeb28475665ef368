#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

// A `.env` file read as Prisma reads the one beside its schema: the dotenv
// package's rules, then dotenv-expand's `${VAR}` references.

namespace rastar::db {

// Looks a variable up for `${VAR}` expansion: the real environment, which a
// `.env` never overrides.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real process environment as an EnvironmentLookup.
std::optional<std::string>
process_environment(const std::string& name);

// Parses `text` with dotenv's rules: `KEY=VALUE` (or `KEY: VALUE`), an optional
// `export ` prefix, `#` comments (an unquoted value ends at `#`), values in
// single, double or back quotes (may span lines; `\n` and `\r` are escapes in
// double quotes only), surrounding white space trimmed, later keys winning,
// lines that fit none of this ignored. Then `${VAR}`, `${VAR:-default}` and
// `$VAR` in unquoted and double-quoted values expand from `lookup` first, then
// from the file itself; `\$` keeps a dollar sign.
std::map<std::string, std::string>
parse_env_text(std::string_view text, const EnvironmentLookup& lookup = process_environment);

// Reads `path` with parse_env_text. nullopt when the file does not exist;
// Error(config) naming the file when it exists but cannot be read.
std::optional<std::map<std::string, std::string>>
read_env_file(const std::filesystem::path& path, const EnvironmentLookup& lookup = process_environment);

} // namespace rastar::db
