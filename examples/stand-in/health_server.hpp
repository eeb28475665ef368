#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

// The stand-in apps' HTTP side: GET /health answers 200 with a small JSON
// body, as the real apps' health routes do; any other path is 404. Each
// connection serves one request and is closed, and a client that sends
// nothing is dropped after a few seconds, so nothing blocks a shutdown.

namespace rastar::stand_in {

class HealthServer
{
public:
  // Listens on 127.0.0.1:`port` (0: a free port) on `io` and answers
  // /health with `body`. Throws boost::system::system_error when the port
  // cannot be bound.
  HealthServer(boost::asio::io_context& io, unsigned short port, std::string body);

  // The port actually bound.
  unsigned short
  port() const;

  // Stops accepting; connections being served finish on their own.
  void
  close();

private:
  void
  accept();

  boost::asio::ip::tcp::acceptor m_acceptor;
  std::shared_ptr<const std::string> m_body;
};

} // namespace rastar::stand_in
