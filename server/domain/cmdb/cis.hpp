// Configuration items: creation, reads (now or as of an instant), filtered lists, optimistic
// updates, and the per-CI history that configuration status accounting reads.
//
// Every change writes, in the same transaction, a history entry with the revision, actor,
// time, RFC reference, each changed field old -> new, and a snapshot of the CI after the
// change (which is what `as_of` reads). CIs are never erased.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "storage/kv_store.hpp"

namespace tollgate::server {

struct CiFilter {
  std::optional<std::string> type;
  std::optional<CiStatus> status;
  std::string q;  // case-insensitive substring of id or name
};

// POST /api/v1/cis, parsed: the id, type and name are required; owner, status (default ordered),
// controlled (default false) and attributes (checked against the type's schema) are optional.
struct CreateCi {
  std::string id;
  std::string type;
  std::string name;
  std::string owner;
  CiStatus status = CiStatus::ordered;
  bool controlled = false;
  boost::json::object attributes;
};

// PATCH /api/v1/cis/{id}, parsed: each member present in the request is set; absent ones stay.
// An owner of "" clears it (null in the request). In `attributes`, a null value removes one.
struct CiPatch {
  std::optional<std::string> name;
  std::optional<std::string> owner;
  std::optional<CiStatus> status;
  std::optional<bool> controlled;
  std::optional<boost::json::object> attributes;
  std::optional<std::string> rfc;  // authorises the change of a controlled CI
};

// What If-Match asked for: a revision, or any ("*").
struct ExpectedRevision {
  std::optional<std::uint64_t> revision;  // nullopt = any
};

class CiService {
 public:
  CiService(storage::KvStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // POST /api/v1/cis. Errors: invalid (unknown type, attributes), conflict (id taken).
  Result<Ci> create(CreateCi command, const Principal& actor);

  // The CI now, or as it was at `as_of`. Errors: not_found (also when it did not exist yet).
  Result<Ci> get(const std::string& id, std::optional<Micros> as_of = std::nullopt);

  Result<Page<Ci>> list(const CiFilter& filter, const PageRequest& page);

  // PATCH /api/v1/cis/{id}: any of name, owner, status, controlled, attributes (merged; null
  // removes one), rfc. A patch that changes nothing returns the CI unchanged. Errors: invalid
  // (attributes),
  // not_found, precondition_failed (stale revision), conflict (illegal status transition, or
  // the CI is disposed; or configuration control: the CI was controlled before the change and
  // "rfc" does not name an approved RFC that lists it, with reason rfc-required, rfc-unknown,
  // rfc-not-approved or rfc-does-not-name-ci; checked in the change's own transaction).
  Result<Ci> patch(const std::string& id, const CiPatch& patch, const ExpectedRevision& expected,
                   const Principal& actor);

  // History entries in revision order (without snapshots). Errors: not_found.
  Result<Page<boost::json::object>> history(const std::string& id, const PageRequest& page);

 private:
  storage::KvStore& store_;
  const Clock& clock_;
};

// Configuration control of a change to CI `ci`, which is controlled: `rfc` must name an RFC that
// is approved or implemented and names the CI. Errors: conflict with reason rfc-required,
// rfc-unknown, rfc-not-approved or rfc-does-not-name-ci.
Status check_change_control(storage::ReadTxn& txn, const std::string& ci,
                            const std::optional<std::string>& rfc);

// A relationship of CI `id` ("depends_on payments" / "ledger depends_on") was added or removed.
// When the CI is controlled, checks configuration control and records the change as a new
// revision in its history; an uncontrolled CI is left as it is. Errors: not_found, those of
// check_change_control.
Status record_relationship_change(storage::WriteTxn& txn, const std::string& id,
                                  const std::string& relationship, bool added,
                                  const std::optional<std::string>& rfc, const Principal& actor,
                                  Micros now);

}  // namespace tollgate::server
