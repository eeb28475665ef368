#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>

#include <sys/uio.h>

// Writes relayed service output to rastar-init's stdout and stderr without
// ever stalling the supervisor loop on a slow reader: a write that the fd
// takes at once (pwritev2 with RWF_NOWAIT) goes out from the caller, with no
// copy and no hand-off; the rest is queued for a writer thread, started the
// first time it is needed (the services then wait on their own pipes).

namespace rastar::supervise {

class OutputWriter
{
public:
  OutputWriter() = default;
  ~OutputWriter(); // writes what is queued, then stops
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  // Writes `parts`, in order, to `fd` (rastar-init's 1 or 2): each call
  // whole, after every earlier one. The parts need to live only during the call.
  void
  write(int fd, std::span<const iovec> parts);

  // The same for one string.
  void
  write(int fd, std::string text);

  // Bytes queued and not yet taken for writing. The relays stop reading
  // their pipes above a limit, so a slow reader of rastar-init's output makes
  // the services wait on their pipes instead of growing rastar-init's memory.
  std::size_t
  queued_bytes();

  // Waits until everything queued so far is written or `timeout` passes;
  // returns whether it all went out.
  bool
  flush(std::chrono::milliseconds timeout);

  // Whether the writer thread was ever needed (a test of the fast path).
  bool
  thread_started();

private:
  struct Chunk
  {
    int fd;
    std::string text;
  };

  // Writes what `fd` takes now; returns the bytes written, or the whole
  // size when the text is to be dropped (stdout closed).
  std::size_t
  write_without_waiting(int fd, std::span<const iovec> parts, std::size_t total);

  void
  run();

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Chunk> m_queue;
  std::size_t m_queued_bytes = 0;
  bool m_busy = false;
  bool m_stopping = false;
  std::set<int> m_no_nowait; // fds that refused RWF_NOWAIT: always the thread
  std::thread m_thread;
};

} // namespace rastar::supervise
