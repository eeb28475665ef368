#pragma once

#include <rastar/supervise/control_protocol.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

// The control socket (D20): a Unix stream socket, served on the supervisor's
// loop, through which `rastar-init start|stop|restart SERVICE` act on the
// services. Actions never go through the HTTP port: the socket file's mode
// (0600, owned by rastar-init's user) is the access control, as for
// supervisord's unix_http_server and s6's control FIFOs.
//
// A socket that cannot be created is a warning, never fatal: the services
// matter more than the remote control. That covers a directory that does not
// exist or is not writable, a path that is too long for a Unix socket, a
// file in the way that is not a socket, and another rastar-init already
// answering on the same path. A socket file left by a rastar-init that died
// (nobody answers: ECONNREFUSED) is replaced.

namespace rastar::supervise {

namespace detail {
struct ControlSocketState;
}

class ControlSocket
{
public:
  // Sends the answer back; may be called later (after a stop completes) but
  // at most once, on the loop's thread.
  using Reply = std::function<void(const ControlAnswer&)>;
  // Called on the loop's thread for each well-formed request.
  using Handler = std::function<void(const ControlRequest&, Reply)>;

  // How long a client may take to send its request line.
  static constexpr std::chrono::milliseconds k_request_timeout{5000};

  // Creates the socket at `path` with mode 0600 and accepts on `io`; on
  // failure logs a warning and stays off (enabled() is false). Call from the
  // loop's thread or before the loop runs.
  ControlSocket(boost::asio::io_context& io, std::string path, Handler handler);

  // Calls stop().
  ~ControlSocket();

  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Whether the socket was created and is served.
  bool
  enabled() const;

  const std::string&
  path() const
  {
    return m_path;
  }

  // Closes the listener and every open connection and removes the socket
  // file, unless another process has put its own file there since. Call from
  // the loop's thread (or once the loop has stopped). Calling it again does
  // nothing.
  void
  stop();

private:
  std::string m_path;
  std::shared_ptr<detail::ControlSocketState> m_state;
};

} // namespace rastar::supervise
