#include <rastar/supervise/output_writer.hpp>

#include <cerrno>
#include <unistd.h>

namespace rastar::supervise {

namespace {

void
write_all(int fd, const std::string& text)
{
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t written = ::write(fd, text.data() + done, text.size() - done);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return; // closed or broken stdout: nothing useful left to do with the text
    }
    done += static_cast<std::size_t>(written);
  }
}

} // namespace

OutputWriter::OutputWriter()
  : m_thread([this] { run(); })
{
}

OutputWriter::~OutputWriter()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

void
OutputWriter::write(int fd, std::string text)
{
  {
    std::lock_guard lock(m_mutex);
    m_queued_bytes += text.size();
    m_queue.push_back({fd, std::move(text)});
  }
  m_changed.notify_all();
}

std::size_t
OutputWriter::queued_bytes()
{
  std::lock_guard lock(m_mutex);
  return m_queued_bytes;
}

bool
OutputWriter::flush(std::chrono::milliseconds timeout)
{
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, timeout, [this] { return m_queue.empty() && !m_busy; });
}

void
OutputWriter::run()
{
  std::unique_lock lock(m_mutex);
  while (true) {
    m_changed.wait(lock, [this] { return !m_queue.empty() || m_stopping; });
    if (m_queue.empty()) {
      return; // stopping with nothing left
    }
    // Take everything queued for one fd in one batch: fewer system calls
    // when services are chatty.
    const int fd = m_queue.front().fd;
    // The first chunk is moved, not copied: a relay's chunk is a whole read.
    std::string batch = std::move(m_queue.front().text);
    m_queue.pop_front();
    while (!m_queue.empty() && m_queue.front().fd == fd && batch.size() < (1U << 20)) {
      batch += m_queue.front().text;
      m_queue.pop_front();
    }
    m_queued_bytes -= batch.size();
    m_busy = true;
    lock.unlock();
    write_all(fd, batch);
    lock.lock();
    m_busy = false;
    m_changed.notify_all();
  }
}

} // namespace rastar::supervise
