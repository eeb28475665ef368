#pragma once

#include <rastar/util/time.hpp>

#include <cstddef>
#include <string>

// The ids Prisma's client generates for `@default(…)` (decision D21), so a
// seeded row is indistinguishable from one the apps wrote. Randomness comes
// from OpenSSL's CSPRNG.

namespace rastar::seed {

// cuid v1, `cuid()`: "c", the time in ms (base 36), a per-process counter
// (4 digits), a host fingerprint (4) and 8 random digits; 25 characters.
std::string
cuid();

// cuid2, `cuid(2)`: a random letter, then a SHA3-512 hash of the time, a
// random salt, a counter and a fingerprint, in base 36; `length` characters.
std::string
cuid2(std::size_t length = 24);

// UUID version 4, `uuid()` / `uuid(4)`: lowercase, hyphenated.
std::string
uuid_v4();

// UUID version 7, `uuid(7)`: the Unix time in ms in the first 48 bits, then
// random bits, so ids sort by creation time.
std::string
uuid_v7(util::SystemTime now);

// nanoid, `nanoid()` / `nanoid(n)`: `length` characters of the URL alphabet.
std::string
nanoid(std::size_t length = 21);

// ULID, `ulid()`: 26 characters of Crockford base 32, 48 bits of ms time then 80 random bits.
std::string
ulid(util::SystemTime now);

} // namespace rastar::seed
