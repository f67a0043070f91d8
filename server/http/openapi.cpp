#include "server/http/openapi.hpp"

#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/pagination.hpp"
#include "server/http/openapi_schemas.hpp"
#include "server/http/problem_types.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kSchemaPrefix = "#/components/schemas/";

// What a path parameter is, by the segment before it and its name.
const char* path_parameter_description(std::string_view before, std::string_view name) {
  static const std::map<std::pair<std::string_view, std::string_view>, const char*> kKnown = {
      {{"users", "id"}, "The user's id"},
      {{"tokens", "id"}, "The token's id (not its secret)"},
      {{"ci-types", "name"}, "The CI type's name"},
      {{"cis", "id"}, "The CI's id (a slug)"},
      {{"documents", "name"}, "The document's name"},
      {{"artifacts", "ci"}, "The CI's id"},
      {{"{ci}", "version"}, "The CI version"},
      {{"{version}", "file"}, "The artifact's file name"},
      {{"{ci}", "file"}, "The artifact's file name"},
      {{"blobs", "digest"}, "sha256:<64 hex digits>"},
      {{"uploads", "id"}, "The upload session's id"},
      {{"rfcs", "id"}, "The RFC's id"},
      {{"releases", "id"}, "The release's id"},
      {{"items", "ci"}, "The CI of the release item"},
      {{"known-errors", "ke"}, "The known error's id (ke-N)"},
      {{"gates", "gate"},
       "The gate: trr, tests:<environment>, uat, rrr, implementation_approval, "
       "emergency_approval or pir"},
      {{"environments", "env"}, "The environment's name"},
      {{"baselines", "name"}, "The baseline's name"},
      {{"baselines", "a"}, "The baseline to compare from"},
      {{"diff", "b"}, "The baseline to compare with, or `current` for a fresh snapshot"},
      {{"audits", "id"}, "The stored audit result's id (audit-N)"},
  };
  const auto at = kKnown.find({before, name});
  return at == kKnown.end() ? nullptr : at->second;
}

struct PathParameter {
  std::string name;
  const char* description;  // nullptr: none known
};

std::vector<std::string_view> segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);
    const auto slash = pattern.find('/');
    out.push_back(pattern.substr(0, slash));
    pattern = slash == std::string_view::npos ? std::string_view() : pattern.substr(slash);
  }
  return out;
}

std::vector<PathParameter> path_parameters(std::string_view pattern) {
  std::vector<PathParameter> out;
  const auto parts = segments(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].starts_with('{') || !parts[i].ends_with('}')) continue;
    std::string_view name = parts[i].substr(1, parts[i].size() - 2);
    out.push_back({std::string(name), path_parameter_description(i > 0 ? parts[i - 1] : "", name)});
  }
  return out;
}

bool is_schema_name(std::string_view type) {
  return !type.empty() && std::isupper(static_cast<unsigned char>(type.front()));
}

json::object schema_of(std::string_view type) {
  if (is_schema_name(type)) return {{"$ref", std::string(kSchemaPrefix) + std::string(type)}};
  if (type == "date" || type == "date-time") return {{"type", "string"}, {"format", type}};
  return {{"type", type}};
}

json::object parameter(const ParamDoc& p, const char* in) {
  return {{"name", p.name},
          {"in", in},
          {"description", p.description},
          {"required", p.required},
          {"schema", schema_of(p.type)}};
}

json::array parameters(const Route& route) {
  json::array out;
  for (const PathParameter& p : path_parameters(route.pattern))
    out.push_back(json::object{{"name", p.name},
                               {"in", "path"},
                               {"description", p.description ? p.description : ""},
                               {"required", true},
                               {"schema", {{"type", "string"}}}});
  if (route.doc.is_paged()) {
    json::object limit =
        parameter({"limit", "integer", "Items per page, 1..1000 (default 100)"}, "query");
    limit["schema"] = {{"type", "integer"},
                       {"minimum", 1},
                       {"maximum", kMaxPageLimit},
                       {"default", kDefaultPageLimit}};
    out.push_back(std::move(limit));
    out.push_back(
        parameter({"cursor", "string", "next_cursor of the previous page; leave out for the first"},
                  "query"));
  }
  for (const ParamDoc& p : route.doc.query()) out.push_back(parameter(p, "query"));
  for (const ParamDoc& p : route.doc.headers()) out.push_back(parameter(p, "header"));
  return out;
}

