// Write-side leak cases (consent-model.md "Enforcement without leaks" 5 and 6,
// and the write rules): conditional interactions treat hidden resources as
// absent, bundles are authorised entry by entry, a transaction with one
// forbidden entry changes nothing, partners update only what they authored,
// cannot move a resource to another patient, and cannot choose the controller
// or author tags. Side effects are checked through the practice's own
// (development-mode) view of the same store.
#include <regex>

#include "security_support.hpp"

namespace fhirgw::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

std::string flag_for(const std::string& patient_id, const std::string& extra_meta = {}) {
  return R"({"resourceType":"Flag",)" + (extra_meta.empty() ? std::string() : R"("meta":)" + extra_meta + ",") +
         R"("status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"clinical"}]}],)"
         R"("code":{"text":"Falls concern raised by a partner"},"subject":{"reference":"Patient/)" + patient_id +
         R"("},"period":{"start":"2026-01-01"}})";
}

std::string careplan_for(const std::string& id, const std::string& patient_id, const std::string& title = "Probe") {
  return R"({"resourceType":"CarePlan",)" + (id.empty() ? std::string() : R"("id":")" + id + R"(",)") +
         R"("status":"active","intent":"plan","category":[{"coding":[{"system":"http://snomed.info/sct","code":"735324008"}]}],"title":")" +
         title + R"(","subject":{"reference":"Patient/)" + patient_id + R"("},"period":{"start":"2025-01-15"}})";
}

