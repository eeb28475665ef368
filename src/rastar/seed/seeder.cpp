#include <rastar/seed/seeder.hpp>

#include <rastar/config/did_you_mean.hpp>
#include <rastar/migrate/pg_session.hpp>
#include <rastar/seed/field_values.hpp>
#include <rastar/seed/password_hash.hpp>
#include <rastar/seed/seed_connection.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>
#include <rastar/util/signals.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace rastar::seed {

namespace {

[[noreturn]] void
fail(const SeedSpec& spec, const std::string& where, const std::string& message)
{
  throw Error(ExitCode::seed_failed, fmt::format("Seed \"{}\" failed: {}{}. Nothing of this seed was written.",
                                                 spec.name, where.empty() ? "" : where + ": ", message));
}

std::string
signal_name(int signal_number)
{
  const char* abbreviation = sigabbrev_np(signal_number);
  return abbreviation ? fmt::format("SIG{}", abbreviation) : fmt::format("signal {}", signal_number);
}

[[noreturn]] void
cancelled(const SeedSpec& spec, int signal_number)
{
  throw Error(static_cast<ExitCode>(exit_code_for_signal(signal_number)),
              fmt::format("Seed \"{}\" was cancelled by {} and rolled back: nothing of it was written.", spec.name,
                          signal_name(signal_number)));
}

// "a, b and c" for a list in a sentence.
std::string
listing(const std::vector<std::string>& items)
{
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    text += i == 0 ? "" : (i + 1 == items.size() ? " and " : ", ");
    text += items[i];
  }
  return text;
}

std::string
suggestion(const std::string& word, const std::vector<std::string>& candidates, const std::string& otherwise)
{
  if (const auto close = config::did_you_mean(word, candidates)) {
    return fmt::format("; did you mean \"{}\"?", *close);
  }
  return candidates.empty() ? "" : fmt::format("; {} {}", otherwise, listing(candidates));
}

const db::Model&
find_model(const SeedSpec& spec, const db::PrismaSchema& schema, const std::string& schema_name)
{
  std::vector<std::string> names;
  std::vector<std::string> tables;
  for (const auto& model : schema.models) {
    if (model.view) {
      continue;
    }
    if ((!spec.model.empty() && model.name == spec.model) || (spec.model.empty() && model.table == spec.table)) {
      return model;
    }
    names.push_back(model.name);
    tables.push_back(model.table);
  }
  if (!spec.model.empty()) {
    fail(spec, "model",
         fmt::format("{} has no model \"{}\"{}", schema_name, spec.model,
                     suggestion(spec.model, names, "its models are")));
  }
  fail(spec, "table",
       fmt::format("no model of {} maps to table \"{}\"{}", schema_name, spec.table,
                   suggestion(spec.table, tables, "its tables are")));
}

bool
is_column(const db::Field& field)
{
  return field.kind == db::FieldKind::scalar || field.kind == db::FieldKind::enumeration
         || field.kind == db::FieldKind::unsupported;
}

// One column the INSERT writes.
struct PlannedColumn
{
  std::string where;               // `values.email`, or `field createdAt` for a generated value
  const db::Field* field = nullptr;
  SqlParameter parameter;
  const SeedValue* bcrypt = nullptr; // hashed once the row is known to be missing
};

class TableSeed
{
public:
  TableSeed(const SeedSpec& spec, const db::PrismaSchema& schema, const SeedOptions& options, db::Provider provider)
    : m_spec(spec),
      m_schema(schema),
      m_options(options),
      m_format{provider, options.sqlite_timestamps},
      m_schema_name(options.schema_path.empty() ? "schema.prisma" : options.schema_path.string()),
      m_model(find_model(spec, schema, m_schema_name))
  {
  }

