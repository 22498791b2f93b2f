// Profile validation throughput (single thread = per core) on the fixtures of
// tests/data/resources, and the cost of loading the definitions. Prints
// figures; asserts nothing about time.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.hpp"
#include "validation/validator.hpp"

namespace {

using fhirgw::validation::Validator;
const std::filesystem::path kRoot = FHIRGW_SOURCE_DIR;

const Validator& validator() {
  static const auto v = [] {
    auto r = Validator::load(kRoot / "fhir-profiles");
    if (!r) {
      std::fprintf(stderr, "load failed: %s\n", r.error().message().c_str());
      std::abort();
    }
    return std::move(r).value();
  }();
  return *v;
}

fhirgw::json::Document fixture(const char* name) {
  std::ifstream in(kRoot / "tests/data/resources" / name);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto d = fhirgw::json::parse(ss.str());
  if (!d) std::abort();
  return std::move(d).value();
}

void validate_fixture(benchmark::State& state, const char* name, bool base_only) {
  const Validator& v = validator();
  auto doc = fixture(name);
  size_t issues = 0;
  for (auto _ : state) {
    auto out = base_only ? v.validate_base(doc) : v.validate(doc);
    issues += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["issues_per_run"] = double(issues) / double(state.iterations());
}

void BM_ValidateCarePlan(benchmark::State& s) { validate_fixture(s, "careplan-valid.json", false); }
void BM_ValidateCarePlanBaseOnly(benchmark::State& s) { validate_fixture(s, "careplan-valid.json", true); }
void BM_ValidateInvalidCarePlan(benchmark::State& s) { validate_fixture(s, "careplan-invalid-subject.json", false); }
void BM_ValidatePatient(benchmark::State& s) { validate_fixture(s, "patient-valid.json", false); }
void BM_ValidateMedicationStatement(benchmark::State& s) { validate_fixture(s, "medicationstatement-valid.json", false); }
void BM_ValidateQuestionnaireResponse(benchmark::State& s) { validate_fixture(s, "questionnaireresponse-valid.json", false); }

void BM_Load(benchmark::State& state) {
  for (auto _ : state) {
    auto v = Validator::load(kRoot / "fhir-profiles");
    if (!v) state.SkipWithError("load failed");
    benchmark::DoNotOptimize(v.ok());
  }
}

BENCHMARK(BM_ValidateCarePlan);
BENCHMARK(BM_ValidateCarePlanBaseOnly);
BENCHMARK(BM_ValidateInvalidCarePlan);
BENCHMARK(BM_ValidatePatient);
BENCHMARK(BM_ValidateMedicationStatement);
BENCHMARK(BM_ValidateQuestionnaireResponse);
BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
