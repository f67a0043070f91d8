#include "server/domain/release/promotion.hpp"
#include "server/domain/audit/audit_log.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"

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

Result<PromotionResult> PromotionService::record(Release release, const Manifest& previous,
                                                 Manifest next, const std::string& digest,
                                                 const Principal& actor,
                                                 const std::string& message) {
  json::object signed_manifest = environments_.sign(next);
  next.expires_at = next.created_at + environments_.validity();
  const std::string text = json::serialize(signed_manifest);
  const std::string path = manifest_vault_path(next.environment);
  const storage::VaultAuthor author{actor.name, actor.name + "@tollgate"};
  storage::VaultChanges changes;
  changes.writes[path] = text + "\n";
  std::optional<ProductionBaseline> baseline;
  if (baselines_ && baselines_->is_production(next.environment)) {
    TG_ASSIGN_OR_RETURN(baseline, baselines_->prepare_production(next, actor, message));
    changes.writes[baseline->path] = baseline->text;
  }
  TG_ASSIGN_OR_RETURN(auto commit, vault_.commit(changes, author, message));

  const EnvironmentEvent event{next.environment, next.action, actor.name, next.created_at,
                               next.version};
  audit_note("/api/v1/releases/" + release.id,
             fmt::format("{}: manifest {} version {}", message, next.environment, next.version));
  Status written = store_.write([&](storage::WriteTxn& txn) -> Status {
    auto stored = load_release(txn, release.id);
    if (!stored || stored->digest() != digest || (next.action == "promote" && stored->cancelled()))
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
  if (!written.ok()) {
    // Put the vault back to what LMDB still says, so that both keep telling the same story.
    storage::VaultChanges undo;
    for (const auto& [written_path, content] : changes.writes) {
      auto before = commit.parent.empty() ? Result<std::string>(not_found("no parent"))
                                          : vault_.read(written_path, commit.parent);
      if (before.ok())
        undo.writes[written_path] = std::move(before).value();
      else
        undo.deletions.push_back(written_path);
    }
    (void)vault_.commit(undo, author,
                        fmt::format("Revert \"{}\": not recorded ({})", message, written.message()),
                        storage::CommitOptions{{}, commit.id});
    return written;
  }
  if (baseline) baselines_->tag_production(*baseline, commit.id, actor);
  return PromotionResult{std::move(release), std::move(next), std::move(signed_manifest)};
}

}  // namespace tollgate::server