  SeedReport
  run(SeedConnection& connection, const std::string& database)
  {
    plan();
    SeedReport report{m_spec.name, SeedOutcome::inserted, m_model.table, key_text()};
    connection.begin();
    try {
      check_catalog(connection, database);
      if (connection.execute(select_sql(connection), key_parameters()) > 0) {
        connection.rollback();
        report.outcome = SeedOutcome::already_there;
        return report;
      }
      hash_passwords();
      if (connection.execute(insert_sql(connection), insert_parameters()) == 0) {
        // Written by someone else (an app) since the SELECT: theirs stays.
        connection.rollback();
        report.outcome = SeedOutcome::already_there;
        return report;
      }
      connection.commit();
    } catch (const SqlFailure& failure) {
      connection.rollback();
      if (failure.cancel_signal() != 0) {
        cancelled(m_spec, failure.cancel_signal());
      }
      fail(m_spec, "", fmt::format("{} refused the row for table \"{}\": {}", database, m_model.table,
                                   failure.what()));
    } catch (...) {
      connection.rollback();
      throw;
    }
    return report;
  }

private:
  void
  plan()
  {
    const auto now = util::now_utc();
    for (const auto& [name, value] : m_spec.values) {
      const std::string where = "values." + name;
      const db::Field* field = m_model.find_field(name);
      if (field == nullptr) {
        unknown_field(where, name);
      }
      check_field_kind(where, *field);
      PlannedColumn column{where, field, {}, nullptr};
      switch (value.kind) {
      case SeedValue::Kind::null:
        if (!field->optional) {
          fail(m_spec, where,
               fmt::format("is null, but field {} of model {} is required ({}, not {}?)", name, m_model.name,
                           field->type, field->type));
        }
        break;
      case SeedValue::Kind::bcrypt_env:
        if (field->type != "String") {
          fail(m_spec, where, fmt::format("a bcrypt hash is a String, but field {} is {}", name, field->type));
        }
        column.bcrypt = &value;
        break;
      case SeedValue::Kind::literal:
        if (!value.unset_variables.empty()) {
          fail(m_spec, where,
               fmt::format("variable {} is not set; set it, or give a default with ${{{}:-value}}",
                           value.unset_variables.front(), value.unset_variables.front()));
        }
        try {
          column.parameter = typed_value(*field, value.text, m_schema, m_format);
        } catch (const ValueError& error) {
          fail(m_spec, where, error.what());
        }
        break;
      }
      m_columns.push_back(std::move(column));
    }
    for (const auto& field : m_model.fields) {
      if (!is_column(field) || given(field.name)) {
        continue;
      }
      if (auto generated = client_default(field, now, m_format)) {
        m_columns.push_back(PlannedColumn{"field " + field.name, &field, std::move(*generated), nullptr});
      } else if (!field.optional && !field.default_value && field.kind != db::FieldKind::unsupported) {
        fail(m_spec, "values",
             fmt::format("field {} of model {} is required ({}) and has no default; give it a value", field.name,
                         m_model.name, field.type));
      }
    }
  }

  bool
  given(const std::string& name) const
  {
    return std::any_of(m_spec.values.begin(), m_spec.values.end(),
                       [&name](const auto& entry) { return entry.first == name; });
  }

  [[noreturn]] void
  unknown_field(const std::string& where, const std::string& name) const
  {
    std::vector<std::string> names;
    for (const auto& field : m_model.fields) {
      if (is_column(field) && field.column == name && field.name != name) {
        fail(m_spec, where,
             fmt::format("\"{}\" is the column of field {}; write the field's name, as the apps' code does",
                         name, field.name));
      }
      names.push_back(field.name);
    }
    fail(m_spec, where,
         fmt::format("model {} has no field \"{}\"{}", m_model.name, name,
                     suggestion(name, names, "its fields are")));
  }

  void
  check_field_kind(const std::string& where, const db::Field& field) const
  {
    if (field.kind == db::FieldKind::relation) {
      const std::string foreign_keys = listing(field.relation_fields);
      fail(m_spec, where,
           fmt::format("{} is a relation to {}; set its foreign key{} instead", field.name, field.type,
                       foreign_keys.empty() ? " on the other model" : " field " + foreign_keys));
    }
    if (field.kind == db::FieldKind::composite || field.kind == db::FieldKind::unsupported || field.list) {
      fail(m_spec, where,
           fmt::format("field {} ({}{}) cannot be seeded from the config; use an sql: seed", field.name, field.type,
                       field.list ? "[]" : ""));
    }
  }

