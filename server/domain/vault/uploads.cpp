#include "server/domain/vault/uploads.hpp"

#include "server/domain/audit/audit_log.hpp"

#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/crypto.hpp"
#include "tollgate/encoding.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

constexpr std::size_t kChunk = 1024 * 1024;

Status unknown_session(std::string_view id) {
  return not_found(fmt::format("no upload session '{}' (unknown, finished or expired)", id));
}

}  // namespace

struct UploadService::Record {
  std::string created_by;
  Micros created_at = 0;
  Micros updated_at = 0;

  std::string to_json(const std::string& id) const {
    json::object o;
    o["id"] = id;
    o["created_by"] = created_by;
    o["created_at"] = format_rfc3339(created_at);
    o["updated_at"] = format_rfc3339(updated_at);
    return json::serialize(o);
  }

  static Result<Record> from_json(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return Status(Code::corrupt, "an upload record is not JSON");
    const auto& o = v.as_object();
    Record r;
    const auto* by = o.if_contains("created_by");
    const auto* created = o.if_contains("created_at");
    const auto* updated = o.if_contains("updated_at");
    if (!by || !by->is_string() || !created || !created->is_string() || !updated ||
        !updated->is_string())
      return Status(Code::corrupt, "an upload record lacks its fields");
    r.created_by = std::string(by->as_string());
    auto c = parse_rfc3339(created->as_string());
    auto u = parse_rfc3339(updated->as_string());
    if (!c || !u) return Status(Code::corrupt, "an upload record has bad times");
    r.created_at = *c;
    r.updated_at = *u;
    return r;
  }
};

json::object UploadState::to_json() const {
  json::object o;
  o["id"] = id;
  o["offset"] = offset;
  o["expires_at"] = format_rfc3339(expires_at);
  o["created_by"] = created_by;
  o["created_at"] = format_rfc3339(created_at);
  return o;
}

UploadService::UploadService(storage::KvStore& store, storage::BlobStore& blobs,
                             ArtifactService& artifacts, const Clock& clock,
                             const UploadLimits& limits, Metrics& metrics)
    : store_(store),
      blobs_(blobs),
      artifacts_(artifacts),
      clock_(clock),
      limits_(limits),
      metrics_(metrics),
      ledger_(limits) {}

Status UploadService::load_ledger() {
  if (ledger_loaded_.load(std::memory_order_acquire)) return {};
  std::lock_guard load_lock(load_mu_);
  if (ledger_loaded_.load(std::memory_order_relaxed)) return {};
  std::vector<std::pair<std::string, Record>> records;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(Table::uploads, "", [&](std::string_view key, std::string_view value) {
      if (auto record = Record::from_json(value))
        records.emplace_back(std::string(key), std::move(record).value());
      return true;
    });
    return {};
  }));
  for (const auto& [id, record] : records) {
    auto stat = blobs_.stat_upload(id);
    const std::uint64_t bytes = stat ? stat->size : 0;
    std::lock_guard lock(mu_);
    ledger_.restore(id, record.created_by, bytes,
                    limits_.expires_at(record.created_at, record.updated_at));
  }
  ledger_loaded_.store(true, std::memory_order_release);
  return {};
}

Status UploadService::counted(Status st) {
  const std::string& reason = st.reason();
  if (reason == kUploadSessionsPerUserReason)
    metrics_.upload_refused(UploadLimit::sessions_per_user);
  else if (reason == kUploadSessionsFullReason)
    metrics_.upload_refused(UploadLimit::sessions);
  else if (reason == kUploadBytesPerUserReason)
    metrics_.upload_refused(UploadLimit::bytes_per_user);
  else if (reason == kUploadBytesFullReason)
    metrics_.upload_refused(UploadLimit::bytes);
  return st;
}

Result<UploadState> UploadService::create(const Principal& actor) {
  TG_RETURN_IF_ERROR(load_ledger());
  const std::string id = to_hex(random_bytes(16));
  const Micros now = clock_.now();
  const Micros expires_at = limits_.expires_at(now, now);
  {
    std::lock_guard lock(mu_);
    TG_RETURN_IF_ERROR(counted(ledger_.open(id, actor.name, expires_at, now)));
  }
  auto abandon = [&](Status st) -> Status {
    std::lock_guard lock(mu_);
    ledger_.close(id);
    return st;
  };
  auto upload = blobs_.begin_upload(id);
  if (!upload) return abandon(upload.status());
  // The session file exists durably before its record.
  if (Status synced = (*upload)->sync(); !synced.ok()) return abandon(synced);
  const Record record{actor.name, now, now};
  audit_note("/api/v1/uploads/" + id, "started upload " + id);
  Status written = store_.write([&](storage::WriteTxn& txn) -> Status {
    txn.put(Table::uploads, id, record.to_json(id));
    return {};
  });
  if (!written.ok()) {
    (void)(*upload)->abort();
    return abandon(written);
  }
  checkin(id, std::move(upload).value());
  return UploadState{id, 0, expires_at, actor.name, now};
}

