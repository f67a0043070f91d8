#include "cli/path_pattern.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace tollgate::cli {

// Builds a PathPattern's states as Thompson fragments: each fragment has an entry state and an
// exit state, an epsilon whose `out` is still open.
class NfaBuilder {
 public:
  using State = PathPattern::State;
  using Kind = State::Kind;
  using Bytes = std::bitset<256>;

  struct Fragment {
    int start;
    int end;
  };

  Fragment bytes(const Bytes& set) {
    const int s = add(Kind::byte);
    const int e = add(Kind::epsilon);
    states_[s].bytes = set;
    states_[s].out = e;
    return {s, e};
  }
  Fragment assertion(Kind kind) {
    const int s = add(kind);
    const int e = add(Kind::epsilon);
    states_[s].out = e;
    return {s, e};
  }
  Fragment empty() {
    const int e = add(Kind::epsilon);
    return {e, e};
  }
  Fragment concat(Fragment a, Fragment b) {
    states_[a.end].out = b.start;
    return {a.start, b.end};
  }
  Fragment either(Fragment a, Fragment b) {
    const int e = add(Kind::epsilon);
    const int s = split(a.start, b.start);
    states_[a.end].out = e;
    states_[b.end].out = e;
    return {s, e};
  }
  Fragment star(Fragment a) {
    const int e = add(Kind::epsilon);
    const int s = split(a.start, e);
    states_[a.end].out = s;
    return {s, e};
  }
  Fragment plus(Fragment a) {
    const int e = add(Kind::epsilon);
    const int s = split(a.start, e);
    states_[a.end].out = s;
    return {a.start, e};
  }
  Fragment optional(Fragment a) {
    const int e = add(Kind::epsilon);
    const int s = split(a.start, e);
    states_[a.end].out = e;
    return {s, e};
  }

  bool too_large() const { return states_.size() > PathPattern::kMaxStates; }

  PathPattern finish(Fragment whole) {
    states_[whole.end].out = add(Kind::match);
    PathPattern pattern;
    pattern.states_ = std::move(states_);
    pattern.start_ = whole.start;
    return pattern;
  }

 private:
  int add(Kind kind) {
    states_.push_back(State{kind, -1, -1, {}});
    return static_cast<int>(states_.size() - 1);
  }
  int split(int out, int out2) {
    const int s = add(Kind::split);
    states_[s].out = out;
    states_[s].out2 = out2;
    return s;
  }

  std::vector<State> states_;
};

namespace {

using Bytes = NfaBuilder::Bytes;
using Fragment = NfaBuilder::Fragment;

Bytes all_bytes() { return Bytes().set(); }
Bytes one_byte(char c) { return Bytes().set(static_cast<unsigned char>(c)); }
Bytes but(Bytes set, char c) { return set.reset(static_cast<unsigned char>(c)); }

Bytes byte_range(unsigned char first, unsigned char last) {
  Bytes set;
  for (unsigned c = first; c <= last; ++c) set.set(c);
  return set;
}
Bytes digits() { return byte_range('0', '9'); }
Bytes word() { return byte_range('a', 'z') | byte_range('A', 'Z') | digits() | one_byte('_'); }
Bytes space() {
  Bytes set;
  for (const char c : std::string_view(" \t\n\v\f\r")) set.set(static_cast<unsigned char>(c));
  return set;
}

// The recursive-descent parser of PathPattern::regex; see the header for the syntax.
class RegexParser {
 public:
  explicit RegexParser(std::string_view text) : text_(text) {}

  Result<PathPattern> parse() {
    std::optional<Fragment> whole = alternation();
    if (whole && !at_end()) fail(fmt::format("unmatched ')' at offset {}", pos_));
    if (!error_.empty()) return invalid(error_);
    return nfa_.finish(*whole);
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool take(char c) {
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }
  std::nullopt_t fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return std::nullopt;
  }

  std::optional<Fragment> alternation() {
    if (++depth_ > kMaxDepth) return fail("groups nested too deeply");
    std::optional<Fragment> result = sequence();
    while (result && take('|')) {
      const std::optional<Fragment> next = sequence();
      if (!next) return std::nullopt;
      result = nfa_.either(*result, *next);
    }
    --depth_;
    return result;
  }

  std::optional<Fragment> sequence() {
    Fragment result = nfa_.empty();
    while (!at_end() && peek() != '|' && peek() != ')') {
      const std::optional<Fragment> next = repeat();
      if (!next) return std::nullopt;
      result = nfa_.concat(result, *next);
      if (nfa_.too_large())
        return fail(
            fmt::format("the expression is too large (over {} states)", PathPattern::kMaxStates));
    }
    return result;
  }

