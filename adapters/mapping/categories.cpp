#include "mapping/categories.hpp"

#include <array>
#include <cctype>
#include <string>

#include "core/systems.hpp"

namespace fhirgw::adapters {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// True when a word of text starts with keyword ("lab" matches "Lab results",
// not "collaborative").
bool has_word_prefix(const std::string& text, std::string_view keyword) {
  for (size_t pos = text.find(keyword); pos != std::string::npos; pos = text.find(keyword, pos + 1)) {
    if (pos == 0 || !std::isalpha(static_cast<unsigned char>(text[pos - 1]))) return true;
  }
  return false;
}

struct Rule {
  std::string_view code, display;
  std::array<std::string_view, 8> keywords;
};

// Most specific first: "Risk: violent behaviour" is safety before behavioral.
constexpr std::array<Rule, 10> kFlagRules = {{
    {"advance-directive", "Advance Directive",
     {"advance directive", "advance decision", "dnacpr", "dnar", "resuscitat", "respect form", "lasting power"}},
    {"safety", "Safety", {"safeguard", "safety", "risk", "protection", "vulnerab", "mappa"}},
    {"behavioral", "Behavioral", {"behav", "violen", "aggress", "abusive", "threat"}},
    {"research", "Research", {"research", "trial", "study"}},
    {"diet", "Diet", {"diet", "nutrition", "food", "feeding"}},
    {"drug", "Drug", {"drug", "medication", "medicine", "prescri", "controlled"}},
    {"lab", "Lab", {"lab", "patholog", "test result", "specimen"}},
    {"contact", "Subject Contact",
     {"contact", "communicat", "interpreter", "language", "deaf", "hearing", "sight", "access"}},
    {"admin", "Administrative", {"admin", "registration", "clerical", "appointment", "booking", "address"}},
    {"clinical", "Clinical", {"clinical", "complex", "frail", "medical", "condition", "falls", "care"}},
}};

}  // namespace

Coding flag_category(std::string_view source_text) {
  std::string text = lower(source_text);
  for (const auto& rule : kFlagRules) {
    for (auto k : rule.keywords) {
      if (!k.empty() && has_word_prefix(text, k)) {
        return {kFlagCategorySystem, std::string(rule.code), std::string(rule.display)};
      }
    }
  }
  return {kFlagCategorySystem, "clinical", "Clinical"};
}

Coding care_plan_category(std::string_view title_or_category) {
  std::string text = lower(title_or_category);
  for (auto k : {"advance care", "anticipatory", "end of life", "palliative"}) {
    if (has_word_prefix(text, k)) return {systems::kSnomed, "736366004", "Advance care plan"};
  }
  if (has_word_prefix(text, "escalation")) return {systems::kSnomed, "735324008", "Treatment escalation plan"};
  return {systems::kSnomed, "734163000", "Care plan"};
}

}  // namespace fhirgw::adapters
