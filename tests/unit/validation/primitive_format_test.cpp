#include "validation/primitive_format.hpp"

#include <gtest/gtest.h>

namespace fhirgw::validation {
namespace {

bool ok(Primitive p, const char* json_text) {
  json::Document d;
  d.Parse(json_text);
  EXPECT_FALSE(d.HasParseError()) << json_text;
  return !check_primitive(p, d).has_value();
}

TEST(PrimitiveFormat, JsonTypes) {
  EXPECT_TRUE(ok(Primitive::boolean, "true"));
  EXPECT_FALSE(ok(Primitive::boolean, "\"true\""));
  EXPECT_TRUE(ok(Primitive::integer, "-3"));
  EXPECT_FALSE(ok(Primitive::integer, "1.5"));
  EXPECT_FALSE(ok(Primitive::integer, "\"1\""));
  EXPECT_FALSE(ok(Primitive::integer, "4294967296"));
  EXPECT_TRUE(ok(Primitive::decimal, "1.50"));
  EXPECT_FALSE(ok(Primitive::decimal, "\"1.5\""));
  EXPECT_TRUE(ok(Primitive::positiveInt, "1"));
  EXPECT_FALSE(ok(Primitive::positiveInt, "0"));
  EXPECT_TRUE(ok(Primitive::unsignedInt, "0"));
  EXPECT_FALSE(ok(Primitive::unsignedInt, "-1"));
  EXPECT_FALSE(ok(Primitive::string, "12"));
  EXPECT_FALSE(ok(Primitive::string, "\"\""));
  EXPECT_TRUE(ok(Primitive::string, "\" padded \""));
}

TEST(PrimitiveFormat, Strings) {
  EXPECT_TRUE(ok(Primitive::code, "\"in-progress\""));
  EXPECT_TRUE(ok(Primitive::code, "\"two words\""));
  EXPECT_FALSE(ok(Primitive::code, "\" lead\""));
  EXPECT_FALSE(ok(Primitive::code, "\"two  spaces\""));
  EXPECT_TRUE(ok(Primitive::id, "\"a1b2-C3.d4\""));
  EXPECT_FALSE(ok(Primitive::id, "\"under_score\""));
  EXPECT_FALSE(ok(Primitive::id, ("\"" + std::string(65, 'a') + "\"").c_str()));
  EXPECT_TRUE(ok(Primitive::uri, "\"https://fhir.nhs.uk/Id/nhs-number\""));
  EXPECT_FALSE(ok(Primitive::uri, "\"has space\""));
  EXPECT_TRUE(ok(Primitive::canonical, "\"https://x.org/Questionnaire/q|1.0\""));
  EXPECT_TRUE(ok(Primitive::uuid, "\"urn:uuid:c757873d-ec9a-4326-a141-556f43239520\""));
  EXPECT_FALSE(ok(Primitive::uuid, "\"urn:uuid:C757873D-EC9A-4326-A141-556F43239520\""));
  EXPECT_FALSE(ok(Primitive::uuid, "\"c757873d-ec9a-4326-a141-556f43239520\""));
  EXPECT_TRUE(ok(Primitive::oid, "\"urn:oid:2.16.840.1.113883\""));
  EXPECT_FALSE(ok(Primitive::oid, "\"urn:oid:3.1\""));
  EXPECT_FALSE(ok(Primitive::oid, "\"urn:oid:1.02\""));
  EXPECT_TRUE(ok(Primitive::base64Binary, "\"aGVsbG8=\""));
  EXPECT_FALSE(ok(Primitive::base64Binary, "\"aGVsbG8\""));
  EXPECT_FALSE(ok(Primitive::base64Binary, "\"a=bc\""));
  EXPECT_TRUE(ok(Primitive::xhtml, "\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">x</div>\""));
  EXPECT_FALSE(ok(Primitive::xhtml, "\"<p>x</p>\""));
}

TEST(PrimitiveFormat, DatesAndTimes) {
  EXPECT_TRUE(ok(Primitive::date, "\"2025\""));
  EXPECT_TRUE(ok(Primitive::date, "\"2025-02\""));
  EXPECT_TRUE(ok(Primitive::date, "\"2025-02-28\""));
  EXPECT_FALSE(ok(Primitive::date, "\"2025-02-30\""));
  EXPECT_FALSE(ok(Primitive::date, "\"15/01/2025\""));
  EXPECT_TRUE(ok(Primitive::dateTime, "\"2025-01-15T11:02:00+00:00\""));
  EXPECT_TRUE(ok(Primitive::dateTime, "\"2025-01-15\""));
  EXPECT_FALSE(ok(Primitive::dateTime, "\"2025-01-15T11:02:00\""));  // a time needs a zone
  EXPECT_TRUE(ok(Primitive::instant, "\"2025-01-15T11:02:00.123Z\""));
  EXPECT_FALSE(ok(Primitive::instant, "\"2025-01-15\""));
  EXPECT_TRUE(ok(Primitive::time, "\"09:30:00\""));
  EXPECT_TRUE(ok(Primitive::time, "\"09:30:00.5\""));
  EXPECT_FALSE(ok(Primitive::time, "\"24:00:00\""));
  EXPECT_FALSE(ok(Primitive::time, "\"9:30\""));
}

TEST(PrimitiveFormat, Names) {
  EXPECT_EQ(primitive_from_name("dateTime"), Primitive::dateTime);
  EXPECT_EQ(primitive_from_name("positiveInt"), Primitive::positiveInt);
  EXPECT_EQ(primitive_from_name("CodeableConcept"), Primitive::none);
}

}  // namespace
}  // namespace fhirgw::validation
