#pragma once
// Builds the FHIR JSON the readers emit. Members are added in a fixed order
// and nothing time-dependent goes in, so the same row always gives the same
// text and a re-import is recognised by the store as unchanged.
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "mapping/source_key.hpp"

namespace fhirgw::adapters {

struct Coding {
  std::string system, code, display;
};

class ResourceDoc {
 public:
  // resourceType, id, meta (profile, controller tag, R label), identifier.
  ResourceDoc(std::string_view type, const SourceKey& source, bool confidential);
  json::Allocator& alloc() { return doc_.GetAllocator(); }
  json::Value& root() { return doc_; }
  void add(std::string_view key, json::Value v);
  void add_string(std::string_view key, std::string_view s);
  // Appends to the identifier array created by the constructor (not for a
  // QuestionnaireResponse, whose single identifier is the source key).
  void add_identifier(json::Value identifier);
  std::string text() const { return json::to_string(doc_); }
  // The finished resource, moved out (the builder is empty afterwards).
  json::Document take() { return std::move(doc_); }

 private:
  json::Document doc_;
};

json::Value str(std::string_view s, json::Allocator& a);
json::Value coding(const Coding& c, json::Allocator& a);
json::Value codeable_concept(const std::vector<Coding>& codings, std::string_view text,
                             json::Allocator& a);
json::Value reference(std::string_view type, std::string_view id, json::Allocator& a);
// {identifier: {system: ODS, value: code}}
json::Value organisation_reference(std::string_view ods_code, json::Allocator& a);
json::Value period(std::string_view start, std::string_view end, json::Allocator& a);
json::Value annotation(std::string_view text, json::Allocator& a);
// [{use: official, family, given: [first, middle], prefix: [title]}]: the
// HumanName list of a practice's patient row (absent parts left out).
json::Value official_names(std::optional<std::string_view> family, std::optional<std::string_view> first,
                           std::optional<std::string_view> middle, std::optional<std::string_view> title,
                           json::Allocator& a);

}  // namespace fhirgw::adapters

namespace fhirgw::adapters {

inline constexpr const char* kNhsVerificationExtension =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";
inline constexpr const char* kNhsVerificationSystem =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland";
// Where a number that fails Modulus 11 is kept: never under the NHS number
// system (it would match searches and identify nobody), but not lost either.
inline constexpr const char* kInvalidNhsNumberSystem =
    "https://fhir-gateway.org.uk/Id/invalid-nhs-number";
inline constexpr const char* kLastIssueDateExtension =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationStatementLastIssueDate";

// The Patient identifier for a source NHS number:
//  - passes Modulus 11 and the source says verified → nhs-number, status 01
//  - passes Modulus 11, not verified by the source   → nhs-number, status 02
//  - fails Modulus 11 → kInvalidNhsNumberSystem, no status (unverified)
json::Value nhs_number_identifier(std::string_view number, bool source_verified, json::Allocator& a);

}  // namespace fhirgw::adapters
