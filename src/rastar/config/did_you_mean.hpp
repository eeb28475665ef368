#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// "Did you mean …?" for misspelt keys and names, as git and ninja suggest.

namespace rastar::config {

// Edit distance between `a` and `b` where inserting, deleting or replacing a
// character or swapping two neighbours costs 1 (optimal string alignment), so
// `restrat` is one step from `restart`.
std::size_t
edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if one is close enough to be a likely typo
// (at most a third of the word's length, at least 1, away; case is ignored).
// Ties go to the earlier candidate.
std::optional<std::string>
did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

} // namespace rastar::config
