#include <rastar/supervise/listen_address.hpp>

#include <rastar/util/error.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>

namespace rastar::supervise {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

Error
not_an_address(const std::string& text, const std::string& source, const std::string& reason)
{
  return config_error(fmt::format("{} \"{}\" is not a listen address ({}): write HOST:PORT with an IP "
                                  "address (127.0.0.1:8079, 0.0.0.0:8079, [::1]:8079), :PORT for every "
                                  "interface, or 0 to turn the status endpoint off",
                                  source,
                                  text,
                                  reason));
}

unsigned short
parse_port(const std::string& port, const std::string& text, const std::string& source)
{
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
    throw not_an_address(text, source, "the port must be a number");
  }
  const auto value = std::stoul(port);
  if (value > 65535) {
    throw not_an_address(text, source, "the port must be at most 65535");
  }
  return static_cast<unsigned short>(value);
}

} // namespace

std::optional<tcp::endpoint>
parse_listen_address(const std::string& text, const std::string& source)
{
  if (text == "0") {
    return std::nullopt;
  }
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    throw not_an_address(text, source, "no port");
  }
  std::string host = text.substr(0, colon);
  const auto port = parse_port(text.substr(colon + 1), text, source);
  if (host.empty()) {
    return tcp::endpoint(asio::ip::address_v4::any(), port);
  }
  if (host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') {
      throw not_an_address(text, source, "an IPv6 address needs its closing bracket");
    }
    host = host.substr(1, host.size() - 2);
    boost::system::error_code error;
    const auto address = asio::ip::make_address_v6(host, error);
    if (error) {
      throw not_an_address(text, source, fmt::format("\"{}\" is not an IPv6 address", host));
    }
    return tcp::endpoint(address, port);
  }
  if (host == "localhost") {
    return tcp::endpoint(asio::ip::address_v4::loopback(), port);
  }
  if (host.find(':') != std::string::npos) {
    throw not_an_address(text, source, "an IPv6 address goes in brackets, as [::1]:8079");
  }
  boost::system::error_code error;
  const auto address = asio::ip::make_address_v4(host, error);
  if (error) {
    throw not_an_address(text, source, fmt::format("\"{}\" is not an IPv4 address", host));
  }
  return tcp::endpoint(address, port);
}

tcp::endpoint
local_endpoint_for(const tcp::endpoint& bound)
{
  if (!bound.address().is_unspecified()) {
    return bound;
  }
  if (bound.address().is_v6()) {
    return tcp::endpoint(asio::ip::address_v6::loopback(), bound.port());
  }
  return tcp::endpoint(asio::ip::address_v4::loopback(), bound.port());
}

std::string
format_endpoint(const tcp::endpoint& endpoint)
{
  if (endpoint.address().is_v6()) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  }
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

} // namespace rastar::supervise
