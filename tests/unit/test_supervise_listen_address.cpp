#include <rastar/supervise/listen_address.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

using namespace rastar;
using supervise::parse_listen_address;

namespace {

std::string
parsed(const std::string& text)
{
  return supervise::format_endpoint(parse_listen_address(text, "status.listen").value());
}

std::string
expected_error(const std::string& source, const std::string& text, const std::string& reason)
{
  return source + " \"" + text + "\" is not a listen address (" + reason +
         "): write HOST:PORT with an IP address (127.0.0.1:8079, 0.0.0.0:8079, [::1]:8079), :PORT for "
         "every interface, or 0 to turn the status endpoint off";
}

} // namespace

TEST_CASE("supervise::parse_listen_address")
{
  SUBCASE("the accepted forms")
  {
    CHECK(parsed("127.0.0.1:8079") == "127.0.0.1:8079");
    CHECK(parsed("0.0.0.0:8079") == "0.0.0.0:8079");
    CHECK(parsed("[::1]:8079") == "[::1]:8079");
    CHECK(parsed("[::]:9000") == "[::]:9000");
    CHECK(parsed(":8079") == "0.0.0.0:8079");
    CHECK(parsed("localhost:8079") == "127.0.0.1:8079");
    CHECK(parsed("127.0.0.1:0") == "127.0.0.1:0");
    CHECK(parsed("10.1.2.3:65535") == "10.1.2.3:65535");
  }

  SUBCASE("0 turns the endpoint off")
  {
    CHECK_FALSE(parse_listen_address("0", "status.listen").has_value());
  }

  SUBCASE("errors name the source and say what to write")
  {
    CHECK_THROWS_WITH_AS(parse_listen_address("8079", "status.listen"),
                         expected_error("status.listen", "8079", "no port").c_str(), Error);
    CHECK_THROWS_WITH_AS(parse_listen_address("127.0.0.1:http", "--listen"),
                         expected_error("--listen", "127.0.0.1:http", "the port must be a number").c_str(), Error);
    CHECK_THROWS_WITH_AS(parse_listen_address("127.0.0.1:", "--listen"),
                         expected_error("--listen", "127.0.0.1:", "the port must be a number").c_str(), Error);
    CHECK_THROWS_WITH_AS(parse_listen_address(":70000", "RASTAR_STATUS_LISTEN"),
                         expected_error("RASTAR_STATUS_LISTEN", ":70000", "the port must be at most 65535").c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(parse_listen_address("db.internal:8079", "status.listen"),
                         expected_error("status.listen", "db.internal:8079",
                                        "\"db.internal\" is not an IPv4 address")
                           .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(parse_listen_address("::1:8079", "status.listen"),
                         expected_error("status.listen", "::1:8079",
                                        "an IPv6 address goes in brackets, as [::1]:8079")
                           .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(parse_listen_address("[::1:8079", "status.listen"),
                         expected_error("status.listen", "[::1:8079",
                                        "an IPv6 address needs its closing bracket")
                           .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(parse_listen_address("[nope]:8079", "status.listen"),
                         expected_error("status.listen", "[nope]:8079", "\"nope\" is not an IPv6 address").c_str(),
                         Error);
  }

  SUBCASE("a bad address is a configuration error")
  {
    try {
      parse_listen_address("nonsense", "status.listen");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::config);
    }
  }
}

TEST_CASE("supervise::local_endpoint_for")
{
  using boost::asio::ip::make_address;
  using tcp = boost::asio::ip::tcp;
  CHECK(supervise::local_endpoint_for(tcp::endpoint(make_address("0.0.0.0"), 8079)) ==
        tcp::endpoint(make_address("127.0.0.1"), 8079));
  CHECK(supervise::local_endpoint_for(tcp::endpoint(make_address("::"), 8079)) ==
        tcp::endpoint(make_address("::1"), 8079));
  CHECK(supervise::local_endpoint_for(tcp::endpoint(make_address("10.0.0.7"), 80)) ==
        tcp::endpoint(make_address("10.0.0.7"), 80));
}
