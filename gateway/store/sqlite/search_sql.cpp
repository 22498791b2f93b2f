#include "store/sqlite/search_sql.hpp"

#include "search/indexer.hpp"
#include "store/sql_conditions.hpp"

namespace fhirgw::store::sqlite {
namespace {

using model::ParamType;
using search::Modifier;
using search::Prefix;

using sql::col;
using sql::append_date_cond;
using sql::append_token_cond;

// The first string greater than every string starting with prefix (bytes
// 0xF5..0xFF never occur in UTF-8).
std::string prefix_upper_bound(const std::string& prefix) { return prefix + "\xFF"; }

void append_value_cond(const model::SearchParam& p, Modifier mod, const search::Value& v, Sql& out) {
  if (mod == Modifier::identifier) return append_token_cond(v, out);
  switch (p.type) {
    case ParamType::token: append_token_cond(v, out); break;
    case ParamType::string:
      if (mod == Modifier::exact) {
        out << "exact = ";
        out.bind(v.text);
      } else if (mod == Modifier::contains) {
        out << "instr(norm, ";
        out.bind(v.text) << ") > 0";
      } else {
        out << "(norm >= ";
        out.bind(v.text) << " AND norm < ";
        out.bind(prefix_upper_bound(v.text)) << ")";
      }
      break;
    case ParamType::date: append_date_cond(v, "lo", "hi", out); break;
    case ParamType::reference:
      if (!v.ref_url.empty()) {
        out << "url = ";
        out.bind(v.ref_url);
      } else if (!v.ref_type.empty()) {
        out << "(ref_id = ";
        out.bind(v.ref_id) << " AND ref_type = ";
        out.bind(v.ref_type) << ")";
      } else {
        out << "ref_id = ";
        out.bind(v.ref_id);
      }
      break;
    case ParamType::uri:
      out << "uri = ";
      out.bind(v.text);
      break;
    case ParamType::number: out << "0"; break;
  }
}

const char* table_for(ParamType t, Modifier mod) {
  if (mod == Modifier::identifier) return "idx_token";
  switch (t) {
    case ParamType::token: return "idx_token";
    case ParamType::string: return "idx_string";
    case ParamType::date: return "idx_date";
    case ParamType::reference: return "idx_ref";
    case ParamType::uri: return "idx_uri";
    case ParamType::number: break;
  }
  return "idx_token";
}

// _id and _lastUpdated live on the resources row itself.
void append_common(const search::Clause& c, const model::SearchParam& p, Modifier mod,
                   std::string_view alias, Sql& out) {
  if (mod == Modifier::missing) {  // every resource has both
    out << (c.any_of.at(0).missing ? "0" : "1");
    return;
  }
  bool is_id = p.name == "_id";
  out << (mod == Modifier::not_ ? "NOT (" : "(");
  for (size_t i = 0; i < c.any_of.size(); ++i) {
    if (i) out << " OR ";
    const auto& v = c.any_of[i];
    if (is_id) {
      out << col(alias, "id") << " = ";
      out.bind(v.code);
    } else {
      std::string lo = col(alias, "last_updated");
      append_date_cond(v, lo, "(" + lo + " + 1)", out);
    }
  }
  out << ")";
}

// The clause's condition on the parameter `p` of `type`, for the row `alias`.
void append_simple(const search::Clause& c, const model::SearchParam& p, const std::string& type,
                   std::string_view alias, Sql& out) {
  Modifier mod = c.modifier;
  if (p.name == "_id" || p.name == "_lastUpdated") return append_common(c, p, mod, alias, out);
  std::string param(p.name);
  if (mod == Modifier::identifier) param += search::kIdentifierSuffix;
  const char* table = table_for(p.type, mod);

  bool negate = mod == Modifier::not_ || (mod == Modifier::missing && c.any_of.at(0).missing);
  out << col(alias, "rid") << (negate ? " NOT IN" : " IN") << " (SELECT res FROM " << table
      << " WHERE type = ";
  out.bind(type) << " AND param = ";
  out.bind(param);
  if (mod != Modifier::missing) {
    out << " AND (";
    for (size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) out << " OR ";
      append_value_cond(p, mod, c.any_of[i], out);
    }
    out << ")";
  }
  out << ")";
}

// An alias for a nested level, so inner and outer names never collide.
std::string inner_alias(std::string_view alias, const char* suffix) { return std::string(alias) + suffix; }

// Short lists are bound value by value: SQLite then compares against an
// in-memory list instead of parsing a JSON argument and running json_each
// on every search. Long lists (thousands of patient ids) stay one JSON bind,
// so the statement text and its variable count stay bounded.
constexpr size_t kInlineListMax = 64;

// `column IN (...)`, or NOT IN when `negate`, over the given strings.
void append_in_list(const std::string& column, const std::vector<std::string>& items, bool negate, Sql& out) {
  if (items.empty()) {  // x IN () is false, x NOT IN () is true
    out << (negate ? "1" : "0");
    return;
  }
  if (items.size() > kInlineListMax) {
    out << column << (negate ? " NOT IN (" : " IN (") << "SELECT value FROM json_each(";
    out.bind(json_array(items)) << "))";
    return;
  }
  // Unary + keeps the planner from driving the search through the
  // controller or patient index on these terms (as with the json_each form,
  // which it cannot see through): the query's own clauses stay in charge.
  out << "+" << column << (negate ? " NOT IN (" : " IN (");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out << ", ";
    out.bind(items[i]);
  }
  out << ")";
}

