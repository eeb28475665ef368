// `zombie_census TIMEOUT_MS`: waits until /proc shows no zombie and no live
// spawn_orphans child, then prints `zombies: Z, orphans: O` and exits 0, or
// prints the last count and exits 1 when TIMEOUT_MS passes first.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <string>
#include <thread>

namespace {

void
count(int& zombies, int& orphans)
{
  zombies = 0;
  orphans = 0;
  DIR* proc = opendir("/proc");
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
      continue;
    }
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) {
      continue;
    }
    const std::string name = line.substr(line.find('(') + 1, close - line.find('(') - 1);
    const char state = line[close + 2];
    if (state == 'Z') {
      ++zombies;
    } else if (name == "spawn_orphans") {
      ++orphans;
    }
  }
  closedir(proc);
}

} // namespace

int
main(int argc, char** argv)
{
  const auto timeout = std::chrono::milliseconds(argc > 1 ? std::atoi(argv[1]) : 10000);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int zombies = 0;
  int orphans = 0;
  while (true) {
    count(zombies, orphans);
    if ((zombies == 0 && orphans == 0) || std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::printf("zombies: %d, orphans: %d\n", zombies, orphans);
  return zombies == 0 && orphans == 0 ? 0 : 1;
}
