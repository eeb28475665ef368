// `rastar-init migrate deploy|status|resolve` and `db verify|check` run as a
// real process against real SQLite files; each case checks what the binary
// printed, its exit code, and the file afterwards.

#include "cli_migrate_test_support.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>

namespace fs = std::filesystem;
using namespace rastar::test;

namespace {

// Prisma's SQLite DDL as sqlite_master keeps it (PE SC/flavour/sqlite.rs).
const std::string k_sqlite_ddl = "CREATE TABLE \"_prisma_migrations\" (\n"
                                 "    \"id\"                    TEXT PRIMARY KEY NOT NULL,\n"
                                 "    \"checksum\"              TEXT NOT NULL,\n"
                                 "    \"finished_at\"           DATETIME,\n"
                                 "    \"migration_name\"        TEXT NOT NULL,\n"
                                 "    \"logs\"                  TEXT,\n"
                                 "    \"rolled_back_at\"        DATETIME,\n"
                                 "    \"started_at\"            DATETIME NOT NULL DEFAULT current_timestamp,\n"
                                 "    \"applied_steps_count\"   INTEGER UNSIGNED NOT NULL DEFAULT 0\n"
                                 ")";

const std::string k_examples = std::string(RASTAR_SOURCE_DIR) + "/examples/rastar";

long long
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// A migrations folder and a database file in the case's directory.
struct Project
{
  fs::path migrations = fs::absolute("migrations");
  fs::path database = fs::absolute("dev.db");

  Project()
  {
    write_lock_file(migrations, "sqlite");
  }

  CommandResult
  rastar(std::vector<std::string> arguments) const
  {
    arguments.insert(arguments.end(), {"--migrations", migrations.string()});
    return run_rastar(arguments, migrate_environment("file:./dev.db"));
  }

  std::vector<std::string>
  names() const
  {
    return sqlite_rows(database, "SELECT migration_name FROM _prisma_migrations ORDER BY rowid");
  }
};

std::string
error_line(const CommandResult& result)
{
  const auto start = result.err.find("rastar-init: error: ");
  return start == std::string::npos ? "" : result.err.substr(start);
}

} // namespace

