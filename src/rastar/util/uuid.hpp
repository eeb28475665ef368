#pragma once

#include <string>

namespace rastar::util {

// Returns a random (version 4) UUID in lowercase hyphenated form, 36 characters.
std::string
uuid_v4();

} // namespace rastar::util
