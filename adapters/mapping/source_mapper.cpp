#include "mapping/source_mapper.hpp"

namespace fhirgw::adapters {

Status check_columns(const csv::Reader& reader, const TableSchema& schema) {
  if (auto st = reader.require(schema.required); !st) return st;
  for (const auto& group : schema.required_any) {
    bool any = false;
    std::string names;
    for (const auto& col : group) {
      any = any || reader.has_column(col);
      names += names.empty() ? col : " or " + col;
    }
    if (!any) return Error::invalid(reader.name() + ": missing required column " + names, group.front());
  }
  return {};
}

RowAction start_action(const RowCommon& c, RowAction::Kind kind, std::string type, std::string id) {
  RowAction a;
  a.kind = kind;
  a.key = c.source.key;
  a.organisation = c.source.organisation;
  a.type = std::move(type);
  a.id = id.empty() ? c.source.id() : std::move(id);
  a.patient_id = c.patient;
  return a;
}

RowAction removal_action(const RowCommon& c, std::vector<std::string> types) {
  RowAction a = start_action(c, RowAction::Kind::remove, types.front());
  a.remove_types = std::move(types);
  return a;
}

RowAction patient_removal(const RowCommon& c) {
  RowAction a = removal_action(c, {"Patient"});
  a.is_patient = true;
  return a;
}

std::optional<RowAction> date_or_quarantine(const Result<std::string>& parsed, std::string_view column,
                                            std::string& out) {
  if (!parsed) return RowAction::quarantined(std::string(column), parsed.error().message());
  out = *parsed;
  return std::nullopt;
}

std::optional<std::string> administrative_gender(std::string_view code) {
  if (code.empty()) return std::string();
  if (code == "M") return std::string("male");
  if (code == "F") return std::string("female");
  if (code == "I") return std::string("other");
  if (code == "U") return std::string("unknown");
  return std::nullopt;
}

std::string SourceMapper::column_for(std::string_view, std::string_view) const { return {}; }

std::string column_by_rules(const std::vector<ColumnRule>& rules, std::string_view table,
                            std::string_view element_path) {
  const ColumnRule* best = nullptr;
  for (const auto& r : rules) {
    if (r.table != table || !element_path.starts_with(r.path_prefix)) continue;
    // "Flag.code" must not claim "Flag.codeX": the prefix ends an element name,
    // or a choice type's stem ("medication" of "medicationCodeableConcept").
    if (element_path.size() > r.path_prefix.size()) {
      char next = element_path[r.path_prefix.size()];
      bool boundary = next == '.' || next == '[' || (next >= 'A' && next <= 'Z');
      if (!boundary) continue;
    }
    if (!best || r.path_prefix.size() > best->path_prefix.size()) best = &r;
  }
  return best ? std::string(best->column) : std::string();
}

}  // namespace fhirgw::adapters
