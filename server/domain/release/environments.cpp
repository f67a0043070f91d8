#include "server/domain/release/environments.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace tollgate::server {

namespace json = boost::json;

namespace {

std::string key_prefix(std::string_view environment) {
  std::string key(environment);
  key.push_back('\0');
  return key;
}

std::string manifest_key(std::string_view environment, std::uint64_t version) {
  return key_prefix(environment) + storage::be64(version);
}

std::string string_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::uint64_t uint_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return 0;
}

Micros time_of(const json::object& o, std::string_view key) {
  return parse_rfc3339(string_of(o, key)).value_or(0);
}

Result<ManifestEntry> entry_from(const json::value& value) {
  if (!value.is_object()) return Status(Code::corrupt, "a manifest entry is not an object");
  const json::object& o = value.as_object();
  ManifestEntry entry{string_of(o, "ci"), string_of(o, "version"), string_of(o, "release"), {}};
  const json::value* artifacts = o.if_contains("artifacts");
  if (!artifacts || !artifacts->is_array())
    return Status(Code::corrupt, fmt::format("manifest entry {} has no artifacts", entry.ci));
  for (const json::value& a : artifacts->as_array()) {
    if (!a.is_object()) return Status(Code::corrupt, "a manifest artifact is not an object");
    const json::object& ao = a.as_object();
    entry.artifacts.push_back({string_of(ao, "file"), string_of(ao, "sha256"), uint_of(ao, "size"),
                               string_of(ao, "install_path")});
  }
  return entry;
}

}  // namespace

json::object manifest_entry_json(const ManifestEntry& entry) {
  json::array artifacts;
  for (const auto& a : entry.artifacts)
    artifacts.push_back(json::object{{"file", a.file},
                                     {"sha256", a.sha256},
                                     {"size", a.size},
                                     {"install_path", a.install_path}});
  return {{"ci", entry.ci},
          {"version", entry.version},
          {"release", entry.release},
          {"artifacts", std::move(artifacts)}};
}

json::object Manifest::to_json() const {
  json::array list;
  for (const auto& entry : entries) list.push_back(manifest_entry_json(entry));
  return {{"environment", environment},
          {"version", version},
          {"previous_version", previous_version},
          {"action", action},
          {"release", release},
          {"created_by", created_by},
          {"created_at", format_rfc3339(created_at)},
          {"expires_at", format_rfc3339(expires_at)},
          {"entries", std::move(list)}};
}

Result<Manifest> Manifest::from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return Status(Code::corrupt, "a stored manifest is not JSON");
  const json::object& o = value.as_object();
  Manifest m;
  m.environment = string_of(o, "environment");
  m.version = uint_of(o, "version");
  m.previous_version = uint_of(o, "previous_version");
  m.action = string_of(o, "action");
  m.release = string_of(o, "release");
  m.created_by = string_of(o, "created_by");
  m.created_at = time_of(o, "created_at");
  m.expires_at = time_of(o, "expires_at");
  const json::value* entries = o.if_contains("entries");
  if (!entries || !entries->is_array())
    return Status(Code::corrupt,
                  fmt::format("manifest {} of {} has no entries", m.version, m.environment));
  for (const json::value& e : entries->as_array()) {
    TG_ASSIGN_OR_RETURN(auto entry, entry_from(e));
    m.entries.push_back(std::move(entry));
  }
  return m;
}

std::string manifest_vault_path(std::string_view environment) {
  return fmt::format("environments/{}/manifest.json", environment);
}

std::optional<Manifest> load_current_manifest(storage::ReadTxn& txn, std::string_view environment) {
  const std::string prefix = key_prefix(environment);
  std::optional<Manifest> out;
  txn.scan_back(storage::Table::manifests,
                manifest_key(environment, std::numeric_limits<std::uint64_t>::max()),
                [&](std::string_view key, std::string_view value) {
                  if (key.starts_with(prefix)) {
                    auto parsed = Manifest::from_json(value);
                    if (parsed) out = std::move(parsed).value();
                  }
                  return false;
                });
  return out;
}