// The issue codes of an OperationOutcome, and its diagnostics with ids and uuids blanked.
std::string outcome_shape(const HttpResponse& r, const std::vector<std::string>& ids) {
  std::string text = outcome_text(r);
  for (const auto& id : ids) text = without(text, id);
  return std::regex_replace(text, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>");
}

std::string tag_code(const json::Value& resource, const std::string& system) {
  const json::Value* tags = json::get_path(resource, "meta.tag");
  if (!tags || !tags->IsArray()) return {};
  std::string found;
  for (const auto& t : tags->GetArray())
    if (json::get_string(t, "system") == std::optional<std::string_view>(system))
      found += (found.empty() ? "" : ",") + std::string(json::get_string(t, "code").value_or(""));
  return found;
}

class WriteLeaks : public GovernedSuite {
 protected:
  // The store as the practice sees it (no policy): the truth about side effects.
  static int64_t practice_count(const std::string& query) {
    auto r = gw().practice_request("GET", query + (query.find('?') == std::string::npos ? "?" : "&") + "_summary=count");
    EXPECT_EQ(r.status, 200) << show(r);
    return bundle_total(r);
  }
  static json::Document practice_read(const std::string& ref) {
    auto r = gw().practice_request("GET", "/" + ref);
    EXPECT_EQ(r.status, 200) << ref << ": " << show(r);
    return parse_body(r);
  }
  static std::string version_of(const std::string& ref) {
    auto d = practice_read(ref);
    const json::Value* v = d.IsObject() ? json::get_path(d, "meta.versionId") : nullptr;
    return v && v->IsString() ? v->GetString() : "";
  }
};

// Leak case 5: If-None-Exist matching only a hidden resource behaves as if it matched nothing.
TEST_F(WriteLeaks, ConditionalCreateIgnoresHiddenMatches) {
  struct Case {
    std::string hidden, random;
  };
  const std::vector<Case> cases = {
      {"_id=flag-dissent", "_id=no-such-flag"},
      {"patient=pat-dissent", "patient=no-such-patient"},
      {"subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000026",
       "subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000093"},
  };
  for (const auto& c : cases) {
    const int64_t before = practice_count("/Flag?patient=pat-consent");
    auto rh = ageuk().send("POST", "/Flag", flag_for("pat-consent"), {"If-None-Exist: " + c.hidden});
    auto rx = ageuk().send("POST", "/Flag", flag_for("pat-consent"), {"If-None-Exist: " + c.random});
    EXPECT_EQ(rh.status, 201) << c.hidden << ": " << show(rh);
    EXPECT_EQ(rh.status, rx.status) << c.hidden;
    EXPECT_EQ(rh.body.find("Dissenting"), std::string::npos);
    EXPECT_EQ(rh.body.find("flag-dissent"), std::string::npos) << "the hidden match was returned: " << show(rh);
    EXPECT_EQ(practice_count("/Flag?patient=pat-consent"), before + 2);
  }
  // A visible match is returned (200) and nothing is created.
  const int64_t before = practice_count("/Flag?patient=pat-consent");
  auto r = ageuk().send("POST", "/Flag", flag_for("pat-consent"), {"If-None-Exist: _id=flag-consent"});
  EXPECT_EQ(r.status, 200) << show(r);
  EXPECT_NE(r.body.find("flag-consent"), std::string::npos);
  EXPECT_EQ(practice_count("/Flag?patient=pat-consent"), before);
}

TEST_F(WriteLeaks, ConditionalUpdateIgnoresHiddenMatches) {
  const std::string v_before = version_of("CarePlan/cp-dissent");
  const int64_t plans = practice_count("/CarePlan");
  auto writer = session("trust-writer", "system/CarePlan.cruds", "TREAT");
  // Criteria that match only a hidden plan, vs criteria that match nothing.
  struct Case {
    std::string hidden_query, random_query, hidden_id, random_id;
  };
  const std::vector<Case> cases = {
      {"_id=cp-dissent", "_id=cp-nothing", "", ""},
      {"_id=cp-dissent", "_id=cp-nothing", "cp-dissent", "cp-nothing"},
      {"patient=pat-dissent", "patient=pat-nothing", "", ""},
      {"subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000026",
       "subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000093", "", ""},
      // A client-chosen id taken by a hidden plan, criteria matching nothing.
      {"_id=cp-nothing-1", "_id=cp-nothing-2", "cp-dissent", "cp-free-id"},
  };
  for (auto* who : {&ageuk(), writer.get()}) {
    for (const auto& c : cases) {
      auto rh = who->send("PUT", "/CarePlan?" + c.hidden_query, careplan_for(c.hidden_id, "pat-consent", "Overwritten"));
      auto rx = who->send("PUT", "/CarePlan?" + c.random_query, careplan_for(c.random_id, "pat-consent", "Overwritten"));
      EXPECT_GE(rh.status, 400) << c.hidden_query << ": " << show(rh);
      EXPECT_EQ(rh.status, rx.status) << c.hidden_query << " id " << c.hidden_id << ": " << show(rh) << "\n" << show(rx);
      EXPECT_EQ(outcome_shape(rh, {c.hidden_id, "cp-dissent"}), outcome_shape(rx, {c.random_id, "cp-nothing"}))
          << c.hidden_query;
    }
  }
  // Nothing was written to the hidden plan, and no plan was created.
  EXPECT_EQ(version_of("CarePlan/cp-dissent"), v_before);
  EXPECT_EQ(practice_count("/CarePlan"), plans);
  // A visible match the partner did not author is refused (authorship), not overwritten.
  auto r = ageuk().send("PUT", "/CarePlan?_id=cp-consent", careplan_for("", "pat-consent", "Overwritten"));
  EXPECT_EQ(r.status, 403) << show(r);
  EXPECT_EQ(practice_count("/CarePlan"), plans);
  EXPECT_EQ(version_of("CarePlan/cp-consent"), "1");
}

TEST_F(WriteLeaks, ConditionalDeleteIgnoresHiddenMatches) {
  auto writer = session("trust-writer", "system/CarePlan.cruds system/Flag.cruds", "TREAT");
  for (const auto& q : {"/CarePlan?_id=cp-dissent", "/CarePlan?patient=pat-dissent", "/Flag?_id=flag-dissent",
                        "/CarePlan?_id=cp-confidential"}) {
    auto rh = writer->request("DELETE", q);
    auto rx = writer->request("DELETE", "/CarePlan?_id=cp-nothing");
    EXPECT_EQ(rh.status, rx.status) << q << ": " << show(rh);
    EXPECT_EQ(rh.body, rx.body) << q;
  }
  // Every hidden resource is still there, at the same version.
  for (const auto& ref : {"CarePlan/cp-dissent", "Flag/flag-dissent", "CarePlan/cp-confidential"})
    EXPECT_EQ(version_of(ref), "1") << ref;
  // Deleting a visible resource is refused: delete is never a partner interaction.
  auto r = writer->request("DELETE", "/CarePlan?_id=cp-noconsent");
  EXPECT_EQ(r.status, 403) << show(r);
  r = writer->request("DELETE", "/CarePlan/cp-noconsent");
  EXPECT_EQ(r.status, 403) << show(r);
  EXPECT_EQ(version_of("CarePlan/cp-noconsent"), "1");
}

// Leak case 6: each batch entry is judged on its own, as if sent alone.
TEST_F(WriteLeaks, EachBatchEntryIsAuthorisedOnItsOwn) {
  const std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"request":{"method":"GET","url":"CarePlan/cp-consent"}},
    {"request":{"method":"GET","url":"CarePlan/cp-dissent"}},
    {"request":{"method":"GET","url":"CarePlan/no-such-plan"}},
    {"request":{"method":"GET","url":"CarePlan?_id=cp-dissent,cp-consent"}},
    {"resource":)" + flag_for("pat-consent") + R"(,"request":{"method":"POST","url":"Flag"}},
    {"resource":)" + flag_for("pat-dissent") + R"(,"request":{"method":"POST","url":"Flag"}},
    {"resource":)" + careplan_for("cp-consent", "pat-consent", "Overwritten") + R"(,"request":{"method":"PUT","url":"CarePlan/cp-consent"}},
    {"request":{"method":"GET","url":"Consent/consent-permit-consent"}},
    {"request":{"method":"DELETE","url":"CarePlan/cp-ageuk"}},
    {"request":{"method":"GET","url":"Patient/pat-consent"}}]})";
  const int64_t consent_flags = practice_count("/Flag?patient=pat-consent");
  const int64_t dissent_flags = practice_count("/Flag?patient=pat-dissent");
  const std::string v_gp = version_of("CarePlan/cp-consent");
  auto r = ageuk().send("POST", "/", batch);
  ASSERT_EQ(r.status, 200) << show(r);
  auto d = parse_body(r);
  ASSERT_TRUE(d.IsObject() && d.HasMember("entry") && d["entry"].IsArray()) << show(r);
  auto& entries = d["entry"];
  ASSERT_EQ(entries.Size(), 10u) << show(r);
  auto status = [&](unsigned i) {
    const json::Value* s = json::get_path(entries[i], "response.status");
    return s && s->IsString() ? std::string(s->GetString()) : "";
  };
  auto entry_text = [&](unsigned i) { return json::to_string(entries[i]); };
  EXPECT_EQ(status(0).substr(0, 3), "200");
  EXPECT_EQ(status(1).substr(0, 3), "404") << "hidden read inside a batch";
  EXPECT_EQ(status(1), status(2));
  EXPECT_EQ(without(entry_text(1), "cp-dissent"), without(entry_text(2), "no-such-plan"));
  EXPECT_EQ(status(3).substr(0, 3), "200");
  EXPECT_EQ(entry_text(3).find("Dissenter plan"), std::string::npos) << "hidden plan leaked through a batch search";
  EXPECT_NE(entry_text(3).find("Frailty care plan"), std::string::npos);
  EXPECT_EQ(status(4).substr(0, 3), "201");
  EXPECT_EQ(status(5).substr(0, 3), "403") << "a Flag for a dissenting patient";
  EXPECT_EQ(status(6).substr(0, 3), "403") << "the GP's plan is not Age UK's to update";
  EXPECT_EQ(status(7).substr(0, 3), "403") << "no Consent scope";
  EXPECT_EQ(status(8).substr(0, 3), "403") << "no delete scope";
  EXPECT_EQ(status(9).substr(0, 3), "200");
  EXPECT_EQ(r.body.find("SECRET-"), std::string::npos);
  EXPECT_EQ(r.body.find("Secret Street"), std::string::npos);
  EXPECT_EQ(practice_count("/Flag?patient=pat-consent"), consent_flags + 1);
  EXPECT_EQ(practice_count("/Flag?patient=pat-dissent"), dissent_flags);
  EXPECT_EQ(version_of("CarePlan/cp-consent"), v_gp);
  EXPECT_EQ(version_of("CarePlan/cp-ageuk").empty(), false);
}

