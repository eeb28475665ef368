#include <rastar/migrate/migration_store.hpp>

#include <cstdlib>
#include <string_view>

namespace rastar::migrate {

bool
advisory_lock_disabled()
{
  const char* value = std::getenv("PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK");
  return value != nullptr && std::string_view(value) != "" && std::string_view(value) != "0";
}

} // namespace rastar::migrate
