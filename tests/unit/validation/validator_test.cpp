// Validation of resources against the gateway profiles, one check type at a
// time, each asserting the issue's expression path and code.
#include <rapidjson/pointer.h>

#include <thread>

#include "validation_fixture.hpp"

namespace fhirgw::validation {
namespace {

using namespace testing;

// A fixture with edits applied through JSON pointers.
json::Document edited(const std::string& fixture_name, std::initializer_list<std::pair<const char*, const char*>> sets,
                      std::initializer_list<const char*> removals = {}) {
  json::Document d = fixture(fixture_name);
  for (const auto& [ptr, json_text] : sets) {
    json::Document v;
    v.Parse(json_text);
    EXPECT_FALSE(v.HasParseError()) << json_text;
    rapidjson::Pointer(ptr).Set(d, json::Value(v, d.GetAllocator()));
  }
  for (const char* ptr : removals) EXPECT_TRUE(rapidjson::Pointer(ptr).Erase(d)) << ptr;
  return d;
}

bool has_issue(const std::vector<Issue>& issues, std::string_view expr, std::string_view code,
               Severity sev = Severity::error) {
  for (const auto& i : issues)
    if (i.expression == expr && i.code == code && i.severity == sev) return true;
  return false;
}

// ------------------------------------------------------------- valid examples

TEST(Validator, ValidFixturesPassTheirProfilesAndTheBase) {
  for (const char* name : {"patient-valid.json", "careplan-valid.json", "flag-valid.json", "medicationstatement-valid.json",
                           "consent-valid.json", "questionnaireresponse-valid.json"}) {
    SCOPED_TRACE(name);
    auto d = fixture(name);
    auto issues = validator().validate(d);
    EXPECT_TRUE(issues.empty()) << describe(issues);
    EXPECT_NO_ERRORS(validator().validate_base(d));
    EXPECT_TRUE(validator().validate_or_error(d).ok());
  }
}

TEST(Validator, InvalidFixturesFailWithTheExpectedPath) {
  struct Case { const char* file; const char* expr; const char* code; };
  for (const auto& c : {Case{"patient-invalid-nhs-number.json", "Patient.identifier[0].value", "invariant"},
                        Case{"careplan-invalid-subject.json", "CarePlan.subject.reference", "invalid"},
                        Case{"flag-invalid-no-category.json", "Flag.category", "required"},
                        Case{"medicationstatement-invalid-not-dmd.json", "MedicationStatement.medicationCodeableConcept", "value"},
                        Case{"consent-invalid-provision-type.json", "Consent.provision.type", "code-invalid"}}) {
    SCOPED_TRACE(c.file);
    EXPECT_ONE_ERROR(validator().validate(fixture(c.file)), c.expr, c.code);
  }
}

TEST(Validator, ProfileOnlyRulesDoNotApplyToTheBase) {
  // Flag.category is 0..* in R4; the gateway profile makes it 1..1.
  EXPECT_NO_ERRORS(validator().validate_base(fixture("flag-invalid-no-category.json")));
  EXPECT_NO_ERRORS(validator().validate(fixture("flag-invalid-no-category.json"),
                                        "http://hl7.org/fhir/StructureDefinition/Flag"));
}

// ------------------------------------------------------------- structure

TEST(Validator, UnknownElements) {
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/nickname", "\"Millie\""}})), "Patient.nickname",
                   "structure");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/name/0/nick", "\"Millie\""}})),
                   "Patient.name[0].nick", "structure");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/activity/0/detail/colour", "\"red\""}})),
                   "CarePlan.activity[0].detail.colour", "structure");
}

TEST(Validator, ArrayVersusSingleValue) {
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/name", R"({"family":"Hartley"})"}})),
                   "Patient.name", "structure");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/gender", R"(["female"])"}})), "Patient.gender",
                   "structure");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/address", "[]"}})), "Patient.address",
                   "structure");
}

TEST(Validator, ObjectsAndEmptiness) {
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/period", "\"2025\""}})), "CarePlan.period",
                   "structure");
  // ele-1: an element must have a value or children.
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/note/0/text", "\"x\""}, {"/note/0", "{}"}})),
                   "CarePlan.note[0]", "invalid");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/birthDate", "null"}})), "Patient.birthDate",
                   "structure");
}

