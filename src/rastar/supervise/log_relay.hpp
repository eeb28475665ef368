#pragma once

#include <rastar/config/service_config.hpp>
#include <rastar/supervise/output_writer.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sys/uio.h>

// Relays one output stream of one service to rastar-init's own, line by line
// (pid1.md §6.6): read without blocking in the supervisor's loop, each whole
// line written as it arrives with the service's name, a line longer than
// max_line_bytes split into pieces of that size. A read's lines go out in
// one gathered write; long lines in it point into the read buffer, so their
// text is copied only by the kernel.

namespace rastar::supervise {

// One line as it is written out: `[name] line\n`, a JSON object
// {"service","stream","time","line"} per line, or the line alone (raw).
std::string
format_line(config::LogFormat format, const std::string& service, const std::string& stream,
            std::string_view line);

class LogRelay
{
public:
  // Takes ownership of `fd`, a non-blocking pipe's read end; `stream` is
  // "stdout" or "stderr" and chooses rastar-init's stream too.
  LogRelay(boost::asio::io_context& io, OutputWriter& writer, std::string service, std::string stream,
           int fd, config::LogFormat format, std::size_t max_line_bytes);

  // Starts reading; `on_end` runs once the pipe reached end of file.
  void
  start(std::function<void()> on_end);

  // Reads, without waiting, whatever the pipe still holds and writes it
  // out with any partial last line (used before rastar-init exits).
  void
  drain();

  bool
  ended() const
  {
    return m_ended;
  }

private:
  void
  read_more();

  void
  consume(const char* data, std::size_t size);

  void
  finish();

  // Adds one line to the batch. `borrowed`: `line` lies in m_buffer, which
  // outlives the batch, and may be pointed to; else it is copied.
  void
  emit(std::string_view line, bool borrowed);

  // A piece of the batch: in m_buffer (or a constant), or in m_pending at
  // `offset` (an offset, since m_pending moves while it grows).
  struct Part
  {
    const char* data;
    std::size_t offset;
    std::size_t size;
  };

  void
  add_part(const char* data, std::size_t size);

  void
  add_owned(std::size_t offset, std::size_t size);

  // Writes the batch of the last read, the whole lines, as one write.
  void
  write_pending();

  // Expires with the relay: a read or wait that completed just before the
  // relay was destroyed (a reload retiring its service) is then dropped.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  boost::asio::posix::stream_descriptor m_pipe;
  boost::asio::steady_timer m_backlog_timer; // reading paused while the writer is behind
  OutputWriter& m_writer;
  std::string m_service;
  std::string m_stream;
  config::LogFormat m_format;
  std::size_t m_max_line_bytes;
  std::string m_prefix; // "[name] "
  std::string m_partial;
  std::string m_pending;
  std::vector<Part> m_parts;
  std::vector<iovec> m_iovecs;
  // As cat's: fewer reads per MB. Not zeroed: a quiet stream touches one page of it.
  std::array<char, 131072> m_buffer;
  std::function<void()> m_on_end;
  bool m_ended = false;
  bool m_just_split = false;
};

} // namespace rastar::supervise
