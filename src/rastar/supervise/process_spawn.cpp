#include <rastar/supervise/process_spawn.hpp>

#include <rastar/util/signals.hpp>

#include <boost/process/child.hpp>
#include <boost/process/exception.hpp>
#include <boost/process/extend.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <utility>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace bp = boost::process;

namespace rastar::supervise {

namespace {

constexpr int k_output_pipe_size = 256 * 1024;

constexpr std::string_view k_exec_failed = "execve failed";

// A descriptor closed when it goes out of scope.
class OwnedFd
{
public:
  explicit OwnedFd(int fd = -1)
    : m_fd(fd)
  {
  }
  ~OwnedFd()
  {
    if (m_fd >= 0) {
      close(m_fd);
    }
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;

  void
  reset(int fd)
  {
    if (m_fd >= 0) {
      close(m_fd);
    }
    m_fd = fd;
  }

  int
  get() const
  {
    return m_fd;
  }

  int
  release()
  {
    return std::exchange(m_fd, -1);
  }

private:
  int m_fd;
};

struct Credentials
{
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::optional<unsigned long>
parse_id(const std::string& text)
{
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoul(text);
}

Credentials
resolve_credentials(const SpawnRequest& request)
{
  Credentials result;
  if (request.user.empty() && request.group.empty()) {
    return result;
  }
  result.drop = true;
  result.uid = getuid();
  result.gid = getgid();
  std::string user_name;
  if (!request.user.empty()) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (const auto id = parse_id(request.user)) {
      getpwuid_r(static_cast<uid_t>(*id), &entry, buffer.data(), buffer.size(), &found);
      result.uid = static_cast<uid_t>(*id);
      result.gid = found ? found->pw_gid : static_cast<gid_t>(*id);
    } else {
      getpwnam_r(request.user.c_str(), &entry, buffer.data(), buffer.size(), &found);
      if (!found) {
        throw SpawnError(EINVAL, fmt::format("user \"{}\" does not exist in /etc/passwd; create it in the "
                                             "image or give a numeric uid",
                                             request.user));
      }
      result.uid = found->pw_uid;
      result.gid = found->pw_gid;
    }
    if (found) {
      user_name = found->pw_name;
    }
  }
  if (!request.group.empty()) {
    if (const auto id = parse_id(request.group)) {
      result.gid = static_cast<gid_t>(*id);
    } else {
      std::vector<char> buffer(16384);
      group entry{};
      group* found = nullptr;
      getgrnam_r(request.group.c_str(), &entry, buffer.data(), buffer.size(), &found);
      if (!found) {
        throw SpawnError(EINVAL, fmt::format("group \"{}\" does not exist in /etc/group; create it in the "
                                             "image or give a numeric gid",
                                             request.group));
      }
      result.gid = found->gr_gid;
    }
  }
  result.groups = {result.gid};
  if (!user_name.empty()) {
    // The user's supplementary groups, as login and initgroups() give them.
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (getgrouplist(user_name.c_str(), result.gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<std::size_t>(count));
      getgrouplist(user_name.c_str(), result.gid, groups.data(), &count);
    }
    groups.resize(static_cast<std::size_t>(std::max(count, 0)));
    result.groups = groups;
  }
  return result;
}

// The Boost.Process initializer: sets program, argv and environment in the
// parent, and in the child (between fork and exec, so only async-signal-safe
// calls) does what D19 lists.
struct ExecSetup : bp::extend::handler
{
  const char* program = nullptr;
  std::vector<char*> argv;
  std::vector<char*> env;
  int stdin_fd = -1; // -1: inherit
  int stdout_fd = -1;
  int stderr_fd = -1;
  const char* cwd = nullptr;
  bool take_terminal = false;
  Credentials credentials;

  template<typename Executor>
  void
  on_setup(Executor& exec) const
  {
    exec.exe = program;
    exec.cmd_line = argv.data();
    exec.env = const_cast<char**>(env.data());
  }

  template<typename Executor>
  void
  on_exec_setup(Executor& exec) const
  {
    // Own process group, so a signal to the group reaches `sh -c` wrappers'
    // children too (pid1.md §6.4).
    setpgid(0, 0);
    if (take_terminal) {
      // Still with SIGTTOU blocked (inherited from rastar-init), so this
      // background-group call is allowed, as tini's isolate_child does it.
      tcsetpgrp(STDIN_FILENO, getpgrp());
    }
    redirect(exec, stdin_fd, STDIN_FILENO);
    redirect(exec, stdout_fd, STDOUT_FILENO);
    redirect(exec, stderr_fd, STDERR_FILENO);
    if (cwd && chdir(cwd) != 0) {
      fail(exec, "chdir");
    }
    if (credentials.drop) {
      // Groups first: after setuid the process may no longer change them.
      if (setgroups(credentials.groups.size(), credentials.groups.data()) != 0) {
        fail(exec, "setgroups");
      }
      if (setgid(credentials.gid) != 0) {
        fail(exec, "setgid");
      }
      if (setuid(credentials.uid) != 0) {
        fail(exec, "setuid");
      }
    }
    // Both the mask and the dispositions survive exec (D2 blocked them all).
    util::reset_signals_for_child();
    // Everything above 2 closes at exec. Marking instead of closing keeps
    // Boost's own error-report pipe working until the exec succeeds.
    if (close_range(3, UINT_MAX, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 65536; ++fd) {
        fcntl(fd, F_SETFD, FD_CLOEXEC);
      }
    }
  }

