#pragma once
// Shared for the validation tests: one Validator loaded from the real
// fhir-profiles tree (loading parses ~45 MB, so once per process), fixture
// loading, and issue matchers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/json.hpp"
#include "validation/validator.hpp"

namespace fhirgw::validation::testing {

inline std::filesystem::path source_dir() { return FHIRGW_SOURCE_DIR; }

inline const Validator& validator() {
  static const std::unique_ptr<Validator> v = [] {
    auto r = Validator::load(source_dir() / "fhir-profiles");
    if (!r) {
      ADD_FAILURE() << "Validator::load failed: " << r.error().message();
      std::abort();
    }
    return std::move(r).value();
  }();
  return *v;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline json::Document parse(std::string_view text) {
  auto d = json::parse(text);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message());
  return d.ok() ? std::move(d).value() : json::Document();
}

inline json::Document fixture(const std::string& name) {
  return parse(read_text(source_dir() / "tests" / "data" / "resources" / name));
}

inline std::string describe(const std::vector<Issue>& issues) {
  std::string s;
  for (const auto& i : issues)
    s += std::string(to_string(i.severity)) + " [" + i.code + "] " + i.expression + ": " + i.diagnostics + "\n";
  return s;
}

inline std::vector<Issue> errors(const std::vector<Issue>& issues) {
  std::vector<Issue> out;
  for (const auto& i : issues)
    if (i.severity == Severity::error || i.severity == Severity::fatal) out.push_back(i);
  return out;
}

// Exactly one error, at this expression, with this issue code.
#define EXPECT_ONE_ERROR(issues, expr, issue_code)                                   \
  do {                                                                               \
    auto errs_ = ::fhirgw::validation::testing::errors(issues);                      \
    ASSERT_EQ(errs_.size(), 1u) << ::fhirgw::validation::testing::describe(issues);  \
    EXPECT_EQ(errs_[0].expression, expr) << errs_[0].diagnostics;                    \
    EXPECT_EQ(errs_[0].code, issue_code) << errs_[0].diagnostics;                    \
  } while (0)

#define EXPECT_NO_ERRORS(issues) \
  EXPECT_TRUE(::fhirgw::validation::testing::errors(issues).empty()) << ::fhirgw::validation::testing::describe(issues)

}  // namespace fhirgw::validation::testing
