#include <rastar/db/prisma_schema.hpp>

#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <tuple>

// The grammar followed here is Prisma's own (psl/schema-ast, datamodel.pest):
// line-oriented blocks, `//` and `///` comments to the end of the line (PSL
// has no block comments), JSON string literals, and attributes whose
// arguments nest calls and arrays.

namespace rastar::db {

namespace {

struct Argument;

// One expression, as written and with enough structure to read strings,
// env("NAME"), lists of field names and function calls.
struct Expression
{
  enum class Kind { string, number, path, call, array };
  Kind kind = Kind::path;
  std::string text;                // as written
  std::string value;               // a string unescaped; a path, number or call name
  std::vector<Argument> arguments; // a call's arguments or an array's elements
  std::size_t offset = 0;
};

struct Argument
{
  std::string name; // empty when positional
  std::optional<Expression> value; // empty for `name:` with nothing after it
};

struct Attribute
{
  std::string name; // the path after `@` or `@@`
  std::vector<Argument> arguments;
  std::size_t offset = 0;
};

constexpr std::array<std::string_view, 9> k_scalar_types = {
  "String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes"};

bool
is_identifier_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool
is_identifier_start(char c)
{
  return is_identifier_char(c) && c != '_' && c != '-';
}

void
append_utf8(std::string& out, unsigned code_point)
{
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// The first positional argument, or the one named `name`.
const Expression*
argument(const std::vector<Argument>& arguments, std::string_view name)
{
  for (const auto& candidate : arguments) {
    if (candidate.name == name && candidate.value) {
      return &*candidate.value;
    }
  }
  for (const auto& candidate : arguments) {
    if (candidate.name.empty() && candidate.value) {
      return &*candidate.value;
    }
  }
  return nullptr;
}

class Parser
{
public:
  Parser(std::string_view text, const std::string& file_name)
    : m_text(text),
      m_file(file_name)
  {
    m_line_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        m_line_starts.push_back(i + 1);
      }
    }
  }

  PrismaSchema
  parse();

private:
  std::string_view m_text;
  std::string m_file;
  std::size_t m_pos = 0;
  std::vector<std::size_t> m_line_starts;
  PrismaSchema m_schema;
  std::map<std::string, std::size_t, std::less<>> m_declared; // block name -> offset
  std::vector<std::vector<std::size_t>> m_type_offsets;      // per model, per field

  std::pair<int, int>
  position(std::size_t offset) const
  {
    const auto next = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
    const auto line = static_cast<int>(next - m_line_starts.begin());
    return {line, static_cast<int>(offset - *(next - 1)) + 1};
  }

  [[noreturn]] void
  fail(std::size_t offset, const std::string& what) const
  {
    const auto [line, column] = position(offset);
    throw config_error(fmt::format("{}:{}:{}: {}", m_file, line, column, what));
  }

  bool
  at_end() const
  {
    return m_pos >= m_text.size();
  }

