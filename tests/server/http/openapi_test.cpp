// The API description: every route is in it with its method, path parameters, security and
// roles; every route's doc is whole; every problem reason the server gives is catalogued.
// tests/openapi/ validates the same document against the OpenAPI 3.0 schema.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "server/domain/vault/vault_busy.hpp"
#include "server/http/openapi.hpp"
#include "server/http/openapi_schemas.hpp"
#include "server/http/problem_types.hpp"
#include "server/http/route_table.hpp"
#include "tests/support/app_fixture.hpp"

using namespace tollgate;
using namespace tollgate::server;
using tollgate::testing::AppFixture;
namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> placeholders(std::string_view pattern) {
  static const std::regex kPlaceholder(R"(\{([^}]+)\})");
  std::vector<std::string> out;
  const std::string text(pattern);
  for (std::sregex_iterator it(text.begin(), text.end(), kPlaceholder), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

const json::object& operation(const json::object& doc, const Route& route) {
  return doc.at("paths").at(route.pattern).at(lower(route.method)).as_object();
}

const json::object* parameter(const json::object& op, std::string_view in, std::string_view name) {
  const json::value* params = op.if_contains("parameters");
  if (params == nullptr) return nullptr;
  for (const json::value& p : params->as_array())
    if (p.at("in").as_string() == in && p.at("name").as_string() == name) return &p.as_object();
  return nullptr;
}

std::set<std::string> problem_types_of(const json::object& response) {
  std::set<std::string> out;
  const auto& schema = response.at("content").at("application/problem+json").at("schema");
  for (const json::value& t :
       schema.at("allOf").at(1).at("properties").at("type").at("enum").as_array())
    out.emplace(t.as_string());
  return out;
}

void collect_refs(const json::value& v, std::set<std::string>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& [key, member] : *o) {
      if (key == "$ref" && member.is_string()) out.emplace(member.as_string());
      collect_refs(member, out);
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a) collect_refs(e, out);
  }
}

}  // namespace

TEST_CASE("every route's doc is whole") {
  for (const std::string& error : openapi_doc_errors(routes())) FAIL_CHECK(error);
}

TEST_CASE("a route whose doc lacks what it must say fails the check") {
  const std::vector<Route> incomplete = {
      {"GET", "/api/v1/things/{thing}", Allow::any_role(), nullptr, "A thing",
       RouteDoc::answers({304, nullptr, "Not modified"}).problems({"no-such-reason"})},
      {"PUT", "/api/v1/cis/{id}/blobs", Allow::any_role(), nullptr, "Raw",
       RouteDoc::ok("NoSuchSchema"), BodyKind::raw},
  };
  const auto errors = openapi_doc_errors(incomplete);
  auto mentions = [&](std::string_view what) {
    return std::any_of(errors.begin(), errors.end(),
                       [&](const std::string& e) { return e.find(what) != std::string::npos; });
  };
  CHECK(mentions("GET /api/v1/things/{thing}: no success answer"));
  CHECK(mentions("path parameter {thing} has no description"));
  CHECK(mentions("problem 'no-such-reason' is not in the catalogue"));
  CHECK(mentions("unknown schema 'NoSuchSchema'"));
  CHECK(mentions("PUT /api/v1/cis/{id}/blobs: takes a raw or streamed body"));
}

