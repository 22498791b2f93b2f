#include "policy/consent.hpp"

#include <algorithm>

#include "core/fhir_time.hpp"
#include "core/systems.hpp"

namespace fhirgw::policy {

const char* to_string(Provision p) { return p == Provision::permit ? "permit" : "deny"; }

namespace {

std::string str(std::optional<std::string_view> v) { return v ? std::string(*v) : std::string(); }

// "Patient/123", "https://host/fhir/Patient/123/_history/2" -> "123"
std::string id_after(std::string_view ref, std::string_view type) {
  const std::string marker = std::string(type) + "/";
  auto pos = ref.rfind(marker);
  if (pos == std::string_view::npos) return {};
  if (pos != 0 && ref[pos - 1] != '/') return {};
  std::string_view rest = ref.substr(pos + marker.size());
  return std::string(rest.substr(0, rest.find('/')));
}

std::string tag_code(const json::Value& res, std::string_view system) {
  const json::Value* tags = json::get_path(res, "meta.tag");
  if (!tags || !tags->IsArray()) return {};
  for (const auto& t : tags->GetArray())
    if (json::get_string(t, "system") == std::optional(system)) return str(json::get_string(t, "code"));
  return {};
}

void add_codings(const json::Value* concepts, std::vector<Coding>& out) {
  if (!concepts || !concepts->IsArray()) return;
  for (const auto& cc : concepts->GetArray()) {
    const json::Value* codings = json::get(cc, "coding");
    if (!codings || !codings->IsArray()) continue;
    for (const auto& c : codings->GetArray()) {
      auto sys = json::get_string(c, "system");
      auto code = json::get_string(c, "code");
      if (sys && code) out.emplace_back(std::string(*sys), std::string(*code));
    }
  }
}

ConsentActor parse_actor(const json::Value& actor) {
  ConsentActor a;
  const json::Value* ref = json::get(actor, "reference");
  if (!ref) return a;
  if (const json::Value* ident = json::get(*ref, "identifier")) {
    auto sys = json::get_string(*ident, "system");
    auto val = json::get_string(*ident, "value");
    if (sys && val && *sys == systems::kOdsCode && !val->empty()) {
      a.kind = ConsentActor::Kind::organisation;
      a.organisation = std::string(*val);
    } else if (sys && val && *sys == kOrgKindSystem) {
      if (auto k = parse_partner_kind(*val)) {
        a.kind = ConsentActor::Kind::org_kind;
        a.org_kind = *k;
      }
    }
    return a;
  }
  if (auto r = json::get_string(*ref, "reference")) {
    std::string org = id_after(*r, "Organization");
    if (!org.empty()) {
      a.kind = ConsentActor::Kind::organisation;
      a.organisation = org;
    }
  }
  return a;
}

bool actor_matches(const ConsentActor& a, const Organisation& partner, Provision p) {
  switch (a.kind) {
    case ConsentActor::Kind::organisation: return a.organisation == partner.code;
    case ConsentActor::Kind::org_kind: return a.org_kind == partner.kind;
    case ConsentActor::Kind::unrecognised: return p == Provision::deny;
  }
  return false;
}

std::string describe(const std::vector<ConsentActor>& actors) {
  if (actors.empty()) return "anyone";
  std::string s;
  for (const auto& a : actors) {
    if (!s.empty()) s += ", ";
    if (a.kind == ConsentActor::Kind::organisation) s += a.organisation;
    else if (a.kind == ConsentActor::Kind::org_kind) s += std::string("any ") + kind_word(a.org_kind) + " organisation";
    else s += "an unrecognised actor";
  }
  return s;
}

}  // namespace

Result<ConsentRecord> parse_consent(const json::Value& c) {
  if (json::get_string(c, "resourceType") != std::optional<std::string_view>("Consent"))
    return Error::invalid("not a Consent resource", "resourceType");
  ConsentRecord r;
  r.id = str(json::get_string(c, "id"));
  if (r.id.empty()) return Error::invalid("Consent has no id", "Consent.id");
  if (const json::Value* p = json::get(c, "patient")) r.patient_id = id_after(str(json::get_string(*p, "reference")), "Patient");
  if (r.patient_id.empty())
    return Error::invalid("Consent " + r.id + " names no patient (patient.reference Patient/<id>)", "Consent.patient");
  r.status = str(json::get_string(c, "status"));

  if (const json::Value* scope = json::get(c, "scope")) {
    if (const json::Value* codings = json::get(*scope, "coding"); codings && codings->IsArray()) {
      r.about_sharing = false;
      for (const auto& x : codings->GetArray())
        if (json::get_string(x, "code") == std::optional<std::string_view>("patient-privacy")) r.about_sharing = true;
    }
  }
  add_codings(json::get(c, "category"), r.codes);

  r.source_org = tag_code(c, systems::kAuthorOrg);
  if (r.source_org.empty()) r.source_org = tag_code(c, systems::kController);
  if (r.source_org.empty()) {
    if (const json::Value* orgs = json::get(c, "organization"); orgs && orgs->IsArray() && !orgs->Empty()) {
      const json::Value& o = (*orgs)[0];
      if (const json::Value* ident = json::get(o, "identifier");
          ident && json::get_string(*ident, "system") == std::optional<std::string_view>(systems::kOdsCode))
        r.source_org = str(json::get_string(*ident, "value"));
      else
        r.source_org = id_after(str(json::get_string(o, "reference")), "Organization");
    }
  }

  if (const json::Value* prov = json::get(c, "provision")) {
    auto type = json::get_string(*prov, "type");
    if (type == std::optional<std::string_view>("permit")) r.declared = Provision::permit;
    else if (type == std::optional<std::string_view>("deny")) r.declared = Provision::deny;
    add_codings(json::get(*prov, "code"), r.codes);
    if (const json::Value* actors = json::get(*prov, "actor"); actors && actors->IsArray())
      for (const auto& a : actors->GetArray()) r.actors.push_back(parse_actor(a));
    if (const json::Value* purposes = json::get(*prov, "purpose"); purposes && purposes->IsArray()) {
      for (const auto& p : purposes->GetArray()) {
        auto sys = json::get_string(p, "system");
        auto code = json::get_string(p, "code");
        if (code && (!sys || *sys == kActReasonSystem)) r.purposes.emplace_back(*code);
        else r.purposes_unrecognised = true;
      }
    }
    if (const json::Value* period = json::get(*prov, "period")) {
      if (auto s = json::get_string(*period, "start")) {
        if (auto range = fhir_time::parse(*s)) r.start_ms = range->lo_ms;
        else return Error::invalid("Consent " + r.id + ": bad provision.period.start", "Consent.provision.period.start");
      }
      if (auto e = json::get_string(*period, "end")) {
        if (auto range = fhir_time::parse(*e)) r.end_ms = range->hi_ms;
        else return Error::invalid("Consent " + r.id + ": bad provision.period.end", "Consent.provision.period.end");
      }
    }
    if (const json::Value* nested = json::get(*prov, "provision"); nested && nested->IsArray() && !nested->Empty())
      r.has_nested = true;
  }
  return r;
}

std::optional<EffectiveConsent> effective_provision(const Policy& policy, const ConsentRecord& r) {
  // A deny code wins over everything else the record says.
  for (const auto& [sys, code] : r.codes) {
    if (policy.find_deny_code(sys, code)) {
      EffectiveConsent e;
      e.provision = Provision::deny;
      e.general = true;
      e.basis = "dissent code " + sys + "|" + code;
      return e;
    }
  }
  if (r.declared == Provision::deny) {
    EffectiveConsent e;
    e.provision = Provision::deny;
    e.actors = r.actors;
    e.basis = "provision.type deny";
    return e;
  }
  for (const auto& [sys, code] : r.codes) {
    if (const ConsentCode* pc = policy.find_permit_code(sys, code)) {
      EffectiveConsent e;
      e.provision = Provision::permit;
      e.basis = "consent code " + sys + "|" + code;
      if (!r.actors.empty()) {
        e.actors = r.actors;
      } else {
        for (const auto& o : pc->applies_to_orgs)
          e.actors.push_back({ConsentActor::Kind::organisation, o, OrgKind::unknown});
        for (auto k : pc->applies_to_kinds) e.actors.push_back({ConsentActor::Kind::org_kind, {}, k});
      }
      return e;
    }
  }
  if (r.declared == Provision::permit) {
    EffectiveConsent e;
    e.provision = Provision::permit;
    e.actors = r.actors;
    e.basis = "provision.type permit";
    return e;
  }
  return std::nullopt;
}

void ConsentIndex::upsert(ConsentRecord r) {
  erase(r.id);
  patient_of_[r.id] = r.patient_id;
  by_patient_[r.patient_id].push_back(std::move(r));
}

void ConsentIndex::erase(std::string_view consent_id) {
  auto it = patient_of_.find(consent_id);
  if (it == patient_of_.end()) return;
  auto pit = by_patient_.find(it->second);
  if (pit != by_patient_.end()) {
    auto& v = pit->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const ConsentRecord& r) { return r.id == consent_id; }),
            v.end());
    if (v.empty()) by_patient_.erase(pit);
  }
  patient_of_.erase(it);
}

