#include "server/domain/release/promotion.hpp"
#include "server/domain/audit/audit_log.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/tables/meta_table.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

std::string describe(const Release& release) {
  return fmt::format("{} ({} {})", release.id, release.name, release.version);
}

Status release_not_found(const std::string& id) {
  return not_found(fmt::format("no release '{}'", id));
}

Status concurrent_change(std::string what) {
  return conflict(std::move(what) + "; nothing was changed, try again")
      .with_reason("concurrent-change");
}

// The environment's entries with the release's items replacing those CIs', sorted by ci.
std::vector<ManifestEntry> merged_entries(const Manifest& current, const Release& release) {
  std::map<std::string, ManifestEntry> by_ci;
  for (const auto& entry : current.entries) by_ci[entry.ci] = entry;
  for (const auto& item : release.items) {
    auto artifacts = item.artifacts;
    std::sort(artifacts.begin(), artifacts.end(),
              [](const auto& a, const auto& b) { return a.file < b.file; });
    by_ci[item.ci] = ManifestEntry{item.ci, item.version, release.id, std::move(artifacts)};
  }
  std::vector<ManifestEntry> out;
  out.reserve(by_ci.size());
  for (auto& [ci, entry] : by_ci) out.push_back(std::move(entry));
  return out;
}

Manifest next_manifest(const Manifest& current, std::string action, const Release& release,
                       const Principal& actor, Micros now) {
  Manifest next;
  next.environment = current.environment;
  next.version = current.version + 1;
  next.previous_version = current.version;
  next.action = std::move(action);
  next.release = release.id;
  next.created_by = actor.name;
  next.created_at = now;
  return next;
}

}  // namespace

Status PromotionService::check_actor(const std::string& environment, const Principal& actor) const {
  TG_RETURN_IF_ERROR(environments_.check_environment(environment));
  return check_environment_scope(actor, environment);
}

Status PromotionService::verify_blobs(const Release& release) {
  for (const auto& item : release.items) {
    for (const auto& artifact : item.artifacts) {
      Status st = blobs_.verify(artifact.sha256);
      if (st.ok()) continue;
      if (auto quarantined = blobs_.quarantined(); quarantined.ok())
        metrics_.set_blobs_quarantined(quarantined->size());
      if (st.code() != Code::corrupt && st.code() != Code::not_found) return st;
      return conflict(fmt::format("{} {}/{} (sha256:{}) failed verification: {}; the blob is "
                                  "quarantined and {} was not promoted",
                                  item.ci, item.version, artifact.file, artifact.sha256,
                                  st.message(), release.id))
          .with_reason(storage::kCorruptBlobReason);
    }
  }
  return {};
}

Result<PromotionResult> PromotionService::promote(const std::string& release_id,
                                                  const std::string& environment,
                                                  const Principal& actor) {
  TG_RETURN_IF_ERROR(check_actor(environment, actor));
  std::lock_guard lock(mutex_);
  const Micros now = clock_.now();
  std::optional<Release> release;
  Manifest current{environment, 0, 0, {}, {}, {}, 0, 0, {}};
  std::vector<UnmetGate> unmet_gates;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    release = load_release(txn, release_id);
    if (!release) return release_not_found(release_id);
    if (release->cancelled())
      return conflict(fmt::format("release '{}' was cancelled; it goes nowhere", release_id))
          .with_reason("release-cancelled");
    if (auto stored = load_current_manifest(txn, environment)) current = std::move(*stored);
    const auto& path = path_of(*release);
    const auto index = std::find(path.begin(), path.end(), environment) - path.begin();
    if (index == static_cast<std::ptrdiff_t>(path.size()))
      return conflict(fmt::format("{} is not on the path of {} release {} ({})", environment,
                                  release_category_name(release->category), release->id,
                                  fmt::join(path, " -> ")))
          .with_reason("not-on-path");
    const auto at = release->current_environment();
    const auto position = at ? std::find(path.begin(), path.end(), *at) - path.begin() : -1;
    if (at && position >= index && position < static_cast<std::ptrdiff_t>(path.size()))
      return conflict(fmt::format("{} is in {} already; it cannot be promoted to {}", release->id,
                                  *at, environment))
          .with_reason("already-promoted");
    unmet_gates = unmet(txn, *release, path, static_cast<std::size_t>(index), now);
    return {};
  }));
  if (!unmet_gates.empty()) {
    const bool skipped = std::any_of(unmet_gates.begin(), unmet_gates.end(), [](const auto& u) {
      return u.reason == kSkippedEnvironmentReason;
    });
    json::array unmet;
    unmet.reserve(unmet_gates.size());
    for (const auto& u : unmet_gates) unmet.push_back(u.to_json());
    return conflict(fmt::format("{} cannot enter {}: {} requirement(s) unmet", release->id,
                                environment, unmet.size()))
        .with_reason(skipped ? kSkippedEnvironmentReason : kGatesUnmetReason)
        .with_members({{"unmet", std::move(unmet)}});
  }
  TG_RETURN_IF_ERROR(verify_blobs(*release));
  Manifest next = next_manifest(current, "promote", *release, actor, now);
  next.entries = merged_entries(current, *release);
  const std::string message = fmt::format("Promote {} to {}", describe(*release), environment);
  const std::string digest = release->digest();
  return record(std::move(*release), current, std::move(next), digest, actor, message);
}

