# Debian 12 packages: see README.md for the apt-get line.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLiteCpp REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem system)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

find_path(PG_QUERY_INCLUDE_DIR pg_query.h REQUIRED)
find_library(PG_QUERY_LIBRARY NAMES libpg_query.a pg_query REQUIRED)
find_library(CRYPT_LIBRARY NAMES crypt REQUIRED)

add_library(rastar_deps INTERFACE)
target_include_directories(rastar_deps INTERFACE ${PG_QUERY_INCLUDE_DIR})
target_link_libraries(rastar_deps INTERFACE
  PkgConfig::PQXX PkgConfig::LIBPQ
  SQLiteCpp
  yaml-cpp
  CLI11::CLI11
  spdlog::spdlog
  nlohmann_json::nlohmann_json
  Boost::headers Boost::filesystem Boost::system
  OpenSSL::Crypto
  ${PG_QUERY_LIBRARY}
  ${CRYPT_LIBRARY}
  Threads::Threads)
