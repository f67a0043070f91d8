// ReleaseService: release documents (vault first, then LMDB) and gate records.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/cmdb/documents.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/release/vdd.hpp"

namespace tollgate::server {

namespace {

// Gates the release's creator may not record: the approvals and sign-offs.
const std::set<std::string_view> kSeparatedGates = {"uat", "rrr", "implementation_approval",
                                                    "emergency_approval"};

std::string document_path(std::string_view id, std::string_view name) {
  return fmt::format("releases/{}/{}", id, name);
}

// The key of Config::gate_roles that governs `gate`; not_found for a gate that does not exist.
Result<std::string> policy_key(const Config& config, const std::string& gate) {
  static const std::set<std::string_view> kPlain = {
      "trr", "uat", "rrr", "implementation_approval", "emergency_approval", "pir"};
  if (kPlain.contains(gate)) return gate;
  if (gate.starts_with("tests:") && known_environment(config, std::string_view(gate).substr(6)))
    return std::string("tests");
  return Status(Code::not_found,
                fmt::format("no gate '{}'; gates are trr, tests:<environment>, uat, rrr, "
                            "implementation_approval, emergency_approval and pir",
                            gate.substr(0, 64)))
      .with_reason("unknown-gate");
}

Status check_gate_role(const Config& config, const std::string& key, const std::string& gate,
                       const Principal& actor) {
  const auto policy = config.gate_roles.find(key);
  const std::vector<std::string> none;
  const std::vector<std::string>& roles = policy == config.gate_roles.end() ? none : policy->second;
  for (const Role role : actor.roles)
    if (std::find(roles.begin(), roles.end(), role_name(role)) != roles.end()) return {};
  return Status(
             Code::forbidden,
             fmt::format("gate '{}' is recorded by the role {}; token '{}' has none of them", gate,
                         roles.empty() ? "(nobody)" : fmt::format("{}", fmt::join(roles, " or ")),
                         actor.name))
      .with_reason("gate-role");
}

// Everyone who authored the release: its creator, whoever added an item or a document, and
// the authors of the releases it packages.
std::set<std::string> authors(storage::ReadTxn& txn, const Release& release, int depth = 0) {
  std::set<std::string> out{release.created_by};
  for (const ReleaseItem& i : release.items) out.insert(i.added_by);
  for (const ReleaseDocument& d : release.documents) out.insert(d.added_by);
  if (depth < 2)
    for (const auto& id : release.packages)
      if (auto packaged = load_release(txn, id)) out.merge(authors(txn, *packaged, depth + 1));
  return out;
}

// The path of environments the release goes through.
const std::vector<std::string>& path_of(const Config& config, const Release& release) {
  return release.category == ReleaseCategory::emergency ? config.emergency.path
                                                        : config.environments;
}

// A gate judges what happened: tests in an environment once the release is or was there, UAT
// once it is or was in the environment before production, the PIR after production.
Status check_gate_timing(const Config& config, const Release& release, const std::string& gate) {
  const auto& path = path_of(config, release);
  std::optional<std::string> needed;
  if (gate.starts_with("tests:")) needed = gate.substr(6);
  if (gate == "uat" && path.size() >= 2) needed = path[path.size() - 2];
  if (gate == "pir" && !path.empty()) needed = path.back();
  if (!needed || release.was_in(*needed)) return {};
  return Status(Code::conflict, fmt::format("{} is recorded once release '{}' is or was in {}; it "
                                            "has not been there",
                                            gate, release.id, *needed))
      .with_reason("gate-too-early");
}

// A requester (who holds no release role) adds only build instructions and test plans, and
// only to releases that link an RFC they raised.
Status check_requester(storage::ReadTxn& txn, const Release& release, const std::string& kind,
                       const Principal& actor) {
  if (actor.has_any({Role::release_manager, Role::change_manager, Role::admin})) return {};
  if (kind != "build_instructions" && kind != "test_plan")
    return Status(Code::forbidden, fmt::format("a requester adds only build_instructions and "
                                               "test_plan documents, not {}",
                                               kind))
        .with_reason("requester-document");
  for (const auto& id : release.rfcs)
    if (auto rfc = load_rfc(txn, id); rfc && rfc->created_by == actor.name) return {};
  return Status(Code::forbidden,
                fmt::format("'{}' raised none of the RFCs of release '{}'", actor.name, release.id))
      .with_reason("requester-document");
}

}  // namespace

Result<Release> ReleaseService::add_document(const std::string& id, const AddReleaseDocument& input,
                                             const Principal& actor) {
  std::lock_guard lock(document_mutex_);  // the record must name the commit this put made
  TG_ASSIGN_OR_RETURN(const Release before, get(id));
  TG_RETURN_IF_ERROR(check_contents_open(before));
  TG_RETURN_IF_ERROR(store_.read(
      [&](storage::ReadTxn& txn) { return check_requester(txn, before, input.kind, actor); }));
  const std::string path = document_path(id, input.name);
  VaultPlan plan;
  plan.changes.writes[path] = input.content;
  plan.message =
      fmt::format("{} document {} of release {}\n\nMedia-Type: {}",
                  before.document(input.name) ? "Update" : "Add", input.name, id, input.media_type);
  plan.author = {actor.name, actor.name + "@tollgate"};
  return update_with_vault(
      id, plan, [&](storage::WriteTxn&, Release& r, const storage::CommitInfo& commit) -> Status {
        TG_RETURN_IF_ERROR(check_contents_open(r));
        const auto blob = commit.blobs.find(path);
        if (blob == commit.blobs.end())
          return Status(Code::io,
                        fmt::format("the vault commit {} did not write {}", commit.id, path));
        audit_note(fmt::format("/api/v1/releases/{}/documents/{}", id, input.name), plan.message);
        ReleaseDocument doc{input.kind,   input.name, path,         commit.id,
                            blob->second, actor.name, clock_.now(), input.media_type};
        const auto at =
            std::find_if(r.documents.begin(), r.documents.end(),
                         [&](const ReleaseDocument& d) { return d.name == input.name; });
        if (at != r.documents.end())
          *at = std::move(doc);
        else
          r.documents.push_back(std::move(doc));
        return {};
      });
}

Result<ReleaseDocumentContent> ReleaseService::document(const std::string& id,
                                                        const std::string& name) const {
  TG_ASSIGN_OR_RETURN(const Release release, get(id));
  const ReleaseDocument* doc = release.document(name);
  if (!doc)
    return not_found(fmt::format("release '{}' has no document '{}'", id, name.substr(0, 128)));
  TG_ASSIGN_OR_RETURN(std::string content, vault_.read(doc->path, doc->commit));
  return ReleaseDocumentContent{*doc, std::move(content)};
}

Result<Release> ReleaseService::record_gate(const std::string& id, const std::string& gate,
                                            const RecordGate& command, const Principal& actor) {
  TG_ASSIGN_OR_RETURN(const std::string key, policy_key(config_, gate));
  if (command.date && gate != "rrr")
    return invalid("date: only the rrr gate takes an implementation date");
  GateRecord record;
  record.gate = gate;
  record.verdict = command.verdict;
  record.notes = command.notes;
  record.evidence = command.evidence;
  record.date = command.date;
  TG_RETURN_IF_ERROR(check_gate_role(config_, key, gate, actor));
  if (gate.starts_with("tests:"))
    TG_RETURN_IF_ERROR(check_environment_scope(actor, std::string_view(gate).substr(6)));
  const auto check_release = [&](storage::ReadTxn& txn, const Release& r) -> Status {
    if (kSeparatedGates.contains(gate) && authors(txn, r).contains(actor.name))
      return Status(Code::forbidden,
                    fmt::format("'{}' authored release '{}' (created it or added its contents) and "
                                "so cannot record its {}",
                                actor.name, r.id, gate))
          .with_reason("separation-of-duties");
    TG_RETURN_IF_ERROR(check_gate_timing(config_, r, gate));
    if (record.evidence && !r.document(*record.evidence))
      return Status(Code::invalid, fmt::format("evidence: release '{}' has no document '{}'", r.id,
                                               record.evidence->substr(0, 128)))
          .with_reason("unknown-evidence");
    return {};
  };
  // A passing RRR commits the VDD of the reviewed contents to the vault with its record, through
  // a vault intent (a refused one commits nothing, or takes the commit back out); the write
  // refuses if the contents moved on since the review.
  std::optional<RrrVdd> vdd;
  if (gate == "rrr" && record.verdict == "pass") {
    TG_ASSIGN_OR_RETURN(const Release reviewed, get(id));
    TG_RETURN_IF_ERROR(
        store_.read([&](storage::ReadTxn& txn) { return check_release(txn, reviewed); }));
    TG_ASSIGN_OR_RETURN(vdd, vdd_for_rrr(store_, reviewed, actor));
  }
  const Change change = [&](storage::WriteTxn& txn, Release& r) -> Status {
    TG_RETURN_IF_ERROR(check_release(txn, r));
    if (vdd) TG_RETURN_IF_ERROR(check_vdd_current(vdd->vdd, r));
    const std::string digest = r.digest();
    if (gate == "emergency_approval") {
      if (r.category != ReleaseCategory::emergency)
        return conflict(fmt::format("release '{}' is {}, not an emergency release", r.id,
                                    release_category_name(r.category)))
            .with_reason("not-emergency");
      for (const GateRecord& g : r.gates)
        if (g.gate == gate && g.actor == actor.name && g.digest == digest)
          return conflict(fmt::format("'{}' already recorded the emergency approval of these "
                                      "contents; another person must give the next",
                                      actor.name))
              .with_reason("duplicate-approval");
    }
    audit_note(fmt::format("/api/v1/releases/{}/gates/{}", r.id, gate),
               fmt::format("recorded gate {} of release {}: {}", gate, r.id, record.verdict));
    GateRecord entry = record;
    entry.digest = digest;
    entry.actor = actor.name;
    entry.time = clock_.now();
    r.gates.push_back(std::move(entry));
    return {};
  };
  if (!vdd) return update(id, change);
  return update_with_vault(id, vdd->plan,
                           [&](storage::WriteTxn& txn, Release& r, const storage::CommitInfo&) {
                             return change(txn, r);
                           });
}

}  // namespace tollgate::server
