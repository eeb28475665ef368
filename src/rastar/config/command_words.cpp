#include <rastar/config/command_words.hpp>

namespace rastar::config {

std::optional<std::vector<std::string>>
split_command_words(std::string_view text, std::string* error)
{
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      ++i;
    } else if (c == '\'') {
      const auto close = text.find('\'', i + 1);
      if (close == std::string_view::npos) {
        *error = "the single quote at character " + std::to_string(i + 1) + " is never closed";
        return std::nullopt;
      }
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      const std::size_t open = i++;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
          ++i;
        }
        word += text[i++];
      }
      if (i >= text.size()) {
        *error = "the double quote at character " + std::to_string(open + 1) + " is never closed";
        return std::nullopt;
      }
      in_word = true;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) {
        *error = "a backslash ends the command; it must be followed by the character it keeps";
        return std::nullopt;
      }
      word += text[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

} // namespace rastar::config