TEST_CASE("rastar-init migrate deploy, SQLite")
{
  TestDirectory directory;
  Project project;

  SUBCASE("Prisma's table byte for byte and Prisma's row: uuid, raw checksum of a CRLF file, milliseconds")
  {
    const std::string crlf = "CREATE TABLE a (x INTEGER);\r\nINSERT INTO a VALUES (1);\r\n";
    write_migration(project.migrations, "20240101000000_init", crlf);
    const auto before = now_ms();
    const auto result = project.rastar({"migrate", "deploy"});
    const auto after = now_ms();
    CHECK(result.exit_code == 0);
    CHECK(result.out == deploy_output(project.migrations, 1, {"20240101000000_init"}));
    CHECK(sqlite_rows(project.database, "SELECT sql FROM sqlite_master WHERE name = '_prisma_migrations'") ==
          std::vector<std::string>{k_sqlite_ddl});
    const auto row = sqlite_rows(project.database,
                                 "SELECT id, checksum, typeof(started_at), typeof(finished_at), logs, rolled_back_at, "
                                 "applied_steps_count, started_at, finished_at FROM _prisma_migrations");
    REQUIRE(row.size() == 1);
    std::vector<std::string> fields;
    for (std::size_t start = 0, end = 0; end != std::string::npos; start = end + 1) {
      end = row[0].find('|', start);
      fields.push_back(row[0].substr(start, end == std::string::npos ? end : end - start));
    }
    REQUIRE(fields.size() == 9);
    CHECK(is_uuid_v4(fields[0]));
    CHECK(fields[1] == sha256(crlf)); // the raw bytes, CRs included, as Prisma stores it
    CHECK(fields[1] != sha256("CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\n"));
    CHECK(fields[2] == "integer");
    CHECK(fields[3] == "integer");
    CHECK(fields[4] == "<null>");
    CHECK(fields[5] == "<null>");
    CHECK(fields[6] == "1");
    const auto started = std::stoll(fields[7]);
    const auto finished = std::stoll(fields[8]);
    CHECK(started >= before);
    CHECK(started <= finished);
    CHECK(finished <= after);
    CHECK(sqlite_rows(project.database, "SELECT x FROM a") == std::vector<std::string>{"1"});

    const auto again = project.rastar({"migrate", "deploy"});
    CHECK(again.exit_code == 0);
    CHECK(again.out == deploy_nothing_output(project.migrations, 1));
    CHECK(project.names() == std::vector<std::string>{"20240101000000_init"});
  }

  SUBCASE("localeCompare order: 20250221_library_watcher before 20250221232355_… (byte order has it after)")
  {
    write_migration(project.migrations, "20250221232355_add_path", "ALTER TABLE watcher ADD COLUMN path TEXT;");
    write_migration(project.migrations, "20250221_library_watcher", "CREATE TABLE watcher (id INTEGER);");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(result.out ==
          deploy_output(project.migrations, 2, {"20250221_library_watcher", "20250221232355_add_path"}));
    CHECK(project.names() == std::vector<std::string>{"20250221_library_watcher", "20250221232355_add_path"});
  }

  SUBCASE("a gap: an older migration missing from the database is applied after newer ones")
  {
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");
    write_migration(project.migrations, "20240301000000_c", "CREATE TABLE c (x);");
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    write_migration(project.migrations, "20240201000000_b", "CREATE TABLE b (x);");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == deploy_output(project.migrations, 3, {"20240201000000_b"}));
    CHECK(project.names() == std::vector<std::string>{"20240101000000_a", "20240301000000_c", "20240201000000_b"});
  }

  SUBCASE("a row whose migration is gone locally is ignored, with a warning; status says up to date")
  {
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");
    write_migration(project.migrations, "20240102000000_gone", "CREATE TABLE gone (x);");
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    fs::remove_all(project.migrations / "20240102000000_gone");
    write_migration(project.migrations, "20240103000000_c", "CREATE TABLE c (x);");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == deploy_output(project.migrations, 2, {"20240103000000_c"}));
    CHECK(result.err.find("rastar-init: warning: migration `20240102000000_gone` is recorded as applied but its "
                          "directory is missing from " +
                          project.migrations.string() + "; restore it from version control\n") != std::string::npos);
    const auto status = project.rastar({"migrate", "status"});
    CHECK(status.exit_code == 0);
    CHECK(status.out.ends_with("Database schema is up to date!\n"));
  }

  SUBCASE("a failed migration: P3018, then P3009 blocks; resolve --rolled-back, fix, and it is applied again")
  {
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");
    write_migration(project.migrations, "20240102000000_bad", "CREATE TABLE b (x);\nINSERT INTO nowhere VALUES (1);");
    write_migration(project.migrations, "20240103000000_c", "CREATE TABLE c (x);");
    const auto failed = project.rastar({"migrate", "deploy"});
    CHECK(failed.exit_code == 65);
    CHECK(failed.out.find("Applying migration `20240102000000_bad`\n") != std::string::npos);
    CHECK(failed.out.find("All migrations have been successfully applied") == std::string::npos);
    CHECK(error_line(failed) ==
          "rastar-init: error: P3018: A migration failed to apply. New migrations cannot be applied before the error "
          "is recovered from. Read more about how to resolve migration issues in a production database: "
          "https://pris.ly/d/migrate-resolve\n\nMigration name: 20240102000000_bad\n\nDatabase error code: 1\n\n"
          "Database error:\nno such table: nowhere\n    at 20240102000000_bad/migration.sql:2:1\n\n"
          "The migration was recorded as failed. Fix the cause, then run `rastar-init migrate resolve --rolled-back "
          "\"20240102000000_bad\"` and deploy again.\n");
    // The script was rolled back with its row; the failed row is Prisma's.
    CHECK(sqlite_rows(project.database, "SELECT name FROM sqlite_master WHERE name IN ('b', 'c')").empty());
    CHECK(sqlite_rows(project.database, "SELECT migration_name, finished_at IS NULL, rolled_back_at IS NULL, "
                                        "applied_steps_count, logs LIKE 'A migration failed to apply.%' FROM "
                                        "_prisma_migrations ORDER BY rowid") ==
          std::vector<std::string>{"20240101000000_a|0|1|1|<null>", "20240102000000_bad|1|1|0|1"});

    const auto blocked = project.rastar({"migrate", "deploy"});
    CHECK(blocked.exit_code == 65);
    const auto started = sqlite_rows(project.database,
                                     "SELECT strftime('%Y-%m-%d %H:%M:%f', started_at / 1000.0, 'unixepoch') FROM "
                                     "_prisma_migrations WHERE migration_name = '20240102000000_bad'");
    REQUIRE(started.size() == 1);
    CHECK(error_line(blocked) ==
          "rastar-init: error: P3009: migrate found failed migrations in the target database, new migrations will "
          "not be applied. Read more about how to resolve migration issues in a production database: "
          "https://pris.ly/d/migrate-resolve\nThe `20240102000000_bad` migration started at " +
            started[0] +
            " UTC failed\n\nFix the database by hand, then mark the migration with `rastar-init migrate resolve "
            "--rolled-back \"20240102000000_bad\"` (you undid it) or `--applied \"20240102000000_bad\"` (you "
            "completed it).\n");

    // Prisma's status: a pending migration wins over the failed one, which is not mentioned.
    const auto status = project.rastar({"migrate", "status"});
    CHECK(status.exit_code == 1);
    CHECK(status.out.ends_with("Following migration have not yet been applied:\n20240103000000_c\n\nTo apply "
                               "migrations in development run prisma migrate dev.\nTo apply migrations in production "
                               "run rastar-init migrate deploy (or prisma migrate deploy).\n"));
    CHECK(status.err.find("failed") == std::string::npos);

    const auto resolved = project.rastar({"migrate", "resolve", "--rolled-back", "20240102000000_bad"});
    CHECK(resolved.exit_code == 0);
    CHECK(resolved.out == "\nMigration 20240102000000_bad marked as rolled back.\n");
    CHECK(sqlite_rows(project.database, "SELECT typeof(rolled_back_at), finished_at FROM _prisma_migrations WHERE "
                                        "migration_name = '20240102000000_bad'") ==
          std::vector<std::string>{"integer|<null>"});

    write_migration(project.migrations, "20240102000000_bad", "CREATE TABLE b (x);");
    const auto fixed = project.rastar({"migrate", "deploy"});
    CHECK(fixed.exit_code == 0);
    CHECK(fixed.out == deploy_output(project.migrations, 3, {"20240102000000_bad", "20240103000000_c"}));
    CHECK(sqlite_rows(project.database, "SELECT migration_name, rolled_back_at IS NULL, finished_at IS NULL FROM "
                                        "_prisma_migrations ORDER BY rowid") ==
          std::vector<std::string>{"20240101000000_a|1|0", "20240102000000_bad|0|1", "20240102000000_bad|1|0",
                                   "20240103000000_c|1|0"});
  }

  SUBCASE("a failed row blocks even when its migration is no longer in the folder")
  {
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    sqlite_execute(project.database, "INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) "
                                     "VALUES ('x', 'y', 1734605750794, '20231201000000_elsewhere')");
    write_migration(project.migrations, "20240102000000_b", "CREATE TABLE b (x);");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result).find("The `20231201000000_elsewhere` migration started at 2024-12-19 10:55:50.794 UTC "
                                  "failed\n") != std::string::npos);
    CHECK(sqlite_rows(project.database, "SELECT name FROM sqlite_master WHERE name = 'b'").empty());
  }

  SUBCASE("a directory without migration.sql is P3015 when its turn comes; the ones before it stay applied")
  {
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");
    fs::create_directories(project.migrations / "20240102000000_empty_dir");
    write_migration(project.migrations, "20240103000000_c", "CREATE TABLE c (x);");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result) == "rastar-init: error: P3015: Could not find the migration file at " +
                                  (project.migrations / "20240102000000_empty_dir" / "migration.sql").string() +
                                  ". Please delete the directory or restore the migration file.\n");
    CHECK(project.names() == std::vector<std::string>{"20240101000000_a"});
  }

  SUBCASE("hidden directories, spaces, quotes and a name ending in .sql are migrations, named verbatim")
  {
    write_migration(project.migrations, ".hidden", "CREATE TABLE hidden (x);");
    write_migration(project.migrations, "20240101000000_new_models copy", "CREATE TABLE spaced (x);");
    write_migration(project.migrations, "20240102000000_it's \"quoted\"", "CREATE TABLE quoted (x);");
    write_migration(project.migrations, "20240103000000_init.sql", "CREATE TABLE dotted (x);");
    write_file(project.migrations / "README.md", "not a migration");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    const std::vector<std::string> expected{".hidden", "20240101000000_new_models copy",
                                            "20240102000000_it's \"quoted\"", "20240103000000_init.sql"};
    CHECK(result.out == deploy_output(project.migrations, 4, expected));
    CHECK(project.names() == expected);
    CHECK(project.rastar({"migrate", "status"}).exit_code == 0);
  }

  SUBCASE("an empty file is a migration whose checksum is SHA-256 of nothing")
  {
    write_migration(project.migrations, "20240101000000_empty", "");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(sqlite_rows(project.database, "SELECT checksum, applied_steps_count FROM _prisma_migrations") ==
          std::vector<std::string>{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|1"});
  }

  SUBCASE("a provider mismatch is P3019 and nothing is created")
  {
    write_lock_file(project.migrations, "postgresql");
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result) ==
          "rastar-init: error: P3019: The datasource provider `sqlite` specified in your schema does not match the "
          "one specified in the migration_lock.toml, `postgresql`. Please remove your current migration directory "
          "and start a new migration history with prisma migrate dev. Read more: "
          "https://pris.ly/d/migrate-provider-switch\nThe URL is a sqlite URL, but " +
            (project.migrations / "migration_lock.toml").string() +
            " holds a postgresql history. If you keep one history per provider, name both in the config: "
            "`migrations: {postgresql: <dir>, sqlite: <dir>}`, or pass --migrations.\n");
    CHECK_FALSE(fs::exists(project.database));
    CHECK(project.rastar({"migrate", "status"}).exit_code == 65);
  }

  SUBCASE("an empty or missing migrations folder: nothing to apply, the table is created, exit 0")
  {
    const auto empty = project.rastar({"migrate", "deploy"});
    CHECK(empty.exit_code == 0);
    CHECK(empty.out == deploy_nothing_output(project.migrations, 0));
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") ==
          std::vector<std::string>{"0"});
    fs::remove_all(project.migrations);
    const auto missing = project.rastar({"migrate", "deploy"});
    CHECK(missing.exit_code == 0);
    CHECK(missing.out == deploy_nothing_output(project.migrations, 0));
  }

  SUBCASE("a database with tables and no _prisma_migrations is P3005, even with no migrations")
  {
    sqlite_execute(project.database, "CREATE TABLE legacy (x)");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result) ==
          "rastar-init: error: P3005: The database schema is not empty. Read more about how to baseline an existing "
          "production database: https://pris.ly/d/migrate-baseline\nSQLite database " +
            project.database.string() +
            " has tables (legacy) but no _prisma_migrations table. If its schema already matches your migrations, "
            "mark them as applied with `rastar-init migrate resolve --applied <name>` for each one.\n");
    CHECK(sqlite_rows(project.database, "SELECT name FROM sqlite_master") == std::vector<std::string>{"legacy"});
  }

  SUBCASE("a 10 MB migration is applied whole")
  {
    std::string script = "CREATE TABLE big (x TEXT);\n";
    const std::string insert = "INSERT INTO big VALUES ('" + std::string(1000, 'x') + "');\n";
    while (script.size() < 10 * 1024 * 1024) {
      script += insert;
    }
    write_migration(project.migrations, "20240101000000_big", script);
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM big") ==
          std::vector<std::string>{std::to_string((script.size() - 27) / insert.size())});
    CHECK(sqlite_rows(project.database, "SELECT checksum FROM _prisma_migrations") ==
          std::vector<std::string>{sha256(script)});
  }
}

