#include "server/domain/vault/vault_intents.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/record_fields.hpp"
#include "server/domain/tables/meta_table.hpp"
#include "server/domain/vault/vault_busy.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {

namespace json = boost::json;
using namespace record_fields;

namespace {

// Commits older than the oldest intent by more than this are not looked at for its trailer
// (the vault's clock and the service's are the same clock, give or take a second).
constexpr Micros kTrailerSearchSlack = 10 * 60 * kMicrosPerSecond;
// At most this many commits are walked looking for trailers.
constexpr std::size_t kTrailerSearchLimit = 200'000;
constexpr std::size_t kLogChunk = 1'000;
// Where a commit that reported an error is looked for.
constexpr std::size_t kRecentCommits = 16;

json::object author_json(const storage::VaultAuthor& a) {
  return {{"name", a.name}, {"email", a.email}};
}

storage::VaultAuthor author_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_object()) return {};
  return {str(v->get_object(), "name"), str(v->get_object(), "email")};
}

// The message with the intent's trailer: added to a trailer paragraph the message ends with, or
// as a paragraph of its own.
std::string with_trailer(std::string_view message, std::uint64_t id) {
  std::string out(message);
  while (out.ends_with('\n')) out.pop_back();
  const auto gap = out.rfind("\n\n");
  bool trailers = gap != std::string::npos;
  if (trailers) {
    std::string_view rest = std::string_view(out).substr(gap + 2);
    while (trailers && !rest.empty()) {
      const auto end = std::min(rest.find('\n'), rest.size());
      const std::string_view line = rest.substr(0, end);
      const auto colon = line.find(": ");
      trailers =
          colon != std::string_view::npos && colon > 0 &&
          std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-';
          });
      rest.remove_prefix(std::min(end + 1, rest.size()));
    }
  }
  out += trailers ? "\n" : "\n\n";
  out += fmt::format("{}{}", kIntentTrailer, id);
  return out;
}

// The intent a commit message names in its trailer; 0 when none.
std::uint64_t intent_of(std::string_view message) {
  const std::string needle = std::string("\n") + kIntentTrailer;
  const auto at = message.rfind(needle);
  if (at == std::string_view::npos) return 0;
  std::string_view digits = message.substr(at + needle.size());
  digits = digits.substr(0, digits.find('\n'));
  std::uint64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10) return 0;
    id = id * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return id;
}

std::string first_line(std::string_view message) {
  return std::string(message.substr(0, message.find('\n')));
}

void log_line(const std::string& line) {
  fmt::print(stderr, "tollgated: {}\n", line);
  std::fflush(stderr);
}

}  // namespace

json::object VaultIntent::to_json() const {
  json::object paths_json;
  for (const auto& [path, digest] : paths) paths_json[path] = digest;
  json::object o{{"id", id},
                 {"action", action},
                 {"author", author_json(author)},
                 {"paths", std::move(paths_json)},
                 {"recorded", recorded},
                 {"commit", commit},
                 {"created_at", format_rfc3339(created_at)}};
  if (tag)
    o["tag"] = json::object{
        {"name", tag->name}, {"message", tag->message}, {"tagger", author_json(tag->tagger)}};
  return o;
}

Result<VaultIntent> VaultIntent::from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* paths = o ? o->if_contains("paths") : nullptr;
  if (!paths || !paths->is_object() || uint_field(*o, "id") == 0)
    return Status(Code::corrupt, "a stored vault intent is malformed");
  VaultIntent intent;
  intent.id = uint_field(*o, "id");
  intent.action = str(*o, "action");
  intent.author = author_of(*o, "author");
  for (const auto& [path, digest] : paths->get_object())
    if (digest.is_string()) intent.paths[std::string(path)] = std::string(digest.get_string());
  const json::value* recorded = o->if_contains("recorded");
  intent.recorded = recorded && recorded->is_bool() && recorded->get_bool();
  intent.commit = str(*o, "commit");
  intent.created_at = time_field(*o, "created_at");
  if (const json::value* tag = o->if_contains("tag"); tag && tag->is_object())
    intent.tag = IntentTag{str(tag->get_object(), "name"), str(tag->get_object(), "message"),
                           author_of(tag->get_object(), "tagger")};
  return intent;
}

VaultIntents::VaultIntents(storage::KvStore& store, storage::GitVault& vault, const Clock& clock)
    : store_(store), vault_(vault), clock_(clock) {}

