// The JSON body path of a write: parse, resourceType check, and the
// structural checks every write gets before profile validation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/basic_validation.hpp"
#include "core/json.hpp"
#include "rest/summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  static const auto validate = fhirgw::app::basic_validation();
  auto doc = fhirgw::json::parse(text);
  if (!doc.ok() || !doc->IsObject()) return 0;
  (void)validate(*doc);
  fhirgw::rest::redact_fields(*doc, doc->GetAllocator(), {"note", "dosage.text", "name.given"});
  (void)fhirgw::rest::shape_for_search(text, fhirgw::search::Summary::true_, {"status", "subject"});
  return 0;
}
