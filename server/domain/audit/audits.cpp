#include "server/domain/audit/audits.hpp"

#include "server/domain/audit/audit_log.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/record_fields.hpp"
#include "server/domain/tables/audit_tables.hpp"
#include "server/domain/tables/meta_table.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

using namespace record_fields;

Result<json::object> parse_record(std::string_view stored) {
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored audit result is not JSON");
  return std::move(v.get_object());
}

bool matches(const json::object& record, const AuditFilter& filter) {
  if (filter.kind && str(record, "kind") != *filter.kind) return false;
  if (filter.host && str(record, "host") != *filter.host) return false;
  if (filter.release && str(record, "release") != *filter.release) return false;
  if (filter.environment) {
    if (str(record, "environment") == *filter.environment) return true;
    const auto checked = strings(record, "environments");
    return std::find(checked.begin(), checked.end(), *filter.environment) != checked.end();
  }
  return true;
}

}  // namespace

Result<json::object> put_audit_result(storage::WriteTxn& txn, json::object record,
                                      std::string_view created_by, Micros created_at) {
  const json::value* kind = record.if_contains("kind");
  const json::value* passed = record.if_contains("passed");
  if (!kind || !kind->is_string() || !passed || !passed->is_bool())
    return invalid("an audit result needs a string \"kind\" and a boolean \"passed\"");
  std::uint64_t seq = tables::get_be64_counter(txn, tables::kMetaAuditCounter);
  // Never reuse an id, even if the counter was lost.
  do ++seq;
  while (tables::kAudits.get(txn, {seq}));
  tables::put_be64_counter(txn, tables::kMetaAuditCounter, seq);
  // What the audit says, read before the record grows (an insertion may move its values).
  const std::string id = tables::AuditKey{seq}.id();
  std::string summary = fmt::format("{} {}", std::string_view(kind->get_string()), id);
  for (const char* key : {"release", "environment", "host"})
    if (const auto* v = record.if_contains(key); v && v->is_string())
      summary += fmt::format(" {} {}", key, std::string_view(v->get_string()));
  summary += passed->get_bool() ? ": passed" : ": failed";
  audit_note("/api/v1/audits/" + id, std::move(summary));
  record["id"] = id;
  record["created_at"] = format_rfc3339(created_at);
  record["created_by"] = created_by;
  tables::kAudits.put(txn, {seq}, json::serialize(record));
  return record;
}

Result<Page<json::object>> list_audit_results(storage::ReadTxn& txn, const AuditFilter& filter,
                                              const PageRequest& page) {
  Page<json::object> out;
  Status failure;
  std::string last_key;
  txn.scan(Table::audits, page.after, [&](std::string_view key, std::string_view value) {
    if (key == page.after) return true;
    auto record = parse_record(value);
    if (!record) {
      failure = record.status();
      return false;
    }
    if (!matches(*record, filter)) return true;
    if (out.items.size() == page.limit) {
      out.next_after = last_key;
      return false;
    }
    out.items.push_back(std::move(record).value());
    last_key = std::string(key);
    return true;
  });
  if (!failure.ok()) return failure;
  return out;
}

Result<json::object> get_audit_result(storage::ReadTxn& txn, std::string_view id) {
  auto key = tables::AuditKey::from_id(id);
  std::optional<std::string_view> stored;
  if (key) stored = tables::kAudits.get(txn, *key);
  if (!stored) return not_found(fmt::format("no audit result '{}'", id));
  return parse_record(*stored);
}

Result<Page<json::object>> read_audit_results(storage::KvStore& store, const AuditFilter& filter,
                                              const PageRequest& page) {
  Result<Page<json::object>> out = Page<json::object>{};
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) {
    out = list_audit_results(txn, filter, page);
    return out.status();
  }));
  return out;
}

Result<json::object> read_audit_result(storage::KvStore& store, std::string_view id) {
  Result<json::object> out = json::object{};
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) {
    out = get_audit_result(txn, id);
    return out.status();
  }));
  return out;
}

}  // namespace tollgate::server