  char
  peek(std::size_t ahead = 0) const
  {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  bool
  at_line_end() const
  {
    return at_end() || peek() == '\n' || peek() == '\r';
  }

  // Spaces, tabs and a comment, up to the end of the line.
  void
  skip_spaces()
  {
    while (!at_end()) {
      if (peek() == ' ' || peek() == '\t') {
        ++m_pos;
      } else if (peek() == '/' && peek(1) == '/') {
        while (!at_line_end()) {
          ++m_pos;
        }
      } else {
        return;
      }
    }
  }

  // Spaces, comments and line ends.
  void
  skip_blank()
  {
    for (;;) {
      skip_spaces();
      if (at_end() || !at_line_end()) {
        return;
      }
      ++m_pos;
    }
  }

  std::string
  describe_here() const
  {
    if (at_end()) {
      return "the end of the file";
    }
    if (at_line_end()) {
      return "the end of the line";
    }
    auto end = m_pos + 1;
    if (is_identifier_char(peek())) {
      while (end < m_text.size() && is_identifier_char(m_text[end])) {
        ++end;
      }
    } else {
      while (end < m_text.size() && (static_cast<unsigned char>(m_text[end]) & 0xC0) == 0x80) {
        ++end;
      }
    }
    return fmt::format("`{}`", m_text.substr(m_pos, end - m_pos));
  }

  void
  expect(char wanted)
  {
    if (peek() != wanted || at_end()) {
      fail(m_pos, fmt::format("expected `{}`, found {}", wanted, describe_here()));
    }
    ++m_pos;
  }

  std::string
  identifier(std::string_view what)
  {
    if (!is_identifier_start(peek())) {
      fail(m_pos, fmt::format("expected {}, found {}", what, describe_here()));
    }
    const auto start = m_pos;
    while (is_identifier_char(peek())) {
      ++m_pos;
    }
    return std::string(m_text.substr(start, m_pos - start));
  }

  std::string
  path(std::string_view what)
  {
    auto result = identifier(what);
    while (peek() == '.' && is_identifier_start(peek(1))) {
      ++m_pos;
      result += "." + identifier(what);
    }
    return result;
  }

  std::string
  string_literal();

  Expression
  expression();

  std::vector<Argument>
  argument_list();

  Attribute
  attribute();

  void
  end_of_item(const std::string& item);

  template<typename ParseItem>
  void
  block_body(std::string_view keyword, const std::string& name, std::size_t start, ParseItem parse_item);

  void
  declare(const std::string& name, std::size_t offset);

  void
  config_block(bool is_datasource, std::size_t start);

  void
  enum_block(std::size_t start);

  void
  model_block(std::string_view keyword, std::size_t start);

  Field
  field(const std::string& model_name, std::size_t& type_offset);

  void
  resolve_types();
};

std::string
Parser::string_literal()
{
  const auto start = m_pos;
  ++m_pos;
  std::string value;
  for (;;) {
    if (at_line_end()) {
      fail(start, "unterminated string");
    }
    const char c = m_text[m_pos];
    if (c == '"') {
      ++m_pos;
      return value;
    }
    if (c != '\\') {
      value += c;
      ++m_pos;
      continue;
    }
    const auto escape = m_pos;
    const char kind = peek(1);
    m_pos += 2;
    switch (kind) {
    case '"': value += '"'; break;
    case '\\': value += '\\'; break;
    case '/': value += '/'; break;
    case 'b': value += '\b'; break;
    case 'f': value += '\f'; break;
    case 'n': value += '\n'; break;
    case 'r': value += '\r'; break;
    case 't': value += '\t'; break;
    case 'u': {
      unsigned code_point = 0;
      for (int i = 0; i < 4; ++i) {
        const char digit = peek();
        if (!std::isxdigit(static_cast<unsigned char>(digit))) {
          fail(escape, "invalid `\\u` escape in a string: four hex digits must follow");
        }
        code_point = code_point * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(digit))
                                                                ? digit - '0'
                                                                : (std::tolower(digit) - 'a' + 10));
        ++m_pos;
      }
      append_utf8(value, code_point);
      break;
    }
    default:
      if (kind == '\n' || kind == '\r' || kind == '\0') {
        fail(start, "unterminated string");
      }
      fail(escape, fmt::format("invalid escape `\\{}` in a string", kind));
    }
  }
}

