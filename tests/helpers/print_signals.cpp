// Prints `ready (pid: N)`, then the number of every signal it receives, one
// per line, flushed at once (as dumb-init's testing/print_signals.py).
// `--exit-on N` (repeatable) exits with 128+N after printing signal N.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <unistd.h>

int
main(int argc, char** argv)
{
  std::set<int> exit_on;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--exit-on") == 0) {
      exit_on.insert(std::atoi(argv[i + 1]));
    }
  }
  // Undo an inherited "ignore" (a shell's trap ''): ignored signals are
  // dropped even while blocked.
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) {
      std::signal(signal_number, SIG_DFL);
    }
  }
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
  std::printf("ready (pid: %d)\n", static_cast<int>(getpid()));
  std::fflush(stdout);
  while (true) {
    siginfo_t info{};
    const int signal_number = sigwaitinfo(&all, &info);
    if (signal_number < 0 || signal_number == SIGCHLD) {
      continue;
    }
    std::printf("%d\n", signal_number);
    std::fflush(stdout);
    if (exit_on.count(signal_number) != 0) {
      return 128 + signal_number;
    }
  }
}
