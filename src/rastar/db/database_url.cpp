#include <rastar/db/database_url.hpp>

#include <rastar/db/libpq_library.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/url_secrets.hpp>

#include <fmt/core.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

// What happens to each query parameter of a postgresql:// URL. Prisma (its
// schema engine, quaint) reads some parameters libpq does not know, and gives
// two names libpq also uses (sslcert, sslpassword) another meaning; libpq
// rejects a URL with a parameter it does not know. So Prisma's parameters are
// taken out first, the rest goes through libpq's own URI parser.
//
// | parameter                    | fate here                                                     |
// |------------------------------|---------------------------------------------------------------|
// | schema                       | translated: `options=-c search_path="<schema>"` (Prisma sends  |
// |                              | `SET search_path = "<schema>"`); kept in DatabaseUrl::schema.  |
// |                              | Default "public", as Prisma. Created by the writers, not here. |
// | sslcert                      | translated: Prisma's sslcert is the CA that signed the         |
// |                              | server's certificate, libpq's is the client certificate, so it |
// |                              | becomes `sslrootcert` (relative to the base directory). Under  |
// |                              | sslmode=require libpq then checks the chain (as verify-ca),    |
// |                              | which Prisma skips unless sslaccept=strict.                    |
// | sslaccept=strict             | translated: Prisma checks chain and host name, libpq does so   |
// |                              | in verify-full; unset/prefer/allow/require become verify-full  |
// |                              | (libpq cannot verify and still fall back to plain text, so    |
// |                              | prefer is tightened, not loosened). Without sslcert the CA is  |
// |                              | OpenSSL's system bundle, as Prisma uses the system store.      |
// |                              | An unknown value counts as strict, as in Prisma.               |
// | sslaccept=accept_invalid_certs | dropped: Prisma's default; libpq's prefer/require do not    |
// |                              | verify the certificate either.                                 |
// | sslidentity                  | error: a PKCS#12 client identity; libpq takes only PEM files   |
// |                              | and cannot be given it. Failing beats connecting without the   |
// |                              | client certificate the server expects.                         |
// | sslpassword                  | dropped: the PKCS#12 password, meaningless without sslidentity |
// |                              | (libpq's own sslpassword means something else).                |
// | connection_limit, pool_timeout, statement_cache_size, max_connection_lifetime,               |
// | max_idle_connection_lifetime | dropped: pool settings; rastar-init holds one connection.      |
// |                              | Checked to be whole numbers, as Prisma refuses others.         |
// | socket_timeout               | dropped: a per-query timeout of Prisma's; migrations may run   |
// |                              | longer on purpose. Checked to be a whole number.               |
// | pgbouncer                    | dropped, with a warning when true: rastar-init takes advisory  |
// |                              | locks, which a transaction-mode pooler does not keep (D14:     |
// |                              | use directUrl). Checked to be true or false.                   |
// | connect_timeout              | kept: libpq reads it as Prisma does (seconds, 0 = none).       |
// | application_name             | kept; defaults to "rastar-init" so the lock holder is named.   |
// | sslmode                      | kept: Prisma knows disable, prefer, require; libpq's allow,    |
// |                              | verify-ca and verify-full are honoured too, not downgraded.    |
// | host, port, user, password,  | kept for libpq (host= names a Unix-socket directory).          |
// | dbname, options, any libpq keyword |                                                          |
// | anything else                | dropped with a warning, as Prisma ignores it.                  |

namespace rastar::db {

namespace {

constexpr std::string_view k_postgresql_scheme = "postgresql://";
constexpr std::string_view k_postgres_scheme = "postgres://";
constexpr std::string_view k_file_scheme = "file:";
constexpr std::string_view k_url_example = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE or file:PATH";

// Parameters dropped because they tune Prisma's pool or queries; each must be a
// whole number, as Prisma refuses the URL otherwise.
const std::set<std::string, std::less<>> k_dropped_number_parameters{
  "connection_limit", "pool_timeout", "statement_cache_size", "socket_timeout",
  "max_connection_lifetime", "max_idle_connection_lifetime"};

struct QueryParameter
{
  std::string raw; // `name=value` as written, for libpq
  std::string name;
  std::string value; // percent-decoded, `+` as space (Prisma's query_pairs)
};

std::string
percent_decode(std::string_view text, bool plus_as_space)
{
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      int value = 0;
      std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      decoded.push_back(static_cast<char>(value));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      decoded.push_back(' ');
    } else {
      decoded.push_back(c);
    }
  }
  return decoded;
}

std::string
percent_encode_path_segment(std::string_view text)
{
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded.push_back(c);
    } else {
      encoded += fmt::format("%{:02X}", byte);
    }
  }
  return encoded;
}

