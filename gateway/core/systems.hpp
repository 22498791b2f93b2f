#pragma once
// Code and identifier systems the gateway itself defines or relies on.
namespace fhirgw::systems {

inline constexpr const char* kBase = "https://fhir-gateway.org.uk";
// meta.tag: the GP practice (data controller) a resource belongs to.
inline constexpr const char* kController = "https://fhir-gateway.org.uk/CodeSystem/controller";
// meta.tag: the organisation that authored a partner write.
inline constexpr const char* kAuthorOrg = "https://fhir-gateway.org.uk/CodeSystem/author-organisation";
inline constexpr const char* kNhsNumber = "https://fhir.nhs.uk/Id/nhs-number";
inline constexpr const char* kOdsCode = "https://fhir.nhs.uk/Id/ods-organization-code";
inline constexpr const char* kConfidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
inline constexpr const char* kSnomed = "http://snomed.info/sct";
inline constexpr const char* kReadV2 = "http://read.info/readv2";
inline constexpr const char* kCtv3 = "http://read.info/ctv3";
inline constexpr const char* kDmd = "https://dmd.nhs.uk";
inline constexpr const char* kProfileBase = "https://fhir-gateway.org.uk/StructureDefinition/";
inline constexpr const char* kUkCoreBase = "https://fhir.hl7.org.uk/StructureDefinition/";

}  // namespace fhirgw::systems
