// The stand-in apps of the demo and the cold-start benchmark
// (examples/stand-in), run as real processes on a database that the real
// rastar-init migrated and seeded.
#include "example_fixture.hpp"
#include "supervise_test_support.hpp"

#include <rastar/supervise/status_client.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>

namespace fs = std::filesystem;
using rastar::test::CommandResult;
using rastar::test::TestDirectory;

namespace {

unsigned short
free_port()
{
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::address_v4::loopback(), 0});
  return acceptor.local_endpoint().port();
}

rastar::supervise::StatusAnswer
get(unsigned short port, const std::string& path)
{
  return rastar::supervise::fetch_status_path({boost::asio::ip::address_v4::loopback(), port}, path,
                                              std::chrono::seconds(5));
}

// Runs the stand-in to its end (it should end at once: these are the failures).
CommandResult
run_stand_in(const std::vector<std::string>& arguments, const std::string& url, const std::string& port = "0")
{
  std::vector<std::string> argv{rastar::test::stand_in_path()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return rastar::test::run(argv, {{"DATABASE_URL", url}, {"PORT", port}, {"ADMIN_EMAIL", std::nullopt}});
}

// Starts the stand-in as `role` on a free port, checks what it logs and
// serves, then stops it with SIGTERM and checks that it exits 0.
void
check_serves(const std::string& role, const std::string& url, const std::string& connected_to)
{
  const auto port = free_port();
  const auto app = rastar::test::launch({rastar::test::stand_in_path(), "--role", role},
                                        {{"DATABASE_URL", url}, {"PORT", std::to_string(port)}});
  REQUIRE(rastar::test::wait_for_text(app.out_path, "listening on"));
  const auto health = get(port, "/health");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok","app":")" + role +
                         R"(","admin":"admin@rastar.local","defaultPack":"starter"})");
  const auto other = get(port, "/");
  CHECK(other.status == 404);
  CHECK(other.body == R"({"error":"not found"})");

  kill(app.pid, SIGTERM);
  CHECK(rastar::test::wait_exit(app.pid, std::chrono::seconds(10)) == 0);
  CHECK(app.out() == role + ": connected to " + connected_to + "\n" + role +
                       ": admin admin@rastar.local present (owner)\n" + role +
                       ": default pack \"starter\" (100 credits)\n" + role + ": listening on http://127.0.0.1:" +
                       std::to_string(port) + " (GET /health)\n" + role + ": SIGTERM received, closing\n" + role +
                       ": stopped\n");
  CHECK(app.err() == "");
}

} // namespace

