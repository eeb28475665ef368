#include "test_support.hpp"

#include <rastar/db/wait.hpp>

#include <boost/process.hpp>
#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <arpa/inet.h>
#include <csignal>
#include <ctime>
#include <netinet/in.h>
#include <pwd.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

using namespace rastar;
using db::ConnectFailureKind;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
namespace bp = boost::process;

namespace {

// A TCP port on 127.0.0.1 where nothing listens (bound once, then released).
int
free_port()
{
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

long
milliseconds_since(Clock::time_point start)
{
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

std::string
host_and_port(const std::string& url)
{
  const auto at = url.find('@');
  return url.substr(at + 1, url.find('/', at) - at - 1);
}

} // namespace

TEST_CASE("db::classify_connect_failure")
{
  SUBCASE("nothing listens")
  {
    const auto failure = db::classify_connect_failure(
      "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that "
      "host and accepting TCP/IP connections?\n");
    CHECK(failure.kind == ConnectFailureKind::refused);
    CHECK(failure.reason == "Connection refused");
    CHECK(db::classify_connect_failure("connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: "
                                       "No such file or directory\n")
            .kind == ConnectFailureKind::refused);
  }

  SUBCASE("a host name that does not resolve yet")
  {
    const auto failure = db::classify_connect_failure(
      "could not translate host name \"db\" to address: Name or service not known\n");
    CHECK(failure.kind == ConnectFailureKind::name_unresolved);
    CHECK(failure.reason == "could not translate host name \"db\" to address: Name or service not known");
  }

  SUBCASE("server answers, by SQLSTATE")
  {
    const auto starting = db::classify_connect_failure(
      "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  57P03: the database system is starting "
      "up\nLOCATION:  ProcessStartupPacket, postmaster.c:2400\n");
    CHECK(starting.kind == ConnectFailureKind::starting_up);
    CHECK(starting.reason == "the database system is starting up");
    // The severity may be translated; the SQLSTATE is not.
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: FATAL:  53300: "
                                       "sorry, too many clients already\n")
            .kind == ConnectFailureKind::starting_up);
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: FATAL:  3D000: "
                                       "database \"x\" does not exist\n")
            .kind == ConnectFailureKind::database_missing);
    const auto password = db::classify_connect_failure(
      "connection to server at \"h\", port 5432 failed: FATAL:  28P01: password authentication failed for user "
      "\"u\"\n");
    CHECK(password.kind == ConnectFailureKind::authentication);
    CHECK(password.reason == "password authentication failed for user \"u\"");
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: FATAL:  28000: no "
                                       "pg_hba.conf entry for host \"10.0.0.2\", user \"u\", database \"d\"\n")
            .kind == ConnectFailureKind::authentication);
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: FATAL:  42501: "
                                       "permission denied for database \"d\"\n")
            .kind == ConnectFailureKind::fatal);
  }

  SUBCASE("client-side authentication and TLS failures are fatal")
  {
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: fe_sendauth: no password "
                                       "supplied\n")
            .kind == ConnectFailureKind::authentication);
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: server does not support "
                                       "SSL, but SSL was required\n")
            .kind == ConnectFailureKind::tls);
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: root certificate file "
                                       "\"/root/.postgresql/root.crt\" does not exist\n")
            .kind == ConnectFailureKind::tls);
    CHECK(db::classify_connect_failure("connection to server at \"h\", port 5432 failed: SSL SYSCALL error: EOF "
                                       "detected\n")
            .kind == ConnectFailureKind::unreachable);
  }

  SUBCASE("with several hosts, the most severe failure counts")
  {
    CHECK(db::classify_connect_failure("connection to server at \"a\", port 5432 failed: Connection refused\n"
                                       "connection to server at \"b\", port 5432 failed: FATAL:  28P01: password "
                                       "authentication failed for user \"u\"\n")
            .kind == ConnectFailureKind::authentication);
  }
}

