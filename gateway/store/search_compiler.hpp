#pragma once
// Compiles the parts of a search::Query (clauses, chains, visibility, sort
// keys) to SQL over the store's tables: resources and the index tables
// idx_token, idx_string, idx_date, idx_ref, idx_uri (codes_ever for history).
// Written once for both backends; each instantiates it with a Dialect that
// owns only what differs between SQLite and PostgreSQL:
//
//   using Sql;                             the backend's SQL builder
//   kTrue, kFalse                          boolean literals
//   starts_with(column, prefix, out)       an index-friendly prefix match
//   contains(column, text, out)            a substring match
//   id_in(column, ids, out)                column is one of ids
//   in_list(column, items, negate, out)    column (not) in a list of strings
//   code_in(alias, codes, out)             the token row `alias` has one of (system, code)
//   is_false(column)                       a boolean column is false
//   kChainJoin                             how a chain joins its target to idx_ref
//   chain_driver_hint(inner)               a prefix for the chain target's type term
//   type_term(q)                           "r.type = " (with the backend's planner hint)
//   rid_in(column, rids, out)              column is one of the row ids
//   using Bind                             the backend's bound-value type
//
// It builds the statements of a search (page, total, includes) and of a
// history page; store/search_runner.hpp runs them. Values are always bound,
// never spliced into the text. Instantiated once per backend, in its
// operations.cpp, with the Dialect its search_sql.hpp declares.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "search/indexer.hpp"
#include "search/search_query.hpp"
#include "store/sql_conditions.hpp"
#include "store/store.hpp"

