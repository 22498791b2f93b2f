#include "core/ids.hpp"
#include "core/systems.hpp"
#include "mapping/format.hpp"
#include "mapping/source_key.hpp"

namespace fhirgw::adapters {

std::optional<Format> parse_format(std::string_view s) {
  if (s == "emis") return Format::emis;
  if (s == "systmone") return Format::systmone;
  return std::nullopt;
}

std::string derived_id(std::string_view format, std::string_view organisation,
                       std::string_view table, std::string_view key) {
  std::string ns;
  ns.append(format).append("/").append(organisation).append("/").append(table);
  return ids::derived_uuid(ns, key);
}

std::string SourceKey::id() const { return derived_id(format, organisation, table, key); }

std::string SourceKey::identifier_system() const {
  return std::string(systems::kBase) + "/Id/" + format + "/" + organisation + "/" + table;
}

std::string local_code_system(std::string_view format, std::string_view organisation) {
  std::string s(systems::kBase);
  s.append("/CodeSystem/").append(format).append("-local/").append(organisation);
  return s;
}

}  // namespace fhirgw::adapters
