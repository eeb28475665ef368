#include <rastar/util/exit_without_teardown.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace rastar::util {

void
exit_without_teardown(int code)
{
  if (const auto logger = spdlog::default_logger()) {
    logger->flush();
  }
  std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__)
  std::exit(code);
#else
  std::_Exit(code);
#endif
}

} // namespace rastar::util