Result<storage::CommitInfo> VaultIntents::apply(storage::KvStore& service_store,
                                                const VaultPlan& plan, const RecordFn& record) {
  if (!plan.changes.deletions.empty() || plan.changes.writes.empty())
    return invalid("a change through a vault intent writes files and deletes none");
  VaultIntent intent;
  intent.action = first_line(plan.message);
  intent.author = plan.author;
  for (const auto& [path, content] : plan.changes.writes) intent.paths[path] = sha256_hex(content);
  intent.tag = plan.tag;
  intent.created_at = clock_.now();

  // Step 1: the intent, durable before anything else is written.
  {
    std::lock_guard lock(mutex_);
    TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
      if (plan.reserve) TG_RETURN_IF_ERROR(plan.reserve(txn));
      intent.id = tables::get_be64_counter(txn, tables::kMetaIntentCounter) + 1;
      tables::put_be64_counter(txn, tables::kMetaIntentCounter, intent.id);
      txn.put(storage::Table::intents, storage::be64(intent.id), json::serialize(intent.to_json()));
      return {};
    }));
    in_flight_.insert(intent.id);
  }
  struct Landed {
    VaultIntents& self;
    std::uint64_t id;
    ~Landed() {
      std::lock_guard lock(self.mutex_);
      self.in_flight_.erase(id);
    }
  } landed{*this, intent.id};

  // Step 2: the vault commit, tied to the intent by its trailer.
  auto commit = vault_.commit(plan.changes, plan.author, with_trailer(plan.message, intent.id));
  if (!commit.ok()) {
    // An error may come after the branch moved (a failed fsync of the ref): look.
    Status forgotten;
    if (auto recent = vault_.log(kRecentCommits); recent.ok()) {
      for (const auto& c : *recent)
        if (intent_of(c.message) == intent.id)
          forgotten = revert(intent, c.id, c.parent, commit.status().message());
    } else {
      forgotten = recent.status();
    }
    if (forgotten.ok()) forgotten = forget(intent.id);
    if (!forgotten.ok())
      log_line(fmt::format("vault intent {} ({}) is left for reconciliation: {}", intent.id,
                           intent.action, forgotten.message()));
    return vault_busy(commit.status());
  }

  // Step 3: the change is recorded, and the intent settled, in one transaction.
  intent.recorded = true;
  intent.commit = commit->id;
  const std::string settled = json::serialize(intent.to_json());
  Status recorded = service_store.write([&](storage::WriteTxn& txn) -> Status {
    TG_RETURN_IF_ERROR(record(txn, *commit));
    if (intent.tag)
      txn.put(storage::Table::intents, storage::be64(intent.id), settled);
    else
      txn.erase(storage::Table::intents, storage::be64(intent.id));
    return {};
  });
  if (!recorded.ok()) {
    intent.recorded = false;
    Status undone =
        commit->created ? revert(intent, commit->id, commit->parent, recorded.message()) : Status();
    if (undone.ok()) undone = forget(intent.id);
    if (!undone.ok())
      log_line(
          fmt::format("vault intent {} ({}) was not recorded ({}) and is left for "
                      "reconciliation: {}",
                      intent.id, intent.action, recorded.message(), undone.message()));
    return recorded;
  }

  // Step 4: the tag. The change counts already; a tag that cannot be made now is made by
  // reconcile().
  if (intent.tag) {
    Status tagged = make_tag(intent, commit->id);
    if (tagged.ok()) tagged = forget(intent.id);
    if (!tagged.ok())
      log_line(fmt::format("{} is recorded (commit {}); its tag {} is left for reconciliation: {}",
                           intent.action, commit->id, intent.tag->name, tagged.message()));
  }
  return commit;
}

Status VaultIntents::revert(const VaultIntent& intent, const std::string& commit,
                            const std::string& parent, const std::string& why) {
  const auto plan =
      [&](const std::string& head) -> Result<std::optional<storage::GitVault::PlannedCommit>> {
    storage::VaultChanges undo;
    for (const auto& [path, digest] : intent.paths) {
      auto now = vault_.read(path, head);
      if (!now) {
        if (now.status().code() == Code::not_found) continue;
        return now.status();
      }
      if (sha256_hex(*now) != digest) continue;  // rewritten since: a later change owns it
      auto before =
          parent.empty() ? Result<std::string>(not_found("no parent")) : vault_.read(path, parent);
      if (before.ok()) {
        if (*before != *now) undo.writes[path] = std::move(before).value();
      } else if (before.status().code() == Code::not_found) {
        undo.deletions.push_back(path);
      } else {
        return before.status();
      }
    }
    if (undo.writes.empty() && undo.deletions.empty())
      return std::optional<storage::GitVault::PlannedCommit>();
    return std::optional<storage::GitVault::PlannedCommit>(storage::GitVault::PlannedCommit{
        std::move(undo),
        fmt::format("Revert \"{}\": not recorded ({})\n\nReverts: {}\nTollgate-Intent-Reverted: {}",
                    intent.action, why, commit, intent.id)});
  };
  storage::VaultAuthor author = intent.author;
  if (author.name.empty()) author = {"tollgated", ""};
  return vault_.commit_planned(plan, author).status();
}

