#pragma once
// Byte encodings of practice extracts. Structural CSV characters are ASCII in
// both encodings, so records are split on raw bytes and each field is decoded
// afterwards; a bad byte is then an error of exactly one field.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::adapters::csv {

enum class Encoding { utf8, cp1252 };

struct DecodeError {
  size_t offset = 0;  // byte offset inside the input
  std::string message;
};

// Validates UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF) and copies it, or
// converts Windows-1252 to UTF-8. Never replaces a bad byte.
std::optional<DecodeError> decode(std::string_view bytes, Encoding enc, std::string& out);

// UTF-8 → Windows-1252 for writers of SystmOne-style files; nullopt when a
// character has no cp1252 byte or the input is not valid UTF-8.
std::optional<std::string> utf8_to_cp1252(std::string_view utf8);

}  // namespace fhirgw::adapters::csv
