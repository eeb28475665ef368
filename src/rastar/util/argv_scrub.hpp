#pragma once

#include <string_view>

// argv is world-readable (`ps`, /proc/PID/cmdline). As the MySQL client does,
// rastar-init overwrites the password of a URL given on its command line in
// its own argv at start-up (decision D5), so only `****` remains visible.

namespace rastar::util {

// Overwrites in place, with `*` characters of the same length, every secret
// (url_secret_spans) in the value of `option` in `argv`: `--url VALUE` and
// `--url=VALUE`. Returns how many arguments were changed. The strings are
// changed where they lie, which is what the kernel shows as the command line.
int
scrub_url_passwords(int argc, char** argv, std::string_view option = "--url");

} // namespace rastar::util