// The offset where the query string starts, as libpq finds it: the userinfo
// ends at the first `@` before any `/`, and neither host, port nor path holds
// a `?`.
std::size_t
query_start(std::string_view url)
{
  const auto scheme_end = url.find("://");
  std::size_t position = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto userinfo_end = url.find_first_of("@/", position);
  if (userinfo_end != std::string_view::npos && url[userinfo_end] == '@') {
    position = userinfo_end + 1;
  }
  const auto start = url.find('?', position);
  return start == std::string_view::npos ? url.size() : start;
}

std::vector<QueryParameter>
split_query(std::string_view query)
{
  std::vector<QueryParameter> parameters;
  std::size_t position = 0;
  while (position <= query.size()) {
    auto end = query.find('&', position);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const auto pair = query.substr(position, end - position);
    if (!pair.empty()) {
      const auto equals = pair.find('=');
      QueryParameter parameter;
      parameter.raw = std::string(pair);
      parameter.name = percent_decode(pair.substr(0, equals), true);
      parameter.value = equals == std::string_view::npos ? "" : percent_decode(pair.substr(equals + 1), true);
      parameters.push_back(std::move(parameter));
    }
    position = end + 1;
  }
  return parameters;
}

// The keywords PQconninfoParse accepts in a URI: libpq's own list, plus "ssl"
// (its alias for sslmode=require).
const std::set<std::string, std::less<>>&
libpq_keyword_set()
{
  static const std::set<std::string, std::less<>> keywords = [] {
    std::set<std::string, std::less<>> result{"ssl"};
    std::unique_ptr<PQconninfoOption, decltype(&libpq::PQconninfoFree)> defaults(libpq::PQconndefaults(),
                                                                                &libpq::PQconninfoFree);
    for (auto* option = defaults.get(); option && option->keyword; ++option) {
      result.insert(option->keyword);
    }
    return result;
  }();
  return keywords;
}

