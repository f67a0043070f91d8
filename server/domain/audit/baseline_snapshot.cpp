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

BaselineEnvironment environment_of(const Manifest& m,
                                   const std::vector<const ManifestEntry*>& entries) {
  BaselineEnvironment env{m.environment, m.version, m.action, m.release, std::nullopt, {}};
  if (m.version != 0) env.created_at = m.created_at;
  for (const ManifestEntry* e : entries) env.entries.push_back(*e);
  return env;
}

// The environment a gate belongs to: "tests:SIT" -> SIT.
std::optional<std::string> gate_environment(std::string_view gate) {
  if (gate.starts_with("tests:")) return std::string(gate.substr(6));
  return std::nullopt;
}

BaselineRfc rfc_of(storage::ReadTxn& txn, const std::string& id) {
  auto rfc = load_rfc(txn, id);
  if (!rfc) return {id, std::nullopt, "unknown", std::nullopt, std::nullopt};
  BaselineRfc out{rfc->id, rfc->title, rfc_state_name(rfc->state), std::nullopt, std::nullopt};
  for (const auto& e : rfc->events)
    if (e.action == "approve") {
      out.approved_by = e.actor;
      out.approved_at = e.time;
    }
  if (!out.approved_by && rfc->approved_or_later() && rfc->decided_by)
    out.approved_by = *rfc->decided_by;
  return out;
}

// Who approved a release: its gate records and its RFCs with their approvers.
BaselineRelease approvals_of(storage::ReadTxn& txn, const std::string& id) {
  auto release = load_release(txn, id);
  if (!release) return BaselineRelease::unknown(id);
  BaselineRelease out{release->id,
                      true,
                      release->name,
                      release->version,
                      release_category_name(release->category),
                      release->digest(),
                      {},
                      {}};
  for (const auto& g : release->gates)
    out.gates.push_back(
        {g.gate, g.verdict, g.actor, g.time, g.digest, gate_environment(g.gate), g.date});
  for (const auto& rfc : release->rfcs) out.rfcs.push_back(rfc_of(txn, rfc));
  return out;
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

Result<BaselineDocument> take_snapshot(storage::ReadTxn& txn, const Config& config,
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
  std::vector<BaselineEnvironment> environments;
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
    environments.push_back(environment_of(*manifest, entries));
  }
  if (scope.kind == Kind::environments) {
    for (const auto& id : deployed) {
      TG_ASSIGN_OR_RETURN(auto record, load_ci_record(txn, id));
      if (record) cis.push_back(std::move(*record));
    }
  }
  BaselineDocument snapshot;
  snapshot.scope = scope.to_json();
  snapshot.cis = std::move(cis);
  snapshot.environments = std::move(environments);
  for (const auto& id : releases) snapshot.releases.push_back(approvals_of(txn, id));
  return snapshot;
}

}  // namespace tollgate::server
