#pragma once

// The example Rastar database for tests of the demo's pieces: a config like
// config/example.yaml (its schema, migrations and seeds, paths absolute, a
// cheap bcrypt cost) and a database migrated and seeded by the real
// rastar-init.

#include "test_support.hpp"

#include <string>

namespace rastar::test {

// The demo's admin password in these tests; it must never show in output.
inline constexpr const char* k_example_password = "example-admin-password";

// The path of the stand-in apps' binary under test.
std::string
stand_in_path();

// A config with the example schema, the migrations for `url`'s provider, the
// two seeds of config/example.yaml (bcrypt cost 4), the status endpoint and
// the control socket off, and `more` appended.
std::string
example_config(const std::string& url, const std::string& more = "");

// Writes example_config(url, more) to `name` in the current directory and runs
// `rastar-init run --only-migrate` on it with ADMIN_PASSWORD set; the test
// fails when it does not exit 0. Returns the result.
CommandResult
prepare_example_database(const std::string& url, const std::string& more = "",
                         const std::string& name = "example.yaml");

} // namespace rastar::test
