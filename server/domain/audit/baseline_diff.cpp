// The difference of two baselines: CIs field by field, artifacts per environment.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

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

json::object cis_diff(const json::array& from, const json::array& to) {
  const auto a = by_key(from, "id");
  const auto b = by_key(to, "id");
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

// One deployed file: an artifact with the entry that deploys it.
struct DeployedFile {
  const ManifestEntry* entry;
  const ManifestArtifact* artifact;

  bool operator==(const DeployedFile& o) const {
    return entry->version == o.entry->version && entry->release == o.entry->release &&
           artifact->sha256 == o.artifact->sha256 && artifact->size == o.artifact->size &&
           artifact->install_path == o.artifact->install_path;
  }

  json::object to_json() const {
    return {{"ci", entry->ci},
            {"file", artifact->file},
            {"version", entry->version},
            {"release", entry->release},
            {"sha256", artifact->sha256},
            {"size", artifact->size},
            {"install_path", artifact->install_path}};
  }
};

using FileKey = std::pair<std::string, std::string>;  // ci, file

std::map<FileKey, DeployedFile> files_of(const BaselineEnvironment* environment) {
  std::map<FileKey, DeployedFile> out;
  if (!environment) return out;
  for (const ManifestEntry& entry : environment->entries)
    for (const ManifestArtifact& artifact : entry.artifacts)
      out.insert_or_assign(FileKey{entry.ci, artifact.file}, DeployedFile{&entry, &artifact});
  return out;
}

json::object file_change(const DeployedFile& a, const DeployedFile& b) {
  const json::object x = a.to_json();
  const json::object y = b.to_json();
  json::object out{{"ci", a.entry->ci}, {"file", a.artifact->file}};
  for (const char* key : {"sha256", "version", "install_path", "release", "size"}) {
    out[std::string("from_") + key] = x.at(key);
    out[std::string("to_") + key] = y.at(key);
  }
  return out;
}

json::value version_of(const BaselineEnvironment* environment) {
  return environment ? json::value(environment->version) : json::value(nullptr);
}

json::object environment_diff(const std::string& name, const BaselineEnvironment* from,
                              const BaselineEnvironment* to) {
  const auto a = files_of(from);
  const auto b = files_of(to);
  json::array added, removed, changed;
  for (const auto& [key, file] : a) {
    const auto other = b.find(key);
    if (other == b.end())
      removed.push_back(file.to_json());
    else if (!(file == other->second))
      changed.push_back(file_change(file, other->second));
  }
  for (const auto& [key, file] : b)
    if (!a.contains(key)) added.push_back(file.to_json());
  return {{"environment", name},
          {"from_version", version_of(from)},
          {"to_version", version_of(to)},
          {"artifacts", json::object{{"added", std::move(added)},
                                     {"removed", std::move(removed)},
                                     {"changed", std::move(changed)}}}};
}

}  // namespace

json::object diff_baselines(std::string_view from_name, const BaselineDocument& from,
                            std::string_view to_name, const BaselineDocument& to) {
  // Environments in the order the documents list them (the configured order), from's first.
  std::vector<std::string> order;
  for (const auto* doc : {&from, &to})
    for (const auto& e : doc->environments)
      if (std::find(order.begin(), order.end(), e.environment) == order.end())
        order.push_back(e.environment);
  json::array environments;
  for (const auto& env : order)
    environments.push_back(environment_diff(env, from.environment(env), to.environment(env)));
  return {{"from", from_name},
          {"to", to_name},
          {"cis", cis_diff(from.cis, to.cis)},
          {"environments", std::move(environments)}};
}

}  // namespace tollgate::server
