#include "server/domain/audit/pca.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audits.hpp"
#include "server/domain/audit/pca_json_inventory.hpp"

namespace tollgate::server {

namespace json = boost::json;

Status validate_host(std::string_view host) {
  const bool valid = !host.empty() && host.size() <= kMaxHostName &&
                     std::all_of(host.begin(), host.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                     });
  if (valid) return {};
  return invalid(fmt::format("host must be 1 to {} characters of A-Z, a-z, 0-9, '.', '_', '-'",
                             kMaxHostName))
      .with_reason(kInvalidHostReason);
}

Status PcaService::check_request(const PcaRequest& request, const Principal& actor) const {
  TG_RETURN_IF_ERROR(validate_host(request.host));
  TG_RETURN_IF_ERROR(environments_.check_environment(request.environment));
  return check_environment_scope(actor, request.environment);
}

Result<Manifest> PcaService::manifest_for(const PcaRequest& request, const Principal& actor) const {
  TG_RETURN_IF_ERROR(check_request(request, actor));
  std::optional<Manifest> manifest;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    manifest = load_current_manifest(txn, request.environment);
    return Status();
  }));
  if (!manifest)
    return conflict(fmt::format("nothing was deployed to {} yet: there is no manifest to audit "
                                "against",
                                request.environment))
        .with_reason(kNoManifestReason);
  return std::move(*manifest);
}

Result<json::object> PcaService::store_result(PcaComparison& comparison, const PcaRequest& request,
                                              const Principal& actor) const {
  TG_ASSIGN_OR_RETURN(json::object record, comparison.finish());
  record["host"] = request.host;
  const Micros now = clock_.now();
  json::object stored;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(stored, put_audit_result(txn, record, actor.name, now));
    return {};
  }));
  return stored;
}

Result<json::object> PcaService::audit(const PcaRequest& request, BodyReader& inventory,
                                       const Principal& actor) const {
  TG_ASSIGN_OR_RETURN(const Manifest manifest, manifest_for(request, actor));
  PcaComparison comparison(manifest, request.list_ok, request.limits);
  TG_RETURN_IF_ERROR(read_ndjson_inventory(inventory, comparison));
  return store_result(comparison, request, actor);
}

Result<json::object> PcaService::audit_json(const PcaRequest& query, BodyReader& body,
                                            const Principal& actor) const {
  TG_ASSIGN_OR_RETURN(ComparedInventory inventory,
                      read_json_inventory(body, query, [&](const PcaRequest& request) {
                        return manifest_for(request, actor);
                      }));
  return store_result(inventory.comparison, inventory.request, actor);
}

}  // namespace tollgate::server
