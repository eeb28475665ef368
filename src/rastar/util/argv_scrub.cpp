#include <rastar/util/argv_scrub.hpp>

#include <rastar/util/url_secrets.hpp>

#include <cstring>

namespace rastar::util {

namespace {

bool
scrub(char* value)
{
  const std::string_view text(value);
  bool changed = false;
  for (const auto& span : url_secret_spans(text)) {
    std::memset(value + span.offset, '*', span.length);
    changed = true;
  }
  return changed;
}

} // namespace

int
scrub_url_passwords(int argc, char** argv, std::string_view option)
{
  int changed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument(argv[i]);
    if (argument == "--") {
      break; // what follows belongs to a command rastar-init runs
    }
    if (argument == option && i + 1 < argc) {
      changed += scrub(argv[i + 1]) ? 1 : 0;
      ++i;
    } else if (argument.size() > option.size() && argument.starts_with(option) &&
               argument[option.size()] == '=') {
      changed += scrub(argv[i] + option.size() + 1) ? 1 : 0;
    }
  }
  return changed;
}

} // namespace rastar::util
