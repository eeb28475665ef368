#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

// Writes relayed service output to rastar-init's stdout and stderr from a
// thread of its own, so a runtime that reads the container's output slowly
// never stalls the supervisor loop (the services then wait on their own pipes).

namespace rastar::supervise {

class OutputWriter
{
public:
  OutputWriter();
  ~OutputWriter(); // writes what is queued, then stops
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;

  // Queues `text` for `fd` (1 or 2); each call is written whole, in order.
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

private:
  struct Chunk
  {
    int fd;
    std::string text;
  };

  void
  run();

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Chunk> m_queue;
  std::size_t m_queued_bytes = 0;
  bool m_busy = false;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace rastar::supervise
