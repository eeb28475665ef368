// `bench_signal_timer COMMAND...`: runs COMMAND (an `unshare --pid --fork`
// line whose init runs bench_sigterm_stamp) with its stdout on a pipe, waits
// for `ready`, finds the namespace's PID 1 (the child of COMMAND), reads
// CLOCK_MONOTONIC and sends that PID 1 SIGTERM from outside, as a container
// runtime does. Prints `child_us A exit_us B`: A until the stamp child had the
// signal (its own `sigterm NS` line), B until PID 1 had exited (its pidfd).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <string>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

long long
now_ns()
{
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

// The process whose parent is `parent` (unshare's child: PID 1 inside).
pid_t
child_of(pid_t parent)
{
  DIR* proc = opendir("/proc");
  pid_t found = -1;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
      continue;
    }
    std::ifstream status(std::string("/proc/") + entry->d_name + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("PPid:", 0) == 0) {
        if (std::atoi(line.c_str() + 5) == parent) {
          found = std::atoi(entry->d_name);
        }
        break;
      }
    }
    if (found > 0) {
      break;
    }
  }
  closedir(proc);
  return found;
}

// Reads one line from `stream`; empty at end of file.
std::string
next_line(std::FILE* stream)
{
  char buffer[256];
  if (!std::fgets(buffer, sizeof buffer, stream)) {
    return {};
  }
  return buffer;
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_signal_timer COMMAND...\n");
    return 2;
  }
  int output[2];
  if (pipe(output) != 0) {
    std::perror("pipe");
    return 1;
  }
  const pid_t launcher = fork();
  if (launcher == 0) {
    dup2(output[1], STDOUT_FILENO);
    close(output[0]);
    close(output[1]);
    execvp(argv[1], argv + 1);
    std::perror(argv[1]);
    _exit(127);
  }
  close(output[1]);
  std::FILE* stream = fdopen(output[0], "r");
  if (next_line(stream).rfind("ready", 0) != 0) {
    std::fprintf(stderr, "bench_signal_timer: the child never said ready\n");
    return 1;
  }
  const pid_t init = child_of(launcher);
  const int pidfd = init > 0 ? static_cast<int>(syscall(SYS_pidfd_open, init, 0)) : -1;
  if (pidfd < 0) {
    std::fprintf(stderr, "bench_signal_timer: cannot find the namespace's PID 1 under pid %d\n", launcher);
    kill(launcher, SIGKILL);
    return 1;
  }
  const long long sent_at = now_ns();
  kill(init, SIGTERM);
  const std::string stamp = next_line(stream);
  pollfd exited{pidfd, POLLIN, 0};
  while (poll(&exited, 1, 10000) < 0 && errno == EINTR) {
  }
  const long long exited_at = now_ns();
  int status = 0;
  waitpid(launcher, &status, 0);
  if (stamp.rfind("sigterm ", 0) != 0 || exited.revents == 0) {
    std::fprintf(stderr, "bench_signal_timer: no stamp or no exit (line \"%s\")\n", stamp.c_str());
    return 1;
  }
  const long long received_at = std::atoll(stamp.c_str() + 8);
  std::printf("child_us %.1f exit_us %.1f\n", static_cast<double>(received_at - sent_at) / 1000.0,
              static_cast<double>(exited_at - sent_at) / 1000.0);
  return 0;
}
