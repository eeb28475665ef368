#include <rastar/supervise/control_socket.hpp>

#include <rastar/supervise/accept_loop.hpp>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace rastar::supervise {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

// "restart some-service\n" needs a few dozen bytes; more is not a request.
constexpr std::size_t k_request_limit = 1024;
// Actions are rare and human-driven; a few connections at a time are plenty.
constexpr std::size_t k_max_connections = 16;

std::string
directory_of(const std::string& path)
{
  const auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Whether a process answers on the socket file at `path`: connects without
// blocking (a full backlog answers EAGAIN, which still means someone is
// there). Returns the errno of the attempt, 0 when it connected.
int
probe_socket(const std::string& path)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return errno;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int error = result == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

// Clears the way for a new socket at `path`. Returns what stands in the way,
// or an empty string.
std::string
remove_stale_socket(const std::string& path)
{
  struct stat status{};
  if (::lstat(path.c_str(), &status) != 0) {
    return errno == ENOENT ? "" : fmt::format("cannot inspect it: {}", std::strerror(errno));
  }
  if (!S_ISSOCK(status.st_mode)) {
    return "a file that is not a socket is in the way; remove it or set control.socket to another path";
  }
  const int probe = probe_socket(path);
  if (probe == 0 || probe == EAGAIN) {
    return "another process (another rastar-init?) already answers on it; give each rastar-init on this "
           "machine its own control.socket";
  }
  if (probe != ECONNREFUSED) {
    return fmt::format("cannot tell whether another process answers on it ({})", std::strerror(probe));
  }
  // Nobody listens: the file is left from a rastar-init that did not exit cleanly.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fmt::format("cannot remove the stale socket file left there: {}", std::strerror(errno));
  }
  spdlog::info("control socket {}: removed the stale socket file of an earlier run (nobody answered on it)", path);
  return "";
}

std::string
advice_for(const boost::system::error_code& error, const std::string& path)
{
  if (error == boost::system::errc::no_such_file_or_directory) {
    return fmt::format("the directory {} does not exist; create it or set control.socket to another path",
                       directory_of(path));
  }
  if (error == boost::system::errc::permission_denied || error == boost::system::errc::read_only_file_system) {
    return fmt::format("rastar-init's user cannot create files in {} ({}); set control.socket to a path it can "
                       "write, or to \"\" to turn the control socket off",
                       directory_of(path), error.message());
  }
  return fmt::format("cannot create it: {}; set control.socket to another path, or to \"\" to turn it off",
                     error.message());
}

} // namespace

namespace detail {

class ControlConnection;

// Everything the handlers touch; shared with them so a handler that runs
// after the ControlSocket is gone finds it alive.
struct ControlSocketState : AcceptLoop<ControlSocketState, local::acceptor, ControlConnection>
{
  ControlSocketState(asio::io_context& io_context, ControlSocket::Handler request_handler)
    : AcceptLoop(io_context, k_max_connections),
      handler(std::move(request_handler))
  {
  }

  // Binds and listens at `path`; returns what went wrong, or an empty string.
  std::string
  open(const std::string& path);

  std::string
  listener_name() const
  {
    return "control socket " + path;
  }

  void
  close();

  ControlSocket::Handler handler;
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
};

// One client: read its request line, hand it to the handler, write the
// answer whenever the handler gives it, close.
class ControlConnection : public std::enable_shared_from_this<ControlConnection>
{
public:
  ControlConnection(local::socket socket, std::shared_ptr<ControlSocketState> state)
    : m_socket(std::move(socket)),
      m_timer(state->io),
      m_state(std::move(state))
  {
  }

  void
  read()
  {
    // A client that connects and sends nothing is dropped at the deadline.
    m_timer.expires_after(ControlSocket::k_request_timeout);
    m_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      if (const auto self = weak.lock(); self && !error) {
        self->close();
      }
    });
    asio::async_read_until(m_socket, asio::dynamic_buffer(m_input, k_request_limit), '\n',
                           [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
                             self->on_read(error, size);
                           });
  }

  void
  answer(const ControlAnswer& answer)
  {
    if (m_answered || m_state->stopped) {
      return;
    }
    m_answered = true;
    m_output = format_control_answer(answer);
    asio::async_write(m_socket, asio::buffer(m_output),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) { self->close(); });
  }

  void
  close()
  {
    m_timer.cancel();
    boost::system::error_code ignored;
    m_socket.shutdown(local::socket::shutdown_both, ignored);
    m_socket.close(ignored);
  }

