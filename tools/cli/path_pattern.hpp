// A pattern over relative paths — a glob or a regular expression — matched without
// backtracking, for `tollgate pca`'s ignore rules (cli/pca_scan.hpp).
//
// A pattern is compiled to a Thompson NFA and run by keeping the set of live states, one pass
// over the subject: a subject of n bytes against a pattern of m states costs O(n·m) time and
// O(m) memory whatever the pattern, so `a*a*a*a*a*a*b` against "aaaa…a" cannot blow up the way
// a backtracking std::regex does. Matching is by byte; patterns are case-sensitive.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tollgate/status.hpp"

namespace tollgate::cli {

class PathPattern {
 public:
  // The most NFA states one pattern may have; a larger regular expression is refused.
  static constexpr std::size_t kMaxStates = 20000;
  // The largest count in a `{n,m}` repetition.
  static constexpr int kMaxRepeat = 1000;

  // A glob over a '/'-separated path: `*` matches any run of characters except '/', `?` one
  // character except '/', `**` any run of characters ('/' included), `**/` nothing or any run
  // ending in '/'; every other character is literal. Never fails.
  static PathPattern glob(std::string_view glob);

  // An ECMAScript-style regular expression without backreferences or lookaround: literals, `.`
  // (any byte but LF and CR), classes (`[a-z_]`, `[^/]`, with escapes), `\d \w \s \D \W \S`,
  // `\n \r \t \f \v \0`, escaped punctuation, groups `( )` and `(?: )`, `|`, the quantifiers
  // `* + ? {n} {n,} {n,m}` (n, m at most kMaxRepeat; a lazy `?` after one is accepted and makes
  // no difference to whether it matches), `^` and `$` (start and end of the subject).
  // Errors: invalid, saying what is wrong, for malformed or unsupported syntax or an
  // expression needing more than kMaxStates states.
  static Result<PathPattern> regex(std::string_view expression);

  // Whether the pattern matches all of `subject`.
  bool matches(std::string_view subject) const { return run(subject, false); }
  // Whether it matches a prefix of `subject`: from its start, not necessarily to its end.
  bool matches_prefix(std::string_view subject) const { return run(subject, true); }

  std::size_t state_count() const { return states_.size(); }

 private:
  friend class NfaBuilder;

  struct State {
    enum class Kind : std::uint8_t { byte, epsilon, split, at_start, at_end, match };
    Kind kind = Kind::epsilon;
    int out = -1;            // the next state
    int out2 = -1;           // split: the other next state
    std::bitset<256> bytes;  // byte: the bytes it consumes
  };

  bool run(std::string_view subject, bool prefix) const;

  std::vector<State> states_;
  int start_ = 0;
};

}  // namespace tollgate::cli