TEST_CASE("rastar-init migrate status, SQLite")
{
  TestDirectory directory;
  Project project;
  write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);\n");
  write_migration(project.migrations, "20240102000000_b", "CREATE TABLE b (x);\n");

  SUBCASE("a missing file: pending on stdout, exit 1, and neither the file nor its directory is created")
  {
    const auto result = run_rastar({"migrate", "status", "--migrations", project.migrations.string()},
                                   migrate_environment("file:./data/missing.db"));
    CHECK(result.exit_code == 1);
    CHECK(result.out == "\n2 migrations found in " + project.migrations.string() +
                          "\n\nFollowing migrations have not yet been applied:\n20240101000000_a\n20240102000000_b\n\n"
                          "To apply migrations in development run prisma migrate dev.\nTo apply migrations in "
                          "production run rastar-init migrate deploy (or prisma migrate deploy).\n");
    CHECK_FALSE(fs::exists("data"));

    const auto json = run_rastar({"migrate", "status", "--json", "--migrations", project.migrations.string()},
                                 migrate_environment("file:./data/missing.db"));
    CHECK(json.exit_code == 1);
    const auto parsed = nlohmann::json::parse(json.out);
    CHECK(parsed["status"] == "behind");
    CHECK(parsed["up_to_date"] == false);
    CHECK(parsed["pending"] == nlohmann::json{"20240101000000_a", "20240102000000_b"});
    CHECK(parsed["migrations_found"] == 2);
    CHECK(parsed["database"] == "SQLite database " + (directory.path() / "data" / "missing.db").string());
    CHECK_FALSE(fs::exists("data"));
  }

  SUBCASE("up to date: stdout, exit 0, and the file is not modified")
  {
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    const auto modified = fs::last_write_time(project.database);
    const auto size = fs::file_size(project.database);
    const auto result = project.rastar({"migrate", "status"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "\n2 migrations found in " + project.migrations.string() + "\n\nDatabase schema is up to date!\n");
    CHECK(result.err.find("error") == std::string::npos);
    const auto json = nlohmann::json::parse(project.rastar({"migrate", "status", "--format", "json"}).out);
    CHECK(json["status"] == "up_to_date");
    CHECK(json["up_to_date"] == true);
    CHECK(fs::last_write_time(project.database) == modified);
    CHECK(fs::file_size(project.database) == size);
    CHECK_FALSE(fs::exists(project.database.string() + "-journal"));
  }

  SUBCASE("diverged histories go to stderr, exit 1")
  {
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    fs::remove_all(project.migrations / "20240102000000_b");
    write_migration(project.migrations, "20240103000000_c", "CREATE TABLE c (x);");
    const auto result = project.rastar({"migrate", "status"});
    CHECK(result.exit_code == 1);
    CHECK(result.out == "\n2 migrations found in " + project.migrations.string() + "\n\n");
    CHECK(result.err.ends_with(
      "Your local migration history and the migrations table from your database are different:\n\n"
      "The last common migration is: 20240101000000_a\n\n"
      "The migration have not yet been applied:\n20240103000000_c\n\n"
      "The migration from the database are not found locally in " +
      project.migrations.string() + ":\n20240102000000_b\n"));
    const auto json = nlohmann::json::parse(project.rastar({"migrate", "status", "--json"}).out);
    CHECK(json["status"] == "diverged");
    CHECK(json["database_only"] == nlohmann::json{"20240102000000_b"});
    CHECK(json["last_common"] == "20240101000000_a");
  }

  SUBCASE("a database not managed by Prisma Migrate, with no local migrations: stderr, exit 1")
  {
    fs::remove_all(project.migrations / "20240101000000_a");
    fs::remove_all(project.migrations / "20240102000000_b");
    sqlite_execute(project.database, "CREATE TABLE legacy (x)");
    const auto result = project.rastar({"migrate", "status"});
    CHECK(result.exit_code == 1);
    CHECK(result.out == "\nNo migration found in " + project.migrations.string() + "\n\n");
    CHECK(result.err.ends_with("The current database is not managed by Prisma Migrate.\n\nRead more about how to "
                               "baseline an existing production database:\nhttps://pris.ly/d/migrate-baseline\n"));
  }

  SUBCASE("an edited migration is a warning on stderr; the verdict stays Prisma's")
  {
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x, y);\n");
    const auto result = project.rastar({"migrate", "status"});
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("warning: migration `20240101000000_a` was edited after it was applied (its checksum "
                          "differs)\n") != std::string::npos);
    // CRLF and LF forms of one file compare equal, as Prisma compares them.
    write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);\n");
    write_migration(project.migrations, "20240102000000_b", "CREATE TABLE b (x);\r\n");
    const auto crlf = project.rastar({"migrate", "status"});
    CHECK(crlf.exit_code == 0);
    CHECK(crlf.err.find("was edited") == std::string::npos);
  }
}

