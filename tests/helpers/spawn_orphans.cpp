// `spawn_orphans N MILLIS`: forks N children that each sleep MILLIS ms and
// exit, and exits at once itself, so all N are re-parented to the reaper.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

int
main(int argc, char** argv)
{
  const int count = argc > 1 ? std::atoi(argv[1]) : 1;
  const int millis = argc > 2 ? std::atoi(argv[2]) : 100;
  for (int i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    if (pid == 0) {
      usleep(static_cast<useconds_t>(millis) * 1000);
      _exit(0);
    }
  }
  return 0;
}
