#include "generator/generator.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/nhs_number.hpp"
#include "core/systems.hpp"
#include "csv/writer.hpp"
#include "mapping/categories.hpp"
#include "mapping/source_key.hpp"

namespace fhirgw::adapters {
namespace {

// Codes the generated data uses. The dm+d ids are shaped like VMP ids (SCTIDs
// with a valid Verhoeff check digit, so they pass the gateway's profiles);
// they are sample data, not a terminology reference.
struct Drug {
  const char* code_id;
  const char* term;
  const char* dmd;
  const char* dose;
  const char* quantity;
};
constexpr std::array<Drug, 16> kRepeatDrugs = {{
    {"3001", "Amlodipine 5mg tablets", "319283006", "One tablet daily", "28 tablet"},
    {"3002", "Atorvastatin 20mg tablets", "320000009", "One tablet at night", "28 tablet"},
    {"3003", "Ramipril 5mg capsules", "318906001", "One capsule daily", "28 capsule"},
    {"3004", "Metformin 500mg tablets", "325278007", "One tablet twice daily", "56 tablet"},
    {"3005", "Levothyroxine sodium 50microgram tablets", "315266007", "One tablet each morning", "28 tablet"},
    {"3006", "Bisoprolol 2.5mg tablets", "318590006", "One tablet daily", "28 tablet"},
    {"3007", "Furosemide 40mg tablets", "317972000", "One tablet each morning", "28 tablet"},
    {"3008", "Omeprazole 20mg gastro-resistant capsules", "317335000", "One capsule daily", "28 capsule"},
    {"3009", "Apixaban 5mg tablets", "703907006", "One tablet twice daily", "56 tablet"},
    {"3010", "Paracetamol 500mg tablets", "322236009", "Two tablets up to four times daily", "100 tablet"},
    {"3011", "Sertraline 50mg tablets", "321963000", "One tablet daily", "28 tablet"},
    {"3012", "Alendronic acid 70mg tablets", "330201008", "One tablet weekly", "4 tablet"},
    {"3013", "Adcal-D3 chewable tablets", "375767002", "One tablet twice daily", "56 tablet"},
    {"3014", "Salbutamol 100micrograms/dose inhaler", "320176004", "Two puffs when required", "1 inhaler"},
    {"3015", "Tiotropium 18microgram inhalation powder capsules", "407885007", "One capsule inhaled daily", "30 capsule"},
    {"3016", "Gabapentin 300mg capsules", "322947005", "One capsule three times daily", "84 capsule"},
}};
// Medicines that reveal an RCGP-sensitive category (fertility, termination,
// gender reassignment): listed in fhir-profiles/valuesets/rcgp-sensitive-categories.json.
constexpr std::array<Drug, 3> kSensitiveDrugs = {{
    {"3101", "Clomifene 50mg tablets", "324481005", "One tablet daily days 2-6", "5 tablet"},
    {"3102", "Mifepristone 200mg tablets", "7324211000001108", "As directed", "1 tablet"},
    {"3103", "Testosterone 50mg/5g gel", "8093711000001103", "Apply daily", "30 sachet"},
}};

struct Clinical {
  const char* code_id;
  const char* term;
  const char* read;     // EMIS ReadTermId (Read v2 + term id, or EMIS local)
  const char* ctv3;     // SystmOne CTV3 (Y = local)
  const char* snomed = "";  // EMIS SnomedCTConceptId
};
constexpr Clinical kConsentPermit = {"1001", "Consent given for electronic record sharing", "9Nd7.00", "XaNwR"};
constexpr Clinical kConsentDeny = {"1002", "No consent for electronic record sharing", "9Nd1.00", "XaNwT"};
constexpr Clinical kQuestionnaireHeader = {"1100", "Frailty and wellbeing check", "EMISQFR00", "Y1F00"};
constexpr std::array<Clinical, 5> kQuestions = {{
    {"1101", "Falls in the last 12 months", "EMISQFR01", "Y1F01"},
    {"1102", "Timed up and go test (seconds)", "EMISQFR02", "Y1F02"},
    {"1103", "Lives alone", "EMISQFR03", "Y1F03"},
    {"1104", "Needs help with daily activities", "EMISQFR04", "Y1F04"},
    {"1105", "What matters most to you", "EMISQFR05", "Y1F05"},
}};
constexpr Clinical kComplexCase = {"1200", "Complex case", "EMISCX001", "Y2C01"};
// The frailty codes of the example policy's cohort (eFI categories).
constexpr Clinical kModerateFrailty = {"1201", "Moderate frailty", "EMISFRA02", "", "925831000000107"};
constexpr Clinical kSevereFrailty = {"1202", "Severe frailty", "EMISFRA03", "", "925861000000102"};
constexpr const char* kComplexCaseText = "Complex case: single named clinician for contacts";
// SystmOne special note types (SRMapping, IdMappingGroup SpecialNoteType).
struct NoteType {
  const char* id;
  const char* text;
};
constexpr NoteType kNoteClinical = {"90001", "Clinical"};
constexpr NoteType kNoteSafeguarding = {"90002", "Safeguarding"};
constexpr NoteType kNoteComplexCase = {"90003", "Complex case"};
constexpr NoteType kNoteModerateFrailty = {"90004", "Moderate frailty"};
constexpr NoteType kNoteSevereFrailty = {"90005", "Severe frailty"};
constexpr const char* kQuestionnaireUrl = "https://fhir-gateway.org.uk/Questionnaire/frailty-check";
constexpr const char* kFreeTextQuestion = "What matters most to you";

constexpr std::array<const char*, 14> kFemale = {"Amelia", "Margaret", "Joan", "Dorothy", "Siân", "Zoë", "Grace",
                                                  "Patricia", "Chloé", "Renée", "Olivia", "Barbara", "Irene", "Aisha"};
constexpr std::array<const char*, 12> kMale = {"Daniel", "George", "Arthur", "Kenneth", "Rhys", "José", "Harold",
                                                "Mohammed", "Stanley", "Brian", "Oliver", "Dennis"};
constexpr std::array<const char*, 16> kSurnames = {"Hartley", "Okafor", "Whitfield", "Smith", "Jones", "O'Neill",
                                                    "Brontë", "Patel", "Khan", "Taylor", "Davies", "Evans",
                                                    "Thompson", "Wright", "Hughes", "Ahmed"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Deterministic per patient: the same seed and index always give the same
// patient, so a delta can be described against its bulk.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) : gen_(seed * 0x9E3779B97F4A7C15ULL ^ (stream + 0x632BE59BD9B4E019ULL)) {}
  uint64_t next() { return gen_(); }
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  bool chance(int percent) { return static_cast<int>(next() % 100) < percent; }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  std::string guid() {
    char buf[40];
    uint64_t a = next(), b = next();
    std::snprintf(buf, sizeof buf, "%08llX-%04llX-4%03llX-8%03llX-%012llX", (unsigned long long)(a >> 32),
                  (unsigned long long)((a >> 16) & 0xFFFF), (unsigned long long)(a & 0xFFF),
                  (unsigned long long)(b >> 52), (unsigned long long)(b & 0xFFFFFFFFFFFFULL));
    return buf;
  }

 private:
  std::mt19937_64 gen_;
};

struct Date {
  int y, m, d;
};

// Extract "today" from the timestamp option (yyyyMMdd...).
Date base_date(const std::string& ts) {
  auto num = [&](size_t pos, size_t n) { return std::stoi(ts.substr(pos, n)); };
  return {num(0, 4), num(4, 2), num(6, 2)};
}

Date add_days(Date d, int64_t days) {
  int64_t z = fhir_time::days_from_civil(d.y, d.m, d.d) + days;
  // civil_from_days (Howard Hinnant's algorithm).
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (mm <= 2)), static_cast<int>(mm), static_cast<int>(dd)};
}

