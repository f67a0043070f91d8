#include "server/http/openapi_schemas.hpp"

#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/cmdb/relationships.hpp"
#include "server/http/openapi_schema_builder.hpp"

namespace tollgate::server {
namespace schema {

void add_common(json::object& s) {
  s["Problem"] = record(
      {{"type", str("urn:tollgate:problem:<slug>; the slugs are in x-tollgate-problem-types")},
       {"title", str()},
       {"status", integer()},
       {"detail", str()},
       {"errors", strings("Every validation error found")},
       {"unmet", array(ref("UnmetGate"), "Every unmet requirement of a refused promotion")},
       {"declared", str("sha256:<hex> the client declared")},
       {"actual", str("sha256:<hex> of the bytes received")},
       {"existing", str("sha256:<hex> the coordinate holds")},
       {"offset", integer("Bytes of the upload received so far")}},
      {"errors", "unmet", "declared", "actual", "existing", "offset"},
      "RFC 9457 problem details (application/problem+json)");
  s["UnmetGate"] = record({{"gate", str()}, {"reason", str()}, {"detail", str()}});
  s["Role"] = one_of(all_names<Role>());
  s["Signature"] = record({{"key_id", str("ed25519:<16 hex>")},
                           {"algorithm", one_of({"ed25519"})},
                           {"value", str("base64url of the 64-byte signature")}},
                          {}, "Ed25519 over the canonical JSON of the document without it");
  s["Health"] = record({{"status", one_of({"ok"})}});
  s["Direction"] = one_of({"up", "down"});
  s["AuditKind"] = one_of({"fca", "pca"});
  s["Note"] = input({{"note", str("Why (1..4096 characters)")}}, {"note"});
  s["OptionalNote"] = input({{"note", str("Why (at most 4096 characters)")}});
}

void add_identity(json::object& s) {
  s["User"] = record({{"id", slug("Unique id of the person")},
                      {"name", str()},
                      {"email", str()},
                      {"roles", roles()},
                      {"environments", strings("Where the user may act; empty: everywhere")},
                      {"disabled", boolean()},
                      {"source", one_of({"local", "ldap"})},
                      {"created_at", time()},
                      {"created_by", str()},
                      {"updated_at", time()},
                      {"updated_by", str()}});
  s["UserPage"] = page_of("User");
  s["UserCreate"] = input({{"id", slug("Not tollgated or system")},
                           {"name", str()},
                           {"email", str()},
                           {"roles", roles()},
                           {"environments", strings()},
                           {"disabled", boolean()}},
                          {"id", "name", "roles"});
  s["UserPatch"] = input({{"name", str()},
                          {"email", str()},
                          {"roles", roles()},
                          {"environments", strings()},
                          {"disabled", boolean()}});
  s["Token"] = record({{"id", str()},
                       {"user", str()},
                       {"name", str()},
                       {"roles", roles()},
                       {"environments", strings()},
                       {"created_at", time()},
                       {"created_by", str()},
                       {"expires_at", time()},
                       {"last_used_at", nullable(time())},
                       {"revoked_at", nullable(time())},
                       {"revoked_by", str()}},
                      {"revoked_by"});
  s["TokenPage"] = page_of("Token");
  s["MintedToken"] =
      all_of({ref("Token"),
              record({{"token", str("The secret: shown once, stored only as its SHA-256")}})});
  s["TokenCreate"] = input(
      {{"user", str()},
       {"name", str()},
       {"roles", array(ref("Role"), "Narrows the user's roles; leave out for all of them")},
       {"environments", strings("Narrows the user's environments")},
       {"expires_at", str("RFC 3339 time or YYYY-MM-DD; default [tokens] default_expiry_days")}},
      {"user"});
  s["SessionCreate"] = input({{"username", str()}, {"password", str()}}, {"username", "password"},
                             "At most 4096 bytes");
  s["Session"] = record({{"token", str("The session token's secret")},
                         {"id", str()},
                         {"user", str()},
                         {"name", str()},
                         {"roles", roles()},
                         {"environments", strings()},
                         {"expires_at", time()}});
  s["Whoami"] = record(
      {{"user", str()},
       {"name", str()},
       {"roles", roles()},
       {"environments", strings()},
       {"authenticated_by", one_of({"token", "certificate"})},
       {"token", nullable(record({{"id", str()}}))},
       {"certificate",
        record(
            {{"id", str()}, {"subject", str()}, {"fingerprint", str()}, {"not_after", time()}})}},
      {"certificate"});
  s["RouteInfo"] = record({{"method", str()},
                           {"pattern", str()},
                           {"summary", str()},
                           {"allow", str("anyone, any role, or the roles")},
                           {"roles", roles()},
                           {"token", boolean("Whether the route needs a token")}});
  s["RoutePage"] = page_of("RouteInfo");
  s["PublicKey"] = record({{"key_id", str()},
                           {"algorithm", one_of({"ed25519"})},
                           {"public_key", str("base64url of the raw 32-byte key")},
                           {"active", boolean()},
                           {"created_at", time()},
                           {"retired_at", time()}},
                          {"retired_at"});
  s["KeyList"] = record({{"keys", array(ref("PublicKey"))}});
}

void add_cmdb(json::object& s) {
  s["CiStatus"] = one_of(all_names<CiStatus>());
  s["RelationshipType"] = one_of(all_names<RelType>());
  s["CiTypeAttribute"] = record({{"name", str()},
                                 {"type", one_of(all_names<AttrKind>())},
                                 {"required", boolean()},
                                 {"values", strings("The values of an enum attribute")}},
                                {"values"});
  s["CiType"] = record({{"name", str()},
                        {"description", str()},
                        {"attributes", array(ref("CiTypeAttribute"))},
                        {"created_at", time()},
                        {"created_by", str()}});
  s["CiTypePage"] = page_of("CiType");
  s["CiTypeCreate"] =
      input({{"name", str()},
             {"description", str()},
             {"attributes", array(input({{"name", str()},
                                         {"type", one_of(all_names<AttrKind>())},
                                         {"required", boolean()},
                                         {"values", strings("Required for type enum")}},
                                        {"name", "type"}))}},
            {"name", "attributes"});
  s["Ci"] = record({{"id", str()},
                    {"type", str()},
                    {"name", str()},
                    {"owner", str()},
                    {"status", ref("CiStatus")},
                    {"controlled", boolean("Changes need an approved RFC naming the CI")},
                    {"attributes", map_of({}, "Validated against the CI type")},
                    {"revision", integer("Increments on every change; the ETag")},
                    {"created_at", time()},
                    {"updated_at", time()}});
  s["CiPage"] = page_of("Ci");
  s["CiCreate"] = input({{"id", slug("The CI's id")},
                         {"type", str("A CI type's name")},
                         {"name", str()},
                         {"owner", str()},
                         {"status", ref("CiStatus")},
                         {"controlled", boolean()},
                         {"attributes", map_of({})}},
                        {"id", "type", "name"});
  s["CiPatch"] = input({{"name", str()},
                        {"owner", nullable(str("null clears it"))},
                        {"status", ref("CiStatus")},
                        {"controlled", boolean()},
                        {"attributes", map_of({})},
                        {"rfc", str("The approved RFC that authorises the change")}});
  s["CiHistoryEntry"] =
      record({{"revision", integer()},
              {"action", str()},
              {"actor", str()},
              {"time", time()},
              {"rfc", nullable(str())},
              {"changes", map_of(record({{"old", any("before")}, {"new", any("after")}}))},
              {"snapshot", ref("Ci")}});
  s["CiHistoryPage"] = page_of("CiHistoryEntry");
  s["ImpactEntry"] = record({{"id", str()},
                             {"distance", integer()},
                             {"path", strings()},
                             {"via", ref("RelationshipType")}});
  s["Impact"] = record({{"ci", str()},
                        {"direction", one_of({"up", "down"})},
                        {"depth", integer()},
                        {"items", array(ref("ImpactEntry"))}});
  s["Relationship"] = record({{"from", str()},
                              {"type", ref("RelationshipType")},
                              {"to", str()},
                              {"created_at", time()},
                              {"created_by", str()}});
  s["RelationshipList"] = record({{"items", array(ref("Relationship"))}});
  s["RelationshipInput"] = input({{"from", str()},
                                  {"type", ref("RelationshipType")},
                                  {"to", str()},
                                  {"rfc", str("For a controlled CI")}},
                                 {"from", "type", "to"});
  s["Document"] = record({{"ci", str()},
                          {"name", str()},
                          {"commit", str()},
                          {"blob", str()},
                          {"sha256", sha256()},
                          {"size", integer()},
                          {"media_type", str()},
                          {"updated_by", str()},
                          {"updated_at", time()},
                          {"versions", nullable(integer())}});
  s["DocumentPage"] = page_of("Document");
  s["DocumentRevision"] = record({{"commit", str()},
                                  {"blob", nullable(str())},
                                  {"author", str()},
                                  {"email", str()},
                                  {"time", time()},
                                  {"message", str()},
                                  {"media_type", str()}});
  s["DocumentRevisionPage"] = page_of("DocumentRevision");
  s["DocumentWritten"] = all_of(
      {ref("DocumentRevision"),
       record({{"ci", str()},
               {"name", str()},
               {"sha256", sha256()},
               {"size", integer()},
               {"versions", nullable(integer())},
               {"committed", boolean("false: the content was the current version's already")},
               {"indexed", boolean("false: committed, but the index could not be written")}})});
  s["DocumentWrite"] = input({{"content", str()},
                              {"message", str("The commit message")},
                              {"media_type", str()},
                              {"rfc", str("For a controlled CI")}},
                             {"content"}, "The JSON wrapper of a document's content");
}

void add_vault(json::object& s) {
  s["Artifact"] =
      record({{"ci", str()},
              {"version", str()},
              {"file", str()},
              {"sha256", sha256()},
              {"size", integer()},
              {"media_type", str()},
              {"build", record({{"source_commit", str()}, {"builder", str()}, {"build_url", str()}},
                               {"source_commit", "builder", "build_url"})},
              {"created_by", str()},
              {"created_at", time()}});
  s["ArtifactFilePage"] = page_of("Artifact", {{"ci", str()}, {"version", str()}});
  s["ArtifactVersion"] = record({{"version", str()},
                                 {"files", integer()},
                                 {"size", integer("Bytes of all its files")},
                                 {"created_at", time()}});
  s["ArtifactVersionPage"] = page_of("ArtifactVersion", {{"ci", str()}});
  s["Upload"] =
      record({{"id", str()},
              {"offset", integer("Bytes received so far")},
              {"expires_at", time("The earlier of the idle expiry and the end of the lifetime")},
              {"created_by", str()},
              {"created_at", time()}});
}

}  // namespace schema

namespace {

boost::json::object build() {
  using namespace schema;  // NOLINT(google-build-using-namespace): the parts read as a list
  boost::json::object s;
  add_common(s);
  add_identity(s);
  add_cmdb(s);
  add_vault(s);
  add_change(s);
  add_release(s);
  add_environments(s);
  add_reports(s);
  add_audit(s);
  return s;
}

}  // namespace

const boost::json::object& openapi_schemas() {
  static const boost::json::object kSchemas = build();
  return kSchemas;
}

}  // namespace tollgate::server