  // An atom and its quantifier; `{n,m}` parses the atom once per copy.
  std::optional<Fragment> repeat() {
    const std::size_t atom_start = pos_;
    std::optional<Fragment> result = atom();
    if (!result || at_end()) return result;
    const char q = peek();
    if (q == '*' || q == '+' || q == '?') {
      ++pos_;
      result = q == '*'   ? nfa_.star(*result)
               : q == '+' ? nfa_.plus(*result)
                          : nfa_.optional(*result);
    } else if (q == '{') {
      result = counted(*result, atom_start);
    } else {
      return result;
    }
    if (result) take('?');  // lazy: the same set of matches
    if (result && !at_end() && std::string_view("*+?{").find(peek()) != std::string_view::npos)
      return fail(fmt::format("nothing to repeat at offset {}", pos_));
    return result;
  }

  std::optional<int> number() {
    int value = -1;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      value = std::max(value, 0) * 10 + (peek() - '0');
      ++pos_;
      if (value > PathPattern::kMaxRepeat)
        return fail(fmt::format("a repetition count above {}", PathPattern::kMaxRepeat));
    }
    if (value < 0) return fail(fmt::format("a number expected at offset {}", pos_));
    return value;
  }

  std::optional<Fragment> counted(Fragment first, std::size_t atom_start) {
    ++pos_;  // '{'
    const std::optional<int> min = number();
    if (!min) return std::nullopt;
    std::optional<int> max = min;
    if (take(',')) max = (!at_end() && peek() == '}') ? std::optional<int>(-1) : number();
    if (!max) return std::nullopt;
    if (!take('}')) return fail(fmt::format("'}}' expected at offset {}", pos_));
    if (*max >= 0 && *max < *min) return fail("a repetition {n,m} with m below n");
    const std::size_t after = pos_;
    auto copy = [&]() -> std::optional<Fragment> {
      pos_ = atom_start;
      std::optional<Fragment> again = atom();
      if (nfa_.too_large())
        return fail(
            fmt::format("the expression is too large (over {} states)", PathPattern::kMaxStates));
      return again;
    };
    Fragment result = nfa_.empty();
    std::optional<Fragment> next = first;
    for (int i = 0; i < *min; ++i) {
      if (i > 0 && !(next = copy())) return std::nullopt;
      result = nfa_.concat(result, *next);
    }
    const int optional_copies = *max < 0 ? 1 : *max - *min;
    for (int i = 0; i < optional_copies; ++i) {
      if ((*min > 0 || i > 0) && !(next = copy())) return std::nullopt;
      result = nfa_.concat(result, *max < 0 ? nfa_.star(*next) : nfa_.optional(*next));
    }
    pos_ = after;
    return result;
  }

  std::optional<Fragment> atom() {
    const char c = peek();
    ++pos_;
    switch (c) {
      case '(':
        return group();
      case '[':
        return char_class();
      case '.':
        return nfa_.bytes(but(but(all_bytes(), '\n'), '\r'));
      case '^':
        return nfa_.assertion(NfaBuilder::Kind::at_start);
      case '$':
        return nfa_.assertion(NfaBuilder::Kind::at_end);
      case '\\': {
        const std::optional<Bytes> set = escape(false);
        if (!set) return std::nullopt;
        return nfa_.bytes(*set);
      }
      case '*':
      case '+':
      case '?':
      case '{':
        return fail(fmt::format("nothing to repeat at offset {}", pos_ - 1));
      default:
        return nfa_.bytes(one_byte(c));
    }
  }

  std::optional<Fragment> group() {
    if (take('?') && !take(':'))
      return fail("lookaround and named groups are not supported, only (?:...)");
    std::optional<Fragment> inner = alternation();
    if (!inner) return std::nullopt;
    if (!take(')')) return fail("missing ')'");
    return inner;
  }

  // After a backslash; in a class `\b` is a backspace, elsewhere an unsupported assertion.
  std::optional<Bytes> escape(bool in_class) {
    if (at_end()) return fail("a trailing backslash");
    const char c = peek();
    ++pos_;
    switch (c) {
      case 'd':
        return digits();
      case 'D':
        return ~digits();
      case 'w':
        return word();
      case 'W':
        return ~word();
      case 's':
        return space();
      case 'S':
        return ~space();
      case 'n':
        return one_byte('\n');
      case 'r':
        return one_byte('\r');
      case 't':
        return one_byte('\t');
      case 'f':
        return one_byte('\f');
      case 'v':
        return one_byte('\v');
      case '0':
        return one_byte('\0');
      default:
        break;
    }
    if (in_class && c == 'b') return one_byte('\b');
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9'))
      return fail(fmt::format("the escape \\{} is not supported", c));
    return one_byte(c);
  }

