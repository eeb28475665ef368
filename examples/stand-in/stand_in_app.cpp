// rastar-stand-in: plays the bot, the portal or the admin app of Rastar for
// the demo (examples/demo.sh) and the cold-start benchmark, without Node.
// Like the real apps it reads DATABASE_URL, checks that the rows the
// entrypoint seeds are there, logs what it found, and serves GET /health on
// $PORT until SIGTERM or SIGINT, then exits 0.
//
//   rastar-stand-in --role bot|portal|admin   (or a link named bot, portal, admin)
//
// Environment: DATABASE_URL (file:… or postgresql://…), PORT, ADMIN_EMAIL
// (default admin@rastar.local, as config/example.yaml seeds it).
#include "health_server.hpp"
#include "seeded_rows.hpp"

#include <rastar/db/database_url.hpp>

#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace {

constexpr int k_usage = 64;
constexpr int k_failure = 1;
constexpr std::string_view k_roles[] = {"bot", "portal", "admin"};

bool
is_role(std::string_view name)
{
  for (const auto role : k_roles) {
    if (name == role) {
      return true;
    }
  }
  return false;
}

// --role ROLE or --role=ROLE, else the program's own name.
std::optional<std::string>
find_role(int argc, char** argv)
{
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if (argument == "--role" && i + 1 < argc) {
      return std::string(argv[i + 1]);
    }
    if (argument.starts_with("--role=")) {
      return std::string(argument.substr(7));
    }
  }
  const std::string name = std::filesystem::path(argv[0]).filename().string();
  if (is_role(name)) {
    return name;
  }
  return std::nullopt;
}

std::string
environment(const char* name, const std::string& fallback = "")
{
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

// Lines go to stdout, flushed at once: rastar-init relays them as they come.
template<typename... Args>
void
say(const std::string& role, fmt::format_string<Args...> format, Args&&... args)
{
  fmt::print("{}: {}\n", role, fmt::format(format, std::forward<Args>(args)...));
  std::fflush(stdout);
}

int
fail(const std::string& role, const std::string& message)
{
  fmt::print(stderr, "{}: error: {}\n", role, message);
  return k_failure;
}

int
serve(const std::string& role, unsigned short port, const rastar::stand_in::SeededRows& rows)
{
  boost::asio::io_context io;
  // Whoever started us may have blocked these (rastar-init unblocks them
  // for its services; a shell script may not).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);

  const nlohmann::ordered_json body = {
    {"status", "ok"}, {"app", role}, {"admin", rows.admin_email}, {"defaultPack", rows.pack_slug}};
  rastar::stand_in::HealthServer server(io, port, body.dump());
  signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) {
      return;
    }
    say(role, "{} received, closing", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    server.close();
    io.stop();
  });
  say(role, "listening on http://127.0.0.1:{} (GET /health)", server.port());
  io.run();
  say(role, "stopped");
  return 0;
}

} // namespace

int
main(int argc, char** argv)
{
  const auto role = find_role(argc, argv);
  if (!role || !is_role(*role)) {
    fmt::print(stderr, "rastar-stand-in: {}; run it as rastar-stand-in --role bot|portal|admin\n",
               role ? fmt::format("unknown role \"{}\"", *role) : std::string("no role given"));
    return k_usage;
  }
  const std::string url_text = environment("DATABASE_URL");
  if (url_text.empty()) {
    return fail(*role, "DATABASE_URL is not set; rastar-init run passes it to every service");
  }
  const std::string port_text = environment("PORT");
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return fail(*role, fmt::format("PORT=\"{}\" is not a port number; give the port to serve /health on", port_text));
  }
  try {
    const auto url = rastar::db::parse_database_url(url_text, std::filesystem::current_path());
    const auto rows = rastar::stand_in::read_seeded_rows(url, environment("ADMIN_EMAIL", "admin@rastar.local"));
    say(*role, "connected to {}", url.provider == rastar::db::Provider::sqlite ? "file:" + url.sqlite_path.string()
                                                                                : url.redacted);
    say(*role, "admin {} present ({})", rows.admin_email, rows.admin_role);
    say(*role, "default pack \"{}\" ({} credits)", rows.pack_slug, rows.pack_credits);
    return serve(*role, static_cast<unsigned short>(port), rows);
  } catch (const std::exception& e) {
    return fail(*role, e.what());
  }
}
