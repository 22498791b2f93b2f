#pragma once
// A response body as JSON for the tests' assertions: a body that does not
// parse fails the test (showing its start) and reads as an empty object.
#include <gtest/gtest.h>

#include <string>

#include "core/json.hpp"

namespace fhirgw::testing {

inline json::Document parse(const std::string& text) {
  auto d = json::parse(text);
  EXPECT_TRUE(d.ok()) << text.substr(0, 500);
  return d.ok() ? std::move(d).value() : json::Document(rapidjson::kObjectType);
}

}  // namespace fhirgw::testing
