// Functional configuration audit (FCA): does a release do what its records say it does?
//
// POST /api/v1/audits/fca {"release"} checks, at the time of the audit:
//   vdd    the release has a committed VDD (releases/<id>/VDD.json in the vault, written by the
//          RRR) and it still describes the release's contents: same digest and items
//          (vdd_matches; the gate summary and RFC states a VDD also carries may move on after
//          the RRR without failing the audit). Findings vdd-missing, vdd-mismatch.
//   rfc    every item's CI is named by an RFC linked to the release that is approved or later.
//          Findings, each with "ci": rfc-missing (the release links no RFC, or a linked RFC does
//          not exist: then also "rfc"), rfc-does-not-name-ci (no linked RFC names the CI),
//          rfc-not-approved (those that name it are not approved or later).
//   tests  every environment the release was promoted into (its promote events) has a tests:<env>
//          gate whose newest record passed for the current digest. Findings, each with
//          "environment": tests-missing, tests-failed, tests-stale.
// Every finding is {"check", "severity": "error", "detail", "ci"?, "environment"?, "rfc"?}.
//
// The result, stored with put_audit_result (server/domain/audit/audits.hpp):
//   {"kind": "fca", "release", "digest", "passed", "environments": [checked, in order],
//    "summary": {"checks": n (individual checks made), "findings": n,
//                "by_check": {"vdd": n, "rfc": n, "tests": n}},
//    "findings": [...], "id", "created_at", "created_by"}
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/audit/audits.hpp"
#include "server/domain/config.hpp"
#include "server/domain/identity/auth.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

// POST /api/v1/audits/fca's body: {"release"}.
struct FcaRequest {
  std::string release;
};

// Runs the audit and stores its result in one KvStore::write that also reads the release; an
// audit that finds failures is stored too (passed: false). Returns the stored record.
// Errors: invalid (an empty release id), not_found (release), corrupt (the committed VDD does
// not parse), io.
Result<boost::json::object> run_fca(storage::KvStore& store, storage::GitVault& vault,
                                    const Config& config, const Clock& clock,
                                    const FcaRequest& request, const Principal& actor);

}  // namespace tollgate::server
