#include "import/import_report.hpp"

#include <cstdio>

#include "core/json.hpp"

namespace fhirgw::adapters {

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::created: return "created";
    case Outcome::updated: return "updated";
    case Outcome::unchanged: return "unchanged";
    case Outcome::deleted: return "deleted";
    case Outcome::quarantined: return "quarantined";
  }
  return "";
}

void OutcomeCounts::add(Outcome o, int64_t n) {
  switch (o) {
    case Outcome::created: created += n; break;
    case Outcome::updated: updated += n; break;
    case Outcome::unchanged: unchanged += n; break;
    case Outcome::deleted: deleted += n; break;
    case Outcome::quarantined: quarantined += n; break;
  }
}

namespace {
std::string row_line(const std::string& name, const OutcomeCounts& c, const std::string& extra) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-58s %9lld %9lld %9lld %9lld %9lld %9lld  %s\n", name.c_str(),
                static_cast<long long>(c.total()), static_cast<long long>(c.created),
                static_cast<long long>(c.updated), static_cast<long long>(c.unchanged),
                static_cast<long long>(c.deleted), static_cast<long long>(c.quarantined), extra.c_str());
  return buf;
}

json::Value counts_json(const OutcomeCounts& c, json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  v.AddMember("rows", c.total(), a);
  v.AddMember("created", c.created, a);
  v.AddMember("updated", c.updated, a);
  v.AddMember("unchanged", c.unchanged, a);
  v.AddMember("deleted", c.deleted, a);
  v.AddMember("quarantined", c.quarantined, a);
  return v;
}
}  // namespace

std::string render_text(const ImportReport& r) {
  std::string out = "Import " + r.import_id + " (" + std::string(to_string(r.format)) + ", " +
                    (r.bulk ? "bulk" : "delta") + ") from " + r.directory + "\n";
  std::string orgs;
  for (const auto& o : r.organisations) orgs += (orgs.empty() ? "" : ", ") + o;
  out += "Organisations: " + (orgs.empty() ? std::string("(none)") : orgs) + "\n\n";
  char head[512];
  std::snprintf(head, sizeof head, "%-58s %9s %9s %9s %9s %9s %9s\n", "file", "rows", "created", "updated",
                "unchanged", "deleted", "quarant.");
  out += head;
  for (const auto& f : r.files) {
    std::string extra;
    if (!f.rejected.empty()) extra = "REJECTED: " + f.rejected;
    else if (f.superseded) extra = std::to_string(f.superseded) + " superseded";
    out += row_line(f.file, f.counts, extra);
  }
  out += row_line("TOTAL", r.totals, "");
  out += "\nRemoved with a deleted patient: " + std::to_string(r.cascade_deleted) +
         "\nRemoved by bulk replacement:    " + std::to_string(r.bulk_deleted) +
         "\nPartner write-backs echoed:     " + std::to_string(r.writeback_echoed) +
         "\nInvalid resources, not written: " +
         (r.validated ? std::to_string(r.invalid_resources) : std::string("not validated")) +
         "\nQuarantined rows:               " + std::to_string(r.quarantine_total) +
         "\nDuration:                       " + std::to_string(r.duration_ms) + " ms\n";
  for (const auto& f : r.unknown_files) out += "Ignored file: " + f + "\n";
  for (const auto& q : r.quarantine) {
    out += "  " + q.file + ":" + std::to_string(q.line) + (q.column.empty() ? "" : " [" + q.column + "]") + " " +
           q.message + "\n";
  }
  if (r.quarantine.size() < static_cast<size_t>(r.quarantine_total)) {
    out += "  ... " + std::to_string(r.quarantine_total - static_cast<int64_t>(r.quarantine.size())) +
           " more in the quarantine store\n";
  }
  return out;
}

std::string render_json(const ImportReport& r) {
  json::Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("importId", json::make_string(r.import_id, a), a);
  d.AddMember("format", json::make_string(to_string(r.format), a), a);
  d.AddMember("directory", json::make_string(r.directory, a), a);
  d.AddMember("bulk", r.bulk, a);
  json::Value orgs(rapidjson::kArrayType);
  for (const auto& o : r.organisations) orgs.PushBack(json::make_string(o, a), a);
  d.AddMember("organisations", orgs, a);
  json::Value files(rapidjson::kArrayType);
  for (const auto& f : r.files) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("file", json::make_string(f.file, a), a);
    v.AddMember("table", json::make_string(f.table, a), a);
    v.AddMember("delta", f.delta, a);
    if (!f.rejected.empty()) v.AddMember("rejected", json::make_string(f.rejected, a), a);
    v.AddMember("superseded", f.superseded, a);
    v.AddMember("counts", counts_json(f.counts, a), a);
    files.PushBack(v, a);
  }
  d.AddMember("files", files, a);
  json::Value unknown(rapidjson::kArrayType);
  for (const auto& f : r.unknown_files) unknown.PushBack(json::make_string(f, a), a);
  d.AddMember("ignoredFiles", unknown, a);
  d.AddMember("totals", counts_json(r.totals, a), a);
  d.AddMember("cascadeDeleted", r.cascade_deleted, a);
  d.AddMember("bulkDeleted", r.bulk_deleted, a);
  d.AddMember("writebackEchoed", r.writeback_echoed, a);
  d.AddMember("validated", r.validated, a);
  d.AddMember("invalidResources", r.invalid_resources, a);
  d.AddMember("quarantineTotal", r.quarantine_total, a);
  json::Value q(rapidjson::kArrayType);
  for (const auto& e : r.quarantine) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("file", json::make_string(e.file, a), a);
    v.AddMember("line", e.line, a);
    v.AddMember("column", json::make_string(e.column, a), a);
    v.AddMember("message", json::make_string(e.message, a), a);
    v.AddMember("raw", json::make_string(e.raw, a), a);
    q.PushBack(v, a);
  }
  d.AddMember("quarantine", q, a);
  d.AddMember("durationMs", r.duration_ms, a);
  return json::to_string(d);
}

}  // namespace fhirgw::adapters
