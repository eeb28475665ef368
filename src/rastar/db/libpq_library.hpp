#pragma once

#include <libpq-fe.h>

// libpq, loaded on first use rather than linked. rastar-init runs as PID 1,
// and libpq.so.5 brings about 20 shared libraries (Kerberos, LDAP, GnuTLS,
// ...) whose mappings cost PID 1 memory and time at every start and exit; a
// container that never talks to PostgreSQL (`run -- CMD`, SQLite) now never
// maps them. Call sites write libpq::PQexec(...) where they wrote PQexec(...):
// each forwarder has libpq's own signature, so &libpq::PQclear is a deleter.
// The first call loads the library and throws rastar::Error (configuration)
// when libpq.so.5, or one of the functions below, is missing.

// Every libpq function rastar-init calls; add a name here to call another.
#define RASTAR_LIBPQ_FUNCTIONS(X)                                                                                      \
  X(PQcancel)                                                                                                          \
  X(PQclear)                                                                                                           \
  X(PQconndefaults)                                                                                                    \
  X(PQconninfoFree)                                                                                                    \
  X(PQconninfoParse)                                                                                                   \
  X(PQconnectPoll)                                                                                                     \
  X(PQconnectStartParams)                                                                                              \
  X(PQconnectdbParams)                                                                                                 \
  X(PQerrorMessage)                                                                                                    \
  X(PQescapeIdentifier)                                                                                                \
  X(PQescapeLiteral)                                                                                                   \
  X(PQexec)                                                                                                            \
  X(PQexecParams)                                                                                                      \
  X(PQfinish)                                                                                                          \
  X(PQfreeCancel)                                                                                                      \
  X(PQfreemem)                                                                                                         \
  X(PQgetCancel)                                                                                                       \
  X(PQgetisnull)                                                                                                       \
  X(PQgetlength)                                                                                                       \
  X(PQgetvalue)                                                                                                        \
  X(PQntuples)                                                                                                         \
  X(PQresultErrorField)                                                                                                \
  X(PQresultErrorMessage)                                                                                              \
  X(PQresultStatus)                                                                                                    \
  X(PQsetErrorVerbosity)                                                                                               \
  X(PQsocket)                                                                                                          \
  X(PQstatus)                                                                                                          \
  X(PQtransactionStatus)

namespace rastar::libpq {

// The addresses of libpq's functions, each typed as <libpq-fe.h> declares it.
struct Functions
{
#define RASTAR_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  RASTAR_LIBPQ_FUNCTIONS(RASTAR_LIBPQ_MEMBER)
#undef RASTAR_LIBPQ_MEMBER
};

// Loads libpq.so.5 on the first call (any thread; later calls return the same
// table). Throws Error(config) naming what is missing and what to install.
const Functions&
functions();

namespace detail {

template<typename Function, Function Functions::*member>
struct Forwarder;

template<typename Result, typename... Arguments, Result (*Functions::*member)(Arguments...)>
struct Forwarder<Result (*)(Arguments...), member>
{
  static Result
  call(Arguments... arguments)
  {
    return (functions().*member)(arguments...);
  }
};

} // namespace detail

// libpq::PQexec and so on: references to functions with libpq's signatures.
#define RASTAR_LIBPQ_FORWARDER(name)                                                                                   \
  inline constexpr auto& name = detail::Forwarder<decltype(&::name), &Functions::name>::call;
RASTAR_LIBPQ_FUNCTIONS(RASTAR_LIBPQ_FORWARDER)
#undef RASTAR_LIBPQ_FORWARDER

} // namespace rastar::libpq