TEST_F(WriteLeaks, ATransactionWithOneForbiddenEntryChangesNothing) {
  const int64_t flags = practice_count("/Flag?patient=pat-consent");
  const std::string v_ageuk = version_of("CarePlan/cp-ageuk");
  // Allowed entries first, then one that is not: the whole transaction fails.
  auto ageuk_plan = practice_read("CarePlan/cp-ageuk");
  json::set_string(ageuk_plan, "status", "on-hold", ageuk_plan.GetAllocator());
  json::remove(ageuk_plan, "note");  // hidden from Age UK: it may not write it
  for (const auto& forbidden :
       {R"({"resource":)" + flag_for("pat-dissent") + R"(,"request":{"method":"POST","url":"Flag"}})",
        R"({"resource":)" + careplan_for("cp-consent", "pat-consent", "Overwritten") +
            R"(,"request":{"method":"PUT","url":"CarePlan/cp-consent"}})",
        std::string(R"({"request":{"method":"GET","url":"CarePlan/cp-dissent"}})"),
        std::string(R"({"request":{"method":"DELETE","url":"Flag/flag-consent"}})")}) {
    const std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:5f0e6a2c-1111-4aaa-8bbb-000000000001","resource":)" + flag_for("pat-consent") +
                           R"(,"request":{"method":"POST","url":"Flag"}},
      {"resource":)" + json::to_string(ageuk_plan) + R"(,"request":{"method":"PUT","url":"CarePlan/cp-ageuk"}},
      )" + forbidden + "]}";
    auto r = ageuk().send("POST", "/", tx);
    EXPECT_GE(r.status, 400) << forbidden << ": " << show(r);
    EXPECT_LT(r.status, 500) << show(r);
    EXPECT_EQ(r.body.find("Dissenter plan"), std::string::npos);
    EXPECT_EQ(practice_count("/Flag?patient=pat-consent"), flags) << "a failed transaction left a Flag behind";
    EXPECT_EQ(version_of("CarePlan/cp-ageuk"), v_ageuk) << "a failed transaction updated a plan";
  }
  // The same transaction without the forbidden entry commits (the test is sound).
  const std::string ok_tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"resource":)" + flag_for("pat-consent") + R"(,"request":{"method":"POST","url":"Flag"}},
      {"resource":)" + json::to_string(ageuk_plan) + R"(,"request":{"method":"PUT","url":"CarePlan/cp-ageuk"}}]})";
  auto r = ageuk().send("POST", "/", ok_tx);
  EXPECT_EQ(r.status, 200) << show(r);
  EXPECT_EQ(practice_count("/Flag?patient=pat-consent"), flags + 1);
  EXPECT_NE(version_of("CarePlan/cp-ageuk"), v_ageuk);
}

