#include "server/domain/audit/audit_log.hpp"

#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/domain/audit/audit_log_detail.hpp"
#include "server/domain/crypto.hpp"
#include "server/domain/tables/audit_tables.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/signed_document.hpp"

namespace tollgate::server {

namespace json = boost::json;
using audit_log_detail::chain_head;
using audit_log_detail::entry_hash;

std::string audit_log_detail::entry_hash(json::object entry) {
  entry.erase("hash");
  return sha256_hex(canonical_json(entry));
}

// The sequence and hash of the newest entry; {0, genesis} for an empty log.
Result<std::pair<std::uint64_t, std::string>> audit_log_detail::chain_head(storage::ReadTxn& txn) {
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

namespace {

thread_local AuditScope* t_current = nullptr;

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

}  // namespace tollgate::server
