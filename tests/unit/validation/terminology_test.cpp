#include "validation/terminology.hpp"

#include <gtest/gtest.h>

namespace fhirgw::validation {
namespace {

json::Document doc(const char* text) {
  json::Document d;
  d.Parse(text);
  EXPECT_FALSE(d.HasParseError());
  return d;
}

TEST(Terminology, ExpandsConceptListsWholeSystemsNestedSetsAndExcludes) {
  Terminology t;
  t.add(doc(R"({"resourceType":"CodeSystem","url":"http://cs/a","content":"complete",
               "concept":[{"code":"x","concept":[{"code":"x1"}]},{"code":"y"}]})"));
  t.add(doc(R"({"resourceType":"ValueSet","url":"http://vs/inner","compose":{"include":[{"system":"http://cs/b","concept":[{"code":"b1"}]}]}})"));
  t.add(doc(R"({"resourceType":"ValueSet","url":"http://vs/outer","compose":{
               "include":[{"system":"http://cs/a"},{"valueSet":["http://vs/inner"]}],
               "exclude":[{"system":"http://cs/a","concept":[{"code":"y"}]}]}})"));
  const ExpandedValueSet* vs = t.expand("http://vs/outer|1.0");
  ASSERT_NE(vs, nullptr);
  EXPECT_TRUE(vs->complete());
  EXPECT_TRUE(vs->contains("http://cs/a", "x"));
  EXPECT_TRUE(vs->contains("http://cs/a", "x1"));  // hierarchical concepts are included
  EXPECT_FALSE(vs->contains("http://cs/a", "y"));  // excluded
  EXPECT_TRUE(vs->contains("http://cs/b", "b1"));
  EXPECT_FALSE(vs->contains("http://cs/b", "x"));
  EXPECT_TRUE(vs->contains_code("b1"));
  EXPECT_TRUE(vs->has_system("http://cs/b"));
  EXPECT_EQ(t.find("http://vs/outer"), vs);
}

TEST(Terminology, FiltersAndUnknownSystemsAreIncomplete) {
  Terminology t;
  t.add(doc(R"({"resourceType":"ValueSet","url":"http://vs/f","compose":{"include":[
               {"system":"http://snomed.info/sct","filter":[{"property":"concept","op":"is-a","value":"123"}]}]}})"));
  t.add(doc(R"({"resourceType":"ValueSet","url":"http://vs/u","compose":{"include":[{"system":"urn:ietf:bcp:13"}]}})"));
  EXPECT_FALSE(t.expand("http://vs/f")->complete());
  EXPECT_FALSE(t.expand("http://vs/u")->complete());
  EXPECT_EQ(t.expand("http://vs/missing"), nullptr);
}

TEST(Terminology, CyclesDoNotRecurseForever) {
  Terminology t;
  t.add(doc(R"({"resourceType":"ValueSet","url":"http://vs/1","compose":{"include":[{"valueSet":["http://vs/2"]}]}})"));
  t.add(doc(R"({"resourceType":"ValueSet","url":"http://vs/2","compose":{"include":[{"valueSet":["http://vs/1"]}]}})"));
  const ExpandedValueSet* vs = t.expand("http://vs/1");
  ASSERT_NE(vs, nullptr);
  EXPECT_FALSE(vs->complete());
}

}  // namespace
}  // namespace fhirgw::validation