bool
is_whole_number(std::string_view text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `text` with every occurrence of each secret (as written and decoded) replaced
// by `****`, for a message of libpq's that may quote the URL.
std::string
scrub_secrets(std::string text, std::string_view url)
{
  for (const auto& span : util::url_secret_spans(url)) {
    const auto raw = std::string(url.substr(span.offset, span.length));
    for (const auto& secret : {raw, percent_decode(raw, false)}) {
      for (auto found = text.find(secret); !secret.empty() && found != std::string::npos;
           found = text.find(secret, found + 4)) {
        text.replace(found, secret.size(), "****");
      }
    }
  }
  return text;
}

// The `options` argument that sets search_path to `schema`: the identifier in
// double quotes (quotes doubled), then libpq's escaping of the options string,
// where white space separates arguments unless preceded by a backslash.
std::string
search_path_option(std::string_view schema)
{
  std::string identifier = "\"";
  for (const char c : schema) {
    identifier += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  identifier += '"';
  std::string option = "-c search_path=";
  for (const char c : identifier) {
    if (c == '\\' || std::isspace(static_cast<unsigned char>(c))) {
      option += '\\';
    }
    option += c;
  }
  return option;
}

std::string*
find_keyword(DatabaseUrl& url, std::string_view keyword)
{
  for (auto& [name, value] : url.libpq_keywords) {
    if (name == keyword) {
      return &value;
    }
  }
  return nullptr;
}

void
set_keyword(DatabaseUrl& url, std::string_view keyword, std::string value)
{
  if (auto* existing = find_keyword(url, keyword)) {
    *existing = std::move(value);
  } else {
    url.libpq_keywords.emplace_back(std::string(keyword), std::move(value));
  }
}

std::string
keyword_or_empty(DatabaseUrl& url, std::string_view keyword)
{
  const auto* value = find_keyword(url, keyword);
  return value ? *value : std::string();
}

DatabaseUrl
parse_sqlite_url(std::string_view url, const std::filesystem::path& base_directory)
{
  // quaint strips `file://` or `file:`, then everything from `?` on
  // (connection_limit, socket_timeout, ...: pool settings, all ignored here).
  auto path = url.substr(url.starts_with("file://") ? 7 : k_file_scheme.size());
  path = path.substr(0, path.find('?'));
  if (path.empty()) {
    throw config_error(fmt::format("DATABASE_URL \"{}\" names no database file; write file:./data/rastar.db "
                                   "(relative to the working directory) or file:/absolute/path.db",
                                   url));
  }
  DatabaseUrl result;
  result.provider = Provider::sqlite;
  const std::filesystem::path file{std::string(path)};
  result.sqlite_path = (file.is_absolute() ? file : base_directory / file).lexically_normal();
  result.redacted = std::string(url);
  result.schema.clear();
  return result;
}

DatabaseUrl
parse_postgresql_url(std::string_view url, const std::filesystem::path& base_directory)
{
  DatabaseUrl result;
  result.provider = Provider::postgresql;
  result.redacted = redact_database_url(url);

  const auto query_offset = query_start(url);
  const auto base = url.substr(0, query_offset);
  const auto query = query_offset < url.size() ? url.substr(query_offset + 1) : std::string_view();

  std::vector<std::string> kept;
  std::optional<std::string> ssl_accept;
  std::optional<std::string> ssl_root_certificate;
  for (const auto& parameter : split_query(query)) {
    const auto& name = parameter.name;
    const auto& value = parameter.value;
    if (name == "schema") {
      if (value.empty()) {
        throw config_error(fmt::format(
          "DATABASE_URL {} has an empty schema parameter; name a schema or leave the parameter out",
          result.redacted));
      }
      result.schema = value;
    } else if (k_dropped_number_parameters.contains(name)) {
      if (!is_whole_number(value)) {
        throw config_error(fmt::format("DATABASE_URL {}: {} must be a whole number, not \"{}\"",
                                       result.redacted, name, value));
      }
    } else if (name == "pgbouncer") {
      if (value != "true" && value != "false") {
        throw config_error(
          fmt::format("DATABASE_URL {}: pgbouncer must be true or false, not \"{}\"", result.redacted, value));
      }
      if (value == "true") {
        result.warnings.push_back(
          "DATABASE_URL has pgbouncer=true: migrations take PostgreSQL advisory locks, which a "
          "transaction-mode pooler does not keep; give the migrations a direct connection (directUrl)");
      }
    } else if (name == "sslaccept") {
      ssl_accept = value;
    } else if (name == "sslcert") {
      ssl_root_certificate = value;
    } else if (name == "sslidentity") {
      throw config_error(fmt::format(
        "DATABASE_URL {}: sslidentity (a PKCS#12 client certificate) cannot be used, since libpq takes only "
        "PEM files; connect without a client certificate or through a proxy that holds it",
        result.redacted));
    } else if (name == "sslpassword") {
      // The PKCS#12 password: nothing to unlock without sslidentity.
    } else if (name == "connect_timeout" && !is_whole_number(value)) {
      throw config_error(fmt::format("DATABASE_URL {}: connect_timeout must be a whole number of seconds, "
                                     "not \"{}\"",
                                     result.redacted, value));
    } else if (name == "sslmode" && value != "disable" && value != "allow" && value != "prefer" &&
               value != "require" && value != "verify-ca" && value != "verify-full") {
      throw config_error(fmt::format("DATABASE_URL {}: sslmode \"{}\" is not one of disable, prefer, require, "
                                     "verify-ca, verify-full",
                                     result.redacted, value));
    } else if (libpq_keyword_set().contains(name)) {
      kept.push_back(parameter.raw);
    } else {
      result.warnings.push_back(fmt::format(
        "DATABASE_URL parameter \"{}\" is ignored: neither Prisma nor PostgreSQL's client knows it", name));
    }
  }

  std::string libpq_url(base);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    libpq_url += (i == 0 ? "?" : "&") + kept[i];
  }
  char* raw_error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&libpq::PQconninfoFree)> options(
    libpq::PQconninfoParse(libpq_url.c_str(), &raw_error), &libpq::PQconninfoFree);
  if (!options) {
    std::string message = raw_error ? raw_error : "out of memory";
    libpq::PQfreemem(raw_error);
    while (!message.empty() && (message.back() == '\n' || message.back() == '.')) {
      message.pop_back();
    }
    throw config_error(
      fmt::format("DATABASE_URL {} cannot be read: {}", result.redacted, scrub_secrets(message, url)));
  }
  for (auto* option = options.get(); option->keyword; ++option) {
    if (option->val) {
      result.libpq_keywords.emplace_back(option->keyword, option->val);
    }
  }

  result.database = keyword_or_empty(result, "dbname");
  if (result.database.empty()) {
    throw config_error(fmt::format("DATABASE_URL {} has no database name; add one after the host, e.g. /rastar",
                                   result.redacted));
  }
  // Prisma's defaults, where libpq's differ (a Unix socket, PGHOST, PGPORT).
  if (keyword_or_empty(result, "host").empty() && keyword_or_empty(result, "hostaddr").empty()) {
    set_keyword(result, "host", "localhost");
  }
  if (keyword_or_empty(result, "port").empty()) {
    set_keyword(result, "port", "5432");
  }
  if (keyword_or_empty(result, "application_name").empty()) {
    set_keyword(result, "application_name", "rastar-init");
  }

  if (ssl_root_certificate) {
    const std::filesystem::path certificate{*ssl_root_certificate};
    set_keyword(result, "sslrootcert",
                (certificate.is_absolute() ? certificate : base_directory / certificate).lexically_normal().string());
  }
  if (ssl_accept && *ssl_accept != "accept_invalid_certs") {
    const auto mode = keyword_or_empty(result, "sslmode");
    if (mode != "disable" && mode != "verify-ca" && mode != "verify-full") {
      set_keyword(result, "sslmode", "verify-full");
    }
    if (!ssl_root_certificate) {
      set_keyword(result, "sslrootcert", X509_get_default_cert_file());
    }
    if (*ssl_accept != "strict") {
      result.warnings.push_back(fmt::format(
        "DATABASE_URL sslaccept \"{}\" is unknown and counts as strict, as in Prisma", *ssl_accept));
    }
  }

  const auto user_options = keyword_or_empty(result, "options");
  set_keyword(result, "options",
              user_options.empty() ? search_path_option(result.schema)
                                   : user_options + " " + search_path_option(result.schema));

  result.host = keyword_or_empty(result, "host");
  if (result.host.empty()) {
    result.host = keyword_or_empty(result, "hostaddr");
  }
  result.port = keyword_or_empty(result, "port");
  result.user = keyword_or_empty(result, "user");
  return result;
}

