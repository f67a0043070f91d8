// What the fuzz targets share: a reader of the fuzzer's bytes and the check of an invariant.
//
// Each target is one LLVMFuzzerTestOneInput. It must answer any input without a crash, a leak,
// undefined behaviour or an escaping exception, and where it is cheap it also checks what the
// code under test promises (a range inside the file, a value that reads back the same);
// FUZZ_CHECK aborts with a message when such a promise does not hold, which libFuzzer reports as
// a crash and saves the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition, ...)                                                           \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, __VA_ARGS__);                                                     \
      std::fprintf(stderr, "\n");                                                            \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

namespace tollgate::fuzz {

// The fuzzer's bytes, taken from the front: a selector byte, then the rest as text.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  // The next byte (0 once the input is used up).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Up to the next `separator` (dropped), or all that is left.
  std::string_view until(char separator) {
    const std::size_t at = rest_.find(separator);
    const std::string_view part = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
    return part;
  }
  // Everything left.
  std::string_view rest() {
    const std::string_view all = rest_;
    rest_ = {};
    return all;
  }

 private:
  std::string_view rest_;
};

}  // namespace tollgate::fuzz
