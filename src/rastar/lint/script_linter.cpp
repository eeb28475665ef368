#include <rastar/lint/script_linter.hpp>

#include <algorithm>

namespace rastar::lint {

std::unique_ptr<ScriptLinter>
make_script_linter(db::Provider provider)
{
  return provider == db::Provider::sqlite ? make_sqlite_linter() : make_postgres_linter();
}

void
line_and_column(std::string_view text, std::size_t offset, int& line, int& column)
{
  offset = std::min(offset, text.size());
  const auto before = text.substr(0, offset);
  line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const auto newline = before.rfind('\n');
  column = static_cast<int>(newline == std::string_view::npos ? offset : offset - newline - 1) + 1;
}

} // namespace rastar::lint
