#include "test_support.hpp"

#include <rastar/db/prisma_schema.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

using namespace rastar;
using db::FieldKind;

namespace {

db::PrismaSchema
parse(const std::string& text)
{
  return db::parse_prisma_schema(text, "schema.prisma");
}

const db::Field&
field(const db::PrismaSchema& schema, const std::string& model, const std::string& name)
{
  const auto* found_model = schema.find_model(model);
  REQUIRE(found_model);
  const auto* found = found_model->find_field(name);
  REQUIRE(found);
  return *found;
}

} // namespace

TEST_CASE("db::read_prisma_schema, the Rastar example")
{
  const auto schema = db::read_prisma_schema(std::string(RASTAR_SOURCE_DIR) + "/examples/rastar/schema.prisma");

  REQUIRE(schema.datasource);
  CHECK(schema.datasource->name == "db");
  CHECK(schema.datasource->provider == "postgresql");
  REQUIRE(schema.datasource->url);
  CHECK(schema.datasource->url->value == "DATABASE_URL");
  CHECK(schema.datasource->url->from_env);
  CHECK_FALSE(schema.datasource->direct_url);

  std::vector<std::string> names;
  std::vector<std::string> tables;
  for (const auto& model : schema.models) {
    names.push_back(model.name);
    tables.push_back(model.table);
  }
  CHECK(names == std::vector<std::string>{"User", "AdminUser", "Pack", "Purchase", "McpLog", "Session"});
  CHECK(tables == std::vector<std::string>{"users", "AdminUser", "Pack", "Purchase", "mcp_logs", "sessions"});

  const auto& telegram_id = field(schema, "User", "telegramId");
  CHECK(telegram_id.type == "BigInt");
  CHECK(telegram_id.kind == FieldKind::scalar);
  CHECK(telegram_id.column == "telegram_id");
  CHECK(telegram_id.unique);
  CHECK_FALSE(telegram_id.optional);

  const auto& user_id = field(schema, "User", "id");
  CHECK(user_id.id);
  REQUIRE(user_id.default_value);
  CHECK(user_id.default_value->kind == db::DefaultValue::Kind::call);
  CHECK(user_id.default_value->function == "autoincrement");
  CHECK(user_id.default_value->expression == "autoincrement()");

  const auto& purchases = field(schema, "User", "purchases");
  CHECK(purchases.kind == FieldKind::relation);
  CHECK(purchases.list);

  const auto& admin_id = field(schema, "AdminUser", "id");
  REQUIRE(admin_id.default_value);
  CHECK(admin_id.default_value->function == "cuid");
  CHECK(admin_id.default_value->arguments.empty());
  CHECK(field(schema, "AdminUser", "updatedAt").updated_at);
  const auto& role = field(schema, "AdminUser", "role");
  REQUIRE(role.default_value);
  CHECK(role.default_value->kind == db::DefaultValue::Kind::string);
  CHECK(role.default_value->value == "admin");
  CHECK(role.default_value->expression == "\"admin\"");

  const auto& is_default = field(schema, "Pack", "isDefault");
  REQUIRE(is_default.default_value);
  CHECK(is_default.default_value->kind == db::DefaultValue::Kind::constant);
  CHECK(is_default.default_value->value == "false");
  CHECK(field(schema, "Pack", "description").optional);

  const auto& mcp_user = field(schema, "McpLog", "user");
  CHECK(mcp_user.kind == FieldKind::relation);
  CHECK(mcp_user.optional);
  CHECK(mcp_user.relation_fields == std::vector<std::string>{"userId"});
  CHECK(field(schema, "Session", "id").default_value->function == "uuid");
  CHECK(field(schema, "Session", "lastActivityAt").column == "last_activity_at");
  CHECK(field(schema, "Session", "lastActivityAt").line == 101);
}

