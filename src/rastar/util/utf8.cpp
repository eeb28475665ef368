#include <rastar/util/utf8.hpp>

namespace rastar::util {

namespace {

constexpr std::string_view k_replacement = "\xef\xbf\xbd";

// The length of the valid sequence at `bytes[position]`, or 0 with `consumed`
// set to the bytes that form its maximal invalid subpart (at least one).
std::size_t
valid_sequence(std::string_view bytes, std::size_t position, std::size_t& consumed)
{
  const auto lead = static_cast<unsigned char>(bytes[position]);
  consumed = 1;
  if (lead < 0x80) {
    return 1;
  }
  std::size_t needed = 0;
  unsigned char lower = 0x80;
  unsigned char upper = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    needed = 1;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    needed = 2;
    lower = lead == 0xe0 ? 0xa0 : 0x80; // no overlong forms
    upper = lead == 0xed ? 0x9f : 0xbf; // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    needed = 3;
    lower = lead == 0xf0 ? 0x90 : 0x80;
    upper = lead == 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t index = 1; index <= needed; ++index) {
    if (position + index >= bytes.size()) {
      return 0;
    }
    const auto byte = static_cast<unsigned char>(bytes[position + index]);
    if (byte < lower || byte > upper) {
      return 0; // the offending byte starts the next sequence
    }
    lower = 0x80;
    upper = 0xbf;
    consumed = index + 1;
  }
  return needed + 1;
}

} // namespace

std::optional<std::string>
replace_invalid_utf8(std::string_view bytes)
{
  std::optional<std::string> repaired;
  std::size_t copied = 0; // bytes[0, copied) are in `repaired` already
  std::size_t position = 0;
  while (position < bytes.size()) {
    std::size_t consumed = 0;
    const auto length = valid_sequence(bytes, position, consumed);
    if (length != 0) {
      position += length;
      continue;
    }
    if (!repaired) {
      repaired.emplace();
      repaired->reserve(bytes.size() + 16);
    }
    repaired->append(bytes.substr(copied, position - copied));
    repaired->append(k_replacement);
    position += consumed;
    copied = position;
  }
  if (repaired) {
    repaired->append(bytes.substr(copied));
  }
  return repaired;
}

} // namespace rastar::util
