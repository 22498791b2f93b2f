#include "import/importer.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/systems.hpp"
#include "emis/emis_mapper.hpp"
#include "import/part_spool.hpp"
#include "mapping/fhir_builder.hpp"
#include "mapping/writeback_keys.hpp"
#include "systmone/systmone_mapper.hpp"

namespace fhirgw::adapters {

std::unique_ptr<SourceMapper> make_mapper(Format format, const ImportConfig& config) {
  if (format == Format::emis) return std::make_unique<emis::EmisMapper>(config);
  return std::make_unique<systmone::SystmOneMapper>(config);
}

namespace {

constexpr size_t kPartRawCap = 512;

uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

std::string trim_raw(std::string raw, size_t cap) {
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.pop_back();
  if (raw.size() > cap) raw.resize(cap);
  return raw;
}

// The member of a parent resource that parts of each kind fill.
const char* part_member(Part::Kind k) {
  switch (k) {
    case Part::Kind::activity: return "activity";
    case Part::Kind::item: return "item";
    case Part::Kind::last_issue: return "extension";
  }
  return "";
}

const char* part_member_for_type(std::string_view type) {
  if (type == "CarePlan") return "activity";
  if (type == "QuestionnaireResponse") return "item";
  if (type == "MedicationStatement") return "extension";
  return nullptr;
}


// A partner's resource that this gateway exported to the practice: rows
// whose key is its write-back key name it, not a resource of their own.
struct WritebackTarget {
  std::string type, id, author_org;
};

// Where in a parent resource a validation error lies: the index k of
// "<Type>.<member>[k]..." (a part's element), or nullopt.
std::optional<size_t> element_index(std::string_view expression, std::string_view type, std::string_view member) {
  if (!expression.starts_with(type) || expression.size() <= type.size() || expression[type.size()] != '.') {
    return std::nullopt;
  }
  expression.remove_prefix(type.size() + 1);
  if (!expression.starts_with(member) || expression.size() <= member.size() || expression[member.size()] != '[') {
    return std::nullopt;
  }
  expression.remove_prefix(member.size() + 1);
  size_t k = 0;
  auto [p, ec] = std::from_chars(expression.data(), expression.data() + expression.size(), k);
  if (ec != std::errc() || p == expression.data() || p == expression.data() + expression.size() || *p != ']') {
    return std::nullopt;
  }
  return k;
}

class Engine {
 public:
  Engine(store::Store& store, store::Transaction& tx, SourceMapper& mapper, ImportReport& report,
         const FileSet& set, const ImportOptions& options)
      : store_(store),
        tx_(tx),
        mapper_(mapper),
        report_(report),
        set_(set),
        progress_(options.progress),
        validator_(options.skip_validation ? nullptr : options.validator),
        questionnaires_(options.questionnaires) {}

  Status run();

 private:
  Status run_step(size_t step_index, const TableStep& step);
  Status scan_duplicates(const std::string& table);
  Status handle(const TableStep& step, size_t file_index, const csv::Row& row, RowAction action,
                uint64_t position);
  Status upsert(size_t file_index, const csv::Row& row, RowAction& action, const WritebackTarget* writeback);
  Status index_writeback(const std::string& organisation);
  const WritebackTarget* remap_writeback(RowAction& action);
  Status remove(size_t file_index, const csv::Row& row, const RowAction& action);
  Status flush_leftover_parts();
  Status bulk_replace();
  Result<bool> patient_live(const std::string& id);
  Status apply_parts(json::Document& doc, std::vector<PendingPart>& parts);
  Status account(size_t file_index, Outcome o);
  Status quarantine(size_t file_index, int64_t line, std::string column, std::string message, std::string raw);
  // Validates a resource about to be written. Invalid: quarantines the row
  // that made it (row may be null: a stored parent patched by parts) and its
  // parts, and returns false.
  Result<bool> valid_or_quarantined(const json::Document& doc, const std::string& type, const std::string& id,
                                    size_t file_index, const csv::Row* row, const std::vector<PendingPart>& parts);
  Status tick();
  Result<std::optional<json::Document>> read_live(const std::string& type, const std::string& id);

  store::Store& store_;
  store::Transaction& tx_;
  SourceMapper& mapper_;
  ImportReport& report_;
  const FileSet& set_;
  ProgressCallback progress_;
  const validation::Validator* validator_;
  const validation::QuestionnaireLookup* questionnaires_;
  size_t step_index_ = 0;
  int64_t rows_done_ = 0;