  std::optional<Fragment> char_class() {
    const bool negated = take('^');
    Bytes set;
    while (!at_end() && peek() != ']') {
      std::optional<Bytes> item = class_atom();
      if (!item) return std::nullopt;
      const bool single = item->count() == 1;
      if (single && pos_ + 1 < text_.size() && peek() == '-' && text_[pos_ + 1] != ']') {
        ++pos_;
        const std::optional<Bytes> last = class_atom();
        if (!last) return std::nullopt;
        if (last->count() != 1) return fail("a class range ends in a class escape");
        const unsigned from = first_of(*item);
        const unsigned to = first_of(*last);
        if (to < from) return fail("a class range out of order");
        item = byte_range(static_cast<unsigned char>(from), static_cast<unsigned char>(to));
      }
      set |= *item;
    }
    if (!take(']')) return fail("missing ']'");
    return nfa_.bytes(negated ? ~set : set);
  }

  std::optional<Bytes> class_atom() {
    const char c = peek();
    ++pos_;
    if (c == '\\') return escape(true);
    return one_byte(c);
  }

  static unsigned first_of(const Bytes& set) {
    for (unsigned c = 0; c < 256; ++c)
      if (set.test(c)) return c;
    return 0;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
  NfaBuilder nfa_;
};

}  // namespace

PathPattern PathPattern::glob(std::string_view glob) {
  NfaBuilder nfa;
  Fragment result = nfa.empty();
  const Bytes in_component = but(all_bytes(), '/');
  for (std::size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    Fragment next{};
    if (c == '*' && i + 1 < glob.size() && glob[i + 1] == '*') {
      ++i;
      if (i + 1 < glob.size() && glob[i + 1] == '/') {
        ++i;  // "**/": nothing, or anything ending in '/'
        next = nfa.optional(nfa.concat(nfa.star(nfa.bytes(all_bytes())), nfa.bytes(one_byte('/'))));
      } else {
        next = nfa.star(nfa.bytes(all_bytes()));
      }
    } else if (c == '*') {
      next = nfa.star(nfa.bytes(in_component));
    } else if (c == '?') {
      next = nfa.bytes(in_component);
    } else {
      next = nfa.bytes(one_byte(c));
    }
    result = nfa.concat(result, next);
  }
  return nfa.finish(result);
}

Result<PathPattern> PathPattern::regex(std::string_view expression) {
  return RegexParser(expression).parse();
}

bool PathPattern::run(std::string_view subject, bool prefix) const {
  if (states_.empty()) return false;  // default-constructed: matches nothing
  std::vector<int> current;
  std::vector<int> next;
  std::vector<std::size_t> seen(states_.size(), 0);  // the generation a state was last added in
  std::vector<int> stack;
  // Adds `first` and every state reachable from it without consuming a byte, at `pos`.
  auto add = [&](std::vector<int>& list, int first, std::size_t pos) {
    const std::size_t generation = pos + 1;
    stack.push_back(first);
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      if (i < 0 || seen[i] == generation) continue;
      seen[i] = generation;
      const State& state = states_[i];
      switch (state.kind) {
        case State::Kind::split:
          stack.push_back(state.out2);
          stack.push_back(state.out);
          break;
        case State::Kind::epsilon:
          stack.push_back(state.out);
          break;
        case State::Kind::at_start:
          if (pos == 0) stack.push_back(state.out);
          break;
        case State::Kind::at_end:
          if (pos == subject.size()) stack.push_back(state.out);
          break;
        case State::Kind::byte:
        case State::Kind::match:
          list.push_back(i);
          break;
      }
    }
  };
  auto has_match = [&](const std::vector<int>& list) {
    for (const int i : list)
      if (states_[i].kind == State::Kind::match) return true;
    return false;
  };

  add(current, start_, 0);
  for (std::size_t pos = 0; pos < subject.size(); ++pos) {
    if (current.empty() || (prefix && has_match(current))) break;
    const auto byte = static_cast<unsigned char>(subject[pos]);
    next.clear();
    for (const int i : current)
      if (states_[i].kind == State::Kind::byte && states_[i].bytes.test(byte))
        add(next, states_[i].out, pos + 1);
    current.swap(next);
  }
  return has_match(current);
}

}  // namespace tollgate::cli