// A hidden subject and a non-existent one are refused alike (no patient ids can be probed by writing).
TEST_F(WriteLeaks, WritesAboutHiddenPatientsLookLikeWritesAboutUnknownOnes) {
  for (const auto& role : {"dissenting patient", "confidential patient", "young patient", "unverified patient",
                           "unknown practice patient", "patient without consent"}) {
    const std::string hidden = gw().bare_id(role);
    auto rh = ageuk().send("POST", "/Flag", flag_for(hidden));
    auto rx = ageuk().send("POST", "/Flag", flag_for("no-such-patient"));
    EXPECT_EQ(rh.status, 403) << role << ": " << show(rh);
    EXPECT_EQ(rh.status, rx.status) << role;
    EXPECT_EQ(rh.body, rx.body) << role;
  }
  // Even an invalid body does not tell the two apart.
  auto rh = ageuk().send("POST", "/Flag", R"({"resourceType":"Flag","subject":{"reference":"Patient/pat-dissent"}})");
  auto rx = ageuk().send("POST", "/Flag", R"({"resourceType":"Flag","subject":{"reference":"Patient/no-such-patient"}})");
  EXPECT_EQ(rh.status, rx.status) << show(rh) << "\n" << show(rx);
  EXPECT_EQ(rh.body, rx.body);
}

