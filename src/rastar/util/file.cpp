#include <rastar/util/file.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rastar::util {

std::optional<std::string>
read_file(const std::filesystem::path& path, std::string* error)
{
  // A directory opens and reads as empty: say what Node's readFile says (EISDIR).
  std::error_code kind_error;
  if (std::filesystem::is_directory(path, kind_error)) {
    if (error) {
      *error = path.string() + ": cannot read: " + std::strerror(EISDIR);
    }
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) {
      *error = path.string() + ": cannot read: " + std::strerror(errno);
    }
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    if (error) {
      *error = path.string() + ": read failed: " + std::strerror(errno);
    }
    return std::nullopt;
  }
  return std::move(content).str();
}

void
write_file_atomically(const std::filesystem::path& path, const std::string& content)
{
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) {
      throw std::runtime_error(temporary + ": cannot write: " + std::strerror(errno));
    }
  }
  std::filesystem::rename(temporary, path);
}

} // namespace rastar::util
