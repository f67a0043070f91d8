// The ignore rules of `tollgate pca` (tools/cli/pca_scan.hpp) and the patterns they are made of
// (tools/cli/path_pattern.hpp). The input is a pattern file, then a NUL, then paths to test, one
// a line.
// Checks: a directory is excluded whenever a file of the same path is; a glob matches exactly
// what a plain backtracking reading of its rule matches; a regular expression matches a prefix
// of a path exactly when it matches the whole of one of its prefixes, and on short ASCII input
// matches what std::regex (ECMAScript) matches wherever both accept the expression.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "cli/path_pattern.hpp"
#include "cli/pca_scan.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using tollgate::cli::PathPattern;

// The glob rule of path_pattern.hpp, read plainly: memoised matching of glob[g..] against
// path[p..].
class ReferenceGlob {
 public:
  ReferenceGlob(std::string_view glob, std::string_view path)
      : glob_(glob), path_(path), memo_((glob.size() + 1) * (path.size() + 1), -1) {}

  bool matches() { return at(0, 0); }

 private:
  bool at(std::size_t g, std::size_t p) {
    signed char& known = memo_[g * (path_.size() + 1) + p];
    if (known < 0) known = static_cast<signed char>(compute(g, p));
    return known != 0;
  }

  bool compute(std::size_t g, std::size_t p) {
    if (g == glob_.size()) return p == path_.size();
    const std::string_view rest = glob_.substr(g);
    if (rest.starts_with("**/")) {
      if (at(g + 3, p)) return true;  // nothing
      for (std::size_t q = p; q < path_.size(); ++q)
        if (path_[q] == '/' && at(g + 3, q + 1)) return true;
      return false;
    }
    if (rest.starts_with("**")) {
      for (std::size_t q = p; q <= path_.size(); ++q)
        if (at(g + 2, q)) return true;
      return false;
    }
    if (rest.front() == '*') {
      for (std::size_t q = p;; ++q) {
        if (at(g + 1, q)) return true;
        if (q == path_.size() || path_[q] == '/') return false;
      }
    }
    if (p == path_.size()) return false;
    if (rest.front() == '?') return path_[p] != '/' && at(g + 1, p + 1);
    return path_[p] == rest.front() && at(g + 1, p + 1);
  }

  std::string_view glob_;
  std::string_view path_;
  std::vector<signed char> memo_;
};

bool short_ascii(std::string_view s, std::size_t max) {
  if (s.size() > max) return false;
  for (const char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// What std::regex says, or -1 when it refuses the expression.
int std_regex_matches(std::string_view expression, std::string_view subject) {
  try {
    const std::regex re{std::string(expression), std::regex::ECMAScript};
    return std::regex_match(subject.begin(), subject.end(), re) ? 1 : 0;
  } catch (const std::regex_error&) {
    return -1;
  }
}

void check_regex(std::string_view expression, const std::vector<std::string_view>& paths) {
  auto pattern = PathPattern::regex(expression);
  if (!pattern) {
    FUZZ_CHECK(pattern.status().code() == tollgate::Code::invalid, "code");
    return;
  }
  FUZZ_CHECK(pattern->state_count() <= PathPattern::kMaxStates + 2, "%zu states",
             pattern->state_count());
  const bool anchored_end = expression.find('$') != std::string_view::npos;
  // std::regex backtracks: only short expressions without counted repetition, on short paths.
  const bool compare =
      short_ascii(expression, 12) && expression.find('{') == std::string_view::npos;
  for (const std::string_view path : paths) {
    const bool whole = pattern->matches(path);
    const bool prefix = pattern->matches_prefix(path);
    if (whole)
      FUZZ_CHECK(prefix, "matches all of '%.*s' but no prefix", static_cast<int>(path.size()),
                 path.data());
    // One run per prefix: only where that stays cheap.
    if (!anchored_end && pattern->state_count() * path.size() * path.size() <= 1'000'000) {
      bool some_prefix = false;
      for (std::size_t k = 0; k <= path.size() && !some_prefix; ++k)
        some_prefix = pattern->matches(path.substr(0, k));
      FUZZ_CHECK(prefix == some_prefix, "matches_prefix says %d for '%.*s'", prefix,
                 static_cast<int>(path.size()), path.data());
    }
    if (compare && short_ascii(path, 12)) {
      const int reference = std_regex_matches(expression, path);
      if (reference >= 0)
        FUZZ_CHECK(whole == (reference == 1), "'%.*s' on '%.*s': %d, std::regex %d",
                   static_cast<int>(expression.size()), expression.data(),
                   static_cast<int>(path.size()), path.data(), whole, reference);
    }
  }
}

void check_glob(std::string_view glob, const std::vector<std::string_view>& paths) {
  if (glob.size() > 256) return;
  const PathPattern pattern = PathPattern::glob(glob);
  for (const std::string_view path : paths) {
    if (path.size() > 256) continue;
    FUZZ_CHECK(pattern.matches(path) == ReferenceGlob(glob, path).matches(),
               "glob '%.*s' on '%.*s': %d", static_cast<int>(glob.size()), glob.data(),
               static_cast<int>(path.size()), path.data(), pattern.matches(path));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tollgate::fuzz::Input input(data, size);
  const std::string_view rules_text = input.until('\0');
  std::vector<std::string_view> paths;
  while (!input.empty() && paths.size() < 8) paths.push_back(input.until('\n'));

  tollgate::cli::IgnoreRules rules;
  const tollgate::Status added = rules.add(rules_text, "fuzz");
  if (!added.ok()) FUZZ_CHECK(added.code() == tollgate::Code::invalid, "code");
  for (const std::string_view path : paths)
    if (rules.excludes(path, false))
      FUZZ_CHECK(rules.excludes(path, true), "a file excluded where a directory is not");

  // Each line as a pattern of its own, as the rules read it.
  std::string_view rest = rules_text;
  for (int lines = 0; !rest.empty() && lines < 4; ++lines) {
    const std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.starts_with('!'))
      check_regex(line.substr(1), paths);
    else
      check_glob(line, paths);
  }
  return 0;
}
