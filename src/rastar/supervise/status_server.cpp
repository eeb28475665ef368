#include <rastar/supervise/status_server.hpp>

#include <rastar/supervise/accept_loop.hpp>
#include <rastar/supervise/listen_address.hpp>
#include <rastar/supervise/snapshot_json.hpp>
#include <rastar/util/error.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace rastar::supervise {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A probe's request is one line and a few headers; anything bigger is not one.
constexpr std::size_t k_header_limit = 8192;
constexpr std::size_t k_body_limit = 1024;
// Probes come from Docker, an orchestrator and the odd curl: a few at a time.
constexpr std::size_t k_max_connections = 64;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response
make_response(http::status status, unsigned version, bool keep_alive, bool head,
              const std::string& content_type, std::string body)
{
  Response response{status, version};
  response.set(http::field::server, "rastar-init");
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(keep_alive);
  // HEAD answers with GET's length and no body (RFC 9110, 9.3.2).
  response.content_length(body.size());
  if (!head) {
    response.body() = std::move(body);
  }
  return response;
}

Response
text_response(const Request& request, http::status status, std::string body)
{
  return make_response(status, request.version(), request.keep_alive(), request.method() == http::verb::head,
                       "text/plain; charset=utf-8", std::move(body));
}

// The request's path without its query string.
std::string
request_path(const Request& request)
{
  const auto target = request.target();
  const std::string path(target.data(), target.size());
  return path.substr(0, path.find('?'));
}

// Why /readyz says 503: the phase before services run, else the services
// that are not ready yet.
std::string
not_ready_text(const Snapshot& snapshot)
{
  if (!snapshot.healthy) {
    return "not ready: unhealthy\n";
  }
  if (snapshot.phase != "running") {
    return fmt::format("not ready: phase {}\n", snapshot.phase);
  }
  std::string waiting;
  for (const auto& service : snapshot.services) {
    // A service stopped by command is down on purpose, not what /readyz waits for.
    if ((service.state != "ready" && service.state != "stopped") || service.health == "unhealthy") {
      waiting += fmt::format("{}{} {}", waiting.empty() ? "" : ", ", service.name,
                             service.health == "unhealthy" ? "unhealthy" : service.state);
    }
  }
  return waiting.empty() ? "not ready\n" : fmt::format("not ready: {}\n", waiting);
}

std::string
unhealthy_text(const Snapshot& snapshot)
{
  std::string failed;
  for (const auto& service : snapshot.services) {
    if (service.state == "failed") {
      failed += fmt::format("{}{} failed", failed.empty() ? "" : ", ", service.name);
    }
  }
  return failed.empty() ? "unhealthy\n" : fmt::format("unhealthy: {}\n", failed);
}

Response
answer(const Request& request, const StatusServer::SnapshotFunction& snapshot_function)
{
  const auto path = request_path(request);
  if (path != "/healthz" && path != "/readyz" && path != "/status") {
    return text_response(request, http::status::not_found,
                         "not found: the status endpoint serves /healthz, /readyz and /status\n");
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    auto response = text_response(request, http::status::method_not_allowed,
                                  "method not allowed: the status endpoint is read-only (GET, HEAD)\n");
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  Snapshot snapshot;
  try {
    snapshot = snapshot_function();
  } catch (const std::exception& e) {
    spdlog::error("the status endpoint could not take a snapshot: {}", e.what());
    return text_response(request, http::status::internal_server_error, "internal error\n");
  }
  if (path == "/healthz") {
    return snapshot.healthy ? text_response(request, http::status::ok, "ok\n")
                            : text_response(request, http::status::service_unavailable, unhealthy_text(snapshot));
  }
  if (path == "/readyz") {
    return snapshot.ready && snapshot.healthy
             ? text_response(request, http::status::ok, "ready\n")
             : text_response(request, http::status::service_unavailable, not_ready_text(snapshot));
  }
  return make_response(http::status::ok, request.version(), request.keep_alive(),
                       request.method() == http::verb::head, "application/json",
                       snapshot_to_json_text(snapshot));
}

} // namespace

namespace detail {

class StatusConnection;

// Everything the handlers touch; only the io_context's thread uses it once
// the constructor has handed it over.
struct StatusServerState : AcceptLoop<StatusServerState, tcp::acceptor, StatusConnection>
{
  StatusServerState(asio::io_context& io_context,
                    StatusServer::SnapshotFunction snapshot_function,
                    std::chrono::milliseconds idle)
    : AcceptLoop(io_context, k_max_connections),
      snapshot(std::move(snapshot_function)),
      idle_timeout(idle)
  {
  }