TEST_CASE("rastar-init migrate resolve, SQLite")
{
  TestDirectory directory;
  Project project;
  write_migration(project.migrations, "20240101000000_init", "CREATE TABLE legacy (x);");
  write_migration(project.migrations, "20240102000000_more", "CREATE TABLE more (x);");

  SUBCASE("--applied baselines a database with tables; deploy then applies the rest")
  {
    sqlite_execute(project.database, "CREATE TABLE legacy (x)");
    const auto before = now_ms();
    const auto baseline = project.rastar({"migrate", "resolve", "--applied", "20240101000000_init"});
    CHECK(baseline.exit_code == 0);
    CHECK(baseline.out == "\nMigration 20240101000000_init marked as applied.\n");
    const auto rows = sqlite_rows(project.database,
                                  "SELECT id, checksum, logs, started_at = finished_at, typeof(started_at), "
                                  "applied_steps_count, rolled_back_at, started_at >= " +
                                    std::to_string(before) + " FROM _prisma_migrations");
    REQUIRE(rows.size() == 1);
    CHECK(is_uuid_v4(rows[0].substr(0, 36)));
    CHECK(rows[0].substr(36) == "|" + sha256("CREATE TABLE legacy (x);") + "||1|integer|0|<null>|1");

    const auto again = project.rastar({"migrate", "resolve", "--applied", "20240101000000_init"});
    CHECK(again.exit_code == 65);
    CHECK(error_line(again) == "rastar-init: error: P3008: The migration `20240101000000_init` is already recorded "
                               "as applied in the database.\n");

    const auto deploy = project.rastar({"migrate", "deploy"});
    CHECK(deploy.exit_code == 0);
    CHECK(deploy.out == deploy_output(project.migrations, 2, {"20240102000000_more"}));
  }

  SUBCASE("P3017: --applied names a migration that is not in the folder")
  {
    const auto result = project.rastar({"migrate", "resolve", "--applied", "20240101000000"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result) ==
          "rastar-init: error: P3017: The migration 20240101000000 could not be found. Please make sure that the "
          "migration exists, and that you included the whole name of the directory. (example: "
          "\"20201207184859_initial_migration\")\n");
    // Prisma opens (and so creates) the file before it looks; nothing is written to it.
    if (fs::exists(project.database)) {
      CHECK(sqlite_rows(project.database, "SELECT count(*) FROM sqlite_master") == std::vector<std::string>{"0"});
    }
  }

  SUBCASE("P3011 and P3012 for --rolled-back")
  {
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 0);
    const auto never = project.rastar({"migrate", "resolve", "--rolled-back", "20240103000000_never"});
    CHECK(never.exit_code == 65);
    CHECK(error_line(never) ==
          "rastar-init: error: P3011: Migration `20240103000000_never` cannot be rolled back because it was never "
          "applied to the database. Hint: did you pass in the whole migration name? (example: "
          "\"20201207184859_initial_migration\")\n");
    const auto finished = project.rastar({"migrate", "resolve", "--rolled-back", "20240101000000_init"});
    CHECK(finished.exit_code == 65);
    CHECK(error_line(finished) == "rastar-init: error: P3012: Migration `20240101000000_init` cannot be rolled back "
                                  "because it is not in a failed state.\n");
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations WHERE rolled_back_at IS NOT NULL") ==
          std::vector<std::string>{"0"});
  }

  SUBCASE("--applied on a failed migration rolls its row back and records a finished one")
  {
    write_migration(project.migrations, "20240102000000_more", "CREATE TABLE more (x);\nSELECT * FROM nowhere;");
    REQUIRE(project.rastar({"migrate", "deploy"}).exit_code == 65);
    const auto result = project.rastar({"migrate", "resolve", "--applied", "20240102000000_more"});
    CHECK(result.exit_code == 0);
    CHECK(sqlite_rows(project.database, "SELECT migration_name, finished_at IS NULL, rolled_back_at IS NULL, logs "
                                        "IS NULL FROM _prisma_migrations ORDER BY rowid") ==
          std::vector<std::string>{"20240101000000_init|0|1|1", "20240102000000_more|1|0|0",
                                   "20240102000000_more|0|1|0"});
    CHECK(project.rastar({"migrate", "deploy"}).out == deploy_nothing_output(project.migrations, 2));
  }
}

