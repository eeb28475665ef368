// `exit_with CODE` exits with CODE; `exit_with --signal N` dies by signal N.
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

int
main(int argc, char** argv)
{
  if (argc == 3 && std::strcmp(argv[1], "--signal") == 0) {
    const int signal_number = std::atoi(argv[2]);
    std::signal(signal_number, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal_number);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    kill(getpid(), signal_number);
    pause();
    return 1;
  }
  return argc > 1 ? std::atoi(argv[1]) : 0;
}
