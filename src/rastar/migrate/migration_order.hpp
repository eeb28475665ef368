#pragma once

#include <string_view>

// The order in which Prisma (>= 6.6) lists migration directories: JavaScript's
// `a.localeCompare(b)` under Node's default ICU root collation (decision D13),
// reproduced without linking ICU. Equal to ICU for every ASCII name; a name
// with other characters is ordered by the same rule with code points for the
// rest (see has_non_ascii, and warn).

namespace rastar::migrate {

// Negative, zero or positive, as localeCompare returns.
int
compare_migration_names(std::string_view a, std::string_view b);

// Whether `name` has a byte outside printable ASCII, where Prisma's order may differ.
bool
has_non_ascii(std::string_view name);

} // namespace rastar::migrate