TEST_CASE("the document has every route with its parameters, security and roles") {
  AppFixture f;
  const json::object doc = openapi_document(routes(), f.config);
  CHECK(doc.at("openapi") == "3.0.3");
  std::size_t operations = 0;
  for (const Route& route : routes()) {
    const std::string where = std::string(route.method) + " " + route.pattern;
    CAPTURE(where);
    REQUIRE(doc.at("paths").as_object().contains(route.pattern));
    REQUIRE(doc.at("paths").at(route.pattern).as_object().contains(lower(route.method)));
    const json::object& op = operation(doc, route);
    ++operations;
    CHECK(op.at("summary") == route.summary);
    for (const std::string& name : placeholders(route.pattern)) {
      const json::object* p = parameter(op, "path", name);
      REQUIRE_MESSAGE(p != nullptr, name);
      CHECK(p->at("required") == true);
      CHECK(!p->at("description").as_string().empty());
    }
    const auto& responses = op.at("responses").as_object();
    CHECK(responses.contains("500"));
    json::array roles;
    if (route.allow.needs_token()) {
      CHECK(op.at("security") == json::array{json::object{{"bearer", json::array{}}}});
      CHECK(problem_types_of(responses.at("401").as_object())
                .contains("urn:tollgate:problem:unauthorized"));
      CHECK(problem_types_of(responses.at("403").as_object())
                .contains("urn:tollgate:problem:forbidden-role"));
      for (Role r : route.allow.roles(f.config).roles()) roles.emplace_back(role_name(r));
      CHECK(!roles.empty());
    } else {
      CHECK(op.at("security") == json::array{});
      if (responses.contains("401"))  // a login refused, not a token
        CHECK(!problem_types_of(responses.at("401").as_object())
                   .contains("urn:tollgate:problem:token-revoked"));
    }
    CHECK(op.at("x-roles") == roles);
    if (route.doc.is_paged()) {
      CHECK(parameter(op, "query", "limit") != nullptr);
      CHECK(parameter(op, "query", "cursor") != nullptr);
    }
    if (route.body != BodyKind::json) CHECK(op.contains("requestBody"));
  }
  CHECK(operations == routes().size());
}

TEST_CASE("every $ref of the document names a schema") {
  AppFixture f;
  const json::object doc = openapi_document(routes(), f.config);
  std::set<std::string> refs;
  collect_refs(doc, refs);
  CHECK(refs.size() > 50);
  const auto& schemas = doc.at("components").at("schemas").as_object();
  for (const std::string& ref : refs) {
    CAPTURE(ref);
    REQUIRE(ref.starts_with("#/components/schemas/"));
    CHECK(schemas.contains(ref.substr(std::string_view("#/components/schemas/").size())));
  }
}