TEST_CASE("rastar-init wait, without a server")
{
  test::TestDirectory directory;

  SUBCASE("SQLite: nothing to wait for")
  {
    const auto result = test::run_rastar({"wait", "--url", "file:./data/rastar.db"});
    CHECK(result.exit_code == 0);
    CHECK(result.err == "rastar-init: nothing to wait for: the database is the SQLite file " +
                          (directory.path() / "data" / "rastar.db").string() + "\n");
    CHECK(!std::filesystem::exists(directory.path() / "data"));
  }

  SUBCASE("a closed port times out with 69 and names host:port and the reason")
  {
    const auto port = std::to_string(free_port());
    const auto start = Clock::now();
    const auto result =
      test::run_rastar({"wait", "--timeout", "1"}, {{"DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:" + port + "/db"}});
    const auto elapsed = milliseconds_since(start);
    CHECK(result.exit_code == 69);
    CHECK(elapsed >= 1000);
    CHECK(elapsed < 3000);
    CHECK(result.err.find("rastar-init: error: PostgreSQL at 127.0.0.1:" + port +
                          " did not accept a connection within 1 s: Connection refused\n") != std::string::npos);
    CHECK(result.err.find("hunter2") == std::string::npos);
  }

  SUBCASE("progress once a second")
  {
    const auto port = std::to_string(free_port());
    const auto result = test::run_rastar({"wait", "--timeout", "2.5", "--url", "postgresql://u@127.0.0.1:" + port + "/db"});
    CHECK(result.exit_code == 69);
    CHECK(result.err == "rastar-init: waiting for PostgreSQL at 127.0.0.1:" + port + " (1 s): Connection refused\n" +
                          "rastar-init: waiting for PostgreSQL at 127.0.0.1:" + port + " (2 s): Connection refused\n" +
                          "rastar-init: error: PostgreSQL at 127.0.0.1:" + port +
                          " did not accept a connection within 2500 ms: Connection refused\n");
  }

  SUBCASE("SIGTERM while waiting stops at once with 143, SIGINT with 130")
  {
    for (const auto& [signal_number, code] : {std::pair{SIGTERM, 143}, std::pair{SIGINT, 130}}) {
      const auto port = std::to_string(free_port());
      bp::child child(RASTAR_INIT_BINARY, bp::args({"wait", "--timeout", "30", "--url",
                                                    "postgresql://u@127.0.0.1:" + port + "/db"}),
                      bp::std_out > bp::null, bp::std_err > "wait" + port + ".err", bp::std_in < bp::null);
      std::this_thread::sleep_for(milliseconds(300));
      const auto start = Clock::now();
      kill(child.id(), signal_number);
      child.wait();
      CHECK(milliseconds_since(start) < 500);
      CHECK(child.exit_code() == code);
      CHECK(test::read_file("wait" + port + ".err") ==
            std::string("rastar-init: error: ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
              " arrived while waiting for PostgreSQL at 127.0.0.1:" + port + "; stopped waiting\n");
    }
  }
}

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-init wait, against the test server")
  {
    test::TestDirectory directory;
    test::TemporaryDatabase database;
    const auto address = host_and_port(database.url());

    SUBCASE("a running server is ready at once")
    {
      const auto result = test::run_rastar({"wait", "--url", database.url()});
      CHECK(result.exit_code == 0);
      CHECK(std::regex_match(result.err, std::regex("rastar-init: PostgreSQL at " + address +
                                                    " is ready \\([0-9]+ ms\\)\n")));
    }

    SUBCASE("a missing database is reported and is not an error (D10)")
    {
      const auto result = test::run_rastar({"wait"}, {{"DATABASE_URL", database.url() + "_missing"}});
      CHECK(result.exit_code == 0);
      CHECK(result.err == "rastar-init: PostgreSQL at " + address + " is ready, but database \"" + database.name() +
                            "_missing\" does not exist yet; migrate deploy creates it\n");
    }

    SUBCASE("--require-database keeps waiting for it and ends with 69")
    {
      const auto result = test::run_rastar({"wait", "--require-database", "--timeout", "1"},
                                           {{"DATABASE_URL", database.url() + "_missing"}});
      CHECK(result.exit_code == 69);
      CHECK(result.err.ends_with("rastar-init: error: PostgreSQL at " + address + " is up, but database \"" +
                                 database.name() +
                                 "_missing\" still does not exist after 1 s; create it, or wait without "
                                 "--require-database\n"));
    }

    SUBCASE("--create-database creates it")
    {
      const auto name = database.name() + "_created";
      const auto result = test::run_rastar({"wait", "--create-database"},
                                           {{"DATABASE_URL", database.url() + "_created?schema=app"}});
      CHECK(result.exit_code == 0);
      CHECK(result.err.starts_with("rastar-init: created database \"" + name + "\" on PostgreSQL at " + address +
                                   "\nrastar-init: PostgreSQL at " + address + " is ready ("));
      CHECK(database.query("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") ==
            std::vector<std::string>{"1"});
      pqxx::connection admin(test::postgres_admin_url());
      pqxx::nontransaction work(admin);
      work.exec("DROP DATABASE " + work.quote_name(name) + " WITH (FORCE)");
    }

    SUBCASE("the library call reports the outcome")
    {
      const auto url = db::parse_database_url(database.url(), directory.path());
      CHECK(db::wait_for_database(url, {}).outcome == db::WaitOutcome::ready);
      const auto missing = db::parse_database_url(database.url() + "_missing", directory.path());
      CHECK(db::wait_for_database(missing, {}).outcome == db::WaitOutcome::database_missing);
    }
  }

  // A server of the test's own with password authentication (the shared test
  // server trusts everyone), which also lets the test start it late.
  TEST_CASE("rastar-init wait, against a server with passwords that starts late")
  {
    const char* bin_variable = std::getenv("RASTAR_TEST_PG_BIN");
    const std::filesystem::path bin = bin_variable ? bin_variable : "/usr/lib/postgresql/15/bin";
    passwd* postgres = getpwnam("postgres");
    if (geteuid() != 0 || !postgres || !std::filesystem::exists(bin / "initdb")) {
      MESSAGE("needs root, a postgres user and initdb in RASTAR_TEST_PG_BIN; skipped");
      return;
    }
    auto directory_template = (std::filesystem::temp_directory_path() / "rastar-wait.XXXXXX").string();
    REQUIRE(mkdtemp(directory_template.data()));
    const std::filesystem::path directory = directory_template;
    REQUIRE(chown(directory.c_str(), postgres->pw_uid, postgres->pw_gid) == 0);
    test::write_file(directory / "pwfile", "right-password\n");
    REQUIRE(chown((directory / "pwfile").c_str(), postgres->pw_uid, postgres->pw_gid) == 0);
    const auto as_postgres = [&](std::vector<std::string> arguments) {
      arguments.insert(arguments.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
      return test::run(arguments);
    };
    const auto data = (directory / "data").string();
    REQUIRE(as_postgres({(bin / "initdb").string(), "-D", data, "-A", "scram-sha-256", "-U", "postgres",
                         "--pwfile", (directory / "pwfile").string(), "--no-sync"})
              .exit_code == 0);
    const auto port = std::to_string(free_port());
    const auto log = (directory / "server.log").string();
    const auto start_server = [&](bool wait) {
      return as_postgres({(bin / "pg_ctl").string(), "-D", data, "-l", log, wait ? "-w" : "-W", "-o",
                          "-h 127.0.0.1 -p " + port + " -k " + directory.string() +
                            " -c fsync=off -c log_timezone=UTC -c log_line_prefix='%m '",
                          "start"})
        .exit_code;
    };
    const auto stop_server = [&] {
      as_postgres({(bin / "pg_ctl").string(), "-D", data, "-m", "immediate", "-w", "stop"});
    };
    const auto url = [&](const std::string& password) {
      return "postgresql://postgres:" + password + "@127.0.0.1:" + port + "/postgres";
    };

    REQUIRE(start_server(true) == 0);
    {
      // A wrong password is fatal at once, and is never shown.
      const auto start = Clock::now();
      const auto wrong = test::run_rastar({"wait", "--timeout", "30"}, {{"DATABASE_URL", url("wrong-password")}});
      CHECK(milliseconds_since(start) < 2000);
      CHECK(wrong.exit_code == 69);
      CHECK(wrong.err == "rastar-init: error: PostgreSQL at 127.0.0.1:" + port +
                           " refused the login: password authentication failed for user \"postgres\"\n");
      CHECK(wrong.err.find("wrong-password") == std::string::npos);

      const auto none = test::run_rastar({"wait", "--timeout", "30"},
                                         {{"DATABASE_URL", "postgresql://postgres@127.0.0.1:" + port + "/postgres"},
                                          {"PGPASSWORD", std::nullopt},
                                          {"PGPASSFILE", (directory / "no-pgpass").string()}});
      CHECK(none.exit_code == 69);
      CHECK(none.err == "rastar-init: error: PostgreSQL at 127.0.0.1:" + port +
                          " refused the login: fe_sendauth: no password supplied\n");

      const auto right = test::run_rastar({"wait"}, {{"DATABASE_URL", url("right-password")}});
      CHECK(right.exit_code == 0);
    }
    stop_server();
    std::filesystem::remove(log);

    {
      // D11: wait first, then start the server; measure from the server's
      // "ready to accept connections" to wait's exit.
      bp::child waiter(RASTAR_INIT_BINARY, bp::args({"wait", "--timeout", "60", "--url", url("right-password")}),
                       bp::std_out > bp::null, bp::std_err > (directory / "wait.err").string(), bp::std_in < bp::null);
      std::this_thread::sleep_for(milliseconds(300));
      REQUIRE(start_server(false) == 0);
      waiter.wait();
      const auto exited = std::chrono::system_clock::now();
      CHECK(waiter.exit_code() == 0);
      const auto err = test::read_file(directory / "wait.err");
      CHECK(err.find("is ready (") != std::string::npos);
      MESSAGE(err);

      const auto server_log = test::read_file(log);
      std::smatch match;
      REQUIRE(std::regex_search(server_log, match,
                                std::regex(R"((\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) UTC [^\n]*)"
                                           R"(database system is ready to accept connections)")));
      std::tm ready_tm{};
      ready_tm.tm_year = std::stoi(match[1]) - 1900;
      ready_tm.tm_mon = std::stoi(match[2]) - 1;
      ready_tm.tm_mday = std::stoi(match[3]);
      ready_tm.tm_hour = std::stoi(match[4]);
      ready_tm.tm_min = std::stoi(match[5]);
      ready_tm.tm_sec = std::stoi(match[6]);
      const auto ready = std::chrono::system_clock::from_time_t(timegm(&ready_tm)) + milliseconds(std::stoi(match[7]));
      const auto lag = std::chrono::duration_cast<milliseconds>(exited - ready).count();
      MESSAGE("lag between the server's ready line and wait's exit: ", lag, " ms");
      CHECK(lag >= 0);
      // The target is 20 ms; the bound leaves room for a loaded test machine.
      CHECK(lag < 500);
    }
    stop_server();
    std::filesystem::remove_all(directory);
  }
}
