#include <gtest/gtest.h>

#include "core/resource_model.hpp"

using namespace fhirgw;

// Parameters that would index exactly the same values share one set of
// index rows; any difference in kind, path or target keeps them apart.
TEST(ResourceModel, OnlyIdenticalParametersShareIndexRows) {
  for (const char* type : {"CarePlan", "Flag", "QuestionnaireResponse", "MedicationStatement"}) {
    const auto* t = model::find_type(type);
    ASSERT_NE(t, nullptr) << type;
    const auto* subject = model::find_param(*t, "subject");
    ASSERT_NE(subject, nullptr) << type;
    EXPECT_EQ(subject->rows_of, "patient") << type;
    EXPECT_EQ(model::index_name(*subject), "patient") << type;
    EXPECT_TRUE(model::find_param(*t, "patient")->rows_of.empty()) << type;
  }
  for (const auto& t : model::resource_types()) {
    for (const auto& p : t.params) {
      if (p.rows_of.empty()) continue;
      const auto* shared = model::find_param(t, p.rows_of);
      ASSERT_NE(shared, nullptr) << t.name << "." << p.name;
      EXPECT_TRUE(shared->rows_of.empty()) << "rows are never shared through a chain";
      EXPECT_EQ(shared->type, p.type);
      EXPECT_EQ(shared->paths, p.paths);
      EXPECT_EQ(shared->targets, p.targets);
    }
  }
  // Patient.name covers family and given but is not the same parameter.
  const auto* patient = model::find_type("Patient");
  EXPECT_TRUE(model::find_param(*patient, "name")->rows_of.empty());
  EXPECT_TRUE(model::find_param(*patient, "family")->rows_of.empty());
  EXPECT_EQ(model::index_name("Patient", "family"), "family");
  EXPECT_EQ(model::index_name("NoSuchType", "x"), "x");
}