json::object media_schema(const char* media, const char* schema) {
  if (schema != nullptr) return {{"schema", schema_of(schema)}};
  if (std::string_view(media).find("json") != std::string_view::npos)
    return {{"schema", {{"type", "object"}}}};
  if (std::string_view(media).starts_with("text/")) return {{"schema", {{"type", "string"}}}};
  return {{"schema", {{"type", "string"}, {"format", "binary"}}}};
}

json::object request_body(const BodyDoc& body) {
  json::object content;
  for (const auto& m : body.media) content[m.media] = media_schema(m.media, m.schema);
  json::object out{{"required", body.required}, {"content", std::move(content)}};
  if (*body.description != '\0') out["description"] = body.description;
  return out;
}

const char* header_description(std::string_view name) {
  static const std::map<std::string_view, const char*> kKnown = {
      {"ETag", "The entity tag: a CI's revision, a blob's digest, a document's commit"},
      {"Location", "Where the resource lives"},
      {"X-Checksum-Sha256", "SHA-256 of the bytes, 64 hex digits"},
      {"Content-Range", "The bytes sent, of how many"},
      {"Accept-Ranges", "bytes"},
      {"Cache-Control", "How long the answer may be kept"},
      {"Last-Modified", "When the artifact was stored"},
      {"Range", "The bytes received so far (0-<last>)"},
      {"Upload-Offset", "Bytes received so far"},
      {"Docker-Upload-UUID", "The upload session's id"},
      {"Retry-After", "Seconds to wait before trying again"},
      {"Vary", "Accept"},
      {"Link", "The next page: <URL>; rel=\"next\" (absent on the last page)"},
      {"WWW-Authenticate", "Bearer realm=\"tollgate\""},
  };
  const auto at = kKnown.find(name);
  return at == kKnown.end() ? "" : at->second;
}

json::object answer(const AnswerDoc& a) {
  json::object out{{"description", a.description}};
  if (a.status != 204 && a.status != 304)
    out["content"] = json::object{{a.media, media_schema(a.media, a.schema)}};
  if (!a.headers.empty()) {
    json::object headers;
    for (const char* h : a.headers)
      headers[h] =
          json::object{{"description", header_description(h)}, {"schema", {{"type", "string"}}}};
    out["headers"] = std::move(headers);
  }
  return out;
}

// Adds `a` to `responses`; a second answer of one status adds its media type, or for the same
// media type its schema as an alternative.
void add_answer(json::object& responses, const AnswerDoc& a) {
  const std::string key = std::to_string(a.status);
  json::value* existing = responses.if_contains(key);
  if (existing == nullptr) {
    responses[key] = answer(a);
    return;
  }
  json::object& response = existing->as_object();
  response["description"] =
      fmt::format("{}; or {}", response["description"].as_string().c_str(), a.description);
  json::object& content = response["content"].as_object();
  json::object added = media_schema(a.media, a.schema);
  json::value* same = content.if_contains(a.media);
  if (same == nullptr) {
    content[a.media] = std::move(added);
    return;
  }
  json::value& schema = same->as_object()["schema"];
  json::array alternatives = schema.as_object().contains("oneOf")
                                 ? schema.as_object()["oneOf"].as_array()
                                 : json::array{schema};
  alternatives.push_back(added["schema"]);
  schema = json::object{{"oneOf", std::move(alternatives)}};
}

