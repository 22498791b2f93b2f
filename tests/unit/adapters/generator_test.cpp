// The generator writes valid, deterministic sets that import without loss.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/nhs_number.hpp"
#include "core/systems.hpp"
#include "csv/reader.hpp"
#include "generator/generator.hpp"
#include "import/importer.hpp"
#include "store_support.hpp"
#include "validation/check_digits.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {
class Generated : public StoreFixture {};
}  // namespace

TEST_F(Generated, SameSeedSameFiles) {
  GeneratorOptions o;
  o.patients = 30;
  o.seed = 7;
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "a", o).ok());
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "b", o).ok());
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(work_.path() / "a")) {
    EXPECT_EQ(read_file(e.path()), read_file(work_.path() / "b" / e.path().filename()));
    ++files;
  }
  EXPECT_EQ(files, 8u);
  o.seed = 8;
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "c", o).ok());
  auto patients = [](const std::filesystem::path& dir) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().filename().string().find("_Admin_Patient_") != std::string::npos) return read_file(e.path());
    }
    return std::string();
  };
  EXPECT_FALSE(patients(work_.path() / "a").empty());
  EXPECT_NE(patients(work_.path() / "a"), patients(work_.path() / "c"));
}

TEST_F(Generated, PatientsAreValidAndSkewedOld) {
  GeneratorOptions o;
  o.patients = 400;
  auto s = generate_extract(Format::systmone, work_.path() / "s", o);
  ASSERT_TRUE(s.ok());
  auto reader = csv::Reader::open(work_.path() / "s" / "SRPatient.csv", csv::Encoding::cp1252);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->read_header().ok());
  csv::Row row;
  int n = 0, old = 0;
  while ((*reader)->next(row)) {
    ASSERT_FALSE(row.error) << row.error->message;
    auto nhs = std::string(*(*reader)->get(row, "NHSNumber"));
    EXPECT_TRUE(nhs_number_valid(nhs)) << nhs;
    EXPECT_EQ(nhs.substr(0, 3), "999");
    int year = std::stoi(std::string((*reader)->get(row, "DateBirth")->substr(7, 4)));
    EXPECT_GE(2025 - year, 18);
    EXPECT_LE(2025 - year, 101);
    if (2025 - year > 75) ++old;
    ++n;
  }
  EXPECT_EQ(n, 400);
  EXPECT_GT(old, 120);  // skewed old: far more over-75s than the population share
}

TEST_F(Generated, EmisBulkImportsWithoutLossAndReimportIsANoOp) {
  GeneratorOptions o;
  o.patients = 60;
  auto s = generate_extract(Format::emis, work_.path() / "e", o);
  ASSERT_TRUE(s.ok());
  auto config = generator_import_config(o);
  auto r = import_file_set(*store_, Format::emis, work_.path() / "e", config, validating());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->totals.quarantined, 0) << render_text(*r);
  EXPECT_EQ(r->totals.total(), s->rows);
  EXPECT_GT(r->totals.created, 60);
  auto again = import_file_set(*store_, Format::emis, work_.path() / "e", config, validating());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->totals.unchanged, s->rows);

  GeneratorOptions d = o;
  d.bulk = false;
  auto ds = generate_extract(Format::emis, work_.path() / "d", d);
  ASSERT_TRUE(ds.ok());
  auto dr = import_file_set(*store_, Format::emis, work_.path() / "d", config, validating());
  ASSERT_TRUE(dr.ok());
  EXPECT_FALSE(dr->bulk);
  EXPECT_EQ(dr->totals.quarantined, 0) << render_text(*dr);
  EXPECT_GT(dr->totals.deleted, 0);  // every fiftieth patient
  EXPECT_GT(dr->totals.updated + dr->totals.created, 0);
}

TEST_F(Generated, SystmOneBulkImportsWithoutLoss) {
  GeneratorOptions o;
  o.patients = 60;
  auto s = generate_extract(Format::systmone, work_.path() / "s", o);
  ASSERT_TRUE(s.ok());
  auto r = import_file_set(*store_, Format::systmone, work_.path() / "s", generator_import_config(o), validating());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->totals.quarantined, 0) << render_text(*r);
  EXPECT_EQ(r->totals.total(), s->rows);  // every data row (the manifest is not counted)
  auto again = import_file_set(*store_, Format::systmone, work_.path() / "s", generator_import_config(o), validating());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->totals.unchanged, again->totals.total());
}

