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
// The result, stored with put_audit_result (server/audits.hpp):
//   {"kind": "fca", "release", "digest", "passed", "environments": [checked, in order],
//    "summary": {"checks": n (individual checks made), "findings": n,
//                "by_check": {"vdd": n, "rfc": n, "tests": n}},
//    "findings": [...], "id", "created_at", "created_by"}
#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "server/domain/app.hpp"
#include "server/domain/audit/audits.hpp"
#include "server/domain/identity/auth.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// Runs the audit and stores its result in one KvStore::write that also reads the release; an
// audit that finds failures is stored too (passed: false). Returns the stored record.
// Errors: forbidden (reason forbidden-role), invalid (body), not_found (release), corrupt (the
// committed VDD does not parse), io.
Result<boost::json::object> run_fca(App& app, const boost::json::object& body,
                                    const Principal& actor);

// GET /api/v1/audits: stored results of every kind (FCA and PCA), each read in its own snapshot.
// Errors: corrupt, io.
Result<Page<boost::json::object>> read_audit_results(App& app, const AuditFilter& filter,
                                                     const PageRequest& page);
// GET /api/v1/audits/{id}. Errors: not_found, corrupt, io.
Result<boost::json::object> read_audit_result(App& app, std::string_view id);

}  // namespace tollgate::server
