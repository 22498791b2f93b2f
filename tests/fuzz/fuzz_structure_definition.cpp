// Arbitrary bytes as a StructureDefinition: the differential applier and the
// finaliser must refuse bad input with an Error, never crash; a profile that
// compiles is then exercised by finalising it. The same bytes are also
// validated as a resource, which walks the element tables.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/json.hpp"
#include "validation/structure.hpp"
#include "validation/terminology.hpp"
#include "validation/validator.hpp"

namespace {

const fhirgw::validation::Validator& validator() {
  static const auto v = [] {
    auto r = fhirgw::validation::Validator::load(std::filesystem::path(FHIRGW_SOURCE_DIR) / "fhir-profiles");
    if (!r) __builtin_trap();  // the seed tree itself must load
    return std::move(r).value();
  }();
  return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fhirgw;
  const auto& v = validator();
  auto doc = json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!doc.ok()) return 0;
  auto compiled = validation::apply_differential(*doc, v.structures());
  if (compiled.ok()) {
    validation::Terminology terminology;  // empty: bindings stay unresolved, which must be an Error too
    (void)validation::finalize_structure(**compiled, v.structures(), terminology);
  }
  (void)v.validate(*doc);
  (void)v.validate_base(*doc);
  return 0;
}
