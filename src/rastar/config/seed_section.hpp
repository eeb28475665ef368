#pragma once

#include <rastar/config/yaml_reader.hpp>
#include <rastar/seed/seed_config.hpp>

#include <filesystem>
#include <vector>

// The `seeds:` map of the config file (README, "Seeds"):
//
//   seeds:
//     admin:                        # the seed's name, used in messages
//       model: AdminUser            # a model of schema.prisma (or table: "AdminUser", its @@map name)
//       key: [email]                # fields that say "already there" (one name or a list)
//       values:                     # field names as the schema spells them
//         email: ${ADMIN_EMAIL:-admin@rastar.local}
//         passwordHash: {bcrypt_env: ADMIN_PASSWORD, cost: 12}
//         role: owner
//     extra:
//       sql: seeds/extra.sql        # a script, run in one transaction...
//       unless: SELECT 1 FROM "Pack" WHERE slug = 'vip'   # ...unless this returns a row (D22)
//
// A value is a scalar (typed later by the schema field), null, or
// {bcrypt_env: NAME, cost: N}: the bcrypt hash of the variable NAME, or of the
// file NAME_FILE names (the Docker secrets convention). The variable is named,
// never expanded, so the password never passes through the config. Fields
// left out get what the apps' Prisma client would write (cuid(), uuid(),
// now(), @updatedAt) or the column's default.

namespace rastar::config {

// Reads and validates `seeds`, in file order; a relative `sql:` path resolves
// against `base_directory`.
std::vector<seed::SeedSpec>
read_seeds(const YamlValue& seeds, const std::filesystem::path& base_directory);

} // namespace rastar::config
