// Stored results of configuration audits: functional (FCA, server/fca.*) and physical (PCA,
// server/pca.*). Each result is one JSON record in Table::audits under tables::AuditKey{N}
// (tables/audit_tables.hpp), with the id "audit-N" (N from the meta counter "audit_seq", so ids
// follow the order results were stored).
//
// A record has at least: id, kind ("fca" | "pca"), passed (bool), created_at (Micros),
// created_by (token name), and per kind: release (fca), environment and host (pca; fca lists the
// environments it checked), a summary object and the findings array.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/pagination.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

struct AuditFilter {
  std::optional<std::string> kind;         // "fca" or "pca"
  std::optional<std::string> environment;  // pca: its environment; fca: among those checked
  std::optional<std::string> host;         // pca only
  std::optional<std::string> release;      // fca only
};

// Stores `record` in the caller's write transaction: assigns the next id and adds "id",
// "created_at" and "created_by" to it. Returns the stored record. Errors: invalid when the
// record has no "kind" or "passed".
Result<boost::json::object> put_audit_result(storage::WriteTxn& txn, boost::json::object record,
                                             std::string_view created_by, Micros created_at);

// The results matching `filter`, oldest first, one page at a time.
Result<Page<boost::json::object>> list_audit_results(storage::ReadTxn& txn,
                                                     const AuditFilter& filter,
                                                     const PageRequest& page);

// One result by id ("audit-N"). Errors: not_found.
Result<boost::json::object> get_audit_result(storage::ReadTxn& txn, std::string_view id);

// GET /api/v1/audits: list_audit_results in a snapshot of its own. Errors: corrupt, io.
Result<Page<boost::json::object>> read_audit_results(storage::KvStore& store,
                                                     const AuditFilter& filter,
                                                     const PageRequest& page);
// GET /api/v1/audits/{id}: get_audit_result in a snapshot of its own. Errors: not_found,
// corrupt, io.
Result<boost::json::object> read_audit_result(storage::KvStore& store, std::string_view id);

}  // namespace tollgate::server
