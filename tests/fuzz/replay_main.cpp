// The main() of a fuzz target in a build without libFuzzer (tests/fuzz/CMakeLists.txt): runs
// LLVMFuzzerTestOneInput once on each file named, and on each file of each directory named, so
// that the normal and ASan builds replay the seed corpus and a crash file libFuzzer saved:
//   build-asan/tests/fuzz/router_fuzz crash-0123abcd
// Exits 0 when every input ran; an input that breaks an invariant aborts, as under libFuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>()};
  // A copy of exactly the input's size, so that ASan sees a read past its end.
  std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t inputs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::directory_iterator(arg, ec)) {
        if (!entry.is_regular_file()) continue;
        ok = run_file(entry.path()) && ok;
        ++inputs;
      }
      if (ec) {
        std::fprintf(stderr, "cannot list %s\n", arg.c_str());
        ok = false;
      }
    } else {
      ok = run_file(arg) && ok;
      ++inputs;
    }
  }
  std::printf("%zu input(s) run\n", inputs);
  return ok ? 0 : 1;
}
