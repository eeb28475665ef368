#include <rastar/seed/seed_connection.hpp>

#include <rastar/util/error.hpp>

namespace rastar::seed {

std::unique_ptr<SeedConnection>
seed_connection(migrate::MigrationStore& store)
{
  const auto connection = store.connection();
  if (connection.postgres != nullptr) {
    return postgres_seed_connection(*connection.postgres);
  }
  if (connection.sqlite != nullptr) {
    return sqlite_seed_connection(*connection.sqlite);
  }
  throw Error(ExitCode::internal,
              store.describe() + " was opened read-only on a database that does not exist, so it cannot be seeded "
                                 "(this is a bug in rastar-init: please report it)");
}

} // namespace rastar::seed
