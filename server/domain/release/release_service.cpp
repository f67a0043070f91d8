// ReleaseService: creation, reads, items, known errors and the API rendering of releases.
// Documents and gates: server/domain/release/release_gates.cpp.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/tables/meta_table.hpp"
#include "server/domain/tables/vault_tables.hpp"
#include "server/domain/vault/artifacts.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

// Items of several packaged releases merged by CI; a CI in two of them at different versions is
// a conflict.
Result<std::vector<ReleaseItem>> merge_items(const std::vector<Release>& packaged) {
  std::map<std::string, ReleaseItem> by_ci;
  for (const Release& p : packaged)
    for (const ReleaseItem& item : p.items) {
      const auto [at, fresh] = by_ci.emplace(item.ci, item);
      if (!fresh && at->second.version != item.version)
        return conflict(fmt::format("packaged releases carry CI '{}' at versions '{}' and '{}'",
                                    item.ci, at->second.version, item.version))
            .with_reason("package-conflict");
    }
  std::vector<ReleaseItem> out;
  out.reserve(by_ci.size());
  for (auto& [ci, item] : by_ci) out.push_back(std::move(item));
  return out;
}

// Checks the links of a new release inside the creating transaction and joins the packaged
// releases' items.
Status resolve_links(storage::ReadTxn& txn, Release& r) {
  std::vector<std::string> errors;
  for (const std::string& rfc : r.rfcs)
    if (!load_rfc(txn, rfc)) errors.push_back(fmt::format("rfcs: no RFC '{}'", rfc));
  std::vector<Release> packaged;
  for (const std::string& id : r.packages) {
    auto p = load_release(txn, id);
    if (!p)
      errors.push_back(fmt::format("packages: no release '{}'", id));
    else if (p->type != ReleaseType::delta)
      errors.push_back(fmt::format("packages: '{}' is a {} release, not a delta release", id,
                                   release_type_name(p->type)));
    else
      packaged.push_back(std::move(*p));
  }
  if (!errors.empty())
    return invalid(fmt::format("{}", fmt::join(errors, "; "))).with_items(std::move(errors));
  TG_ASSIGN_OR_RETURN(r.items, merge_items(packaged));
  return {};
}

// The item of `ci` at `version` with every artifact of that version.
Result<ReleaseItem> item_of(storage::ReadTxn& txn, const std::string& ci,
                            const std::string& version,
                            const std::map<std::string, std::string>& install_paths) {
  if (!txn.get(Table::cis, ci)) return not_found(fmt::format("no CI '{}'", ci));
  ReleaseItem item{ci, version, {}, {}, 0};
  Status failure;
  tables::kArtifacts.scan(
      txn, tables::ArtifactKey::prefix(ci, version),
      [&](const tables::ArtifactKey&, std::string_view value) {
        auto artifact = Artifact::from_json(value);
        if (!artifact) {
          failure = artifact.status();
          return false;
        }
        const std::string& file = artifact->coordinate.file;
        const auto path = install_paths.find(file);
        item.artifacts.push_back({file, artifact->sha256, artifact->size,
                                  path == install_paths.end() ? file : path->second});
        return true;
      });
  TG_RETURN_IF_ERROR(failure);
  if (item.artifacts.empty())
    return conflict(fmt::format("CI '{}' has no artifacts at version '{}'", ci, version))
        .with_reason("no-artifacts");
  for (const auto& [file, path] : install_paths)
    if (std::none_of(item.artifacts.begin(), item.artifacts.end(),
                     [&wanted = file](const ReleaseArtifact& a) { return a.file == wanted; }))
      return invalid(fmt::format("install_paths.{}: CI '{}' has no file '{}' at version '{}'", file,
                                 ci, file, version));
  std::sort(item.artifacts.begin(), item.artifacts.end(),
            [](const auto& a, const auto& b) { return a.file < b.file; });
  std::set<std::string_view> paths;
  for (const ReleaseArtifact& a : item.artifacts)
    if (!paths.insert(a.install_path).second)
      return Status(Code::invalid, fmt::format("install_paths.{}: '{}' is the install path of "
                                               "another file of CI '{}' too",
                                               a.file, a.install_path, ci))
          .with_reason("duplicate-install-path");
  return item;
}

