// OutputWriter: straight writes while the fd takes them, the thread (started
// then, not before) once it does not, and the order kept across the two.
#include "test_support.hpp"

#include <rastar/supervise/output_writer.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <string>
#include <unistd.h>

using rastar::supervise::OutputWriter;

namespace {

struct Pipe
{
  int read_end = -1;
  int write_end = -1;

  Pipe()
  {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe()
  {
    close(read_end);
    close(write_end);
  }
};

// Reads `size` bytes from `fd` (blocking).
std::string
read_exactly(int fd, std::size_t size)
{
  std::string text(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = read(fd, text.data() + done, size - done);
    REQUIRE(got > 0);
    done += static_cast<std::size_t>(got);
  }
  return text;
}

} // namespace

TEST_CASE("OutputWriter::write")
{
  Pipe pipe;
  OutputWriter writer;

  SUBCASE("parts the fd takes at once go out from the caller, without a thread")
  {
    std::string prefix = "[a] ";
    std::string line = "hello\n";
    const iovec parts[] = {{prefix.data(), prefix.size()}, {line.data(), line.size()}, {prefix.data(), 2}};
    writer.write(pipe.write_end, parts);
    CHECK(read_exactly(pipe.read_end, 12) == "[a] hello\n[a");
    CHECK(writer.queued_bytes() == 0);
    CHECK_FALSE(writer.thread_started());
  }

  SUBCASE("what a full pipe does not take is queued for the thread, and the order holds")
  {
    const auto capacity = static_cast<std::size_t>(fcntl(pipe.write_end, F_GETPIPE_SZ));
    const std::string first(capacity + 1000, 'x');
    writer.write(pipe.write_end, first);
    CHECK(writer.thread_started());
    std::string second = "second\n";
    const iovec part{second.data(), second.size()};
    writer.write(pipe.write_end, std::span<const iovec>(&part, 1));
    second[0] = 'S'; // the caller's buffer may change once write() returned
    writer.write(pipe.write_end, std::string("third\n"));
    CHECK(read_exactly(pipe.read_end, first.size() + 13) == first + "second\nthird\n");
    CHECK(writer.flush(std::chrono::seconds(5)));
    CHECK(writer.queued_bytes() == 0);
  }

  SUBCASE("a closed reader drops the text instead of stalling")
  {
    close(pipe.read_end);
    pipe.read_end = open("/dev/null", O_RDONLY | O_CLOEXEC);
    writer.write(pipe.write_end, std::string("nobody reads this\n"));
    CHECK(writer.queued_bytes() == 0);
    CHECK(writer.flush(std::chrono::seconds(5)));
  }
}