const std::vector<ConsentRecord>* ConsentIndex::for_patient(std::string_view patient_id) const {
  auto it = by_patient_.find(patient_id);
  return it == by_patient_.end() ? nullptr : &it->second;
}

ConsentIndex build_consent_index(const std::vector<const json::Value*>& consents,
                                 std::vector<std::string>* problems) {
  ConsentIndex idx;
  for (const json::Value* c : consents) {
    if (!c) continue;
    auto r = parse_consent(*c);
    if (r) idx.upsert(std::move(*r));
    else if (problems) problems->push_back(r.error().message());
  }
  return idx;
}

ConsentFinding evaluate_consent(const Policy& policy, const ConsentIndex& index,
                                std::string_view patient_id, std::string_view patient_controller,
                                const Organisation& partner, std::string_view purpose, int64_t now_ms,
                                bool with_notes) {
  ConsentFinding f;
  // Sentences are built only when asked for.
  auto note = [&](auto&& sentence) {
    if (with_notes) f.notes.push_back(sentence());
  };
  const auto* records = index.for_patient(patient_id);
  if (!records) {
    note([] { return std::string("the patient has no consent records"); });
    return f;
  }
  for (const auto& r : *records) {
    auto name = [&] { return std::string("Consent/" + r.id); };  // built only when a sentence is
    if (r.status != "active") {
      note([&] { return name() + " is " + (r.status.empty() ? "without status" : r.status) + ": ignored"; });
      continue;
    }
    if (!r.about_sharing) {
      note([&] { return name() + " is not about sharing (scope is not patient-privacy): ignored"; });
      continue;
    }
    auto eff = effective_provision(policy, r);
    if (!eff) {
      note([&] { return name() + " has no provision type and no consent code the policy lists: ignored"; });
      continue;
    }
    if (now_ms < r.start_ms || now_ms >= r.end_ms) {
      note([&] { return name() + " (" + to_string(eff->provision) + ") is outside its period: ignored"; });
      continue;
    }
    const bool is_deny = eff->provision == Provision::deny;
    if (!eff->general) {
      bool purpose_ok;
      if (is_deny) {
        purpose_ok = r.purposes.empty() || r.purposes_unrecognised ||
                     std::find(r.purposes.begin(), r.purposes.end(), purpose) != r.purposes.end();
      } else {
        purpose_ok = r.purposes.empty() ? !r.purposes_unrecognised
                                        : std::find(r.purposes.begin(), r.purposes.end(), purpose) != r.purposes.end();
      }
      if (!purpose_ok) {
        note([&] { return name() + " (" + to_string(eff->provision) + ") does not cover purpose " + std::string(purpose); });
        continue;
      }
      bool actor_ok = eff->actors.empty();
      for (const auto& a : eff->actors) actor_ok = actor_ok || actor_matches(a, partner, eff->provision);
      if (!actor_ok) {
        note([&] { return name() + " (" + to_string(eff->provision) + ", " + eff->basis + ") is for " +
                          describe(eff->actors) + ", not " + partner.code; });
        continue;
      }
    }
    if (is_deny) {
      f.dissent = true;
      f.dissents.push_back(r.id);
      note([&] { return name() + " is a dissent (" + eff->basis + ") recorded by " +
                        (r.source_org.empty() ? "an unknown organisation" : r.source_org) +
                        (eff->general ? " for sharing with anyone" : " for " + describe(eff->actors)) +
                        ": it applies and no permit can override it"; });
      continue;
    }
    if (r.has_nested) {
      note([&] { return name() + " is a permit with nested provisions, which the gateway does not interpret: not counted"; });
      continue;
    }
    if (r.source_org.empty() || (r.source_org != patient_controller && r.source_org != partner.code)) {
      note([&] { return name() + " is a permit recorded by " +
                        (r.source_org.empty() ? "an unknown organisation" : r.source_org) +
                        ", neither the patient's practice nor " + partner.code + ": not counted"; });
      continue;
    }
    f.permit = true;
    f.permits.push_back(r.id);
    note([&] { return name() + " is a permit (" + eff->basis + ") recorded by " + r.source_org + " for " +
                      describe(eff->actors); });
  }
  return f;
}

