#include "health_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace rastar::stand_in {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

constexpr std::chrono::seconds k_idle_timeout{5};

// One connection: read one request, answer it, close.
class Exchange : public std::enable_shared_from_this<Exchange>
{
public:
  Exchange(tcp::socket socket, std::shared_ptr<const std::string> body)
    : m_stream(std::move(socket)),
      m_body(std::move(body))
  {
  }

  void
  start()
  {
    m_stream.expires_after(k_idle_timeout);
    http::async_read(m_stream, m_buffer, m_request,
                     [self = shared_from_this()](beast::error_code error, std::size_t) { self->answer(error); });
  }

private:
  void
  answer(beast::error_code error)
  {
    if (error) {
      return;
    }
    const bool is_health = m_request.target() == "/health" &&
                           (m_request.method() == http::verb::get || m_request.method() == http::verb::head);
    m_response.version(m_request.version());
    m_response.keep_alive(false);
    m_response.result(is_health ? http::status::ok : http::status::not_found);
    m_response.set(http::field::content_type, "application/json");
    m_response.body() = is_health ? *m_body : R"({"error":"not found"})";
    m_response.prepare_payload();
    m_stream.expires_after(k_idle_timeout);
    http::async_write(m_stream, m_response, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  http::request<http::string_body> m_request;
  http::response<http::string_body> m_response;
  std::shared_ptr<const std::string> m_body;
};

} // namespace

HealthServer::HealthServer(boost::asio::io_context& io, unsigned short port, std::string body)
  : m_acceptor(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), port)),
    m_body(std::make_shared<const std::string>(std::move(body)))
{
  accept();
}

unsigned short
HealthServer::port() const
{
  return m_acceptor.local_endpoint().port();
}

void
HealthServer::close()
{
  beast::error_code ignored;
  m_acceptor.close(ignored);
}

void
HealthServer::accept()
{
  m_acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
    if (error) {
      // Closed by close(); anything else (too many open files) is retried.
      if (m_acceptor.is_open()) {
        accept();
      }
      return;
    }
    std::make_shared<Exchange>(std::move(socket), m_body)->start();
    accept();
  });
}

} // namespace rastar::stand_in
