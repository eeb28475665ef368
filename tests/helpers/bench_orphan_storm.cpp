// `bench_orphan_storm N`: run under an init. A child forks N grandchildren
// that exit at once, then exits itself, so N zombies are re-parented to the
// init together. Prints `reaped_us U zombies Z`: U microseconds from that
// exit until the last of them is gone (kill(pid, 0) fails with ESRCH only
// once it is reaped), and Z, the zombies /proc still shows afterwards.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

long long
now_ns()
{
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

bool
read_all(int fd, void* data, std::size_t size)
{
  auto* bytes = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = read(fd, bytes + done, size - done);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(got);
  }
  return true;
}

bool
write_all(int fd, const void* data, std::size_t size)
{
  const auto* bytes = static_cast<const char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t put = write(fd, bytes + done, size - done);
    if (put < 0 && errno == EINTR) {
      continue;
    }
    if (put <= 0) {
      return false;
    }
    done += static_cast<std::size_t>(put);
  }
  return true;
}

int
count_zombies()
{
  int zombies = 0;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
      continue;
    }
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') {
      ++zombies;
    }
  }
  closedir(proc);
  return zombies;
}

} // namespace

int
main(int argc, char** argv)
{
  const int count = argc > 1 ? std::atoi(argv[1]) : 10000;
  int channel[2];
  if (pipe(channel) != 0) {
    std::perror("pipe");
    return 1;
  }
  const pid_t forker = fork();
  if (forker == 0) {
    close(channel[0]);
    std::vector<pid_t> pids;
    pids.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        _exit(0);
      }
      if (pid < 0) {
        std::perror("fork");
        break;
      }
      pids.push_back(pid);
    }
    const int forked = static_cast<int>(pids.size());
    write_all(channel[1], &forked, sizeof forked);
    write_all(channel[1], pids.data(), pids.size() * sizeof(pid_t));
    // Give every grandchild the time to exit, so the init receives zombies
    // (a CHLD storm), not processes that end later one by one.
    for (const pid_t pid : pids) {
      while (true) {
        siginfo_t info{};
        if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | WNOHANG) == 0 && info.si_pid == pid) {
          break;
        }
        usleep(100);
      }
    }
    const long long orphaned_at = now_ns();
    write_all(channel[1], &orphaned_at, sizeof orphaned_at);
    _exit(0);
  }
  close(channel[1]);
  int forked = 0;
  std::vector<pid_t> pids;
  long long orphaned_at = 0;
  bool complete = read_all(channel[0], &forked, sizeof forked);
  if (complete) {
    pids.resize(static_cast<std::size_t>(forked));
    complete = read_all(channel[0], pids.data(), pids.size() * sizeof(pid_t)) &&
               read_all(channel[0], &orphaned_at, sizeof orphaned_at);
  }
  waitpid(forker, nullptr, 0);
  if (!complete || forked != count) {
    std::fprintf(stderr, "bench_orphan_storm: forked %d of %d grandchildren\n", forked, count);
    return 1;
  }
  for (const pid_t pid : pids) {
    while (kill(pid, 0) == 0) {
      timespec pause{0, 20000};
      nanosleep(&pause, nullptr);
    }
  }
  const long long reaped_at = now_ns();
  std::printf("reaped_us %lld zombies %d\n", (reaped_at - orphaned_at) / 1000, count_zombies());
  return 0;
}