  template<typename Executor>
  static void
  redirect(Executor& exec, int from, int to)
  {
    if (from >= 0 && dup2(from, to) < 0) {
      fail(exec, "dup2");
    }
  }

  template<typename Executor>
  [[noreturn]] static void
  fail(Executor& exec, const char* step)
  {
    exec.set_error(std::error_code(errno, std::system_category()), step);
    _exit(127);
  }
};

std::string
variable(const std::vector<std::string>& environment, std::string_view name)
{
  for (const auto& entry : environment) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return {};
}

bool
is_regular_file(const std::string& path)
{
  struct stat info{};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string
failure_sentence(const std::string& command, int error_number, std::string_view step)
{
  if (step == k_exec_failed || step.empty()) {
    if (error_number == ENOENT) {
      return fmt::format("cannot run \"{}\": command not found (check the name and PATH)", command);
    }
    if (error_number == EACCES) {
      return fmt::format("cannot run \"{}\": permission denied (is it an executable file?)", command);
    }
    return fmt::format("cannot run \"{}\": {}", command, std::strerror(error_number));
  }
  return fmt::format("cannot run \"{}\": {} failed in the child: {}", command, step, std::strerror(error_number));
}

} // namespace

int
SpawnError::exit_code() const
{
  return m_error_number == ENOENT ? 127 : 126;
}

std::vector<std::string>
environment_with(const std::map<std::string, std::string>& overrides)
{
  std::vector<std::string> result;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text = *entry;
    const auto name = text.substr(0, text.find('='));
    if (overrides.count(name) == 0) {
      result.push_back(text);
    }
  }
  for (const auto& [name, value] : overrides) {
    result.push_back(name + "=" + value);
  }
  return result;
}

std::string
resolve_program(const std::string& name, const std::vector<std::string>& environment)
{
  if (name.find('/') != std::string::npos) {
    return name;
  }
  if (name.empty()) {
    return "";
  }
  std::string path = variable(environment, "PATH");
  if (path.empty()) {
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  }
  std::string first_match;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    const std::string directory = end == start ? "." : path.substr(start, end - start);
    const std::string candidate = directory + "/" + name;
    if (is_regular_file(candidate) && access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (first_match.empty() && access(candidate.c_str(), F_OK) == 0) {
      first_match = candidate;
    }
    start = end + 1;
  }
  return first_match;
}

SpawnedProcess
spawn_process(const SpawnRequest& request)
{
  if (request.argv.empty()) {
    throw SpawnError(ENOENT, "cannot run an empty command");
  }
  const std::string& command = request.argv.front();
  const std::string program = resolve_program(command, request.environment);
  if (program.empty()) {
    throw SpawnError(ENOENT, failure_sentence(command, ENOENT, k_exec_failed));
  }

  ExecSetup setup;
  setup.program = program.c_str();
  for (const auto& argument : request.argv) {
    setup.argv.push_back(const_cast<char*>(argument.c_str()));
  }
  setup.argv.push_back(nullptr);
  for (const auto& entry : request.environment) {
    setup.env.push_back(const_cast<char*>(entry.c_str()));
  }
  setup.env.push_back(nullptr);
  setup.cwd = request.cwd.empty() ? nullptr : request.cwd.c_str();
  setup.take_terminal = request.take_terminal;
  setup.credentials = resolve_credentials(request);

  OwnedFd null_fd;
  if (request.null_stdin || request.output == OutputMode::null) {
    null_fd.reset((open("/dev/null", O_RDWR | O_CLOEXEC)));
  }
  if (request.null_stdin) {
    setup.stdin_fd = null_fd.get();
  }
  OwnedFd out_read;
  OwnedFd out_write;
  OwnedFd err_read;
  OwnedFd err_write;
  if (request.output == OutputMode::pipe) {
    int out_pipe[2];
    int err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
      throw SpawnError(errno, fmt::format("cannot run \"{}\": no pipe for its output: {}", command,
                                          std::strerror(errno)));
    }
    // A service printing fast blocks (and wakes the relay) once per pipe-full:
    // 256 KiB rather than the default 64 KiB quarters the round trips. The
    // kernel may refuse (pipe-max-size, a user's pipe quota): the default then.
    fcntl(out_pipe[1], F_SETPIPE_SZ, k_output_pipe_size);
    out_read.reset(out_pipe[0]);
    out_write.reset(out_pipe[1]);
    err_read.reset(err_pipe[0]);
    err_write.reset(err_pipe[1]);
    setup.stdout_fd = out_write.get();
    setup.stderr_fd = err_write.get();
  } else if (request.output == OutputMode::null) {
    setup.stdout_fd = null_fd.get();
    setup.stderr_fd = null_fd.get();
  }

  pid_t pid = -1;
  try {
    bp::child child(setup);
    pid = child.id();
    // Never waited on, running()'d or exit_code()'d here: the Reaper owns
    // the status (D19), and detaching keeps the destructor from killing it.
    child.detach();
  } catch (const bp::process_error& e) {
    const std::string what = e.what();
    const std::string step = what.substr(0, what.find(':'));
    throw SpawnError(e.code().value(), failure_sentence(command, e.code().value(), step));
  }
  // Also from the parent, so a signal to the group cannot race the child's own setpgid.
  setpgid(pid, pid);

  SpawnedProcess result;
  result.pid = pid;
  if (request.output == OutputMode::pipe) {
    for (int fd : {out_read.get(), err_read.get()}) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    result.stdout_fd = out_read.release();
    result.stderr_fd = err_read.release();
  }
  return result;
}

} // namespace rastar::supervise
