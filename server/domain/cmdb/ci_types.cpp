#include "server/domain/cmdb/ci_types.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audit_log.hpp"

namespace tollgate::server {

using storage::Table;

Result<CiType> CiTypeService::create(CiType type, const Principal& actor) {
  type.created_by = actor.name;
  audit_note("/api/v1/ci-types/" + type.name, fmt::format("defined CI type {}", type.name));
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) {
    if (txn.get(Table::ci_types, type.name))
      return conflict(fmt::format("CI type '{}' already exists", type.name));
    type.created_at = clock_.now();
    txn.put(Table::ci_types, type.name, boost::json::serialize(type.to_json()));
    return Status();
  }));
  return type;
}

Result<CiType> CiTypeService::get(const std::string& name) {
  Result<CiType> out = not_found(fmt::format("no CI type '{}'", name));
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    if (auto stored = txn.get(Table::ci_types, name)) out = CiType::from_json(*stored);
    return Status();
  }));
  return out;
}

Result<Page<CiType>> CiTypeService::list(const PageRequest& page) {
  Page<CiType> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::ci_types, page.after, [&](std::string_view key, std::string_view value) {
      if (key == page.after) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().name;
        return false;
      }
      auto type = CiType::from_json(value);
      if (!type) {
        failure = type.status();
        return false;
      }
      out.items.push_back(std::move(type).value());
      return true;
    });
    return failure;
  }));
  return out;
}

}  // namespace tollgate::server