// The token row `xc` carries one of the (system, code) pairs.
void append_code_match(const std::string& xc, const std::vector<std::pair<std::string, std::string>>& pairs,
                       Sql& out) {
  if (pairs.size() > kInlineListMax) {
    out << "(" << xc << ".system, " << xc
        << ".code) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(";
    out.bind(json_pairs(pairs)) << "))";
    return;
  }
  out << "(";
  for (size_t i = 0; i < pairs.size(); ++i) {
    out << (i ? " OR (" : "(") << xc << ".system = ";
    out.bind(pairs[i].first) << " AND " << xc << ".code = ";
    out.bind(pairs[i].second) << ")";
  }
  out << ")";
}

}  // namespace

void append_visibility(const search::Visibility& vis, std::string_view alias, CodeRows codes, Sql& out) {
  if (vis.all) {
    out << "1";
    return;
  }
  if (vis.grants.empty()) {
    out << "0";  // fail closed
    return;
  }
  std::string xc = inner_alias(alias, "_xc");
  out << "(";
  for (size_t i = 0; i < vis.grants.size(); ++i) {
    const auto& g = vis.grants[i];
    if (i) out << " OR ";
    out << "(";
    append_in_list(col(alias, "type"), g.types, false, out);
    out << " AND ";
    append_in_list(col(alias, "controller"), g.controllers, false, out);
    if (g.patients_restricted) {
      out << " AND ";
      append_in_list(col(alias, "patient_id"), g.patients_in.ids(), false, out);
    }
    if (!g.patients_out.empty()) {
      out << " AND ";
      append_in_list(col(alias, "patient_id"), g.patients_out.ids(), true, out);
    }
    if (g.exclude_confidential) out << " AND " << col(alias, "confidential") << " = 0";
    if (!g.excluded_codes.empty()) {
      out << " AND NOT EXISTS (SELECT 1 FROM " << (codes == CodeRows::current ? "idx_token" : "codes_ever")
          << " " << xc << " WHERE " << xc << ".res = " << col(alias, "rid") << " AND ";
      append_code_match(xc, g.excluded_codes, out);
      out << ")";
    }
    out << ")";
  }
  out << ")";
}

Status append_clause(const search::Clause& c, const std::string& type, std::string_view alias,
                     const search::Visibility& vis, Sql& out) {
  if (!c.param) return Error::internal("search clause '" + c.name + "' has no parameter");
  if (c.any_of.empty()) return Error::invalid("Search parameter '" + c.name + "' has no value");
  if (!c.chain) {
    append_simple(c, *c.param, type, alias, out);
    return {};
  }
  if (!c.chain->param) return Error::internal("chained clause '" + c.name + "' has no target parameter");
  // Through the reference index to the target, which must itself be live and
  // visible: a hidden resource can never be used to match. CROSS JOIN keeps the
  // target (found through its own index) as the outer loop.
  std::string rf = inner_alias(alias, "_rf"), t = inner_alias(alias, "_t");
  search::Clause inner = c;
  inner.chain.reset();
  inner.param = c.chain->param;
  out << col(alias, "rid") << " IN (SELECT " << rf << ".res FROM resources " << t << " CROSS JOIN idx_ref " << rf
      << " ON " << rf << ".type = ";
  out.bind(type) << " AND " << rf << ".param = ";
  out.bind(std::string(c.param->name)) << " AND " << rf << ".ref_id = " << t << ".id AND " << rf
                                        << ".ref_type = " << t << ".type WHERE "
                                        << (drives_search(inner) ? "+" : "") << t << ".type = ";
  out.bind(c.chain->target_type) << " AND " << t << ".deleted = 0 AND ";
  append_simple(inner, *inner.param, c.chain->target_type, t, out);
  out << " AND ";
  append_visibility(vis, t, CodeRows::current, out);
  out << ")";
  return {};
}

bool drives_search(const search::Clause& c) {
  if (c.chain) return true;
  if (!c.param || c.param->name == "_id" || c.param->name == "_lastUpdated") return false;
  if (c.modifier == Modifier::not_) return false;
  if (c.modifier == Modifier::missing) return !c.any_of.empty() && !c.any_of[0].missing;
  return true;
}

void append_sort_expr(const search::SortKey& key, const std::string& type, std::string_view alias, Sql& out) {
  if (key.name == "_id") {
    out << col(alias, "id");
    return;
  }
  if (key.name == "_lastUpdated") {
    out << col(alias, "last_updated");
    return;
  }
  const char* agg = key.descending ? "MAX" : "MIN";
  auto sub = [&](const char* column, const char* table, Bind missing) {
    out << "COALESCE((SELECT " << agg << "(" << column << ") FROM " << table << " WHERE res = "
        << col(alias, "rid") << " AND param = ";
    out.bind(std::string(key.param ? key.param->name : key.name)) << "), ";
    out.bind(std::move(missing)) << ")";
  };
  switch (key.param ? key.param->type : ParamType::token) {
    case ParamType::string: sub("norm", "idx_string", std::string()); break;
    case ParamType::date: sub(key.descending ? "hi" : "lo", "idx_date", search::kMinTime); break;
    default: sub("code", "idx_token", std::string()); break;
  }
}

}  // namespace fhirgw::store::sqlite
