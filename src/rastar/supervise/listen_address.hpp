#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>

// The address of the status endpoint, as `status.listen`, `--listen` and
// RASTAR_STATUS_LISTEN write it. The server binds it; `status` and
// `healthcheck` connect to it.

namespace rastar::supervise {

// Parses "HOST:PORT" with an IP literal or "localhost" as HOST
// ("127.0.0.1:8079", "0.0.0.0:8079", "[::1]:8079"), ":PORT" (every IPv4
// interface), or "0", which turns the endpoint off and returns std::nullopt.
// Port 0 with a host ("127.0.0.1:0") asks the kernel for a free port.
// Throws Error(config) naming `source` (the flag or key the text came from).
std::optional<boost::asio::ip::tcp::endpoint>
parse_listen_address(const std::string& text, const std::string& source);

// Where a client on this machine reaches a server bound to `bound`: the
// loopback address of the same family when `bound` is a wildcard (0.0.0.0, ::).
boost::asio::ip::tcp::endpoint
local_endpoint_for(const boost::asio::ip::tcp::endpoint& bound);

// "127.0.0.1:8079" or "[::1]:8079", as it goes into a URL.
std::string
format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint);

} // namespace rastar::supervise