Result<PromotionResult> PromotionService::backout(const std::string& release_id,
                                                  const std::string& environment,
                                                  const Principal& actor) {
  TG_RETURN_IF_ERROR(check_actor(environment, actor));
  std::lock_guard lock(mutex_);
  std::optional<Release> release;
  std::optional<Manifest> current;
  std::optional<Manifest> before;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    release = load_release(txn, release_id);
    if (!release) return release_not_found(release_id);
    current = load_current_manifest(txn, environment);
    if (!current || current->action != "promote" || current->release != release_id)
      return conflict(fmt::format("{} can only be backed out by the release whose promotion wrote "
                                  "its current manifest{}",
                                  environment,
                                  current ? fmt::format(" (version {}: {} of {})", current->version,
                                                        current->action, current->release)
                                          : std::string(" (nothing is deployed there)")))
          .with_reason("not-current-release");
    if (current->previous_version == 0) return {};
    auto text = load_manifest_text(txn, environment, current->previous_version);
    if (!text)
      return Status(Code::corrupt, fmt::format("manifest {} of {} is missing",
                                               current->previous_version, environment));
    TG_ASSIGN_OR_RETURN(before, parse_manifest(*text));
    return {};
  }));
  Manifest next = next_manifest(*current, "backout", *release, actor, clock_.now());
  if (before) next.entries = before->entries;
  const std::string message = fmt::format("Back out {} from {}", describe(*release), environment);
  const std::string digest = release->digest();
  return record(std::move(*release), *current, std::move(next), digest, actor, message);
}

std::uint64_t PromotionService::next_version(const Manifest& previous) const {
  std::uint64_t version = previous.version;
  (void)store_.read([&](storage::ReadTxn& txn) -> Status {
    version = std::max(
        version, tables::get_be64_counter(txn, tables::manifest_version_key(previous.environment)));
    return {};
  });
  // A vault written before versions were reserved may hold a newer manifest than the store
  // (an interrupted promotion of an older release): its number is taken too.
  if (auto text = vault_.read(manifest_vault_path(previous.environment)); text.ok())
    if (auto in_vault = parse_manifest(*text); in_vault.ok())
      version = std::max(version, in_vault->version);
  return version + 1;
}

Result<PromotionResult> PromotionService::record(Release release, const Manifest& previous,
                                                 Manifest next, const std::string& digest,
                                                 const Principal& actor,
                                                 const std::string& message) {
  next.version = next_version(previous);
  json::object signed_manifest = environments_.sign(next);
  next.expires_at = next.created_at + environments_.validity();
  const std::string text = json::serialize(signed_manifest);
  VaultPlan plan;
  plan.author = {actor.name, actor.name + "@tollgate"};
  plan.message = message;
  plan.changes.writes[manifest_vault_path(next.environment)] = text + "\n";
  std::optional<ProductionBaseline> baseline;
  if (baselines_ && baselines_->is_production(next.environment)) {
    TG_ASSIGN_OR_RETURN(baseline, baselines_->prepare_production(next, actor, message));
    plan.changes.writes[baseline->path] = baseline->text;
    plan.tag = baselines_->production_tag(*baseline, actor);
  }
  // The version is taken for good before the vault is written: whatever happens next, no other
  // manifest of this environment is ever signed with it.
  const std::string version_key = tables::manifest_version_key(next.environment);
  plan.reserve = [&](storage::WriteTxn& txn) -> Status {
    const auto current = load_current_manifest(txn, next.environment);
    if ((current ? current->version : 0) != previous.version ||
        tables::get_be64_counter(txn, version_key) >= next.version)
      return concurrent_change(
          fmt::format("the manifest of {} changed meanwhile", next.environment));
    tables::put_be64_counter(txn, version_key, next.version);
    return {};
  };

  const EnvironmentEvent event{next.environment, next.action, actor.name, next.created_at,
                               next.version};
  audit_note("/api/v1/releases/" + release.id,
             fmt::format("{}: manifest {} version {}", message, next.environment, next.version));
  const auto recorded = intents_.apply(
      store_, plan, [&](storage::WriteTxn& txn, const storage::CommitInfo& commit) -> Status {
        auto stored = load_release(txn, release.id);
        if (!stored || stored->digest() != digest ||
            (next.action == "promote" && stored->cancelled()))
          return concurrent_change(fmt::format("{} changed meanwhile", release.id));
        const auto current = load_current_manifest(txn, next.environment);
        if ((current ? current->version : 0) != previous.version)
          return concurrent_change(
              fmt::format("the manifest of {} changed meanwhile", next.environment));
        release = std::move(*stored);
        release.environments.push_back(event);
        release.updated_at = next.created_at;
        store_manifest(txn, next, text);
        store_release(txn, release);
        if (baseline) BaselineService::store_production(txn, *baseline, commit.id);
        return {};
      });
  if (!recorded) return recorded.status();
  return PromotionResult{std::move(release), std::move(next), std::move(signed_manifest)};
}

}  // namespace tollgate::server
