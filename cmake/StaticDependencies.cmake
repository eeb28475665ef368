# rastar-init-static: the image's binary. The same objects as rastar-init,
# linked against the .a files of the C++ libraries, libstdc++ and libgcc, so
# it needs only libc, libcrypt and OpenSSL's libcrypto (libssl3), and drops
# into a Node image (Debian 12 slim) that adds nothing but libpq5, which
# brings libssl3. libcrypto stays shared: linked in, it added 3.8 MB (its
# whole default provider, for SHA-256) and no measurable speed or memory, and
# shared, the base image's OpenSSL updates reach it. libpq.so.5 is not
# linked: rastar-init loads it the first time it talks to PostgreSQL.
# Debian ships spdlog and fmt as shared libraries only; their compiled parts
# come from src/static_deps/spdlog_fmt.cpp. Linking it costs one translation
# unit and a link, so the tests can check it on every run.

set(rastar_static_archives)
set(rastar_static_missing)
foreach(archive SQLiteCpp sqlite3 yaml-cpp boost_filesystem boost_system)
  string(MAKE_C_IDENTIFIER "RASTAR_STATIC_${archive}" variable)
  find_library(${variable} NAMES lib${archive}.a)
  if(${variable})
    list(APPEND rastar_static_archives ${${variable}})
  else()
    list(APPEND rastar_static_missing lib${archive}.a)
  endif()
endforeach()

if(rastar_static_missing)
  message(STATUS "rastar-init-static is not available: ${rastar_static_missing} not found")
  return()
endif()

add_library(rastar_spdlog_fmt STATIC EXCLUDE_FROM_ALL src/static_deps/spdlog_fmt.cpp)
target_compile_definitions(rastar_spdlog_fmt PRIVATE
  $<TARGET_PROPERTY:spdlog::spdlog,INTERFACE_COMPILE_DEFINITIONS>
  $<TARGET_PROPERTY:fmt::fmt,INTERFACE_COMPILE_DEFINITIONS>)
target_link_libraries(rastar_spdlog_fmt PRIVATE rastar_settings)

if(RASTAR_STATIC_DEPS)
  add_executable(rastar-init-static src/main.cpp)
else()
  add_executable(rastar-init-static EXCLUDE_FROM_ALL src/main.cpp)
endif()
add_dependencies(rastar-init-static rastar_framework)
# Static archives before the libraries they use.
target_link_libraries(rastar-init-static PRIVATE
  $<TARGET_FILE:rastar_framework>
  rastar_spdlog_fmt
  ${rastar_static_archives}
  ${PG_QUERY_LIBRARY}
  OpenSSL::Crypto
  ${CRYPT_LIBRARY}
  ${CMAKE_DL_LIBS}
  m
  Threads::Threads
  rastar_settings)
target_link_options(rastar-init-static PRIVATE -s -static-libstdc++ -static-libgcc)
