// Private to model/: lenient readers of one member of a JSON object, for the document parsers
// (manifests, baselines), which name what is wrong themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace tollgate::model {

// A string member: nullopt when it is missing or not a string.
inline std::optional<std::string> string_of(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

// A non-negative integer member: nullopt when it is missing or anything else.
inline std::optional<std::uint64_t> count_of(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

// An array member: nullptr when it is missing or no array.
inline const boost::json::array* array_of(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v == nullptr ? nullptr : v->if_array();
}

}  // namespace tollgate::model
