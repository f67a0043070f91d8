// The routes of audit: baselines, reports, configuration audits and the audit log.
#include "server/http/handlers/handlers.hpp"
#include "server/http/route_table_detail.hpp"

namespace tollgate::server::route_table_detail {

using namespace handlers;  // NOLINT(google-build-using-namespace): the route table reads better

std::vector<Route> audit_routes() {
  return {
      {"GET", "/api/v1/baselines", Allow::any_role(), list_baselines,
       "List baselines (environment, from, to, limit, cursor); with environment= and at= the "
       "signed baseline in force then",
       RouteDoc::ok("BaselinePage", "Baselines, oldest first")
           .also({200, "SignedBaseline", "With at=: the signed baseline in force then"})
           .paged()
           .query(
               {{"environment", "string", "Only baselines that record this environment"},
                {"from", "date", "Recorded on or after this day"},
                {"to", "date", "Recorded on or before this day"},
                {"at", "string",
                 "An RFC 3339 time or a day: answer the baseline of environment= in force then"}})
           .problems({"no-baseline", "unknown-environment"})},
      {"POST", "/api/v1/baselines", kBaselineWrite, create_baseline,
       "Record a signed, immutable baseline (admin, change_manager, release_manager, auditor)",
       RouteDoc::answers({.status = 201,
                          .schema = "BaselineRecord",
                          .description = "Recorded, committed and tagged in the vault",
                          .headers = {"Location"}})
           .json_body("BaselineCreate")
           .problems({"invalid-baseline-name", "reserved-baseline-name", "unknown-ci",
                      "unknown-environment", "baseline-exists", "vault-busy"})},
      {"GET", "/api/v1/baselines/{name}", Allow::any_role(), get_baseline,
       "A baseline's signed document (commit and tag in X-Tollgate-Commit, X-Tollgate-Tag)",
       RouteDoc::answers(
           {.status = 200,
            .schema = "SignedBaseline",
            .description = "The signed document",
            .headers = {"X-Tollgate-Baseline", "X-Tollgate-Commit", "X-Tollgate-Tag"}})
           .problems({"unknown-baseline"})},
      {"GET", "/api/v1/baselines/{a}/diff/{b}", Allow::any_role(), baseline_diff,
       "CIs and artifacts changed between two baselines (b may be `current`)",
       RouteDoc::ok("BaselineDiff").problems({"unknown-baseline"})},
      {"GET", "/api/v1/reports/kpis", Allow::any_role(), get_kpis,
       "Release KPIs of the plan's section 9.1 (from, to; by creation date)",
       RouteDoc::ok("Kpis")
           .query({{"from", "date", "First creation day counted"},
                   {"to", "date", "Last creation day counted"}})
           .problems({"invalid"})},
      {"GET", "/api/v1/reports/csa", Allow::any_role(), get_csa,
       "Configuration status accounting (type, status, owner, environment, limit, cursor; JSON "
       "or text/csv)",
       RouteDoc::answers({.status = 200,
                          .schema = "Csa",
                          .description = "The report as JSON: counts over every match, one page "
                                         "of CIs",
                          .headers = {"Vary"}})
           .also({.status = 200,
                  .schema = nullptr,
                  .description = "One row per status period of one page of CIs",
                  .media = "text/csv",
                  .headers = {"Vary", "Link"}})
           .paged()
           .query({{"type", "string", "Only CIs of this type"},
                   {"status", "CiStatus", "Only CIs in this status now"},
                   {"owner", "string", "Only CIs of this owner"},
                   {"environment", "string", "Only CIs deployed there now"}})
           .problems({"invalid", "not-acceptable", "unknown-environment"})},
      {"GET", "/api/v1/audits", Allow::any_role(), list_audits,
       "Stored configuration audit results (kind, environment, host, release, limit, cursor)",
       RouteDoc::ok("AuditResultPage")
           .paged()
           .query({{"kind", "AuditKind", "Only this kind of audit"},
                   {"environment", "string", "pca: its environment; fca: among those checked"},
                   {"host", "string", "Only PCAs of this host"},
                   {"release", "string", "Only FCAs of this release"}})},
      {"POST", "/api/v1/audits/fca", kFca, run_fca_audit,
       "Run and store a functional configuration audit of a release (auditor, admin, "
       "change_manager)",
       RouteDoc::answers({.status = 201,
                          .schema = "AuditResult",
                          .description = "Stored (passed or not)",
                          .headers = {"Location"}})
           .json_body("FcaInput")
           .problems({"not-found"})},
      {"GET", "/api/v1/audits/{id}", Allow::any_role(), get_audit, "A stored audit result",
       RouteDoc::ok("AuditResult").problems({"not-found"})},
      {"POST", "/api/v1/audits/pca", kPca, run_pca_audit,
       "Run and store a physical configuration audit of a host: JSON {environment, host, files} "
       "(environment and host before files) or NDJSON {path, sha256, size} per line with "
       "?environment=&host= (list_ok; auditor, admin, release_manager, build_agent)",
       RouteDoc::answers({.status = 201,
                          .schema = "AuditResult",
                          .description = "Stored (passed or not)",
                          .headers = {"Location"}})
           .body({{{"application/json", "PcaInventory"}, {"application/x-ndjson", nullptr}},
                  true,
                  "The host's inventory, streamed: JSON, or one InventoryFile object per line"})
           .query({{"environment", "string", "The environment (required with NDJSON)"},
                   {"host", "string", "The audited host (required with NDJSON)"},
                   {"list_ok", "boolean", "true: list the files that matched (ok_files)"}})
           .problems({"invalid", "invalid-host", "invalid-inventory", "invalid-digest",
                      "invalid-path", "duplicate-path", "inventory-too-large",
                      "environment-forbidden", "unknown-environment", "no-manifest",
                      "unsupported-media"}),
       BodyKind::stream},
      {"GET", "/api/v1/audit-log", kAudit, list_audit_log,
       "Audit log entries (actor, target, action, outcome, from, to, limit, cursor)",
       RouteDoc::ok("AuditLogPage")
           .paged()
           .query({{"actor", "string", "Only this actor's entries"},
                   {"target", "string", "Only entries of this target path"},
                   {"action", "string", "Only this action, e.g. POST /api/v1/cis"},
                   {"outcome", "string", "committed, ok, refused or failed"},
                   {"from", "string", "From this RFC 3339 time or day"},
                   {"to", "string", "Up to this RFC 3339 time or day"}})
           .problems({"invalid"})},
      {"GET", "/api/v1/audit-log/verify", kAudit, verify_audit_log_route,
       "Walk the audit log's hash chain and the vault's checkpoints; name the first broken entry",
       RouteDoc::ok("AuditVerification")},
  };
}

}  // namespace tollgate::server::route_table_detail
