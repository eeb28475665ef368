// `bench_line_flood BYTES [LINE_BYTES]`: writes BYTES bytes (rounded down to
// whole lines) of LINE_BYTES-long lines (default 100, newline included) to
// stdout as fast as it can, in writes of up to 64 KiB of whole lines: the
// harshest case for a line relay.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

int
main(int argc, char** argv)
{
  if (argc < 2) {
    return 2;
  }
  const long long total = std::atoll(argv[1]);
  const std::size_t line_bytes = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 100;
  if (line_bytes < 2) {
    return 2;
  }
  std::string block;
  for (std::size_t line = 0; block.size() + line_bytes <= 65536; ++line) {
    std::string text = "line " + std::to_string(line) + " ";
    for (std::size_t j = 0; text.size() < line_bytes - 1; ++j) {
      text.push_back(static_cast<char>('a' + j % 26));
    }
    text.resize(line_bytes - 1);
    block += text + "\n";
  }
  long long left = total - total % static_cast<long long>(line_bytes); // whole lines only
  while (left > 0) {
    const std::size_t size = static_cast<std::size_t>(std::min<long long>(left, static_cast<long long>(block.size())));
    std::size_t done = 0;
    while (done < size) {
      const ssize_t written = write(STDOUT_FILENO, block.data() + done, size - done);
      if (written <= 0) {
        std::perror("write");
        return 1;
      }
      done += static_cast<std::size_t>(written);
    }
    left -= static_cast<long long>(size);
  }
  return 0;
}
