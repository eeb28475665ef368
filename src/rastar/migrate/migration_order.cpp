#include <rastar/migrate/migration_order.hpp>

#include <array>
#include <cstdint>

namespace rastar::migrate {

namespace {

// Every ASCII character that ICU's root collation gives a primary weight, in
// ICU's order (whitespace, punctuation, symbols, digits, letters), taken from
// ucol_strcoll over all of ASCII and proven equal to ICU by the unit test.
// Letters appear once, lowercase: an uppercase letter has its lowercase
// letter's primary weight and differs only at the tertiary level. The other
// control characters (U+0000–U+0008, U+000E–U+001F, U+007F) are completely
// ignorable: ICU skips them at every level.
constexpr std::string_view k_primary_order =
  "\t\n\v\f\r"
  " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
  "0123456789"
  "abcdefghijklmnopqrstuvwxyz";

constexpr std::uint32_t k_ignorable = 0;

// Primary weight per ASCII byte: 0 for ignorable, else 1 + rank in k_primary_order.
constexpr std::array<std::uint32_t, 128>
make_primary_table()
{
  std::array<std::uint32_t, 128> table{};
  for (std::size_t rank = 0; rank < k_primary_order.size(); ++rank) {
    const auto byte = static_cast<unsigned char>(k_primary_order[rank]);
    table[byte] = static_cast<std::uint32_t>(rank + 1);
    if (byte >= 'a' && byte <= 'z') {
      table[byte - 'a' + 'A'] = static_cast<std::uint32_t>(rank + 1);
    }
  }
  return table;
}

constexpr auto k_primary = make_primary_table();

// A character outside ASCII sorts after every ASCII letter, by code point.
constexpr std::uint32_t k_beyond_ascii = k_primary_order.size() + 1;

// A byte that is not valid UTF-8 sorts after every code point, by its value.
constexpr std::uint32_t k_invalid_byte = k_beyond_ascii + 0x110000;

struct CollationElement
{
  std::uint32_t primary = k_ignorable;
  bool upper = false; // tertiary: lowercase (and everything not a letter) before uppercase
};

// Decodes one UTF-8 sequence at `text[position]` and advances `position`;
// an invalid or truncated sequence yields its first byte alone.
std::uint32_t
next_code_point(std::string_view text, std::size_t& position)
{
  const auto lead = static_cast<unsigned char>(text[position]);
  int length = 0;
  std::uint32_t code_point = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code_point = lead & 0x1fu;
    minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code_point = lead & 0x0fu;
    minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code_point = lead & 0x07u;
    minimum = 0x10000;
  }
  if (length > 0 && position + static_cast<std::size_t>(length) <= text.size()) {
    bool valid = true;
    for (int i = 1; i < length && valid; ++i) {
      const auto continuation = static_cast<unsigned char>(text[position + static_cast<std::size_t>(i)]);
      valid = (continuation & 0xc0u) == 0x80u;
      code_point = (code_point << 6) | (continuation & 0x3fu);
    }
    const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (valid && code_point >= minimum && code_point <= 0x10ffff && !surrogate) {
      position += static_cast<std::size_t>(length);
      return k_beyond_ascii + code_point;
    }
  }
  ++position;
  return k_invalid_byte + lead;
}

// Walks the collation elements of a name, skipping ignorable characters.
class ElementReader
{
public:
  explicit ElementReader(std::string_view text)
    : m_text(text)
  {
  }

  // The next non-ignorable element, or false at the end of the name.
  bool
  next(CollationElement& element)
  {
    while (m_position < m_text.size()) {
      const auto byte = static_cast<unsigned char>(m_text[m_position]);
      if (byte < 0x80) {
        ++m_position;
        if (k_primary[byte] != k_ignorable) {
          element.primary = k_primary[byte];
          element.upper = byte >= 'A' && byte <= 'Z';
          return true;
        }
      } else {
        element.primary = next_code_point(m_text, m_position);
        element.upper = false;
        return true;
      }
    }
    return false;
  }

private:
  std::string_view m_text;
  std::size_t m_position = 0;
};

int
sign(bool less)
{
  return less ? -1 : 1;
}

// Compares one level over the whole of both names, as ICU does before it
// looks at the next level; a name that is a prefix of the other sorts first.
template<typename Weight>
int
compare_level(std::string_view a, std::string_view b, Weight weight)
{
  ElementReader reader_a(a);
  ElementReader reader_b(b);
  CollationElement element_a;
  CollationElement element_b;
  while (true) {
    const bool has_a = reader_a.next(element_a);
    const bool has_b = reader_b.next(element_b);
    if (!has_a || !has_b) {
      return has_a == has_b ? 0 : sign(!has_a);
    }
    const auto weight_a = weight(element_a);
    const auto weight_b = weight(element_b);
    if (weight_a != weight_b) {
      return sign(weight_a < weight_b);
    }
  }
}

} // namespace

int
compare_migration_names(std::string_view a, std::string_view b)
{
  if (const int primary = compare_level(a, b, [](const CollationElement& e) { return e.primary; });
      primary != 0) {
    return primary;
  }
  // ASCII has no secondary differences (no accents), so the tertiary level follows.
  if (const int tertiary = compare_level(a, b, [](const CollationElement& e) { return e.upper; });
      tertiary != 0) {
    return tertiary;
  }
  // Equal to ICU (names differing only in ignorable characters): byte order
  // keeps the order total, so a directory listing sorts the same every time.
  const int bytes = a.compare(b);
  return bytes == 0 ? 0 : sign(bytes < 0);
}

bool
has_non_ascii(std::string_view name)
{
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) {
      return true;
    }
  }
  return false;
}

} // namespace rastar::migrate
