#include <rastar/supervise/signal_source.hpp>

#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sys/signalfd.h>
#include <unistd.h>

namespace rastar::supervise {

namespace {

int
open_signalfd()
{
  const sigset_t set = util::blocked_signal_set();
  const int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    throw Error(ExitCode::internal, fmt::format("cannot open a signalfd to receive signals: {}", std::strerror(errno)));
  }
  return fd;
}

} // namespace

SignalSource::SignalSource(boost::asio::io_context& io)
  : m_fd(io, open_signalfd())
{
}

std::vector<int>
SignalSource::take_pending()
{
  std::vector<int> signals;
  // A burst (a SIGCHLD per child plus forwarded ones) is read in one call.
  std::array<signalfd_siginfo, 16> infos{};
  while (true) {
    const ssize_t size = ::read(m_fd.native_handle(), infos.data(), sizeof(infos));
    if (size < 0 && errno == EINTR) {
      continue;
    }
    if (size <= 0) {
      return signals; // EAGAIN: nothing more pending
    }
    const auto count = static_cast<std::size_t>(size) / sizeof(signalfd_siginfo);
    for (std::size_t i = 0; i < count; ++i) {
      signals.push_back(static_cast<int>(infos[i].ssi_signo));
    }
  }
}

void
SignalSource::start(Handler handler)
{
  m_handler = std::move(handler);
  wait_for_more();
}

void
SignalSource::wait_for_more()
{
  m_fd.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& error) {
    if (error) {
      return; // closed: the loop is ending
    }
    for (const int signal_number : take_pending()) {
      m_handler(signal_number);
    }
    wait_for_more();
  });
}

} // namespace rastar::supervise