void put_item(Release& r, ReleaseItem item) {
  const auto at = std::find_if(r.items.begin(), r.items.end(),
                               [&](const ReleaseItem& i) { return i.ci == item.ci; });
  if (at != r.items.end())
    *at = std::move(item);
  else
    r.items.push_back(std::move(item));
  std::sort(r.items.begin(), r.items.end(),
            [](const auto& a, const auto& b) { return a.ci < b.ci; });
}

json::object gate_view(const Release& r, const std::string& gate, const std::string& digest) {
  json::array history;
  const GateRecord* latest = nullptr;
  for (const GateRecord& g : r.gates) {
    if (g.gate != gate) continue;
    json::object record{{"verdict", g.verdict},
                        {"notes", g.notes},
                        {"digest", g.digest},
                        {"actor", g.actor},
                        {"time", format_rfc3339(g.time)}};
    record["evidence"] = g.evidence ? json::value(*g.evidence) : json::value(nullptr);
    if (g.date) record["date"] = *g.date;
    record["stale"] = g.digest != digest;
    history.emplace_back(std::move(record));
    latest = &g;
  }
  std::string status = "missing";
  if (latest)
    status = latest->digest != digest ? "stale" : latest->verdict == "pass" ? "passed" : "failed";
  json::object out{{"status", status},
                   {"latest", history.empty() ? json::value(nullptr) : history.back()},
                   {"history", std::move(history)}};
  if (gate == "emergency_approval") out["approvers"] = json::value_from(r.passing_actors(gate));
  return out;
}

}  // namespace

Status ReleaseService::check_contents_open(const Release& release) const {
  // A release that ever reached production is the record of what ran there: frozen for good.
  if (!config_.environments.empty() && release.was_in(config_.environments.back()))
    return conflict(fmt::format("release '{}' reached {}: its contents can no longer change",
                                release.id, config_.environments.back()))
        .with_reason("release-deployed");
  return {};
}

Status ReleaseService::update_in(storage::WriteTxn& txn, const std::string& id,
                                 const Change& change, Release* out) {
  auto release = load_release(txn, id);
  if (!release) return not_found(fmt::format("no release '{}'", id));
  if (release->cancelled())
    return conflict(fmt::format("release '{}' was cancelled: its record is closed", id))
        .with_reason("release-cancelled");
  TG_RETURN_IF_ERROR(change(txn, *release));
  release->updated_at = clock_.now();
  store_release(txn, *release);
  *out = std::move(*release);
  return {};
}

Result<Release> ReleaseService::update(const std::string& id, const Change& change) {
  Release out;
  TG_RETURN_IF_ERROR(
      store_.write([&](storage::WriteTxn& txn) { return update_in(txn, id, change, &out); }));
  return out;
}

Result<Release> ReleaseService::update_with_vault(const std::string& id, const VaultPlan& plan,
                                                  const VaultChange& change) {
  Release out;
  auto recorded =
      intents_.apply(store_, plan, [&](storage::WriteTxn& txn, const storage::CommitInfo& commit) {
        return update_in(
            txn, id, [&](storage::WriteTxn& t, Release& r) { return change(t, r, commit); }, &out);
      });
  if (!recorded) return recorded.status();
  return out;
}

Result<Release> ReleaseService::create(const CreateRelease& command, const Principal& actor) {
  Release out;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    Release r;
    r.name = command.name;
    r.version = command.version;
    r.type = command.type;
    r.category = command.category;
    r.rfcs = command.rfcs;
    r.packages = command.packages;
    r.planned = command.planned;
    TG_RETURN_IF_ERROR(resolve_links(txn, r));
    const std::uint64_t seq = tables::get_be64_counter(txn, tables::kMetaReleaseCounter) + 1;
    tables::put_be64_counter(txn, tables::kMetaReleaseCounter, seq);
    r.id = fmt::format("rel-{}", seq);
    audit_note("/api/v1/releases/" + r.id,
               fmt::format("created {} release {} ({} items)", release_category_name(r.category),
                           r.id, r.items.size()));
    r.created_by = actor.name;
    r.created_at = r.updated_at = clock_.now();
    for (ReleaseItem& item : r.items) {
      item.added_by = actor.name;
      item.added_at = r.created_at;
    }
    store_release(txn, r);
    out = std::move(r);
    return {};
  }));
  return out;
}

