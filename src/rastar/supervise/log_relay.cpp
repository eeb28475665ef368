#include <rastar/supervise/log_relay.hpp>

#include <rastar/util/time.hpp>

#include <boost/asio/read.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

namespace rastar::supervise {

namespace {

// Above this much output queued for the writer thread, the relays stop
// reading: the pipes fill and the services wait, as they would on a slow
// terminal, and rastar-init's memory stays bounded.
constexpr std::size_t k_backlog_limit = 1 << 20;

// How long a paused relay waits before it looks at the backlog again.
constexpr std::chrono::milliseconds k_backlog_poll{2};

// format_line's work, appended to `out`: the relay batches the lines of one
// read into one string without a temporary per line.
void
append_line(std::string& out, config::LogFormat format, const std::string& service, const std::string& stream,
            std::string_view line)
{
  switch (format) {
  case config::LogFormat::raw:
    out.append(line).append("\n");
    return;
  case config::LogFormat::json: {
    const nlohmann::json object = {
      {"service", service}, {"stream", stream}, {"time", util::iso8601_utc(util::now_utc())}, {"line", line}};
    // A split line may cut a UTF-8 sequence: replace the broken bytes rather than throw.
    out.append(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).append("\n");
    return;
  }
  case config::LogFormat::prefixed: break;
  }
  out.push_back('[');
  out.append(service);
  out.append("] ", 2);
  out.append(line);
  out.push_back('\n');
}

} // namespace

std::string
format_line(config::LogFormat format, const std::string& service, const std::string& stream,
            std::string_view line)
{
  std::string text;
  text.reserve(service.size() + line.size() + 4);
  append_line(text, format, service, stream, line);
  return text;
}

LogRelay::LogRelay(boost::asio::io_context& io, OutputWriter& writer, std::string service, std::string stream,
                   int fd, config::LogFormat format, std::size_t max_line_bytes)
  : m_pipe(io, fd),
    m_backlog_timer(io),
    m_writer(writer),
    m_service(std::move(service)),
    m_stream(std::move(stream)),
    m_format(format),
    m_max_line_bytes(max_line_bytes == 0 ? 16384 : max_line_bytes),
    m_prefix("[" + m_service + "] ")
{
}

void
LogRelay::start(std::function<void()> on_end)
{
  m_on_end = std::move(on_end);
  read_more();
}

void
LogRelay::read_more()
{
  if (m_writer.queued_bytes() > k_backlog_limit) {
    m_backlog_timer.expires_after(k_backlog_poll);
    m_backlog_timer.async_wait([this, alive = std::weak_ptr<bool>(m_alive)](const boost::system::error_code& error) {
      if (!alive.expired() && !error && !m_ended) {
        read_more();
      }
    });
    return;
  }
  m_pipe.async_read_some(boost::asio::buffer(m_buffer), [this, alive = std::weak_ptr<bool>(m_alive)](
                                                         const boost::system::error_code& error, std::size_t size) {
    if (alive.expired() || error == boost::asio::error::operation_aborted) {
      return;
    }
    consume(m_buffer.data(), size);
    if (error) {
      finish();
      return;
    }
    read_more();
  });
}

void
LogRelay::drain()
{
  if (m_ended) {
    return;
  }
  while (true) {
    const ssize_t size = ::read(m_pipe.native_handle(), m_buffer.data(), m_buffer.size());
    if (size > 0) {
      consume(m_buffer.data(), static_cast<std::size_t>(size));
      continue;
    }
    if (size < 0 && errno == EINTR) {
      continue;
    }
    break; // end of file, or a straggler still holds the pipe open with nothing in it
  }
  finish();
}

void
LogRelay::consume(const char* data, std::size_t size)
{
  std::string_view chunk(data, size);
  while (!chunk.empty()) {
    const auto newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      m_partial.append(chunk);
      break;
    }
    if (m_partial.empty()) {
      // A newline right after a piece split at the limit ends that line; it
      // is not an empty line of its own.
      if (newline != 0 || !m_just_split) {
        emit(chunk.substr(0, newline), true);
      }
    } else {
      m_partial.append(chunk.substr(0, newline));
      emit(m_partial, false);
      m_partial.clear();
    }
    m_just_split = false;
    chunk.remove_prefix(newline + 1);
  }
  // A line longer than the limit goes out in pieces as it arrives.
  while (m_partial.size() >= m_max_line_bytes) {
    emit(std::string_view(m_partial).substr(0, m_max_line_bytes), false);
    m_partial.erase(0, m_max_line_bytes);
    m_just_split = true;
  }
  write_pending();
}

