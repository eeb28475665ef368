#include <rastar/seed/value_generators.hpp>

#include <rastar/util/error.hpp>
#include <rastar/util/uuid.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace rastar::seed {

namespace {

constexpr std::string_view k_base36_digits = "0123456789abcdefghijklmnopqrstuvwxyz";

void
fill_random(unsigned char* bytes, std::size_t count)
{
  if (RAND_bytes(bytes, static_cast<int>(count)) != 1) {
    throw Error(ExitCode::internal, "OpenSSL could not produce random bytes for a seed id");
  }
}

// A uniform integer in [0, bound), by rejection so no value is favoured.
std::uint32_t
random_below(std::uint32_t bound)
{
  const std::uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  while (true) {
    std::uint32_t value = 0;
    fill_random(reinterpret_cast<unsigned char*>(&value), sizeof(value));
    if (value < limit) {
      return value % bound;
    }
  }
}

std::string
to_base36(std::uint64_t value)
{
  std::string digits;
  do {
    digits.insert(digits.begin(), k_base36_digits[value % 36]);
    value /= 36;
  } while (value != 0);
  return digits;
}

// cuid's pad(): the last `size` characters of "000000000" + text.
std::string
pad(const std::string& text, std::size_t size)
{
  const std::string padded = std::string(9, '0') + text;
  return padded.substr(padded.size() - size);
}

std::int64_t
millis(util::SystemTime time)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::int64_t
now_millis()
{
  return millis(util::now_utc());
}

std::string
hostname()
{
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) {
    return "";
  }
  return std::string(name.data());
}

// cuid v1's Node fingerprint: the pid and a sum of the host name's
// characters, two base-36 digits each.
std::string
cuid_fingerprint()
{
  const std::string host = hostname();
  std::uint64_t sum = host.size() + 36;
  for (const char c : host) {
    sum += static_cast<unsigned char>(c);
  }
  return pad(to_base36(static_cast<std::uint64_t>(getpid())), 2) + pad(to_base36(sum), 2);
}

constexpr std::uint32_t k_cuid_block = 36 * 36 * 36 * 36; // cuid's discreteValues

// `Math.floor(Math.random() * 36).toString(36)` repeated: cuid2's createEntropy.
std::string
entropy(std::size_t length)
{
  std::string result;
  while (result.size() < length) {
    result += k_base36_digits[random_below(36)];
  }
  return result;
}

// cuid2's hash(): SHA3-512 of `input` as one big-endian number in base 36,
// without its first digit (which is biased).
std::string
cuid2_hash(const std::string& input)
{
  std::array<unsigned char, 64> digest{};
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha3_512(), nullptr) != 1) {
    throw Error(ExitCode::internal, "OpenSSL could not compute SHA3-512 for a cuid2");
  }
  // Long division of the 512-bit number by 36, digit by digit.
  std::vector<unsigned char> number(digest.begin(), digest.begin() + length);
  std::string digits;
  while (std::any_of(number.begin(), number.end(), [](unsigned char byte) { return byte != 0; })) {
    unsigned remainder = 0;
    for (auto& byte : number) {
      const unsigned value = remainder * 256 + byte;
      byte = static_cast<unsigned char>(value / 36);
      remainder = value % 36;
    }
    digits.insert(digits.begin(), k_base36_digits[remainder]);
  }
  return digits.empty() ? "" : digits.substr(1);
}

const std::string&
cuid2_fingerprint()
{
  // The reference hashes the global object's keys with 32 digits of entropy;
  // a server process has the host and the pid instead.
  static const std::string fingerprint =
    cuid2_hash(hostname() + std::to_string(getpid()) + entropy(32)).substr(0, 32);
  return fingerprint;
}

std::string
format_uuid(const std::array<unsigned char, 16>& bytes)
{
  std::string hex;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      hex += '-';
    }
    hex += fmt::format("{:02x}", bytes[i]);
  }
  return hex;
}

} // namespace

std::string
cuid()
{
  // The counter starts at 0 and wraps at 36^4, as cuid's safeCounter does.
  static std::atomic<std::uint32_t> counter{0};
  const std::uint32_t count = counter.fetch_add(1) % k_cuid_block;
  static const std::string fingerprint = cuid_fingerprint();
  return "c" + to_base36(static_cast<std::uint64_t>(now_millis())) + pad(to_base36(count), 4) + fingerprint
         + pad(to_base36(random_below(k_cuid_block)), 4) + pad(to_base36(random_below(k_cuid_block)), 4);
}

std::string
cuid2(std::size_t length)
{
  // initialCountMax in the reference: the counter starts somewhere random.
  static std::atomic<std::uint32_t> counter{random_below(476782367)};
  const std::string first_letter(1, static_cast<char>('a' + random_below(26)));
  const std::string time = to_base36(static_cast<std::uint64_t>(now_millis()));
  const std::string count = to_base36(counter.fetch_add(1));
  const std::string salt = entropy(length);
  const std::string hashed = cuid2_hash(time + salt + count + cuid2_fingerprint());
  return first_letter + hashed.substr(1, length - 1);
}

std::string
uuid_v4()
{
  return util::uuid_v4();
}

std::string
uuid_v7(util::SystemTime now)
{
  std::array<unsigned char, 16> bytes{};
  fill_random(bytes.data(), bytes.size());
  const auto ms = static_cast<std::uint64_t>(millis(now));
  for (int i = 0; i < 6; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  }
  bytes[6] = static_cast<unsigned char>(0x70 | (bytes[6] & 0x0f));
  bytes[8] = static_cast<unsigned char>(0x80 | (bytes[8] & 0x3f));
  return format_uuid(bytes);
}

std::string
nanoid(std::size_t length)
{
  // nanoid's urlAlphabet; 64 symbols, so a byte's low 6 bits pick one evenly.
  constexpr std::string_view k_alphabet = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";
  static_assert(k_alphabet.size() == 64);
  std::vector<unsigned char> bytes(length);
  fill_random(bytes.data(), bytes.size());
  std::string id;
  for (const unsigned char byte : bytes) {
    id += k_alphabet[byte & 63];
  }
  return id;
}

std::string
ulid(util::SystemTime now)
{
  constexpr std::string_view k_crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  auto ms = static_cast<std::uint64_t>(millis(now));
  std::string id(26, '0');
  for (int i = 9; i >= 0; --i) {
    id[static_cast<std::size_t>(i)] = k_crockford[ms & 31];
    ms >>= 5;
  }
  std::array<unsigned char, 10> random{};
  fill_random(random.data(), random.size());
  // 80 bits, 5 at a time, most significant first.
  for (std::size_t i = 0; i < 16; ++i) {
    const std::size_t bit = i * 5;
    const unsigned pair = (static_cast<unsigned>(random[bit / 8]) << 8)
                          | (bit / 8 + 1 < random.size() ? random[bit / 8 + 1] : 0);
    id[10 + i] = k_crockford[(pair >> (11 - bit % 8)) & 31];
  }
  return id;
}

} // namespace rastar::seed
