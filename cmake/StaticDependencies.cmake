# RASTAR_STATIC_DEPS: the image's build. The C++ libraries are linked from
# their .a files and spdlog/fmt are used header-only, so the binary drops into
# a Node image (Debian 12 slim) that adds nothing but libpq5; libpq, OpenSSL,
# libcrypt, libstdc++ and libc stay shared, as the base image updates them.
# Sets rastar_library_deps for Dependencies.cmake.

foreach(archive pqxx SQLiteCpp sqlite3 yaml-cpp boost_filesystem boost_system)
  string(MAKE_C_IDENTIFIER "RASTAR_STATIC_${archive}" variable)
  find_library(${variable} NAMES lib${archive}.a REQUIRED)
  list(APPEND rastar_static_archives ${${variable}})
endforeach()

# Debian's spdlog::spdlog_header_only target still links the shared libfmt,
# so the definitions are set here: spdlog and fmt both compile into the binary.
add_library(rastar_header_only_logging INTERFACE)
target_compile_definitions(rastar_header_only_logging INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY=1)

# Order matters for static archives: each before the libraries it uses.
set(rastar_library_deps
  ${rastar_static_archives}
  rastar_header_only_logging
  ${CMAKE_DL_LIBS} m)
