#include <rastar/backup/backup_command.hpp>

#include <rastar/backup/backup_file_name.hpp>
#include <rastar/supervise/process_spawn.hpp>
#include <rastar/supervise/reaper.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

namespace rastar::backup {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_dump_extension = ".dump";

// libpq's connection keywords and the variables libpq reads for them
// (PostgreSQL manual, "Environment Variables"), so pg_dump, psql or any
// libpq program connects where rastar-init does.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> k_libpq_variables = {{
  {"host", "PGHOST"},
  {"hostaddr", "PGHOSTADDR"},
  {"port", "PGPORT"},
  {"dbname", "PGDATABASE"},
  {"user", "PGUSER"},
  {"password", "PGPASSWORD"},
  {"passfile", "PGPASSFILE"},
  {"options", "PGOPTIONS"},
  {"application_name", "PGAPPNAME"},
  {"sslmode", "PGSSLMODE"},
  {"sslrootcert", "PGSSLROOTCERT"},
  {"sslcert", "PGSSLCERT"},
  {"sslkey", "PGSSLKEY"},
  {"sslcrl", "PGSSLCRL"},
  {"connect_timeout", "PGCONNECT_TIMEOUT"},
  {"target_session_attrs", "PGTARGETSESSIONATTRS"},
}};

std::string
keyword_value(const db::DatabaseUrl& url, std::string_view keyword)
{
  for (const auto& [name, value] : url.libpq_keywords) {
    if (name == keyword) {
      return value;
    }
  }
  return "";
}

// The command's environment: rastar-init's, minus the libpq variables the URL
// does not set (an inherited PGHOST must not aim the dump elsewhere), plus
// `variables`.
std::vector<std::string>
command_environment(const std::map<std::string, std::string>& variables)
{
  std::vector<std::string> environment;
  for (auto& entry : supervise::environment_with(variables)) {
    const auto name = std::string_view(entry).substr(0, entry.find('='));
    const bool libpq = std::any_of(k_libpq_variables.begin(), k_libpq_variables.end(),
                                   [&](const auto& pair) { return pair.second == name; });
    if (!libpq || variables.count(std::string(name)) != 0) {
      environment.push_back(std::move(entry));
    }
  }
  return environment;
}

// Relays the command's output to the log, one line at a time, with the
// password masked should the command print it.
class OutputRelay
{
public:
  explicit OutputRelay(std::string secret)
    : m_secret(std::move(secret))
  {
  }

  void
  add(std::string& buffer, const char* data, std::size_t size, bool final)
  {
    buffer.append(data, size);
    std::size_t start = 0;
    for (auto end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n', start)) {
      emit(buffer.substr(start, end - start));
      start = end + 1;
    }
    buffer.erase(0, start);
    if (final && !buffer.empty()) {
      emit(buffer);
      buffer.clear();
    }
  }

private:
  std::string m_secret;

  void
  emit(std::string line)
  {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!m_secret.empty()) {
      for (auto at = line.find(m_secret); at != std::string::npos; at = line.find(m_secret, at + 4)) {
        line.replace(at, m_secret.size(), "****");
      }
    }
    spdlog::info("backup command: {}", line);
  }
};

void
relay_until_closed(const supervise::SpawnedProcess& process, OutputRelay& relay)
{
  std::array<pollfd, 2> fds = {{{process.stdout_fd, POLLIN, 0}, {process.stderr_fd, POLLIN, 0}}};
  std::array<std::string, 2> buffers;
  std::array<char, 4096> chunk{};
  int open = 2;
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) {
        continue;
      }
      const auto count = ::read(fds[i].fd, chunk.data(), chunk.size());
      if (count < 0 && errno == EINTR) {
        continue;
      }
      if (count <= 0) {
        relay.add(buffers[i], "", 0, true);
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
        continue;
      }
      relay.add(buffers[i], chunk.data(), static_cast<std::size_t>(count), false);
    }
  }
}