Status VaultIntents::make_tag(const VaultIntent& intent, const std::string& commit) {
  const IntentTag& tag = *intent.tag;
  auto made = vault_.tag(tag.name, commit, tag.message, tag.tagger);
  if (made.ok()) return {};
  if (made.status().code() == Code::conflict) {
    auto target = vault_.tag_target(tag.name);
    if (target.ok() && *target == commit) return {};  // made before a crash
  }
  return made.status();
}

Status VaultIntents::forget(std::uint64_t id) {
  return store_.write([&](storage::WriteTxn& txn) -> Status {
    txn.erase(storage::Table::intents, storage::be64(id));
    return {};
  });
}

Result<std::vector<VaultIntent>> VaultIntents::pending(storage::KvStore& store) {
  std::vector<VaultIntent> out;
  Status failure;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(storage::Table::intents, "", [&](std::string_view, std::string_view value) {
      auto intent = VaultIntent::from_json(value);
      if (!intent) {
        failure = intent.status();
        return false;
      }
      out.push_back(std::move(intent).value());
      return true;
    });
    return failure;
  }));
  return out;
}

Result<ReconcileReport> VaultIntents::reconcile() {
  std::lock_guard lock(mutex_);
  return reconcile_locked();
}

Result<ReconcileReport> VaultIntents::reconcile_locked() {
  TG_ASSIGN_OR_RETURN(std::vector<VaultIntent> intents, pending(store_));
  std::erase_if(intents, [&](const VaultIntent& i) { return in_flight_.contains(i.id); });
  ReconcileReport report;
  if (intents.empty()) return report;

  // The commits of unrecorded intents, found by their trailers, newest first from the head back
  // to a little before the oldest such intent.
  std::map<std::uint64_t, storage::VaultCommit> landed;
  std::optional<Micros> oldest;
  for (const VaultIntent& i : intents)
    if (!i.recorded) oldest = std::min(oldest.value_or(i.created_at), i.created_at);
  if (oldest) {
    std::string at;
    std::size_t walked = 0;
    bool done = false;
    while (!done && walked < kTrailerSearchLimit) {
      auto chunk = vault_.log(kLogChunk, at);
      if (!chunk) {
        if (chunk.status().code() == Code::not_found) break;
        return chunk.status();
      }
      for (auto& c : *chunk) {
        ++walked;
        if (c.time + kTrailerSearchSlack < *oldest) {
          done = true;
          break;
        }
        if (const std::uint64_t id = intent_of(c.message); id != 0 && !landed.contains(id))
          landed.emplace(id, std::move(c));
      }
      if (chunk->size() < kLogChunk || chunk->back().parent.empty()) break;
      at = chunk->back().parent;
    }
  }

  for (const VaultIntent& intent : intents) {
    Status done;
    std::string what;
    std::size_t* counter = &report.dropped;
    if (intent.recorded) {
      done = intent.tag ? make_tag(intent, intent.commit) : Status();
      what = intent.tag ? fmt::format("made tag {} on {}", intent.tag->name, intent.commit)
                        : std::string("completed");
      counter = &report.tagged;
    } else if (auto found = landed.find(intent.id); found != landed.end()) {
      done = revert(intent, found->second.id, found->second.parent, "interrupted");
      what = fmt::format("reverted commit {}", found->second.id);
      counter = &report.reverted;
    } else {
      what = "dropped (its commit never landed)";
    }
    if (done.ok()) done = forget(intent.id);
    if (done.ok()) {
      ++*counter;
    } else {
      ++report.left;
      what = fmt::format("left pending: {}", done.message());
    }
    report.lines.push_back(fmt::format("vault intent {} ({}): {}", intent.id, intent.action, what));
  }
  return report;
}

}  // namespace tollgate::server