  void
  check_catalog(SeedConnection& connection, const std::string& database) const
  {
    const auto columns = connection.columns(m_model.table);
    if (!columns) {
      fail(m_spec, m_spec.model.empty() ? "table" : "model",
           fmt::format("table \"{}\" (model {}) does not exist in {}; apply the migrations first (rastar-init "
                       "migrate deploy)",
                       m_model.table, m_model.name, database));
    }
    for (const auto& column : m_columns) {
      if (std::find(columns->begin(), columns->end(), column.field->column) == columns->end()) {
        fail(m_spec, column.where,
             fmt::format("column \"{}\" of table \"{}\" does not exist in {}; apply the migration that adds it, or "
                         "correct {}",
                         column.field->column, m_model.table, database, m_schema_name));
      }
    }
    // ON CONFLICT also keeps an app's concurrent insert, but only a unique
    // index on exactly the key's columns can be named there.
    auto key_columns = this->key_columns();
    std::sort(key_columns.begin(), key_columns.end());
    for (auto unique : connection.unique_keys(m_model.table)) {
      std::sort(unique.begin(), unique.end());
      if (unique == key_columns) {
        m_on_conflict = true;
      }
    }
  }

  const PlannedColumn&
  column_for(const std::string& field_name) const
  {
    return *std::find_if(m_columns.begin(), m_columns.end(),
                         [&field_name](const auto& column) { return column.field->name == field_name; });
  }

  std::vector<std::string>
  key_columns() const
  {
    std::vector<std::string> columns;
    for (const auto& name : m_spec.key) {
      columns.push_back(column_for(name).field->column);
    }
    return columns;
  }

  std::vector<SqlParameter>
  key_parameters() const
  {
    std::vector<SqlParameter> parameters;
    for (const auto& name : m_spec.key) {
      parameters.push_back(column_for(name).parameter);
    }
    return parameters;
  }

  std::string
  key_text() const
  {
    std::vector<std::string> parts;
    for (const auto& [name, value] : m_spec.values) {
      if (std::find(m_spec.key.begin(), m_spec.key.end(), name) != m_spec.key.end()) {
        parts.push_back(fmt::format("{} = {}", name, value.text));
      }
    }
    return fmt::format("{}", fmt::join(parts, ", "));
  }

  std::string
  select_sql(const SeedConnection& connection) const
  {
    std::string sql = fmt::format("SELECT 1 FROM {} WHERE ", migrate::quote_identifier(m_model.table));
    const auto columns = key_columns();
    for (std::size_t i = 0; i < columns.size(); ++i) {
      sql += fmt::format("{}{} = {}", i == 0 ? "" : " AND ", migrate::quote_identifier(columns[i]),
                         connection.placeholder(i + 1));
    }
    return sql + " LIMIT 1";
  }

  std::string
  insert_sql(const SeedConnection& connection) const
  {
    std::vector<std::string> names;
    std::vector<std::string> placeholders;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
      names.push_back(migrate::quote_identifier(m_columns[i].field->column));
      placeholders.push_back(connection.placeholder(i + 1));
    }
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ({})", migrate::quote_identifier(m_model.table),
                                  fmt::join(names, ", "), fmt::join(placeholders, ", "));
    if (m_on_conflict) {
      std::vector<std::string> key;
      for (const auto& column : key_columns()) {
        key.push_back(migrate::quote_identifier(column));
      }
      sql += fmt::format(" ON CONFLICT ({}) DO NOTHING", fmt::join(key, ", "));
    }
    return sql + " RETURNING 1";
  }

  std::vector<SqlParameter>
  insert_parameters() const
  {
    std::vector<SqlParameter> parameters;
    for (const auto& column : m_columns) {
      parameters.push_back(column.parameter);
    }
    return parameters;
  }

  // Only now, with the row known to be missing: an existing admin needs no
  // password, so its secret may be gone from the environment.
  void
  hash_passwords()
  {
    for (auto& column : m_columns) {
      if (column.bcrypt == nullptr) {
        continue;
      }
      const std::string& variable = column.bcrypt->variable;
      std::optional<Secret> secret;
      try {
        secret = read_secret(variable, m_options.environment);
      } catch (const std::runtime_error& error) {
        fail(m_spec, column.where, error.what());
      }
      if (!secret) {
        fail(m_spec, column.where,
             fmt::format("neither {} nor {}_FILE is set; set one of them ({}_FILE names a file that holds the "
                         "password, as Docker secrets do)",
                         variable, variable, variable));
      }
      spdlog::debug("Seed \"{}\": hashing the password from {} with bcrypt, cost {}", m_spec.name, secret->origin,
                    column.bcrypt->cost);
      column.parameter = SqlParameter{SqlParameter::Kind::text, bcrypt_hash(secret->value, column.bcrypt->cost), 0, 0};
      std::fill(secret->value.begin(), secret->value.end(), '\0');
    }
  }

  const SeedSpec& m_spec;
  const db::PrismaSchema& m_schema;
  const SeedOptions& m_options;
  ValueFormat m_format;
  std::string m_schema_name;
  const db::Model& m_model;
  std::vector<PlannedColumn> m_columns;
  mutable bool m_on_conflict = false;
};

