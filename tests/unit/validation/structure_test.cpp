// The differential applier on hand-written profiles: what it builds and what it refuses.
#include "validation/structure.hpp"
#include "validation/terminology.hpp"
#include "validation_fixture.hpp"

namespace fhirgw::validation {
namespace {

using namespace testing;

Result<std::unique_ptr<Structure>> compile(const char* differential_elements, const char* type = "Flag") {
  std::string text = std::string(R"({"resourceType":"StructureDefinition","url":"https://example.org/sd/test","type":")") + type +
                     R"(","baseDefinition":"http://hl7.org/fhir/StructureDefinition/)" + type +
                     R"(","derivation":"constraint","differential":{"element":)" + differential_elements + "}}";
  auto d = parse(text);
  return apply_differential(d, validator().structures());
}

const Node* child(const Node& n, std::string_view name) {
  for (const auto& c : n.children)
    if (c.name == name) return &c;
  return nullptr;
}

TEST(Differential, TightensCardinalityAndUnfoldsTypes) {
  auto s = compile(R"([{"id":"Flag.category","path":"Flag.category","min":1,"max":"1"},
                       {"id":"Flag.period.start","path":"Flag.period.start","min":1}])");
  ASSERT_TRUE(s.ok()) << s.error().message();
  const Node* category = child((*s)->root, "category");
  ASSERT_NE(category, nullptr);
  EXPECT_EQ(category->min, 1u);
  EXPECT_EQ(category->max, 1u);
  EXPECT_TRUE(category->repeats);  // still an array in JSON
  const Node* period = child((*s)->root, "period");
  ASSERT_NE(period, nullptr);
  ASSERT_FALSE(period->children.empty());  // Period unfolded so start could be constrained
  EXPECT_EQ(child(*period, "start")->min, 1u);
}

TEST(Differential, SlicesCarryTheirOwnConstraints) {
  auto s = compile(R"([{"id":"Flag.identifier","path":"Flag.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"closed"}},
                       {"id":"Flag.identifier:local","path":"Flag.identifier","sliceName":"local","min":1,"max":"1"},
                       {"id":"Flag.identifier:local.system","path":"Flag.identifier.system","fixedUri":"https://example.org/ids"}])");
  ASSERT_TRUE(s.ok()) << s.error().message();
  const Node* id = child((*s)->root, "identifier");
  ASSERT_TRUE(id->sliced);
  EXPECT_TRUE(id->slicing_closed);
  ASSERT_EQ(id->slices.size(), 1u);
  EXPECT_EQ(id->slices[0].slice_name, "local");
  EXPECT_EQ(id->slices[0].min, 1u);
  EXPECT_TRUE(child(id->slices[0], "system")->fixed);
  EXPECT_FALSE(child(*id, "system") && child(*id, "system")->fixed);  // the base element is untouched
}

TEST(Differential, RefusesWhatIsNotAConstraint) {
  struct Case { const char* elements; const char* why; };
  for (const auto& c : {
           Case{R"([{"id":"Flag.status","min":0}])", "min cannot be lower"},
           Case{R"([{"id":"Flag.category","max":"1"},{"id":"Flag.category","max":"2"}])", "max cannot exceed"},
           Case{R"([{"id":"Flag.colour","min":1}])", "no element 'colour'"},
           Case{R"([{"id":"Patient.name","min":1}])", "must start with the type"},
           Case{R"([{"id":"Flag.subject","type":[{"code":"string"}]}])", "not allowed by the base"},
           Case{R"([{"id":"Flag.identifier:x","min":1}])", "declares no slicing"},
           Case{R"([{"id":"Flag","constraint":[{"key":"gw-no-such-check","severity":"error"}]}])", "has no implementation"},
           Case{R"([{"id":"Flag.status","fixedBoolean":true}])", "does not match the element's type"},
           Case{R"([{"id":"Flag.status.extension","min":1}])", "primitive"},
           Case{R"([{"id":"Flag.period","min":2}])", "min exceeds max"},
           Case{R"([{"path":"Flag.status","max":"many"}])", "max must be"},
           Case{R"({"not":"an array"})", "must be an array"},
           // Found by fuzzing: a type slice name shorter than the choice's prefix.
           Case{R"([{"id":"Flag.extension.value[x]:re","min":1}])", "does not name a type"},
           Case{R"([{"id":"Flag.extension.value[x]:valueSpaceship","min":1}])", "is not a type of"},
       }) {
    auto s = compile(c.elements);
    ASSERT_FALSE(s.ok()) << c.elements;
    EXPECT_NE(s.error().message().find(c.why), std::string::npos) << s.error().message();
  }
}

TEST(Differential, UnknownBaseOrDerivationIsRefused) {
  auto d = parse(R"({"resourceType":"StructureDefinition","url":"https://e/x","type":"Flag","baseDefinition":"https://e/none","derivation":"constraint","differential":{"element":[]}})");
  EXPECT_FALSE(apply_differential(d, validator().structures()).ok());
  auto spec = parse(R"({"resourceType":"StructureDefinition","url":"https://e/x","type":"Flag","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Flag","derivation":"specialization","differential":{"element":[]}})");
  EXPECT_FALSE(apply_differential(spec, validator().structures()).ok());
}

TEST(Differential, FinalizeResolvesTargetsAndNeedsKnownValueSets) {
  auto s = compile(R"([{"id":"Flag.subject","type":[{"code":"Reference","targetProfile":["http://hl7.org/fhir/StructureDefinition/Patient"]}]}])");
  ASSERT_TRUE(s.ok()) << s.error().message();
  Terminology term;
  ASSERT_TRUE(finalize_structure(**s, validator().structures(), term).ok());
  const Node* subject = child((*s)->root, "subject");
  ASSERT_EQ(subject->types.size(), 1u);
  EXPECT_EQ(subject->types[0].target_types, std::vector<std::string>{"Patient"});

  auto bad = compile(R"([{"id":"Flag.code","binding":{"strength":"required","valueSet":"https://example.org/ValueSet/none"}}])");
  ASSERT_TRUE(bad.ok());
  auto st = finalize_structure(**bad, validator().structures(), term);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("is not loaded"), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::validation
