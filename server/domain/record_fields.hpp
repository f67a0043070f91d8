// Reading the JSON records the services store in LMDB. A record was validated when it was
// written, so these are lenient: a missing or mistyped member reads as empty (the store's check
// reports records that do not parse at all).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "tollgate/time.hpp"

namespace tollgate::server::record_fields {

inline std::string str(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::optional<std::string> opt_str(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

inline std::uint64_t uint_field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return 0;
}

inline Micros time_field(const boost::json::object& o, std::string_view key) {
  return parse_rfc3339(str(o, key)).value_or(0);
}

// The objects of an array member; none when it is missing or not an array.
inline std::vector<const boost::json::object*> objects(const boost::json::object& o,
                                                       std::string_view key) {
  std::vector<const boost::json::object*> out;
  const boost::json::value* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const boost::json::value& e : v->get_array())
    if (e.is_object()) out.push_back(&e.get_object());
  return out;
}

// The strings of an array member; none when it is missing or not an array.
inline std::vector<std::string> strings(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const boost::json::value* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const boost::json::value& e : v->get_array())
    if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

inline boost::json::array string_array(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

inline boost::json::value opt_json(const std::optional<std::string>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

}  // namespace tollgate::server::record_fields
