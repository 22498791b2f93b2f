#include "writeback/export.hpp"

#include <map>
#include <set>

#include "core/json.hpp"
#include "mapping/source_key.hpp"
#include "mapping/writeback_keys.hpp"
#include "writeback/format_writer.hpp"
#include "writeback/partner_content.hpp"

namespace fhirgw::adapters {

using writeback::ExportItem;

namespace {

// The outbox holds one entry per partner write: each resource once, in the
// order of its first write since the window began.
struct Pending {
  std::string type, id;
};

}  // namespace

Result<ExportReport> export_writeback(store::Store& store, Format format, const std::string& organisation,
                                      int64_t since_ms, const std::filesystem::path& out_dir,
                                      const ImportConfig& config) {
  if (organisation.empty()) return Error::invalid("an organisation (ODS code) is required", "organisation");
  ExportReport report;
  report.format = format;
  report.organisation = organisation;
  report.since_ms = since_ms;
  report.until_ms = since_ms;
  report.directory = out_dir.string();
  auto entries = store.list_outbox(organisation, since_ms);
  if (!entries) return entries.error();
  std::vector<Pending> order;
  std::set<std::string> seen;
  for (const auto& e : *entries) {
    report.until_ms = std::max(report.until_ms, e.created_ms);
    if (seen.insert(e.type + "/" + e.id).second) order.push_back({e.type, e.id});
  }
  std::string fmt(to_string(format));
  auto writer = format == Format::emis ? writeback::make_emis_writer(organisation, config)
                                       : writeback::make_systmone_writer(organisation, config);
  std::string patient_system = SourceKey{fmt, organisation, writer->patient_table(), ""}.identifier_system();
  for (const auto& p : order) {
    auto skip = [&](int64_t version, std::string reason) {
      report.skipped.push_back({p.type, p.id, version, std::move(reason)});
    };
    auto table = writeback_table(format, p.type);
    if (!table) {
      skip(0, p.type + " is not written back to practices");
      continue;
    }
    auto current = store.read(p.type, p.id);
    if (!current) return current.error();
    if (!current->has_value()) {
      skip(0, "not in the store");
      continue;
    }
    const store::Record& rec = **current;
    ExportItem item;
    item.type = p.type;
    item.id = p.id;
    item.version = rec.version;
    item.last_updated_ms = rec.last_updated_ms;
    item.deleted = rec.deleted;
    std::string text = rec.json;
    if (rec.deleted) {
      // A tombstone has no content: the keys come from the last live version.
      auto last = rec.version > 1 ? store.vread(p.type, p.id, rec.version - 1)
                                  : Result<std::optional<store::Record>>(std::optional<store::Record>{});
      if (!last) return last.error();
      if (!last->has_value() || (*last)->deleted) {
        skip(rec.version, "deleted, and no earlier version to take its keys from");
        continue;
      }
      text = (*last)->json;
    }
    auto doc = json::parse(text);
    if (!doc) return Error::internal("stored " + p.type + "/" + p.id + " is not JSON");
    item.resource = &*doc;
    std::string patient_id = writeback::subject_patient_id(*doc);
    if (patient_id.empty()) {
      skip(rec.version, "no Patient subject");
      continue;
    }
    auto patient = store.read("Patient", patient_id);
    if (!patient) return patient.error();
    if (patient->has_value() && !(*patient)->deleted) {
      if (auto pdoc = json::parse((*patient)->json)) item.patient_key = writeback::identifier_value(*pdoc, patient_system);
    }
    if (item.patient_key.empty()) {
      skip(rec.version, "its patient did not come from " + organisation + "'s " + fmt + " extract");
      continue;
    }
    item.own_key = writeback::identifier_value(*doc, SourceKey{fmt, organisation, std::string(*table), ""}.identifier_system());
    auto key = writer->add(item);
    if (!key) {
      skip(rec.version, key.error().message());
      continue;
    }
    report.exported.push_back({p.type, p.id, rec.version, *key, rec.deleted});
  }
  auto files = writer->write(out_dir, report.since_ms, report.until_ms);
  if (!files) return files.error();
  for (const auto& f : *files) report.files.push_back({f.name, f.table, f.rows});
  return report;
}

std::string render_text(const ExportReport& r) {
  std::string out = "Write-back export (" + std::string(to_string(r.format)) + ") for " + r.organisation + " to " +
                    r.directory + "\n";
  out += "Partner writes exported: " + std::to_string(r.exported.size()) +
         ", not exported: " + std::to_string(r.skipped.size()) + "\n\n";
  for (const auto& f : r.files) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-78s %6lld rows\n", f.name.c_str(), static_cast<long long>(f.rows));
    out += buf;
  }
  if (!r.exported.empty()) out += "\n";
  for (const auto& e : r.exported) {
    out += "  " + e.type + "/" + e.id + " v" + std::to_string(e.version) + " -> " + e.key +
           (e.deleted ? " (delete)" : "") + "\n";
  }
  if (!r.skipped.empty()) out += "\nNot exported:\n";
  for (const auto& s : r.skipped) out += "  " + s.type + "/" + s.id + ": " + s.reason + "\n";
  return out;
}

std::string render_json(const ExportReport& r) {
  json::Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  d.AddMember("format", json::make_string(to_string(r.format), a), a);
  d.AddMember("organisation", json::make_string(r.organisation, a), a);
  d.AddMember("sinceMs", r.since_ms, a);
  d.AddMember("untilMs", r.until_ms, a);
  d.AddMember("directory", json::make_string(r.directory, a), a);
  json::Value files(rapidjson::kArrayType);
  for (const auto& f : r.files) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("file", json::make_string(f.name, a), a);
    v.AddMember("table", json::make_string(f.table, a), a);
    v.AddMember("rows", f.rows, a);
    files.PushBack(v, a);
  }
  d.AddMember("files", files, a);
  json::Value exported(rapidjson::kArrayType);
  for (const auto& e : r.exported) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("resource", json::make_string(e.type + "/" + e.id, a), a);
    v.AddMember("version", e.version, a);
    v.AddMember("key", json::make_string(e.key, a), a);
    v.AddMember("deleted", e.deleted, a);
    exported.PushBack(v, a);
  }
  d.AddMember("exported", exported, a);
  json::Value skipped(rapidjson::kArrayType);
  for (const auto& s : r.skipped) {
    json::Value v(rapidjson::kObjectType);
    v.AddMember("resource", json::make_string(s.type + "/" + s.id, a), a);
    v.AddMember("version", s.version, a);
    v.AddMember("reason", json::make_string(s.reason, a), a);
    skipped.PushBack(v, a);
  }
  d.AddMember("skipped", skipped, a);
  return json::to_string(d);
}

}  // namespace fhirgw::adapters