// When a stopped medicine ended: within the last 50 days, never before it started.
Date stop_date(Date start, Date today, Rng& r) {
  int64_t span = fhir_time::days_from_civil(today.y, today.m, today.d) - fhir_time::days_from_civil(start.y, start.m, start.d);
  if (span < 2) return today;
  return add_days(today, -r.range(1, std::min<int64_t>(50, span - 1)));
}

std::string iso(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.y, d.m, d.d);
  return buf;
}
std::string sre(Date d, bool seconds = true, int h = 0, int mi = 0) {
  char buf[32];
  if (seconds) std::snprintf(buf, sizeof buf, "%02d %s %04d %02d:%02d:00", d.d, kMonths[d.m - 1], d.y, h, mi);
  else std::snprintf(buf, sizeof buf, "%02d %s %04d %02d:%02d", d.d, kMonths[d.m - 1], d.y, h, mi);
  return buf;
}

std::string nhs_number(uint64_t seed, int64_t index) {
  // 999 test range; skip the nine-digit stems that have no check digit.
  for (int64_t n = (static_cast<int64_t>(seed % 997) * 1000 + index * 11) % 1000000;; n = (n + 1) % 1000000) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "999%06lld", static_cast<long long>(n));
    if (auto c = nhs_check_digit(stem)) return std::string(stem) + static_cast<char>('0' + *c);
  }
}

