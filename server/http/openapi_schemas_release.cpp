// The schemas of change control, releases, environments, reports and audits (see
// openapi_schemas.hpp).
#include "server/domain/change/rfcs.hpp"
#include "server/http/openapi_schema_builder.hpp"

namespace tollgate::server::schema {

void add_change(json::object& s) {
  s["RfcState"] = one_of(all_names<RfcState>());
  s["RfcImpact"] = input(
      {{"risk", one_of({"low", "medium", "high"})}, {"resources", str()}, {"cycle_time", str()}},
      {"risk"});
  s["Rfc"] = record(
      {{"id", str()},
       {"title", str()},
       {"description", str()},
       {"category", one_of({"standard", "normal", "emergency"})},
       {"cis", strings()},
       {"impact", ref("RfcImpact")},
       {"state", ref("RfcState")},
       {"created_by", str()},
       {"created_at", time()},
       {"submitted_by", nullable(str())},
       {"decided_by", nullable(str())},
       {"updated_at", time()},
       {"events",
        array(record({{"action", str()}, {"actor", str()}, {"time", time()}, {"note", str()}}))},
       {"impact_analysis", map_of(array(ref("ImpactEntry")),
                                  "Per CI, what depends on it (upwards); not in list items")}},
      {"impact_analysis"});
  s["RfcPage"] = page_of("Rfc");
  s["RfcCreate"] = input({{"title", str("1..256 characters")},
                          {"description", str()},
                          {"category", one_of({"standard", "normal", "emergency"})},
                          {"cis", strings("CI ids, at least one")},
                          {"impact", ref("RfcImpact")}},
                         {"title", "cis", "impact"});
  s["RfcPatch"] = input({{"title", str()},
                         {"description", str()},
                         {"category", one_of({"standard", "normal", "emergency"})},
                         {"cis", strings()},
                         {"impact", ref("RfcImpact")},
                         {"note", str()}});
}

void add_release(json::object& s) {
  const std::vector<std::string> types = {"delta", "full", "package"};
  const std::vector<std::string> categories = {"scheduled", "unscheduled", "emergency"};
  s["ReleaseCategory"] = one_of(categories);
  s["ReleaseState"] = one_of({"planned", "in_progress", "deployed", "backed_out", "cancelled"});
  s["ReleaseArtifact"] =
      record({{"file", str()}, {"sha256", sha256()}, {"size", integer()}, {"install_path", str()}});
  s["GateRecord"] = record({{"verdict", one_of({"pass", "fail"})},
                            {"notes", str()},
                            {"digest", str("The release digest the verdict was given for")},
                            {"actor", str()},
                            {"time", time()},
                            {"evidence", nullable(str())},
                            {"date", date("rrr: the implementation date")},
                            {"stale", boolean("Given for another digest")}},
                           {"date"});
  s["GateView"] = record({{"status", one_of({"missing", "passed", "failed", "stale"})},
                          {"latest", nullable(ref("GateRecord"))},
                          {"history", array(ref("GateRecord"))},
                          {"approvers", strings("emergency_approval only")}},
                         {"approvers"});
  s["Release"] = record(
      {{"id", str()},
       {"name", str()},
       {"version", str()},
       {"type", one_of(types)},
       {"category", one_of(categories)},
       {"rfcs", strings()},
       {"packages", strings()},
       {"items", array(record({{"ci", str()},
                               {"version", str()},
                               {"artifacts", array(ref("ReleaseArtifact"))},
                               {"added_by", str()},
                               {"added_at", time()}}))},
       {"documents", array(record({{"kind", str()},
                                   {"name", str()},
                                   {"path", str()},
                                   {"commit", str()},
                                   {"blob", str()},
                                   {"added_by", str()},
                                   {"added_at", time()},
                                   {"media_type", str()}}))},
       {"known_errors", array(record({{"id", str()},
                                      {"summary", str()},
                                      {"workaround", str()},
                                      {"recorded_by", str()},
                                      {"recorded_at", time()},
                                      {"resolved", boolean()},
                                      {"resolution", str()},
                                      {"resolved_by", str()},
                                      {"resolved_at", time()}},
                                     {"resolution", "resolved_by", "resolved_at"}))},
       {"planned", map_of(date(), "Planned date per environment")},
       {"gates", map_of(ref("GateView"), "Every gate by name: trr, tests:<env>, uat, rrr, …")},
       {"environments", array(record({{"environment", str()},
                                      {"action", one_of({"promote", "backout"})},
                                      {"actor", str()},
                                      {"time", time()},
                                      {"manifest_version", integer()}}))},
       {"corrections", array(record({{"action", str()},
                                     {"actor", str()},
                                     {"time", time()},
                                     {"note", str()},
                                     {"changes", map_of({})}}))},
       {"created_by", str()},
       {"created_at", time()},
       {"updated_at", time()},
       {"digest", str("SHA-256 over the release's contents; gates bind to it")},
       {"state", ref("ReleaseState")},
       {"environment", nullable(str("Where the release is now"))}});
  s["ReleasePage"] = page_of("Release");
  s["ReleaseCreate"] =
      input({{"name", str()},
             {"version", str()},
             {"type", one_of(types)},
             {"category", one_of(categories)},
             {"rfcs", strings("RFC ids")},
             {"packages", strings("Delta releases a package bundles (type package only)")},
             {"planned", map_of(date(), "Planned date per configured environment")}},
            {"name", "version", "type", "category"});
  s["ReleasePatch"] = input({{"planned", map_of(nullable(date()), "null unplans")},
                             {"rfcs", strings()},
                             {"note", str()}});
  s["ReleaseItemInput"] =
      input({{"ci", str()},
             {"version", str()},
             {"install_paths", map_of(str(), "Relative install path per file name")}},
            {"ci", "version"});
  s["ReleaseDocumentInput"] = input(
      {{"kind",
        one_of({"build_instructions", "test_plan", "backout_procedure", "release_notes", "other"})},
       {"name", str()},
       {"content", str()},
       {"media_type", str()}},
      {"kind", "name", "content"});
  s["KnownErrorInput"] = input({{"summary", str()}, {"workaround", str()}}, {"summary"});
  s["KnownErrorResolve"] = input({{"resolution", str("1..4096 characters")}}, {"resolution"});
  s["GateInput"] = input({{"verdict", one_of({"pass", "fail"})},
                          {"notes", str()},
                          {"evidence", str("The name of a document of the release")},
                          {"date", date("rrr only: the implementation date")}},
                         {"verdict"});
  s["GateRecorded"] =
      all_of({ref("Release"),
              record({{"conflicts", array(ref("ScheduleConflict"), "rrr only")}}, {"conflicts"})});
  s["EnvironmentInput"] = input({{"environment", str()}}, {"environment"});
  s["Promotion"] = record({{"release", ref("Release")},
                           {"environment", str()},
                           {"manifest_version", integer()},
                           {"manifest", ref("SignedManifest")}});
}

void add_environments(json::object& s) {
  s["ManifestEntry"] = record({{"ci", str()},
                               {"version", str()},
                               {"release", str()},
                               {"artifacts", array(ref("ReleaseArtifact"))}});
  s["SignedManifest"] = record({{"environment", str()},
                                {"version", integer()},
                                {"previous_version", integer()},
                                {"action", str()},
                                {"release", str()},
                                {"created_by", str()},
                                {"created_at", time()},
                                {"expires_at", time()},
                                {"entries", array(ref("ManifestEntry"))},
                                {"signature", ref("Signature")}});
  s["EnvironmentSummary"] = record({{"name", str()},
                                    {"version", integer("Current manifest version; 0: none")},
                                    {"release", nullable(str())},
                                    {"action", nullable(str())},
                                    {"promoted_at", nullable(time())}});
  s["EnvironmentList"] = record({{"items", array(ref("EnvironmentSummary"))},
                                 {"order", strings()},
                                 {"emergency_path", strings()}});
  s["OverduePir"] = record({{"release", str()},
                            {"name", str()},
                            {"version", str()},
                            {"production_at", time()},
                            {"due_at", time()}});
  s["OverduePirPage"] = page_of("OverduePir");
}

void add_reports(json::object& s) {
  s["Vdd"] = record({{"id", str()},
                     {"name", str()},
                     {"version", str()},
                     {"type", str()},
                     {"category", str()},
                     {"digest", str()},
                     {"packages", strings()},
                     {"items", array(map_of({}))},
                     {"rfcs", array(record({{"id", str()}, {"title", str()}, {"state", str()}}))},
                     {"documents", array(map_of({}))},
                     {"known_errors", array(map_of({}))},
                     {"installation", array(map_of({}))},
                     {"backout", array(map_of({}))},
                     {"gates", map_of(map_of({}))}},
                    {}, "Version description document");
  s["ScheduleConflict"] = record(
      {{"releases", strings()}, {"reason", str()}, {"date", date()}, {"dates", array(date())}});
  s["Schedule"] = record({{"from", nullable(date())},
                          {"to", nullable(date())},
                          {"conflict_window_days", integer()},
                          {"items", array(record({{"id", str()},
                                                  {"name", str()},
                                                  {"version", str()},
                                                  {"category", str()},
                                                  {"state", str()},
                                                  {"production_date", nullable(date())},
                                                  {"environments", array(map_of({}))}}))},
                          {"conflicts", array(ref("ScheduleConflict"))},
                          {"next_cursor", nullable(str())}});
  s["Kpis"] = record({{"from", nullable(date())},
                      {"to", nullable(date())},
                      {"counted_by", one_of({"created_at"})},
                      {"releases", integer()},
                      {"by_type", map_of(integer())},
                      {"by_category", map_of(integer())},
                      {"unplanned", map_of({})},
                      {"backed_out", map_of({})},
                      {"delayed", map_of({})},
                      {"lead_time_days", map_of({})},
                      {"gates_first_time", map_of({})},
                      {"overdue_pirs", map_of({})}},
                     {}, "The release KPIs of the plan's section 9.1");
  s["Csa"] = record({{"generated_at", time()},
                     {"filters", map_of(nullable(str()))},
                     {"total", integer()},
                     {"counts", map_of(map_of({}))},
                     {"items", array(map_of({}))},
                     {"next_cursor", nullable(str("Where the next page starts; null: none"))}},
                    {}, "Configuration status accounting");
}

void add_audit(json::object& s) {
  s["BaselineScope"] = map_of({}, R"({"all": true} | {"cis": [ids]} | {"environments": [names]})");
  s["BaselineCreate"] = input({{"name", str("1..100 of [A-Za-z0-9._-], a git tag name")},
                               {"description", str()},
                               {"scope", ref("BaselineScope")}},
                              {"name", "scope"});
  s["BaselineRecord"] = record({{"name", str()},
                                {"created_at", time()},
                                {"created_by", str()},
                                {"scope", ref("BaselineScope")},
                                {"commit", str()},
                                {"tag", str()},
                                {"environments", array(map_of({}))},
                                {"document", ref("SignedBaseline")}});
  s["BaselineSummary"] =
      record({{"name", str()},
              {"description", str()},
              {"created_at", time()},
              {"created_by", str()},
              {"scope", ref("BaselineScope")},
              {"commit", str()},
              {"tag", str()},
              {"environments", array(record({{"environment", str()}, {"version", integer()}}))},
              {"ci_count", integer()}});
  s["BaselinePage"] = page_of("BaselineSummary");
  s["SignedBaseline"] = record({{"kind", one_of({"baseline"})},
                                {"name", str()},
                                {"description", str()},
                                {"created_at", time()},
                                {"created_by", str()},
                                {"scope", ref("BaselineScope")},
                                {"cis", array(ref("Ci"))},
                                {"environments", array(map_of({}))},
                                {"releases", array(map_of({}))},
                                {"signature", ref("Signature")}});
  s["BaselineDiff"] = record({{"from", str()},
                              {"to", str()},
                              {"cis", record({{"added", array(map_of({}))},
                                              {"removed", array(map_of({}))},
                                              {"changed", array(map_of({}))}})},
                              {"environments", array(map_of({}))}});
  s["AuditResult"] =
      record({{"id", str("audit-N")},
              {"kind", one_of({"fca", "pca"})},
              {"passed", boolean()},
              {"created_at", time()},
              {"created_by", str()},
              {"release", str("fca")},
              {"environment", str("pca")},
              {"environments", strings("fca: the environments checked")},
              {"host", str("pca")},
              {"manifest_version", integer("pca")},
              {"summary", map_of({})},
              {"findings", array(map_of({}))},
              {"ok_files", strings("pca with list_ok=true")}},
             {"release", "environment", "environments", "host", "manifest_version", "ok_files"});
  s["AuditResultPage"] = page_of("AuditResult");
  s["FcaInput"] = input({{"release", str()}}, {"release"});
  s["InventoryFile"] =
      input({{"path", str("Relative, '/'-separated")}, {"sha256", sha256()}, {"size", integer()}},
            {"path", "sha256", "size"});
  s["PcaInventory"] = input({{"environment", str("Before files")},
                             {"host", str("Before files")},
                             {"files", array(ref("InventoryFile"))}},
                            {"files"});
  s["AuditLogEntry"] = record({{"sequence", integer()},
                               {"time", time()},
                               {"actor", str()},
                               {"action", str()},
                               {"target", str()},
                               {"resource", str()},
                               {"summary", str()},
                               {"request_id", str()},
                               {"outcome", one_of({"committed", "ok", "refused", "failed"})},
                               {"status", integer()},
                               {"problem", str()},
                               {"prev", sha256()},
                               {"hash", sha256()}},
                              {"resource", "summary", "status", "problem"});
  s["AuditLogPage"] = page_of("AuditLogEntry");
  s["AuditVerification"] =
      record({{"valid", boolean()},
              {"entries", integer()},
              {"head", record({{"sequence", integer()}, {"hash", str()}})},
              {"checkpoints_checked", integer()},
              {"first_broken", nullable(record({{"sequence", integer()}, {"reason", str()}}))}});
}

}  // namespace tollgate::server::schema
