#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace rastar::supervise {

// The accept loop of the status endpoint (TCP) and the control socket (Unix).
// `Owner` derives from it and names itself with listener_name(); each new
// `Connection` is made from the socket and a shared_ptr to the owner, and has
// read() and close(). A failed accept (out of file descriptors, typically)
// waits a second instead of spinning on the error; beyond `max_connections` a
// client's connection closes at once, so a flood of clients cannot take the
// file descriptors PID 1 needs for its services.
template <typename Owner, typename Acceptor, typename Connection>
class AcceptLoop : public std::enable_shared_from_this<Owner>
{
public:
  using Socket = typename Acceptor::protocol_type::socket;

  AcceptLoop(boost::asio::io_context& io_context, std::size_t max_connections)
    : io(io_context),
      acceptor(io_context),
      m_retry_timer(io_context),
      m_max_connections(max_connections)
  {
  }

  void
  accept()
  {
    acceptor.async_accept([self = this->shared_from_this()](const boost::system::error_code& error, Socket socket) {
      self->on_accept(error, std::move(socket));
    });
  }

  // Stops accepting and closes every open connection. Handlers still queued
  // find `stopped` set and do nothing.
  void
  stop_accepting()
  {
    stopped = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    m_retry_timer.cancel();
    for (const auto& weak : m_connections) {
      if (const auto connection = weak.lock()) {
        connection->close();
      }
    }
    m_connections.clear();
  }

  boost::asio::io_context& io;
  Acceptor acceptor;
  bool stopped = false;

private:
  void
  on_accept(const boost::system::error_code& error, Socket socket)
  {
    if (stopped) {
      return;
    }
    if (error == boost::asio::error::connection_aborted) {
      accept();
      return;
    }
    if (error) {
      constexpr std::chrono::seconds retry_delay{1};
      spdlog::warn("{}: could not accept a connection: {}; trying again in {} s",
                   static_cast<const Owner*>(this)->listener_name(), error.message(), retry_delay.count());
      m_retry_timer.expires_after(retry_delay);
      m_retry_timer.async_wait([self = this->shared_from_this()](const boost::system::error_code& timer_error) {
        if (!timer_error && !self->stopped) {
          self->accept();
        }
      });
      return;
    }
    std::erase_if(m_connections, [](const auto& connection) { return connection.expired(); });
    if (m_connections.size() < m_max_connections) {
      auto connection = std::make_shared<Connection>(std::move(socket), this->shared_from_this());
      m_connections.push_back(connection);
      connection->read();
    }
    // Beyond the limit `socket` closes here: the client sees the connection end.
    accept();
  }

  boost::asio::steady_timer m_retry_timer;
  std::size_t m_max_connections;
  std::vector<std::weak_ptr<Connection>> m_connections;
};

} // namespace rastar::supervise