namespace fhirgw::store::sql {

inline const char* index_table(model::ParamType t, search::Modifier mod) {
  using model::ParamType;
  if (mod == search::Modifier::identifier) return "idx_token";
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

// An alias for a nested level, so inner and outer names never collide.
inline std::string inner_alias(std::string_view alias, const char* suffix) { return std::string(alias) + suffix; }

template <class D>
class SearchCompiler {
 public:
  using Sql = typename D::Sql;

  // A boolean expression: the row aliased `alias` (of table resources) is visible.
  static void visibility(const search::Visibility& vis, std::string_view alias, CodeRows codes, Sql& out) {
    if (vis.all) {
      out << D::kTrue;
      return;
    }
    if (vis.grants.empty()) {
      out << D::kFalse;  // fail closed
      return;
    }
    std::string xc = inner_alias(alias, "_xc");
    out << "(";
    for (size_t i = 0; i < vis.grants.size(); ++i) {
      const auto& g = vis.grants[i];
      if (i) out << " OR ";
      out << "(";
      D::in_list(col(alias, "type"), g.types, false, out);
      out << " AND ";
      D::in_list(col(alias, "controller"), g.controllers, false, out);
      if (g.patients_restricted) {
        out << " AND ";
        D::in_list(col(alias, "patient_id"), g.patients_in, false, out);
      }
      if (!g.patients_out.empty()) {
        out << " AND ";
        D::in_list(col(alias, "patient_id"), g.patients_out, true, out);
      }
      if (g.exclude_confidential) out << " AND " << D::is_false(col(alias, "confidential"));
      if (!g.excluded_codes.empty()) {
        auto none_in = [&](const char* table) {
          out << " AND NOT EXISTS (SELECT 1 FROM " << table << " " << xc << " WHERE " << xc
              << ".res = " << col(alias, "rid") << " AND ";
          D::code_in(xc, g.excluded_codes, out);
          out << ")";
        };
        none_in("idx_token");
        if (codes == CodeRows::ever) none_in("codes_ever");  // superseded versions' codes
      }
      out << ")";
    }
    out << ")";
  }

  // A boolean expression: the resource row `alias` of `type` satisfies the
  // clause. Chained clauses join through resources visible under `vis` only.
  static Status clause(const search::Clause& c, const std::string& type, std::string_view alias,
                       const search::Visibility& vis, Sql& out) {
    if (!c.param) return Error::internal("search clause '" + c.name + "' has no parameter");
    if (c.any_of.empty()) return Error::invalid("Search parameter '" + c.name + "' has no value");
    if (!c.chain) {
      simple(c, *c.param, type, alias, out);
      return {};
    }
    if (!c.chain->param) return Error::internal("chained clause '" + c.name + "' has no target parameter");
    // Through the reference index to the target, which must itself be live
    // and visible: a hidden resource can never be used to match.
    std::string rf = inner_alias(alias, "_rf"), t = inner_alias(alias, "_t");
    search::Clause inner = c;
    inner.chain.reset();
    inner.param = c.chain->param;
    out << col(alias, "rid") << " IN (SELECT " << rf << ".res FROM resources " << t << " " << D::kChainJoin
        << " idx_ref " << rf << " ON " << rf << ".type = ";
    out.bind(type) << " AND " << rf << ".param = ";
    out.bind(std::string(model::index_name(*c.param))) << " AND " << rf << ".ref_id = " << t << ".id AND " << rf
                                          << ".ref_type = " << t << ".type WHERE " << D::chain_driver_hint(inner)
                                          << t << ".type = ";
    out.bind(c.chain->target_type) << " AND " << D::is_false(t + ".deleted") << " AND ";
    simple(inner, *inner.param, c.chain->target_type, t, out);
    out << " AND ";
    visibility(vis, t, CodeRows::current, out);
    out << ")";
    return {};
  }

  // The SQL value a sort key orders by (missing values sort lowest).
  static void sort_expr(const search::SortKey& key, std::string_view alias, Sql& out) {
    if (key.name == "_id") {
      out << col(alias, "id");
      return;
    }
    if (key.name == "_lastUpdated") {
      out << col(alias, "last_updated");
      return;
    }
    const char* agg = key.descending ? "MAX" : "MIN";
    auto sub = [&](const char* column, const char* table, auto missing) {
      out << "COALESCE((SELECT " << agg << "(" << column << ") FROM " << table << " WHERE res = "
          << col(alias, "rid") << " AND param = ";
      out.bind(std::string(key.param ? model::index_name(*key.param) : key.name)) << "), ";
      out.bind(std::move(missing)) << ")";
    };
    switch (key.param ? key.param->type : model::ParamType::token) {
      case model::ParamType::string: sub("norm", "idx_string", std::string()); break;
      case model::ParamType::date: sub(key.descending ? "hi" : "lo", "idx_date", search::kMinTime); break;
      default: sub("code", "idx_token", std::string()); break;
    }
  }


  // The WHERE condition shared by a search's page and its total.
  static Result<Sql> match_condition(const search::Query& q) {
    if (!model::find_type(q.type))
      return Error::make(400, "not-supported", "Resource type '" + q.type + "' is not supported");
    Sql where;
    where << D::type_term(q);
    where.bind(q.type) << " AND " << D::is_false("r.deleted");
    for (const auto& c : q.clauses) {
      where << " AND ";
      if (auto st = clause(c, q.type, "r", q.visibility, where); !st) return std::move(st).error();
    }
    where << " AND ";
    visibility(q.visibility, "r", CodeRows::current, where);
    return where;
  }

  // The search's total.
  static Result<Sql> count_sql(const search::Query& q) {
    auto where = match_condition(q);
    if (!where) return where;
    Sql count;
    count << "SELECT COUNT(*) FROM resources r WHERE ";
    count.append(std::move(*where));
    return count;
  }

  // One page of matches plus one row (which tells there is a next page):
  // kRecordCols, then the sort values s0, s1, ...
  static Result<Sql> page_sql(const search::Query& q) {
    auto where = match_condition(q);
    if (!where) return where;
    Sql sql;
    if (q.sort.empty()) {  // row order: no sort step, the keyset is a row-id range
      sql << "SELECT " << kRecordCols
          << " FROM resources r JOIN versions v ON v.res = r.rid AND v.version = r.version WHERE ";
      sql.append(std::move(*where));
      if (q.after) {
        sql << " AND r.rid > ";
        sql.bind(q.after->row);
      }
      sql << " ORDER BY r.rid LIMIT ";
      sql.bind(static_cast<int64_t>(std::max(q.count, 0)) + 1);
      return sql;
    }
    sql << "WITH m AS (SELECT r.rid AS rid";
    for (size_t i = 0; i < q.sort.size(); ++i) {
      sql << ", ";
      sort_expr(q.sort[i], "r", sql);
      sql << " AS s" << std::to_string(i);
    }
    sql << " FROM resources r WHERE ";
    sql.append(std::move(*where));
    sql << ") SELECT " << kRecordCols;
    for (size_t i = 0; i < q.sort.size(); ++i) sql << ", m.s" << std::to_string(i);
    sql << " FROM m JOIN resources r ON r.rid = m.rid JOIN versions v ON v.res = r.rid AND v.version = r.version";
    if (q.after) {
      sql << " WHERE ";
      if (auto st = keyset(q, sql); !st) return std::move(st).error();
    }
    sql << " ORDER BY ";
    for (size_t i = 0; i < q.sort.size(); ++i)
      sql << "m.s" << std::to_string(i) << (q.sort[i].descending ? " DESC, " : ", ");
    sql << "m.rid LIMIT ";
    sql.bind(static_cast<int64_t>(std::max(q.count, 0)) + 1);
    return sql;
  }

  // The visible, live targets of `inc` from the page's matches (their row ids).
  static Sql include_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids) {
    Sql sql;
    sql << "SELECT DISTINCT " << kRecordCols
        << " FROM idx_ref rf JOIN resources r ON r.type = rf.ref_type AND r.id = rf.ref_id"
           " JOIN versions v ON v.res = r.rid AND v.version = r.version WHERE ";
    D::rid_in("rf.res", rids, sql);
    sql << " AND rf.type = ";
    sql.bind(inc.source_type) << " AND rf.param = ";
    sql.bind(std::string(model::index_name(inc.source_type, inc.param)));
    if (!inc.target_type.empty()) {
      sql << " AND rf.ref_type = ";
      sql.bind(inc.target_type);
    }
    included_tail(q, sql);
    return sql;
  }

  // The visible, live resources whose `inc` reference points at a match.
  static Sql revinclude_sql(const search::Query& q, const search::Include& inc, const std::vector<int64_t>& rids) {
    Sql sql;
    sql << "SELECT DISTINCT " << kRecordCols << " FROM resources m JOIN idx_ref rf ON rf.type = ";
    sql.bind(inc.source_type) << " AND rf.param = ";
    sql.bind(std::string(model::index_name(inc.source_type, inc.param))) << " AND rf.ref_id = m.id AND rf.ref_type = m.type"
                           " JOIN resources r ON r.rid = rf.res"
                           " JOIN versions v ON v.res = r.rid AND v.version = r.version WHERE ";
    D::rid_in("m.rid", rids, sql);
    included_tail(q, sql);
    return sql;
  }

  // The condition of a history (versions v of resources r). Judged on each
  // resource's current governance: a withdrawal hides every version.
  static Sql history_condition(const HistoryQuery& q) {
    Sql where;
    where << D::kTrue;
    if (!q.type.empty()) {
      where << " AND r.type = ";
      where.bind(q.type);
    }
    if (!q.id.empty()) {
      where << " AND r.id = ";
      where.bind(q.id);
    }
    if (q.since_ms) {
      where << " AND v.last_updated >= ";
      where.bind(*q.since_ms);
    }
    where << " AND ";
    visibility(q.visibility, "r", CodeRows::ever, where);
    return where;
  }

  static Sql history_count_sql(const Sql& where) {
    Sql count;
    count << "SELECT COUNT(*) FROM versions v JOIN resources r ON r.rid = v.res WHERE ";
    count.append(where);
    return count;
  }

  // Newest first, one row more than the page: kRecordCols, then v.seq.
  static Sql history_page_sql(const HistoryQuery& q, const Sql& where) {
    Sql sql;
    sql << "SELECT " << kRecordCols << ", v.seq FROM versions v JOIN resources r ON r.rid = v.res WHERE ";
    sql.append(where);
    if (q.before_seq) {
      sql << " AND v.seq < ";
      sql.bind(*q.before_seq);
    }
    sql << " ORDER BY v.seq DESC LIMIT ";
    sql.bind(static_cast<int64_t>(q.count) + 1);
    return sql;
  }

 private:
  static void included_tail(const search::Query& q, Sql& sql) {
    sql << " AND " << D::is_false("r.deleted") << " AND ";
    visibility(q.visibility, "r", CodeRows::current, sql);
    sql << " ORDER BY r.rid LIMIT ";
    sql.bind(static_cast<int64_t>(kMaxIncluded));
  }

  // The cursor's sort values, one per sort key (a JSON array), each of the
  // kind its key orders by: a foreign cursor is a 400, never a SQL type error.
  static Result<std::vector<typename D::Bind>> cursor_values(const search::Query& q) {
    std::vector<typename D::Bind> out;
    auto unfit = [] { return Error::invalid("The paging cursor does not fit this search"); };
    auto doc = json::parse(q.after->sort_value);
    if (!doc || !doc->IsArray() || doc->Size() != q.sort.size()) return unfit();
    size_t i = 0;
    for (const auto& v : doc->GetArray()) {
      bool want_int = sort_key_is_integer(q.sort[i++]);
      if (want_int && v.IsInt64()) out.emplace_back(v.GetInt64());
      else if (!want_int && v.IsString()) out.emplace_back(std::string(v.GetString(), v.GetStringLength()));
      else return unfit();
    }
    return out;
  }

  // Rows strictly after the cursor in (s0 dir, s1 dir, ..., rid asc) order.
  static Status keyset(const search::Query& q, Sql& sql) {
    auto values = cursor_values(q);
    if (!values) return std::move(values).error();
    sql << "(";
    for (size_t i = 0; i <= q.sort.size(); ++i) {
      if (i) sql << " OR ";
      sql << "(";
      for (size_t j = 0; j < i; ++j) {
        sql << "m.s" << std::to_string(j) << " = ";
        sql.bind((*values)[j]) << " AND ";
      }
      if (i < q.sort.size()) {
        sql << "m.s" << std::to_string(i) << (q.sort[i].descending ? " < " : " > ");
        sql.bind((*values)[i]);
      } else {
        sql << "m.rid > ";
        sql.bind(q.after->row);
      }
      sql << ")";
    }
    sql << ")";
    return {};
  }

  static void value(const model::SearchParam& p, search::Modifier mod, const search::Value& v, Sql& out) {
    using model::ParamType;
    using search::Modifier;
    if (mod == Modifier::identifier) return append_token_cond(v, out);
    switch (p.type) {
      case ParamType::token: append_token_cond(v, out); break;
      case ParamType::string:
        if (mod == Modifier::exact) {
          out << "exact = ";
          out.bind(v.text);
        } else if (mod == Modifier::contains) {
          D::contains("norm", v.text, out);
        } else {
          D::starts_with("norm", v.text, out);
        }
        break;
      case ParamType::date: append_date_cond(v, "lo", "hi", out); break;
      case ParamType::reference:
        if (!v.ref_url.empty()) {
          out << "url = ";
          out.bind(v.ref_url) << " AND url <> ''";  // names the url index's condition, so it is used
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
      case ParamType::number: out << D::kFalse; break;
    }
  }

  // _id and _lastUpdated live on the resources row itself.
  static void common(const search::Clause& c, const model::SearchParam& p, search::Modifier mod,
                     std::string_view alias, Sql& out) {
    using search::Modifier;
    if (mod == Modifier::missing) {  // every resource has both
      out << (c.any_of.at(0).missing ? D::kFalse : D::kTrue);
      return;
    }
    out << (mod == Modifier::not_ ? "NOT (" : "(");
    if (p.name == "_id") {
      std::vector<std::string> ids;
      for (const auto& v : c.any_of) ids.push_back(v.code);
      D::id_in(col(alias, "id"), ids, out);
    } else {
      std::string lo = col(alias, "last_updated");
      for (size_t i = 0; i < c.any_of.size(); ++i) {
        if (i) out << " OR ";
        append_date_cond(c.any_of[i], lo, "(" + lo + " + 1)", out);
      }
    }
    out << ")";
  }

  // The clause's condition on the parameter `p` of `type`, for the row `alias`.
  static void simple(const search::Clause& c, const model::SearchParam& p, const std::string& type,
                     std::string_view alias, Sql& out) {
    using search::Modifier;
    Modifier mod = c.modifier;
    if (p.name == "_id" || p.name == "_lastUpdated") return common(c, p, mod, alias, out);
    std::string param(model::index_name(p));
    if (mod == Modifier::identifier) param += search::kIdentifierSuffix;
    bool negate = mod == Modifier::not_ || (mod == Modifier::missing && c.any_of.at(0).missing);
    out << col(alias, "rid") << (negate ? " NOT IN" : " IN") << " (SELECT res FROM " << index_table(p.type, mod)
        << " WHERE type = ";
    out.bind(type) << " AND param = ";
    out.bind(param);
    if (mod != Modifier::missing) {
      out << " AND (";
      for (size_t i = 0; i < c.any_of.size(); ++i) {
        if (i) out << " OR ";
        value(p, mod, c.any_of[i], out);
      }
      out << ")";
    }
    out << ")";
  }
};

}  // namespace fhirgw::store::sql
