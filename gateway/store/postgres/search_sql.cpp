#include "store/postgres/search_sql.hpp"

#include <vector>

#include "search/indexer.hpp"
#include "store/sql_conditions.hpp"

namespace fhirgw::store::postgres {
namespace {

using model::ParamType;
using search::Modifier;
using search::Prefix;

using sql::col;
using sql::append_date_cond;
using sql::append_token_cond;

// A LIKE pattern matching every string that starts with prefix. With the "C"
// collation the planner turns it into an index range on the bound value.
std::string like_prefix(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

void append_value_cond(const model::SearchParam& p, Modifier mod, const search::Value& v, Sql& out) {
  if (mod == Modifier::identifier) return append_token_cond(v, out);
  switch (p.type) {
    case ParamType::token: append_token_cond(v, out); break;
    case ParamType::string:
      if (mod == Modifier::exact) {
        out << "exact = ";
        out.bind(v.text);
      } else if (mod == Modifier::contains) {
        out << "strpos(norm, ";
        out.bind(v.text) << ") > 0";
      } else {
        out << "norm LIKE ";
        out.bind(like_prefix(v.text));
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
    case ParamType::number: out << "FALSE"; break;
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
void append_common(const search::Clause& c, const model::SearchParam& p, Modifier mod, std::string_view alias,
                   Sql& out) {
  if (mod == Modifier::missing) {  // every resource has both
    out << (c.any_of.at(0).missing ? "FALSE" : "TRUE");
    return;
  }
  bool is_id = p.name == "_id";
  out << (mod == Modifier::not_ ? "NOT (" : "(");
  if (is_id) {  // one array parameter for any number of ids
    std::vector<std::string> ids;
    for (const auto& v : c.any_of) ids.push_back(v.code);
    out << col(alias, "id") << " = ANY(";
    out.bind(TextArray{std::move(ids)}) << ")";
  } else {
    for (size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) out << " OR ";
      std::string lo = col(alias, "last_updated");
      append_date_cond(c.any_of[i], lo, "(" + lo + " + 1)", out);
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
  out << col(alias, "rid") << (negate ? " NOT IN" : " IN") << " (SELECT res FROM " << table << " WHERE type = ";
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

}  // namespace

void append_visibility(const search::Visibility& vis, std::string_view alias, CodeRows codes, Sql& out) {
  if (vis.all) {
    out << "TRUE";
    return;
  }
  if (vis.grants.empty()) {
    out << "FALSE";  // fail closed
    return;
  }
  std::string xc = inner_alias(alias, "_xc");
  out << "(";
  for (size_t i = 0; i < vis.grants.size(); ++i) {
    const auto& g = vis.grants[i];
    if (i) out << " OR ";
    out << "(" << col(alias, "type") << " = ANY(";
    out.bind(TextArray{g.types}) << ") AND " << col(alias, "controller") << " = ANY(";
    out.bind(TextArray{g.controllers}) << ")";
    if (g.patients_restricted) {
      out << " AND " << col(alias, "patient_id") << " = ANY(";
      out.bind(TextArray{g.patients_in.ids()}) << ")";
    }
    if (!g.patients_out.empty()) {
      out << " AND " << col(alias, "patient_id") << " <> ALL(";
      out.bind(TextArray{g.patients_out.ids()}) << ")";
    }
    if (g.exclude_confidential) out << " AND NOT " << col(alias, "confidential");
    if (!g.excluded_codes.empty()) {
      std::vector<std::string> systems, codes_list;
      for (const auto& [s, c] : g.excluded_codes) {
        systems.push_back(s);
        codes_list.push_back(c);
      }
      out << " AND NOT EXISTS (SELECT 1 FROM " << (codes == CodeRows::current ? "idx_token" : "codes_ever") << " "
          << xc << " WHERE " << xc << ".res = " << col(alias, "rid") << " AND (" << xc << ".system, " << xc
          << ".code) IN (SELECT * FROM unnest(";
      out.bind(TextArray{std::move(systems)}) << ", ";
      out.bind(TextArray{std::move(codes_list)}) << ")))";
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
  // visible: a hidden resource can never be used to match.
  std::string rf = inner_alias(alias, "_rf"), t = inner_alias(alias, "_t");
  search::Clause inner = c;
  inner.chain.reset();
  inner.param = c.chain->param;
  out << col(alias, "rid") << " IN (SELECT " << rf << ".res FROM resources " << t << " JOIN idx_ref " << rf
      << " ON " << rf << ".type = ";
  out.bind(type) << " AND " << rf << ".param = ";
  out.bind(std::string(c.param->name)) << " AND " << rf << ".ref_id = " << t << ".id AND " << rf
                                        << ".ref_type = " << t << ".type WHERE " << t << ".type = ";
  out.bind(c.chain->target_type) << " AND NOT " << t << ".deleted AND ";
  append_simple(inner, *inner.param, c.chain->target_type, t, out);
  out << " AND ";
  append_visibility(vis, t, CodeRows::current, out);
  out << ")";
  return {};
}

bool sort_key_is_integer(const search::SortKey& key) {
  if (key.name == "_id") return false;
  if (key.name == "_lastUpdated") return true;
  return key.param && key.param->type == ParamType::date;
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

}  // namespace fhirgw::store::postgres
