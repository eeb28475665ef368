#include <rastar/migrate/pg_session.hpp>

#include <rastar/db/libpq_library.hpp>

#include <cstdlib>

namespace rastar::migrate {

namespace {

std::optional<std::string>
field(const PGresult* result, int code)
{
  const char* value = libpq::PQresultErrorField(result, code);
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::optional<int>
int_field(const PGresult* result, int code)
{
  const char* value = libpq::PQresultErrorField(result, code);
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::atoi(value);
}

// libpq ends its messages with a newline; a sentence does not.
std::string
trimmed(const char* text)
{
  std::string value = text ? text : "";
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) {
    value.pop_back();
  }
  return value;
}

PgError
error_from(const PGconn* connection, const PGresult* result)
{
  PgError error;
  if (result != nullptr && libpq::PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) != nullptr) {
    error.severity = field(result, PG_DIAG_SEVERITY).value_or("ERROR");
    error.severity_code = field(result, PG_DIAG_SEVERITY_NONLOCALIZED).value_or(error.severity);
    error.sqlstate = field(result, PG_DIAG_SQLSTATE).value_or("");
    error.message = field(result, PG_DIAG_MESSAGE_PRIMARY).value_or("");
    error.detail = field(result, PG_DIAG_MESSAGE_DETAIL);
    error.hint = field(result, PG_DIAG_MESSAGE_HINT);
    error.position = int_field(result, PG_DIAG_STATEMENT_POSITION);
    error.internal_position = int_field(result, PG_DIAG_INTERNAL_POSITION);
    error.internal_query = field(result, PG_DIAG_INTERNAL_QUERY);
    error.context = field(result, PG_DIAG_CONTEXT);
    error.schema = field(result, PG_DIAG_SCHEMA_NAME);
    error.table = field(result, PG_DIAG_TABLE_NAME);
    error.column = field(result, PG_DIAG_COLUMN_NAME);
    error.datatype = field(result, PG_DIAG_DATATYPE_NAME);
    error.constraint = field(result, PG_DIAG_CONSTRAINT_NAME);
    error.source_file = field(result, PG_DIAG_SOURCE_FILE);
    error.source_line = int_field(result, PG_DIAG_SOURCE_LINE);
    error.source_function = field(result, PG_DIAG_SOURCE_FUNCTION);
  } else {
    error.severity = "ERROR";
    error.severity_code = "ERROR";
    error.message = trimmed(result != nullptr ? libpq::PQresultErrorMessage(result) : "");
    if (error.message.empty()) {
      error.message = trimmed(libpq::PQerrorMessage(connection));
    }
  }
  error.connection_lost = libpq::PQstatus(connection) == CONNECTION_BAD;
  return error;
}

} // namespace

PgFailure::PgFailure(PgError error)
  : std::runtime_error(error.message),
    m_error(std::move(error))
{
}

PgRows::PgRows(pg_result* result)
  : m_result(result, libpq::PQclear)
{
}

int
PgRows::size() const
{
  return libpq::PQntuples(m_result.get());
}

std::optional<std::string>
PgRows::get(int row, int column) const
{
  if (libpq::PQgetisnull(m_result.get(), row, column)) {
    return std::nullopt;
  }
  return std::string(libpq::PQgetvalue(m_result.get(), row, column),
                     static_cast<std::size_t>(libpq::PQgetlength(m_result.get(), row, column)));
}

std::string
PgRows::text(int row, int column) const
{
  return get(row, column).value_or("");
}

PgCancelHandle::PgCancelHandle(pg_cancel* cancel)
  : m_cancel(cancel)
{
}

PgCancelHandle::~PgCancelHandle()
{
  if (m_cancel != nullptr) {
    libpq::PQfreeCancel(m_cancel);
  }
}

void
PgCancelHandle::cancel() const
{
  if (m_cancel != nullptr) {
    char message[256];
    // Best effort: a failed cancel request leaves the query to finish.
    libpq::PQcancel(m_cancel, message, sizeof(message));
  }
}

PgSession::PgSession(const Keywords& keywords)
{
  std::vector<const char*> names;
  std::vector<const char*> values;
  for (const auto& [name, value] : keywords) {
    names.push_back(name.c_str());
    values.push_back(value.c_str());
  }
  names.push_back(nullptr);
  values.push_back(nullptr);
  m_connection = libpq::PQconnectdbParams(names.data(), values.data(), 0);
  if (m_connection == nullptr) {
    PgError error;
    error.severity = "FATAL";
    error.message = "out of memory";
    error.connection_lost = true;
    throw PgFailure(std::move(error));
  }
  if (libpq::PQstatus(m_connection) != CONNECTION_OK) {
    PgError error;
    error.severity = "FATAL";
    error.severity_code = "FATAL";
    error.message = trimmed(libpq::PQerrorMessage(m_connection));
    error.connection_lost = true;
    libpq::PQfinish(m_connection);
    m_connection = nullptr;
    throw PgFailure(std::move(error));
  }
  m_cancel = std::make_shared<PgCancelHandle>(libpq::PQgetCancel(m_connection));
}

PgSession::~PgSession()
{
  if (m_connection != nullptr) {
    libpq::PQfinish(m_connection);
  }
}

PgRows
PgSession::check(pg_result* result)
{
  const auto status = result ? libpq::PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return PgRows(result);
  }
  PgError error = error_from(m_connection, result);
  if (result != nullptr) {
    libpq::PQclear(result);
  }
  throw PgFailure(std::move(error));
}

PgRows
PgSession::exec(const std::string& sql)
{
  return check(libpq::PQexec(m_connection, sql.c_str()));
}

PgRows
PgSession::exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& parameters)
{
  std::vector<const char*> values;
  for (const auto& parameter : parameters) {
    values.push_back(parameter ? parameter->c_str() : nullptr);
  }
  return check(libpq::PQexecParams(m_connection, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
}

std::string
PgSession::literal(std::string_view value) const
{
  char* escaped = libpq::PQescapeLiteral(m_connection, value.data(), value.size());
  if (escaped == nullptr) {
    throw PgFailure(error_from(m_connection, nullptr));
  }
  std::string result(escaped);
  libpq::PQfreemem(escaped);
  return result;
}

bool
PgSession::in_transaction() const
{
  const auto status = libpq::PQtransactionStatus(m_connection);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

bool
PgSession::is_broken() const
{
  return libpq::PQstatus(m_connection) == CONNECTION_BAD;
}

std::string
quote_identifier(std::string_view name)
{
  std::string quoted = "\"";
  for (char character : name) {
    if (character == '"') {
      quoted += '"';
    }
    quoted += character;
  }
  return quoted + "\"";
}

} // namespace rastar::migrate