std::optional<json::Document> consent_from_extract_code(const Policy& policy,
                                                        const ExtractConsentEntry& e) {
  const ConsentCode* deny = policy.find_deny_code(e.system, e.code);
  const ConsentCode* permit = deny ? nullptr : policy.find_permit_code(e.system, e.code);
  if (!deny && !permit) return std::nullopt;
  const ConsentCode& cc = deny ? *deny : *permit;

  json::Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  auto s = [&](std::string_view v) { return json::make_string(v, a); };
  auto coding = [&](std::string_view sys, std::string_view code, std::string_view display) {
    json::Value c(rapidjson::kObjectType);
    c.AddMember("system", s(sys), a);
    c.AddMember("code", s(code), a);
    if (!display.empty()) c.AddMember("display", s(display), a);
    return c;
  };
  auto concept_of = [&](json::Value c) {
    json::Value cc2(rapidjson::kObjectType);
    json::Value arr(rapidjson::kArrayType);
    arr.PushBack(std::move(c), a);
    cc2.AddMember("coding", std::move(arr), a);
    return cc2;
  };

  d.AddMember("resourceType", "Consent", a);
  d.AddMember("id", s(e.consent_id), a);
  {
    json::Value meta(rapidjson::kObjectType), tags(rapidjson::kArrayType);
    tags.PushBack(coding(systems::kController, e.controller, ""), a);
    meta.AddMember("tag", std::move(tags), a);
    d.AddMember("meta", std::move(meta), a);
  }
  d.AddMember("status", "active", a);
  d.AddMember("scope", concept_of(coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent")), a);
  {
    json::Value cats(rapidjson::kArrayType);
    cats.PushBack(concept_of(coding("http://loinc.org", "59284-0", "Patient Consent")), a);
    cats.PushBack(concept_of(coding(cc.system, cc.code, cc.display)), a);
    d.AddMember("category", std::move(cats), a);
  }
  {
    json::Value p(rapidjson::kObjectType);
    p.AddMember("reference", s("Patient/" + e.patient_id), a);
    d.AddMember("patient", std::move(p), a);
  }
  if (!e.date.empty()) d.AddMember("dateTime", s(e.date), a);
  {
    json::Value orgs(rapidjson::kArrayType), org(rapidjson::kObjectType), ident(rapidjson::kObjectType);
    ident.AddMember("system", s(systems::kOdsCode), a);
    ident.AddMember("value", s(e.controller), a);
    org.AddMember("identifier", std::move(ident), a);
    orgs.PushBack(std::move(org), a);
    d.AddMember("organization", std::move(orgs), a);
  }
  d.AddMember("policyRule",
              concept_of(coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", deny ? "OPTOUT" : "OPTIN", "")), a);
  {
    json::Value prov(rapidjson::kObjectType);
    prov.AddMember("type", json::Value(rapidjson::StringRef(deny ? "deny" : "permit")), a);
    if (permit && (!cc.applies_to_orgs.empty() || !cc.applies_to_kinds.empty())) {
      json::Value actors(rapidjson::kArrayType);
      auto add_actor = [&](std::string_view sys, std::string_view value) {
        json::Value actor(rapidjson::kObjectType), ref(rapidjson::kObjectType), ident(rapidjson::kObjectType);
        actor.AddMember("role", concept_of(coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient")), a);
        ident.AddMember("system", s(sys), a);
        ident.AddMember("value", s(value), a);
        ref.AddMember("identifier", std::move(ident), a);
        actor.AddMember("reference", std::move(ref), a);
        actors.PushBack(std::move(actor), a);
      };
      for (const auto& o : cc.applies_to_orgs) add_actor(systems::kOdsCode, o);
      for (auto k : cc.applies_to_kinds) add_actor(kOrgKindSystem, kind_word(k));
      prov.AddMember("actor", std::move(actors), a);
    }
    d.AddMember("provision", std::move(prov), a);
  }
  return d;
}

}  // namespace fhirgw::policy
