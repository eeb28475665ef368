#include <rastar/seed/password_hash.hpp>

#include <rastar/util/error.hpp>
#include <rastar/util/file.hpp>

#include <crypt.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace rastar::seed {

namespace {

// crypt_data is about 32 KiB: on the heap, and wiped before it is freed,
// since it holds the password while hashing.
struct CryptData
{
  CryptData()
    : data(std::make_unique<crypt_data>())
  {
    std::memset(data.get(), 0, sizeof(crypt_data));
  }

  ~CryptData()
  {
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  }

  CryptData(const CryptData&) = delete;
  CryptData& operator=(const CryptData&) = delete;

  std::unique_ptr<crypt_data> data;
};

// A copy of the password with its terminating NUL, wiped on exit.
class PasswordCopy
{
public:
  explicit PasswordCopy(std::string_view password)
    : m_text(password)
  {
  }

  ~PasswordCopy()
  {
    OPENSSL_cleanse(m_text.data(), m_text.size());
  }

  PasswordCopy(const PasswordCopy&) = delete;
  PasswordCopy& operator=(const PasswordCopy&) = delete;

  const char*
  c_str() const
  {
    return m_text.c_str();
  }

private:
  std::string m_text;
};

} // namespace

std::string
bcrypt_hash(std::string_view password, int cost)
{
  if (cost < 4 || cost > 31) {
    throw Error(ExitCode::seed_failed, fmt::format("bcrypt cost {} is outside 4 to 31", cost));
  }
  std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
  // A null random-bytes argument makes libcrypt take its salt from the OS.
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting.data(),
                       static_cast<int>(setting.size()))
      == nullptr) {
    throw Error(ExitCode::seed_failed,
                fmt::format("libcrypt cannot make a bcrypt ($2b$) salt: {}", std::strerror(errno)));
  }
  const PasswordCopy copy(password);
  CryptData data;
  const char* hash = crypt_r(copy.c_str(), setting.data(), data.data.get());
  if (hash == nullptr || hash[0] == '*') {
    throw Error(ExitCode::seed_failed, "libcrypt refused to compute a bcrypt ($2b$) hash");
  }
  return hash;
}

bool
bcrypt_verify(std::string_view password, const std::string& hash)
{
  const PasswordCopy copy(password);
  CryptData data;
  const char* computed = crypt_r(copy.c_str(), hash.c_str(), data.data.get());
  return computed != nullptr && computed[0] != '*' && hash == computed;
}

std::optional<Secret>
read_secret(const std::string& variable, const config::EnvironmentLookup& environment)
{
  const std::string file_variable = variable + "_FILE";
  const auto direct = environment(variable);
  const auto file = environment(file_variable);
  const bool has_direct = direct && !direct->empty();
  const bool has_file = file && !file->empty();
  if (has_direct && has_file) {
    throw std::runtime_error(fmt::format("both {} and {} are set; set only one", variable, file_variable));
  }
  if (has_direct) {
    return Secret{*direct, variable};
  }
  if (!has_file) {
    return std::nullopt;
  }
  std::string error;
  auto content = util::read_file(*file, &error);
  if (!content) {
    throw std::runtime_error(fmt::format("{} names a file that cannot be read: {}", file_variable, error));
  }
  while (!content->empty() && (content->back() == '\n' || content->back() == '\r')) {
    content->pop_back();
  }
  if (content->empty()) {
    throw std::runtime_error(fmt::format("{} names {}, which is empty", file_variable, *file));
  }
  return Secret{std::move(*content), fmt::format("{} ({})", file_variable, *file)};
}

} // namespace rastar::seed
