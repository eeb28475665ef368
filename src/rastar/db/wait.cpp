#include <rastar/db/wait.hpp>

#include <rastar/db/libpq_library.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <regex>
#include <sys/eventfd.h>
#include <poll.h>
#include <unistd.h>
#include <vector>

namespace rastar::db {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Pacing (D11). Nothing is logged anywhere while the connection is refused,
// so retry at once; every attempt a starting server answers writes a FATAL
// line to its log, so after two seconds of those back off.
constexpr milliseconds k_refused_interval{10};
constexpr milliseconds k_unreachable_interval{100};
constexpr milliseconds k_starting_up_fast_period{2000};
constexpr milliseconds k_starting_up_max_interval{250};
constexpr milliseconds k_progress_interval{1000};
// One attempt may hang on a host that drops packets; as Prisma, give up on it
// after five seconds unless the URL's connect_timeout says otherwise.
constexpr milliseconds k_default_attempt_timeout{5000};

// SQLSTATEs of a server that is there but cannot take a connection yet.
constexpr std::array<std::string_view, 5> k_not_yet_sqlstates{"57P03", "53300", "57P01", "57P02", "53000"};

std::string
sqlstate_free_line(std::string_view message)
{
  std::string line(message.substr(0, message.find('\n')));
  const auto preamble = line.find(" failed: ");
  if (line.starts_with("connection to server") && preamble != std::string::npos) {
    line.erase(0, preamble + 9);
  }
  // "FATAL:  57P03: the database system is starting up": the severity (maybe
  // translated) ends with two spaces; the SQLSTATE follows in verbose mode.
  static const std::regex severity_and_code(R"(^[^ ]+:  (?:[0-9A-Z]{5}: )?)");
  return std::regex_replace(line, severity_and_code, "", std::regex_constants::format_first_only);
}

bool
contains(std::string_view text, std::string_view part)
{
  return text.find(part) != std::string_view::npos;
}

// A self-pipe for the cancel signals: the watcher's hook makes it readable,
// so poll() returns at once. Shared with the hook, which may still run on the
// watcher thread after the wait has ended.
class CancelNotifier
{
public:
  CancelNotifier()
    : m_fd(new int(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
           [](int* fd) {
             if (*fd >= 0) {
               close(*fd);
             }
             delete fd;
           })
  {
    if (*m_fd < 0) {
      throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    util::SignalWatcher::instance().set_cancel_hook([fd = m_fd] {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto written = write(*fd, &one, sizeof one);
    });
  }

  ~CancelNotifier()
  {
    util::SignalWatcher::instance().set_cancel_hook(nullptr);
    // The descriptor closes with the last owner: this object or a hook copy.
  }

  CancelNotifier(const CancelNotifier&) = delete;
  CancelNotifier& operator=(const CancelNotifier&) = delete;

  int
  fd() const
  {
    return *m_fd;
  }

private:
  std::shared_ptr<int> m_fd;
};

using Connection = std::unique_ptr<PGconn, decltype(&libpq::PQfinish)>;

struct Attempt
{
  Connection connection{nullptr, &libpq::PQfinish};
  std::optional<ConnectFailure> failure;
  bool cancelled = false;
};

// One non-blocking connection attempt (PQconnectStartParams and
// PQconnectPoll), abandoned at `deadline` or when `cancel_fd` becomes readable.
Attempt
attempt_connection(const DatabaseUrl& url, Clock::time_point deadline, int cancel_fd)
{
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (const auto& [keyword, value] : url.libpq_keywords) {
    keywords.push_back(keyword.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  Attempt attempt;
  attempt.connection.reset(libpq::PQconnectStartParams(keywords.data(), values.data(), 0));
  PGconn* connection = attempt.connection.get();
  if (!connection) {
    throw std::bad_alloc();
  }
  libpq::PQsetErrorVerbosity(connection, PQERRORS_VERBOSE);
  auto status = libpq::PQstatus(connection) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (true) {
    if (status == PGRES_POLLING_OK) {
      return attempt;
    }
    if (status == PGRES_POLLING_FAILED) {
      attempt.failure = classify_connect_failure(libpq::PQerrorMessage(connection));
      attempt.connection.reset();
      return attempt;
    }
    const auto remaining = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (remaining <= milliseconds(0)) {
      attempt.failure = ConnectFailure{ConnectFailureKind::unreachable, "no answer"};
      attempt.connection.reset();
      return attempt;
    }
    std::array<pollfd, 2> fds{{{libpq::PQsocket(connection), static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0},
                               {cancel_fd, POLLIN, 0}}};
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(std::min<milliseconds::rep>(remaining.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    if (fds[1].revents != 0) {
      attempt.cancelled = true;
      attempt.connection.reset();
      return attempt;
    }
    if (ready > 0) {
      status = libpq::PQconnectPoll(connection);
    }
  }
}

// Sleeps `duration` or until a cancel signal; returns false when cancelled.
bool
sleep_unless_cancelled(milliseconds duration, int cancel_fd)
{
  pollfd fd{cancel_fd, POLLIN, 0};
  const int ready = poll(&fd, 1, static_cast<int>(std::max<milliseconds::rep>(duration.count(), 0)));
  return !(ready > 0 && fd.revents != 0);
}

std::string
format_duration(milliseconds duration)
{
  if (duration.count() % 1000 == 0) {
    return fmt::format("{} s", duration.count() / 1000);
  }
  return fmt::format("{} ms", duration.count());
}

std::string_view
signal_name(int signal_number)
{
  switch (signal_number) {
  case SIGTERM: return "SIGTERM";
  case SIGINT: return "SIGINT";
  case SIGQUIT: return "SIGQUIT";
  default: return "a signal";
  }
}

[[noreturn]] void
throw_cancelled(const DatabaseUrl& url)
{
  const int signal_number = util::SignalWatcher::instance().cancel_signal();
  throw Error(static_cast<ExitCode>(exit_code_for_signal(signal_number)),
              fmt::format("{} arrived while waiting for PostgreSQL at {}; stopped waiting",
                          signal_name(signal_number), url.address()));
}

milliseconds
attempt_timeout(const DatabaseUrl& url)
{
  for (const auto& [keyword, value] : url.libpq_keywords) {
    long seconds = 0;
    if (keyword == "connect_timeout" &&
        std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc() && seconds > 0) {
      // libpq treats 1 as 2 seconds; here it is what it says.
      return std::chrono::seconds(seconds);
    }
  }
  return k_default_attempt_timeout;
}

// CREATE DATABASE through the maintenance database, as Prisma does.
void
create_database(const DatabaseUrl& url, Clock::time_point deadline, int cancel_fd)
{
  std::string last_reason;
  for (const char* maintenance : {"postgres", "template1"}) {
    auto attempt = attempt_connection(url.with_database(maintenance), deadline, cancel_fd);
    if (attempt.cancelled) {
      throw_cancelled(url);
    }
    if (attempt.failure) {
      last_reason = attempt.failure->reason;
      if (attempt.failure->kind == ConnectFailureKind::database_missing) {
        continue;
      }
      break;
    }
    PGconn* connection = attempt.connection.get();
    std::unique_ptr<char, decltype(&libpq::PQfreemem)> name(
      libpq::PQescapeIdentifier(connection, url.database.c_str(), url.database.size()), &libpq::PQfreemem);
    std::unique_ptr<PGresult, decltype(&libpq::PQclear)> result(
      libpq::PQexec(connection, ("CREATE DATABASE " + std::string(name.get())).c_str()), &libpq::PQclear);
    if (libpq::PQresultStatus(result.get()) == PGRES_COMMAND_OK) {
      spdlog::info("created database \"{}\" on PostgreSQL at {}", url.database, url.address());
      return;
    }
    const char* sqlstate = libpq::PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (sqlstate && std::string_view(sqlstate) == "42P04") {
      return; // created meanwhile by someone else: what was wanted
    }
    const char* primary = libpq::PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
    last_reason = primary ? primary : libpq::PQerrorMessage(connection);
    break;
  }
  throw unreachable_error(fmt::format("database \"{}\" does not exist on PostgreSQL at {} and cannot be created: {}",
                                      url.database, url.address(), last_reason));
}

} // namespace

ConnectFailure
classify_connect_failure(std::string_view message)
{
  ConnectFailure failure;
  failure.reason = sqlstate_free_line(message);

  std::vector<std::string> sqlstates;
  static const std::regex code(R"(:  ([0-9A-Z]{5}): )");
  const std::string text(message);
  for (auto match = std::sregex_iterator(text.begin(), text.end(), code); match != std::sregex_iterator();
       ++match) {
    sqlstates.push_back((*match)[1].str());
  }
  const auto has_sqlstate = [&](auto predicate) { return std::any_of(sqlstates.begin(), sqlstates.end(), predicate); };
  const auto is_not_yet = [](const std::string& sqlstate) {
    return std::find(k_not_yet_sqlstates.begin(), k_not_yet_sqlstates.end(), sqlstate) != k_not_yet_sqlstates.end();
  };

  // Most severe first: one host of several refusing the login is enough to stop.
  if (has_sqlstate([](const std::string& s) { return s.starts_with("28"); })) {
    failure.kind = ConnectFailureKind::authentication;
  } else if (has_sqlstate([&](const std::string& s) { return s != "3D000" && !is_not_yet(s); })) {
    failure.kind = ConnectFailureKind::fatal;
  } else if (!contains(message, "SSL SYSCALL") &&
             (contains(message, "SSL") || contains(message, "certificate") || contains(message, "TLS"))) {
    // A server that closes the connection mid-handshake (a restart) gives
    // "SSL SYSCALL error: EOF detected", which is worth retrying.
    failure.kind = ConnectFailureKind::tls;
  } else if (contains(message, "fe_sendauth") || contains(message, "password") || contains(message, "SCRAM") ||
             contains(message, "channel binding") || contains(message, "authentication")) {
    failure.kind = ConnectFailureKind::authentication;
  } else if (has_sqlstate([](const std::string& s) { return s == "3D000"; })) {
    failure.kind = ConnectFailureKind::database_missing;
  } else if (!sqlstates.empty()) {
    failure.kind = ConnectFailureKind::starting_up;
  } else if (contains(message, "Connection refused") || contains(message, "No such file or directory")) {
    failure.kind = ConnectFailureKind::refused;
  } else if (contains(message, "could not translate host name")) {
    failure.kind = ConnectFailureKind::name_unresolved;
  } else {
    failure.kind = ConnectFailureKind::unreachable;
  }
  return failure;
}

WaitResult
wait_for_database(const DatabaseUrl& url, const WaitOptions& options)
{
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration_cast<milliseconds>(Clock::now() - start); };
  if (url.provider == Provider::sqlite) {
    spdlog::info("nothing to wait for: the database is the SQLite file {}", url.sqlite_path.string());
    return {WaitOutcome::nothing_to_wait_for, elapsed()};
  }

  CancelNotifier cancel;
  const bool forever = options.timeout <= milliseconds(0);
  const auto deadline = forever ? Clock::time_point::max() : start + options.timeout;
  const auto per_attempt = attempt_timeout(url);
  auto next_progress = start + k_progress_interval;
  std::optional<Clock::time_point> starting_up_since;
  milliseconds slow_interval = k_refused_interval;
  bool created = false;
  ConnectFailure last;

  while (true) {
    if (util::SignalWatcher::instance().cancel_signal() != 0) {
      throw_cancelled(url);
    }
    const auto now = Clock::now();
    const auto attempt_deadline = deadline - now < per_attempt ? deadline : now + per_attempt;
    auto attempt = attempt_connection(url, attempt_deadline, cancel.fd());
    if (attempt.cancelled) {
      throw_cancelled(url);
    }
    if (!attempt.failure) {
      spdlog::info("PostgreSQL at {} is ready ({} ms)", url.address(), elapsed().count());
      return {created ? WaitOutcome::database_created : WaitOutcome::ready, elapsed()};
    }
    // An attempt cut short by the overall deadline says less than the one before it.
    const bool cut_short = attempt.failure->reason == "no answer" && attempt_deadline == deadline;
    if (!cut_short || last.reason.empty()) {
      last = *attempt.failure;
      if (last.reason == "no answer") {
        last.reason = fmt::format("no answer within {}", format_duration(per_attempt));
      }
    }

    milliseconds interval = k_unreachable_interval;
    switch (last.kind) {
    case ConnectFailureKind::authentication:
      throw unreachable_error(fmt::format("PostgreSQL at {} refused the login: {}", url.address(), last.reason));
    case ConnectFailureKind::tls:
      throw unreachable_error(fmt::format("TLS with PostgreSQL at {} failed: {}", url.address(), last.reason));
    case ConnectFailureKind::fatal:
      throw unreachable_error(fmt::format("cannot connect to PostgreSQL at {}: {}", url.address(), last.reason));
    case ConnectFailureKind::database_missing:
      if (options.create_database && !created) {
        create_database(url, forever ? Clock::now() + per_attempt : deadline, cancel.fd());
        created = true;
        continue;
      }
      if (!options.require_database) {
        spdlog::info("PostgreSQL at {} is ready, but database \"{}\" does not exist yet; migrate deploy creates it",
                     url.address(), url.database);
        return {WaitOutcome::database_missing, elapsed()};
      }
      interval = k_starting_up_max_interval;
      break;
    case ConnectFailureKind::starting_up:
      if (!starting_up_since) {
        starting_up_since = Clock::now();
      }
      if (Clock::now() - *starting_up_since < k_starting_up_fast_period) {
        interval = k_refused_interval;
      } else {
        slow_interval = std::min(slow_interval * 2, k_starting_up_max_interval);
        interval = slow_interval;
      }
      break;
    case ConnectFailureKind::refused: interval = k_refused_interval; break;
    case ConnectFailureKind::unreachable:
    case ConnectFailureKind::name_unresolved: interval = k_unreachable_interval; break;
    }

    const auto after = Clock::now();
    if (after >= deadline) {
      if (last.kind == ConnectFailureKind::database_missing) {
        throw unreachable_error(fmt::format(
          "PostgreSQL at {} is up, but database \"{}\" still does not exist after {}; create it, or wait without "
          "--require-database",
          url.address(), url.database, format_duration(options.timeout)));
      }
      throw unreachable_error(fmt::format("PostgreSQL at {} did not accept a connection within {}: {}",
                                          url.address(), format_duration(options.timeout), last.reason));
    }
    if (after >= next_progress) {
      spdlog::info("waiting for PostgreSQL at {} ({} s): {}", url.address(),
                   std::chrono::duration_cast<std::chrono::seconds>(after - start).count(), last.reason);
    }
    while (next_progress <= after) {
      next_progress += k_progress_interval;
    }
    if (!sleep_unless_cancelled(std::min(interval, std::chrono::ceil<milliseconds>(deadline - after)), cancel.fd())) {
      throw_cancelled(url);
    }
  }
}

} // namespace rastar::db
