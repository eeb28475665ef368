#pragma once

#include <optional>
#include <string>
#include <string_view>

// Decoding bytes as Node's `fs.readFile(path, {encoding: 'utf-8'})` does,
// which is how Prisma reads migration.sql: what it runs and checksums.

namespace rastar::util {

// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD the way the
// WHATWG decoder (and so Node) replaces it, one per maximal invalid subpart;
// nullopt when `bytes` is valid UTF-8 already.
std::optional<std::string>
replace_invalid_utf8(std::string_view bytes);

} // namespace rastar::util