// Replaces the path (the database name) of a redacted URL.
std::string
url_with_database(std::string_view url, std::string_view database)
{
  const auto query_offset = query_start(url);
  const auto scheme_end = url.find("://");
  const std::size_t rest_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto at = url.substr(0, query_offset).rfind('@');
  const auto authority_start = at == std::string_view::npos || at < rest_start ? rest_start : at + 1;
  auto path_start = url.find('/', authority_start);
  if (path_start == std::string_view::npos || path_start > query_offset) {
    path_start = query_offset;
  }
  return std::string(url.substr(0, path_start)) + "/" + percent_encode_path_segment(database) +
         std::string(url.substr(query_offset));
}

bool
looks_like_scheme(std::string_view text)
{
  return !text.empty() && std::isalpha(static_cast<unsigned char>(text.front())) &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
         });
}

} // namespace

std::string_view
provider_name(Provider provider)
{
  return provider == Provider::sqlite ? "sqlite" : "postgresql";
}

std::string
DatabaseUrl::address() const
{
  if (provider == Provider::sqlite) {
    return sqlite_path.string();
  }
  const bool ipv6 = host.find(':') != std::string::npos && host.find(',') == std::string::npos;
  return fmt::format("{}:{}", ipv6 ? "[" + host + "]" : host, port);
}

DatabaseUrl
DatabaseUrl::with_database(const std::string& other_database) const
{
  if (provider != Provider::postgresql) {
    throw std::logic_error("with_database is for PostgreSQL URLs");
  }
  DatabaseUrl copy = *this;
  set_keyword(copy, "dbname", other_database);
  copy.database = other_database;
  copy.redacted = url_with_database(redacted, other_database);
  return copy;
}

DatabaseUrl
parse_database_url(std::string_view url, const std::filesystem::path& base_directory)
{
  if (url.empty()) {
    throw config_error(fmt::format("DATABASE_URL is empty; set it to {}", k_url_example));
  }
  if (url.starts_with(k_file_scheme)) {
    return parse_sqlite_url(url, base_directory);
  }
  if (url.starts_with(k_postgresql_scheme) || url.starts_with(k_postgres_scheme)) {
    return parse_postgresql_url(url, base_directory);
  }
  const auto colon = url.find(':');
  if (colon != std::string_view::npos && looks_like_scheme(url.substr(0, colon))) {
    const auto scheme = url.substr(0, colon);
    if (scheme == "postgresql" || scheme == "postgres") {
      throw config_error(fmt::format("DATABASE_URL must start with {}:// (with two slashes)", scheme));
    }
    throw config_error(
      fmt::format("DATABASE_URL: the scheme \"{}:\" is not supported; use postgresql:// or file:", scheme));
  }
  // The text is not echoed: without a scheme nothing says where a password sits.
  throw config_error(fmt::format("DATABASE_URL is not a URL; it must look like {}", k_url_example));
}

std::string
redact_database_url(std::string_view url)
{
  if (url.starts_with(k_file_scheme)) {
    return std::string(url);
  }
  std::string redacted(url);
  auto spans = util::url_secret_spans(url);
  // Replace from the back so earlier offsets stay valid.
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.offset > b.offset; });
  for (const auto& span : spans) {
    redacted.replace(span.offset, span.length, "****");
  }
  return redacted;
}

} // namespace rastar::db