// One output file, written as rows arrive.
class Out {
 public:
  Out(const std::filesystem::path& path, csv::Encoding enc, std::vector<std::string> header)
      : stream_(path, std::ios::binary), writer_(stream_, enc), path_(path) {
    if (stream_) ok_ = writer_.write_row(header).ok();
  }
  Status row(const std::vector<std::string>& fields) {
    if (auto st = writer_.write_row(fields); !st) return Error::invalid(path_.string() + ": " + st.error().message());
    ++rows;
    return {};
  }
  Status close() {
    stream_.close();
    if (!ok_ || stream_.fail()) return Error::internal("cannot write " + path_.string());
    return {};
  }
  int64_t rows = 0;

 private:
  std::ofstream stream_;
  csv::Writer writer_;
  std::filesystem::path path_;
  bool ok_ = false;
};

// What one patient has, independent of format.
struct PatientPlan {
  std::string key;  // guid (EMIS) or number (SystmOne)
  bool female = false;
  std::string given, surname, title, nhs, postcode;
  Date birth{};
  int age = 0;
  bool confidential = false, deleted = false, changed = false, verified = true;
  struct Med {
    const Drug* drug;
    bool repeat, active;
    Date start;
    int issues;
  };
  std::vector<Med> meds;
  bool consent = false, dissent = false;
  bool complex_case = false, care_plan = false, questionnaire = false;
  enum class Frailty { none, moderate, severe } frailty = Frailty::none;
  Date event{};
};

PatientPlan plan_patient(const GeneratorOptions& o, int64_t i) {
  Rng r(o.seed, static_cast<uint64_t>(i));
  PatientPlan p;
  Date today = base_date(o.timestamp);
  p.key = r.guid();
  p.female = r.chance(56);
  p.given = p.female ? kFemale[r.next() % kFemale.size()] : kMale[r.next() % kMale.size()];
  p.surname = kSurnames[r.next() % kSurnames.size()];
  // Ages 18..100, skewed old (1 - u² puts most of the mass high).
  double u = r.unit();
  p.age = 18 + static_cast<int>(82.0 * (1.0 - u * u));
  p.birth = add_days(today, -(p.age * 365 + r.range(0, 364)));
  p.title = p.female ? (p.age > 60 ? "Mrs" : "Ms") : "Mr";
  p.nhs = nhs_number(o.seed, i);
  char pc[16];
  std::snprintf(pc, sizeof pc, "LS%d %d%c%c", static_cast<int>(r.range(1, 29)), static_cast<int>(r.range(1, 9)),
                static_cast<char>('A' + r.range(0, 25)), static_cast<char>('A' + r.range(0, 25)));
  p.postcode = pc;
  p.confidential = r.chance(2);
  p.verified = !r.chance(3);
  int repeats = p.age >= 75 && r.chance(60) ? static_cast<int>(r.range(10, 14)) : static_cast<int>(r.range(0, 6));
  for (int k = 0; k < repeats; ++k) {
    const Drug* d = &kRepeatDrugs[(r.next() + static_cast<uint64_t>(k)) % kRepeatDrugs.size()];
    p.meds.push_back({d, true, !r.chance(10), add_days(today, -r.range(60, 3000)), static_cast<int>(r.range(1, 3))});
  }
  if (r.chance(20)) p.meds.push_back({&kRepeatDrugs[r.next() % kRepeatDrugs.size()], false, false,
                                      add_days(today, -r.range(5, 400)), 1});
  if (r.chance(2)) p.meds.push_back({&kSensitiveDrugs[r.next() % kSensitiveDrugs.size()], false, true,
                                     add_days(today, -r.range(5, 200)), 1});
  // Most patients of a frailty programme have consented; some dissent; the
  // rest have nothing recorded (implied consent only).
  p.consent = r.chance(70);
  p.dissent = !p.consent && r.chance(30);
  p.complex_case = p.age >= 75 ? r.chance(25) : r.chance(3);
  p.care_plan = p.age >= 75 ? r.chance(40) : r.chance(5);
  p.questionnaire = p.age >= 65 ? r.chance(50) : r.chance(5);
  p.event = add_days(today, -r.range(1, 700));
  // An electronic frailty index category recorded as an alert: common in the
  // very old, rare under 65.
  int frail = p.age >= 75 ? 45 : p.age >= 65 ? 20 : 2;
  if (r.chance(frail)) p.frailty = r.chance(35) ? PatientPlan::Frailty::severe : PatientPlan::Frailty::moderate;
  if (!o.bulk) {
    p.deleted = i % 50 == 7;
    p.changed = i % 10 == 0;
    if (p.changed && !p.meds.empty()) p.meds.front().active = false;
    if (p.changed) p.complex_case = true;
  }
  return p;
}

