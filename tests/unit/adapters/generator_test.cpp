// The generator writes valid, deterministic sets that import without loss.
#include <gtest/gtest.h>

#include "core/nhs_number.hpp"
#include "csv/reader.hpp"
#include "generator/generator.hpp"
#include "import/importer.hpp"
#include "store_support.hpp"

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
  auto r = import_file_set(*store_, Format::emis, work_.path() / "e", config);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->totals.quarantined, 0) << render_text(*r);
  EXPECT_EQ(r->totals.total(), s->rows);
  EXPECT_GT(r->totals.created, 60);
  auto again = import_file_set(*store_, Format::emis, work_.path() / "e", config);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->totals.unchanged, s->rows);

  GeneratorOptions d = o;
  d.bulk = false;
  auto ds = generate_extract(Format::emis, work_.path() / "d", d);
  ASSERT_TRUE(ds.ok());
  auto dr = import_file_set(*store_, Format::emis, work_.path() / "d", config);
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
  auto r = import_file_set(*store_, Format::systmone, work_.path() / "s", generator_import_config(o));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->totals.quarantined, 0) << render_text(*r);
  EXPECT_EQ(r->totals.total(), s->rows);  // every data row (the manifest is not counted)
  auto again = import_file_set(*store_, Format::systmone, work_.path() / "s", generator_import_config(o));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->totals.unchanged, again->totals.total());
}
