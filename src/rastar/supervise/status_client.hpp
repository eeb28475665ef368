#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>

// The client side of the status endpoint, for `rastar-init status` and
// `rastar-init healthcheck` (so an image needs no curl for its HEALTHCHECK).

namespace rastar::supervise {

struct StatusAnswer
{
  int status = 0; // the HTTP status code
  std::string body;
};

// GETs `path` ("/healthz") from the status endpoint at `endpoint`, waiting at
// most `timeout` for the whole answer. Throws Error(verdict_no) naming the URL
// when nothing answers in time or the connection fails.
StatusAnswer
fetch_status_path(const boost::asio::ip::tcp::endpoint& endpoint,
                  const std::string& path,
                  std::chrono::milliseconds timeout);

} // namespace rastar::supervise
