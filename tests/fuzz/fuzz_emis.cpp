// libFuzzer target: arbitrary bytes as an EMIS-style table (chosen by the
// first byte) through the reader and the mapper; must never crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/systems.hpp"
#include "emis/emis_mapper.hpp"

using namespace fhirgw::adapters;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ImportConfig config;
  config.default_organisation = "Y99999";
  config.consent_permit_codes = {{fhirgw::systems::kReadV2, "9Nd7."}};
  config.consent_deny_codes = {{fhirgw::systems::kReadV2, "9Nd1."}};
  QuestionnaireMap q;
  q.canonical = "https://example.org/Questionnaire/q";
  q.header = {fhirgw::systems::kReadV2, "38QG."};
  q.questions = {{fhirgw::systems::kReadV2, "16D..", "", "q1"}};
  config.questionnaires.push_back(q);

  emis::EmisMapper mapper(config);
  const auto& plan = mapper.plan();
  // Seed the lookups so coded paths are reachable.
  {
    std::istringstream codes("CodeId,Term,ReadTermId\n1,Consent,9Nd7.00\n2,Q,38QG.00\n3,Falls,16D..00\n");
    csv::Reader r(codes, "codes.csv", csv::Encoding::utf8);
    (void)r.read_header();
    csv::Row row;
    while (r.next(row)) (void)mapper.map_row(plan[0], RowView(r, row));
  }
  const auto& step = plan[data[0] % plan.size()];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  std::istringstream in(bytes);
  csv::Reader reader(in, "fuzz.csv", csv::Encoding::utf8);
  if (!reader.read_header().ok()) return 0;
  csv::Row row;
  while (reader.next(row)) {
    if (row.error) continue;
    (void)mapper.map_row(step, RowView(reader, row));
  }
  (void)emis::parse_file_name(bytes.substr(0, 200));
  return 0;
}
