#include <rastar/db/database_source.hpp>

#include <rastar/db/env_file.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>

#include <fmt/core.h>

namespace rastar::db {

namespace {

std::optional<std::string>
non_empty_variable(const std::string& name)
{
  auto value = process_environment(name);
  return value && !value->empty() ? value : std::nullopt;
}

// A secret file usually ends with the newline the editor or `echo` added.
std::string
without_trailing_newline(std::string text)
{
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with('\n')) {
    text.pop_back();
  }
  return text;
}

} // namespace

DatabaseSource
find_database_url(const DatabaseSourceRequest& request)
{
  if (request.explicit_url) {
    return {*request.explicit_url, request.explicit_origin};
  }
  const auto& variable = request.variable;
  if (auto value = non_empty_variable(variable)) {
    return {*value, fmt::format("the environment variable {}", variable)};
  }
  const auto file_variable = variable + "_FILE";
  if (auto file_name = non_empty_variable(file_variable)) {
    std::string reason;
    auto content = util::read_file(*file_name, &reason);
    if (!content) {
      throw config_error(fmt::format("{} names a file that cannot be read: {}", file_variable, reason));
    }
    return {without_trailing_newline(std::move(*content)),
            fmt::format("the file {} ({})", *file_name, file_variable)};
  }

  std::string env_part;
  if (request.env_directory) {
    const auto env_path = (*request.env_directory / ".env").lexically_normal();
    if (auto values = read_env_file(env_path)) {
      const auto found = values->find(variable);
      if (found != values->end() && !found->second.empty()) {
        return {found->second, env_path.string()};
      }
      env_part = fmt::format("{} does not set it", env_path.string());
    } else {
      env_part = fmt::format("there is no {}", env_path.string());
    }
  } else {
    env_part = "no schema was named to look for a .env beside it";
  }
  throw config_error(fmt::format("no database URL: {} and {} are not set, and {}; set {} (or pass --url)",
                                 variable, file_variable, env_part, variable));
}

} // namespace rastar::db