TEST_CASE("db::parse_prisma_schema")
{
  SUBCASE("comments, doc comments and strings that contain // and escapes")
  {
    const auto schema = parse("/// The database\n"
                              "datasource db { // trailing\n"
                              "  // a comment line\n"
                              "  provider  = \"sqlite\" // sqlite in development\n"
                              "  url       = \"file:./dev.db // not a comment \\\"quoted\\\" \\\\ \\u00e9\\n\"\n"
                              "  directUrl = env(\"DIRECT_URL\")\n"
                              "}\n"
                              "\n"
                              "model Note {\r\n"
                              "  id   Int    @id // the key\r\n"
                              "  /// shown to users\r\n"
                              "  text String @default(\"a } b // c\")\r\n"
                              "}\r\n");
    REQUIRE(schema.datasource);
    CHECK(schema.datasource->provider == "sqlite");
    CHECK(schema.datasource->url->value == "file:./dev.db // not a comment \"quoted\" \\ \xc3\xa9\n");
    CHECK_FALSE(schema.datasource->url->from_env);
    CHECK(schema.datasource->direct_url->value == "DIRECT_URL");
    CHECK(schema.datasource->direct_url->from_env);
    const auto& text = field(schema, "Note", "text");
    CHECK(text.default_value->value == "a } b // c");
    CHECK(text.line == 12);
    CHECK(text.column_number == 3);
  }

  SUBCASE("attributes with nested calls, arrays and named arguments")
  {
    const auto schema = parse(
      "model Post {\n"
      "  id        String   @id @default(dbgenerated(\"gen_random_uuid()\")) @db.Uuid\n"
      "  slug      String   @db.VarChar(255) @unique(map: \"post_slug\", length: 100)\n"
      "  key       String   @default(cuid(2))\n"
      "  key7      String   @default(uuid(7))\n"
      "  short     String   @default(nanoid(10))\n"
      "  sortable  String   @default(ulid())\n"
      "  at        DateTime @default(now(), map: \"post_at_default\")\n"
      "  tags      String[] @default([])\n"
      "  score     Float    @default(-1.5)\n"
      "  title     String   @map(name: \"post_title\")\n"
      "  authorId  Int\n"
      "  author    Author   @relation(\"Writes\", fields: [authorId], references: [id], onDelete: Cascade)\n"
      "\n"
      "  @@unique(fields: [slug, authorId], name: \"slug_author\")\n"
      "  @@index([authorId, at(sort: Desc)], map: \"post_author_at\")\n"
      "  @@map(\"posts\")\n"
      "}\n"
      "model Author {\n"
      "  id    Int    @default(autoincrement())\n"
      "  org   String\n"
      "  posts Post[] @relation(\"Writes\")\n"
      "  @@id([id, org])\n"
      "}\n");
    const auto& id = field(schema, "Post", "id");
    CHECK(id.default_value->function == "dbgenerated");
    CHECK(id.default_value->arguments == std::vector<std::string>{"\"gen_random_uuid()\""});
    CHECK(id.native_type == "Uuid");
    const auto& slug = field(schema, "Post", "slug");
    CHECK(slug.native_type == "VarChar(255)");
    CHECK(slug.unique);
    CHECK(field(schema, "Post", "key").default_value->expression == "cuid(2)");
    CHECK(field(schema, "Post", "key").default_value->arguments == std::vector<std::string>{"2"});
    CHECK(field(schema, "Post", "key7").default_value->expression == "uuid(7)");
    CHECK(field(schema, "Post", "short").default_value->function == "nanoid");
    CHECK(field(schema, "Post", "sortable").default_value->function == "ulid");
    CHECK(field(schema, "Post", "at").default_value->expression == "now()");
    const auto& tags = field(schema, "Post", "tags");
    CHECK(tags.list);
    CHECK(tags.default_value->kind == db::DefaultValue::Kind::list);
    CHECK(tags.default_value->value == "[]");
    CHECK(field(schema, "Post", "score").default_value->kind == db::DefaultValue::Kind::number);
    CHECK(field(schema, "Post", "score").default_value->value == "-1.5");
    CHECK(field(schema, "Post", "title").column == "post_title");
    const auto& author = field(schema, "Post", "author");
    CHECK(author.relation_name == "Writes");
    CHECK(author.relation_fields == std::vector<std::string>{"authorId"});
    const auto* post = schema.find_model("Post");
    CHECK(post->table == "posts");
    CHECK(post->unique_fields == std::vector<std::vector<std::string>>{{"slug", "authorId"}});
    const auto* author_model = schema.find_model("Author");
    CHECK(author_model->id_fields == std::vector<std::string>{"id", "org"});
    CHECK(field(schema, "Author", "posts").relation_name == "Writes");
  }

  SUBCASE("enums, with @map and @@map, make enum fields")
  {
    const auto schema = parse("enum Role {\n"
                              "  USER\n"
                              "  ADMIN @map(\"admin\") // mapped\n"
                              "  @@map(\"role\")\n"
                              "  @@schema(\"auth\")\n"
                              "}\n"
                              "model Account {\n"
                              "  id   Int  @id\n"
                              "  role Role @default(USER)\n"
                              "  @@schema(\"auth\")\n"
                              "}\n");
    REQUIRE(schema.enums.size() == 1);
    const auto& role_enum = schema.enums[0];
    CHECK(role_enum.name == "Role");
    CHECK(role_enum.database_name == "role");
    CHECK(role_enum.schema == "auth");
    REQUIRE(role_enum.values.size() == 2);
    CHECK(role_enum.values[0].database_name == "USER");
    CHECK(role_enum.values[1].name == "ADMIN");
    CHECK(role_enum.values[1].database_name == "admin");
    const auto& role = field(schema, "Account", "role");
    CHECK(role.kind == FieldKind::enumeration);
    CHECK(role.default_value->kind == db::DefaultValue::Kind::constant);
    CHECK(role.default_value->value == "USER");
    CHECK(schema.find_model("Account")->schema == "auth");
  }

  SUBCASE("datasource schemas, generators, views, ignored models and fields, Unsupported, composite types")
  {
    const auto schema = parse("generator client {\n"
                              "  provider        = \"prisma-client-js\"\n"
                              "  previewFeatures = [\"views\", \"multiSchema\"]\n"
                              "  output          = \"../generated/{client}\"\n"
                              "}\n"
                              "datasource db {\n"
                              "  provider = \"postgresql\"\n"
                              "  url      = \"postgresql://localhost/app\"\n"
                              "  schemas  = [\"public\", \"auth\"]\n"
                              "}\n"
                              "view Totals {\n"
                              "  id    Int @unique\n"
                              "  total Int\n"
                              "}\n"
                              "model Legacy {\n"
                              "  code   String                  @ignore\n"
                              "  area   Unsupported(\"circle\")?\n"
                              "  @@ignore\n"
                              "}\n"
                              "type Address {\n"
                              "  street String\n"
                              "}\n");
    CHECK(schema.datasource->schemas == std::vector<std::string>{"public", "auth"});
    CHECK(schema.datasource->url->value == "postgresql://localhost/app");
    REQUIRE(schema.models.size() == 2);
    CHECK(schema.models[0].view);
    CHECK(schema.models[1].ignored);
    CHECK(field(schema, "Legacy", "code").ignored);
    const auto& area = field(schema, "Legacy", "area");
    CHECK(area.kind == FieldKind::unsupported);
    CHECK(area.type == "Unsupported(\"circle\")");
    CHECK(area.optional);
    CHECK(schema.composite_types == std::vector<std::string>{"Address"});
  }
}