TEST(Validator, PrimitiveFormats) {
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/birthDate", "\"14/03/1957\""}})),
                   "Patient.birthDate", "value");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/active", "\"yes\""}})), "Patient.active",
                   "value");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/id", "\"bad_id\""}})), "Patient.id", "value");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/created", "\"2025-01-15T11:02:00\""}})),
                   "CarePlan.created", "value");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/meta/lastUpdated", "\"2025-01-15\""}})),
                   "Patient.meta.lastUpdated", "value");
  EXPECT_ONE_ERROR(validator().validate(edited("medicationstatement-valid.json",
                                               {{"/dosage/0/doseAndRate/0/doseQuantity/value", "\"2\""}})),
                   "MedicationStatement.dosage[0].doseAndRate[0].doseQuantity.value", "value");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/identifier/1/system", "\"not a uri\""}})),
                   "Patient.identifier[1].system", "value");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/name/0/given/0", "\"\""}})),
                   "Patient.name[0].given[0]", "value");
}

TEST(Validator, PrimitiveExtensions) {
  // "_birthDate" carries extensions of a primitive and, alone, counts as the element being present.
  auto d = edited("patient-valid.json",
                  {{"/_birthDate", R"({"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1957-03-14T08:00:00+00:00"}]})"}});
  EXPECT_NO_ERRORS(validator().validate(d));
  auto aligned = edited("patient-valid.json", {{"/name/0/given", R"(["Amelia", null])"},
                                               {"/name/0/_given", R"([null, {"extension":[{"url":"http://example.org/x","valueString":"y"}]}])"}});
  EXPECT_NO_ERRORS(validator().validate(aligned));
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/_active", "\"x\""}})), "Patient.active",
                   "structure");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/_name", "{}"}})), "Patient.name", "structure");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/_birthDate", R"({"colour":"red"})"}})),
                   "Patient.birthDate.colour", "structure");
}

TEST(Validator, ResourceLevel) {
  json::Document d = parse(R"({"resourceType":"Spaceship","id":"x"})");
  auto issues = validator().validate(d);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].code, "not-supported");
  EXPECT_EQ(validator().validate(parse(R"({"id":"x"})"))[0].code, "structure");
  EXPECT_EQ(validator().validate(parse("[1,2]"))[0].code, "structure");
  // A profile for another type.
  auto flag = fixture("flag-valid.json");
  EXPECT_ONE_ERROR(validator().validate(flag, "https://fhir-gateway.org.uk/StructureDefinition/Gateway-Patient"), "Patient",
                   "invalid");
  EXPECT_EQ(validator().validate(flag, "https://example.org/StructureDefinition/unknown")[0].code, "not-supported");
}

// ------------------------------------------------------------- cardinality

TEST(Validator, Cardinality) {
  // Base R4 minimum (Flag.status 1..1) and profile minimum (CarePlan.title).
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {}, {"/status"})), "Flag.status", "required");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {}, {"/title"})), "CarePlan.title", "required");
  // Profile maximum: Flag.category 1..1 (R4 0..*).
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {{"/category/1", R"({"text":"second"})"}})),
                   "Flag.category", "structure");
  // A required element deep in the profile: Flag.period.start.
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {{"/period", R"({"end":"2026-01-01"})"}})),
                   "Flag.period.start", "required");
  // Inside a backbone element: Patient.communication.language is 1..1 in R4.
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/communication", R"([{"preferred":true}])"}})),
                   "Patient.communication[0].language", "required");
}

TEST(Validator, ChoiceTypes) {
  EXPECT_NO_ERRORS(validator().validate(
      edited("medicationstatement-valid.json", {{"/effectiveDateTime", "\"2024-06-01\""}}, {"/effectivePeriod"})));
  EXPECT_ONE_ERROR(validator().validate(edited("medicationstatement-valid.json", {{"/effectiveDateTime", "\"2024-06-01\""}})),
                   "MedicationStatement.effective[x]", "structure");
  auto text_date = validator().validate(edited("medicationstatement-valid.json", {{"/effectiveString", "\"June\""}},
                                                {"/effectivePeriod"}));
  EXPECT_EQ(errors(text_date).size(), 2u) << describe(text_date);
  EXPECT_TRUE(has_issue(text_date, "MedicationStatement.effectiveString", "structure")) << describe(text_date);
  EXPECT_TRUE(has_issue(text_date, "MedicationStatement.effective[x]", "required")) << describe(text_date);
  // The profile narrows medication[x] to CodeableConcept: a Reference is now unknown and the medication missing.
  auto issues = validator().validate(edited("medicationstatement-valid.json",
                                            {{"/medicationReference", R"({"reference":"Medication/m1"})"}},
                                            {"/medicationCodeableConcept"}));
  EXPECT_EQ(errors(issues).size(), 2u) << describe(issues);
  EXPECT_TRUE(has_issue(issues, "MedicationStatement.medicationReference", "structure")) << describe(issues);
  EXPECT_TRUE(has_issue(issues, "MedicationStatement.medication[x]", "required")) << describe(issues);
  // Same resource is fine against the R4 base.
  EXPECT_NO_ERRORS(validator().validate_base(edited("medicationstatement-valid.json",
                                                    {{"/medicationReference", R"({"reference":"Medication/m1"})"}},
                                                    {"/medicationCodeableConcept"})));
}

