// The tiny builder that openapi_schemas.cpp and openapi_schemas_release.cpp declare the API's
// schemas with, and the parts of openapi_schemas() each file adds. Private to those files.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "server/domain/identity/roles.hpp"

namespace tollgate::server::schema {

namespace json = boost::json;

using Props = std::initializer_list<std::pair<std::string_view, json::value>>;
using Names = std::initializer_list<std::string_view>;

// A tiny schema builder: each returns one schema object.
inline json::object typed(const char* type, const char* description) {
  json::object s{{"type", type}};
  if (description != nullptr && *description != '\0') s["description"] = description;
  return s;
}
inline json::object str(const char* d = nullptr) { return typed("string", d); }
inline json::object integer(const char* d = nullptr) { return typed("integer", d); }
inline json::object boolean(const char* d = nullptr) { return typed("boolean", d); }
inline json::object formatted(const char* format, const char* d) {
  json::object s = str(d);
  s["format"] = format;
  return s;
}
inline json::object time(const char* d = nullptr) { return formatted("date-time", d); }
inline json::object date(const char* d = nullptr) { return formatted("date", d); }
inline json::object sha256(const char* d = "SHA-256, 64 lower-case hex digits") {
  json::object s = str(d);
  s["pattern"] = "^[0-9a-f]{64}$";
  return s;
}
inline json::object ref(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}
inline json::object nullable(json::object schema) {
  if (schema.contains("$ref")) return {{"allOf", json::array{schema}}, {"nullable", true}};
  schema["nullable"] = true;
  return schema;
}
inline json::object array(json::object items, const char* d = nullptr) {
  json::object s = typed("array", d);
  s["items"] = std::move(items);
  return s;
}
inline json::object strings(const char* d = nullptr) { return array(str(), d); }
inline json::object map_of(json::object values, const char* d = nullptr) {
  json::object s = typed("object", d);
  s["additionalProperties"] = std::move(values);
  return s;
}
inline json::object one_of(const std::vector<std::string>& values, const char* d = nullptr) {
  json::object s = str(d);
  json::array e;
  for (const auto& v : values) e.emplace_back(v);
  s["enum"] = std::move(e);
  return s;
}
inline json::object any(const char* d) { return {{"description", d}}; }

inline json::object properties(Props props) {
  json::object p;
  for (const auto& [name, schema] : props) p[name] = schema;
  return p;
}
inline json::array names(Names list) {
  json::array out;
  for (auto n : list) out.emplace_back(n);
  return out;
}

// A request body: only `props`, `required` among them (Fields refuses unknown members).
inline json::object input(Props props, Names required = {}, const char* d = nullptr) {
  json::object s = typed("object", d);
  s["properties"] = properties(props);
  if (required.size() > 0) s["required"] = names(required);
  s["additionalProperties"] = false;
  return s;
}
// An answer: every member of `props` is always there but those `optional`; more may come.
inline json::object record(Props props, Names optional = {}, const char* d = nullptr) {
  json::object s = typed("object", d);
  s["properties"] = properties(props);
  json::array required;
  for (const auto& [name, schema] : props)
    if (std::find(optional.begin(), optional.end(), name) == optional.end())
      required.emplace_back(name);
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}
// {"items": [item], "next_cursor": string | null}, plus `extra` members.
inline json::object page_of(std::string_view item, Props extra = {}) {
  json::object s = record({{"items", array(ref(item))},
                           {"next_cursor", nullable(str("Where the next page starts; null: "
                                                        "this was the last page"))}});
  for (const auto& [name, schema] : extra) {
    s["properties"].as_object()[name] = schema;
    s["required"].as_array().emplace_back(name);
  }
  return s;
}
inline json::object all_of(std::initializer_list<json::object> parts) {
  json::array list;
  for (const auto& p : parts) list.emplace_back(p);
  return {{"allOf", std::move(list)}};
}

inline json::object roles() { return array(ref("Role")); }
inline json::object slug(const char* d) {
  json::object s = str(d);
  s["pattern"] = "^[a-z0-9._-]{1,128}$";
  return s;
}

// The parts of openapi_schemas(), each adding its schemas to `s`.
void add_common(json::object& s);
void add_identity(json::object& s);
void add_cmdb(json::object& s);
void add_vault(json::object& s);
void add_change(json::object& s);
void add_release(json::object& s);
void add_environments(json::object& s);
void add_reports(json::object& s);
void add_audit(json::object& s);

}  // namespace tollgate::server::schema