TEST_CASE("rastar-stand-in")
{
  TestDirectory directory;
  const std::string path = (directory.path() / "rastar.db").string();
  const std::string url = "file:" + path;

  SUBCASE("reads the seeded rows, serves /health, and exits 0 on SIGTERM, in each role")
  {
    rastar::test::prepare_example_database(url);
    for (const char* role : {"bot", "portal", "admin"}) {
      CAPTURE(role);
      check_serves(role, url, url);
    }
  }

  SUBCASE("a relative file: URL is the file in its working directory")
  {
    rastar::test::prepare_example_database(url);
    check_serves("bot", "file:./rastar.db", url);
  }

  SUBCASE("the role may come from the program's name")
  {
    fs::create_symlink(rastar::test::stand_in_path(), "admin");
    const auto result = rastar::test::run({(directory.path() / "admin").string()}, {{"DATABASE_URL", ""}});
    CHECK(result.exit_code == 1);
    CHECK(result.err == "admin: error: DATABASE_URL is not set; rastar-init run passes it to every service\n");
  }

  SUBCASE("a missing or unknown role is a usage error")
  {
    const auto none = run_stand_in({}, url);
    CHECK(none.exit_code == 64);
    CHECK(none.err == "rastar-stand-in: no role given; run it as rastar-stand-in --role bot|portal|admin\n");
    const auto unknown = run_stand_in({"--role=worker"}, url);
    CHECK(unknown.exit_code == 64);
    CHECK(unknown.err ==
          "rastar-stand-in: unknown role \"worker\"; run it as rastar-stand-in --role bot|portal|admin\n");
  }

  SUBCASE("PORT must be a port number")
  {
    for (const char* port : {"", "http", "70000", "80x"}) {
      CAPTURE(port);
      const auto result = run_stand_in({"--role", "bot"}, url, port);
      CHECK(result.exit_code == 1);
      CHECK(result.err == "bot: error: PORT=\"" + std::string(port) +
                            "\" is not a port number; give the port to serve /health on\n");
    }
  }

  SUBCASE("no database file, or no tables in it")
  {
    const auto missing = run_stand_in({"--role", "bot"}, url);
    CHECK(missing.exit_code == 1);
    CHECK(missing.err == "bot: error: cannot open the database file " + path +
                           " (unable to open database file); start the apps under rastar-init run, which "
                           "creates, migrates and seeds it\n");
    CHECK_FALSE(fs::exists(path));

    SQLite::Database(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("CREATE TABLE other (x)");
    const auto empty = run_stand_in({"--role", "bot"}, url);
    CHECK(empty.exit_code == 1);
    CHECK(empty.err == "bot: error: the database has no Rastar tables (no such table: AdminUser); apply the "
                         "migrations first (rastar-init migrate deploy, or rastar-init run)\n");
  }

  SUBCASE("a missing admin or default pack fails at start, naming it")
  {
    rastar::test::prepare_example_database(url, "run: {seed: false}\n");
    const auto no_admin = run_stand_in({"--role", "portal"}, url);
    CHECK(no_admin.exit_code == 1);
    CHECK(no_admin.out == "");
    CHECK(no_admin.err == "portal: error: no admin user admin@rastar.local in \"AdminUser\"; seed it first "
                            "(ADMIN_PASSWORD=... rastar-init db seed, or rastar-init run)\n");

    rastar::test::prepare_example_database(url);
    SQLite::Database(path, SQLite::OPEN_READWRITE).exec("UPDATE \"Pack\" SET \"isDefault\" = 0");
    const auto no_pack = run_stand_in({"--role", "admin"}, url);
    CHECK(no_pack.exit_code == 1);
    CHECK(no_pack.err == "admin: error: no default pack (a \"Pack\" row with isDefault true); seed it first "
                           "(rastar-init db seed, or rastar-init run)\n");
  }
}

TEST_SUITE("postgres")
{
  TEST_CASE("rastar-stand-in on PostgreSQL")
  {
    TestDirectory directory;
    rastar::test::TemporaryDatabase database;

    SUBCASE("reads the seeded rows and serves /health")
    {
      rastar::test::prepare_example_database(database.url());
      const auto redacted = database.url();
      check_serves("bot", database.url(), redacted);
    }

    SUBCASE("a Prisma schema= parameter is honoured")
    {
      rastar::test::prepare_example_database(database.url("schema=app"));
      check_serves("portal", database.url("schema=app"), database.url("schema=app"));
    }

    SUBCASE("a missing admin fails at start")
    {
      rastar::test::prepare_example_database(database.url(), "run: {seed: false}\n");
      const auto result = run_stand_in({"--role", "bot"}, database.url());
      CHECK(result.exit_code == 1);
      CHECK(result.err == "bot: error: no admin user admin@rastar.local in \"AdminUser\"; seed it first "
                          "(ADMIN_PASSWORD=... rastar-init db seed, or rastar-init run)\n");
    }

    SUBCASE("no tables")
    {
      const auto result = run_stand_in({"--role", "bot"}, database.url());
      CHECK(result.exit_code == 1);
      CHECK(result.err == "bot: error: the database has no Rastar tables (relation \"AdminUser\" does not exist); "
                          "apply the migrations first (rastar-init migrate deploy, or rastar-init run)\n");
    }
  }
}