TEST_CASE("db::parse_prisma_schema, errors")
{
  const auto fails_with = [](const std::string& text, const std::string& message) {
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(parse(text), message.c_str(), Error);
    try {
      parse(text);
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::config);
    }
  };

  SUBCASE("unterminated string")
  {
    fails_with("datasource db {\n  provider = \"postgresql\n}\n", "schema.prisma:2:14: unterminated string");
  }
  SUBCASE("invalid escape")
  {
    fails_with("datasource db {\n  provider = \"a\\qb\"\n}\n", "schema.prisma:2:16: invalid escape `\\q` in a string");
  }
  SUBCASE("unknown block keyword")
  {
    fails_with("\nmodle User {\n}\n",
               "schema.prisma:2:1: unexpected `modle`; expected a `model`, `enum`, `view`, `type`, `datasource` or "
               "`generator` block");
  }
  SUBCASE("a block that is never closed")
  {
    fails_with("model User {\n  id Int @id\n", "schema.prisma:1:1: `model User` is not closed: a `}` is missing");
  }
  SUBCASE("a field without a type")
  {
    fails_with("model User {\n  id Int @id\n  email @unique\n}\n", "schema.prisma:3:3: field `User.email` has no type");
  }
  SUBCASE("a type that names nothing")
  {
    fails_with("model User {\n  id   Int  @id\n  team Team\n}\n",
               "schema.prisma:3:8: field `User.team` has type `Team`, which is neither a built-in type, a model, an "
               "enum nor a composite type");
  }
  SUBCASE("two blocks with one name")
  {
    fails_with("model User {\n  id Int @id\n}\n\nenum User {\n  A\n}\n",
               "schema.prisma:5:6: `User` is defined twice (first at line 1)");
  }
  SUBCASE("a datasource without provider, or with a url that is neither a string nor env()")
  {
    fails_with("datasource db {\n  url = env(\"DATABASE_URL\")\n}\n",
               "schema.prisma:1:1: datasource `db` has no `provider`");
    fails_with("datasource db {\n  provider = \"sqlite\"\n  url = 5432\n}\n",
               "schema.prisma:3:9: datasource `db`: `url` must be a string or env(\"NAME\")");
    fails_with("datasource db {\n  provider = \"sqlite\"\n  url = env(NAME)\n}\n",
               "schema.prisma:3:9: datasource `db`: `url` must be a string or env(\"NAME\")");
  }
  SUBCASE("unbalanced parentheses and brackets")
  {
    fails_with("model User {\n  id String @id @default(cuid(\n}\n", "schema.prisma:2:30: this `(` is not closed");
    fails_with("model User {\n  id Int @id\n  @@index([id}\n}\n",
               "schema.prisma:3:11: this `[` is not closed");
  }
  SUBCASE("something after a field")
  {
    fails_with("model User {\n  id Int @id Int\n}\n", "schema.prisma:2:14: unexpected `Int` after field `User.id`");
  }
  SUBCASE("a file that cannot be read names the path")
  {
    test::TestDirectory directory;
    CHECK_THROWS_WITH_AS(db::read_prisma_schema("prisma/missing.prisma"),
                         "prisma/missing.prisma: cannot read: No such file or directory", Error);
  }
}