bool in_delta(const GeneratorOptions& o, int64_t i) { return o.bulk || i % 10 == 0 || i % 50 == 7; }

// ---------------------------------------------------------------- EMIS-style

Result<GeneratorSummary> write_emis(const std::filesystem::path& dir, const GeneratorOptions& o) {
  GeneratorSummary s;
  s.emis_organisation_guid = generator_emis_org_guid(o.organisation);
  const std::string& org = s.emis_organisation_guid;
  int64_t start = o.bulk ? 1 : o.delta_processing_id;
  int64_t end = start + std::max<int64_t>(o.patients * 40, 1);
  std::string agreement = ids::derived_uuid("generator/agreement", o.organisation);
  for (auto& c : agreement) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto name = [&](const char* table) {
    return dir / (std::to_string(start) + "-" + std::to_string(end) + "_" + table + "_" + o.timestamp + "_" +
                  agreement + ".csv");
  };
  auto enc = csv::Encoding::utf8;
  Out codes(name("Coding_ClinicalCode"), enc, {"CodeId", "Term", "ReadTermId", "SnomedCTConceptId", "EmisCodeCategoryDescription"});
  Out drugs(name("Coding_DrugCode"), enc, {"CodeId", "Term", "DmdProductCodeId"});
  Out patients(name("Admin_Patient"), enc,
               {"PatientGuid", "OrganisationGuid", "Sex", "DateOfBirth", "Title", "GivenName", "Surname", "NhsNumber",
                "NHSNumberStatus", "Postcode", "DateOfRegistration", "DateOfDeactivation", "IsConfidential", "Deleted",
                "ProcessingId"});
  Out obs(name("CareRecord_Observation"), enc,
          {"ObservationGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveDatePrecision",
           "EnteredDate", "EnteredTime", "CodeId", "ParentObservationGuid", "AssociatedText", "Value", "NumericUnit",
           "IsConfidential", "Deleted", "ProcessingId"});
  Out drug_records(name("Prescribing_DrugRecord"), enc,
                   {"DrugRecordGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveDatePrecision",
                    "CodeId", "Dosage", "Quantity", "QuantityUnit", "PrescriptionType", "IsActive", "CancellationDate",
                    "NumberOfIssuesAuthorised", "IsConfidential", "Deleted", "ProcessingId"});
  Out issues(name("Prescribing_IssueRecord"), enc,
             {"IssueRecordGuid", "PatientGuid", "OrganisationGuid", "DrugRecordGuid", "EffectiveDate", "CodeId",
              "Quantity", "QuantityUnit", "CourseDurationInDays", "Deleted", "ProcessingId"});
  Out alerts(name("CareRecord_Alert"), enc,
             {"AlertGuid", "PatientGuid", "OrganisationGuid", "CodeId", "AlertText", "AlertCategory", "StartDate",
              "EndDate", "IsActive", "WarnOnBooking", "Deleted", "ProcessingId"});
  Out plans(name("CareRecord_CarePlan"), enc,
            {"CarePlanGuid", "PatientGuid", "OrganisationGuid", "Title", "StartDate", "Status", "CodeId", "Notes",
             "Goal", "ReviewDate", "EndDate", "Deleted", "ProcessingId"});

  // Coding files are complete in bulks and deltas alike: a delta's codes must resolve.
  auto clinical = [&](const Clinical& c) { return codes.row({c.code_id, c.term, c.read, c.snomed, "Clinical"}); };
  for (const auto* c : {&kConsentPermit, &kConsentDeny, &kQuestionnaireHeader, &kComplexCase, &kModerateFrailty,
                        &kSevereFrailty}) {
    if (auto st = clinical(*c); !st) return st.error();
  }
  for (const auto& q : kQuestions) {
    if (auto st = clinical(q); !st) return st.error();
  }
  for (const auto& d : kRepeatDrugs) {
    if (auto st = drugs.row({d.code_id, d.term, d.dmd}); !st) return st.error();
  }
  for (const auto& d : kSensitiveDrugs) {
    if (auto st = drugs.row({d.code_id, d.term, d.dmd}); !st) return st.error();
  }

  int64_t proc = start;
  auto pid = [&] { return std::to_string(proc++); };
  for (int64_t i = 0; i < o.patients; ++i) {
    if (!in_delta(o, i)) continue;
    PatientPlan p = plan_patient(o, i);
    Rng r(o.seed ^ 0xE315, static_cast<uint64_t>(i));
    ++s.patients;
    if (p.deleted) {
      if (auto st = patients.row({p.key, "", "", "", "", "", "", "", "", "", "", "", "", "true", pid()}); !st) return st.error();
      continue;
    }
    const char* conf = p.confidential ? "true" : "false";
    if (auto st = patients.row({p.key, org, p.female ? "F" : "M", iso(p.birth), p.title, p.given, p.surname, p.nhs,
                                p.verified ? "01" : "02", p.postcode, iso(add_days(p.birth, 18 * 365)), "", conf,
                                "false", pid()});
        !st) {
      return st.error();
    }
    if (p.consent || p.dissent) {
      const Clinical& c = p.consent ? kConsentPermit : kConsentDeny;
      if (auto st = obs.row({r.guid(), p.key, org, iso(p.event), "YMD", iso(p.event), "10:15:00", c.code_id, "", "",
                             "", "", "false", "false", pid()});
          !st) {
        return st.error();
      }
    }
    if (p.questionnaire) {
      std::string header = r.guid();
      if (auto st = obs.row({header, p.key, org, iso(p.event), "YMD", iso(p.event), "11:00:00",
                             kQuestionnaireHeader.code_id, "", "", "", "", "false", "false", pid()});
          !st) {
        return st.error();
      }
      std::array<std::array<std::string, 3>, 5> answers = {{
          {"", r.chance(40) ? "Yes, twice" : "No", ""},
          {std::to_string(r.range(8, 30)), "", "s"},
          {"", r.chance(45) ? "Yes" : "No", ""},
          {"", r.chance(50) ? "Yes, with washing and dressing" : "No", ""},
          {"", r.chance(50) ? "Staying in my own home, near my garden" : "Seeing my grandchildren, \"every week\"", ""},
      }};
      for (size_t k = 0; k < kQuestions.size(); ++k) {
        if (auto st = obs.row({r.guid(), p.key, org, iso(p.event), "YMD", iso(p.event), "11:00:00",
                               kQuestions[k].code_id, header, answers[k][1], answers[k][0], answers[k][2], "false",
                               "false", pid()});
            !st) {
          return st.error();
        }
      }
    }
    Date today = base_date(o.timestamp);
    for (const auto& m : p.meds) {
      std::string drug = r.guid();
      std::string qty(m.drug->quantity);
      auto space = qty.find(' ');
      if (auto st = drug_records.row({drug, p.key, org, iso(m.start), "YMD", m.drug->code_id, m.drug->dose,
                                      qty.substr(0, space), qty.substr(space + 1), m.repeat ? "Repeat" : "Acute",
                                      m.active ? "true" : "false", m.active ? "" : iso(stop_date(m.start, today, r)),
                                      m.repeat ? "6" : "1", conf, "false", pid()});
          !st) {
        return st.error();
      }
      for (int k = 0; k < m.issues; ++k) {
        if (auto st = issues.row({r.guid(), p.key, org, drug, iso(add_days(m.start, 28 * k)), m.drug->code_id,
                                  qty.substr(0, space), qty.substr(space + 1), "28", "false", pid()});
            !st) {
          return st.error();
        }
      }
    }
    if (p.complex_case) {
      if (auto st = alerts.row({r.guid(), p.key, org, kComplexCase.code_id, kComplexCaseText, "Clinical",
                                iso(p.event), "", "true", "true", "false", pid()});
          !st) {
        return st.error();
      }
    }
    if (p.frailty != PatientPlan::Frailty::none) {
      const Clinical& f = p.frailty == PatientPlan::Frailty::severe ? kSevereFrailty : kModerateFrailty;
      if (auto st = alerts.row({r.guid(), p.key, org, f.code_id, std::string(f.term) + " (electronic frailty index)",
                                "Clinical", iso(add_days(p.event, -30)), "", "true", "false", "false", pid()});
          !st) {
        return st.error();
      }
    }
    if (p.care_plan) {
      if (auto st = plans.row({r.guid(), p.key, org, "Anticipatory care plan", iso(p.event), "active", "",
                               "Discussed with patient and daughter, \"keep at home\" where safe",
                               "Remain independent at home", iso(add_days(p.event, 180)), "", "false", pid()});
          !st) {
        return st.error();
      }
    }
  }
  for (Out* out : {&codes, &drugs, &patients, &obs, &drug_records, &issues, &alerts, &plans}) {
    s.rows += out->rows;
    ++s.files;
    if (auto st = out->close(); !st) return st.error();
  }
  return s;
}

