// The audit trail across a crash: every response a partner received has its
// entry on disk, even when the gateway is killed (SIGKILL) with requests in
// flight, and the trail still verifies. Kills this file's own gateway.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "security_support.hpp"

namespace fhirgw::testing {
namespace {

class AuditDurability : public GovernedSuite {};

TEST_F(AuditDurability, EveryAnsweredRequestIsInTheTrailAfterAKill) {
  const std::string careplan = "/" + gw().id("consenting careplan");
  std::mutex mu;
  std::set<std::string> answered;  // X-Request-Id of every response received
  std::atomic<int> responses{0};
  std::atomic<bool> killed{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&] {
      auto s = session("ageuk-app", "system/CarePlan.rs", "CAREMGT");
      while (!killed.load()) {
        auto r = s->get(careplan);
        if (r.status == 0) break;  // the connection died with the gateway
        if (r.status != 200) {  // 429: over the client's rate; wait for its budget
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        std::lock_guard lock(mu);
        answered.insert(r.header("x-request-id"));
        ++responses;
      }
    });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (responses.load() < 250 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  gw().process().kill9();  // requests still in flight
  killed = true;
  for (auto& t : clients) t.join();

  std::string out;
  ASSERT_EQ(run_command({"audit", "verify", "--store", gw().store_url()}, &out), 0) << out;
  EXPECT_NE(out.find("intact"), std::string::npos) << out;
  ASSERT_EQ(run_command({"audit", "export", "--store", gw().store_url(), "--agent", "ageuk-app"}, &out), 0);
  std::vector<std::string> lost;
  for (const auto& id : answered)
    if (id.empty() || out.find("\"" + id + "\"") == std::string::npos) lost.push_back(id);
  EXPECT_GE(answered.size(), 250u);
  EXPECT_THAT(lost, ::testing::IsEmpty()) << lost.size() << " of " << answered.size()
                                          << " answered requests have no audit entry";
}

}  // namespace
}  // namespace fhirgw::testing
