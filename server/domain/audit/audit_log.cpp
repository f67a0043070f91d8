#include "server/domain/audit/audit_log.hpp"

#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/domain/crypto.hpp"
#include "server/domain/tables/audit_tables.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/signed_document.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;

const std::string kGenesis(64, '0');

thread_local AuditScope* t_current = nullptr;

std::string entry_hash(json::object entry) {
  entry.erase("hash");
  return sha256_hex(canonical_json(entry));
}

// The sequence and hash of the newest entry; {0, genesis} for an empty log.
Result<std::pair<std::uint64_t, std::string>> chain_head(storage::ReadTxn& txn) {
  std::optional<std::pair<std::uint64_t, std::string>> head;
  Status status;
  txn.scan_back(storage::Table::audit_log, tables::AuditLogKey::last().encode(),
                [&](std::string_view key, std::string_view value) {
                  const auto sequence = tables::AuditLogKey::decode(key);
                  boost::system::error_code ec;
                  auto parsed = json::parse(value, ec);
                  const json::string* hash = nullptr;
                  if (!ec && parsed.is_object())
                    if (const auto* h = parsed.as_object().if_contains("hash"); h && h->is_string())
                      hash = &h->get_string();
                  if (hash == nullptr || !sequence)
                    status = Status(Code::corrupt, fmt::format("audit log entry {} is unreadable",
                                                               sequence ? sequence->sequence : 0));
                  else
                    head.emplace(sequence->sequence, std::string(*hash));
                  return false;
                });
  TG_RETURN_IF_ERROR(status);
  if (!head) return std::pair<std::uint64_t, std::string>{0, kGenesis};
  return *head;
}

bool target_matches(std::string_view target, std::string_view wanted) {
  if (!target.starts_with(wanted)) return false;
  return target.size() == wanted.size() || wanted.ends_with('/') || target[wanted.size()] == '/';
}

bool matches(const json::object& entry, const AuditFilterQuery& filter) {
  auto text = [&](const char* key) -> std::string_view {
    const auto* v = entry.if_contains(key);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
  };
  if (filter.actor && text("actor") != *filter.actor) return false;
  if (filter.target && !target_matches(text("target"), *filter.target) &&
      !target_matches(text("resource"), *filter.target))
    return false;
  if (filter.action && text("action").find(*filter.action) == std::string_view::npos) return false;
  if (filter.outcome && text("outcome") != *filter.outcome) return false;
  if (filter.from || filter.to) {
    const Micros time = parse_rfc3339(text("time")).value_or(0);
    if (filter.from && time < *filter.from) return false;
    if (filter.to && time > *filter.to) return false;
  }
  return true;
}

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

AuditScope::AuditScope(AuditRequest request) : request_(std::move(request)), previous_(t_current) {
  t_current = this;
}

AuditScope::~AuditScope() { t_current = previous_; }

AuditScope* AuditScope::current() { return t_current; }

AuditScope::Bind::Bind(AuditScope* scope) : previous_(t_current) { t_current = scope; }

AuditScope::Bind::~Bind() { t_current = previous_; }

void audit_note(std::string resource, std::string summary) {
  AuditScope* scope = AuditScope::current();
  if (scope == nullptr) return;
  scope->request().resource = std::move(resource);
  if (summary.empty()) return;
  if (summary.size() > kMaxAuditSummary) {  // cut at a character boundary, and say so
    std::size_t end = kMaxAuditSummary;
    while (end > 0 && (static_cast<unsigned char>(summary[end]) & 0xC0) == 0x80) --end;
    summary.resize(end);
    summary += "...";
  }
  scope->request().summary = std::move(summary);
}

std::string audit_field_list(const boost::json::object& changes) {
  std::string out;
  for (const auto& kv : changes) {
    if (!out.empty()) out += ", ";
    out += kv.key();
  }
  return out;
}

Status append_audit_entry(storage::WriteTxn& txn, const AuditRequest& request,
                          const AuditOutcome& outcome, Micros time) {
  TG_ASSIGN_OR_RETURN(auto head, chain_head(txn));
  json::object entry;
  entry["sequence"] = head.first + 1;
  entry["time"] = format_rfc3339(time);
  entry["actor"] = request.actor;
  entry["action"] = request.action;
  entry["target"] = request.target;
  entry["resource"] = request.resource.empty() ? request.target : request.resource;
  if (!request.summary.empty()) entry["summary"] = request.summary;
  entry["request_id"] = request.request_id;
  entry["outcome"] = outcome.outcome;
  if (outcome.status != 0) entry["status"] = outcome.status;
  if (!outcome.problem.empty()) entry["problem"] = outcome.problem;
  entry["prev"] = head.second;
  entry["hash"] = entry_hash(entry);
  tables::kAuditLog.put(txn, {head.first + 1}, json::serialize(entry));
  return Status();
}

Status AuditingStore::read(const std::function<Status(storage::ReadTxn&)>& fn) {
  return inner_.read(fn);
}

Status AuditingStore::write(const std::function<Status(storage::WriteTxn&)>& fn) {
  AuditScope* scope = AuditScope::current();
  if (scope == nullptr || scope->recorded()) return inner_.write(fn);
  // The time is fixed before the write: fn may run more than once. fn runs on the store's
  // writer thread while this one waits; bound there, it names the request's resource.
  const Micros time = clock_.now();
  Status status = inner_.write([&](storage::WriteTxn& txn) -> Status {
    AuditScope::Bind bind(scope);
    TG_RETURN_IF_ERROR(fn(txn));
    return append_audit_entry(txn, scope->request(), {"committed", 0, {}}, time);
  });
  if (status.ok()) scope->set_recorded();
  return status;
}

Status AuditingStore::record_uncommitted(const AuditRequest& request, const AuditOutcome& outcome) {
  const Micros time = clock_.now();
  return inner_.write(
      [&](storage::WriteTxn& txn) { return append_audit_entry(txn, request, outcome, time); });
}

Result<Page<json::object>> list_audit_entries(storage::ReadTxn& txn, const AuditFilterQuery& filter,
                                              const PageRequest& page) {
  Page<json::object> out;
  Status status;
  std::string from = page.after.empty() ? std::string() : tables::key_after(page.after);
  txn.scan(storage::Table::audit_log, from, [&](std::string_view key, std::string_view value) {
    boost::system::error_code ec;
    auto parsed = json::parse(value, ec);
    if (ec || !parsed.is_object()) {
      const auto sequence = tables::AuditLogKey::decode(key);
      status = Status(Code::corrupt, fmt::format("audit log entry {} is unreadable",
                                                 sequence ? sequence->sequence : 0));
      return false;
    }
    if (!matches(parsed.as_object(), filter)) return true;
    if (out.items.size() == page.limit) {
      out.next_after =
          tables::AuditLogKey{
              static_cast<std::uint64_t>(out.items.back().at("sequence").to_number<std::int64_t>())}
              .encode();
      return false;
    }
    out.items.push_back(std::move(parsed.as_object()));
    return true;
  });
  TG_RETURN_IF_ERROR(status);
  return out;
}

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
