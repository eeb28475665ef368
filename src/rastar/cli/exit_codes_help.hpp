#pragma once

#include <string>

namespace rastar::cli {

// The exit-code table shown at the end of --help.
std::string
exit_codes_help();

} // namespace rastar::cli
