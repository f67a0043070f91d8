// Verifying the audit log: its hash chain, and the checkpoints of its head committed to the
// vault; `tollgated check` of the log.
#include <ostream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/audit/audit_log_detail.hpp"
#include "server/domain/tables/audit_tables.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using audit_log_detail::chain_head;
using audit_log_detail::entry_hash;
using audit_log_detail::kGenesis;

struct Checkpoint {
  std::uint64_t sequence = 0;
  std::string hash;
  std::string commit;
};

std::optional<Checkpoint> parse_checkpoint(std::string_view text) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto& o = parsed.as_object();
  const auto* seq = o.if_contains("sequence");
  const auto* hash = o.if_contains("hash");
  if (!seq || !hash || !hash->is_string() || !(seq->is_int64() || seq->is_uint64()))
    return std::nullopt;
  Checkpoint c;
  c.sequence = seq->is_int64() ? static_cast<std::uint64_t>(seq->get_int64()) : seq->get_uint64();
  c.hash = std::string(hash->get_string());
  return c;
}

// The checkpoints committed to the vault, newest first (the file's whole git history).
// Errors: those of the vault; corrupt (a checkpoint that cannot be read).
Result<std::vector<Checkpoint>> vault_checkpoints(const storage::GitVault& vault) {
  std::vector<Checkpoint> checkpoints;
  TG_ASSIGN_OR_RETURN(const auto revisions, vault.history(kAuditCheckpointPath));
  for (const auto& revision : revisions) {
    if (revision.object.empty()) continue;
    TG_ASSIGN_OR_RETURN(const std::string text, vault.read(kAuditCheckpointPath, revision.commit));
    auto checkpoint = parse_checkpoint(text);
    if (!checkpoint)
      return Status(Code::corrupt, fmt::format("the audit checkpoint of vault commit {} is "
                                               "unreadable",
                                               revision.commit));
    checkpoint->commit = revision.commit;
    checkpoints.push_back(std::move(*checkpoint));
  }
  return checkpoints;
}

// Why `parsed`, stored as entry `sequence`, does not hold on its own; nullopt when it does.
std::optional<std::string> entry_fault(const json::value& parsed, std::uint64_t sequence) {
  if (!parsed.is_object()) return "the entry is not a JSON object";
  const auto& entry = parsed.as_object();
  const auto* seq = entry.if_contains("sequence");
  const auto* hash = entry.if_contains("hash");
  const auto* prev = entry.if_contains("prev");
  if (!seq || !seq->is_number() || seq->to_number<std::uint64_t>() != sequence)
    return "the entry's sequence differs from its position in the log";
  if (!hash || !hash->is_string() || !prev || !prev->is_string())
    return "the entry has no hash or no prev";
  if (entry_hash(entry) != hash->get_string())
    return "the entry was altered: its content does not match its hash";
  return std::nullopt;
}

// A walk of the chain in sequence order, one entry at a time, up to the first break. Keeps the
// hashes of the entries that `checkpoints` name, for check_checkpoints.
class ChainWalk {
 public:
  explicit ChainWalk(const std::vector<Checkpoint>& checkpoints) : checkpoints_(checkpoints) {}

  // Checks the entry stored under `key`: its place in the sequence, its own hash, and its link
  // to the entry before. Returns false at a break (then broken() says where and why).
  bool check_entry(std::string_view key, std::string_view value) {
    const std::uint64_t expected = entries_ + 1;
    const auto decoded = tables::AuditLogKey::decode(key);
    const std::uint64_t sequence = decoded ? decoded->sequence : 0;
    if (!decoded || sequence != expected)
      return fail(expected,
                  sequence > expected
                      ? fmt::format("entries {} to {} are missing", expected, sequence - 1)
                      : fmt::format("an entry is stored under a malformed key"));
    ++entries_;
    boost::system::error_code ec;
    const auto parsed = json::parse(value, ec);
    if (ec) return fail(sequence, "the entry is not a JSON object");
    if (auto fault = entry_fault(parsed, sequence)) return fail(sequence, std::move(*fault));
    const auto& entry = parsed.as_object();
    if (entry.at("prev").get_string() != prev_hash_)
      return fail(sequence - 1,
                  fmt::format("entry {} records a different hash for entry {}: entry {} was "
                              "rewritten",
                              sequence, sequence - 1, sequence - 1));
    prev_hash_ = std::string(entry.at("hash").get_string());
    for (const auto& c : checkpoints_)
      if (c.sequence == sequence) hashes_named_.emplace_back(sequence, prev_hash_);
    return true;
  }

  std::uint64_t entries() const { return entries_; }
  // The hash of the last entry that held (the genesis hash before the first).
  const std::string& head_hash() const { return prev_hash_; }
  const std::optional<AuditBreak>& broken() const { return broken_; }
  // The hash the log holds for entry `sequence` if a checkpoint names it; null if none.
  const std::string* hash_named(std::uint64_t sequence) const {
    const std::string* found = nullptr;
    for (const auto& [seq, hash] : hashes_named_)
      if (seq == sequence) found = &hash;
    return found;
  }