// waitpid on this one child: nothing else reaps before the supervisor starts,
// and the supervisor's reaper is not running yet (D19).
supervise::ExitStatus
wait_for(pid_t pid)
{
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
    }
  }
  return supervise::ExitStatus::from_wait_status(status);
}

} // namespace

std::map<std::string, std::string>
backup_command_variables(const db::DatabaseUrl& url, const fs::path& path, const std::string& label)
{
  std::map<std::string, std::string> variables;
  for (const auto& [keyword, variable] : k_libpq_variables) {
    if (auto value = keyword_value(url, keyword); !value.empty()) {
      variables.emplace(variable, std::move(value));
    }
  }
  variables["RASTAR_BACKUP_DIR"] = path.parent_path().string();
  variables["RASTAR_BACKUP_NAME"] = path.filename().string();
  variables["RASTAR_BACKUP_PATH"] = path.string();
  variables["RASTAR_BACKUP_LABEL"] = clean_label(label);
  variables["RASTAR_BACKUP_SCHEMA"] = url.schema;
  return variables;
}

BackupResult
run_backup_command(const db::DatabaseUrl& url, const std::vector<std::string>& command, const BackupRequest& request)
{
  const auto started = std::chrono::steady_clock::now();
  const auto& directory = request.directory;
  const auto program = command.empty() ? std::string() : command.front();
  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory)) {
    throw migration_error(fmt::format("could not back up {} into {}: the directory cannot be created ({})",
                                      url.redacted, directory.string(),
                                      error ? error.message() : "a file of that name is in the way"));
  }
  const auto prefix = url.database;
  const auto path = directory / backup_file_name(prefix, util::now_utc(), request.label, k_dump_extension);

  supervise::SpawnRequest spawn;
  spawn.argv = command;
  spawn.environment = command_environment(backup_command_variables(url, path, request.label));
  spawn.output = supervise::OutputMode::pipe;
  spawn.null_stdin = true;
  supervise::SpawnedProcess process;
  try {
    process = supervise::spawn_process(spawn);
  } catch (const supervise::SpawnError& failure) {
    throw migration_error(fmt::format("the backup command could not be started: {}; fix backup.command", failure.what()));
  }
  spdlog::info("backing up {} with the backup command `{}` (pid {})", url.redacted, program, process.pid);

  // A cancel signal stops the command's whole process group (D2); the
  // signal is reported once it has exited.
  auto& watcher = util::SignalWatcher::instance();
  watcher.set_cancel_hook([pid = process.pid] { ::kill(-pid, SIGTERM); });
  supervise::ExitStatus status;
  try {
    OutputRelay relay(keyword_value(url, "password"));
    relay_until_closed(process, relay);
    status = wait_for(process.pid);
  } catch (...) {
    watcher.set_cancel_hook(nullptr);
    throw;
  }
  watcher.set_cancel_hook(nullptr);

  if (status.shell_code() != 0) {
    fs::remove(path, error);
    if (const int signal_number = watcher.cancel_signal(); signal_number != 0) {
      throw Error(static_cast<ExitCode>(exit_code_for_signal(signal_number)),
                  fmt::format("stopped by signal {} during the backup of {}", signal_number, url.redacted));
    }
    throw migration_error(fmt::format("the backup command `{}` {} (its output is in the log above)", program,
                                      status.describe()));
  }

  BackupResult result;
  if (fs::is_regular_file(path, error)) {
    result.file = path;
    result.bytes = fs::file_size(path, error);
  }
  result.removed = rotate_backups(directory, prefix, k_dump_extension, request.keep);
  spdlog::info("backed up {} with `{}` in {} ms{}{}", url.redacted, program,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                 .count(),
               result.file.empty() ? fmt::format("; it wrote nothing at {}", path.string())
                                   : fmt::format(" to {} ({} bytes)", path.string(), result.bytes),
               result.removed.empty() ? ""
                                      : fmt::format("; deleted {} older backup{} (keep: {})", result.removed.size(),
                                                    result.removed.size() == 1 ? "" : "s", request.keep));
  return result;
}

} // namespace rastar::backup
