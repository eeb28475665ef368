#include <rastar/supervise/status_client.hpp>

#include <rastar/supervise/listen_address.hpp>
#include <rastar/util/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

namespace rastar::supervise {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// /status of many services stays far below this; more means another server.
constexpr std::size_t k_status_answer_limit = 4 * 1024 * 1024;

} // namespace

StatusAnswer
fetch_status_path(const asio::ip::tcp::endpoint& endpoint,
                  const std::string& path,
                  std::chrono::milliseconds timeout)
{
  const auto url = fmt::format("http://{}{}", format_endpoint(endpoint), path);
  // Beast's synchronous calls have no timeout: run the asynchronous ones
  // under one deadline on a private loop instead.
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, format_endpoint(endpoint));
  request.set(http::field::user_agent, "rastar-init");
  request.set(http::field::connection, "close");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(k_status_answer_limit);
  beast::error_code failure;

  stream.expires_after(timeout);
  stream.async_connect(endpoint, [&](beast::error_code error) {
    if (error) {
      failure = error;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code write_error, std::size_t) {
      if (write_error) {
        failure = write_error;
        return;
      }
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code read_error, std::size_t) { failure = read_error; });
    });
  });
  io.run();

  if (failure == beast::error::timeout) {
    throw Error(ExitCode::verdict_no,
                fmt::format("cannot reach the status endpoint at {}: no answer within {} ms; check that "
                            "rastar-init runs and that --listen or status.listen names its address",
                            url, timeout.count()));
  }
  if (failure) {
    throw Error(ExitCode::verdict_no,
                fmt::format("cannot reach the status endpoint at {}: {}; check that rastar-init runs and "
                            "that --listen or status.listen names its address",
                            url, failure.message()));
  }
  return StatusAnswer{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

} // namespace rastar::supervise