// status -> problem slugs, from the doc and from what every route of its kind can answer.
std::map<unsigned, std::set<std::string>> problems_of(const Route& route) {
  std::map<unsigned, std::set<std::string>> out;
  auto add = [&](const ProblemRef& p) {
    const ProblemType* type = find_problem_type(p.reason);
    const unsigned status = p.status != 0 ? p.status : type ? type->status : 500;
    out[status].emplace(p.reason);
  };
  if (route.allow.needs_token())
    for (const char* r : {"unauthorized", "token-revoked", "token-expired", "token-outgrown",
                          "user-disabled", "forbidden-role"})
      add(r);
  if (route.doc.is_paged()) add("invalid");
  if (const auto* media = route.doc.body_media()) {
    add("too-large");
    add("unavailable");  // the body did not arrive in time
    if (route.body == BodyKind::stream) add("body-too-slow");
    for (const auto& m : *media)
      if (std::string_view(m.media) == "application/json") {
        for (const char* r : {"invalid", "malformed-json", "validation"}) add(r);
        if (route.body == BodyKind::json) add("unsupported-media");
      }
  }
  for (const ProblemRef& p : route.doc.problems()) add(p);
  add("internal");
  return out;
}

json::object problem_answer(unsigned status, const std::set<std::string>& slugs) {
  json::array types;
  std::string listed;
  for (const auto& slug : slugs) {
    types.emplace_back(problem_type_uri(slug));
    listed += listed.empty() ? slug : ", " + slug;
  }
  json::object narrowed{
      {"properties", {{"type", {{"type", "string"}, {"enum", std::move(types)}}}}}};
  json::object schema{{"allOf", json::array{{{"$ref", std::string(kSchemaPrefix) + "Problem"}},
                                            std::move(narrowed)}}};
  return {{"description", fmt::format("Problem {}: {}", status, listed)},
          {"content", {{"application/problem+json", {{"schema", std::move(schema)}}}}}};
}

std::string operation_id(const Route& route) {
  std::string id;
  for (char c : std::string_view(route.method))
    id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (std::string_view part : segments(route.pattern)) {
    if (part == "api" || part == "v1") continue;
    id.push_back('_');
    for (char c : part)
      if (std::isalnum(static_cast<unsigned char>(c)))
        id.push_back(c);
      else if (c == '-' || c == '.')
        id.push_back('_');
  }
  return id;
}

std::string tag_of(std::string_view pattern) {
  const auto parts = segments(pattern);
  if (parts.size() < 3 || parts[0] != "api") return "system";
  if (parts[2] == "reports" || parts[2] == "schedule") return "reports";
  if (parts[2] == "blobs" || parts[2] == "uploads") return "artifacts";
  if (parts[2] == "openapi.json" || parts[2] == "routes") return "system";
  return std::string(parts[2]);
}

json::object operation(const Route& route, const Config& config) {
  json::object op;
  op["operationId"] = operation_id(route);
  op["summary"] = route.summary;
  op["tags"] = json::array{json::value(tag_of(route.pattern))};
  const std::string allow = route.allow.text(config);
  op["description"] =
      route.allow.needs_token()
          ? fmt::format("{}.\n\nNeeds a bearer token (or a client certificate) holding: {}.",
                        route.summary, allow)
          : fmt::format("{}.\n\nNeeds no token.", route.summary);
  json::array roles;
  if (route.allow.needs_token())
    for (Role r : route.allow.roles(config).roles()) roles.emplace_back(role_name(r));
  op["x-roles"] = std::move(roles);
  op["x-tollgate-allow"] = allow;
  op["security"] = route.allow.needs_token() ? json::array{json::object{{"bearer", json::array{}}}}
                                             : json::array{};
  if (json::array params = parameters(route); !params.empty()) op["parameters"] = std::move(params);
  if (route.doc.body_media()) op["requestBody"] = request_body(route.doc.body());
  json::object responses;
  for (const AnswerDoc& a : route.doc.answers()) add_answer(responses, a);
  for (const auto& [status, slugs] : problems_of(route)) {
    const std::string key = std::to_string(status);
    if (!responses.contains(key)) responses[key] = problem_answer(status, slugs);
  }
  op["responses"] = std::move(responses);
  return op;
}

