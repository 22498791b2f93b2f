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

}  // namespace fhirgw::adapters