Expression
Parser::expression()
{
  Expression result;
  result.offset = m_pos;
  const char c = peek();
  if (c == '"') {
    result.kind = Expression::Kind::string;
    result.value = string_literal();
  } else if (c == '[') {
    result.kind = Expression::Kind::array;
    ++m_pos;
    for (;;) {
      skip_blank();
      if (at_end() || peek() == '}') {
        fail(result.offset, "this `[` is not closed");
      }
      if (peek() == ']') {
        ++m_pos;
        break;
      }
      result.arguments.push_back({"", expression()});
      skip_blank();
      if (at_end() || peek() == '}') {
        fail(result.offset, "this `[` is not closed");
      }
      if (peek() == ',') {
        ++m_pos;
      } else if (peek() == ']') {
        ++m_pos;
        break;
      } else {
        fail(m_pos, fmt::format("expected `,` or `]`, found {}", describe_here()));
      }
    }
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    result.kind = Expression::Kind::number;
    const auto start = m_pos;
    if (c == '-') {
      ++m_pos;
    }
    if (!std::isdigit(static_cast<unsigned char>(peek()))) {
      fail(start, "expected a number after `-`");
    }
    while (std::isdigit(static_cast<unsigned char>(peek())) || (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
      ++m_pos;
    }
    result.value = std::string(m_text.substr(start, m_pos - start));
  } else if (is_identifier_start(c)) {
    result.value = path("a value");
    const auto after_path = m_pos;
    skip_spaces();
    if (peek() == '(') {
      result.kind = Expression::Kind::call;
      result.arguments = argument_list();
    } else {
      result.kind = Expression::Kind::path;
      m_pos = after_path;
    }
  } else {
    fail(m_pos, fmt::format("expected a value, found {}", describe_here()));
  }
  result.text = std::string(m_text.substr(result.offset, m_pos - result.offset));
  return result;
}

std::vector<Argument>
Parser::argument_list()
{
  const auto open = m_pos;
  ++m_pos;
  std::vector<Argument> arguments;
  for (;;) {
    skip_blank();
    // Arguments may span lines here, but never a block's end: a `}` means
    // the `(` was left open.
    if (at_end() || peek() == '}') {
      fail(open, "this `(` is not closed");
    }
    if (peek() == ')') {
      ++m_pos;
      return arguments;
    }
    Argument current;
    const auto start = m_pos;
    if (is_identifier_start(peek())) {
      auto name = identifier("an argument");
      skip_spaces();
      if (peek() == ':') {
        ++m_pos;
        current.name = std::move(name);
        skip_blank();
        if (peek() != ',' && peek() != ')') {
          current.value = expression();
        }
      } else {
        m_pos = start;
        current.value = expression();
      }
    } else {
      current.value = expression();
    }
    arguments.push_back(std::move(current));
    skip_blank();
    if (peek() == ',') {
      ++m_pos;
    } else if (peek() != ')') {
      if (at_end() || peek() == '}') {
        fail(open, "this `(` is not closed");
      }
      fail(m_pos, fmt::format("expected `,` or `)`, found {}", describe_here()));
    }
  }
}

Attribute
Parser::attribute()
{
  Attribute result;
  result.offset = m_pos;
  while (peek() == '@') {
    ++m_pos;
  }
  result.name = path("an attribute name");
  const auto after_name = m_pos;
  skip_spaces();
  if (peek() == '(') {
    result.arguments = argument_list();
  } else {
    m_pos = after_name;
  }
  return result;
}

void
Parser::end_of_item(const std::string& item)
{
  skip_spaces();
  if (!at_line_end() && peek() != '}') {
    fail(m_pos, fmt::format("unexpected {} after {}", describe_here(), item));
  }
}

template<typename ParseItem>
void
Parser::block_body(std::string_view keyword, const std::string& name, std::size_t start, ParseItem parse_item)
{
  skip_spaces();
  expect('{');
  for (;;) {
    skip_blank();
    if (at_end()) {
      fail(start, fmt::format("`{} {}` is not closed: a `}}` is missing", keyword, name));
    }
    if (peek() == '}') {
      ++m_pos;
      return;
    }
    parse_item();
  }
}

void
Parser::declare(const std::string& name, std::size_t offset)
{
  const auto [existing, inserted] = m_declared.emplace(name, offset);
  if (!inserted) {
    fail(offset, fmt::format("`{}` is defined twice (first at line {})", name, position(existing->second).first));
  }
}

void
Parser::config_block(bool is_datasource, std::size_t start)
{
  const auto keyword = is_datasource ? "datasource" : "generator";
  skip_spaces();
  const auto name = identifier(fmt::format("a name after `{}`", keyword));
  Datasource datasource;
  datasource.name = name;
  if (is_datasource && m_schema.datasource) {
    fail(start, fmt::format("a second datasource `{}`: a schema has only one", name));
  }
  bool has_provider = false;
  block_body(keyword, name, start, [&] {
    const auto key = identifier("a setting name");
    skip_spaces();
    expect('=');
    skip_spaces();
    const auto value = expression();
    end_of_item(fmt::format("`{}`", key));
    if (!is_datasource) {
      return;
    }
    if (key == "provider") {
      if (value.kind != Expression::Kind::string) {
        fail(value.offset, fmt::format("datasource `{}`: `provider` must be a string", name));
      }
      datasource.provider = value.value;
      has_provider = true;
    } else if (key == "url" || key == "directUrl") {
      DatasourceValue setting;
      if (value.kind == Expression::Kind::string) {
        setting.value = value.value;
      } else if (value.kind == Expression::Kind::call && value.value == "env" && value.arguments.size() == 1
                 && value.arguments[0].name.empty() && value.arguments[0].value
                 && value.arguments[0].value->kind == Expression::Kind::string) {
        setting.value = value.arguments[0].value->value;
        setting.from_env = true;
      } else {
        fail(value.offset, fmt::format("datasource `{}`: `{}` must be a string or env(\"NAME\")", name, key));
      }
      (key == "url" ? datasource.url : datasource.direct_url) = setting;
    } else if (key == "schemas") {
      const bool strings = value.kind == Expression::Kind::array
                           && std::all_of(value.arguments.begin(), value.arguments.end(), [](const auto& element) {
                                return element.value->kind == Expression::Kind::string;
                              });
      if (!strings) {
        fail(value.offset, fmt::format("datasource `{}`: `schemas` must be a list of strings", name));
      }
      for (const auto& element : value.arguments) {
        datasource.schemas.push_back(element.value->value);
      }
    }
  });
  if (is_datasource) {
    if (!has_provider) {
      fail(start, fmt::format("datasource `{}` has no `provider`", name));
    }
    m_schema.datasource = std::move(datasource);
  }
}

void
Parser::enum_block(std::size_t start)
{
  skip_spaces();
  Enum result;
  result.line = position(start).first;
  const auto name_offset = m_pos;
  result.name = identifier("a name after `enum`");
  result.database_name = result.name;
  declare(result.name, name_offset);
  block_body("enum", result.name, start, [&] {
    if (peek() == '@' && peek(1) == '@') {
      const auto block_attribute = attribute();
      const auto* value = argument(block_attribute.arguments, "name");
      if (block_attribute.name == "map" && value && value->kind == Expression::Kind::string) {
        result.database_name = value->value;
      } else if (block_attribute.name == "schema" && value && value->kind == Expression::Kind::string) {
        result.schema = value->value;
      }
      end_of_item(fmt::format("`@@{}`", block_attribute.name));
      return;
    }
    EnumValue value;
    value.name = identifier("an enum value");
    value.database_name = value.name;
    for (;;) {
      skip_spaces();
      if (peek() != '@') {
        break;
      }
      const auto value_attribute = attribute();
      const auto* mapped = argument(value_attribute.arguments, "name");
      if (value_attribute.name == "map" && mapped && mapped->kind == Expression::Kind::string) {
        value.database_name = mapped->value;
      }
    }
    end_of_item(fmt::format("enum value `{}.{}`", result.name, value.name));
    result.values.push_back(std::move(value));
  });
  m_schema.enums.push_back(std::move(result));
}

Field
Parser::field(const std::string& model_name, std::size_t& type_offset)
{
  Field result;
  const auto start = m_pos;
  std::tie(result.line, result.column_number) = position(start);
  result.name = identifier("a field name");
  result.column = result.name;
  skip_spaces();
  if (peek() == ':') { // the legacy `name: Type` form
    ++m_pos;
    skip_spaces();
  }
  type_offset = m_pos;
  if (!is_identifier_start(peek())) {
    fail(start, fmt::format("field `{}.{}` has no type", model_name, result.name));
  }
  result.type = identifier("a type");
  if (result.type == "Unsupported" && peek() == '(') {
    ++m_pos;
    if (peek() != '"') {
      fail(m_pos, fmt::format("expected a string in `Unsupported(…)`, found {}", describe_here()));
    }
    string_literal();
    expect(')');
    result.type = std::string(m_text.substr(type_offset, m_pos - type_offset));
    result.kind = FieldKind::unsupported;
  }
  if (peek() == '[' && peek(1) == ']') {
    result.list = true;
    m_pos += 2;
  }
  if (peek() == '?') {
    result.optional = true;
    ++m_pos;
  } else if (peek() == '!') { // legacy "required" marker
    ++m_pos;
  }
  for (;;) {
    skip_spaces();
    if (peek() != '@') {
      break;
    }
    if (peek(1) == '@') {
      fail(m_pos, fmt::format("`@@` starts a block attribute; a field attribute takes one `@` (field `{}.{}`)",
                              model_name, result.name));
    }
    const auto field_attribute = attribute();
    const auto& name = field_attribute.name;
    const auto* value = argument(field_attribute.arguments, "");
    if (name == "id") {
      result.id = true;
    } else if (name == "unique") {
      result.unique = true;
    } else if (name == "updatedAt") {
      result.updated_at = true;
    } else if (name == "ignore") {
      result.ignored = true;
    } else if (name == "map") {
      const auto* mapped = argument(field_attribute.arguments, "name");
      if (!mapped || mapped->kind != Expression::Kind::string) {
        fail(field_attribute.offset, fmt::format("field `{}.{}`: `@map` needs a string", model_name, result.name));
      }
      result.column = mapped->value;
    } else if (name == "default") {
      if (!value) {
        fail(field_attribute.offset, fmt::format("field `{}.{}`: `@default` needs a value", model_name, result.name));
      }
      DefaultValue default_value;
      default_value.expression = value->text;
      switch (value->kind) {
      case Expression::Kind::call:
        default_value.kind = DefaultValue::Kind::call;
        default_value.function = value->value;
        for (const auto& call_argument : value->arguments) {
          if (call_argument.value) {
            default_value.arguments.push_back(call_argument.name.empty()
                                                ? call_argument.value->text
                                                : call_argument.name + ": " + call_argument.value->text);
          }
        }
        break;
      case Expression::Kind::string: default_value.kind = DefaultValue::Kind::string; break;
      case Expression::Kind::number: default_value.kind = DefaultValue::Kind::number; break;
      case Expression::Kind::path: default_value.kind = DefaultValue::Kind::constant; break;
      case Expression::Kind::array: default_value.kind = DefaultValue::Kind::list; break;
      }
      if (value->kind != Expression::Kind::call) {
        default_value.value = value->kind == Expression::Kind::array ? value->text : value->value;
      }
      result.default_value = std::move(default_value);
    } else if (name == "relation") {
      if (const auto* relation_name = argument(field_attribute.arguments, "name");
          relation_name && relation_name->kind == Expression::Kind::string) {
        result.relation_name = relation_name->value;
      }
      for (const auto& named : field_attribute.arguments) {
        if (named.name == "fields" && named.value) {
          for (const auto& element : named.value->arguments) {
            result.relation_fields.push_back(element.value->value);
          }
        }
      }
    } else if (const auto dot = name.find('.'); dot != std::string::npos) {
      // `@db.VarChar(255)`: the prefix is the datasource's name.
      result.native_type = std::string(m_text.substr(field_attribute.offset + dot + 2,
                                                     m_pos - field_attribute.offset - dot - 2));
    }
  }
  end_of_item(fmt::format("field `{}.{}`", model_name, result.name));
  return result;
}

// The field names of `@@id([a, b])` or `@@unique(fields: [a, b(sort: Desc)])`.
std::vector<std::string>
field_list(const Attribute& block_attribute)
{
  std::vector<std::string> names;
  if (const auto* fields = argument(block_attribute.arguments, "fields");
      fields && fields->kind == Expression::Kind::array) {
    for (const auto& element : fields->arguments) {
      names.push_back(element.value->value);
    }
  }
  return names;
}

void
Parser::model_block(std::string_view keyword, std::size_t start)
{
  skip_spaces();
  const auto name_offset = m_pos;
  Model model;
  model.line = position(start).first;
  model.name = identifier(fmt::format("a name after `{}`", keyword));
  model.table = model.name;
  model.view = keyword == "view";
  declare(model.name, name_offset);
  skip_spaces();
  if (keyword == "type" && peek() == '=') {
    fail(start, fmt::format("type alias `{}`: Prisma no longer supports type aliases", model.name));
  }
  std::vector<std::size_t> type_offsets;
  block_body(keyword, model.name, start, [&] {
    if (peek() == '@' && peek(1) == '@') {
      const auto block_attribute = attribute();
      const auto* value = argument(block_attribute.arguments, "name");
      const auto& name = block_attribute.name;
      if ((name == "map" || name == "schema") && (!value || value->kind != Expression::Kind::string)) {
        fail(block_attribute.offset, fmt::format("`@@{}` in `{}` needs a string", name, model.name));
      }
      if (name == "map") {
        model.table = value->value;
      } else if (name == "schema") {
        model.schema = value->value;
      } else if (name == "ignore") {
        model.ignored = true;
      } else if (name == "id") {
        model.id_fields = field_list(block_attribute);
      } else if (name == "unique") {
        model.unique_fields.push_back(field_list(block_attribute));
      }
      end_of_item(fmt::format("`@@{}`", name));
      return;
    }
    std::size_t type_offset = 0;
    model.fields.push_back(field(model.name, type_offset));
    type_offsets.push_back(type_offset);
  });
  if (keyword == "type") {
    m_schema.composite_types.push_back(model.name);
    return;
  }
  m_schema.models.push_back(std::move(model));
  m_type_offsets.push_back(std::move(type_offsets));
}

void
Parser::resolve_types()
{
  for (std::size_t m = 0; m < m_schema.models.size(); ++m) {
    auto& model = m_schema.models[m];
    for (std::size_t f = 0; f < model.fields.size(); ++f) {
      auto& current = model.fields[f];
      if (current.kind == FieldKind::unsupported) {
        continue;
      }
      const auto& type = current.type;
      if (std::find(k_scalar_types.begin(), k_scalar_types.end(), type) != k_scalar_types.end()) {
        current.kind = FieldKind::scalar;
      } else if (m_schema.find_enum(type)) {
        current.kind = FieldKind::enumeration;
      } else if (m_schema.find_model(type)) {
        current.kind = FieldKind::relation;
      } else if (std::find(m_schema.composite_types.begin(), m_schema.composite_types.end(), type)
                 != m_schema.composite_types.end()) {
        current.kind = FieldKind::composite;
      } else {
        fail(m_type_offsets[m][f],
             fmt::format("field `{}.{}` has type `{}`, which is neither a built-in type, a model, an enum nor a "
                         "composite type",
                         model.name, current.name, type));
      }
    }
  }
}

PrismaSchema
Parser::parse()
{
  for (;;) {
    skip_blank();
    if (at_end()) {
      break;
    }
    const auto start = m_pos;
    if (!is_identifier_start(peek())) {
      fail(start, fmt::format("unexpected {}; expected a `model`, `enum`, `view`, `type`, `datasource` or "
                              "`generator` block",
                              describe_here()));
    }
    const auto keyword = identifier("a block");
    if (keyword == "datasource" || keyword == "generator") {
      config_block(keyword == "datasource", start);
    } else if (keyword == "enum") {
      enum_block(start);
    } else if (keyword == "model" || keyword == "view" || keyword == "type") {
      model_block(keyword, start);
    } else {
      fail(start, fmt::format("unexpected `{}`; expected a `model`, `enum`, `view`, `type`, `datasource` or "
                              "`generator` block",
                              keyword));
    }
  }
  resolve_types();
  return std::move(m_schema);
}

} // namespace

const Field*
Model::find_field(std::string_view field_name) const
{
  for (const auto& candidate : fields) {
    if (candidate.name == field_name) {
      return &candidate;
    }
  }
  return nullptr;
}

const Model*
PrismaSchema::find_model(std::string_view name) const
{
  for (const auto& candidate : models) {
    if (candidate.name == name) {
      return &candidate;
    }
  }
  return nullptr;
}

const Enum*
PrismaSchema::find_enum(std::string_view name) const
{
  for (const auto& candidate : enums) {
    if (candidate.name == name) {
      return &candidate;
    }
  }
  return nullptr;
}

PrismaSchema
parse_prisma_schema(std::string_view text, const std::string& file_name)
{
  return Parser(text, file_name).parse();
}

PrismaSchema
read_prisma_schema(const std::filesystem::path& path)
{
  std::string error;
  const auto text = util::read_file(path, &error);
  if (!text) {
    throw config_error(error);
  }
  return parse_prisma_schema(*text, path.string());
}

} // namespace rastar::db
