#include "csv/encoding.hpp"

#include <array>
#include <cstdint>

namespace fhirgw::adapters::csv {
namespace {

// Windows-1252 0x80..0x9F; 0 marks the five bytes the code page leaves undefined.
constexpr std::array<uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string hex_byte(unsigned char b) {
  static const char* kHex = "0123456789ABCDEF";
  return std::string("0x") + kHex[b >> 4] + kHex[b & 15];
}

// Decodes one UTF-8 sequence at s[i]; returns its length, 0 if invalid.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) { cp = b; return 1; }
  size_t len;
  uint32_t min;
  if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1F; min = 0x80; }
  else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0F; min = 0x800; }
  else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07; min = 0x10000; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

std::optional<DecodeError> decode(std::string_view bytes, Encoding enc, std::string& out) {
  out.clear();
  out.reserve(bytes.size());
  if (enc == Encoding::utf8) {
    for (size_t i = 0; i < bytes.size();) {
      uint32_t cp = 0;
      size_t n = utf8_sequence(bytes, i, cp);
      if (n == 0) {
        return DecodeError{i, "invalid UTF-8 byte " + hex_byte(static_cast<unsigned char>(bytes[i]))};
      }
      out.append(bytes.substr(i, n));
      i += n;
    }
    return std::nullopt;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
    } else if (b < 0xA0) {
      uint16_t cp = kCp1252High[b - 0x80];
      if (cp == 0) {
        return DecodeError{i, "byte " + hex_byte(b) + " is undefined in Windows-1252"};
      }
      append_utf8(cp, out);
    } else {
      append_utf8(b, out);  // 0xA0..0xFF are Latin-1 code points
    }
  }
  return std::nullopt;
}

std::optional<std::string> utf8_to_cp1252(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    uint32_t cp = 0;
    size_t n = utf8_sequence(utf8, i, cp);
    if (n == 0) return std::nullopt;
    i += n;
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
      out.push_back(static_cast<char>(cp));
      continue;
    }
    bool found = false;
    for (size_t k = 0; k < kCp1252High.size(); ++k) {
      if (kCp1252High[k] != 0 && kCp1252High[k] == cp) {
        out.push_back(static_cast<char>(0x80 + k));
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
  }
  return out;
}

}  // namespace fhirgw::adapters::csv
