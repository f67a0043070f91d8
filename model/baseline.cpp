#include "tollgate/baseline.hpp"

#include <fmt/format.h>

#include "json_members.hpp"

namespace tollgate {

namespace {

namespace json = boost::json;
using model::array_of;
using model::count_of;
using model::string_of;

Status malformed(std::string message) {
  return Status(Code::corrupt, std::move(message)).with_reason(kMalformedBaselineReason);
}

std::optional<Micros> time_of(const json::object& o, std::string_view key) {
  const auto text = string_of(o, key);
  return text ? parse_rfc3339(*text) : std::nullopt;
}

json::value optional_json(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

json::value optional_time(const std::optional<Micros>& time) {
  return time ? json::value(format_rfc3339(*time)) : json::value(nullptr);
}

Result<BaselineEnvironment> environment_from(const json::value& value) {
  const json::object* o = value.if_object();
  const auto name = o ? string_of(*o, "environment") : std::nullopt;
  const auto version = o ? count_of(*o, "version") : std::nullopt;
  const json::array* entries = o ? array_of(*o, "entries") : nullptr;
  if (!name || !version || entries == nullptr)
    return malformed("an environment lacks a valid environment, version or entries");
  BaselineEnvironment env{*name,
                          *version,
                          string_of(*o, "action").value_or(""),
                          string_of(*o, "release").value_or(""),
                          time_of(*o, "created_at"),
                          {}};
  for (const json::value& e : *entries) {
    auto entry = parse_manifest_entry(e);
    if (!entry)
      return malformed(
          fmt::format("environment {}: {}", env.environment, entry.status().message()));
    env.entries.push_back(std::move(entry).value());
  }
  return env;
}

Result<BaselineGate> gate_from(const json::value& value, const std::string& release) {
  const json::object* o = value.if_object();
  const auto gate = o ? string_of(*o, "gate") : std::nullopt;
  const auto verdict = o ? string_of(*o, "verdict") : std::nullopt;
  if (!gate || !verdict)
    return malformed(fmt::format("a gate of release {} lacks a gate or a verdict", release));
  return BaselineGate{*gate,
                      *verdict,
                      string_of(*o, "by").value_or(""),
                      time_of(*o, "at").value_or(0),
                      string_of(*o, "digest").value_or(""),
                      string_of(*o, "environment"),
                      string_of(*o, "date")};
}

Result<BaselineRfc> rfc_from(const json::value& value, const std::string& release) {
  const json::object* o = value.if_object();
  const auto id = o ? string_of(*o, "id") : std::nullopt;
  if (!id) return malformed(fmt::format("an RFC of release {} lacks an id", release));
  return BaselineRfc{*id, string_of(*o, "title"), string_of(*o, "state").value_or("unknown"),
                     string_of(*o, "approved_by"), time_of(*o, "approved_at")};
}

Result<BaselineRelease> release_from(const json::value& value) {
  const json::object* o = value.if_object();
  const auto id = o ? string_of(*o, "id") : std::nullopt;
  const json::array* gates = o ? array_of(*o, "gates") : nullptr;
  const json::array* rfcs = o ? array_of(*o, "rfcs") : nullptr;
  if (!id || gates == nullptr || rfcs == nullptr)
    return malformed("a release lacks a valid id, gates or rfcs");
  BaselineRelease r;
  r.id = *id;
  r.known = o->contains("name");
  r.name = string_of(*o, "name").value_or("");
  r.version = string_of(*o, "version").value_or("");
  r.category = string_of(*o, "category").value_or("");
  r.digest = string_of(*o, "digest").value_or("");
  for (const json::value& g : *gates) {
    TG_ASSIGN_OR_RETURN(auto gate, gate_from(g, r.id));
    r.gates.push_back(std::move(gate));
  }
  for (const json::value& v : *rfcs) {
    TG_ASSIGN_OR_RETURN(auto rfc, rfc_from(v, r.id));
    r.rfcs.push_back(std::move(rfc));
  }
  return r;
}

}  // namespace

json::object BaselineEnvironment::to_json() const {
  json::array list;
  for (const auto& e : entries) list.push_back(manifest_entry_json(e));
  return {{"environment", environment},
          {"version", version},
          {"action", action},
          {"release", release},
          {"created_at", optional_time(created_at)},
          {"entries", std::move(list)}};
}

json::object BaselineGate::to_json() const {
  json::object out{{"gate", gate},
                   {"verdict", verdict},
                   {"by", by},
                   {"at", format_rfc3339(at)},
                   {"digest", digest}};
  if (environment) out["environment"] = *environment;
  if (date) out["date"] = *date;
  return out;
}

json::object BaselineRfc::to_json() const {
  return {{"id", id},
          {"title", optional_json(title)},
          {"state", state},
          {"approved_by", optional_json(approved_by)},
          {"approved_at", optional_time(approved_at)}};
}

BaselineRelease BaselineRelease::unknown(std::string id) {
  BaselineRelease r;
  r.id = std::move(id);
  r.known = false;
  return r;
}

json::object BaselineRelease::to_json() const {
  json::array gate_list;
  for (const auto& g : gates) gate_list.push_back(g.to_json());
  json::array rfc_list;
  for (const auto& r : rfcs) rfc_list.push_back(r.to_json());
  if (!known) return {{"id", id}, {"gates", std::move(gate_list)}, {"rfcs", std::move(rfc_list)}};
  return {{"id", id},
          {"name", name},
          {"version", version},
          {"category", category},
          {"digest", digest},
          {"gates", std::move(gate_list)},
          {"rfcs", std::move(rfc_list)}};
}

const BaselineEnvironment* BaselineDocument::environment(std::string_view env) const {
  for (const auto& e : environments)
    if (e.environment == env) return &e;
  return nullptr;
}

json::object BaselineDocument::to_json() const {
  json::array env_list;
  for (const auto& e : environments) env_list.push_back(e.to_json());
  json::array release_list;
  for (const auto& r : releases) release_list.push_back(r.to_json());
  return {{"kind", "baseline"},
          {"name", name},
          {"description", description},
          {"created_at", format_rfc3339(created_at)},
          {"created_by", created_by},
          {"scope", scope},
          {"cis", cis},
          {"environments", std::move(env_list)},
          {"releases", std::move(release_list)}};
}

bool is_baseline(const json::object& document) {
  const json::value* kind = document.if_contains("kind");
  return kind != nullptr && kind->is_string() && kind->get_string() == "baseline";
}

Result<BaselineDocument> parse_baseline(const json::object& document) {
  const auto name = string_of(document, "name");
  const auto created_at = time_of(document, "created_at");
  const json::value* scope = document.if_contains("scope");
  const json::array* cis = array_of(document, "cis");
  const json::array* environments = array_of(document, "environments");
  const json::array* releases = array_of(document, "releases");
  if (!name || !created_at || scope == nullptr || !scope->is_object() || cis == nullptr ||
      environments == nullptr || releases == nullptr)
    return malformed(
        "the baseline lacks a valid name, created_at, scope, cis, environments or releases");
  BaselineDocument b;
  b.name = *name;
  b.description = string_of(document, "description").value_or("");
  b.created_at = *created_at;
  b.created_by = string_of(document, "created_by").value_or("");
  b.scope = scope->get_object();
  b.cis = *cis;
  for (const json::value& e : *environments) {
    auto env = environment_from(e);
    if (!env) return malformed(fmt::format("baseline {}: {}", b.name, env.status().message()));
    b.environments.push_back(std::move(env).value());
  }
  for (const json::value& r : *releases) {
    auto release = release_from(r);
    if (!release)
      return malformed(fmt::format("baseline {}: {}", b.name, release.status().message()));
    b.releases.push_back(std::move(release).value());
  }
  return b;
}

}  // namespace tollgate
