// The Consents the importer makes from extract codes are understood by the
// policy engine, with the consent codes taken from the policy (the single
// source of truth) and merged into the import configuration.
#include <gtest/gtest.h>

#include "app/import_setup.hpp"
#include "core/fhir_time.hpp"
#include "policy/consent.hpp"
#include "policy/policy_loader.hpp"
#include "writeback_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {

constexpr const char* kPolicy = R"(version: "wb-test"
organisations:
  - {code: Y99999, name: Generated practice, kind: controller}
  - {code: VOL, name: Voluntary Org, kind: voluntary}
  - {code: TRU, name: Community Trust, kind: statutory}
consent_codes:
  permit:
    - {system: http://read.info/readv2, code: "9Nd7."}
    - {system: http://read.info/ctv3, code: XaNwR}
  deny:
    - {system: http://read.info/readv2, code: "9Nd1."}
    - {system: http://read.info/ctv3, code: XaNwT}
agreements:
  - id: vol
    title: Voluntary support
    legal_basis: consent
    controllers: [Y99999]
    partners: [VOL]
    valid_from: 2025-01-01
    valid_to: 2099-12-31
    purposes: [CAREMGT]
    consent_mode: explicit
    resources:
      Patient: {interactions: [read]}
)";

class ConsentFromImport : public WritebackFixture, public ::testing::WithParamInterface<Format> {};

}  // namespace

TEST(ImportSetup, PolicyConsentCodesReplaceTheConfiguration) {
  auto policy = policy::load_policy_text(kPolicy);
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  ImportConfig c;
  c.consent_permit_codes = {{"http://example.org", "stale"}};
  fhirgw::app::use_policy_consent_codes(*policy, c);
  ASSERT_EQ(c.consent_permit_codes.size(), 2u);
  ASSERT_EQ(c.consent_deny_codes.size(), 2u);
  EXPECT_EQ(c.consent_kind("http://read.info/readv2", "9Nd1."), ConsentKind::deny);
  EXPECT_EQ(c.consent_kind("http://read.info/ctv3", "XaNwR"), ConsentKind::permit);
  EXPECT_FALSE(c.consent_kind("http://example.org", "stale"));
}

TEST(ImportSetup, RefusesWithoutAPolicyUnlessAllowed) {
  TempDir dir;
  write_file(dir.path() / "import.yaml", "default_organisation: Y99999\nconsent_codes:\n  deny:\n"
                                         "    - {system: http://read.info/readv2, code: \"9Nd1.\"}\n");
  write_file(dir.path() / "policy.yaml", kPolicy);
  auto strict = fhirgw::app::load_import_setup((dir.path() / "import.yaml").string(), "");
  EXPECT_FALSE(strict.ok());
  auto loose = fhirgw::app::load_import_setup((dir.path() / "import.yaml").string(), "", true);
  ASSERT_TRUE(loose.ok());
  EXPECT_EQ(loose->config.consent_deny_codes.size(), 1u);
  EXPECT_FALSE(loose->warnings.empty());
  auto merged = fhirgw::app::load_import_setup((dir.path() / "import.yaml").string(),
                                               (dir.path() / "policy.yaml").string());
  ASSERT_TRUE(merged.ok()) << merged.error().message();
  EXPECT_EQ(merged->config.default_organisation, "Y99999");
  EXPECT_EQ(merged->config.consent_deny_codes.size(), 2u);
  EXPECT_EQ(merged->config.consent_permit_codes.size(), 2u);
}

TEST_P(ConsentFromImport, PolicyEngineReadsImportedConsents) {
  auto policy = policy::load_policy_text(kPolicy);
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  options_.patients = 60;
  config_ = generator_import_config(options_);
  fhirgw::app::use_policy_consent_codes(*policy, config_);
  auto dir = work_.path() / "bulk";
  ASSERT_TRUE(generate_extract(GetParam(), dir, options_).ok());
  auto report = import_file_set(*store_, GetParam(), dir, config_, engine_only());
  ASSERT_TRUE(report.ok()) << report.error().message();

  auto consents = store_->changed_since(0, {"Consent"}, 10000);
  ASSERT_TRUE(consents.ok());
  ASSERT_FALSE(consents->empty());
  std::vector<std::unique_ptr<json::Document>> owned;
  std::vector<const json::Value*> ptrs;
  for (const auto& rec : *consents) {
    owned.push_back(std::make_unique<json::Document>());
    owned.back()->Parse(rec.json.c_str());
    ASSERT_FALSE(owned.back()->HasParseError());
    ptrs.push_back(owned.back().get());
  }
  std::vector<std::string> problems;
  auto index = policy::build_consent_index(ptrs, &problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(index.size(), ptrs.size());

  const auto* vol = policy->find_organisation("VOL");
  ASSERT_NE(vol, nullptr);
  int permits = 0, dissents = 0;
  for (const auto* dp : ptrs) {
    const json::Value& d = *dp;
    auto parsed = policy::parse_consent(d);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    auto effective = policy::effective_provision(*policy, *parsed);
    ASSERT_TRUE(effective) << "the policy recognises the code the importer recorded";
    bool deny = std::string(*json::get_string(*json::get_path(d, "provision"), "type")) == "deny";
    EXPECT_EQ(effective->provision == policy::Provision::deny, deny);
    auto finding = policy::evaluate_consent(*policy, index, parsed->patient_id, kPractice, *vol, "CAREMGT",
                                            fhir_time::now_ms());
    if (deny) {
      EXPECT_TRUE(finding.dissent) << "a dissent recorded at the practice applies";
      ++dissents;
    } else {
      EXPECT_TRUE(finding.permit) << "a permit recorded at the practice counts";
      EXPECT_FALSE(finding.dissent);
      ++permits;
    }
  }
  EXPECT_GT(permits, 0);
  EXPECT_GT(dissents, 0);
}

INSTANTIATE_TEST_SUITE_P(Formats, ConsentFromImport, ::testing::Values(Format::emis, Format::systmone),
                         [](const auto& info) { return std::string(to_string(info.param)); });
