#include "rest/paging.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/ids.hpp"
#include "core/json.hpp"

namespace fhirgw::rest {
namespace {

std::string b64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> unb64url(std::string in) {
  for (auto& c : in) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  }
  size_t pad = (4 - in.size() % 4) % 4;
  if (pad == 3) return std::nullopt;
  in.append(pad, '=');
  std::string out(in.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  out.resize(n - pad);
  return out;
}

}  // namespace

std::string encode_cursor(const std::string& key, const std::string& client_id, const CursorState& s) {
  json::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  json::set_string(d, "q", s.query, a);
  json::set_string(d, "s", s.position.sort_value, a);
  d.AddMember("r", rapidjson::Value(static_cast<int64_t>(s.position.row)), a);
  std::string payload = b64url(json::to_string(d));
  std::string mac = ids::hmac_sha256_hex(key, client_id + "\n" + payload);
  return payload + "." + mac.substr(0, 32);
}

std::optional<CursorState> decode_cursor(const std::string& key, const std::string& client_id,
                                         const std::string& token) {
  auto dot = token.find('.');
  if (dot == std::string::npos) return std::nullopt;
  std::string payload = token.substr(0, dot), mac = token.substr(dot + 1);
  std::string expect = ids::hmac_sha256_hex(key, client_id + "\n" + payload).substr(0, 32);
  if (mac.size() != expect.size() || CRYPTO_memcmp(mac.data(), expect.data(), mac.size()) != 0)
    return std::nullopt;
  auto text = unb64url(payload);
  if (!text) return std::nullopt;
  auto d = json::parse(*text);
  if (!d.ok() || !d->IsObject()) return std::nullopt;
  auto q = json::get_string(*d, "q");
  auto sv = json::get_string(*d, "s");
  const auto* r = json::get(*d, "r");
  if (!q || !sv || !r || !r->IsInt64()) return std::nullopt;
  return CursorState{std::string(*q), {std::string(*sv), r->GetInt64()}};
}

}  // namespace fhirgw::rest
