// Property tests: random policies, consents, patients, resources and
// requests (seeded, reproducible), checked against a deliberately simple
// reference evaluator written here from consent-model.md, independently of
// the engine; and the key invariant: a resource is visible under narrow()
// exactly when decide() permits it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <iostream>
#include <random>
#include <set>

#include "policy/engine.hpp"
#include "policy/time_slot.hpp"
#include "policy_test_support.hpp"

namespace fhirgw::policy {
namespace {

const char* kSct = testing::kSct;

// ---------------------------------------------------------------- generation

enum class Source { practice, partner_author, other_org, none };
enum class Code { none, general_permit, third_party_permit, deny, unknown };
enum class ActorKind { none, org, kind, unrecognised };
enum class Period { open, expired, future, current };

struct Spec {  // one Consent, as the reference evaluator sees it
  std::string id, patient;
  bool active = true;
  std::string provision;  // permit | deny | ""
  Code code = Code::none;
  ActorKind actor = ActorKind::none;
  std::string actor_value;  // org code or kind word
  std::string purpose;
  Period period = Period::open;
  Source source = Source::practice;
  std::string source_org;  // resolved organisation for the source
};

struct World {
  Policy policy;
  std::vector<Spec> specs;
  ConsentIndex index;
  PatientDirectory patients;
  std::vector<ResourceFacts> resources;
};

const std::vector<std::string> kControllers = {"C1", "C2", "C3"};
const std::vector<std::string> kPartners = {"V1", "V2", "S1", "S2"};
const std::vector<std::string> kPurposes = {"TREAT", "CAREMGT", "ETREAT"};
const std::vector<std::string> kTypes = {"Patient", "CarePlan", "Flag", "QuestionnaireResponse", "MedicationStatement", "Consent"};
const std::vector<int64_t> kNows = {testing::at("2025-06-01T10:00:00Z"), testing::at("2025-08-15T23:30:00Z"),
                                    testing::at("2026-06-01T00:00:00Z")};
const std::vector<int64_t> kFlagTimes = {testing::at("2025-07-01T00:00:00Z"), testing::at("2026-01-01T00:00:00Z")};

struct Gen {
  std::mt19937 rng;
  explicit Gen(uint32_t seed) : rng(seed) {}
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
  template <class T>
  std::vector<T> subset(const std::vector<T>& v, double p, bool non_empty) {
    std::vector<T> out;
    for (const auto& x : v)
      if (chance(p)) out.push_back(x);
    if (out.empty() && non_empty) out.push_back(pick(v));
    return out;
  }
};

Policy random_policy(Gen& g) {
  Policy p;
  p.loaded = true;
  p.version = "rand";
  p.version_stamp = "rand+sha256:000000000000";
  for (const auto& c : kControllers) p.organisations.push_back({c, c, OrgKind::controller});
  p.organisations.push_back({"V1", "V1", OrgKind::voluntary});
  p.organisations.push_back({"V2", "V2", OrgKind::voluntary});
  p.organisations.push_back({"S1", "S1", OrgKind::statutory});
  p.organisations.push_back({"S2", "S2", OrgKind::statutory});
  p.code_sets["setA"] = {{kSct, "A1"}, {kSct, "A2"}};
  p.code_sets["setB"] = {{kSct, "B1"}};
  p.code_sets["flags"] = {{kSct, "F1"}};
  p.permit_codes.push_back({testing::kRead2, "9Nd7.", "", {}, {}});
  ConsentCode third{testing::kCtv3, "XaNwR", "", {}, {}};
  if (g.chance(0.5)) third.applies_to_orgs.push_back(g.pick(kPartners));
  if (g.chance(0.3)) third.applies_to_kinds.push_back(g.chance(0.5) ? OrgKind::voluntary : OrgKind::statutory);
  p.permit_codes.push_back(third);
  p.deny_codes.push_back({testing::kRead2, "9Nd1.", "", {}, {}});

  const std::vector<std::pair<const char*, const char*>> windows = {
      {"2024-01-01", "2026-12-31"}, {"2025-07-01", "2025-12-31"}, {"2020-01-01", "2020-12-31"}};
  const size_t n = g.below(4);
  for (size_t i = 0; i < n; ++i) {
    Agreement a;
    a.id = "a" + std::to_string(i);
    a.controllers = g.subset(kControllers, 0.6, true);
    a.partner_orgs = g.subset(kPartners, 0.3, false);
    for (OrgKind k : {OrgKind::voluntary, OrgKind::statutory, OrgKind::controller})
      if (g.chance(0.25)) a.partner_kinds.push_back(k);
    if (a.partner_orgs.empty() && a.partner_kinds.empty()) a.partner_orgs.push_back(g.pick(kPartners));
    const auto& w = windows[g.below(windows.size())];
    a.valid_from = w.first;
    a.valid_to = w.second;
    a.valid_from_ms = fhir_time::parse(w.first)->lo_ms;
    a.valid_until_ms = fhir_time::parse(w.second)->hi_ms;
    a.purposes = g.subset(kPurposes, 0.5, true);
    a.consent_mode = g.chance(0.5) ? ConsentMode::explicit_consent : ConsentMode::implied_consent;
    a.require_verified_nhs_number = g.chance(0.7);
    if (g.chance(0.4)) {
      a.cohort.any_of = g.chance(0.5);
      const size_t conds = 1 + g.below(2);
      for (size_t c = 0; c < conds; ++c) {
        CohortCondition cc;
        switch (g.below(3)) {
          case 0: cc.check = CohortCheck::min_age; cc.years = g.pick(std::vector<int>{18, 65, 80}); break;
          case 1: cc.check = CohortCheck::max_age; cc.years = g.pick(std::vector<int>{40, 75}); break;
          default:
            cc.check = CohortCheck::has_active_flag;
            if (g.chance(0.5)) {
              cc.code_sets = {"flags"};
              cc.flag_codes = p.code_sets["flags"];
            } else {
              cc.flag_codes = {{kSct, "F2"}};
            }
        }
        a.cohort.conditions.push_back(cc);
      }
    }
    for (const auto& t : kTypes) {
      if (!g.chance(0.6)) continue;
      ResourceRule r;
      r.type = t;
      for (Action act : {Action::read, Action::search, Action::create, Action::update})
        if (g.chance(0.6)) r.actions.insert(act);
      r.exclusions = g.subset(std::vector<std::string>{"setA", "setB"}, 0.3, false);
      if (g.chance(0.3)) r.hidden_fields = {"note"};
      a.resources.push_back(r);
    }
    p.agreements.push_back(a);
  }
  return p;
}

std::string consent_resource(const Spec& s) {
  testing::ConsentSpec c;
  c.id = s.id;
  c.patient = s.patient;
  c.status = s.active ? "active" : "inactive";
  c.provision = s.provision;
  switch (s.code) {
    case Code::general_permit: c.code_system = testing::kRead2; c.code = "9Nd7."; break;
    case Code::third_party_permit: c.code_system = testing::kCtv3; c.code = "XaNwR"; break;
    case Code::deny: c.code_system = testing::kRead2; c.code = "9Nd1."; break;
    case Code::unknown: c.code_system = testing::kRead2; c.code = "ZZZZ."; break;
    case Code::none: break;
  }
  if (s.actor == ActorKind::org) c.actor_org = s.actor_value;
  if (s.actor == ActorKind::kind) c.actor_kind = s.actor_value;
  c.actor_unrecognised = s.actor == ActorKind::unrecognised;
  c.purpose = s.purpose;
  switch (s.period) {
    case Period::expired: c.end = "2025-01-31"; break;
    case Period::future: c.start = "2026-01-01"; break;
    case Period::current: c.start = "2025-02-01"; c.end = "2025-12-31"; break;
    case Period::open: break;
  }
  if (s.source == Source::partner_author) c.author = s.source_org;
  else if (s.source != Source::none) c.source = s.source_org;
  return testing::consent_json(c);
}

World random_world(Gen& g) {
  World w;
  w.policy = random_policy(g);
  // Flag periods draw from their own stream (seeded from g's state, which it
  // leaves as it is), so the rest of the world is as before.
  Gen periods(static_cast<uint32_t>(std::mt19937(g.rng)()) ^ 0x9e3779b9u);
  for (int i = 0; i < 12; ++i) {
    PatientFacts p;
    p.id = "p" + std::to_string(i);
    p.controller = g.pick(kControllers);
    p.nhs_number_verified = g.chance(0.8);
    if (g.chance(0.1)) p.birth_date = "";
    else if (g.chance(0.05)) p.birth_date = "1950";
    else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 1925 + static_cast<int>(g.below(90)),
                    1 + static_cast<int>(g.below(12)), 1 + static_cast<int>(g.below(28)));
      p.birth_date = buf;
    }
    for (const char* f : {"F1", "F2", "X"})
      if (g.chance(0.25)) {
        FlagCode code{{kSct, f}};
        // Periods that start or end between the decisions' instants (kNows).
        if (periods.chance(0.3)) code.from_ms = periods.pick(kFlagTimes);
        if (periods.chance(0.3)) code.until_ms = periods.pick(kFlagTimes);
        p.flag_codes.push_back(code);
      }
    w.patients[p.id] = p;
  }
  int consent_no = 0;
  for (const auto& [id, patient] : w.patients) {
    const size_t n = g.below(4);
    for (size_t i = 0; i < n; ++i) {
      Spec s;
      s.id = "c" + std::to_string(consent_no++);
      s.patient = id;
      s.active = g.chance(0.85);
      s.provision = g.pick(std::vector<std::string>{"permit", "permit", "deny", ""});
      s.code = static_cast<Code>(g.below(5));
      if (g.chance(0.5)) s.code = Code::none;
      s.actor = static_cast<ActorKind>(g.below(4));
      if (g.chance(0.4)) s.actor = ActorKind::none;
      if (s.actor == ActorKind::org) s.actor_value = g.pick(kPartners);
      if (s.actor == ActorKind::kind) s.actor_value = g.chance(0.5) ? "voluntary" : "statutory";
      if (g.chance(0.3)) s.purpose = g.pick(kPurposes);
      s.period = g.chance(0.6) ? Period::open : static_cast<Period>(g.below(4));
      s.source = g.chance(0.5) ? Source::practice : static_cast<Source>(g.below(4));
      if (s.source == Source::practice) s.source_org = patient.controller;
      if (s.source == Source::partner_author) s.source_org = g.pick(kPartners);
      if (s.source == Source::other_org) s.source_org = g.pick(kControllers);  // maybe another practice
      w.specs.push_back(s);
      auto doc = json::parse(consent_resource(s));
      auto rec = parse_consent(*doc);
      EXPECT_TRUE(rec);
      if (rec) w.index.upsert(std::move(*rec));
    }
  }
  const std::vector<std::string> all_types = [] {
    auto t = kTypes;
    t.push_back("Questionnaire");
    return t;
  }();
  for (int i = 0; i < 40; ++i) {
    ResourceFacts r;
    r.type = g.pick(all_types);
    r.id = "r" + std::to_string(i);
    const bool reference = r.type == "Questionnaire" && g.chance(0.8);
    if (!reference) {
      r.controller = g.chance(0.9) ? g.pick(kControllers) : (g.chance(0.5) ? "" : "CX");
      if (r.type == "Patient") {
        r.patient_id = "p" + std::to_string(g.below(12));
        r.id = r.patient_id;
      } else {
        r.patient_id = g.chance(0.9) ? "p" + std::to_string(g.below(12)) : (g.chance(0.5) ? "" : "ghost");
      }
    }
    r.confidential = g.chance(0.1);
    for (const char* c : {"A1", "A2", "B1", "F1", "Z9"})
      if (g.chance(0.12)) r.codes.push_back({kSct, c});
    w.resources.push_back(r);
  }
  return w;
}

