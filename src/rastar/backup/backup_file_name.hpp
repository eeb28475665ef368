#pragma once

#include <rastar/util/time.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// How backups are named and rotated (README, "Backups"):
//
//   <prefix>.<UTC time>.<label><extension>
//   rastar.db.20261127T081500.123Z.20250101000000_init.bak
//
// The prefix is the SQLite file's name (or the PostgreSQL database's), the
// time has a fixed width, so the names of one database sort by time, and the
// label is the first pending migration (`manual` for `db backup`). Rotation
// only ever touches names of exactly this form with the same prefix and
// extension, so other files in the directory are safe.

namespace rastar::backup {

// `label` with every character but letters, digits, `_` and `-` written as
// `_`, so it fits the pattern (an empty label becomes `manual`).
std::string
clean_label(std::string_view label);

// `20261127T081500.123Z`: ISO 8601's basic form in UTC, to the millisecond.
std::string
backup_time_stamp(util::SystemTime time);

// The name of a backup taken at `time` (label cleaned with clean_label).
std::string
backup_file_name(std::string_view prefix, util::SystemTime time, std::string_view label, std::string_view extension);

// Whether `name` is a backup name built from `prefix` and `extension`.
bool
is_backup_file_name(std::string_view name, std::string_view prefix, std::string_view extension);

// The backups of `prefix` in `directory`, oldest first (an absent directory has none).
std::vector<std::filesystem::path>
list_backups(const std::filesystem::path& directory, std::string_view prefix, std::string_view extension);

// Deletes the oldest backups of `prefix` until `keep` are left (0 keeps all)
// and returns the deleted paths; one that cannot be deleted is logged as a
// warning and kept.
std::vector<std::filesystem::path>
rotate_backups(const std::filesystem::path& directory,
               std::string_view prefix,
               std::string_view extension,
               int keep);

} // namespace rastar::backup
