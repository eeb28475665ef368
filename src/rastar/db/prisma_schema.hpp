#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The parts of a Prisma schema (schema.prisma) that rastar-init needs: the
// datasource, the enums, and each model's table and columns. Not a full
// Prisma Schema Language implementation: it reads what a valid schema says
// and names the line and column of what it cannot read, but it does not
// check everything Prisma validates (relations, attribute arguments).

namespace rastar::db {

// A datasource setting written as a literal string or as env("NAME").
struct DatasourceValue
{
  std::string value; // the literal, or the variable's name
  bool from_env = false;
};

struct Datasource
{
  std::string name;     // `db` in `datasource db { … }`
  std::string provider; // "postgresql", "sqlite", …, as written
  std::optional<DatasourceValue> url;
  std::optional<DatasourceValue> direct_url;
  std::vector<std::string> schemas; // `schemas = [...]` (multiSchema)
};

struct EnumValue
{
  std::string name;
  std::string database_name; // @map, else the name
};

struct Enum
{
  std::string name;
  std::string database_name; // @@map, else the name
  std::optional<std::string> schema;
  std::vector<EnumValue> values;
  int line = 0;
};

// What a field's type refers to. Scalar, enum and Unsupported fields are
// columns of the model's table; relation fields are not.
enum class FieldKind { scalar, enumeration, relation, composite, unsupported };

// `@default(…)`: the expression as written, plus its parts for callers that
// generate values (seeds).
struct DefaultValue
{
  enum class Kind { call, string, number, constant, list };
  Kind kind = Kind::call;
  std::string expression;             // `cuid(2)`, `"guest"`, `0`, `false`, `[]`
  std::string function;               // a call's name: `cuid`, `now`, `dbgenerated`
  std::vector<std::string> arguments; // a call's arguments as written: `2`, `"gen_random_uuid()"`
  std::string value;                  // a string unescaped; a number or constant as written
};

struct Field
{
  std::string name;
  std::string type;   // `String`, `User`, `Unsupported("circle")`
  std::string column; // @map, else the name
  FieldKind kind = FieldKind::scalar;
  bool optional = false; // `?`
  bool list = false;     // `[]`
  bool id = false;
  bool unique = false;
  bool updated_at = false;
  bool ignored = false; // @ignore: left out of the client, still a column
  std::optional<DefaultValue> default_value;
  std::string native_type; // `VarChar(255)` for `@db.VarChar(255)`; empty when none
  std::optional<std::string> relation_name;  // @relation("Name") or name: "Name"
  std::vector<std::string> relation_fields;  // @relation(fields: [...])
  int line = 0;
  int column_number = 0;
};

struct Model
{
  std::string name;
  std::string table; // @@map, else the name
  std::optional<std::string> schema; // @@schema
  bool view = false;    // declared with `view`
  bool ignored = false; // @@ignore: left out of the client, still a table
  std::vector<std::string> id_fields;                  // @@id([...])
  std::vector<std::vector<std::string>> unique_fields; // one per @@unique([...])
  std::vector<Field> fields;
  int line = 0;

  // The field named `name`, or nullptr.
  const Field*
  find_field(std::string_view field_name) const;
};

struct PrismaSchema
{
  std::optional<Datasource> datasource;
  std::vector<Enum> enums;
  std::vector<Model> models; // models and views, in file order; composite types are not models
  std::vector<std::string> composite_types;

  // The model or view named `name`, or nullptr.
  const Model*
  find_model(std::string_view name) const;

  // The enum named `name`, or nullptr.
  const Enum*
  find_enum(std::string_view name) const;
};

// Parses `text`. Throws Error(config) with "`file_name`:LINE:COL: <what>" at
// the first thing it cannot read.
PrismaSchema
parse_prisma_schema(std::string_view text, const std::string& file_name);

// Reads and parses the schema at `path`; errors name `path` as given.
PrismaSchema
read_prisma_schema(const std::filesystem::path& path);

} // namespace rastar::db