Request random_request(Gen& g) {
  Request r;
  Caller& c = r.caller;
  c.authenticated = g.chance(0.95);
  std::vector<std::string> orgs = kPartners;
  orgs.push_back("C1");
  orgs.push_back("ZZ");
  c.organisation = g.chance(0.9) ? g.pick(kPartners) : g.pick(orgs);
  c.client_id = c.organisation + "-client";
  c.roles = {"partner"};
  if (g.chance(0.15))
    c.roles = g.pick(std::vector<std::vector<std::string>>{{"partner", "ig-officer"}, {"integrator"}, {}, {"admin"}, {"ig-officer"}});
  if (g.chance(0.08)) c.kind = g.pick(std::vector<OrgKind>{OrgKind::voluntary, OrgKind::statutory, OrgKind::internal});
  r.purpose = g.pick(std::vector<std::string>{"TREAT", "CAREMGT", "ETREAT", "TREAT", "CAREMGT", "HRESCH", "", "BOGUS"});
  if (g.chance(0.1)) c.purpose = g.chance(0.5) ? r.purpose : "TREAT";
  using I = model::Interaction;
  r.interaction = g.pick(std::vector<I>{I::read, I::read, I::search, I::search, I::vread, I::history_instance,
                                         I::history_type, I::remove, I::create, I::update});
  r.scope_allows = g.chance(0.95);
  r.now_ms = g.pick(kNows);
  return r;
}