// ------------------------------------------------------------- fixed, pattern, bindings

TEST(Validator, FixedValue) {
  auto issues = validator().validate(edited(
      "patient-valid.json", {{"/identifier/0/extension/0/valueCodeableConcept/coding/0/system", "\"https://example.org/other\""}}));
  EXPECT_TRUE(has_issue(issues, "Patient.identifier[0].extension[0].valueCodeableConcept.coding[0].system", "value"))
      << describe(issues);
}

TEST(Validator, Pattern) {
  // Any coding may be added as long as one is dm+d.
  EXPECT_NO_ERRORS(validator().validate(edited("medicationstatement-valid.json",
                                               {{"/medicationCodeableConcept/coding/1", R"({"system":"http://snomed.info/sct","code":"322236009"})"}})));
  EXPECT_ONE_ERROR(validator().validate(fixture("medicationstatement-invalid-not-dmd.json")),
                   "MedicationStatement.medicationCodeableConcept", "value");
}

TEST(Validator, RequiredBindings) {
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/gender", "\"woman\""}})), "Patient.gender",
                   "code-invalid");
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {{"/status", "\"open\""}})), "Flag.status",
                   "code-invalid");
  // CodeableConcept bound to our UK Core NHS number verification status ValueSet.
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json",
                                               {{"/identifier/0/extension/0/valueCodeableConcept/coding/0/code", "\"09\""}})),
                   "Patient.identifier[0].extension[0].valueCodeableConcept", "code-invalid");
}

TEST(Validator, ExtensibleBindingWarnsOnly) {
  auto issues = validator().validate(edited("flag-valid.json", {{"/category/0/coding/0/code", "\"bogus\""}}));
  EXPECT_NO_ERRORS(issues);
  EXPECT_TRUE(has_issue(issues, "Flag.category[0]", "code-invalid", Severity::warning)) << describe(issues);
  // Codes from systems the ValueSet does not use are allowed silently (that is what extensible means).
  EXPECT_TRUE(validator().validate(edited("flag-valid.json", {{"/category/0/coding/0/system", "\"http://example.org/local\""}})).empty());
}

// ------------------------------------------------------------- slicing and extensions

TEST(Validator, NhsNumberSlice) {
  // The slice is 0..1: a patient without an NHS number is valid (imported, flagged unverified).
  EXPECT_NO_ERRORS(validator().validate(edited("patient-valid.json", {}, {"/identifier/0"})));
  // Two NHS numbers.
  auto two = edited("patient-valid.json", {});
  {
    json::Value copy((*rapidjson::Pointer("/identifier/0").Get(two)), two.GetAllocator());
    rapidjson::Pointer("/identifier/-").Set(two, copy);
  }
  EXPECT_ONE_ERROR(validator().validate(two), "Patient.identifier", "structure");
  // The verification status extension is required inside the NHS number slice.
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {}, {"/identifier/0/extension"})),
                   "Patient.identifier[0].extension", "required");
  // Other identifiers need no extension.
  EXPECT_NO_ERRORS(validator().validate(edited("patient-valid.json", {}, {"/identifier/0/extension"}),
                                        "http://hl7.org/fhir/StructureDefinition/Patient"));
}

