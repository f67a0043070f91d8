// What a baseline records: the scope, and the snapshot of CIs, manifests and approvals.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/release/releases.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

json::object manifest_json(const Manifest& m, const std::vector<const ManifestEntry*>& entries) {
  json::array list;
  for (const ManifestEntry* e : entries) list.push_back(manifest_entry_json(*e));
  return {{"environment", m.environment},
          {"version", m.version},
          {"action", m.action},
          {"release", m.release},
          {"created_at",
           m.version == 0 ? json::value(nullptr) : json::value(format_rfc3339(m.created_at))},
          {"entries", std::move(list)}};
}

// The environment a gate belongs to: "tests:SIT" -> SIT.
std::optional<std::string> gate_environment(std::string_view gate) {
  if (gate.starts_with("tests:")) return std::string(gate.substr(6));
  return std::nullopt;
}

json::object rfc_json(storage::ReadTxn& txn, const std::string& id) {
  auto rfc = load_rfc(txn, id);
  if (!rfc)
    return {{"id", id},
            {"title", nullptr},
            {"state", "unknown"},
            {"approved_by", nullptr},
            {"approved_at", nullptr}};
  json::value approved_at = nullptr;
  json::value approved_by = nullptr;
  for (const auto& e : rfc->events)
    if (e.action == "approve") {
      approved_by = json::value(e.actor);
      approved_at = json::value(format_rfc3339(e.time));
    }
  if (approved_by.is_null() && rfc->approved_or_later() && rfc->decided_by)
    approved_by = json::value(*rfc->decided_by);
  return {{"id", rfc->id},
          {"title", rfc->title},
          {"state", rfc_state_name(rfc->state)},
          {"approved_by", std::move(approved_by)},
          {"approved_at", std::move(approved_at)}};
}

// Who approved a release: its gate records and its RFCs with their approvers.
json::object approvals_json(storage::ReadTxn& txn, const std::string& id) {
  auto release = load_release(txn, id);
  if (!release) return {{"id", id}, {"gates", json::array{}}, {"rfcs", json::array{}}};
  json::array gates;
  for (const auto& g : release->gates) {
    json::object record{{"gate", g.gate},
                        {"verdict", g.verdict},
                        {"by", g.actor},
                        {"at", format_rfc3339(g.time)},
                        {"digest", g.digest}};
    if (auto env = gate_environment(g.gate)) record["environment"] = *env;
    if (g.date) record["date"] = *g.date;
    gates.push_back(std::move(record));
  }
  json::array rfcs;
  for (const auto& rfc : release->rfcs) rfcs.push_back(rfc_json(txn, rfc));
  return {{"id", release->id},           {"name", release->name},
          {"version", release->version}, {"category", release_category_name(release->category)},
          {"digest", release->digest()}, {"gates", std::move(gates)},
          {"rfcs", std::move(rfcs)}};
}

Result<std::optional<json::value>> load_ci_record(storage::ReadTxn& txn, std::string_view id) {
  auto stored = txn.get(storage::Table::cis, id);
  if (!stored) return std::optional<json::value>();
  boost::system::error_code ec;
  json::value v = json::parse(*stored, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, fmt::format("CI '{}' is unreadable", id));
  return std::optional<json::value>(std::move(v));
}

Result<json::array> all_cis(storage::ReadTxn& txn) {
  json::array out;
  Status failure;
  txn.scan(storage::Table::cis, "", [&](std::string_view key, std::string_view value) {
    boost::system::error_code ec;
    json::value v = json::parse(value, ec);
    if (ec || !v.is_object()) {
      failure = Status(Code::corrupt, fmt::format("CI '{}' is unreadable", key));
      return false;
    }
    out.push_back(std::move(v));
    return true;
  });
  if (!failure.ok()) return failure;
  return out;
}

// A malformed scope: refused like every other malformed body field.
Status bad_scope(std::string message) {
  return invalid(std::move(message)).with_reason("validation");
}

}  // namespace

json::object BaselineScope::to_json() const {
  switch (kind) {
    case Kind::all:
      return {{"all", true}};
    case Kind::cis:
      return {{"cis", json::value_from(names)}};
    case Kind::environments:
      return {{"environments", json::value_from(names)}};
  }
  return {};
}

