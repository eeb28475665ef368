#pragma once

#include <rastar/db/database_url.hpp>

#include <chrono>
#include <string>
#include <string_view>

// Waiting for PostgreSQL to accept connections (decisions D10, D11): one
// non-blocking libpq connection attempt after another on rastar-init's own
// timer, paced by what the last attempt said, with progress once a second and
// SIGTERM/SIGINT honoured at any moment (D2).

namespace rastar::db {

// Why a connection attempt failed, as far as waiting is concerned.
enum class ConnectFailureKind {
  refused,          // nothing listens yet (TCP refused, no socket file): retry at once
  unreachable,      // no route, no answer, connection dropped: retry
  name_unresolved,  // the host name does not resolve (yet): retry
  starting_up,      // the server answered but cannot take connections yet (57P03, 53300, ...)
  database_missing, // 3D000: the server is up, the database is not (D10)
  authentication,   // wrong password, unknown role, no pg_hba entry: fatal
  tls,              // certificate or TLS negotiation failure: fatal
  fatal,            // any other error the server reported: fatal
};

struct ConnectFailure
{
  ConnectFailureKind kind = ConnectFailureKind::unreachable;
  // The first line of libpq's message without the "connection to server at
  // … failed:" preamble or the SQLSTATE: "Connection refused".
  std::string reason;
};

// Classifies libpq's error message for a failed connection, made with
// PQERRORS_VERBOSE so that a server error carries its SQLSTATE.
ConnectFailure
classify_connect_failure(std::string_view message);

struct WaitOptions
{
  // How long to keep trying; zero waits for ever.
  std::chrono::milliseconds timeout = std::chrono::seconds(60);
  // A missing database keeps the wait going until it exists (or the timeout).
  bool require_database = false;
  // A missing database is created (connecting to `postgres`, else `template1`).
  bool create_database = false;
};

enum class WaitOutcome {
  ready,
  database_missing,     // the server is up; the database does not exist (D10: not an error)
  database_created,     // --create-database created it
  nothing_to_wait_for,  // SQLite
};

struct WaitResult
{
  WaitOutcome outcome = WaitOutcome::ready;
  std::chrono::milliseconds elapsed{0};
};

// Waits for `url` by the rules above, logging progress and the outcome.
// Throws Error(database_unreachable) at the timeout (naming host:port and the
// last reason) or at once for an authentication or TLS failure, and
// Error(128+N) when SIGTERM/SIGINT/SIGQUIT arrives meanwhile.
WaitResult
wait_for_database(const DatabaseUrl& url, const WaitOptions& options);

} // namespace rastar::db
