#include <rastar/migrate/migrations_directory.hpp>

#include <rastar/migrate/migration_order.hpp>
#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>
#include <rastar/util/sha256.hpp>
#include <rastar/util/utf8.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

namespace rastar::migrate {

namespace fs = std::filesystem;

MigrationsDirectory
read_migrations_directory(const fs::path& path)
{
  MigrationsDirectory result;
  result.path = path;
  std::error_code error;
  if (!fs::exists(path, error)) {
    return result; // Prisma: a missing directory is an empty history.
  }
  if (!fs::is_directory(path, error)) {
    throw config_error(fmt::format("{}: the migrations path is not a directory; point --migrations "
                                   "(or the config's `migrations`) at the folder that holds the migrations",
                                   path.string()));
  }

  fs::directory_iterator entries(path, error);
  if (error) {
    throw config_error(fmt::format("{}: cannot list the migrations directory: {}", path.string(), error.message()));
  }
  for (const auto& entry : entries) {
    // Node's Dirent.isDirectory() does not follow symbolic links: a link to a
    // directory is not a migration for Prisma, so not for us either.
    if (!entry.is_directory(error) || entry.is_symlink(error)) {
      continue;
    }
    LocalMigration migration;
    migration.name = entry.path().filename().string();
    migration.directory = entry.path();
    migration.script = util::read_file(migration.script_path(), nullptr);
    if (migration.script) {
      // Prisma runs and checksums the file as Node decodes it, so a byte that
      // is not UTF-8 becomes U+FFFD for both tools alike.
      if (auto decoded = util::replace_invalid_utf8(*migration.script)) {
        spdlog::warn("{} is not valid UTF-8: its invalid bytes are read as U+FFFD (the replacement character), as "
                     "Prisma reads them; save the file as UTF-8",
                     migration.script_path().string());
        migration.script = std::move(*decoded);
      }
    }
    result.migrations.push_back(std::move(migration));
  }
  std::sort(result.migrations.begin(), result.migrations.end(), [](const auto& a, const auto& b) {
    return compare_migration_names(a.name, b.name) < 0;
  });
  for (const auto& migration : result.migrations) {
    if (has_non_ascii(migration.name)) {
      spdlog::warn("migration `{}` has characters outside ASCII in its name; Prisma 6.6 and later may "
                   "order it differently (it uses the ICU collation of the machine it runs on)",
                   migration.name);
    }
  }

  if (auto lock_file = util::read_file(path / "migration_lock.toml", nullptr)) {
    result.lock_provider = provider_from_lock_file(*lock_file);
  }
  return result;
}

std::string
provider_from_lock_file(const std::string& content)
{
  std::istringstream lines(content);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("provider")) {
      continue;
    }
    std::string_view value = line;
    if (value.ends_with('\r')) {
      value.remove_suffix(1); // Rust's str::lines() drops the '\r' of "\r\n".
    }
    if (value.starts_with("provider = ")) {
      value.remove_prefix(std::string_view("provider = ").size());
    }
    // Prisma trims '"' only (Rust's trim_matches('"')), not spaces or '\r'.
    while (!value.empty() && value.front() == '"') {
      value.remove_prefix(1);
    }
    while (!value.empty() && value.back() == '"') {
      value.remove_suffix(1);
    }
    return std::string(value);
  }
  return "<PROVIDER NOT FOUND>";
}

void
check_provider(const MigrationsDirectory& directory, db::Provider provider)
{
  if (!directory.lock_provider) {
    return;
  }
  const auto expected = *directory.lock_provider;
  const auto actual = std::string(db::provider_name(provider));
  if (expected == actual) {
    return;
  }
  throw migration_error(fmt::format(
    "P3019: The datasource provider `{}` specified in your schema does not match the one specified in the "
    "migration_lock.toml, `{}`. Please remove your current migration directory and start a new migration "
    "history with prisma migrate dev. Read more: https://pris.ly/d/migrate-provider-switch\n"
    "The URL is a {} URL, but {} holds a {} history. If you keep one history per provider, name both in "
    "the config: `migrations: {{postgresql: <dir>, sqlite: <dir>}}`, or pass --migrations.",
    actual, expected, actual, (directory.path / "migration_lock.toml").string(), expected));
}

std::string
script_checksum(const std::string& script)
{
  return util::sha256_hex(script);
}

namespace {

std::string
replace_all(std::string text, std::string_view from, std::string_view to)
{
  std::string result;
  result.reserve(text.size());
  std::size_t position = 0;
  while (true) {
    const auto found = text.find(from, position);
    if (found == std::string::npos) {
      result.append(text, position, std::string::npos);
      return result;
    }
    result.append(text, position, found - position);
    result.append(to);
    position = found + from.size();
  }
}

// Prisma's legacy checksums printed each byte with `{:x}`, dropping leading zeros.
std::string
unpadded_hex(const std::string& padded_hex)
{
  std::string result;
  for (std::size_t i = 0; i + 1 < padded_hex.size(); i += 2) {
    if (padded_hex[i] != '0') {
      result.push_back(padded_hex[i]);
    }
    result.push_back(padded_hex[i + 1]);
  }
  return result;
}

} // namespace

bool
checksum_matches(const std::string& stored, const std::string& script)
{
  const bool legacy = !stored.empty() && stored.size() != 64;
  auto render = [legacy](const std::string& text) {
    const auto hex = util::sha256_hex(text);
    return legacy ? unpadded_hex(hex) : hex;
  };
  return stored == render(script) || stored == render(replace_all(script, "\r\n", "\n")) ||
         stored == render(replace_all(script, "\n", "\r\n"));
}

} // namespace rastar::migrate