json::object problem_catalogue() {
  json::object out;
  for (const ProblemType& t : problem_types())
    out[t.slug] = json::object{
        {"type", problem_type_uri(t.slug)}, {"status", t.status}, {"description", t.description}};
  return out;
}

std::string lower(std::string_view method) {
  std::string out(method);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

json::object openapi_document(const std::vector<Route>& routes, const Config& config) {
  json::object paths;
  for (const Route& route : routes) {
    json::value& item = paths[route.pattern];
    if (!item.is_object()) item = json::object{};
    item.as_object()[lower(route.method)] = operation(route, config);
  }
  json::object doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = json::object{
      {"title", "Tollgate"},
      {"version", "1"},
      {"description",
       "CMDB and artifact vault. Errors are application/problem+json with a type "
       "urn:tollgate:problem:<slug> (x-tollgate-problem-types lists them); lists are pages "
       "{items, next_cursor}. x-roles names the roles that may call an operation."}};
  doc["security"] = json::array{json::object{{"bearer", json::array{}}}};
  doc["components"] =
      json::object{{"schemas", openapi_schemas()},
                   {"securitySchemes",
                    {{"bearer",
                      {{"type", "http"},
                       {"scheme", "bearer"},
                       {"description",
                        "A Tollgate token (tg_…): minted by POST /api/v1/tokens, by "
                        "POST /api/v1/sessions, or the bootstrap token"}}}}}};
  doc["x-tollgate-problem-types"] = problem_catalogue();
  doc["paths"] = std::move(paths);
  return doc;
}

std::vector<std::string> openapi_doc_errors(const std::vector<Route>& routes) {
  std::vector<std::string> errors;
  const json::object& schemas = openapi_schemas();
  std::set<std::string> operations;
  for (const Route& route : routes) {
    const std::string where = fmt::format("{} {}", route.method, route.pattern);
    auto fault = [&](const std::string& what) {
      errors.push_back(fmt::format("{}: {}", where, what));
    };
    auto check_schema = [&](const char* type) {
      if (type != nullptr && is_schema_name(type) && !schemas.contains(type))
        fault(fmt::format("unknown schema '{}'", type));
    };
    if (!operations.insert(operation_id(route)).second) fault("operationId is not unique");
    bool success = false;
    for (const AnswerDoc& a : route.doc.answers()) {
      success = success || (a.status >= 200 && a.status < 300);
      check_schema(a.schema);
      if (*a.description == '\0') fault(fmt::format("answer {} has no description", a.status));
    }
    if (!success) fault("no success answer");
    std::set<std::string> names;
    for (const PathParameter& p : path_parameters(route.pattern)) {
      if (p.description == nullptr)
        fault(fmt::format("path parameter {{{}}} has no description", p.name));
      names.insert("path " + p.name);
    }
    std::vector<ParamDoc> query = route.doc.query();
    if (route.doc.is_paged())
      for (const char* name : {"limit", "cursor"}) query.push_back({name, "string", "paging"});
    using Declared = std::pair<const std::vector<ParamDoc>*, const char*>;
    for (const auto& [list, in] :
         {Declared{&query, "query"}, Declared{&route.doc.headers(), "header"}})
      for (const ParamDoc& p : *list) {
        check_schema(p.type);
        if (!names.insert(fmt::format("{} {}", in, p.name)).second)
          fault(fmt::format("{} parameter '{}' is declared twice", in, p.name));
        if (*p.description == '\0')
          fault(fmt::format("{} parameter '{}' has no description", in, p.name));
      }
    if (const auto* media = route.doc.body_media())
      for (const auto& m : *media) check_schema(m.schema);
    if (route.body != BodyKind::json && !route.doc.body_media())
      fault("takes a raw or streamed body that its doc does not describe");
    for (const ProblemRef& p : route.doc.problems())
      if (!find_problem_type(p.reason))
        fault(fmt::format("problem '{}' is not in the catalogue", p.reason));
  }
  return errors;
}

}  // namespace tollgate::server
