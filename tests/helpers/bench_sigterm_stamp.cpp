// `bench_sigterm_stamp`: prints `ready`, waits for SIGTERM, and prints
// `sigterm NS`, the CLOCK_MONOTONIC time (nanoseconds) at which it had it,
// then exits 0. The clock is the same in every PID namespace, so a sender
// outside can subtract its own reading taken before kill().
#include <csignal>
#include <cstdio>
#include <ctime>
#include <unistd.h>

int
main()
{
  // Undo inherited "ignore" dispositions: an ignored signal is dropped even while blocked.
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) {
      std::signal(signal_number, SIG_DFL);
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  std::printf("ready\n");
  std::fflush(stdout);
  siginfo_t info{};
  while (sigwaitinfo(&set, &info) != SIGTERM) {
  }
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  std::printf("sigterm %lld\n", static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec);
  std::fflush(stdout);
  return 0;
}