  std::string
  listener_name() const
  {
    return "the status endpoint";
  }

  StatusServer::SnapshotFunction snapshot;
  std::chrono::milliseconds idle_timeout;
};

// One client connection: read a request, answer, repeat while keep-alive.
class StatusConnection : public std::enable_shared_from_this<StatusConnection>
{
public:
  StatusConnection(tcp::socket socket, std::shared_ptr<StatusServerState> state)
    : m_stream(std::move(socket)),
      m_buffer(k_header_limit + k_body_limit),
      m_state(std::move(state))
  {
  }

  void
  read()
  {
    m_parser.emplace();
    m_parser->header_limit(k_header_limit);
    m_parser->body_limit(k_body_limit);
    // A client that sends nothing, or too slowly, is dropped at the deadline.
    m_stream.expires_after(m_state->idle_timeout);
    http::async_read(m_stream, m_buffer, *m_parser,
                     [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_read(error); });
  }

  void
  close()
  {
    beast::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.close();
  }

private:
  void
  on_read(const beast::error_code& error)
  {
    if (m_state->stopped || error == http::error::end_of_stream) {
      return;
    }
    if (error == http::error::header_limit) {
      refuse(http::status::request_header_fields_too_large, "request header fields too large\n");
    } else if (error == http::error::body_limit) {
      refuse(http::status::payload_too_large, "request body too large\n");
    } else if (error && error != http::error::partial_message &&
               error.category() == beast::error_code(http::error::bad_target).category()) {
      refuse(http::status::bad_request, "bad request\n");
    } else if (!error) {
      m_response = answer(m_parser->get(), m_state->snapshot);
      write(!m_response.keep_alive());
    }
    // Otherwise (timeout, reset, a half-sent request) the connection just ends.
  }

  void
  refuse(http::status status, std::string body)
  {
    m_response = make_response(status, 11, false, false, "text/plain; charset=utf-8", std::move(body));
    write(true);
  }

  void
  write(bool close_after)
  {
    m_stream.expires_after(m_state->idle_timeout);
    http::async_write(m_stream, m_response,
                      [self = shared_from_this(), close_after](beast::error_code error, std::size_t) {
                        if (error || self->m_state->stopped) {
                          return;
                        }
                        if (close_after) {
                          beast::error_code ignored;
                          self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  Response m_response;
  std::shared_ptr<StatusServerState> m_state;
};

} // namespace detail

StatusServer::StatusServer(asio::io_context& io,
                           const std::string& listen,
                           SnapshotFunction snapshot,
                           std::chrono::milliseconds idle_timeout)
{
  const auto endpoint = parse_listen_address(listen, "status.listen");
  if (!endpoint) {
    return;
  }
  auto state = std::make_shared<detail::StatusServerState>(io, std::move(snapshot), idle_timeout);
  beast::error_code error;
  state->acceptor.open(endpoint->protocol(), error);
  if (!error) {
    // A restarted rastar-init must not wait for the old connections' TIME_WAIT.
    state->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  }
  if (!error) {
    state->acceptor.bind(*endpoint, error);
  }
  if (!error) {
    state->acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    throw config_error(fmt::format("cannot listen on {} (status.listen): {}; choose another port, or set "
                                   "status.listen to 0 to turn the status endpoint off",
                                   format_endpoint(*endpoint),
                                   error.message()));
  }
  const auto bound = state->acceptor.local_endpoint();
  m_port = bound.port();
  m_address = format_endpoint(bound);
  m_state = state;
  spdlog::info("status endpoint on http://{} (/healthz, /readyz, /status)", m_address);
  // The loop may already run on another thread: start accepting from it.
  asio::dispatch(io, [state] { state->accept(); });
}

StatusServer::~StatusServer()
{
  stop();
}

bool
StatusServer::enabled() const
{
  return m_state != nullptr;
}

unsigned short
StatusServer::port() const
{
  return m_port;
}

std::string
StatusServer::address() const
{
  return m_address;
}

void
StatusServer::stop()
{
  if (!m_state) {
    return;
  }
  // Runs at once on the loop's thread, else is queued for it.
  asio::dispatch(m_state->io, [state = m_state] { state->stop_accepting(); });
}

} // namespace rastar::supervise
