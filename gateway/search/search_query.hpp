#pragma once
// A parsed, validated FHIR search: what the REST layer hands to the store.
// Values are already typed (date ranges, token system/code, reference ids),
// so the store only compiles them to its query language.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/resource_model.hpp"

namespace fhirgw::search {

enum class Prefix { eq, ne, lt, gt, le, ge, sa, eb, ap };
enum class Modifier { none, exact, contains, missing, text, not_, identifier };

struct Value {
  Prefix prefix = Prefix::eq;
  // token: system/code; has_system distinguishes "code" (any system) from "|code" (no system).
  std::string system, code;
  bool has_system = false;
  // string / uri
  std::string text;
  // date: the range the search value covers, in epoch milliseconds
  int64_t lo_ms = 0, hi_ms = 0;
  // reference: target type (may be empty) and id; or canonical url for uri-like refs
  std::string ref_type, ref_id, ref_url;
  bool missing = false;  // for :missing=true|false
};

struct Clause;

// One level of chaining: subject:Patient.identifier=...
struct Chain {
  std::string target_type;                  // "Patient"
  const model::SearchParam* param = nullptr;  // identifier on the target type
};

struct Clause {
  const model::SearchParam* param = nullptr;
  std::string name;  // as written, for error messages and self links
  Modifier modifier = Modifier::none;
  std::optional<Chain> chain;
  std::vector<Value> any_of;  // comma-separated alternatives (OR)
};

struct SortKey {
  const model::SearchParam* param = nullptr;  // nullptr + name "_id"/"_lastUpdated" handled by store
  std::string name;
  bool descending = false;
};

struct Include {
  std::string source_type;  // CarePlan in _include=CarePlan:subject
  std::string param;        // subject
  std::string target_type;  // optional explicit target
  bool iterate = false;
};

enum class TotalMode { none, estimate, accurate };
enum class Summary { none, count, true_, text, data };

// An immutable, shared list: the patients a grant lets in or keeps out, the
// codes it excludes. Narrowings are cached and reused across requests, so
// copying one must not copy thousands of items, and the JSON form a store
// binds for a long list is made once.
template <class T>
class SharedList {
 public:
  using value_type = T;
  using const_iterator = typename std::vector<T>::const_iterator;
  using iterator = const_iterator;
  SharedList() = default;
  SharedList(std::initializer_list<T> items) : SharedList(std::vector<T>(items)) {}
  SharedList(std::vector<T> items) {
    if (items.empty()) return;
    auto d = std::make_shared<Data>();
    d->items = std::move(items);
    data_ = std::move(d);
  }
  SharedList& operator=(std::vector<T> items) { return *this = SharedList(std::move(items)); }
  SharedList& operator=(std::initializer_list<T> items) { return *this = SharedList(items); }
  void push_back(T item) {  // copy-on-write
    auto d = std::make_shared<Data>();
    if (data_) d->items = data_->items;
    d->items.push_back(std::move(item));
    data_ = std::move(d);
  }
  void clear() { data_.reset(); }
  bool empty() const { return size() == 0; }
  size_t size() const { return data_ ? data_->items.size() : 0; }
  const_iterator begin() const { return items().begin(); }
  const_iterator end() const { return items().end(); }
  const std::vector<T>& items() const {
    static const std::vector<T> none;
    return data_ ? data_->items : none;
  }
  // ["a","b"] for ids, [["system","code"],...] for codes; made on first use.
  const std::string& json() const;

 private:
  struct Data {
    std::vector<T> items;
    mutable std::once_flag json_once;
    mutable std::string json;
  };
  std::shared_ptr<const Data> data_;
};
using IdList = SharedList<std::string>;
using CodeList = SharedList<std::pair<std::string, std::string>>;  // (system, code)
extern template class SharedList<std::string>;
extern template class SharedList<std::pair<std::string, std::string>>;

// The policy engine's narrowing of a query: a resource is visible if it
// matches any grant. An empty grant list with all == false means nothing is
// visible (fail closed). all == true is only for internal callers (import,
// integrator tools) — never for partners.
struct Grant {
  std::vector<std::string> controllers;   // resource controller IN (...) — required, never empty
  std::vector<std::string> types;         // resource types this grant covers
  bool patients_restricted = false;       // if true, patient_id must be IN patients_in
  IdList patients_in;
  IdList patients_out;  // patient_id NOT IN
  bool exclude_confidential = true;
  // A resource carrying any of these codes (any token index row) is hidden.
  CodeList excluded_codes;
};

struct Visibility {
  bool all = false;
  std::vector<Grant> grants;
  static Visibility everything() { return Visibility{true, {}}; }
  static Visibility nothing() { return Visibility{false, {}}; }
};

// Keyset cursor: the last row of the previous page.
struct Cursor {
  std::string sort_value;  // the sort key of the last row as text ("" for default sort)
  int64_t row = 0;         // the store's stable row key of the last row
};

struct Query {
  std::string type;
  std::vector<Clause> clauses;  // all must hold (AND)
  std::vector<SortKey> sort;
  int count = 20;
  std::optional<Cursor> after;
  TotalMode total = TotalMode::accurate;
  Summary summary = Summary::none;
  std::vector<Include> includes;
  std::vector<Include> revincludes;
  std::vector<std::string> elements;
  std::vector<std::string> ignored;  // unknown parameters, reported in an OperationOutcome
  Visibility visibility = Visibility::nothing();
};

}  // namespace fhirgw::search
