#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <vector>

// The blocked signals (util::blocked_signal_set) read from a signalfd inside
// the supervisor's Asio loop: a signal wakes the loop itself, with no watcher
// thread in between (pid1.md §6.1: forwarding at tini's latency).

namespace rastar::supervise {

class SignalSource
{
public:
  using Handler = std::function<void(int signal_number)>;

  // Opens the signalfd; throws Error(internal) when the kernel refuses.
  explicit SignalSource(boost::asio::io_context& io);

  // The signals pending right now, without waiting (read before the loop
  // starts: a SIGTERM that came first must stop the start).
  std::vector<int>
  take_pending();

  // Calls `handler` on the loop for every signal from now on.
  void
  start(Handler handler);

private:
  void
  wait_for_more();

  boost::asio::posix::stream_descriptor m_fd;
  Handler m_handler;
};

} // namespace rastar::supervise
