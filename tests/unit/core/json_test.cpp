#include "core/json.hpp"
#include "core/operation_outcome.hpp"

#include <gtest/gtest.h>

using namespace fhirgw;

TEST(Json, ParseErrorsNameLineAndColumn) {
  auto r = json::parse("{\n  \"a\": 1,\n  \"b\": }");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("line 3"), std::string::npos) << r.error().message();
  EXPECT_FALSE(json::parse("{} {}").ok());
  EXPECT_TRUE(json::parse("  {\"a\":[1,2]}  ").ok());
}

TEST(Json, PathAccess) {
  auto d = json::parse(R"({"meta":{"versionId":"3"},"id":"x"})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*json::get_string(*d, "id"), "x");
  EXPECT_STREQ(json::get_path(*d, "meta.versionId")->GetString(), "3");
  EXPECT_EQ(json::get_path(*d, "meta.nope"), nullptr);
}

TEST(OperationOutcome, CarriesExpression) {
  auto e = Error::invalid("bad date", "Patient.birthDate");
  auto text = to_operation_outcome(e);
  auto d = json::parse(text);
  ASSERT_TRUE(d.ok());
  EXPECT_STREQ((*d)["resourceType"].GetString(), "OperationOutcome");
  EXPECT_STREQ((*d)["issue"][0]["expression"][0].GetString(), "Patient.birthDate");
  EXPECT_STREQ((*d)["issue"][0]["code"].GetString(), "invalid");
}

TEST(Json, LongDecimalsAndHugeExponentsDoNotCrash) {
  // Found by fuzzing: RapidJSON's full-precision path crashed on these.
  std::string long_decimal = "{\"v\":0." + std::string(472, '0') + "8}";
  EXPECT_TRUE(json::parse(long_decimal).ok());
  auto huge = json::parse("{\"v\":60000000000000000010800000000000000000000000e0307}");
  (void)huge;  // either a value or a clean error; never a crash
  SUCCEED();
}

TEST(Json, AppendQuotedEscapesAsTheWriterDoes) {
  // Every byte value, alone and inside text: the hand-written escaper must
  // give exactly what RapidJSON's writer gives, and parse back to the input.
  std::vector<std::string> inputs = {"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r",
                                     "caf\xc3\xa9 \xe2\x9c\x93", std::string("nul\0byte", 8)};
  for (int b = 0; b < 256; ++b) inputs.push_back("a" + std::string(1, static_cast<char>(b)) + "z");
  for (const auto& s : inputs) {
    rapidjson::Document d;
    d.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), d.GetAllocator());
    std::string mine = "prefix:";
    json::append_quoted(mine, s);
    EXPECT_EQ(mine, "prefix:" + json::to_string(d));
    auto back = json::parse(mine.substr(7));
    ASSERT_TRUE(back.ok()) << mine;
    EXPECT_EQ(std::string(back->GetString(), back->GetStringLength()), s);
  }
}