TEST_CASE("rastar-init with the example schema, SQLite")
{
  TestDirectory directory;
  // The schema and its .env in a folder of their own: DATABASE_URL comes from
  // the .env beside the schema (D4) and its relative path means the working
  // directory (D7), not the schema's folder.
  fs::create_directories("prisma");
  fs::copy_file(k_examples + "/schema.prisma", "prisma/schema.prisma");
  write_file("prisma/.env", "DATABASE_URL=\"file:./rastar.db\"\n");
  const std::vector<std::string> target{"--schema", "prisma/schema.prisma", "--migrations",
                                        k_examples + "/migrations-sqlite"};
  auto with = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.end(), target.begin(), target.end());
    return arguments;
  };

  SUBCASE("db verify: 1 before, --apply migrates and verifies (0), then 0")
  {
    const auto before = run_rastar(with({"db", "verify"}), migrate_environment());
    CHECK(before.exit_code == 1);
    CHECK_FALSE(fs::exists("rastar.db"));
    const auto applied = run_rastar(with({"db", "verify", "--apply"}), migrate_environment());
    CHECK(applied.exit_code == 0);
    CHECK(fs::exists("rastar.db"));
    CHECK_FALSE(fs::exists("prisma/rastar.db"));
    CHECK(sqlite_rows("rastar.db", "SELECT migration_name FROM _prisma_migrations ORDER BY rowid") ==
          std::vector<std::string>{"20251228120000_init", "20260106093000_add_mcp_logging",
                                   "20260106141500_add_session_tracking"});
    const auto after = run_rastar(with({"db", "verify"}), migrate_environment());
    CHECK(after.exit_code == 0);
  }

  SUBCASE("db check is for PostgreSQL: a file: URL is a configuration error (78)")
  {
    const auto result = run_rastar(with({"db", "check"}), migrate_environment());
    CHECK(result.exit_code == 78);
    CHECK(error_line(result) ==
          "rastar-init: error: db check is the production check and needs a PostgreSQL URL, but the URL is a SQLite "
          "file (" +
            (directory.path() / "rastar.db").string() + "); use `rastar-init migrate status` for SQLite\n");
  }

  SUBCASE("D7: a schema-relative file that exists while the working-directory one does not is named")
  {
    sqlite_execute("prisma/rastar.db", "CREATE TABLE old (x)");
    const auto result = run_rastar(with({"migrate", "status"}), migrate_environment());
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("rastar-init: warning: file:./rastar.db is relative to the working directory and names " +
                          (directory.path() / "rastar.db").string() + ", which does not exist; " +
                          (directory.path() / "prisma" / "rastar.db").string() +
                          " (beside the schema, where the Prisma CLI looks) does") != std::string::npos);
    CHECK_FALSE(fs::exists("rastar.db"));
  }
}

