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
# libpq: only its header here. rastar-init loads libpq.so.5 on first use
# (src/rastar/db/libpq_library.cpp), so PID 1 never maps libpq and the ~20
# libraries it brings unless it talks to PostgreSQL. The tests link it.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

find_path(PG_QUERY_INCLUDE_DIR pg_query.h REQUIRED)
find_library(PG_QUERY_LIBRARY NAMES libpg_query.a pg_query REQUIRED)
find_library(CRYPT_LIBRARY NAMES crypt REQUIRED)

add_library(rastar_deps INTERFACE)
target_include_directories(rastar_deps INTERFACE ${PG_QUERY_INCLUDE_DIR} ${LIBPQ_INCLUDE_DIRS})
target_link_libraries(rastar_deps INTERFACE
  SQLiteCpp
  yaml-cpp
  CLI11::CLI11
  spdlog::spdlog
  nlohmann_json::nlohmann_json
  Boost::headers Boost::filesystem Boost::system
  OpenSSL::Crypto
  ${PG_QUERY_LIBRARY}
  ${CRYPT_LIBRARY}
  ${CMAKE_DL_LIBS}
  Threads::Threads)