Result<std::unique_ptr<storage::BlobUpload>> UploadService::checkout(std::string_view id,
                                                                     const Principal& actor,
                                                                     UploadState& state) {
  if (!storage::is_upload_session_id(id)) return unknown_session(id);
  {
    std::lock_guard lock(mu_);
    if (busy_.contains(id))
      return conflict(fmt::format("upload session '{}' is busy with another request", id));
    busy_.emplace(std::string(id), true);
  }
  const std::string key(id);
  auto release = [&](Status st) -> Status {
    std::lock_guard lock(mu_);
    busy_.erase(key);
    return st;
  };
  auto record = load(key, actor);
  if (!record) return release(record.status());

  std::unique_ptr<storage::BlobUpload> upload;
  {
    std::lock_guard lock(mu_);
    if (auto it = open_.find(id); it != open_.end()) {
      upload = std::move(it->second);
      open_.erase(it);
    }
  }
  if (!upload) {
    auto reopened = blobs_.open_upload(id);
    if (!reopened) {
      if (reopened.status().code() == Code::not_found) {
        (void)forget(key);
        return release(unknown_session(id));
      }
      return release(reopened.status());
    }
    upload = std::move(reopened).value();
  }
  state.id = key;
  state.offset = upload->size();
  state.created_by = record->created_by;
  state.created_at = record->created_at;
  state.expires_at = limits_.expires_at(record->created_at, record->updated_at);
  return upload;
}

Result<UploadService::Record> UploadService::load(const std::string& id, const Principal& actor) {
  std::string value;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    auto v = txn.get(Table::uploads, id);
    if (!v) return unknown_session(id);
    value = std::string(*v);
    return {};
  }));
  TG_ASSIGN_OR_RETURN(Record record, Record::from_json(value));
  if (limits_.expires_at(record.created_at, record.updated_at) < clock_.now())
    return unknown_session(id);
  if (record.created_by != actor.name && !actor.has(Role::admin))
    return forbidden(fmt::format("upload session '{}' belongs to '{}'", id, record.created_by));
  return record;
}

void UploadService::checkin(const std::string& id, std::unique_ptr<storage::BlobUpload> upload) {
  std::unique_ptr<storage::BlobUpload> evicted;  // closed outside the lock
  std::lock_guard lock(mu_);
  busy_.erase(id);
  if (!upload) return;
  if (open_.size() >= kMaxOpenUploadFiles) {
    evicted = std::move(open_.begin()->second);
    open_.erase(open_.begin());
  }
  open_[id] = std::move(upload);
}

Status UploadService::touch(const std::string& id, Micros now) {
  return store_.write([&](storage::WriteTxn& txn) -> Status {
    auto v = txn.get(Table::uploads, id);
    if (!v) return unknown_session(id);
    TG_ASSIGN_OR_RETURN(Record record, Record::from_json(*v));
    record.updated_at = now;
    txn.put(Table::uploads, id, record.to_json(id));
    return {};
  });
}

Status UploadService::forget(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    ledger_.close(id);
  }
  return store_.write([&](storage::WriteTxn& txn) -> Status {
    txn.erase(Table::uploads, id);
    return {};
  });
}

Result<UploadState> UploadService::status(std::string_view id, const Principal& actor) {
  if (!storage::is_upload_session_id(id)) return unknown_session(id);
  const std::string key(id);
  TG_ASSIGN_OR_RETURN(Record record, load(key, actor));
  UploadState state{key, 0, limits_.expires_at(record.created_at, record.updated_at),
                    record.created_by, record.created_at};
  {
    std::lock_guard lock(mu_);
    if (auto it = open_.find(id); it != open_.end()) state.offset = it->second->size();
  }
  if (state.offset == 0) {  // not open here (or empty): ask the blob store, without opening it
    auto stat = blobs_.stat_upload(id);
    if (!stat) return stat.status().code() == Code::not_found ? unknown_session(id) : stat.status();
    state.offset = stat->size;
  }
  return state;
}