Result<Release> ReleaseService::get(const std::string& id) const {
  std::optional<Release> found;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    found = load_release(txn, id);
    return Status();
  }));
  if (!found) return not_found(fmt::format("no release '{}'", id));
  return std::move(*found);
}

Result<Page<Release>> ReleaseService::list(const ReleaseFilter& filter,
                                           const PageRequest& page) const {
  Page<Release> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::releases, page.after, [&](std::string_view key, std::string_view value) {
      if (key == page.after) return true;
      auto r = Release::from_record(value);
      if (!r) {
        failure = r.status();
        return false;
      }
      if (filter.category && r->category != *filter.category) return true;
      if (filter.state && r->state(config_.environments) != *filter.state) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().id;
        return false;
      }
      out.items.push_back(std::move(r).value());
      return true;
    });
    return failure;
  }));
  return out;
}

Result<Release> ReleaseService::add_item(const std::string& id, const AddReleaseItem& command,
                                         const Principal& actor) {
  if (!is_slug(command.ci)) return not_found(fmt::format("no CI '{}'", command.ci));
  return update(id, [&](storage::WriteTxn& txn, Release& r) -> Status {
    TG_RETURN_IF_ERROR(check_contents_open(r));
    TG_ASSIGN_OR_RETURN(ReleaseItem item,
                        item_of(txn, command.ci, command.version, command.install_paths));
    for (const ReleaseItem& other : r.items) {
      if (other.ci == item.ci) continue;
      for (const ReleaseArtifact& mine : item.artifacts)
        for (const ReleaseArtifact& theirs : other.artifacts)
          if (mine.install_path == theirs.install_path)
            return Status(Code::invalid,
                          fmt::format("install_paths.{}: '{}' is where CI '{}' installs {} in this "
                                      "release",
                                      mine.file, mine.install_path, other.ci, theirs.file))
                .with_reason("duplicate-install-path");
    }
    item.added_by = actor.name;
    item.added_at = clock_.now();
    audit_note(fmt::format("/api/v1/releases/{}/items/{}", r.id, item.ci),
               fmt::format("put {} {} into release {}", item.ci, item.version, r.id));
    put_item(r, std::move(item));
    return {};
  });
}

Result<Release> ReleaseService::add_known_error(const std::string& id, const AddKnownError& command,
                                                const Principal& actor) {
  return update(id, [&](storage::WriteTxn&, Release& r) -> Status {
    audit_note(
        fmt::format("/api/v1/releases/{}/known-errors/ke-{}", r.id, r.known_errors.size() + 1),
        fmt::format("recorded known error ke-{} of release {}", r.known_errors.size() + 1, r.id));
    KnownError error;
    error.id = fmt::format("ke-{}", r.known_errors.size() + 1);
    error.summary = command.summary;
    error.workaround = command.workaround;
    error.recorded_by = actor.name;
    error.recorded_at = clock_.now();
    r.known_errors.push_back(std::move(error));
    return {};
  });
}

std::vector<std::string> ReleaseService::gate_names() const {
  std::vector<std::string> names = {"trr"};
  for (const std::string& env : config_.environments) names.push_back("tests:" + env);
  for (const char* g : {"uat", "rrr", "implementation_approval", "emergency_approval", "pir"})
    names.emplace_back(g);
  return names;
}

json::object ReleaseService::to_json(const Release& release) const {
  json::object out = release.to_record();
  const std::string digest = release.digest();
  out["digest"] = digest;
  out["state"] = release.state(config_.environments);
  const auto current = release.current_environment();
  out["environment"] = current ? json::value(*current) : json::value(nullptr);
  json::object gates;
  for (const std::string& name : gate_names()) gates[name] = gate_view(release, name, digest);
  out["gates"] = std::move(gates);
  return out;
}

}  // namespace tollgate::server