TEST_F(WriteLeaks, PartnersUpdateOnlyWhatTheyAuthoredAndNeverMoveIt) {
  // The GP's plan: refused, unchanged.
  const std::string v_gp = version_of("CarePlan/cp-consent");
  auto gp = ageuk().get("/CarePlan/cp-consent");
  ASSERT_EQ(gp.status, 200) << show(gp);
  auto gp_doc = parse_body(gp);
  json::set_string(gp_doc, "title", "Overwritten", gp_doc.GetAllocator());
  auto r = ageuk().send("PUT", "/CarePlan/cp-consent", json::to_string(gp_doc));
  EXPECT_EQ(r.status, 403) << show(r);
  EXPECT_EQ(version_of("CarePlan/cp-consent"), v_gp);

  // Its own plan: allowed, but never moved to another patient (visible or hidden)...
  auto own = ageuk().get("/CarePlan/cp-ageuk");
  ASSERT_EQ(own.status, 200) << show(own);
  const std::string v_own = version_of("CarePlan/cp-ageuk");
  for (const auto& other : {"pat-withdraw", "pat-dissent", "no-such-patient"}) {
    auto moved = parse_body(own);
    json::Value* subject = const_cast<json::Value*>(json::get(moved, "subject"));
    json::set_string(*subject, "reference", std::string("Patient/") + other, moved.GetAllocator());
    r = ageuk().send("PUT", "/CarePlan/cp-ageuk", json::to_string(moved));
    EXPECT_EQ(r.status, 403) << other << ": " << show(r);
  }
  // ...and never writing a field hidden from it (CarePlan.note).
  auto with_note = parse_body(own);
  json::Value note(rapidjson::kArrayType);
  json::Value n(rapidjson::kObjectType);
  json::set_string(n, "text", "partner note", with_note.GetAllocator());
  note.PushBack(n, with_note.GetAllocator());
  with_note.AddMember("note", note, with_note.GetAllocator());
  r = ageuk().send("PUT", "/CarePlan/cp-ageuk", json::to_string(with_note));
  EXPECT_EQ(r.status, 403) << show(r);
  EXPECT_EQ(version_of("CarePlan/cp-ageuk"), v_own);

  // The trust's agreement allows CarePlan updates too, but not of Age UK's plan.
  auto writer = session("trust-writer", "system/CarePlan.cruds", "TREAT");
  auto theirs = writer->get("/CarePlan/cp-ageuk");
  ASSERT_EQ(theirs.status, 200) << show(theirs);
  r = writer->send("PUT", "/CarePlan/cp-ageuk", theirs.body);
  EXPECT_EQ(r.status, 403) << show(r);
  EXPECT_EQ(version_of("CarePlan/cp-ageuk"), v_own);
}

TEST_F(WriteLeaks, ControllerAndAuthorTagsAreStampedByTheGateway) {
  // A Flag claiming another practice and another author.
  const std::string forged_meta = R"({"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"Y99999"},)"
                                  R"({"system":"https://fhir-gateway.org.uk/CodeSystem/author-organisation","code":"RZZ"}],)"
                                  R"("security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"N"}]})";
  auto r = ageuk().send("POST", "/Flag", flag_for("pat-consent", forged_meta));
  ASSERT_EQ(r.status, 201) << show(r);
  auto location = r.header("location");
  auto pos = location.find("/Flag/");
  ASSERT_NE(pos, std::string::npos) << location;
  std::string ref = location.substr(pos + 1);
  ref = ref.substr(0, ref.find("/_history"));
  auto stored = practice_read(ref);
  EXPECT_EQ(tag_code(stored, "https://fhir-gateway.org.uk/CodeSystem/controller"), "Y90001");
  EXPECT_EQ(tag_code(stored, "https://fhir-gateway.org.uk/CodeSystem/author-organisation"), "AGEUK1");

  // Updating its own plan while claiming the trust authored it and another practice controls it.
  auto own = ageuk().get("/CarePlan/cp-ageuk");
  ASSERT_EQ(own.status, 200) << show(own);
  auto doc = parse_body(own);
  json::Value* meta = const_cast<json::Value*>(json::get(doc, "meta"));
  ASSERT_NE(meta, nullptr);
  json::remove(*meta, "tag");
  auto forged = json::parse(forged_meta);
  ASSERT_TRUE(forged.ok());
  json::Value tags((*forged)["tag"], doc.GetAllocator());
  meta->AddMember("tag", tags, doc.GetAllocator());
  r = ageuk().send("PUT", "/CarePlan/cp-ageuk", json::to_string(doc));
  ASSERT_EQ(r.status, 200) << show(r);
  auto plan = practice_read("CarePlan/cp-ageuk");
  EXPECT_EQ(tag_code(plan, "https://fhir-gateway.org.uk/CodeSystem/controller"), "Y90001");
  EXPECT_EQ(tag_code(plan, "https://fhir-gateway.org.uk/CodeSystem/author-organisation"), "AGEUK1");
  // Still Age UK's and still visible to it (a forged author could not hijack it).
  EXPECT_EQ(ageuk().get("/CarePlan/cp-ageuk").status, 200);
}

}  // namespace
}  // namespace fhirgw::testing
