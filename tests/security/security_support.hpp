#pragma once
// Helpers shared by the security tests: one governed gateway per test suite,
// sessions for the registered partners, and Bundle/OperationOutcome readers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "governed_gateway.hpp"

namespace fhirgw::testing {

// A test suite against one governed gateway, started once for the suite.
class GovernedSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static GovernedGateway& gw() { return *gateway_; }
  // Age UK (CAREMGT) and the community trust (TREAT), with their full scopes.
  static HttpClient& ageuk();
  static HttpClient& trust();
  static HttpClient& ig_officer();  // no purpose header, no scopes
  // A fresh session (own token) with the given scopes and purpose.
  static std::unique_ptr<HttpClient> session(const std::string& client, const std::string& scopes,
                                             const std::string& purpose, const std::string& cert = {});

 private:
  static std::unique_ptr<GovernedGateway> gateway_;
  static std::string start_error_;
  static std::unique_ptr<HttpClient> ageuk_, trust_, ig_;
};

json::Document parse_body(const HttpResponse& r);
// "Type/id" of each Bundle entry whose search.mode is `mode` ("" = every entry with a resource).
std::vector<std::string> entry_refs(const HttpResponse& r, const std::string& mode = "match");
// Bundle.total, or -1 when absent.
int64_t bundle_total(const HttpResponse& r);
// The url of Bundle.link with this relation ("" if none).
std::string bundle_link(const HttpResponse& r, const std::string& relation);
// Every OperationOutcome issue's code and diagnostics, joined.
std::string outcome_text(const HttpResponse& r);
// The body with every occurrence of `id` replaced by "<id>" (to compare error shapes).
std::string without(std::string text, const std::string& id);
// A readable "status body" for assertion messages.
std::string show(const HttpResponse& r);
// The path part of an absolute URL on the gateway ("/CarePlan?_cursor=...").
std::string path_of(const std::string& url, const std::string& base);

}  // namespace fhirgw::testing