TEST_CASE("schemas and operations say what the code accepts") {
  AppFixture f;
  const json::object doc = openapi_document(routes(), f.config);
  const auto& schemas = doc.at("components").at("schemas").as_object();
  auto route = [&](std::string_view method, std::string_view pattern) -> const json::object& {
    return doc.at("paths").at(pattern).at(lower(method)).as_object();
  };

  // POST /api/v1/cis: a closed CiCreate that requires id, type and name.
  const auto& create_ci = route("POST", "/api/v1/cis");
  CHECK(create_ci.at("requestBody").at("content").at("application/json").at("schema") ==
        json::object{{"$ref", "#/components/schemas/CiCreate"}});
  const auto& ci_create = schemas.at("CiCreate").as_object();
  CHECK(ci_create.at("required") == json::array{"id", "type", "name"});
  CHECK(ci_create.at("additionalProperties") == false);
  CHECK(ci_create.at("properties").as_object().contains("attributes"));
  CHECK(create_ci.at("responses").at("201").at("content").at("application/json").at("schema") ==
        json::object{{"$ref", "#/components/schemas/Ci"}});
  CHECK(problem_types_of(create_ci.at("responses").at("400").as_object())
            .contains("urn:tollgate:problem:validation"));
  CHECK(create_ci.at("responses").as_object().contains("415"));

  // The CI statuses come from the model.
  CHECK(schemas.at("CiStatus").at("enum").as_array().size() == 7);

  // GET /api/v1/cis reads type, status, q, limit and cursor.
  const auto& list_cis = route("GET", "/api/v1/cis");
  for (const char* name : {"type", "status", "q", "limit", "cursor"})
    CHECK_MESSAGE(parameter(list_cis, "query", name) != nullptr, name);
  CHECK(parameter(list_cis, "query", "status")->at("schema") ==
        json::object{{"$ref", "#/components/schemas/CiStatus"}});

  // PATCH /api/v1/cis/{id} needs If-Match; its problems include 412 and 428.
  const auto& patch_ci = route("PATCH", "/api/v1/cis/{id}");
  CHECK(parameter(patch_ci, "header", "If-Match")->at("required") == true);
  CHECK(problem_types_of(patch_ci.at("responses").at("412").as_object()) ==
        std::set<std::string>{"urn:tollgate:problem:stale-revision"});
  CHECK(patch_ci.at("responses").as_object().contains("428"));

  // Artifact uploads stream octets and need X-Checksum-Sha256.
  const auto& put = route("PUT", "/api/v1/artifacts/{ci}/{version}/{file}");
  CHECK(put.at("requestBody").at("content").as_object().contains("application/octet-stream"));
  CHECK(parameter(put, "header", "X-Checksum-Sha256")->at("required") == true);
  CHECK(put.at("responses").as_object().contains("200"));
  CHECK(put.at("responses").as_object().contains("201"));
  CHECK(problem_types_of(put.at("responses").at("400").as_object())
            .contains("urn:tollgate:problem:digest-mismatch"));
  CHECK(!put.at("responses").as_object().contains("415"));  // any media type is an artifact

  // The PCA takes JSON or NDJSON.
  const auto& pca = route("POST", "/api/v1/audits/pca");
  CHECK(pca.at("requestBody").at("content").as_object().contains("application/x-ndjson"));
  CHECK(pca.at("requestBody").at("content").as_object().contains("application/json"));

  // A refused promotion lists unmet gates; the roles of a gate come from [gates].
  const auto& promote = route("POST", "/api/v1/releases/{id}/promote");
  CHECK(problem_types_of(promote.at("responses").at("409").as_object())
            .contains("urn:tollgate:problem:gates-unmet"));
  const auto& gate = route("POST", "/api/v1/releases/{id}/gates/{gate}");
  CHECK(gate.at("x-roles").as_array().size() == 4);

  // Anonymous routes need no token; the rest inherit the bearer scheme.
  CHECK(route("GET", "/healthz").at("security") == json::array{});
  CHECK(doc.at("components").at("securitySchemes").at("bearer").at("scheme") == "bearer");

  // The VDD answers JSON or Markdown.
  const auto& vdd = route("GET", "/api/v1/releases/{id}/vdd");
  CHECK(vdd.at("responses").at("200").at("content").as_object().contains("text/markdown"));
}

TEST_CASE("every reason the server gives is in the problem catalogue") {
  namespace fs = std::filesystem;
  const std::regex with_reason(R"re(with_reason\(\s*"([a-z0-9-]+)"\s*\))re");
  const std::regex constant(R"re(k[A-Za-z]+Reason\s*=\s*"([a-z0-9-]+)")re");
  std::set<std::string> reasons;
  for (const char* dir : {"server", "storage"}) {
    for (const auto& entry :
         fs::recursive_directory_iterator(fs::path(TOLLGATE_SOURCE_DIR) / dir)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      const std::string source = text.str();
      for (const std::regex* re : {&with_reason, &constant})
        for (std::sregex_iterator it(source.begin(), source.end(), *re), end; it != end; ++it)
          reasons.emplace((*it)[1]);
    }
  }
  CHECK(reasons.size() > 60);
  // Reasons the storage layer gives that the domain turns into another before any answer
  // (vault_busy): they never reach a client, so the catalogue does not list them.
  for (const char* internal : {storage::kVaultHeadMovedReason, storage::kVaultBranchLockedReason}) {
    CHECK(reasons.erase(internal) == 1);
    CHECK(vault_busy(Status(Code::conflict, "moved").with_reason(internal)).reason() ==
          std::string(kVaultBusyReason));
  }
  for (const std::string& reason : reasons) CHECK_MESSAGE(find_problem_type(reason), reason);
  std::set<std::string> slugs;
  for (const ProblemType& t : problem_types()) {
    CHECK_MESSAGE(slugs.insert(t.slug).second, t.slug);
    CHECK(t.status >= 400);
  }
}
