// libFuzzer target: arbitrary bytes as a SystmOne-style table (chosen by the
// first byte), Windows-1252, through the reader and the mapper.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/systems.hpp"
#include "mapping/source_dates.hpp"
#include "systmone/systmone_mapper.hpp"

using namespace fhirgw::adapters;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ImportConfig config;
  config.default_organisation = "Y99999";
  config.consent_permit_codes = {{fhirgw::systems::kCtv3, "XaNwR"}};
  config.consent_deny_codes = {{fhirgw::systems::kCtv3, "XaNwT"}};
  QuestionnaireMap q;
  q.canonical = "https://example.org/Questionnaire/q";
  q.systmone_name = "Frailty check";
  q.questions = {{fhirgw::systems::kCtv3, "XaBcD", "", "q1"}, {"", "", "Anything else?", "q2"}};
  config.questionnaires.push_back(q);

  systmone::SystmOneMapper mapper(config);
  const auto& plan = mapper.plan();
  const auto& step = plan[data[0] % plan.size()];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  std::istringstream in(bytes);
  csv::Reader reader(in, "fuzz.csv", csv::Encoding::cp1252);
  if (!reader.read_header().ok()) return 0;
  csv::Row row;
  while (reader.next(row)) {
    if (row.error) continue;
    (void)mapper.map_row(step, RowView(reader, row));
  }
  (void)systmone_datetime(bytes.substr(0, 40));
  return 0;
}
