#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// How a service's `command` written as one string (without `shell: true`)
// becomes argv: split like a simple shell splits words, but with no
// expansions, globbing, pipes or redirections, so what you read is what runs.

namespace rastar::config {

// Splits `text` on spaces, tabs and newlines. 'single quotes' keep everything
// literally; "double quotes" keep everything but `\"` and `\\`; outside quotes
// a backslash keeps the next character. `''` gives an empty word. Returns
// nullopt with `error` set when a quote is left open or a backslash ends the text.
std::optional<std::vector<std::string>>
split_command_words(std::string_view text, std::string* error);

} // namespace rastar::config