TEST(Validator, NhsNumberModulus11) {
  EXPECT_ONE_ERROR(validator().validate(fixture("patient-invalid-nhs-number.json")), "Patient.identifier[0].value",
                   "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("patient-valid.json", {{"/identifier/0/value", "\"999 234 5675\""}})),
                   "Patient.identifier[0].value", "invariant");
  EXPECT_NO_ERRORS(validator().validate(edited("patient-valid.json", {{"/identifier/0/value", "\"9993456780\""}})));
  // The check applies only to the NHS number slice, not to other identifiers.
  EXPECT_NO_ERRORS(validator().validate(edited("patient-valid.json", {{"/identifier/1/value", "\"12345\""}})));
}

TEST(Validator, ControllerTagSlice) {
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json",
                                               {{"/meta/tag/0/system", "\"https://fhir-gateway.org.uk/CodeSystem/author-organisation\""}})),
                   "Flag.meta.tag", "required");
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {}, {"/meta"})), "Flag.meta", "required");
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {}, {"/meta/tag/0/code"})), "Flag.meta.tag[0].code",
                   "required");
}

TEST(Validator, ExtensionsWeDefine) {
  // Wrong value type for the last-issue-date extension.
  auto issues = validator().validate(edited("medicationstatement-valid.json",
                                            {{"/extension/0/valueString", "\"last week\""}}, {"/extension/0/valueDateTime"}));
  EXPECT_EQ(errors(issues).size(), 2u) << describe(issues);
  EXPECT_TRUE(has_issue(issues, "MedicationStatement.extension[0].valueString", "structure")) << describe(issues);
  EXPECT_TRUE(has_issue(issues, "MedicationStatement.extension[0].value[x]", "required")) << describe(issues);
  EXPECT_ONE_ERROR(validator().validate(edited("medicationstatement-valid.json", {{"/extension/0/valueDateTime", "\"10/01/2025\""}})),
                   "MedicationStatement.extension[0].valueDateTime", "value");
  // At most one.
  auto twice = edited("medicationstatement-valid.json", {{"/extension/1", R"({"url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationStatementLastIssueDate","valueDateTime":"2025-01-11"})"}});
  EXPECT_ONE_ERROR(validator().validate(twice), "MedicationStatement.extension", "structure");
  // Our extension is checked wherever it appears, even outside a declared slice.
  auto misplaced = validator().validate(edited("flag-valid.json", {{"/extension", R"([{"url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationStatementLastIssueDate","valueBoolean":true}])"}}));
  EXPECT_TRUE(has_issue(misplaced, "Flag.extension[0].valueBoolean", "structure")) << describe(misplaced);
  EXPECT_TRUE(has_issue(misplaced, "Flag.extension[0].value[x]", "required")) << describe(misplaced);
  // Unknown extensions are allowed, but ext-1 still holds.
  EXPECT_NO_ERRORS(validator().validate(edited("flag-valid.json", {{"/extension", R"([{"url":"http://example.org/x","valueString":"y"}])"}})));
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {{"/extension", R"([{"url":"http://example.org/x"}])"}})),
                   "Flag.extension[0]", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("flag-valid.json", {{"/extension", R"([{"valueString":"y"}])"}})),
                   "Flag.extension[0].url", "required");
}

// ------------------------------------------------------------- references

TEST(Validator, ReferenceTargets) {
  EXPECT_ONE_ERROR(validator().validate(fixture("careplan-invalid-subject.json")), "CarePlan.subject.reference", "invalid");
  // Group is a valid CarePlan subject in R4, not in the gateway profile.
  EXPECT_NO_ERRORS(validator().validate_base(edited("careplan-valid.json", {{"/subject/reference", "\"Group/g1\""}})));
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/subject/reference", "\"Group/g1\""}})),
                   "CarePlan.subject.reference", "invalid");
  EXPECT_NO_ERRORS(validator().validate(edited("careplan-valid.json",
                                               {{"/subject/reference", "\"https://gp.example.org/fhir/Patient/p1/_history/3\""}})));
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/subject/reference", "\"amelia\""}})),
                   "CarePlan.subject.reference", "invalid");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/subject/reference", "\"Spaceship/1\""}})),
                   "CarePlan.subject.reference", "invalid");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/subject/type", "\"Group\""}})),
                   "CarePlan.subject.type", "invalid");
  EXPECT_NO_ERRORS(validator().validate(edited("careplan-valid.json",
                                               {{"/subject/reference", "\"urn:uuid:c757873d-ec9a-4326-a141-556f43239520\""}})));
}

