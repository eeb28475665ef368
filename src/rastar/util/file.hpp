#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace rastar::util {

// Returns the whole content of `path`, or nullopt with `error` set to a
// sentence naming the file and the reason.
std::optional<std::string>
read_file(const std::filesystem::path& path, std::string* error);

// Writes `content` to `path` through a temporary file and a rename, so readers
// see the old content or the new one, never half of it.
void
write_file_atomically(const std::filesystem::path& path, const std::string& content);

} // namespace rastar::util