SeedReport
run_sql_seed(const SeedSpec& spec, SeedConnection& connection, const std::string& database)
{
  SeedReport report{spec.name, SeedOutcome::ran, spec.script.string(), ""};
  std::string error;
  const auto script = util::read_file(spec.script, &error);
  if (!script) {
    fail(spec, "sql", error);
  }
  if (const auto control = connection.transaction_control_in(*script); !control.empty()) {
    fail(spec, "sql",
         fmt::format("{} controls transactions itself ({}); rastar-init runs an sql seed in one transaction of its "
                     "own, so remove that statement",
                     spec.script.string(), control));
  }
  connection.begin();
  std::string stage = "unless";
  try {
    if (connection.execute(spec.unless, {}) > 0) {
      connection.rollback();
      report.outcome = SeedOutcome::already_there;
      return report;
    }
    stage = "sql";
    connection.run_script(*script);
    connection.commit();
  } catch (const SqlFailure& failure) {
    connection.rollback();
    if (failure.cancel_signal() != 0) {
      cancelled(spec, failure.cancel_signal());
    }
    fail(spec, stage,
         stage == "unless" ? fmt::format("the query failed on {}: {}", database, failure.what())
                           : fmt::format("{} failed on {}: {}", spec.script.string(), database, failure.what()));
  } catch (...) {
    connection.rollback();
    throw;
  }
  return report;
}

} // namespace

std::string_view
outcome_name(SeedOutcome outcome)
{
  switch (outcome) {
  case SeedOutcome::inserted: return "inserted";
  case SeedOutcome::already_there: return "already there";
  case SeedOutcome::ran: return "ran";
  }
  return "?";
}

SeedResult
run_seeds(const std::vector<SeedSpec>& seeds,
          const db::PrismaSchema& schema,
          migrate::MigrationStore& store,
          const SeedOptions& options)
{
  SeedResult result;
  if (seeds.empty()) {
    return result;
  }
  auto connection = seed_connection(store);
  const std::string database = store.describe();
  for (const auto& spec : seeds) {
    // D2: a signal between two seeds stops before the next one starts.
    if (const int signal_number = util::SignalWatcher::instance().cancel_signal(); signal_number != 0) {
      cancelled(spec, signal_number);
    }
    SeedReport report = spec.kind == SeedSpec::Kind::sql
                          ? run_sql_seed(spec, *connection, database)
                          : TableSeed(spec, schema, options, connection->provider()).run(*connection, database);
    if (spec.kind == SeedSpec::Kind::sql) {
      spdlog::info("Seed \"{}\": {} ({})", spec.name,
                   report.outcome == SeedOutcome::ran ? "ran" : "already there, its unless query returned a row",
                   report.target);
    } else {
      spdlog::info("Seed \"{}\": {} (table \"{}\", {})", spec.name, outcome_name(report.outcome), report.target,
                   report.key);
    }
    result.seeds.push_back(std::move(report));
  }
  return result;
}

db::PrismaSchema
schema_for_seeds(const std::vector<SeedSpec>& seeds,
                 const std::optional<std::filesystem::path>& schema_path,
                 const std::filesystem::path& config_path)
{
  const bool needs_schema = std::any_of(seeds.begin(), seeds.end(), [](const SeedSpec& spec) {
    return spec.kind == SeedSpec::Kind::table;
  });
  if (!needs_schema) {
    return {};
  }
  if (!schema_path) {
    throw config_error(fmt::format("the seeds of {} name models, so they need schema.prisma; set `schema` in the "
                                   "config or pass --schema",
                                   config_path.string()));
  }
  return db::read_prisma_schema(*schema_path);
}

} // namespace rastar::seed