// ------------------------------------------------------------ SystmOne-style

Result<GeneratorSummary> write_systmone(const std::filesystem::path& dir, const GeneratorOptions& o) {
  GeneratorSummary s;
  auto enc = csv::Encoding::cp1252;
  const std::string& org = o.systmone_org_id;
  auto path = [&](const char* t) { return dir / (std::string(t) + ".csv"); };
  Out mapping(path("SRMapping"), enc, {"RowIdentifier", "IdMappingGroup", "Mapping"});
  Out questionnaires(path("SRQuestionnaire"), enc,
                     {"RowIdentifier", "QuestionnaireName", "QuestionnaireVersion", "DtPublished", "RemovedData"});
  Out patients(path("SRPatient"), enc,
               {"RowIdentifier", "IDOrganisationVisibleTo", "Title", "FirstName", "Surname", "NHSNumber", "DateBirth",
                "DateDeath", "Gender", "TestPatient", "SpineMatched", "RemovedData"});
  Out codes(path("SRCode"), enc,
            {"RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "DateEvent", "IDPatient", "CTV3Code",
             "CTV3Text", "SNOMEDCode", "IsNumeric", "NumericValue", "NumericUnit", "IDQuestionnaire", "RemovedData"});
  Out notes(path("SRSpecialNotes"), enc,
            {"RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "IDProfileEnteredBy", "DateStart", "Type",
             "Note", "DateExpired", "DateDeleted", "IDPatient", "RemovedData"});
  Out plans(path("SRCarePlan"), enc,
            {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "DateStart", "DateEnd", "NameOfCarePlanUsed",
             "CarePlanCategory", "Aim", "Outcome", "RemovedData"});
  Out items(path("SRCarePlanItem"), enc,
            {"RowIdentifier", "IDCarePlan", "IDPatient", "Instruction", "DateAdded", "DateRemoved", "RemovedData"});
  Out answered(path("SRAnsweredQuestionnaire"), enc,
               {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "IDQuestionnaire", "DateEvent",
                "DateEventRecorded", "RemovedData"});
  Out free_text(path("SRFreeText"), enc,
                {"RowIdentifier", "IDPatient", "IDAnsweredQuestionnaire", "QuestionnaireName", "Question", "FreeText",
                 "RemovedData"});
  Out templates(path("SRRepeatTemplate"), enc,
                {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "NameOfMedication", "IDMultiLexDMD",
                 "DateMedicationTemplateStart", "DateMedicationTemplateEnd", "MedicationDosage", "MedicationQuantity",
                 "MaxIssues", "RemovedData"});
  Out meds(path("SRPrimaryCareMedication"), enc,
           {"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "NameOfMedication", "IDMultiLexDMD",
            "DateMedicationStart", "DateMedicationEnd", "MedicationDosage", "MedicationQuantity", "IsRepeatMedication",
            "IsOtherMedication", "IDRepeatTemplate", "RemovedData"});

  for (const auto* t : {&kNoteClinical, &kNoteSafeguarding, &kNoteComplexCase, &kNoteModerateFrailty,
                        &kNoteSevereFrailty}) {
    if (auto st = mapping.row({t->id, "SpecialNoteType", t->text}); !st) return st.error();
  }
  if (auto st = questionnaires.row({"40001", "Frailty check", "2", "01 Apr 2024 00:00:00", "0"}); !st) return st.error();

  // Row ids: per patient a block of 1000, so bulk and delta agree on keys.
  for (int64_t i = 0; i < o.patients; ++i) {
    if (!in_delta(o, i)) continue;
    PatientPlan p = plan_patient(o, i);
    Rng r(o.seed ^ 0x5151, static_cast<uint64_t>(i));
    ++s.patients;
    int64_t base = 1000000 + i * 1000;
    std::string pid = std::to_string(5000000 + i);
    int64_t next_id = base;
    auto id = [&] { return std::to_string(next_id++); };
    if (p.deleted) {
      if (auto st = patients.row({pid, org, "", "", "", "", "", "", "", "", "", "1"}); !st) return st.error();
      continue;
    }
    if (auto st = patients.row({pid, org, p.title, p.given, p.surname, p.nhs, sre(p.birth, false), "",
                                p.female ? "F" : "M", "FALSE", p.verified ? "TRUE" : "FALSE", "0"});
        !st) {
      return st.error();
    }
    std::string when = sre(p.event, true, 10, 15);
    if (p.consent || p.dissent) {
      const Clinical& c = p.consent ? kConsentPermit : kConsentDeny;
      if (auto st = codes.row({id(), org, when, when, pid, c.ctv3, c.term, "", "FALSE", "", "", "", "0"}); !st) return st.error();
    }
    if (p.questionnaire) {
      std::string aq = id();
      if (auto st = answered.row({aq, org, pid, "40001", when, when, "0"}); !st) return st.error();
      // Only the positive findings are coded: a fall, living alone, needing help.
      if (r.chance(40)) {
        if (auto st = codes.row({id(), org, when, when, pid, kQuestions[0].ctv3, kQuestions[0].term, "", "FALSE", "",
                                 "", aq, "0"});
            !st) {
          return st.error();
        }
      }
      if (auto st = codes.row({id(), org, when, when, pid, kQuestions[1].ctv3, kQuestions[1].term, "", "TRUE",
                               std::to_string(r.range(8, 30)), "s", aq, "0"});
          !st) {
        return st.error();
      }
      for (size_t k = 2; k < 4; ++k) {
        if (r.chance(50)) continue;
        if (auto st = codes.row({id(), org, when, when, pid, kQuestions[k].ctv3, kQuestions[k].term, "", "FALSE", "",
                                 "", aq, "0"});
            !st) {
          return st.error();
        }
      }
      if (auto st = free_text.row({id(), pid, aq, "Frailty check", kFreeTextQuestion,
                                   r.chance(50) ? "Staying in my own home — near my garden" : "Seeing my grandchildren",
                                   "0"});
          !st) {
        return st.error();
      }
    }
    if (p.complex_case) {
      if (auto st = notes.row({id(), org, when, "71001", sre(p.event), kNoteComplexCase.id,
                               "Single named clinician for all contacts", "", "", pid, "0"});
          !st) {
        return st.error();
      }
    }
    if (p.frailty != PatientPlan::Frailty::none) {
      const NoteType& t = p.frailty == PatientPlan::Frailty::severe ? kNoteSevereFrailty : kNoteModerateFrailty;
      if (auto st = notes.row({id(), org, when, "71001", sre(add_days(p.event, -30)), t.id,
                               std::string(t.text) + " (electronic frailty index)", "", "", pid, "0"});
          !st) {
        return st.error();
      }
    }
    if (p.care_plan) {
      std::string plan = id();
      if (auto st = plans.row({plan, org, pid, sre(p.event), "", "Anticipatory care plan", "Frailty",
                               "Remain independent at home", "", "0"});
          !st) {
        return st.error();
      }
      for (const char* instruction : {"Review medicines every 6 months", "Falls assessment by community team",
                                      "Carer's assessment offered"}) {
        if (auto st = items.row({id(), plan, pid, instruction, sre(p.event), "", "0"}); !st) return st.error();
      }
    }
    for (const auto& m : p.meds) {
      std::string end = m.active ? "" : sre(stop_date(m.start, base_date(o.timestamp), r));
      if (m.repeat) {
        std::string tmpl = id();
        if (auto st = templates.row({tmpl, org, pid, m.drug->term, m.drug->dmd, sre(m.start), end, m.drug->dose,
                                     m.drug->quantity, "6", "0"});
            !st) {
          return st.error();
        }
        for (int k = 0; k < m.issues; ++k) {
          if (auto st = meds.row({id(), org, pid, m.drug->term, m.drug->dmd, sre(add_days(m.start, 28 * k)), "",
                                  m.drug->dose, m.drug->quantity, "TRUE", "FALSE", tmpl, "0"});
              !st) {
            return st.error();
          }
        }
      } else {
        if (auto st = meds.row({id(), org, pid, m.drug->term, m.drug->dmd, sre(m.start), end, m.drug->dose,
                                m.drug->quantity, "FALSE", r.chance(20) ? "TRUE" : "FALSE", "", "0"});
            !st) {
          return st.error();
        }
      }
    }
  }
  std::vector<Out*> all = {&mapping, &questionnaires, &patients, &codes, &notes, &plans,
                           &items, &answered, &free_text, &templates, &meds};
  for (Out* out : all) {
    s.rows += out->rows;
    ++s.files;
    if (auto st = out->close(); !st) return st.error();
  }
  // The manifest: reference tables are always complete.
  std::string from = sre(add_days(base_date(o.timestamp), o.bulk ? -36500 : -7));
  std::string to = sre(base_date(o.timestamp));
  Out manifest(path("SRManifest"), enc, {"FileName", "IsDelta", "IsReference", "DateExtractFrom", "DateExtractTo"});
  for (const char* t : {"SRMapping", "SRQuestionnaire"}) {
    if (auto st = manifest.row({t, "N", "Y", from, to}); !st) return st.error();
  }
  for (const char* t : {"SRPatient", "SRCode", "SRSpecialNotes", "SRCarePlan", "SRCarePlanItem",
                        "SRAnsweredQuestionnaire", "SRFreeText", "SRRepeatTemplate", "SRPrimaryCareMedication"}) {
    if (auto st = manifest.row({t, o.bulk ? "N" : "Y", "N", from, to}); !st) return st.error();
  }
  if (auto st = manifest.close(); !st) return st.error();
  ++s.files;
  return s;
}

}  // namespace

