#pragma once
// Profile validation for the app: where fhir-profiles/ is, the loaded
// validator, the ValidateFn every API write goes through, and $validate.
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "rest/handler.hpp"
#include "rest/service.hpp"
#include "store/store.hpp"
#include "validation/validator.hpp"

namespace fhirgw::app {

// The fhir-profiles folder: the configured one, else $FHIRGW_PROFILES, else
// ./fhir-profiles, else beside the executable's parent, else the source tree
// the binary was built from.
Result<std::filesystem::path> find_profiles_dir(const std::string& configured);
Result<std::unique_ptr<validation::Validator>> load_validator(const std::string& configured);

// Structural checks, then the resource's gateway profile (Questionnaires for a
// QuestionnaireResponse are looked up in the store, then among those shipped).
rest::ValidateFn profile_validation(const validation::Validator& validator, store::Store& store);

// POST /$validate and POST /{type}/$validate: an OperationOutcome of every
// issue, judged as the resource would be if this caller wrote it (the
// gateway's stamps — controller, authorship, profile — applied to a copy).
void register_validate_operation(rest::FhirHandler& handler, const validation::Validator& validator,
                                 store::Store& store, rest::AccessControl& access);

}  // namespace fhirgw::app
