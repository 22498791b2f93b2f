#include "policy/engine.hpp"

#include <algorithm>

#include "policy/redact.hpp"

namespace fhirgw::policy {

const char* to_string(StepOutcome o) {
  switch (o) {
    case StepOutcome::pass: return "pass";
    case StepOutcome::fail: return "fail";
    case StepOutcome::note: return "note";
  }
  return "note";
}

std::string Decision::reason() const {
  for (const auto& s : chain)
    if (s.rule == rule && (s.outcome == StepOutcome::fail || (permit && s.outcome == StepOutcome::pass)))
      return s.sentence;
  return chain.empty() ? std::string() : chain.back().sentence;
}

namespace {

const std::vector<std::string> kInternalRoles = {"ig-officer", "integrator", "admin"};

// Passes and notes only explain: the sentence is built when the decision is
// traced ($explain, $dry-run), not on every request. Failures always keep
// theirs, since a denial's reason is audited and returned.
template <class Sentence>
void pass(Decision& d, const char* rule, Sentence&& sentence) {
  if (d.trace) d.chain.push_back({rule, StepOutcome::pass, sentence()});
}
template <class Sentence>
void note(Decision& d, const char* rule, Sentence&& sentence) {
  if (d.trace) d.chain.push_back({rule, StepOutcome::note, sentence()});
}
bool fail(Decision& d, std::string rule, std::string sentence) {
  d.permit = false;
  if (d.rule.empty()) d.rule = rule;
  d.chain.push_back({std::move(rule), StepOutcome::fail, std::move(sentence)});
  return false;
}

std::string type_and_id(const ResourceFacts& r) { return r.type + "/" + r.id; }
// "agreement 'id': ", how an agreement's steps begin (built only for a sentence).
std::string named(const Agreement& a) { return "agreement '" + a.id + "': "; }

// What the caller side of condition 1 and 2 needs, resolved once.
struct CallerContext {
  const Organisation* org = nullptr;
  std::string purpose;
};

// Conditions that do not depend on the resource. Records steps; false = deny.
bool check_caller(const Policy& p, const Request& req, Decision& d, CallerContext& cx) {
  if (!p.loaded) return fail(d, "policy", "no policy is in force, so nothing is shared");
  const Caller& c = req.caller;
  if (!c.authenticated || c.organisation.empty())
    return fail(d, "authenticated", "the caller is not authenticated (unknown caller)");
  pass(d, "authenticated", [&] { return std::string("client " + (c.client_id.empty() ? std::string("(unnamed)") : c.client_id) +
                               " of organisation " + c.organisation + " is authenticated"); });
  if (!req.scope_allows)
    return fail(d, "scope", "the access token's scopes do not allow " +
                                std::string(model::to_string(req.interaction)) +
                                (req.type.empty() ? std::string() : " on " + req.type));
  pass(d, "scope", [&] { return std::string("the access token's scopes allow " + std::string(model::to_string(req.interaction))); });
  for (const auto& r : kInternalRoles)
    if (c.has_role(r))
      return fail(d, "role", "the " + r + " role never reads or writes clinical data through the API");
  if (c.kind == OrgKind::internal)
    return fail(d, "role", "internal clients never read or write clinical data through the API");
  if (!c.has_role("partner")) return fail(d, "role", "the caller does not hold the partner role");
  pass(d, "role", [&] { return std::string("the caller holds the partner role"); });
  cx.org = p.find_organisation(c.organisation);
  if (!cx.org) return fail(d, "organisation", "organisation " + c.organisation + " is not in the policy");
  if (c.kind != OrgKind::unknown && c.kind != cx.org->kind)
    return fail(d, "organisation", "organisation " + c.organisation + " is registered as " + to_string(c.kind) +
                                       " but the policy says " + kind_word(cx.org->kind));
  pass(d, "organisation", [&] { return std::string(c.organisation + " (" + cx.org->name + ") is a " + kind_word(cx.org->kind) +
                              " organisation in the policy"); });
  if (!req.purpose.empty() && !c.purpose.empty() && req.purpose != c.purpose)
    return fail(d, "purpose", "the request states purpose " + req.purpose + " but the token says " + c.purpose);
  cx.purpose = !req.purpose.empty() ? req.purpose : c.purpose;
  if (cx.purpose.empty()) return fail(d, "purpose", "the request states no purpose of use");
  if (!is_known_purpose(cx.purpose))
    return fail(d, "purpose", "'" + cx.purpose + "' is not a known purpose of use (ActReason) code");
  pass(d, "purpose", [&] { return std::string("purpose of use " + cx.purpose); });
  return true;
}

// What every decision does first: trace or not, the policy's version stamp,
// and the conditions on the caller alone.
bool start_decision(const Policy& p, const Request& req, Decision& d, CallerContext& cx) {
  d.trace = req.trace;
  d.policy_version = p.loaded ? p.version_stamp : "";
  return check_caller(p, req, d, cx);
}

// Agreements in force for this partner, purpose and controller; the others
// that name the partner are noted, so "why" shows near misses.
std::vector<const Agreement*> agreements_for(const Policy& p, const CallerContext& cx,
                                             const std::string& controller, int64_t now_ms, Decision* d) {
  std::vector<const Agreement*> out;
  for (const auto& a : p.agreements) {
    if (!a.covers_partner(*cx.org)) continue;
    auto name = [&] { return std::string("agreement '" + a.id + "'"); };  // built only when a sentence is
    if (!a.covers_purpose(cx.purpose)) {
      if (d) note(*d, "agreement", [&] { return std::string(name() + " does not cover purpose " + cx.purpose); });
    } else if (!a.covers_controller(controller)) {
      if (d) note(*d, "agreement", [&] { return std::string(name() + " does not cover controller " + (controller.empty() ? "(none)" : controller)); });
    } else if (!a.in_force(now_ms)) {
      if (d) note(*d, "agreement", [&] { return std::string(name() + " is not in force (valid " + a.valid_from + " to " + a.valid_to + ")"); });
    } else {
      out.push_back(&a);
    }
  }
  return out;
}

// Conditions 4 and 5: patient-level, the same for every resource of the patient.
bool patient_allowed(const Policy& p, const ConsentIndex& ci, const Agreement& a, const CallerContext& cx,
                     const PatientFacts& patient, int64_t now_ms, Decision* d) {
  Decision scratch;
  Decision& out = d ? *d : scratch;
  ConsentFinding f = evaluate_consent(p, ci, patient.id, patient.controller, *cx.org, cx.purpose, now_ms, d && d->trace);
  if (d)
    for (const auto& n : f.notes) note(*d, "consent", [&] { return std::string(named(a) + n); });
  if (f.dissent) {
    out.consents.insert(out.consents.end(), f.dissents.begin(), f.dissents.end());
    return fail(out, "consent", named(a) + "patient " + patient.id + " has dissented from this sharing");
  }
  if (a.consent_mode == ConsentMode::explicit_consent) {
    if (!f.permit)
      return fail(out, "consent", named(a) + "explicit consent is required and patient " + patient.id +
                                      " holds no permit for " + cx.org->code + " and " + cx.purpose);
    if (d) {
      d->consents = f.permits;
      pass(*d, "consent", [&] { return std::string(named(a) + "explicit consent held (" + f.permits.front() + ")"); });
    }
  } else if (d) {
    pass(*d, "consent", [&] { return std::string(named(a) + "implied consent, no dissent"); });
  }
  if (a.require_verified_nhs_number) {
    if (!patient.nhs_number_verified)
      return fail(out, "nhs-number", named(a) + "patient " + patient.id + "'s NHS number is not verified");
    if (d) pass(*d, "nhs-number", [&] { return std::string(named(a) + "NHS number verified"); });
  } else if (d) {
    note(*d, "nhs-number", [&] { return std::string(named(a) + "this agreement does not require a verified NHS number"); });
  }
  if (!a.cohort.empty()) {
    // The sentence saying why is worked out again only when it is wanted.
    auto why = [&] {
      std::string w;
      in_cohort(a.cohort, patient, now_ms, &w);
      return w;
    };
    if (!in_cohort(a.cohort, patient, now_ms, nullptr))
      return fail(out, "cohort", named(a) + "patient " + patient.id + " is not in the cohort: " + why());
    if (d) pass(*d, "cohort", [&] { return std::string(named(a) + "patient is in the cohort: " + why()); });
  }
  return true;
}

bool patient_known(const std::string& pid, const PatientFacts* patient, const Agreement& a, Decision& d) {
  if (pid.empty()) return fail(d, "patient", named(a) + "the resource names no patient, so consent cannot be checked");
  if (!patient || patient->id != pid) return fail(d, "patient", named(a) + "patient " + pid + " is unknown");
  return true;
}

bool reference_data(const Request& req, Action action, const ResourceFacts& r, Decision& d) {
  if (action != Action::read && action != Action::search)
    return fail(d, "reference-data", r.type + " is reference data: partners may only read and search it");
  if (!r.controller.empty() || !r.patient_id.empty() || r.confidential)
    return fail(d, "reference-data", type_and_id(r) + " is not shareable reference data (it has a controller, a patient or a confidentiality label)");
  pass(d, "reference-data", [&] { return std::string(r.type + " is reference data shared with every partner"); });
  d.permit = true;
  d.rule = "permit";
  return true;
}

}  // namespace

Decision decide(const Policy& p, const ConsentIndex& ci, const Request& req, const ResourceFacts& r,
                const PatientFacts* patient) {
  Decision d;
  CallerContext cx;
  if (!start_decision(p, req, d, cx)) return d;
  auto action = action_for(req.interaction);
  if (!action) return fail(d, "interaction", "delete is never permitted through the partner API"), d;
  if (*action == Action::create || *action == Action::update)
    return fail(d, "interaction", "writes are decided by the write rules, not the read rules"), d;
  if (is_reference_type(r.type)) {
    reference_data(req, *action, r, d);
    return d;
  }
  auto candidates = agreements_for(p, cx, r.controller, req.now_ms, &d);
  if (candidates.empty())
    return fail(d, "agreement", "no agreement in force lets " + cx.org->code + " see records of " +
                                    (r.controller.empty() ? std::string("(no controller)") : r.controller) +
                                    " for " + cx.purpose),
           d;
  for (const Agreement* a : candidates) {
    pass(d, "agreement", [&] { return std::string(named(*a) + "covers " + cx.org->code + ", controller " + r.controller + " and purpose " + cx.purpose); });
    const ResourceRule* rule = a->rule_for(r.type);
    if (!rule || !rule->allows(*action)) {
      fail(d, "resource-type", named(*a) + "does not allow " + to_string(*action) + " on " + r.type);
      continue;
    }
    pass(d, "resource-type", [&] { return std::string(named(*a) + "allows " + to_string(*action) + " on " + r.type); });
    if (!patient_known(r.patient_id, patient, *a, d)) continue;
    if (!patient_allowed(p, ci, *a, cx, *patient, req.now_ms, &d)) continue;
    if (r.confidential) {
      fail(d, "confidential", named(*a) + type_and_id(r) + " is marked confidential and never leaves the gateway for a partner");
      continue;
    }
    std::vector<std::string> matched;
    for (const auto& set : rule->exclusions) {
      auto codes = p.code_sets.find(set);
      if (codes == p.code_sets.end()) continue;  // the loader refuses unknown sets
      for (const auto& c : r.codes)
        if (codes->second.count(c)) matched.push_back(set + ": " + c.first + "|" + c.second);
    }
    if (!matched.empty()) {
      d.exclusions = matched;
      fail(d, "exclusion", named(*a) + type_and_id(r) + " carries an excluded code (" + matched.front() + ")");
      continue;
    }
    pass(d, "exclusion", [&] { return std::string(named(*a) + "no confidentiality label and no excluded code"); });
    d.permit = true;
    d.rule = "permit";
    d.agreement = a->id;
    d.hidden_fields = rule->hidden_fields;
    d.exclusions.clear();
    if (a->consent_mode == ConsentMode::implied_consent) d.consents.clear();
    if (!rule->hidden_fields.empty())
      note(d, "hidden-fields", [&] {
        std::string hidden;
        for (const auto& h : rule->hidden_fields) hidden += (hidden.empty() ? "" : ", ") + h;
        return named(*a) + "hides " + hidden;
      });
    pass(d, "permit", [&] { return std::string("permitted under agreement '" + a->id + "'"); });
    return d;
  }
  std::sort(d.consents.begin(), d.consents.end());
  d.consents.erase(std::unique(d.consents.begin(), d.consents.end()), d.consents.end());
  return d;
}

Decision decide_write(const Policy& p, const ConsentIndex& ci, const Request& req,
                      const ResourceFacts& incoming, const json::Value& body, const ResourceFacts* current,
                      const PatientFacts* subject) {
  Decision d;
  CallerContext cx;
  if (!start_decision(p, req, d, cx)) return d;
  auto action = action_for(req.interaction);
  if (!action || (*action != Action::create && *action != Action::update))
    return fail(d, "interaction", "only create and update are writes a partner may make"), d;
  if (is_reference_type(incoming.type))
    return fail(d, "reference-data", incoming.type + " is reference data: partners do not write it"), d;
  if (*action == Action::update) {
    if (!current) return fail(d, "current-version", "there is no current version to update"), d;
    Request read = req;
    read.interaction = model::Interaction::read;
    const PatientFacts* current_patient = subject && subject->id == current->patient_id ? subject : nullptr;
    Decision rd = decide(p, ci, read, *current, current_patient);
    if (!rd.permit)
      return fail(d, "not-visible", type_and_id(*current) + " is not visible to " + cx.org->code +
                                        " (" + rd.reason() + "), so it cannot be updated"),
             d;
    pass(d, "not-visible", [&] { return std::string("the current version is visible to " + cx.org->code); });
    if (current->author_org != cx.org->code)
      return fail(d, "authorship", type_and_id(*current) + " was authored by " +
                                       (current->author_org.empty() ? std::string("the practice") : current->author_org) +
                                       "; a partner may update only what it authored"),
             d;
    pass(d, "authorship", [&] { return std::string(cx.org->code + " authored the current version"); });
    if (current->patient_id != incoming.patient_id)
      return fail(d, "subject", "an update may not move " + type_and_id(*current) + " to another patient"), d;
  }
  if (incoming.patient_id.empty() || !subject || subject->id != incoming.patient_id)
    return fail(d, "subject", "the subject patient " + incoming.patient_id + " is unknown"), d;
  // The subject must be a patient the partner may read: a confidential
  // Patient never is, whatever the consent says.
  if (subject->confidential)
    return fail(d, "subject", "the subject Patient/" + subject->id + " is marked confidential, so partners cannot write about it"), d;
  if (!incoming.controller.empty() && incoming.controller != subject->controller)
    return fail(d, "subject", "the write names controller " + incoming.controller + " but the patient belongs to " +
                                  subject->controller),
           d;
  auto candidates = agreements_for(p, cx, subject->controller, req.now_ms, &d);
  if (candidates.empty())
    return fail(d, "agreement", "no agreement in force lets " + cx.org->code + " write to records of " +
                                    subject->controller + " for " + cx.purpose),
           d;
  for (const Agreement* a : candidates) {
    pass(d, "agreement", [&] { return std::string(named(*a) + "covers " + cx.org->code + ", controller " + subject->controller + " and purpose " + cx.purpose); });
    const ResourceRule* rule = a->rule_for(incoming.type);
    if (!rule || !rule->allows(*action)) {
      fail(d, "resource-type", named(*a) + "does not allow " + to_string(*action) + " on " + incoming.type);
      continue;
    }
    pass(d, "resource-type", [&] { return std::string(named(*a) + "allows " + to_string(*action) + " on " + incoming.type); });
    if (!patient_allowed(p, ci, *a, cx, *subject, req.now_ms, &d)) continue;
    std::string present;
    for (const auto& h : rule->hidden_fields)
      if (has_field(body, h)) present += (present.empty() ? "" : ", ") + h;
    if (!present.empty()) {
      fail(d, "hidden-field", named(*a) + "the body writes " + present + ", hidden from " + cx.org->code);
      continue;
    }
    d.permit = true;
    d.rule = "permit";
    d.agreement = a->id;
    d.hidden_fields = rule->hidden_fields;
    if (a->consent_mode == ConsentMode::implied_consent) d.consents.clear();
    pass(d, "permit", [&] { return std::string(std::string(to_string(*action)) + " permitted under agreement '" + a->id + "'"); });
    return d;
  }
  return d;
}

search::Visibility narrow(const Policy& p, const ConsentIndex& ci, const Request& req,
                          const PatientDirectory& directory) {
  Decision d;
  CallerContext cx;
  if (!check_caller(p, req, d, cx)) return search::Visibility::nothing();
  auto action = action_for(req.interaction);
  if (!action || (*action != Action::read && *action != Action::search)) return search::Visibility::nothing();
  search::Visibility v = search::Visibility::nothing();
  for (const auto& a : p.agreements) {
    if (!a.covers_partner(*cx.org) || !a.covers_purpose(cx.purpose) || !a.in_force(req.now_ms)) continue;
    std::vector<const ResourceRule*> rules;
    for (const auto& r : a.resources)
      if (r.allows(*action) && (req.type.empty() || r.type == req.type)) rules.push_back(&r);
    if (rules.empty()) continue;
    std::vector<std::string> allowed, refused;
    for (const auto& [id, patient] : directory)
      (patient_allowed(p, ci, a, cx, patient, req.now_ms, nullptr) ? allowed : refused).push_back(id);
    std::sort(allowed.begin(), allowed.end());  // the directory has no order; the narrowing does
    std::sort(refused.begin(), refused.end());
    // One list each, shared by the agreement's grants.
    const bool restricted = allowed.size() <= refused.size() + 1;
    search::IdList patients;
    if (restricted) {
      patients = std::move(allowed);
    } else {
      refused.push_back("");  // resources without a patient stay hidden, as in decide()
      patients = std::move(refused);
    }
    for (const ResourceRule* r : rules) {
      search::Grant g;
      g.controllers = a.controllers;
      g.types = {r->type};
      g.exclude_confidential = true;
      const auto codes = p.codes_of(r->exclusions);
      g.excluded_codes = std::vector<std::pair<std::string, std::string>>(codes.begin(), codes.end());
      g.patients_restricted = restricted;
      (restricted ? g.patients_in : g.patients_out) = patients;
      v.grants.push_back(std::move(g));
    }
  }
  // Reference data: no controller, no patient.
  for (const auto& t : model::resource_types()) {
    if (!is_reference_type(t.name) || (!req.type.empty() && req.type != t.name)) continue;
    search::Grant g;
    g.controllers = {""};
    g.types = {std::string(t.name)};
    g.patients_restricted = true;
    g.patients_in = {""};
    g.exclude_confidential = true;
    v.grants.push_back(std::move(g));
  }
  return v;
}

bool may_operate(const Caller& c, Operation op) {
  if (!c.authenticated) return false;
  switch (op) {
    case Operation::import: return c.has_role("integrator") || c.has_role("admin");
    case Operation::export_writeback:
    case Operation::read_quarantine: return c.has_role("integrator");
    case Operation::read_audit:
    case Operation::explain:
    case Operation::dry_run: return c.has_role("ig-officer");
    case Operation::reload_policy: return c.has_role("ig-officer") || c.has_role("admin");
  }
  return false;
}

}  // namespace fhirgw::policy
