// `emit_lines TAG COUNT [LINE_BYTES] [--stderr]`: writes COUNT lines
// "TAG <i> <filler>" (filler up to LINE_BYTES, letters a..z repeating), one
// write() each, so a relay sees the bursts a chatty service produces.
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

int
main(int argc, char** argv)
{
  if (argc < 3) {
    return 2;
  }
  const std::string tag = argv[1];
  const long count = std::atol(argv[2]);
  const std::size_t line_bytes = argc > 3 ? static_cast<std::size_t>(std::atol(argv[3])) : 0;
  const int fd = argc > 4 && std::strcmp(argv[4], "--stderr") == 0 ? 2 : 1;
  for (long i = 0; i < count; ++i) {
    std::string line = tag + " " + std::to_string(i) + " ";
    for (std::size_t j = 0; line.size() < line_bytes; ++j) {
      line.push_back(static_cast<char>('a' + j % 26));
    }
    line.push_back('\n');
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t written = write(fd, line.data() + done, line.size() - done);
      if (written <= 0) {
        return 1;
      }
      done += static_cast<std::size_t>(written);
    }
  }
  return 0;
}
