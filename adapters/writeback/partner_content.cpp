#include "writeback/partner_content.hpp"

#include <charconv>
#include <map>

#include "core/systems.hpp"

namespace fhirgw::adapters::writeback {
namespace {

std::string text_of(const json::Value& v, std::string_view key) {
  return std::string(json::get_string(v, key).value_or(""));
}

std::vector<Coding> codings_of(const json::Value* cc) {
  std::vector<Coding> out;
  if (!cc || !cc->IsObject()) return out;
  const auto* cs = json::get(*cc, "coding");
  if (!cs || !cs->IsArray()) return out;
  for (const auto& c : cs->GetArray()) {
    if (!c.IsObject()) continue;
    Coding coding{text_of(c, "system"), text_of(c, "code"), text_of(c, "display")};
    if (!coding.code.empty()) out.push_back(std::move(coding));
  }
  return out;
}

std::string concept_text(const json::Value* cc) {
  if (!cc || !cc->IsObject()) return {};
  auto t = text_of(*cc, "text");
  if (!t.empty()) return t;
  for (const auto& c : codings_of(cc)) {
    if (!c.display.empty()) return c.display;
  }
  return {};
}

void period_of(const json::Value& obj, std::string_view key, std::string& start, std::string& end) {
  if (const auto* p = json::get(obj, key); p && p->IsObject()) {
    start = text_of(*p, "start");
    end = text_of(*p, "end");
  }
}

void collect_answers(const json::Value& items, std::map<std::string, int>& seen, std::vector<Answer>& out) {
  if (!items.IsArray()) return;
  for (const auto& item : items.GetArray()) {
    if (!item.IsObject()) continue;
    std::string link = text_of(item, "linkId");
    if (const auto* answers = json::get(item, "answer"); answers && answers->IsArray()) {
      for (const auto& ans : answers->GetArray()) {
        if (!ans.IsObject()) continue;
        Answer a;
        a.link_id = link;
        a.question = text_of(item, "text");
        bool known = true;
        if (const auto* q = json::get(ans, "valueQuantity"); q && q->IsObject()) {
          const auto* v = json::get(*q, "value");
          if (!v || !v->IsNumber()) continue;
          a.kind = Answer::Kind::number;
          a.number = v->GetDouble();
          a.unit = text_of(*q, "unit");
          if (a.unit.empty()) a.unit = text_of(*q, "code");
        } else if (const auto* i = json::get(ans, "valueInteger"); i && i->IsNumber()) {
          a.kind = Answer::Kind::number;
          a.number = i->GetDouble();
        } else if (const auto* d = json::get(ans, "valueDecimal"); d && d->IsNumber()) {
          a.kind = Answer::Kind::number;
          a.number = d->GetDouble();
        } else if (const auto* b = json::get(ans, "valueBoolean"); b && b->IsBool()) {
          a.kind = Answer::Kind::boolean;
          a.boolean = b->GetBool();
          a.text = a.boolean ? "Yes" : "No";
        } else if (const auto* c = json::get(ans, "valueCoding"); c && c->IsObject()) {
          a.kind = Answer::Kind::coding;
          a.coding = {text_of(*c, "system"), text_of(*c, "code"), text_of(*c, "display")};
          a.text = a.coding.display.empty() ? a.coding.code : a.coding.display;
        } else {
          known = false;
          for (const char* key : {"valueString", "valueDate", "valueDateTime", "valueTime", "valueUri"}) {
            if (auto s = json::get_string(ans, key)) {
              a.kind = Answer::Kind::text;
              a.text = std::string(*s);
              known = true;
              break;
            }
          }
          if (!known) {
            if (const auto* r = json::get(ans, "valueReference"); r && r->IsObject()) {
              a.kind = Answer::Kind::text;
              a.text = text_of(*r, "display");
              if (a.text.empty()) a.text = text_of(*r, "reference");
              known = !a.text.empty();
            }
          }
        }
        if (known) {
          a.occurrence = seen[link]++;
          out.push_back(std::move(a));
        }
        if (const auto* nested = json::get(ans, "item")) collect_answers(*nested, seen, out);
      }
    }
    if (const auto* nested = json::get(item, "item")) collect_answers(*nested, seen, out);
  }
}

}  // namespace

std::string subject_patient_id(const json::Value& resource) {
  for (const char* key : {"subject", "patient"}) {
    const auto* ref = json::get(resource, key);
    if (!ref || !ref->IsObject()) continue;
    auto r = text_of(*ref, "reference");
    if (r.rfind("Patient/", 0) == 0) return r.substr(8);
  }
  return {};
}

bool is_confidential(const json::Value& resource) {
  const auto* meta = json::get(resource, "meta");
  const auto* sec = meta ? json::get(*meta, "security") : nullptr;
  if (!sec || !sec->IsArray()) return false;
  for (const auto& c : sec->GetArray()) {
    if (!c.IsObject() || text_of(c, "system") != systems::kConfidentiality) continue;
    auto code = text_of(c, "code");
    if (code == "R" || code == "V") return true;
  }
  return false;
}

std::string identifier_value(const json::Value& resource, std::string_view system) {
  const auto* ids = json::get(resource, "identifier");
  if (!ids || !ids->IsArray()) return {};
  for (const auto& i : ids->GetArray()) {
    if (i.IsObject() && json::get_string(i, "system") == system) return text_of(i, "value");
  }
  return {};
}

QuestionnaireContent questionnaire_content(const json::Value& qr) {
  QuestionnaireContent c;
  c.canonical = text_of(qr, "questionnaire");
  if (auto bar = c.canonical.find('|'); bar != std::string::npos) {
    c.version = c.canonical.substr(bar + 1);
    c.canonical.resize(bar);
  }
  c.status = text_of(qr, "status");
  c.authored = text_of(qr, "authored");
  std::map<std::string, int> seen;
  if (const auto* items = json::get(qr, "item")) collect_answers(*items, seen, c.answers);
  return c;
}

FlagContent flag_content(const json::Value& flag) {
  FlagContent f;
  f.status = text_of(flag, "status");
  if (const auto* cats = json::get(flag, "category"); cats && cats->IsArray() && !cats->Empty()) {
    const auto& first = (*cats)[0];
    for (const auto& c : codings_of(&first)) {
      if (c.system == "http://terminology.hl7.org/CodeSystem/flag-category") f.category = c.code;
    }
    if (f.category.empty()) f.category = concept_text(&first);
  }
  const auto* code = json::get(flag, "code");
  f.codes = codings_of(code);
  f.text = concept_text(code);
  period_of(flag, "period", f.start, f.end);
  return f;
}

CarePlanContent care_plan_content(const json::Value& plan) {
  CarePlanContent c;
  c.status = text_of(plan, "status");
  c.title = text_of(plan, "title");
  c.description = text_of(plan, "description");
  c.created = text_of(plan, "created");
  if (const auto* cats = json::get(plan, "category"); cats && cats->IsArray() && !cats->Empty()) {
    c.category_codes = codings_of(&(*cats)[0]);
    c.category_text = concept_text(&(*cats)[0]);
  }
  period_of(plan, "period", c.start, c.end);
  if (const auto* notes = json::get(plan, "note"); notes && notes->IsArray()) {
    for (const auto& n : notes->GetArray()) {
      if (n.IsObject() && !text_of(n, "text").empty()) c.notes.push_back(text_of(n, "text"));
    }
  }
  if (const auto* acts = json::get(plan, "activity"); acts && acts->IsArray()) {
    for (const auto& act : acts->GetArray()) {
      if (!act.IsObject()) continue;
      ActivityContent a;
      a.id = text_of(act, "id");
      if (const auto* d = json::get(act, "detail"); d && d->IsObject()) {
        a.status = text_of(*d, "status");
        a.description = text_of(*d, "description");
        if (a.description.empty()) a.description = concept_text(json::get(*d, "code"));
        period_of(*d, "scheduledPeriod", a.start, a.end);
      } else if (const auto* r = json::get(act, "reference"); r && r->IsObject()) {
        a.description = text_of(*r, "display");
        if (a.description.empty()) a.description = text_of(*r, "reference");
      }
      c.activities.push_back(std::move(a));
    }
  }
  return c;
}

std::string format_number(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::string();
}

}  // namespace fhirgw::adapters::writeback