std::string generator_emis_org_guid(const std::string& organisation) {
  std::string g = ids::derived_uuid("generator/emis-organisation", organisation);
  for (auto& c : g) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return g;
}

ImportConfig generator_import_config(const GeneratorOptions& o) {
  ImportConfig c;
  c.org_codes[generator_emis_org_guid(o.organisation)] = o.organisation;
  c.org_codes[o.systmone_org_id] = o.organisation;
  c.consent_permit_codes = {{systems::kReadV2, "9Nd7."}, {systems::kCtv3, "XaNwR"}};
  c.consent_deny_codes = {{systems::kReadV2, "9Nd1."}, {systems::kReadV2, "93C1."}, {systems::kCtv3, "XaNwT"}};
  QuestionnaireMap q;
  q.canonical = kQuestionnaireUrl;
  q.header = {local_code_system("emis", o.organisation), kQuestionnaireHeader.read};
  q.systmone_name = "Frailty check";
  for (size_t k = 0; k < kQuestions.size(); ++k) {
    std::string link = "q" + std::to_string(k + 1);
    q.questions.push_back({local_code_system("emis", o.organisation), kQuestions[k].read, "", link});
    q.questions.push_back({local_code_system("systmone", o.organisation), kQuestions[k].ctv3, "", link});
  }
  q.questions.push_back({"", "", kFreeTextQuestion, "q5"});
  c.questionnaires.push_back(std::move(q));
  // Local codes → shared ones: the complex-case alert (EMIS local code,
  // SystmOne CTV3 Y-code and special note type) and the frailty notes.
  const CodeMap complex{{}, kCareFlagSystem, "complex-case", kComplexCaseText};
  for (CodeRef from : {CodeRef{local_code_system("emis", o.organisation), kComplexCase.read},
                       CodeRef{local_code_system("systmone", o.organisation), kComplexCase.ctv3},
                       CodeRef{kSpecialNoteTypeSystem, kNoteComplexCase.text}}) {
    CodeMap m = complex;
    m.from = std::move(from);
    c.code_maps.push_back(std::move(m));
  }
  c.code_maps.push_back({{kSpecialNoteTypeSystem, kNoteModerateFrailty.text},
                         systems::kSnomed, kModerateFrailty.snomed, kModerateFrailty.term});
  c.code_maps.push_back({{kSpecialNoteTypeSystem, kNoteSevereFrailty.text},
                         systems::kSnomed, kSevereFrailty.snomed, kSevereFrailty.term});
  return c;
}

Result<GeneratorSummary> generate_extract(Format format, const std::filesystem::path& dir,
                                          const GeneratorOptions& options) {
  if (options.patients < 0) return Error::invalid("patients must not be negative");
  if (options.timestamp.size() != 14) return Error::invalid("timestamp must be yyyyMMddHHmmss");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::internal("cannot create " + dir.string() + ": " + ec.message());
  return format == Format::emis ? write_emis(dir, options) : write_systmone(dir, options);
}

}  // namespace fhirgw::adapters
