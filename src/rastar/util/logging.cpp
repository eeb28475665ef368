#include <rastar/util/logging.hpp>

#include <rastar/util/error.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>

namespace rastar::logging {

namespace {

// Prints nothing for info and "warning: ", "error: ", … otherwise, so the
// common line reads as a plain sentence.
class LevelPrefix : public spdlog::custom_flag_formatter
{
public:
  void
  format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& dest) override
  {
    std::string_view prefix;
    switch (message.level) {
    case spdlog::level::trace: prefix = "trace: "; break;
    case spdlog::level::debug: prefix = "debug: "; break;
    case spdlog::level::warn: prefix = "warning: "; break;
    case spdlog::level::err: prefix = "error: "; break;
    case spdlog::level::critical: prefix = "fatal: "; break;
    default: break;
    }
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }

  std::unique_ptr<custom_flag_formatter>
  clone() const override
  {
    return std::make_unique<LevelPrefix>();
  }
};

} // namespace

void
init(const std::string& level)
{
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw config_error("log level \"" + level +
                       "\" is not one of trace, debug, info, warn, error, off");
  }
  spdlog::drop("rastar-init");
  auto logger = spdlog::stderr_logger_mt("rastar-init");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelPrefix>('*').set_pattern("%n: %*%v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

std::string
level_from_environment()
{
  const char* value = std::getenv("RASTAR_LOG_LEVEL");
  return value && *value ? value : "info";
}

} // namespace rastar::logging
