#pragma once

#include <rastar/util/exit_code.hpp>

#include <stdexcept>
#include <string>

namespace rastar {

// An error that reaches the user as one sentence and ends the command with
// `code`. Thrown at module edges; caught once, in rastar_main.
class Error : public std::runtime_error
{
public:
  Error(ExitCode code, const std::string& message)
    : std::runtime_error(message),
      m_code(code)
  {
  }

  ExitCode
  code() const
  {
    return m_code;
  }

private:
  ExitCode m_code;
};

// Convenience constructors for the common exit codes.
inline Error
config_error(const std::string& message)
{
  return Error(ExitCode::config, message);
}

inline Error
usage_error(const std::string& message)
{
  return Error(ExitCode::usage, message);
}

inline Error
migration_error(const std::string& message)
{
  return Error(ExitCode::migration_failed, message);
}

inline Error
unreachable_error(const std::string& message)
{
  return Error(ExitCode::database_unreachable, message);
}

} // namespace rastar
