#pragma once

#include <rastar/config/env_expansion.hpp>

#include <optional>
#include <string>
#include <string_view>

// bcrypt through the system's libcrypt (libxcrypt), in the `$2b$` form the
// Node bcrypt libraries write and verify. Passwords are wiped from the
// buffers this module owns once hashed, and never logged.

namespace rastar::seed {

// The `$2b$<cost>$…` hash of `password` with a fresh random salt; `cost`
// from 4 to 31. Throws Error(seed_failed) when libcrypt refuses.
std::string
bcrypt_hash(std::string_view password, int cost);

// Whether `password` hashes to `hash` (crypt_r with the hash as the setting).
bool
bcrypt_verify(std::string_view password, const std::string& hash);

// Where a secret came from: the variable itself or the file its _FILE names.
struct Secret
{
  std::string value;
  std::string origin; // "ADMIN_PASSWORD" or "ADMIN_PASSWORD_FILE (/run/secrets/admin)"
};

// The value of `variable`, or the content of the file `variable`_FILE names
// with its trailing newlines removed (the Docker secrets convention, as the
// official images read it). nullopt when neither is set; throws
// std::runtime_error with a sentence (never the value) when both are set, the
// file cannot be read, or the secret is empty.
std::optional<Secret>
read_secret(const std::string& variable, const config::EnvironmentLookup& environment);

} // namespace rastar::seed