TEST_CASE("rastar-init migrate, bad input, SQLite")
{
  TestDirectory directory;
  Project project;
  write_migration(project.migrations, "20240101000000_a", "CREATE TABLE a (x);");

  SUBCASE("no URL at all is a configuration error")
  {
    const auto result = run_rastar({"migrate", "deploy", "--migrations", project.migrations.string()},
                                   migrate_environment());
    CHECK(result.exit_code == 78);
    CHECK(result.out == "");
  }

  SUBCASE("bad URLs are configuration errors and create nothing")
  {
    for (const std::string url : {"file:", "mysql://u@h/db", "not a url"}) {
      CAPTURE(url);
      const auto result = run_rastar({"migrate", "deploy", "--migrations", project.migrations.string()},
                                     migrate_environment(url));
      CHECK(result.exit_code == 78);
      CHECK(error_line(result).starts_with("rastar-init: error: "));
    }
    CHECK(fs::directory_iterator(directory.path())->path().filename() == "migrations");
  }

  SUBCASE("an unreadable migration.sql is P3015")
  {
    // As root the mode bits do not stop a read: a directory named migration.sql does.
    fs::remove(project.migrations / "20240101000000_a" / "migration.sql");
    fs::create_directories(project.migrations / "20240101000000_a" / "migration.sql");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 65);
    CHECK(error_line(result).starts_with("rastar-init: error: P3015: Could not find the migration file at " +
                                         (project.migrations / "20240101000000_a" / "migration.sql").string()));
    CHECK(sqlite_rows(project.database, "SELECT count(*) FROM _prisma_migrations") == std::vector<std::string>{"0"});
  }

  SUBCASE("a database file that is not a database: a clear error, the file untouched")
  {
    write_file(project.database, "this is not an SQLite database, it is text long enough to have a header page");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code != 0);
    CHECK(result.exit_code != 70);
    CHECK(error_line(result).find(project.database.string()) != std::string::npos);
    CHECK(read_file(project.database) ==
          "this is not an SQLite database, it is text long enough to have a header page");
  }

  SUBCASE("a non-UTF-8 file is read as Node reads it: invalid bytes become U+FFFD, in the SQL and the checksum")
  {
    write_migration(project.migrations, "20240102000000_latin1", "CREATE TABLE l (x);\nINSERT INTO l VALUES ('caf\xe9');\n");
    const auto result = project.rastar({"migrate", "deploy"});
    CHECK(result.exit_code == 0);
    const std::string decoded = "CREATE TABLE l (x);\nINSERT INTO l VALUES ('caf\xef\xbf\xbd');\n";
    CHECK(sqlite_rows(project.database, "SELECT hex(x) FROM l") == std::vector<std::string>{"636166EFBFBD"});
    CHECK(sqlite_rows(project.database,
                      "SELECT checksum FROM _prisma_migrations WHERE migration_name = '20240102000000_latin1'") ==
          std::vector<std::string>{sha256(decoded)});
    CHECK(result.err.find("is not valid UTF-8") != std::string::npos);
  }
}
