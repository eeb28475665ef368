#include "example_fixture.hpp"

#include <doctest/doctest.h>

namespace rastar::test {

std::string
stand_in_path()
{
  return RASTAR_STAND_IN_BINARY;
}

std::string
example_config(const std::string& url, const std::string& more)
{
  const std::string examples = std::string(RASTAR_SOURCE_DIR) + "/examples/rastar";
  const bool sqlite = url.starts_with("file:");
  return "database: {url: \"" + url + "\"}\n" + "schema: " + examples + "/schema.prisma\n" +
         "migrations: " + examples + (sqlite ? "/migrations-sqlite" : "/migrations") + "\n" +
         "seeds:\n"
         "  admin:\n"
         "    model: AdminUser\n"
         "    key: [email]\n"
         "    values:\n"
         "      email: admin@rastar.local\n"
         "      passwordHash: {bcrypt_env: ADMIN_PASSWORD, cost: 4}\n"
         "      role: owner\n"
         "  default-pack:\n"
         "    model: Pack\n"
         "    key: [slug]\n"
         "    values: {slug: starter, name: Starter, credits: 100, price: 0, isDefault: true}\n"
         // Off, so tests running side by side do not collide on the defaults.
         "status: {listen: \"0\"}\n"
         "control: {socket: \"\"}\n" +
         more;
}

CommandResult
prepare_example_database(const std::string& url, const std::string& more, const std::string& name)
{
  write_file(name, example_config(url, more));
  auto result = run_rastar({"run", "--only-migrate", "--config", name},
                           {{"ADMIN_PASSWORD", k_example_password},
                            {"DATABASE_URL", std::nullopt},
                            {"RASTAR_INIT_CONFIG", std::nullopt},
                            {"RASTAR_LOG_LEVEL", std::nullopt}});
  INFO(result.err);
  CHECK(result.exit_code == 0);
  return result;
}

} // namespace rastar::test