TEST(Validator, ContainedResources) {
  auto ok = edited("careplan-valid.json",
                   {{"/contained", R"([{"resourceType":"Goal","id":"g1","lifecycleStatus":"active","description":{"text":"Stay at home"},"subject":{"reference":"Patient/a1b2c3d4-0001"}}])"},
                    {"/goal/0/reference", "\"#g1\""}});
  EXPECT_NO_ERRORS(validator().validate(ok));
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/goal/0/reference", "\"#nothere\""}})),
                   "CarePlan.goal[0].reference", "invalid");
  // A contained resource nobody references (dom-3).
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json",
                                               {{"/contained", R"([{"resourceType":"Goal","id":"g9","lifecycleStatus":"active","description":{"text":"x"},"subject":{"reference":"Patient/p"}}])"}})),
                   "CarePlan.contained[0]", "invariant");
  // Contained resources are validated against their own base definition.
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json",
                                               {{"/contained", R"([{"resourceType":"Goal","id":"g1","lifecycleStatus":"active","description":{"text":"x"},"subject":{"reference":"Patient/p"},"bogus":1}])"},
                                                {"/goal/0/reference", "\"#g1\""}})),
                   "CarePlan.contained[0].bogus", "structure");
  // A Goal may not stand where a Goal reference is forbidden: addresses targets Condition only.
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/addresses", R"([{"reference":"Goal/g1"}])"}})),
                   "CarePlan.addresses[0].reference", "invalid");
}

// ------------------------------------------------------------- invariants

TEST(Validator, SnomedVerhoeff) {
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/category/0/coding/0/code", "\"735324007\""}})),
                   "CarePlan.category[0].coding[0].code", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("medicationstatement-valid.json",
                                               {{"/medicationCodeableConcept/coding/0/code", "\"322236008\""}})),
                   "MedicationStatement.medicationCodeableConcept.coding[0].code", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json",
                                               {{"/activity/1/detail/code/coding/0/code", "\"Paracetamol\""}})),
                   "CarePlan.activity[1].detail.code.coding[0].code", "invariant");
  // Read v2 codes are not SCTIDs and are not checked as such.
  EXPECT_NO_ERRORS(validator().validate(fixture("consent-valid.json")));
}

TEST(Validator, PeriodStartBeforeEnd) {
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/period/end", "\"2024-01-01\""}})),
                   "CarePlan.period", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/activity/0/detail/scheduledPeriod/end", "\"2025-01-01\""}})),
                   "CarePlan.activity[0].detail.scheduledPeriod", "invariant");
  // Same day at different precisions is fine.
  EXPECT_NO_ERRORS(validator().validate(edited("careplan-valid.json", {{"/period/end", "\"2025-01-15T12:00:00Z\""}})));
}

TEST(Validator, OtherInvariants) {
  EXPECT_ONE_ERROR(validator().validate(edited("medicationstatement-valid.json", {{"/dosage/0", R"({"sequence":1})"}})),
                   "MedicationStatement.dosage[0]", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("consent-valid.json", {}, {"/policyRule"})), "Consent", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("medicationstatement-valid.json", {}, {"/dosage/0/doseAndRate/0/doseQuantity/system"})),
                   "MedicationStatement.dosage[0].doseAndRate[0].doseQuantity.system", "invariant");
  EXPECT_ONE_ERROR(validator().validate(edited("careplan-valid.json", {{"/activity/0/reference", R"({"reference":"Task/t1"})"}})),
                   "CarePlan.activity[0]", "invariant");
}

// ------------------------------------------------------------- API

TEST(Validator, ValidateOrErrorIs422WithEveryIssue) {
  auto st = validator().validate_or_error(edited("patient-valid.json", {{"/gender", "\"woman\""}, {"/nickname", "\"M\""}}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().status, 422);
  ASSERT_EQ(st.error().issues.size(), 2u);
  EXPECT_EQ(st.error().issues[0].severity, Severity::error);
  // Warnings alone do not fail.
  EXPECT_TRUE(validator().validate_or_error(edited("flag-valid.json", {{"/category/0/coding/0/code", "\"bogus\""}})).ok());
}

TEST(Validator, ConcurrentValidationGivesTheSameAnswers) {
  auto good = fixture("careplan-valid.json");
  auto bad = fixture("careplan-invalid-subject.json");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (!validator().validate(good).empty()) ++failures[t];
        auto issues = validator().validate(bad);
        if (issues.size() != 1 || issues[0].expression != "CarePlan.subject.reference") ++failures[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace fhirgw::validation