// ---------------------------------------------------------------- reference

const std::set<std::string> kKnownPurposes = {"TREAT", "CAREMGT", "ETREAT", "HRESCH"};

int ref_age(const std::string& birth, int64_t now_ms) {
  int y, m, d;
  if (birth.size() != 10 || std::sscanf(birth.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return -1;
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  int age = tm.tm_year + 1900 - y;
  if (tm.tm_mon + 1 < m || (tm.tm_mon + 1 == m && tm.tm_mday < d)) --age;
  return age;
}

bool ref_cohort(const Cohort& c, const PatientFacts& p, int64_t now) {
  if (c.conditions.empty()) return true;
  int held = 0;
  for (const auto& cond : c.conditions) {
    bool ok = false;
    if (cond.check == CohortCheck::has_active_flag) {
      for (const auto& f : p.flag_codes)
        ok = ok || (f.from_ms <= now && now < f.until_ms && cond.flag_codes.count(f.code) > 0);
    } else {
      int age = ref_age(p.birth_date, now);
      ok = age >= 0 && (cond.check == CohortCheck::min_age ? age >= cond.years : age <= cond.years);
    }
    held += ok;
  }
  return c.any_of ? held > 0 : held == static_cast<int>(c.conditions.size());
}

bool ref_in_period(const Spec& s, int64_t now) {
  auto day = [](const char* d) { return fhir_time::parse(d)->lo_ms; };
  switch (s.period) {
    case Period::open: return true;
    case Period::expired: return now < day("2025-02-01");
    case Period::future: return now >= day("2026-01-01");
    case Period::current: return now >= day("2025-02-01") && now < day("2026-01-01");
  }
  return false;
}

struct RefConsent {
  bool dissent = false, permit = false;
};

RefConsent ref_consent(const Policy& pol, const std::vector<Spec>& specs, const PatientFacts& patient,
                       const Organisation& org, const std::string& purpose, int64_t now) {
  RefConsent out;
  for (const auto& s : specs) {
    if (s.patient != patient.id || !s.active || !ref_in_period(s, now)) continue;
    // What the record means.
    bool deny = false, permit = false, general = false;
    std::vector<std::pair<ActorKind, std::string>> actors;
    if (s.actor != ActorKind::none) actors.push_back({s.actor, s.actor_value});
    if (s.code == Code::deny) deny = general = true;
    else if (s.provision == "deny") deny = true;
    else if (s.code == Code::general_permit) permit = true;
    else if (s.code == Code::third_party_permit) {
      permit = true;
      if (actors.empty()) {
        const ConsentCode* c = pol.find_permit_code(testing::kCtv3, "XaNwR");
        for (const auto& o : c->applies_to_orgs) actors.push_back({ActorKind::org, o});
        for (auto k : c->applies_to_kinds) actors.push_back({ActorKind::kind, to_string(k)});
      }
    } else if (s.provision == "permit") permit = true;
    if (!deny && !permit) continue;
    if (!general) {
      if (!s.purpose.empty() && s.purpose != purpose) continue;
      bool actor_ok = actors.empty();
      for (const auto& [kind, value] : actors) {
        if (kind == ActorKind::org && value == org.code) actor_ok = true;
        if (kind == ActorKind::kind && value == to_string(org.kind)) actor_ok = true;
        if (kind == ActorKind::unrecognised && deny) actor_ok = true;
      }
      if (!actor_ok) continue;
    }
    if (deny) out.dissent = true;
    else if (!s.source_org.empty() && (s.source_org == patient.controller || s.source_org == org.code)) out.permit = true;
  }
  return out;
}

struct RefCaller {
  const Organisation* org = nullptr;
  std::string purpose;
};

bool ref_caller(const Policy& p, const Request& r, RefCaller& rc) {
  const Caller& c = r.caller;
  if (!p.loaded || !c.authenticated || c.organisation.empty() || !r.scope_allows) return false;
  for (const char* role : {"ig-officer", "integrator", "admin"})
    if (c.has_role(role)) return false;
  if (!c.has_role("partner") || c.kind == OrgKind::internal) return false;
  for (const auto& o : p.organisations)
    if (o.code == c.organisation) rc.org = &o;
  if (!rc.org || (c.kind != OrgKind::unknown && c.kind != rc.org->kind)) return false;
  if (!r.purpose.empty() && !c.purpose.empty() && r.purpose != c.purpose) return false;
  rc.purpose = r.purpose.empty() ? c.purpose : r.purpose;
  return kKnownPurposes.count(rc.purpose) > 0;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool ref_agreement_applies(const Agreement& a, const RefCaller& rc, const std::string& controller, int64_t now) {
  const bool partner = contains(a.partner_orgs, rc.org->code) ||
                       std::find(a.partner_kinds.begin(), a.partner_kinds.end(), rc.org->kind) != a.partner_kinds.end();
  return partner && contains(a.purposes, rc.purpose) && contains(a.controllers, controller) &&
         now >= a.valid_from_ms && now < a.valid_until_ms;
}

bool ref_patient_ok(const World& w, const Agreement& a, const RefCaller& rc, const PatientFacts& patient, int64_t now) {
  RefConsent c = ref_consent(w.policy, w.specs, patient, *rc.org, rc.purpose, now);
  if (c.dissent) return false;
  if (a.consent_mode == ConsentMode::explicit_consent && !c.permit) return false;
  if (a.require_verified_nhs_number && !patient.nhs_number_verified) return false;
  return ref_cohort(a.cohort, patient, now);
}

const PatientFacts* lookup(const World& w, const std::string& id) {
  auto it = w.patients.find(id);
  return it == w.patients.end() ? nullptr : &it->second;
}

bool ref_read(const World& w, const Request& r, const ResourceFacts& res) {
  RefCaller rc;
  if (!ref_caller(w.policy, r, rc)) return false;
  using I = model::Interaction;
  Action action;
  if (r.interaction == I::read || r.interaction == I::vread || r.interaction == I::history_instance) action = Action::read;
  else if (r.interaction == I::search || r.interaction == I::history_type) action = Action::search;
  else return false;
  if (res.type == "Questionnaire") return res.controller.empty() && res.patient_id.empty() && !res.confidential;
  const PatientFacts* patient = lookup(w, res.patient_id);
  for (const auto& a : w.policy.agreements) {
    if (!ref_agreement_applies(a, rc, res.controller, r.now_ms)) continue;
    const ResourceRule* rule = nullptr;
    for (const auto& x : a.resources)
      if (x.type == res.type) rule = &x;
    if (!rule || !rule->actions.count(action)) continue;
    if (res.patient_id.empty() || !patient) continue;
    if (!ref_patient_ok(w, a, rc, *patient, r.now_ms)) continue;
    if (res.confidential) continue;
    bool excluded = false;
    for (const auto& set : rule->exclusions)
      for (const auto& c : res.codes) excluded = excluded || w.policy.code_sets.at(set).count(c) > 0;
    if (excluded) continue;
    return true;
  }
  return false;
}

// A create with an empty body (no hidden field can be present).
bool ref_create(const World& w, const Request& r, const ResourceFacts& res) {
  RefCaller rc;
  if (!ref_caller(w.policy, r, rc) || r.interaction != model::Interaction::create) return false;
  if (res.type == "Questionnaire") return false;
  const PatientFacts* subject = lookup(w, res.patient_id);
  if (res.patient_id.empty() || !subject) return false;
  if (!res.controller.empty() && res.controller != subject->controller) return false;
  for (const auto& a : w.policy.agreements) {
    if (!ref_agreement_applies(a, rc, subject->controller, r.now_ms)) continue;
    const ResourceRule* rule = nullptr;
    for (const auto& x : a.resources)
      if (x.type == res.type) rule = &x;
    if (!rule || !rule->actions.count(Action::create)) continue;
    if (ref_patient_ok(w, a, rc, *subject, r.now_ms)) return true;
  }
  return false;
}

// The store's reading of a Visibility, written from search_query.hpp's comments.
bool visible(const search::Visibility& v, const ResourceFacts& r) {
  if (v.all) return true;
  for (const auto& g : v.grants) {
    if (!contains(g.controllers, r.controller) || !contains(g.types, r.type)) continue;
    if (g.patients_restricted && !contains(g.patients_in.items(), r.patient_id)) continue;
    if (contains(g.patients_out.items(), r.patient_id)) continue;
    if (g.exclude_confidential && r.confidential) continue;
    bool excluded = false;
    for (const auto& c : r.codes)
      excluded = excluded || std::find(g.excluded_codes.begin(), g.excluded_codes.end(), c) != g.excluded_codes.end();
    if (excluded) continue;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- properties

TEST(PolicyProperties, DecideAgreesWithTheReferenceEvaluator) {
  Gen g(20250601);
  size_t decisions = 0, permits = 0;
  std::set<std::string> rules_seen;
  for (int world_no = 0; world_no < 300; ++world_no) {
    World w = random_world(g);
    for (int q = 0; q < 10; ++q) {
      Request r = random_request(g);
      for (const auto& res : w.resources) {
        const PatientFacts* patient = lookup(w, res.patient_id);
        Decision d = decide(w.policy, w.index, r, res, patient);
        const bool expected = ref_read(w, r, res);
        ASSERT_EQ(d.permit, expected) << "world " << world_no << " request " << q << " " << res.type << "/" << res.id
                                      << " rule " << d.rule << ": " << d.reason();
        ++decisions;
        permits += d.permit;
        rules_seen.insert(d.rule);
        ASSERT_FALSE(d.chain.empty());
        ASSERT_FALSE(d.rule.empty());
        if (d.permit) {
          ASSERT_EQ(d.chain.back().rule, d.agreement.empty() ? "reference-data" : "permit");
          ASSERT_EQ(d.chain.back().outcome, StepOutcome::pass);
        } else {
          ASSERT_TRUE(d.agreement.empty());
          ASSERT_TRUE(d.hidden_fields.empty());
        }
      }
    }
  }
  // Not vacuous: permits happen and every kind of denial is exercised.
  EXPECT_GT(permits, decisions / 50) << permits << " of " << decisions;
  std::cout << "decide: " << decisions << " decisions, " << permits << " permits, " << rules_seen.size() << " rules\n";
  for (const char* rule : {"permit", "policy", "authenticated", "scope", "role", "organisation", "purpose", "interaction",
                           "agreement", "resource-type", "patient", "consent", "nhs-number", "cohort", "confidential",
                           "exclusion", "reference-data"}) {
    if (std::string(rule) == "policy") continue;  // random policies are always loaded; covered in engine_test
    EXPECT_TRUE(rules_seen.count(rule)) << rule;
  }
}

// What the gateway relies on to keep a decision (app/version_facts_cache):
// within one slot of time, every read decision is the same at every instant.
// Instants are drawn around every boundary (just before, at, just after) and
// at the usual decision times; each is compared with the first and last
// instants of its slot and one between.
TEST(PolicyProperties, DecisionsHoldForTheirWholeTimeSlot) {
  Gen g(1107);
  size_t compared = 0, changes_at_boundaries = 0;
  auto same = [](const Decision& a, const Decision& b) {
    return a.permit == b.permit && a.rule == b.rule && a.agreement == b.agreement &&
           a.hidden_fields == b.hidden_fields && a.reason() == b.reason();
  };
  for (int world_no = 0; world_no < 60; ++world_no) {
    World w = random_world(g);
    const TimeBoundaries boundaries = TimeBoundaries::of(w.policy, w.index, w.patients);
    std::vector<int64_t> instants = kNows;
    for (int64_t t : {testing::at("2025-02-01T00:00:00Z"), testing::at("2026-01-01T00:00:00Z"),
                      testing::at("2025-07-01T00:00:00Z")})
      for (int64_t d : {-1, 0, 1}) instants.push_back(t + d);
    for (int q = 0; q < 6; ++q) {
      Request r = random_request(g);
      if (r.interaction == model::Interaction::create || r.interaction == model::Interaction::update) continue;
      for (int64_t now : instants) {
        const TimeSlot slot = boundaries.slot(now);
        ASSERT_TRUE(slot.contains(now));
        const int64_t inside = slot.from_ms + static_cast<int64_t>(g.below(static_cast<size_t>(slot.until_ms - slot.from_ms)));
        for (const auto& res : w.resources) {
          const PatientFacts* patient = lookup(w, res.patient_id);
          Request at = r;
          at.now_ms = now;
          const Decision d = decide(w.policy, w.index, at, res, patient);
          for (int64_t other : {slot.from_ms, slot.until_ms - 1, inside}) {
            at.now_ms = other;
            ASSERT_TRUE(same(d, decide(w.policy, w.index, at, res, patient)))
                << "world " << world_no << " " << res.type << "/" << res.id << " at " << now << " and " << other;
            ++compared;
          }
          at.now_ms = slot.until_ms;  // the next slot may differ (not vacuous: some do)
          changes_at_boundaries += !same(d, decide(w.policy, w.index, at, res, patient));
        }
      }
    }
  }
  std::cout << "slots: " << compared << " comparisons, " << changes_at_boundaries << " changes at a slot's end\n";
  EXPECT_GT(changes_at_boundaries, 0u);
}

TEST(TimeSlots, BoundariesSplitTheDayAndEachPeriod) {
  Policy p;
  Agreement a;
  a.valid_from_ms = testing::at("2025-01-01T00:00:00Z");
  a.valid_until_ms = testing::at("2026-01-01T00:00:00Z");
  p.agreements.push_back(a);
  ConsentIndex consents;
  consents.upsert(testing::consent_record({.id = "c1", .patient = "p1", .provision = "deny",
                                           .start = "2025-06-01T09:30:00Z", .source = "P1"}));
  PatientDirectory patients;
  patients["p1"].id = "p1";
  add_flag(patients["p1"], *json::parse(R"({"resourceType":"Flag","status":"active","period":{"end":"2025-06-01T15:00:00Z"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"F"}]}})"));
  const TimeBoundaries b = TimeBoundaries::of(p, consents, patients);
  // Midnight, the dissent's start, the flag's end (exclusive after its last second), midnight.
  EXPECT_EQ(b.slot(testing::at("2025-06-01T08:00:00Z")),
            (TimeSlot{testing::at("2025-06-01T00:00:00Z"), testing::at("2025-06-01T09:30:00Z")}));
  EXPECT_EQ(b.slot(testing::at("2025-06-01T09:30:00Z")),
            (TimeSlot{testing::at("2025-06-01T09:30:00Z"), testing::at("2025-06-01T15:00:01Z")}));
  EXPECT_EQ(b.slot(testing::at("2025-06-01T20:00:00Z")),
            (TimeSlot{testing::at("2025-06-01T15:00:01Z"), testing::at("2025-06-02T00:00:00Z")}));
  // The agreement's end, at midnight: a day of its own either side.
  EXPECT_EQ(b.slot(testing::at("2025-12-31T23:59:59Z")),
            (TimeSlot{testing::at("2025-12-31T00:00:00Z"), testing::at("2026-01-01T00:00:00Z")}));
  EXPECT_EQ(b.slot(testing::at("1969-12-31T12:00:00Z")),
            (TimeSlot{testing::at("1969-12-31T00:00:00Z"), testing::at("1970-01-01T00:00:00Z")}));
}

TEST(PolicyProperties, CreateAgreesWithTheReferenceEvaluator) {
  Gen g(77);
  size_t permits = 0, total = 0;
  const json::Value empty(rapidjson::kObjectType);
  for (int world_no = 0; world_no < 200; ++world_no) {
    World w = random_world(g);
    for (int q = 0; q < 8; ++q) {
      Request r = random_request(g);
      r.interaction = model::Interaction::create;
      for (auto res : w.resources) {
        if (g.chance(0.5)) res.controller.clear();  // partners' writes usually name no controller
        Decision d = decide_write(w.policy, w.index, r, res, empty, nullptr, lookup(w, res.patient_id));
        ASSERT_EQ(d.permit, ref_create(w, r, res))
            << "world " << world_no << " " << res.type << "/" << res.id << " rule " << d.rule << ": " << d.reason();
        permits += d.permit;
        ++total;
      }
    }
  }
  std::cout << "create: " << total << " decisions, " << permits << " permits\n";
  EXPECT_GT(permits, total / 400);
}

TEST(PolicyProperties, NarrowShowsExactlyWhatDecidePermits) {
  Gen g(424242);
  size_t checked = 0, visible_count = 0;
  for (int world_no = 0; world_no < 300; ++world_no) {
    World w = random_world(g);
    for (int q = 0; q < 10; ++q) {
      Request r = random_request(g);
      // Whole-system narrowing, and narrowing to each type.
      std::vector<std::string> types = {""};
      for (const auto& t : kTypes) types.push_back(t);
      types.push_back("Questionnaire");
      for (const auto& type : types) {
        r.type = type;
        search::Visibility v = narrow(w.policy, w.index, r, w.patients);
        ASSERT_FALSE(v.all) << "partners never get everything";
        for (const auto& grant : v.grants) {
          ASSERT_FALSE(grant.controllers.empty());
          ASSERT_FALSE(grant.types.empty());
          ASSERT_TRUE(grant.exclude_confidential);
        }
        for (const auto& res : w.resources) {
          if (res.patient_id == "ghost") continue;  // narrow() is exact for patients in the directory
          if (!type.empty() && res.type != type) continue;
          const bool permitted = decide(w.policy, w.index, r, res, lookup(w, res.patient_id)).permit;
          ASSERT_EQ(visible(v, res), permitted)
              << "world " << world_no << " request " << q << " type '" << type << "' " << res.type << "/" << res.id;
          ++checked;
          visible_count += permitted;
        }
      }
    }
  }
  std::cout << "narrow: " << checked << " checks, " << visible_count << " visible\n";
  EXPECT_GT(visible_count, checked / 50);
}

TEST(PolicyProperties, ConsentWithdrawalHidesEveryResourceOfThePatientAtOnce) {
  Gen g(9);
  for (int world_no = 0; world_no < 100; ++world_no) {
    World w = random_world(g);
    Request r = random_request(g);
    for (const auto& [id, patient] : w.patients) {
      ConsentIndex idx = w.index;
      testing::ConsentSpec dissent;
      dissent.id = "withdrawn-" + id;
      dissent.patient = id;
      dissent.code_system = testing::kRead2;
      dissent.code = "9Nd1.";
      dissent.source = patient.controller;
      idx.upsert(testing::consent_record(dissent));
      for (const auto& res : w.resources) {
        if (res.patient_id != id) continue;
        Decision d = decide(w.policy, idx, r, res, &patient);
        ASSERT_FALSE(d.permit) << res.type << "/" << res.id;
      }
      r.type.clear();
      for (const auto& grant : narrow(w.policy, idx, r, w.patients).grants) {
        ASSERT_FALSE(contains(grant.patients_in.items(), id));
        if (!grant.patients_restricted && grant.types.front() != "Questionnaire") {
          ASSERT_TRUE(contains(grant.patients_out.items(), id));
        }
      }
    }
  }
}

}  // namespace
}  // namespace fhirgw::policy
