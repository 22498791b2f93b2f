#include "http/message.hpp"

namespace fhirgw::http {

const std::string& Request::header(std::string_view name) const {
  static const std::string empty;
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return empty;
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace fhirgw::http
