#pragma once
// Coded categories for what practices only name in free text: an alert's
// category (EMIS AlertCategory, SystmOne special note type) → HL7 flag
// category; a care plan's title or category → the gateway's care plan kinds.
// The source text always stays as the CodeableConcept's text.
#include <string_view>

#include "mapping/fhir_builder.hpp"

namespace fhirgw::adapters {

inline constexpr const char* kFlagCategorySystem = "http://terminology.hl7.org/CodeSystem/flag-category";
// The gateway's shared flag codes (fhir-profiles/valuesets/CodeSystem-care-flag.json).
inline constexpr const char* kCareFlagSystem = "https://fhir-gateway.org.uk/CodeSystem/care-flag";
// SystmOne special note types by their SRMapping text ("Complex case"): the
// texts are TPP's list, the same for every practice, unlike their row ids.
inline constexpr const char* kSpecialNoteTypeSystem =
    "https://fhir-gateway.org.uk/CodeSystem/systmone-special-note-type";

// Keyword rules, first match wins (e.g. "Safeguarding" → safety, "Diet" →
// diet, "Violent patient" → behavioral, "Administrative" → admin); text that
// names no known kind, or none, is "clinical": practice alerts are clinical
// warnings unless said otherwise.
Coding flag_category(std::string_view source_text);

// "Anticipatory care plan" / "Advance care plan" / end of life → Advance care
// plan; "escalation" → Treatment escalation plan; anything else → Care plan
// (SNOMED CT record artifacts, gateway-careplan-category).
Coding care_plan_category(std::string_view title_or_category);

}  // namespace fhirgw::adapters
