// `bench_crash_stamp FILE CRASHES`: appends `start NS` to FILE (CLOCK_MONOTONIC
// nanoseconds), then, while FILE holds no more than CRASHES starts, appends
// `crash NS` and exits 1; the start after that exits 0. A supervisor that
// restarts on failure thus leaves CRASHES crash/start pairs to subtract.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

namespace {

long long
now_ns()
{
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

void
append(const char* path, const char* word)
{
  // One fprintf on an unbuffered stream: one write, flushed before the exit.
  std::FILE* file = std::fopen(path, "a");
  if (!file) {
    std::perror(path);
    std::exit(2);
  }
  std::setvbuf(file, nullptr, _IONBF, 0);
  std::fprintf(file, "%s %lld\n", word, now_ns());
  std::fclose(file);
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc < 3) {
    return 2;
  }
  append(argv[1], "start");
  int starts = 0;
  std::ifstream in(argv[1]);
  for (std::string line; std::getline(in, line);) {
    starts += line.rfind("start ", 0) == 0 ? 1 : 0;
  }
  if (starts > std::atoi(argv[2])) {
    return 0;
  }
  append(argv[1], "crash");
  return 1;
}
