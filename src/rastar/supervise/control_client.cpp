#include <rastar/supervise/control_client.hpp>

#include <rastar/util/error.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>

#include <sys/un.h>

namespace rastar::supervise {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

// An answer is one sentence; more means something else answers there.
constexpr std::size_t k_control_answer_limit = 64 * 1024;

Error
unreachable(const std::string& path, const boost::system::error_code& error)
{
  if (error == boost::system::errc::no_such_file_or_directory) {
    return Error(ExitCode::verdict_no,
                 fmt::format("rastar-init is not running with its control socket at {} (there is no such file); "
                             "check control.socket in its config, or give the path with --socket",
                             path));
  }
  if (error == boost::system::errc::connection_refused) {
    return Error(ExitCode::verdict_no,
                 fmt::format("rastar-init is not running at {} (nothing answers on that socket; the file is left "
                             "from an earlier run)",
                             path));
  }
  if (error == boost::system::errc::permission_denied) {
    return Error(ExitCode::verdict_no,
                 fmt::format("permission denied on {}: the control socket is mode 0600; run this command as "
                             "rastar-init's user (or root)",
                             path));
  }
  return Error(ExitCode::verdict_no, fmt::format("cannot reach rastar-init's control socket at {}: {}", path,
                                                 error.message()));
}

} // namespace

ControlAnswer
send_control_request(const std::string& path, const ControlRequest& request, std::chrono::milliseconds timeout)
{
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    throw Error(ExitCode::verdict_no,
                fmt::format("the control socket path {} is {} bytes long, more than a Unix socket allows ({})",
                            path, path.size(), sizeof(sockaddr_un::sun_path) - 1));
  }
  // Synchronous socket calls have no timeout: run the asynchronous ones
  // under one deadline on a private loop instead.
  asio::io_context io;
  local::socket socket(io);
  asio::steady_timer deadline(io);
  const std::string request_line = format_control_request(request);
  std::string input;
  boost::system::error_code failure;
  bool timed_out = false;
  bool done = false;

  deadline.expires_after(timeout);
  deadline.async_wait([&](const boost::system::error_code& error) {
    if (!error && !done) {
      timed_out = true;
      boost::system::error_code ignored;
      socket.close(ignored);
    }
  });
  auto finish = [&](const boost::system::error_code& error) {
    done = true;
    if (!timed_out) {
      failure = error;
    }
    deadline.cancel();
  };
  socket.async_connect(local::endpoint(path), [&](const boost::system::error_code& connect_error) {
    if (connect_error) {
      finish(connect_error);
      return;
    }
    asio::async_write(socket, asio::buffer(request_line), [&](const boost::system::error_code& write_error,
                                                              std::size_t) {
      if (write_error) {
        finish(write_error);
        return;
      }
      asio::async_read_until(socket, asio::dynamic_buffer(input, k_control_answer_limit), '\n',
                             [&](const boost::system::error_code& read_error, std::size_t) {
                               finish(read_error == asio::error::eof && !input.empty() ? boost::system::error_code{}
                                                                                        : read_error);
                             });
    });
  });
  io.run();

  if (timed_out) {
    throw Error(ExitCode::verdict_no,
                fmt::format("rastar-init at {} gave no answer within {} ms; the {} may still complete: check "
                            "with `rastar-init status`",
                            path, timeout.count(), to_string(request.action)));
  }
  if (failure == asio::error::eof) {
    throw Error(ExitCode::verdict_no,
                fmt::format("rastar-init at {} closed the connection without an answer; it may be shutting down",
                            path));
  }
  if (failure) {
    throw unreachable(path, failure);
  }
  std::string line = input.substr(0, input.find('\n'));
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  const auto answer = parse_control_answer(line);
  if (!answer) {
    throw Error(ExitCode::verdict_no, fmt::format("the program answering on {} is not rastar-init (it answered "
                                                  "\"{}\")",
                                                  path, line.substr(0, 80)));
  }
  return *answer;
}

} // namespace rastar::supervise
