#include "auth/form.hpp"

#include <optional>

#include "core/url_encoding.hpp"

namespace fhirgw::auth {
namespace {

std::optional<std::string> decode(std::string_view s) { return url::decode_strict(s, true); }
std::string encode(std::string_view s) { return url::encode(s); }

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