std::optional<std::string> load_manifest_text(storage::ReadTxn& txn, std::string_view environment,
                                              std::uint64_t version) {
  auto value = txn.get(storage::Table::manifests, manifest_key(environment, version));
  if (!value) return std::nullopt;
  return std::string(*value);
}

void store_manifest(storage::WriteTxn& txn, const Manifest& manifest,
                    std::string_view signed_json) {
  txn.put(storage::Table::manifests, manifest_key(manifest.environment, manifest.version),
          signed_json);
}

json::object EnvironmentSummary::to_json() const {
  return {{"name", name},
          {"version", version},
          {"release", release.empty() ? json::value(nullptr) : json::value(release)},
          {"action", action.empty() ? json::value(nullptr) : json::value(action)},
          {"promoted_at",
           promoted_at ? json::value(format_rfc3339(*promoted_at)) : json::value(nullptr)}};
}

Status EnvironmentService::check_environment(std::string_view name) const {
  const auto& envs = config_.environments;
  if (std::find(envs.begin(), envs.end(), name) != envs.end()) return {};
  return not_found(fmt::format("no environment '{}'; the environments are {}", name,
                               fmt::join(envs, ", ")))
      .with_reason("unknown-environment");
}

Micros EnvironmentService::validity() const {
  return static_cast<Micros>(config_.promotion.manifest_validity_hours) * 3600 * kMicrosPerSecond;
}

json::object EnvironmentService::sign(Manifest manifest, std::optional<Micros> expires_at) const {
  manifest.expires_at = expires_at.value_or(manifest.created_at + validity());
  return signer_.sign(manifest.to_json());
}

Result<std::vector<EnvironmentSummary>> EnvironmentService::list() const {
  std::vector<EnvironmentSummary> out;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    for (const auto& env : config_.environments) {
      EnvironmentSummary summary{env, 0, {}, {}, std::nullopt};
      if (auto current = load_current_manifest(txn, env)) {
        summary.version = current->version;
        summary.release = current->release;
        summary.action = current->action;
        summary.promoted_at = current->created_at;
      }
      out.push_back(std::move(summary));
    }
    return {};
  }));
  return out;
}

Result<json::object> EnvironmentService::manifest(std::string_view environment,
                                                  std::optional<std::uint64_t> version) const {
  TG_RETURN_IF_ERROR(check_environment(environment));
  const Micros now = clock_.now();
  std::optional<std::string> text;
  std::optional<Manifest> current;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    if (version)
      text = load_manifest_text(txn, environment, *version);
    else
      current = load_current_manifest(txn, environment);
    return {};
  }));
  if (version) {
    if (!text)
      return not_found(
          fmt::format("environment {} has no manifest version {}", environment, *version));
    boost::system::error_code ec;
    json::value stored = json::parse(*text, ec);
    if (ec || !stored.is_object())
      return Status(Code::corrupt,
                    fmt::format("manifest {} of {} is unreadable", *version, environment));
    return std::move(stored.as_object());
  }
  if (!current) current = Manifest{std::string(environment), 0, 0, {}, {}, {}, now, 0, {}};
  return sign(std::move(*current), now + validity());
}

Result<std::pair<ManifestEntry, ReleaseArtifact>> EnvironmentService::deployed(
    std::string_view environment, std::string_view ci, std::string_view file) const {
  TG_RETURN_IF_ERROR(check_environment(environment));
  std::optional<Manifest> current;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    current = load_current_manifest(txn, environment);
    return {};
  }));
  if (current) {
    for (const auto& entry : current->entries) {
      if (entry.ci != ci) continue;
      for (const auto& artifact : entry.artifacts)
        if (artifact.file == file) return std::pair{entry, artifact};
      return not_found(
          fmt::format("{} {} in {} has no file '{}'", ci, entry.version, environment, file));
    }
  }
  return not_found(fmt::format("{} is not deployed in {}", ci, environment));
}

}  // namespace tollgate::server
