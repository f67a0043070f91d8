// One spelling per enumerator: the names an enum is written as in JSON, configuration, URLs and
// keys, kept in one constexpr table beside the enum instead of a switch and an if-chain apart.
//
// Beside an enum E, declare its table and an `enum_names(E)` that ADL finds:
//
//   enum class Colour { red, green };
//   inline constexpr EnumName<Colour> kColourNames[] = {{Colour::red, "red"},
//                                                       {Colour::green, "green"}};
//   constexpr std::span<const EnumName<Colour>> enum_names(Colour) { return kColourNames; }
//
// then name_of(Colour::red) is "red" and parse_name<Colour>("green") is Colour::green.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate {

template <class E>
struct EnumName {
  E value;
  const char* name;  // a string literal
};

// The name of e; "?" for a value missing from E's table (a programming error).
template <class E>
constexpr const char* name_of(E e) {
  for (const EnumName<E>& entry : enum_names(E{}))
    if (entry.value == e) return entry.name;
  return "?";
}

// The value named `name` (exact, case-sensitive); nullopt for any other text.
template <class E>
constexpr std::optional<E> parse_name(std::string_view name) {
  for (const EnumName<E>& entry : enum_names(E{}))
    if (name == entry.name) return entry.value;
  return std::nullopt;
}

// Every name of E in its table's order (an enum in an API description, a help text).
template <class E>
std::vector<std::string> all_names() {
  const auto table = enum_names(E{});
  std::vector<std::string> out;
  out.reserve(table.size());
  for (const EnumName<E>& entry : table) out.emplace_back(entry.name);
  return out;
}

}  // namespace tollgate
