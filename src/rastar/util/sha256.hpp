#pragma once

#include <string>
#include <string_view>

namespace rastar::util {

// Returns the SHA-256 of `data` as 64 lowercase hex characters.
std::string
sha256_hex(std::string_view data);

} // namespace rastar::util
