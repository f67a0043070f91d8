#include "server/domain/release/environments.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/tables/release_tables.hpp"

namespace tollgate::server {

namespace json = boost::json;

std::string manifest_vault_path(std::string_view environment) {
  return fmt::format("environments/{}/manifest.json", environment);
}

std::optional<Manifest> load_current_manifest(storage::ReadTxn& txn, std::string_view environment) {
  auto newest = tables::kManifests.last(txn, tables::ManifestKey::prefix(environment),
                                        tables::ManifestKey::last(environment));
  if (!newest) return std::nullopt;
  auto parsed = parse_manifest(newest->second);
  if (!parsed) return std::nullopt;
  return std::move(parsed).value();
}

std::optional<std::string> load_manifest_text(storage::ReadTxn& txn, std::string_view environment,
                                              std::uint64_t version) {
  auto value = tables::kManifests.get(txn, {std::string(environment), version});
  if (!value) return std::nullopt;
  return std::string(*value);
}

void store_manifest(storage::WriteTxn& txn, const Manifest& manifest,
                    std::string_view signed_json) {
  tables::kManifests.put(txn, {manifest.environment, manifest.version}, signed_json);
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
  if (const ManifestEntry* entry = current ? current->entry(ci) : nullptr) {
    if (const ManifestArtifact* artifact = entry->artifact(file))
      return std::pair{*entry, *artifact};
    return not_found(
        fmt::format("{} {} in {} has no file '{}'", ci, entry->version, environment, file));
  }
  return not_found(fmt::format("{} is not deployed in {}", ci, environment));
}

}  // namespace tollgate::server
