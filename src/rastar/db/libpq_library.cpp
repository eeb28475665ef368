#include <rastar/db/libpq_library.hpp>

#include <rastar/util/error.hpp>

#include <fmt/format.h>

#include <dlfcn.h>

namespace rastar::libpq {

namespace {

constexpr const char* k_library = "libpq.so.5";

std::string
last_dl_error()
{
  const char* message = dlerror();
  return message ? message : "no reason given";
}

Functions
load()
{
  // RTLD_LOCAL: libpq and the libraries it brings stay out of the global
  // namespace, so they bind to their own libcrypto, never to one linked into
  // rastar-init. The handle is never closed: the process keeps libpq until it ends.
  void* handle = dlopen(k_library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw config_error(fmt::format(
      "PostgreSQL's client library cannot be loaded ({}); install it (Debian and Ubuntu: apt-get install libpq5; "
      "elsewhere, the package that provides {}), or use a SQLite DATABASE_URL (file:...)",
      last_dl_error(), k_library));
  }
  Functions functions;
#define RASTAR_LIBPQ_RESOLVE(name)                                                                                     \
  functions.name = reinterpret_cast<decltype(functions.name)>(dlsym(handle, #name));                                  \
  if (functions.name == nullptr) {                                                                                     \
    throw config_error(fmt::format("PostgreSQL's client library {} has no function {} ({}); it is older than "      \
                                   "rastar-init needs: install a current libpq5",                                     \
                                   k_library, #name, last_dl_error()));                                               \
  }
  RASTAR_LIBPQ_FUNCTIONS(RASTAR_LIBPQ_RESOLVE)
#undef RASTAR_LIBPQ_RESOLVE
  return functions;
}

} // namespace

const Functions&
functions()
{
  // A function-local static: the first caller loads, concurrent callers wait,
  // and a failed load is tried again by the next call.
  static const Functions loaded = load();
  return loaded;
}

} // namespace rastar::libpq