  // Per table: key hash → position of its last occurrence, for keys seen twice.
  std::unordered_map<std::string, std::unordered_map<uint64_t, uint64_t>> last_position_;
  std::unordered_set<std::string> scanned_tables_;
  // Hash of each "type/id" written by this import: 8 bytes a resource (a
  // hash set costs ~5x that); sorted once, before the bulk replacement reads it.
  std::vector<uint64_t> touched_;
  // Hash of each patient id looked up or written → live: ~40 bytes a patient
  // where string keys took ~120.
  std::unordered_map<uint64_t, bool> patient_live_;
  PartSpool pending_;  // child rows waiting for their parent (on disk, not in memory)
  std::set<std::string> organisations_;
  std::vector<bool> rejected_;
  // Write-back keys of each organisation's partner writes (from its outbox):
  // the id the mapper derives from such a key → the partner resource.
  std::unordered_map<std::string, WritebackTarget> writeback_;
  std::unordered_set<std::string> writeback_parents_;  // "type/id" of those partner resources
  std::unordered_set<std::string> writeback_indexed_;  // organisations already indexed
};

Status Engine::index_writeback(const std::string& organisation) {
  if (!writeback_indexed_.insert(organisation).second) return {};
  // Read outside the import transaction: the outbox only grows, and an entry
  // added meanwhile is for a resource this import cannot have exported rows of.
  auto entries = store_.list_outbox(organisation, 0);
  if (!entries) return entries.error();
  std::string format(to_string(report_.format));
  for (const auto& e : *entries) {
    auto table = writeback_table(report_.format, e.type);
    if (!table) continue;
    std::string key = writeback_key(report_.format, organisation, e.type, e.id);
    std::string mapped_id = derived_id(format, organisation, *table, key);
    writeback_[mapped_id] = {e.type, e.id, e.author_org};
    writeback_parents_.insert(e.type + "/" + e.id);
  }
  return {};
}

const WritebackTarget* Engine::remap_writeback(RowAction& action) {
  if (writeback_.empty() || action.id.empty()) return nullptr;
  auto it = writeback_.find(action.id);
  if (it == writeback_.end()) return nullptr;
  const auto& t = it->second;
  bool same_type = action.type == t.type ||
                   std::find(action.remove_types.begin(), action.remove_types.end(), t.type) != action.remove_types.end();
  if (!same_type) return nullptr;
  action.id = t.id;
  return &t;
}

Status Engine::tick() {
  if (progress_ && rows_done_ % 1000 == 0) {
    ImportProgress p{report_.files.empty() ? "" : report_.files.back().file, rows_done_, step_index_,
                     mapper_.plan().size()};
    if (!progress_(p)) return Error::make(409, "processing", "import cancelled");
  }
  return {};
}

Status Engine::account(size_t file_index, Outcome o) {
  report_.files[file_index].counts.add(o);
  report_.totals.add(o);
  ++rows_done_;
  return tick();
}

Status Engine::quarantine(size_t file_index, int64_t line, std::string column, std::string message,
                          std::string raw) {
  store::QuarantineEntry e;
  e.import_id = report_.import_id;
  e.format = std::string(to_string(report_.format));
  e.organisation = organisations_.size() == 1 ? *organisations_.begin() : std::string();
  e.file = report_.files[file_index].file;
  e.line = line;
  e.column = std::move(column);
  e.message = std::move(message);
  e.raw = trim_raw(std::move(raw), csv::Reader::kRawCap);
  if (auto st = tx_.add_quarantine(e); !st) return st;
  ++report_.quarantine_total;
  if (report_.quarantine.size() < ImportReport::kQuarantineCap) report_.quarantine.push_back(std::move(e));
  return account(file_index, Outcome::quarantined);
}

Result<bool> Engine::valid_or_quarantined(const json::Document& doc, const std::string& type, const std::string& id,
                                          size_t fi, const csv::Row* row, const std::vector<PendingPart>& parts) {
  if (!validator_) return true;
  auto issues = validator_->validate(doc, {}, questionnaires_);
  std::vector<const Issue*> errors;
  for (const auto& i : issues) {
    if (i.severity == Severity::error || i.severity == Severity::fatal) errors.push_back(&i);
  }
  if (errors.empty()) return true;
  ++report_.invalid_resources;

  // One message for every row that made the resource: each error's element
  // path and diagnostics (the first few; the count says how many in all).
  constexpr size_t kListed = 5;
  std::string message = type + "/" + id + " fails its profile: ";
  for (size_t k = 0; k < errors.size() && k < kListed; ++k) {
    if (k) message += "; ";
    message += (errors[k]->expression.empty() ? type : errors[k]->expression) + ": " + errors[k]->diagnostics;
  }
  if (errors.size() > kListed) message += "; and " + std::to_string(errors.size() - kListed) + " more";

  // Which row each error belongs to: a part's element (by its id) or the row itself.
  const char* member = part_member_for_type(type);
  auto owner = [&](const Issue& e) -> std::optional<size_t> {
    if (!member || parts.empty()) return std::nullopt;
    auto k = element_index(e.expression, type, member);
    const auto* arr = json::get(doc, member);
    if (!k || !arr || !arr->IsArray() || *k >= arr->Size()) return std::nullopt;
    auto element_id = json::get_string((*arr)[static_cast<rapidjson::SizeType>(*k)], "id");
    for (size_t p = 0; p < parts.size(); ++p) {
      if (element_id && parts[p].part.element_id == *element_id) return p;
    }
    return std::nullopt;
  };
  auto column_of = [&](std::optional<size_t> part, const std::string& table) {
    for (const auto* e : errors) {
      if (owner(*e) == part) return mapper_.column_for(table, e->expression);
    }
    return std::string();
  };
  if (row) {
    if (auto st = quarantine(fi, row->line, column_of(std::nullopt, set_.files[fi].table), message, row->raw); !st) {
      return st.error();
    }
  }
  for (size_t p = 0; p < parts.size(); ++p) {
    const auto& part = parts[p];
    if (auto st = quarantine(part.file_index, part.line, column_of(p, set_.files[part.file_index].table), message,
                             part.raw);
        !st) {
      return st.error();
    }
  }
  return false;
}

Result<std::optional<json::Document>> Engine::read_live(const std::string& type, const std::string& id) {
  auto rec = tx_.read(type, id);
  if (!rec) return rec.error();
  if (!rec->has_value() || (*rec)->deleted) return std::optional<json::Document>{};
  auto doc = json::parse((*rec)->json);
  if (!doc) return Error::internal("stored " + type + "/" + id + " is not JSON: " + doc.error().message());
  // The store stamps these; the import compares content only.
  if (auto* meta = const_cast<json::Value*>(json::get(*doc, "meta"))) {
    json::remove(*meta, "versionId");
    json::remove(*meta, "lastUpdated");
  }
  return std::optional<json::Document>(std::move(*doc));
}

Result<bool> Engine::patient_live(const std::string& id) {
  const uint64_t h = hash_of(id);
  auto it = patient_live_.find(h);
  if (it != patient_live_.end()) return it->second;
  auto rec = tx_.read("Patient", id);
  if (!rec) return rec.error();
  bool live = rec->has_value() && !(*rec)->deleted;
  patient_live_.emplace(h, live);
  return live;
}

Status Engine::run() {
  // One report line per file, in processing order.
  rejected_.assign(set_.files.size(), false);
  for (const auto& f : set_.files) {
    FileReport fr;
    fr.file = f.path.filename().string();
    fr.table = f.table;
    fr.delta = f.delta;
    report_.files.push_back(std::move(fr));
  }
  const auto& plan = mapper_.plan();
  for (size_t i = 0; i < plan.size(); ++i) {
    step_index_ = i;
    if (auto st = run_step(i, plan[i]); !st) return st;
    if (plan[i].final_step) last_position_.erase(plan[i].table);
  }
  if (auto st = flush_leftover_parts(); !st) return st;
  if (auto st = bulk_replace(); !st) return st;
  report_.organisations.assign(organisations_.begin(), organisations_.end());
  return {};
}

Status Engine::scan_duplicates(const std::string& table) {
  const auto* schema = mapper_.schema(table);
  auto& last = last_position_[table];
  // (key hash, position) of every row, sorted: 16 bytes a row while the scan
  // runs, where a hash set took ~40. Reserved from the file sizes; pages never
  // written are never resident.
  std::vector<std::pair<uint64_t, uint64_t>> keys;
  std::error_code ec;
  uintmax_t bytes = 0;
  for (const auto& f : set_.files)
    if (f.table == table) bytes += std::filesystem::file_size(f.path, ec);
  keys.reserve(ec ? 0 : static_cast<size_t>(bytes / 16));
  for (size_t fi = 0; fi < set_.files.size(); ++fi) {
    if (set_.files[fi].table != table) continue;
    auto reader = csv::Reader::open(set_.files[fi].path, mapper_.encoding());
    if (!reader) continue;
    if (!(*reader)->read_header() || !(*reader)->has_column(schema->key_column)) continue;
    csv::Row row;
    while ((*reader)->next(row)) {
      if (row.error) continue;
      auto key = (*reader)->get(row, schema->key_column);
      if (!key) continue;
      keys.emplace_back(hash_of(*key), (static_cast<uint64_t>(fi) << 40) | static_cast<uint64_t>(row.line));
    }
  }
  std::sort(keys.begin(), keys.end());
  // Only keys seen more than once get an entry, the position of their last
  // occurrence (a run is in position order, so the final assignment wins).
  for (size_t i = 0; i + 1 < keys.size(); ++i)
    if (keys[i].first == keys[i + 1].first) last[keys[i].first] = keys[i + 1].second;
  return {};
}

Status Engine::run_step(size_t step_index, const TableStep& step) {
  const auto* schema = mapper_.schema(step.table);
  if (!schema) return Error::internal("no schema for table " + step.table);
  if (scanned_tables_.insert(step.table).second) {
    if (auto st = scan_duplicates(step.table); !st) return st;
  }
  for (size_t fi = 0; fi < set_.files.size(); ++fi) {
    const auto& file = set_.files[fi];
    if (file.table != step.table) continue;
    if (progress_) {
      ImportProgress p{report_.files[fi].file, rows_done_, step_index, mapper_.plan().size()};
      if (!progress_(p)) return Error::make(409, "processing", "import cancelled");
    }
    auto opened = csv::Reader::open(file.path, mapper_.encoding());
    if (!opened) return opened.error();
    auto& reader = **opened;
    auto header = reader.read_header();
    if (!header) {
      // Without a header no row can be read: one entry stands for the file.
      report_.files[fi].rejected = header.error().message();
      if (step.final_step) {
        if (auto st = quarantine(fi, 1, "", header.error().message(), ""); !st) return st;
      }
      continue;
    }
    auto columns = check_columns(reader, *schema);
    if (!columns) {
      report_.files[fi].rejected = columns.error().message();
      rejected_[fi] = true;
    }
    csv::Row row;
    while (reader.next(row)) {
      if (rejected_[fi]) {
        // The whole file is refused, but every row is still accounted for.
        if (step.final_step) {
          const auto& issue = columns.error().issues.front();
          if (auto st = quarantine(fi, row.line, issue.expression, issue.diagnostics, row.raw); !st) return st;
        }
        continue;
      }
      if (row.error) {
        if (step.final_step) {
          if (auto st = quarantine(fi, row.line, row.error->column, row.error->message, row.raw); !st) return st;
        }
        continue;
      }
      RowView view(reader, row);
      RowAction action = mapper_.map_row(step, view);
      if (action.kind == RowAction::Kind::pass_over) continue;
      uint64_t pos = (static_cast<uint64_t>(fi) << 40) | static_cast<uint64_t>(row.line);
      if (auto st = handle(step, fi, row, std::move(action), pos); !st) return st;
    }
  }
  return {};
}

Status Engine::handle(const TableStep& step, size_t fi, const csv::Row& row, RowAction action, uint64_t pos) {
  if (!action.key.empty()) {
    const auto& last = last_position_[step.table];
    auto it = last.find(hash_of(action.key));
    if (it != last.end() && it->second != pos) {
      ++report_.files[fi].superseded;
      return account(fi, Outcome::unchanged);
    }
  }
  if (!action.organisation.empty()) {
    organisations_.insert(action.organisation);
    if (auto st = index_writeback(action.organisation); !st) return st;
  }
  const WritebackTarget* writeback = nullptr;
  if (action.kind == RowAction::Kind::upsert || action.kind == RowAction::Kind::part ||
      action.kind == RowAction::Kind::remove) {
    writeback = remap_writeback(action);
  }
  const char* patient_column = report_.format == Format::emis ? "PatientGuid" : "IDPatient";
  switch (action.kind) {
    case RowAction::Kind::pass_over:
      return {};
    case RowAction::Kind::unchanged:
      return account(fi, Outcome::unchanged);
    case RowAction::Kind::quarantine:
      return quarantine(fi, row.line, action.column, action.message, row.raw);
    case RowAction::Kind::upsert:
    case RowAction::Kind::part:
      if (!action.patient_id.empty() && !(action.kind == RowAction::Kind::part && action.part.remove)) {
        auto live = patient_live(action.patient_id);
        if (!live) return live.error();
        if (!*live) {
          return quarantine(fi, row.line, patient_column,
                            "orphan: patient Patient/" + action.patient_id + " is not known to this import or the store",
                            row.raw);
        }
      }
      if (action.kind == RowAction::Kind::upsert) return upsert(fi, row, action, writeback);
      return pending_.add(action.type, action.id,
                          PendingPart{std::move(action.part), fi, row.line, trim_raw(row.raw, kPartRawCap)});
    case RowAction::Kind::remove:
      return remove(fi, row, action);
  }
  return {};
}

Status Engine::apply_parts(json::Document& doc, std::vector<PendingPart>& parts) {
  if (parts.empty()) return {};
  auto& a = doc.GetAllocator();
  Part::Kind kind = parts.front().part.kind;
  const char* member = part_member(kind);
  if (kind == Part::Kind::last_issue) {
    std::string latest;
    if (const auto* ext = json::get(doc, "extension"); ext && ext->IsArray()) {
      for (const auto& e : ext->GetArray()) {
        if (json::get_string(e, "url") == std::string_view(kLastIssueDateExtension)) {
          latest = std::string(json::get_string(e, "valueDateTime").value_or(""));
        }
      }
    }
    for (const auto& p : parts) {
      if (!p.part.remove && p.part.json > latest) latest = p.part.json;
    }
    json::remove(doc, "extension");
    if (!latest.empty()) {
      json::Value ext(rapidjson::kObjectType);
      ext.AddMember("url", json::make_string(kLastIssueDateExtension, a), a);
      ext.AddMember("valueDateTime", json::make_string(latest, a), a);
      json::Value exts(rapidjson::kArrayType);
      exts.PushBack(ext, a);
      doc.AddMember("extension", exts, a);
    }
    return {};
  }
  // Elements keyed by their id; later rows replace earlier ones.
  std::map<std::string, json::Value> elements;
  if (auto* arr = const_cast<json::Value*>(json::get(doc, member)); arr && arr->IsArray()) {
    for (auto& e : arr->GetArray()) {
      std::string id(json::get_string(e, "id").value_or(""));
      elements[id] = json::Value(e, a);
    }
  }
  for (auto& p : parts) {
    if (p.part.remove) {
      elements.erase(p.part.element_id);
      continue;
    }
    auto parsed = json::parse(p.part.json);
    if (!parsed) return Error::internal("part is not JSON: " + parsed.error().message());
    elements[p.part.element_id] = json::Value(*parsed, a);
  }
  // Deterministic order whatever order rows arrived in: items by linkId, activities by id.
  std::vector<std::pair<std::string, std::string>> order;
  for (auto& [id, v] : elements) {
    std::string sort = kind == Part::Kind::item ? std::string(json::get_string(v, "linkId").value_or("")) : id;
    order.emplace_back(sort, id);
  }
  std::sort(order.begin(), order.end());
  json::remove(doc, member);
  if (!order.empty()) {
    json::Value arr(rapidjson::kArrayType);
    for (const auto& [sort, id] : order) arr.PushBack(elements[id], a);
    doc.AddMember(json::make_string(member, a), arr, a);
  }
  return {};
}

Status Engine::upsert(size_t fi, const csv::Row& row, RowAction& action, const WritebackTarget* writeback) {
  json::Document* doc = &action.resource;
  if (!doc->IsObject()) return Error::internal("mapper produced no resource for " + action.type + "/" + action.id);
  std::string pkey = action.type + "/" + action.id;
  std::vector<PendingPart> parts;
  if (!pending_.empty()) {
    auto taken = pending_.take(action.type, action.id);
    if (!taken) return taken.error();
    parts = std::move(*taken);
  }
  if (writeback) {
    auto stored = tx_.read(action.type, action.id);
    if (!stored) return stored.error();
    if (stored->has_value()) {
      // The practice echoing back what this gateway exported: the partner's
      // own version stands (a deleted one is not brought back).
      touched_.push_back(hash_of(pkey));
      report_.writeback_echoed += 1 + static_cast<int64_t>(parts.size());
      if (auto st = account(fi, Outcome::unchanged); !st) return st;
      for (const auto& p : parts) {
        if (auto st = account(p.file_index, Outcome::unchanged); !st) return st;
      }
      return {};
    }
    // Unknown to this store (e.g. restored from an older backup): recreate it
    // under the partner's id and authorship.
    auto& a = doc->GetAllocator();
    json::set_string(*doc, "id", action.id, a);
    if (!writeback->author_org.empty()) {
      json::Value tag(rapidjson::kObjectType);
      tag.AddMember("system", json::make_string(systems::kAuthorOrg, a), a);
      tag.AddMember("code", json::make_string(writeback->author_org, a), a);
      (*doc)["meta"]["tag"].PushBack(tag, a);
    }
  }
  if (const char* member = part_member_for_type(action.type)) {
    // A delta row is the parent's full image but not its children's: keep the
    // children already stored. A bulk brings every child itself.
    if (set_.files[fi].delta) {
      auto stored = read_live(action.type, action.id);
      if (!stored) return stored.error();
      if (*stored) {
        if (const auto* v = json::get(**stored, member)) {
          doc->AddMember(json::make_string(member, doc->GetAllocator()), json::Value(*v, doc->GetAllocator()),
                         doc->GetAllocator());
        }
      }
    }
    if (auto st = apply_parts(*doc, parts); !st) return st;
  }
  auto valid = valid_or_quarantined(*doc, action.type, action.id, fi, &row, parts);
  if (!valid) return valid.error();
  if (!*valid) {
    // Not written; a version already stored is kept, not bulk-deleted.
    touched_.push_back(hash_of(pkey));
    return {};
  }
  auto written = tx_.put_document(action.type, action.id, *doc);
  if (!written) return written.error();
  Outcome o = written->unchanged ? Outcome::unchanged : written->created ? Outcome::created : Outcome::updated;
  touched_.push_back(hash_of(pkey));
  if (action.is_patient) patient_live_[hash_of(action.id)] = true;
  if (auto st = account(fi, o); !st) return st;
  for (const auto& p : parts) {
    if (auto st = account(p.file_index, o); !st) return st;
  }
  return {};
}

Status Engine::remove(size_t fi, const csv::Row& row, const RowAction& action) {
  bool removed = false;
  for (const auto& type : action.remove_types) {
    auto rec = tx_.read(type, action.id);
    if (!rec) return rec.error();
    if (!rec->has_value() || (*rec)->deleted) continue;
    if (action.is_patient) {
      // Everything of this patient from this controller goes with it.
      auto keys = tx_.live_keys(action.organisation, action.id);
      if (!keys) return keys.error();
      for (const auto& k : *keys) {
        if (k.type == "Patient" && k.id == action.id) continue;
        store::Write w{store::WriteKind::remove, k.type, k.id, "", std::nullopt};
        if (auto r = tx_.put(w); !r) return r.error();
        ++report_.cascade_deleted;
      }
    }
    store::Write w{store::WriteKind::remove, type, action.id, "", std::nullopt};
    if (auto r = tx_.put(w); !r) return r.error();
    removed = true;
  }
  if (action.is_patient) patient_live_[hash_of(action.id)] = false;
  return account(fi, removed ? Outcome::deleted : Outcome::unchanged);
}

Status Engine::flush_leftover_parts() {
  // Children whose parent was not in this set: patch the stored parent.
  auto parents = pending_.remaining();
  if (!parents) return parents.error();
  for (const auto& parent_key : *parents) {
    auto taken = pending_.take(parent_key.type, parent_key.id);
    if (!taken) return taken.error();
    struct {
      const std::string& type;
      const std::string& id;
      std::vector<PendingPart> parts;
    } parent{parent_key.type, parent_key.id, std::move(*taken)};
    std::string key = parent.type + "/" + parent.id;
    auto stored = read_live(parent.type, parent.id);
    if (!stored) return stored.error();
    if (!*stored) {
      for (const auto& p : parent.parts) {
        if (p.part.remove) {
          if (auto st = account(p.file_index, Outcome::unchanged); !st) return st;
          continue;
        }
        if (auto st = quarantine(p.file_index, p.line, p.part.parent_column,
                                 "orphan: parent " + parent.type + "/" + parent.id +
                                     " is not known to this import or the store",
                                 p.raw);
            !st) {
          return st;
        }
      }
      continue;
    }
    if (writeback_parents_.count(key)) {
      // Children of a partner's resource echoed back: the partner's version stands.
      for (const auto& p : parent.parts) {
        ++report_.writeback_echoed;
        if (auto st = account(p.file_index, Outcome::unchanged); !st) return st;
      }
      continue;
    }
    auto& doc = **stored;
    if (auto st = apply_parts(doc, parent.parts); !st) return st;
    auto valid = valid_or_quarantined(doc, parent.type, parent.id, 0, nullptr, parent.parts);
    if (!valid) return valid.error();
    if (!*valid) continue;
    auto written = tx_.put_document(parent.type, parent.id, doc);
    if (!written) return written.error();
    Outcome o = written->unchanged ? Outcome::unchanged : Outcome::updated;
    for (const auto& p : parent.parts) {
      if (auto st = account(p.file_index, o); !st) return st;
    }
  }
  return {};
}

Status Engine::bulk_replace() {
  std::set<std::string> types;
  for (size_t fi = 0; fi < set_.files.size(); ++fi) {
    if (set_.files[fi].delta || rejected_[fi]) continue;
    const auto* schema = mapper_.schema(set_.files[fi].table);
    for (const auto& t : schema->produces) types.insert(t);
  }
  if (report_.format == Format::emis && set_.bulk) {
    // An EMIS bulk replaces everything from the organisation, whatever
    // tables it happens to contain.
    for (const auto& t : {"Patient", "Consent", "QuestionnaireResponse", "MedicationStatement", "Flag", "CarePlan"}) {
      types.insert(t);
    }
  }
  if (types.empty()) return {};
  std::sort(touched_.begin(), touched_.end());
  // The controller's live resources are paged through (not listed whole), so
  // memory stays flat however large the organisation's record is.
  constexpr int kPage = 500;
  for (const auto& org : organisations_) {
    for (const auto& type : types) {
      search::Grant grant;
      grant.controllers = {org};
      grant.types = {type};
      grant.exclude_confidential = false;
      search::Query q;
      q.type = type;
      q.count = kPage;
      q.total = search::TotalMode::none;
      q.visibility.grants.push_back(std::move(grant));
      while (true) {
        auto page = tx_.search(q);
        if (!page) return page.error();
        for (const auto& rec : page->matches) {
          if (rec.deleted || std::binary_search(touched_.begin(), touched_.end(), hash_of(rec.type + "/" + rec.id))) {
            continue;
          }
          // A partner's write is not something the practice's extract replaced.
          if (!rec.author_org.empty()) continue;
          store::Write w{store::WriteKind::remove, rec.type, rec.id, "", std::nullopt};
          if (auto r = tx_.put(w); !r) return r.error();
          ++report_.bulk_deleted;
        }
        if (!page->next) break;
        q.after = page->next;
      }
    }
  }
  return {};
}

}  // namespace

Result<ImportReport> import_file_set(store::Store& store, Format format, const std::filesystem::path& dir,
                                     const ImportConfig& config, const ImportOptions& options) {
  if (!options.validator && !options.skip_validation) {
    return Error::invalid("import needs a profile validator (or skip_validation set explicitly)");
  }
  auto started = std::chrono::steady_clock::now();
  auto mapper = make_mapper(format, config);
  auto set = mapper->discover(dir);
  if (!set) return set.error();
  ImportReport report;
  report.import_id = ids::random_uuid();
  report.format = format;
  report.directory = dir.string();
  report.bulk = set->bulk;
  report.unknown_files = set->unknown;
  report.validated = !options.skip_validation && options.validator;
  auto tx = store.begin_bulk();
  if (!tx) return tx.error();
  Engine engine(store, **tx, *mapper, report, *set, options);
  if (auto st = engine.run(); !st) return st.error();  // the transaction rolls back
  if (auto st = (*tx)->commit(); !st) return st.error();
  report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  return report;
}

}  // namespace fhirgw::adapters