Result<BaselineScope> BaselineScope::parse(const json::value& value) {
  if (!value.is_object()) return bad_scope("scope: must be an object");
  const json::object& o = value.get_object();
  if (o.size() != 1)
    return bad_scope(
        "scope: must have exactly one of \"all\": true, \"cis\": [ids] or \"environments\": "
        "[names]");
  const auto& [key, v] = *o.begin();
  BaselineScope scope;
  if (key == "all") {
    if (!v.is_bool() || !v.get_bool()) return bad_scope("scope.all: must be true");
    return scope;
  }
  if (key != "cis" && key != "environments")
    return bad_scope(fmt::format("scope.{}: unknown field", std::string_view(key)));
  scope.kind = key == "cis" ? Kind::cis : Kind::environments;
  if (!v.is_array() || v.get_array().empty())
    return bad_scope(
        fmt::format("scope.{}: must be a non-empty array of strings", std::string_view(key)));
  std::set<std::string> names;
  for (const auto& n : v.get_array()) {
    if (!n.is_string() || n.get_string().empty())
      return bad_scope(fmt::format("scope.{}: must hold non-empty strings", std::string_view(key)));
    names.emplace(n.get_string());
  }
  scope.names.assign(names.begin(), names.end());
  return scope;
}

Result<json::object> take_snapshot(storage::ReadTxn& txn, const Config& config,
                                   const BaselineScope& scope, const Manifest* pending) {
  using Kind = BaselineScope::Kind;
  for (const auto& env :
       scope.kind == Kind::environments ? scope.names : std::vector<std::string>{})
    if (std::find(config.environments.begin(), config.environments.end(), env) ==
        config.environments.end())
      return not_found(fmt::format("no environment '{}'; the environments are {}", env,
                                   fmt::join(config.environments, ", ")))
          .with_reason("unknown-environment");
  json::array cis;
  std::set<std::string> ci_ids;
  if (scope.kind == Kind::all) {
    TG_ASSIGN_OR_RETURN(cis, all_cis(txn));
  } else if (scope.kind == Kind::cis) {
    for (const auto& id : scope.names) {
      TG_ASSIGN_OR_RETURN(auto record, load_ci_record(txn, id));
      if (!record) return not_found(fmt::format("no CI '{}'", id)).with_reason("unknown-ci");
      cis.push_back(std::move(*record));
      ci_ids.insert(id);
    }
  }
  json::array environments;
  std::set<std::string> releases;
  std::set<std::string> deployed;
  for (const auto& env : config.environments) {
    const bool named = scope.kind == Kind::environments &&
                       std::binary_search(scope.names.begin(), scope.names.end(), env);
    if (scope.kind == Kind::environments && !named) continue;
    std::optional<Manifest> manifest;
    if (pending && pending->environment == env)
      manifest = *pending;
    else
      manifest = load_current_manifest(txn, env);
    if (!manifest && !named) continue;
    if (!manifest) manifest = Manifest{env, 0, 0, {}, {}, {}, 0, 0, {}};
    std::vector<const ManifestEntry*> entries;
    for (const auto& e : manifest->entries)
      if (scope.kind != Kind::cis || ci_ids.contains(e.ci)) entries.push_back(&e);
    if (scope.kind == Kind::cis && entries.empty()) continue;
    for (const ManifestEntry* e : entries) {
      releases.insert(e->release);
      deployed.insert(e->ci);
    }
    environments.push_back(manifest_json(*manifest, entries));
  }
  if (scope.kind == Kind::environments) {
    for (const auto& id : deployed) {
      TG_ASSIGN_OR_RETURN(auto record, load_ci_record(txn, id));
      if (record) cis.push_back(std::move(*record));
    }
  }
  json::array approvals;
  for (const auto& id : releases) approvals.push_back(approvals_json(txn, id));
  return json::object{{"cis", std::move(cis)},
                      {"environments", std::move(environments)},
                      {"releases", std::move(approvals)}};
}

}  // namespace tollgate::server
