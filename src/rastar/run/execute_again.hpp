#pragma once

#include <optional>
#include <string>

// With PostgreSQL, `run` loads libpq and the twenty libraries it brings
// (Kerberos, LDAP, GnuTLS, ...) for the database phases, and cannot unload
// them (libcrypto and p11-kit are marked not to be). Once the database is
// migrated and seeded, PID 1 executes itself again, keeping its PID, and
// supervises without them: for the container's life it holds less memory and
// it exits sooner when stopped.

namespace rastar::run {

// Executes this program again with the same arguments, handing it
// `services_url` (the DATABASE_URL for the services). Signals that arrive
// meanwhile stay pending across the exec. Returns only when a cancel signal
// (SIGTERM, SIGINT, SIGQUIT) already came, or when the exec failed; then this
// image carries on.
void
execute_again_without_database(const std::string& services_url);

// In the executed image: the URL the first image handed over, or nullopt when
// this image is the first. Call once, first thing in `run`.
std::optional<std::string>
take_prepared_url();

} // namespace rastar::run