namespace {

// Rows of one generated EMIS table, as column → value maps.
std::vector<std::map<std::string, std::string>> emis_rows(const std::filesystem::path& dir, const std::string& table) {
  std::vector<std::map<std::string, std::string>> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find("_" + table + "_") == std::string::npos) continue;
    auto reader = csv::Reader::open(e.path(), csv::Encoding::utf8);
    EXPECT_TRUE(reader.ok());
    EXPECT_TRUE((*reader)->read_header().ok());
    csv::Row row;
    while ((*reader)->next(row)) {
      std::map<std::string, std::string> m;
      for (const auto& col : (*reader)->columns()) m[col] = std::string((*reader)->get(row, col).value_or(""));
      out.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace

TEST_F(Generated, RealisticSharesForTheDemoStory) {
  GeneratorOptions o;
  o.patients = 400;
  o.seed = 5;
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "e", o).ok());
  auto patients = emis_rows(work_.path() / "e", "Admin_Patient");
  ASSERT_EQ(patients.size(), 400u);
  std::map<std::string, int> age;  // PatientGuid → age at the extract date (2025)
  int verified = 0, confidential = 0;
  for (auto& p : patients) {
    age[p["PatientGuid"]] = 2025 - std::stoi(p["DateOfBirth"].substr(0, 4));
    verified += p["NHSNumberStatus"] == "01";
    confidential += p["IsConfidential"] == "true";
  }
  std::set<std::string> permit, deny, frail_flag, complex;
  for (auto& obs : emis_rows(work_.path() / "e", "CareRecord_Observation")) {
    if (obs["CodeId"] == "1001") permit.insert(obs["PatientGuid"]);
    if (obs["CodeId"] == "1002") deny.insert(obs["PatientGuid"]);
  }
  for (auto& a : emis_rows(work_.path() / "e", "CareRecord_Alert")) {
    if (a["CodeId"] == "1200") complex.insert(a["PatientGuid"]);
    if (a["CodeId"] == "1201" || a["CodeId"] == "1202") frail_flag.insert(a["PatientGuid"]);
  }
  int frail = 0, frail_permit_verified = 0;
  for (auto& p : patients) {
    bool is_frail = age[p["PatientGuid"]] >= 65 || frail_flag.count(p["PatientGuid"]);
    frail += is_frail;
    frail_permit_verified += is_frail && permit.count(p["PatientGuid"]) && p["NHSNumberStatus"] == "01";
  }
  EXPECT_GT(frail, 200);                  // a frailty programme's list: mostly frail
  EXPECT_GT(frail_flag.size(), 60u);      // eFI flags, the policy cohort's codes
  EXPECT_GT(verified, 360);               // nearly all traced on the Spine
  EXPECT_GT(frail_permit_verified, 120);  // what the explicit-consent partner may see
  EXPECT_GT(deny.size(), 10u);
  EXPECT_GT(complex.size(), 20u);
  EXPECT_GT(confidential, 0);
  EXPECT_LT(confidential, 40);

  // Every dm+d code is a well-formed SCTID; the sensitive medicines are in
  // the set the policy withholds.
  std::set<std::string> sensitive_vs;
  {
    auto vs = json::parse(read_file(std::filesystem::path(FHIRGW_SOURCE_DIR) /
                                    "fhir-profiles/valuesets/rcgp-sensitive-categories.json"));
    ASSERT_TRUE(vs.ok());
    for (const auto& inc : (*vs)["compose"]["include"].GetArray()) {
      if (std::string(inc["system"].GetString()) != systems::kDmd) continue;
      for (const auto& c : inc["concept"].GetArray()) sensitive_vs.insert(c["code"].GetString());
    }
  }
  int sensitive = 0;
  for (auto& d : emis_rows(work_.path() / "e", "Coding_DrugCode")) {
    EXPECT_TRUE(validation::snomed_concept_id_valid(d["DmdProductCodeId"])) << d["Term"];
    if (std::stoi(d["CodeId"]) >= 3100) {
      ++sensitive;
      EXPECT_TRUE(sensitive_vs.count(d["DmdProductCodeId"])) << d["Term"];
    }
  }
  EXPECT_EQ(sensitive, 3);
}