Result<UploadState> UploadService::append(std::string_view id, std::optional<std::uint64_t> first,
                                          BodyReader& body, const Principal& actor) {
  TG_RETURN_IF_ERROR(load_ledger());
  UploadState state;
  TG_ASSIGN_OR_RETURN(auto upload, checkout(id, actor, state));
  if (first && *first != state.offset) {
    checkin(state.id, std::move(upload));
    return invalid(fmt::format("the chunk starts at byte {} but upload session '{}' holds {} "
                               "bytes: continue at {}",
                               *first, id, state.offset, state.offset))
        .with_reason(kRangeMismatchReason)
        .with_members({{"offset", state.offset}});
  }
  BodyBuffer buffer(body, kChunk);
  Status body_error;
  for (;;) {
    auto n = body.read(buffer.span());
    if (!n) {
      body_error = n.status();
      break;
    }
    if (*n == 0) break;
    if (upload->size() + *n > limits_.max_size) {
      body_error = Status(Code::too_large, fmt::format("upload session '{}' would exceed {} bytes",
                                                       id, limits_.max_size));
      break;
    }
    {
      std::lock_guard lock(mu_);
      body_error = counted(ledger_.grow(state.id, *n, clock_.now()));
    }
    if (!body_error.ok()) break;
    if (Status st = upload->write(std::string_view(buffer.data(), *n)); !st.ok()) {
      // A failed write ends the upload and discards its bytes: the session is gone.
      (void)forget(state.id);
      checkin(state.id, nullptr);
      return st;
    }
  }
  // Whatever arrived is kept, durably, so that the client can continue right after it.
  if (Status st = upload->sync(); !st.ok()) {
    (void)forget(state.id);
    checkin(state.id, nullptr);
    return st;
  }
  const Micros now = clock_.now();
  Status touched = touch(state.id, now);
  state.offset = upload->size();
  state.expires_at = limits_.expires_at(state.created_at, now);
  {
    std::lock_guard lock(mu_);
    ledger_.renew(state.id, state.expires_at);
  }
  checkin(state.id, std::move(upload));
  TG_RETURN_IF_ERROR(body_error);
  TG_RETURN_IF_ERROR(touched);
  return state;
}

Result<PutResult> UploadService::complete(std::string_view id, const Coordinate& at,
                                          std::string_view digest, BodyReader& body,
                                          const ArtifactMeta& meta, const Principal& actor) {
  TG_RETURN_IF_ERROR(artifacts_.precheck(at, digest).status());
  TG_ASSIGN_OR_RETURN(UploadState appended, append(id, std::nullopt, body, actor));
  UploadState state;
  TG_ASSIGN_OR_RETURN(auto upload, checkout(appended.id, actor, state));
  auto blob = upload->finish(digest);
  // The session is over whatever the outcome: finish ends the upload.
  Status forgotten = forget(state.id);
  checkin(state.id, nullptr);
  if (!blob) return blob.status();
  TG_RETURN_IF_ERROR(forgotten);
  return artifacts_.record(at, *blob, meta, actor);
}

Status UploadService::cancel(std::string_view id, const Principal& actor) {
  // Loaded first: a load running meanwhile would count again the session closed here.
  TG_RETURN_IF_ERROR(load_ledger());
  UploadState state;
  TG_ASSIGN_OR_RETURN(auto upload, checkout(id, actor, state));
  Status aborted = upload->abort();
  Status forgotten = forget(state.id);
  checkin(state.id, nullptr);
  TG_RETURN_IF_ERROR(aborted);
  return forgotten;
}

Result<std::size_t> UploadService::expire() {
  TG_RETURN_IF_ERROR(load_ledger());  // as cancel: no load may count a session closed here
  const Micros now = clock_.now();
  std::vector<std::string> stale;
  std::map<std::string, bool, std::less<>> recorded;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(Table::uploads, "", [&](std::string_view key, std::string_view value) {
      recorded.emplace(std::string(key), true);
      auto record = Record::from_json(value);
      if (!record || limits_.expires_at(record->created_at, record->updated_at) < now)
        stale.emplace_back(key);
      return true;
    });
    return {};
  }));
  TG_ASSIGN_OR_RETURN(auto sessions, blobs_.list_uploads());
  for (const auto& session : sessions)
    if (!recorded.contains(session.id) && session.modified + limits_.expiry < now)
      stale.push_back(session.id);

  std::size_t removed = 0;
  for (const auto& id : stale) {
    std::unique_ptr<storage::BlobUpload> closing;
    {
      std::lock_guard lock(mu_);
      if (busy_.contains(id)) continue;  // a request is using it right now: not idle
      busy_.emplace(id, true);           // and none may start while it goes
      if (auto it = open_.find(id); it != open_.end()) {
        closing = std::move(it->second);
        open_.erase(it);
      }
    }
    closing.reset();
    Status st = blobs_.remove_upload(id);
    if (st.ok() || st.code() == Code::not_found) st = forget(id);
    checkin(id, nullptr);
    TG_RETURN_IF_ERROR(st);
    ++removed;
  }
  return removed;
}

Result<UploadLedger::Usage> UploadService::usage() {
  TG_RETURN_IF_ERROR(load_ledger());
  std::lock_guard lock(mu_);
  return ledger_.usage({}, clock_.now());
}

}  // namespace tollgate::server
