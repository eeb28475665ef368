#include <rastar/config/seed_section.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace rastar::config {

namespace {

bool
is_variable_name(const std::string& name)
{
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

seed::SeedValue
read_bcrypt(const YamlValue& value)
{
  const auto map = value.map({"bcrypt_env", "cost"});
  seed::SeedValue result;
  result.kind = seed::SeedValue::Kind::bcrypt_env;
  const auto variable = map.get("bcrypt_env");
  if (!variable) {
    value.fail("a map value must be {bcrypt_env: VARIABLE}, naming the variable that holds the password");
  }
  // Read as written: "${ADMIN_PASSWORD}" would put the password itself here.
  result.variable = variable->raw_string();
  if (!is_variable_name(result.variable)) {
    variable->fail(fmt::format("\"{}\" is not a variable name; name the variable that holds the password "
                               "(bcrypt_env: ADMIN_PASSWORD), not its value, so the password never passes through "
                               "the config",
                               printable(result.variable)));
  }
  result.cost = seed::k_default_bcrypt_cost;
  if (const auto cost = map.get("cost")) {
    result.cost = static_cast<int>(cost->integer(4, 31));
  }
  return result;
}

seed::SeedValue
read_value(const YamlValue& value)
{
  seed::SeedValue result;
  if (value.is_null()) {
    result.kind = seed::SeedValue::Kind::null;
  } else if (value.is_scalar()) {
    auto expansion = value.expansion();
    result.text = std::move(expansion.text);
    result.unset_variables = std::move(expansion.unset_variables);
  } else if (value.is_map()) {
    result = read_bcrypt(value);
  } else {
    value.fail_type("a value, null, or {bcrypt_env: VARIABLE}");
  }
  return result;
}

std::vector<std::string>
read_key(const YamlValue& value)
{
  std::vector<std::string> key;
  if (value.is_scalar()) {
    key.push_back(value.string());
  } else {
    for (const auto& item : value.sequence()) {
      key.push_back(item.string());
    }
  }
  if (key.empty()) {
    value.fail("names no field; list the fields that say the row is already there, e.g. key: [email]");
  }
  return key;
}

seed::SeedSpec
read_table_seed(const std::string& name, const YamlMap& map)
{
  seed::SeedSpec spec;
  spec.name = name;
  spec.kind = seed::SeedSpec::Kind::table;
  if (const auto unless = map.get("unless")) {
    unless->fail("goes with sql: only; a table seed says \"already there\" with its key");
  }
  const auto model = map.get("model");
  const auto table = map.get("table");
  if (model && table) {
    table->fail("give model: or table:, not both");
  }
  if (!model && !table) {
    map.self().fail("names no model; write model: ModelName (or table: table_name), or sql: FILE with unless: QUERY");
  }
  if (model) {
    spec.model = model->string();
  } else {
    spec.table = table->string();
  }
  if ((model && spec.model.empty()) || (table && spec.table.empty())) {
    (model ? *model : *table).fail("must not be empty");
  }
  const auto key = map.get("key");
  if (!key) {
    map.self().fail("has no key; list the fields that say the row is already there, e.g. key: [email]");
  }
  spec.key = read_key(*key);
  const auto values = map.get("values");
  if (!values || values->is_null()) {
    map.self().fail("has no values; give at least the key's fields under values:");
  }
  for (auto& [field, value] : values->entries()) {
    spec.values.emplace_back(field, read_value(value));
  }
  for (const auto& field : spec.key) {
    const auto found = std::find_if(spec.values.begin(), spec.values.end(),
                                    [&field](const auto& entry) { return entry.first == field; });
    if (found == spec.values.end()) {
      key->fail(fmt::format("key field \"{}\" has no value; give it under values:", field));
    }
    if (found->second.kind == seed::SeedValue::Kind::bcrypt_env) {
      key->fail(fmt::format("key field \"{}\" is a bcrypt hash, which is salted and never the same twice; key "
                            "the seed on another field",
                            field));
    }
    if (found->second.kind == seed::SeedValue::Kind::null) {
      key->fail(fmt::format("key field \"{}\" is null; a key needs a value to look the row up by", field));
    }
  }
  return spec;
}

seed::SeedSpec
read_sql_seed(const std::string& name, const YamlMap& map, const std::filesystem::path& base_directory)
{
  seed::SeedSpec spec;
  spec.name = name;
  spec.kind = seed::SeedSpec::Kind::sql;
  for (const char* other : {"model", "table", "key", "values"}) {
    if (const auto value = map.get(other)) {
      value->fail("does not go with sql:; an sql seed has only sql: and unless:");
    }
  }
  const auto sql = map.get("sql");
  const std::string path = sql->string();
  if (path.empty()) {
    sql->fail("must not be empty");
  }
  spec.script = (base_directory / path).lexically_normal();
  const auto unless = map.get("unless");
  if (!unless) {
    map.self().fail("has sql: but no unless:; give a query that returns a row once the script's work is there "
                    "(e.g. unless: SELECT 1 FROM \"Pack\" WHERE slug = 'vip'), so it runs only once");
  }
  spec.unless = unless->string();
  if (spec.unless.find_first_not_of(" \t\r\n") == std::string::npos) {
    unless->fail("must be a query that returns a row once the script's work is there");
  }
  return spec;
}

} // namespace

std::vector<seed::SeedSpec>
read_seeds(const YamlValue& seeds, const std::filesystem::path& base_directory)
{
  std::vector<seed::SeedSpec> result;
  for (const auto& [name, value] : seeds.entries()) {
    const auto map = value.map({"model", "table", "key", "values", "sql", "unless"});
    if (map.get("sql")) {
      result.push_back(read_sql_seed(name, map, base_directory));
    } else {
      result.push_back(read_table_seed(name, map));
    }
  }
  return result;
}

} // namespace rastar::config