void
LogRelay::finish()
{
  if (m_ended) {
    return;
  }
  m_ended = true;
  if (!m_partial.empty()) {
    emit(m_partial, false);
    m_partial.clear();
    write_pending();
  }
  m_backlog_timer.cancel();
  boost::system::error_code ignored;
  m_pipe.cancel(ignored);
  m_pipe.close(ignored);
  if (m_on_end) {
    auto on_end = std::move(m_on_end);
    on_end();
  }
}

namespace {

char k_newline[] = "\n";

// Lines at least this long are written from the read buffer, not copied.
constexpr std::size_t k_borrow_from = 512;

} // namespace

void
LogRelay::add_part(const char* data, std::size_t size)
{
  // Lines that follow each other in the buffer (raw format) make one part.
  if (!m_parts.empty() && m_parts.back().data && m_parts.back().data + m_parts.back().size == data) {
    m_parts.back().size += size;
    return;
  }
  m_parts.push_back({data, 0, size});
}

void
LogRelay::add_owned(std::size_t offset, std::size_t size)
{
  if (!m_parts.empty() && !m_parts.back().data && m_parts.back().offset + m_parts.back().size == offset) {
    m_parts.back().size += size;
    return;
  }
  m_parts.push_back({nullptr, offset, size});
}

void
LogRelay::emit(std::string_view line, bool borrowed)
{
  while (true) {
    const bool last = line.size() <= m_max_line_bytes;
    const auto piece = line.substr(0, m_max_line_bytes);
    // A long line is pointed to; a short one is cheaper to copy next to its
    // neighbours than to hand the kernel as two more pieces of a gathered write.
    if (borrowed && m_format != config::LogFormat::json && piece.size() >= k_borrow_from) {
      if (m_format == config::LogFormat::prefixed) {
        add_part(m_prefix.data(), m_prefix.size());
      }
      // A whole line's own newline follows it in the buffer.
      if (last && piece.data() + piece.size() < m_buffer.data() + m_buffer.size() &&
          piece.data()[piece.size()] == '\n') {
        add_part(piece.data(), piece.size() + 1);
      } else {
        add_part(piece.data(), piece.size());
        add_part(k_newline, 1);
      }
    } else {
      const auto offset = m_pending.size();
      if (m_format == config::LogFormat::prefixed) {
        m_pending.append(m_prefix).append(piece).push_back('\n');
      } else {
        append_line(m_pending, m_format, m_service, m_stream, piece);
      }
      add_owned(offset, m_pending.size() - offset);
    }
    if (last) {
      return;
    }
    line.remove_prefix(m_max_line_bytes);
  }
}

void
LogRelay::write_pending()
{
  if (m_parts.empty()) {
    return;
  }
  m_iovecs.clear();
  for (const auto& part : m_parts) {
    const char* data = part.data ? part.data : m_pending.data() + part.offset;
    m_iovecs.push_back({const_cast<char*>(data), part.size});
  }
  // One write per read rather than per line: a line-per-write relay woke
  // the writer for every line and relayed a fast service at a tenth of the
  // pipe's speed.
  m_writer.write(m_stream == "stderr" ? 2 : 1, m_iovecs);
  m_parts.clear();
  m_pending.clear();
}

} // namespace rastar::supervise
