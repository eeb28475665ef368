// Backup names and their rotation, on real files in the case's directory.

#include "test_support.hpp"

#include <rastar/backup/backup_file_name.hpp>

#include <doctest/doctest.h>

#include <algorithm>

namespace fs = std::filesystem;
using namespace rastar;
using namespace std::chrono_literals;

namespace {

util::SystemTime
at(int seconds, int millis)
{
  // 2026-11-27T08:15:00Z plus the offsets.
  return util::SystemTime(std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::seconds(1795767300 + seconds) + std::chrono::milliseconds(millis)));
}

std::vector<std::string>
names_in(const fs::path& directory)
{
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

TEST_CASE("backup::backup_file_name")
{
  SUBCASE("database, UTC time to the millisecond, label, extension")
  {
    CHECK(backup::backup_file_name("rastar.db", at(0, 7), "20250101000000_init", ".bak") ==
          "rastar.db.20261127T081500.007Z.20250101000000_init.bak");
  }
  SUBCASE("a label is cleaned to letters, digits, _ and -, and an empty one is `manual`")
  {
    CHECK(backup::clean_label("20250101_add user.é") == "20250101_add_user___");
    CHECK(backup::backup_file_name("rastar", at(1, 999), "", ".dump") == "rastar.20261127T081501.999Z.manual.dump");
  }
  SUBCASE("names sort by time")
  {
    const auto earlier = backup::backup_file_name("a.db", at(59, 999), "z", ".bak");
    const auto later = backup::backup_file_name("a.db", at(60, 0), "a", ".bak");
    CHECK(earlier < later);
  }
}

TEST_CASE("backup::is_backup_file_name")
{
  CHECK(backup::is_backup_file_name("rastar.db.20261127T081500.007Z.20250101000000_init.bak", "rastar.db", ".bak"));
  CHECK(backup::is_backup_file_name("rastar.db.20261127T081500.007Z.manual.bak", "rastar.db", ".bak"));
  SUBCASE("another database's backups, partial files and look-alikes are not")
  {
    CHECK_FALSE(backup::is_backup_file_name("rastar.db.20261127T081500.007Z.manual.bak", "rastar", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name("other.db.20261127T081500.007Z.manual.bak", "rastar.db", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name(".rastar.db.20261127T081500.007Z.manual.bak.partial", "rastar.db", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name("rastar.db.20261127T081500Z.manual.bak", "rastar.db", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name("rastar.db.20261127T081500.007Z..bak", "rastar.db", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name("rastar.db.20261127T081500.007Z.a b.bak", "rastar.db", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name("rastar.db.20261127T081500.007Z.manual.dump", "rastar.db", ".bak"));
    CHECK_FALSE(backup::is_backup_file_name("rastar.db", "rastar.db", ".bak"));
  }
}

TEST_CASE("backup::rotate_backups")
{
  test::TestDirectory directory;
  const fs::path backups = fs::absolute("backups");
  std::vector<std::string> ours;
  for (int i = 0; i < 6; ++i) {
    ours.push_back(backup::backup_file_name("rastar.db", at(i, 0), "m" + std::to_string(5 - i), ".bak"));
    test::write_file(backups / ours.back(), "backup " + std::to_string(i));
  }
  const auto other_database = backup::backup_file_name("other.db", at(0, 0), "m", ".bak");
  test::write_file(backups / other_database, "x");
  test::write_file(backups / "notes.txt", "x");
  test::write_file(backups / ".rastar.db.20261127T081500.000Z.m9.bak.partial", "x");

  SUBCASE("keeps the newest N of this database and nothing else is touched")
  {
    const auto removed = backup::rotate_backups(backups, "rastar.db", ".bak", 2);
    REQUIRE(removed.size() == 4);
    CHECK(removed.front() == backups / ours[0]);
    CHECK(removed.back() == backups / ours[3]);
    std::vector<std::string> expected = {".rastar.db.20261127T081500.000Z.m9.bak.partial", "notes.txt",
                                         other_database, ours[4], ours[5]};
    std::sort(expected.begin(), expected.end());
    CHECK(names_in(backups) == expected);
  }
  SUBCASE("keep 0 keeps every backup")
  {
    CHECK(backup::rotate_backups(backups, "rastar.db", ".bak", 0).empty());
    CHECK(names_in(backups).size() == 9);
  }
  SUBCASE("fewer than N: nothing goes")
  {
    CHECK(backup::rotate_backups(backups, "rastar.db", ".bak", 6).empty());
    CHECK(backup::list_backups(backups, "rastar.db", ".bak").size() == 6);
  }
  SUBCASE("an absent directory has no backups")
  {
    CHECK(backup::list_backups(fs::absolute("nowhere"), "rastar.db", ".bak").empty());
  }
}
