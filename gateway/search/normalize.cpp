#include "search/normalize.hpp"

namespace fhirgw::search {
namespace {

// Folding of U+00C0..U+00FF (the Latin-1 letters) to lower-case ASCII.
// nullptr = keep the character as it is (× and ÷).
const char* const kLatin1Fold[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",  // À Á Â Ã Ä Å Æ Ç
    "e", "e", "e", "e", "i", "i", "i",  "i",  // È É Ê Ë Ì Í Î Ï
    "d", "n", "o", "o", "o", "o", "o",  nullptr,  // Ð Ñ Ò Ó Ô Õ Ö ×
    "o", "u", "u", "u", "u", "y", "th", "ss",  // Ø Ù Ú Û Ü Ý Þ ß
    "a", "a", "a", "a", "a", "a", "ae", "c",  // à á â ã ä å æ ç
    "e", "e", "e", "e", "i", "i", "i",  "i",  // è é ê ë ì í î ï
    "d", "n", "o", "o", "o", "o", "o",  nullptr,  // ð ñ ò ó ô õ ö ÷
    "o", "u", "u", "u", "u", "y", "th", "y",  // ø ù ú û ü ý þ ÿ
};

}  // namespace

std::string normalize_string(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      continue;
    }
    // UTF-8 two-byte sequences C3 80..C3 BF encode U+00C0..U+00FF.
    if (c == 0xC3 && i + 1 < text.size()) {
      unsigned char next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0xBF) {
        if (const char* folded = kLatin1Fold[next - 0x80]) {
          out += folded;
          ++i;
          continue;
        }
      }
    }
    out += static_cast<char>(c);
  }
  return out;
}

}  // namespace fhirgw::search
