#include "validation/questionnaire_check.hpp"

#include <string>
#include <string_view>
#include <unordered_map>

#include "core/fhir_time.hpp"

namespace fhirgw::validation {
namespace {

std::string_view sv(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

const json::Value* array(const json::Value& obj, std::string_view key) {
  const json::Value* v = json::get(obj, key);
  return v && v->IsArray() ? v : nullptr;
}

std::string_view str(const json::Value& obj, std::string_view key) {
  auto s = json::get_string(obj, key);
  return s ? *s : std::string_view{};
}

bool flag(const json::Value& obj, std::string_view key) {
  const json::Value* v = json::get(obj, key);
  return v && v->IsBool() && v->GetBool();
}

// The answer's value[x] member: (name suffix, value).
std::pair<std::string_view, const json::Value*> answer_value(const json::Value& answer) {
  if (!answer.IsObject()) return {{}, nullptr};
  for (const auto& m : answer.GetObject()) {
    std::string_view n = sv(m.name);
    if (n.size() > 5 && n.substr(0, 5) == "value") return {n.substr(5), &m.value};
  }
  return {{}, nullptr};
}

bool answer_type_ok(std::string_view item_type, std::string_view value_type) {
  if (item_type == "boolean") return value_type == "Boolean";
  if (item_type == "decimal") return value_type == "Decimal";
  if (item_type == "integer") return value_type == "Integer";
  if (item_type == "date") return value_type == "Date";
  if (item_type == "dateTime") return value_type == "DateTime";
  if (item_type == "time") return value_type == "Time";
  if (item_type == "string" || item_type == "text") return value_type == "String";
  if (item_type == "url") return value_type == "Uri";
  if (item_type == "choice") return value_type == "Coding";
  if (item_type == "open-choice") return value_type == "Coding" || value_type == "String";
  if (item_type == "attachment") return value_type == "Attachment";
  if (item_type == "reference") return value_type == "Reference";
  if (item_type == "quantity") return value_type == "Quantity";
  return false;
}

bool same_coding(const json::Value& a, const json::Value& b) {
  return str(a, "code") == str(b, "code") && str(a, "system") == str(b, "system") && !str(a, "code").empty();
}

class Checker {
 public:
  Checker(const json::Value& qr, const json::Value& q, std::vector<Issue>& out) : qr_(qr), q_(q), out_(out) {
    auto status = str(qr, "status");
    completed_ = status == "completed" || status == "amended";
    index_questionnaire(q);
    index_answers(qr);
  }

  void run() {
    std::string path = "QuestionnaireResponse";
    check_level(array(qr_, "item"), array(q_, "item"), path);
  }

 private:
  void issue(std::string code, std::string msg, std::string path) {
    out_.push_back({Severity::error, std::move(code), std::move(msg), std::move(path)});
  }

  void index_questionnaire(const json::Value& holder) {
    if (const auto* items = array(holder, "item"))
      for (const auto& it : items->GetArray()) {
        if (auto id = json::get_string(it, "linkId")) q_items_.emplace(*id, &it);
        index_questionnaire(it);
      }
  }

  void index_answers(const json::Value& holder) {
    if (const auto* items = array(holder, "item"))
      for (const auto& it : items->GetArray()) {
        if (auto id = json::get_string(it, "linkId"))
          if (const auto* answers = array(it, "answer"))
            for (const auto& a : answers->GetArray()) answers_.emplace(*id, &a);
        index_answers(it);
        if (const auto* answers = array(it, "answer"))
          for (const auto& a : answers->GetArray()) index_answers(a);
      }
  }

  // enableWhen: is the item enabled by the answers given?
  bool enabled(const json::Value& qitem) {
    const auto* conds = array(qitem, "enableWhen");
    if (!conds || conds->Empty()) return true;
    bool any = str(qitem, "enableBehavior") == "any";
    for (const auto& c : conds->GetArray()) {
      bool hit = condition(c);
      if (any && hit) return true;
      if (!any && !hit) return false;
    }
    return !any;
  }

  bool condition(const json::Value& c) {
    auto question = str(c, "question");
    auto op = str(c, "operator");
    auto range = answers_.equal_range(std::string(question));
    if (op == "exists") {
      bool want = flag(c, "answerBoolean");
      return (range.first != range.second) == want;
    }
    // answerBoolean, answerCoding, ... carry the same suffixes as answer value[x].
    std::string_view want_type;
    const json::Value* want = nullptr;
    for (const auto& m : c.GetObject())
      if (sv(m.name).size() > 6 && sv(m.name).substr(0, 6) == "answer") {
        want_type = sv(m.name).substr(6);
        want = &m.value;
      }
    if (!want) return false;
    for (auto it = range.first; it != range.second; ++it) {
      auto [got_type, got] = answer_value(*it->second);
      if (!got || got_type != want_type) continue;
      int cmp = compare(want_type, *got, *want);
      if (cmp == 2) {  // not ordered: only (in)equality
        bool eq = want_type == "Coding" ? same_coding(*got, *want) : *got == *want;
        if ((op == "=" && eq) || (op == "!=" && !eq)) return true;
        continue;
      }
      if ((op == "=" && cmp == 0) || (op == "!=" && cmp != 0) || (op == ">" && cmp > 0) ||
          (op == "<" && cmp < 0) || (op == ">=" && cmp >= 0) || (op == "<=" && cmp <= 0))
        return true;
    }
    return false;
  }

  // -1/0/1 for ordered types, 2 when only equality applies.
  static int compare(std::string_view type, const json::Value& a, const json::Value& b) {
    if ((type == "Integer" || type == "Decimal") && a.IsNumber() && b.IsNumber()) {
      double x = a.GetDouble(), y = b.GetDouble();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if ((type == "Date" || type == "DateTime") && a.IsString() && b.IsString()) {
      auto x = fhir_time::parse(sv(a)), y = fhir_time::parse(sv(b));
      if (x && y) return x->lo_ms < y->lo_ms ? -1 : x->lo_ms > y->lo_ms ? 1 : 0;
    }
    if ((type == "String" || type == "Time") && a.IsString() && b.IsString()) {
      int c = sv(a).compare(sv(b));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    return 2;
  }

  static std::string at(const std::string& base, std::string_view name, size_t i) {
    return base + "." + std::string(name) + "[" + std::to_string(i) + "]";
  }

  // Checks one level: response items against the questionnaire items that may appear there.
  void check_level(const json::Value* items, const json::Value* qitems, const std::string& path) {
    std::unordered_map<std::string_view, int> seen;
    if (items) {
      for (rapidjson::SizeType i = 0; i < items->Size(); ++i) {
        const json::Value& item = (*items)[i];
        std::string ipath = at(path, "item", i);
        auto link = json::get_string(item, "linkId");
        if (!link) continue;  // structure validation reports the missing linkId
        const json::Value* qitem = nullptr;
        if (qitems)
          for (const auto& q : qitems->GetArray())
            if (str(q, "linkId") == *link) qitem = &q;
        if (!qitem) {
          bool elsewhere = q_items_.count(std::string(*link)) > 0;
          issue("structure",
                elsewhere ? "item '" + std::string(*link) + "' is not expected at this level of the Questionnaire"
                          : "linkId '" + std::string(*link) + "' is not in the Questionnaire",
                ipath + ".linkId");
          continue;
        }
        if (++seen[*link] == 2 && !flag(*qitem, "repeats"))
          issue("structure", "item '" + std::string(*link) + "' does not repeat but appears more than once", ipath);
        if (!enabled(*qitem) && completed_)
          issue("business-rule", "item '" + std::string(*link) + "' is disabled by its enableWhen and must not be answered", ipath);
        check_item(item, *qitem, ipath);
      }
    }
    if (!completed_ || !qitems) return;
    for (const auto& q : qitems->GetArray()) {
      auto link = str(q, "linkId");
      if (!flag(q, "required") || seen.count(link) || !enabled(q)) continue;
      issue("required", "required item '" + std::string(link) + "' is not answered", path);
    }
  }

  void check_item(const json::Value& item, const json::Value& qitem, const std::string& ipath) {
    auto type = str(qitem, "type");
    auto link = str(qitem, "linkId");
    const auto* answers = array(item, "answer");
    const auto* qchildren = array(qitem, "item");
    if (type == "group" || type == "display") {
      if (answers) issue("structure", "a " + std::string(type) + " item cannot have answers", ipath + ".answer");
      check_level(array(item, "item"), qchildren, ipath);
      return;
    }
    size_t count = answers ? answers->Size() : 0;
    if (count > 1 && !flag(qitem, "repeats"))
      issue("structure", "item '" + std::string(link) + "' takes one answer but has " + std::to_string(count),
            ipath + ".answer");
    if (count == 0 && completed_ && flag(qitem, "required") && type != "question")
      issue("required", "required item '" + std::string(link) + "' has no answer", ipath);
    const auto* options = array(qitem, "answerOption");
    for (size_t k = 0; k < count; ++k) {
      const json::Value& a = (*answers)[static_cast<rapidjson::SizeType>(k)];
      std::string apath = at(ipath, "answer", k);
      auto [vtype, value] = answer_value(a);
      if (!value) continue;  // structure validation reports an answer without a value
      if (!answer_type_ok(type, vtype)) {
        issue("value", "answer value" + std::string(vtype) + " does not fit item '" + std::string(link) +
                           "' of type " + std::string(type), apath + ".value" + std::string(vtype));
      } else if (options && vtype == "Coding") {
        bool listed = false;
        for (const auto& o : options->GetArray())
          if (const auto* oc = json::get(o, "valueCoding"); oc && same_coding(*oc, *value)) listed = true;
        if (!listed && type == "choice")
          issue("code-invalid", "answer to '" + std::string(link) + "' is not one of its answerOptions",
                apath + ".valueCoding");
      } else if (options && vtype == "String" && type == "choice") {
        issue("code-invalid", "answer to '" + std::string(link) + "' must be one of its answerOptions", apath);
      }
      if (const auto* nested = array(a, "item")) check_level(nested, qchildren, apath);
    }
    if (const auto* nested = array(item, "item")) check_level(nested, qchildren, ipath);
  }

  const json::Value& qr_;
  const json::Value& q_;
  std::vector<Issue>& out_;
  bool completed_ = false;
  std::unordered_multimap<std::string, const json::Value*> q_items_;
  std::unordered_multimap<std::string, const json::Value*> answers_;
};

}  // namespace

void check_questionnaire_response(const json::Value& response, const json::Value& questionnaire,
                                  std::vector<Issue>& out) {
  if (!response.IsObject() || !questionnaire.IsObject()) return;
  Checker(response, questionnaire, out).run();
}

}  // namespace fhirgw::validation
