// The difference of two baselines: CIs field by field, artifacts per environment.
#include <map>
#include <set>
#include <tuple>

#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

const json::array& array_at(const json::object& o, std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

std::string text_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::value value_at(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? *v : json::value(nullptr);
}

// Objects flattened to dotted paths; any other value (arrays too) is a leaf.
void flatten(const json::value& v, const std::string& path,
             std::map<std::string, json::value>& out) {
  if (v.is_object() && !(v.get_object().empty() && !path.empty())) {
    for (const auto& [key, member] : v.get_object())
      flatten(member, path.empty() ? std::string(key) : path + "." + std::string(key), out);
    return;
  }
  out[path] = v;
}

std::map<std::string, json::object> by_key(const json::array& list, std::string_view key) {
  std::map<std::string, json::object> out;
  for (const auto& v : list)
    if (v.is_object()) out[text_at(v.get_object(), key)] = v.get_object();
  return out;
}

json::object ci_changes(const json::object& from, const json::object& to) {
  std::map<std::string, json::value> a, b;
  flatten(from, "", a);
  flatten(to, "", b);
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  json::array fields;
  for (const auto& key : keys) {
    const auto x = a.find(key);
    const auto y = b.find(key);
    json::value before = x == a.end() ? json::value(nullptr) : x->second;
    json::value after = y == b.end() ? json::value(nullptr) : y->second;
    if (x != a.end() && y != b.end() && before == after) continue;
    fields.push_back(json::object{{"field", key}, {"from", before}, {"to", after}});
  }
  return {{"id", text_at(from, "id")},
          {"from_revision", value_at(from, "revision")},
          {"to_revision", value_at(to, "revision")},
          {"fields", std::move(fields)}};
}

json::object cis_diff(const json::object& from, const json::object& to) {
  const auto a = by_key(array_at(from, "cis"), "id");
  const auto b = by_key(array_at(to, "cis"), "id");
  json::array added, removed, changed;
  for (const auto& [id, record] : a) {
    const auto other = b.find(id);
    if (other == b.end())
      removed.emplace_back(id);
    else if (record != other->second)
      changed.push_back(ci_changes(record, other->second));
  }
  for (const auto& [id, record] : b)
    if (!a.contains(id)) added.emplace_back(id);
  return {{"added", std::move(added)},
          {"removed", std::move(removed)},
          {"changed", std::move(changed)}};
}

// One deployed file: the entry's ci, version and release with the artifact's fields.
using FileKey = std::pair<std::string, std::string>;  // ci, file

std::map<FileKey, json::object> files_of(const json::object* environment) {
  std::map<FileKey, json::object> out;
  if (!environment) return out;
  for (const auto& e : array_at(*environment, "entries")) {
    if (!e.is_object()) continue;
    const json::object& entry = e.get_object();
    for (const auto& a : array_at(entry, "artifacts")) {
      if (!a.is_object()) continue;
      const json::object& artifact = a.get_object();
      json::object file{{"ci", value_at(entry, "ci")},
                        {"file", value_at(artifact, "file")},
                        {"version", value_at(entry, "version")},
                        {"release", value_at(entry, "release")},
                        {"sha256", value_at(artifact, "sha256")},
                        {"size", value_at(artifact, "size")},
                        {"install_path", value_at(artifact, "install_path")}};
      out[{text_at(entry, "ci"), text_at(artifact, "file")}] = std::move(file);
    }
  }
  return out;
}

json::object file_change(const json::object& a, const json::object& b) {
  json::object out{{"ci", a.at("ci")}, {"file", a.at("file")}};
  for (const char* key : {"sha256", "version", "install_path", "release", "size"}) {
    out[std::string("from_") + key] = a.at(key);
    out[std::string("to_") + key] = b.at(key);
  }
  return out;
}

json::object environment_diff(const std::string& name, const json::object* from,
                              const json::object* to) {
  const auto a = files_of(from);
  const auto b = files_of(to);
  json::array added, removed, changed;
  for (const auto& [key, file] : a) {
    const auto other = b.find(key);
    if (other == b.end())
      removed.push_back(file);
    else if (file != other->second)
      changed.push_back(file_change(file, other->second));
  }
  for (const auto& [key, file] : b)
    if (!a.contains(key)) added.push_back(file);
  return {{"environment", name},
          {"from_version", from ? value_at(*from, "version") : json::value(nullptr)},
          {"to_version", to ? value_at(*to, "version") : json::value(nullptr)},
          {"artifacts", json::object{{"added", std::move(added)},
                                     {"removed", std::move(removed)},
                                     {"changed", std::move(changed)}}}};
}

}  // namespace

json::object diff_baselines(std::string_view from_name, const json::object& from,
                            std::string_view to_name, const json::object& to) {
  // Environments in the order the documents list them (the configured order), from's first.
  std::vector<std::string> order;
  std::map<std::string, const json::object*> a, b;
  for (const auto& [doc, slot] : {std::pair{&from, &a}, std::pair{&to, &b}})
    for (const auto& e : array_at(*doc, "environments")) {
      if (!e.is_object()) continue;
      const std::string env = text_at(e.get_object(), "environment");
      if (!a.contains(env) && !b.contains(env)) order.push_back(env);
      (*slot)[env] = &e.get_object();
    }
  json::array environments;
  for (const auto& env : order) {
    const auto x = a.find(env);
    const auto y = b.find(env);
    environments.push_back(environment_diff(env, x == a.end() ? nullptr : x->second,
                                            y == b.end() ? nullptr : y->second));
  }
  return {{"from", from_name},
          {"to", to_name},
          {"cis", cis_diff(from, to)},
          {"environments", std::move(environments)}};
}

}  // namespace tollgate::server
