#include <rastar/supervise/output_writer.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
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

// `parts` from byte `skip` on, as one string (what the thread writes later).
std::string
gather(std::span<const iovec> parts, std::size_t skip)
{
  std::string text;
  for (const auto& part : parts) {
    const auto* data = static_cast<const char*>(part.iov_base);
    if (skip >= part.iov_len) {
      skip -= part.iov_len;
      continue;
    }
    text.append(data + skip, part.iov_len - skip);
    skip = 0;
  }
  return text;
}

} // namespace

OutputWriter::~OutputWriter()
{
  if (!m_thread.joinable()) {
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

std::size_t
OutputWriter::write_without_waiting(int fd, std::span<const iovec> parts, std::size_t total)
{
  std::size_t done = 0;
  std::size_t first = 0;        // the part being written
  std::size_t first_offset = 0; // bytes of it already written
  iovec batch[IOV_MAX];
  while (done < total) {
    std::size_t count = 0;
    for (std::size_t i = first; i < parts.size() && count < IOV_MAX; ++i, ++count) {
      batch[count] = parts[i];
      if (i == first) {
        batch[count].iov_base = static_cast<char*>(batch[count].iov_base) + first_offset;
        batch[count].iov_len -= first_offset;
      }
    }
    const ssize_t written = pwritev2(fd, batch, static_cast<int>(count), -1, RWF_NOWAIT);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        return done; // full: the thread waits for room
      }
      if (errno == EOPNOTSUPP || errno == EINVAL || errno == ESPIPE || errno == ENOSYS) {
        m_no_nowait.insert(fd); // a terminal, an old kernel: the thread writes for this fd
        return done;
      }
      return total; // closed or broken stdout: nothing useful left to do with the text
    }
    done += static_cast<std::size_t>(written);
    auto left = static_cast<std::size_t>(written);
    while (first < parts.size() && left >= parts[first].iov_len - first_offset) {
      left -= parts[first].iov_len - first_offset;
      first_offset = 0;
      ++first;
    }
    first_offset += left;
  }
  return done;
}

void
OutputWriter::write(int fd, std::span<const iovec> parts)
{
  std::size_t total = 0;
  for (const auto& part : parts) {
    total += part.iov_len;
  }
  if (total == 0) {
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    std::size_t done = 0;
    // Straight out when nothing is ahead of it: the thread is idle then, so
    // the order holds, and RWF_NOWAIT never stalls the loop.
    if (m_queue.empty() && !m_busy && m_no_nowait.count(fd) == 0) {
      done = write_without_waiting(fd, parts, total);
      if (done == total) {
        return;
      }
    }
    m_queued_bytes += total - done;
    m_queue.push_back({fd, gather(parts, done)});
    if (!m_thread.joinable()) {
      m_thread = std::thread([this] { run(); });
    }
  }
  m_changed.notify_all();
}

void
OutputWriter::write(int fd, std::string text)
{
  const iovec part{text.data(), text.size()};
  write(fd, std::span<const iovec>(&part, 1));
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

bool
OutputWriter::thread_started()
{
  std::lock_guard lock(m_mutex);
  return m_thread.joinable();
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
