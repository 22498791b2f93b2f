#include "auth/form.hpp"

#include <optional>

namespace fhirgw::auth {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

Result<FormFields> parse_form(std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes) return Error::invalid("form body is too large");
  FormFields out;
  std::size_t i = 0;
  while (i <= body.size()) {
    auto amp = body.find('&', i);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view item = body.substr(i, amp - i);
    i = amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto name = decode(item.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("") : decode(item.substr(eq + 1));
    if (!name || !value) return Error::invalid("form body has a malformed percent-escape");
    if (name->empty()) return Error::invalid("form body has a field without a name");
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

Result<std::optional<std::string>> form_value(const FormFields& fields, std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [k, v] : fields) {
    if (k != name) continue;
    if (found) return Error::invalid("parameter " + std::string(name) + " is repeated", std::string(name));
    found = v;
  }
  return found;
}

std::string form_encode(const FormFields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += encode(k) + "=" + encode(v);
  }
  return out;
}

}  // namespace fhirgw::auth