private:
  void
  on_read(const boost::system::error_code& error, std::size_t size)
  {
    m_timer.cancel();
    if (m_state->stopped) {
      return;
    }
    std::string line;
    if (!error) {
      line = m_input.substr(0, size);
    } else if (error == asio::error::not_found) {
      answer(ControlAnswer::failure(fmt::format("the request is longer than {} bytes; send one line, as \"stop "
                                                "bot\"",
                                                k_request_limit)));
      return;
    } else if (error == asio::error::eof && !m_input.empty()) {
      line = m_input; // the client shut its side without a newline
    } else {
      return; // gone before it asked, or dropped at the deadline
    }
    std::string problem;
    const auto request = parse_control_request(line, problem);
    if (!request) {
      answer(ControlAnswer::failure(problem));
      return;
    }
    try {
      m_state->handler(*request, [self = shared_from_this()](const ControlAnswer& reply) { self->answer(reply); });
    } catch (const std::exception& e) {
      spdlog::error("control socket: {} {} failed: {}", to_string(request->action), request->service, e.what());
      answer(ControlAnswer::failure(fmt::format("internal error: {}", e.what())));
    }
  }

  local::socket m_socket;
  asio::steady_timer m_timer;
  std::shared_ptr<ControlSocketState> m_state;
  std::string m_input;
  std::string m_output;
  bool m_answered = false;
};

std::string
ControlSocketState::open(const std::string& socket_path)
{
  path = socket_path;
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fmt::format("the path is {} bytes long, more than a Unix socket allows ({}); choose a shorter "
                       "control.socket",
                       path.size(), sizeof(sockaddr_un::sun_path) - 1);
  }
  if (auto problem = remove_stale_socket(path); !problem.empty()) {
    return problem;
  }
  const local::endpoint endpoint(path);
  boost::system::error_code error;
  acceptor.open(endpoint.protocol(), error);
  if (error) {
    return fmt::format("cannot open a Unix socket: {}", error.message());
  }
  // Services are spawned with every other descriptor closed; this only makes sure.
  ::fcntl(acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
  // The file must never exist with a wider mode, not even between bind and
  // chmod: umask makes bind create it 0600. umask is per process, but no
  // other thread of rastar-init creates files meanwhile.
  const mode_t previous_umask = ::umask(0177);
  acceptor.bind(endpoint, error);
  ::umask(previous_umask);
  if (error) {
    return advice_for(error, path);
  }
  struct stat status{};
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &status) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(path.c_str());
    return fmt::format("cannot make it mode 0600: {}", reason);
  }
  device = status.st_dev;
  inode = status.st_ino;
  acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    ::unlink(path.c_str());
    return fmt::format("cannot listen on it: {}", error.message());
  }
  return "";
}

void
ControlSocketState::close()
{
  if (stopped) {
    return;
  }
  stop_accepting();
  // Only our own file: a rastar-init started since may have replaced it.
  struct stat status{};
  if (::lstat(path.c_str(), &status) == 0 && status.st_dev == device && status.st_ino == inode) {
    ::unlink(path.c_str());
  }
}

} // namespace detail

ControlSocket::ControlSocket(asio::io_context& io, std::string path, Handler handler)
  : m_path(std::move(path))
{
  auto state = std::make_shared<detail::ControlSocketState>(io, std::move(handler));
  if (const auto problem = state->open(m_path); !problem.empty()) {
    spdlog::warn("control socket {}: {}; running without it, so `rastar-init start|stop|restart` cannot reach "
                 "this rastar-init",
                 m_path, problem);
    return;
  }
  m_state = state;
  spdlog::info("control socket on {} (rastar-init start|stop|restart SERVICE)", m_path);
  state->accept();
}

ControlSocket::~ControlSocket()
{
  stop();
}

bool
ControlSocket::enabled() const
{
  return m_state != nullptr && !m_state->stopped;
}

void
ControlSocket::stop()
{
  if (m_state) {
    m_state->close();
  }
}

} // namespace rastar::supervise
