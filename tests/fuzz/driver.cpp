// Replays a fuzz target over its seed corpus (files or folders given as
// arguments) so every build checks that no known input crashes a parser.
// Under clang with -DFHIRGW_FUZZ=ON the same targets link libFuzzer instead.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  size_t runs = 0;
  auto run_file = [&](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++runs;
  };
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) run_file(e.path());
    } else if (std::filesystem::exists(p)) {
      run_file(p);
    }
  }
  // Empty and tiny inputs are always part of the replay.
  for (const char* s : {"", "{", "\"", "\r\n", "a,b\n\"c"}) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s));
    ++runs;
  }
  std::printf("replayed %zu inputs without a crash\n", runs);
  return 0;
}