 private:
  bool fail(std::uint64_t sequence, std::string reason) {
    if (!broken_) broken_ = AuditBreak{sequence, std::move(reason)};
    return false;
  }

  const std::vector<Checkpoint>& checkpoints_;
  std::uint64_t entries_ = 0;
  std::string prev_hash_ = kGenesis;
  std::vector<std::pair<std::uint64_t, std::string>> hashes_named_;
  std::optional<AuditBreak> broken_;
};

// Compares `checkpoints` (newest first, as the vault lists them) with an intact walk, oldest
// first so that the earliest disagreement is named. Counts the checkpoints compared into
// *checked. Returns the first disagreement, or nullopt.
std::optional<AuditBreak> check_checkpoints(const std::vector<Checkpoint>& checkpoints,
                                            const ChainWalk& walk, std::uint64_t* checked) {
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    ++*checked;
    if (it->sequence > walk.entries())
      return AuditBreak{
          walk.entries() + 1,
          fmt::format("the vault's checkpoint (commit {}) names entry {}, but the log ends at "
                      "entry {}: entries were removed",
                      it->commit.substr(0, 12), it->sequence, walk.entries())};
    const std::string* found = walk.hash_named(it->sequence);
    if (found == nullptr || *found != it->hash)
      return AuditBreak{it->sequence,
                        fmt::format("the entry differs from the vault's checkpoint (commit {}): "
                                    "the log was rewritten up to here",
                                    it->commit.substr(0, 12))};
  }
  return std::nullopt;
}

}  // namespace

json::object AuditVerification::to_json() const {
  json::object out;
  out["valid"] = !broken.has_value();
  out["entries"] = entries;
  json::object head;
  head["sequence"] = head_sequence;
  head["hash"] = head_hash;
  out["head"] = std::move(head);
  out["checkpoints_checked"] = checkpoints;
  if (broken) {
    json::object b;
    b["sequence"] = broken->sequence;
    b["reason"] = broken->reason;
    out["first_broken"] = std::move(b);
  } else {
    out["first_broken"] = nullptr;
  }
  return out;
}

Result<AuditVerification> verify_audit_log(storage::KvStore& store,
                                           const storage::GitVault* vault) {
  std::vector<Checkpoint> checkpoints;
  if (vault != nullptr) {
    TG_ASSIGN_OR_RETURN(checkpoints, vault_checkpoints(*vault));
  }
  ChainWalk walk(checkpoints);
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) {
    txn.scan(storage::Table::audit_log, "", [&](std::string_view key, std::string_view value) {
      return walk.check_entry(key, value);
    });
    return Status();
  }));
  AuditVerification result;
  result.entries = walk.entries();
  result.head_sequence = walk.entries();
  result.head_hash = walk.head_hash();
  result.broken = walk.broken();
  if (!result.broken) result.broken = check_checkpoints(checkpoints, walk, &result.checkpoints);
  return result;
}

Result<bool> checkpoint_audit_log(storage::KvStore& store, storage::GitVault& vault, Micros now) {
  std::pair<std::uint64_t, std::string> head;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(head, chain_head(txn));
    return Status();
  }));
  if (head.first == 0) return false;
  auto existing = vault.read(kAuditCheckpointPath);
  if (existing.ok()) {
    if (auto last = parse_checkpoint(*existing); last && last->sequence == head.first) return false;
  } else if (existing.status().code() != Code::not_found) {
    return existing.status();
  }
  json::object checkpoint;
  checkpoint["sequence"] = head.first;
  checkpoint["hash"] = head.second;
  checkpoint["time"] = format_rfc3339(now);
  storage::VaultChanges changes;
  changes.writes[kAuditCheckpointPath] = json::serialize(checkpoint) + "\n";
  auto commit = vault.commit(changes, {"tollgated", ""},
                             fmt::format("Audit log checkpoint: entry {}", head.first));
  if (!commit) return commit.status();
  return commit->created;
}

std::size_t check_audit_log(storage::KvStore& store, const storage::GitVault* vault,
                            std::ostream& out) {
  auto verification = verify_audit_log(store, vault);
  if (!verification) {
    out << "FAULT audit log: cannot be verified: " << verification.status().message() << "\n";
    return 1;
  }
  if (verification->broken) {
    out << fmt::format("FAULT audit log: broken at entry {}: {}\n", verification->broken->sequence,
                       verification->broken->reason);
    return 1;
  }
  out << fmt::format("audit log: {} entries, chain intact, {} vault checkpoints agree\n",
                     verification->entries, verification->checkpoints);
  return 0;
}

}  // namespace tollgate::server
