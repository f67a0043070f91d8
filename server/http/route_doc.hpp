// What a route's description says beyond its method, pattern, rule and summary: the query
// parameters and request headers it reads, its request body, its answers and the problems it can
// give. Every route in the table carries one (Route::doc has no default, so a route cannot be
// added without it); server/http/openapi.hpp turns them into the OpenAPI document.
//
// Schemas are named, not spelt out: a name is a member of components/schemas
// (server/http/openapi_schemas.cpp), a problem is a reason slug of the catalogue
// (server/http/problem_types.hpp). What every route of a kind shares is added by the document
// builder, not here: 401 and 403 "forbidden-role" for a route that needs a token, 400
// "malformed-json"/"validation" and 415 for a JSON body, 413 for any body, 400 for limit and
// cursor, 500 for all. tests/server/http/openapi_test.cpp holds each doc to the names it uses.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

namespace tollgate::server {

// A query parameter or request header. `type` is a JSON type ("string", "integer", "boolean"),
// a string format ("date", "date-time"), or the name of a schema in components/schemas.
struct ParamDoc {
  const char* name;
  const char* type;
  const char* description;
  bool required = false;
};

// One answer: its status, media type ("application/json" unless set) and schema name (nullptr:
// no body, or a body described by the media type alone), and the response headers it sets.
struct AnswerDoc {
  unsigned status;
  const char* schema;
  const char* description;
  const char* media = "application/json";
  std::vector<const char*> headers = {};
};

// A problem a route can answer: a reason slug of the catalogue, at the catalogue's status unless
// the route gives one (some reasons answer 400 from one service and 404 from another).
struct ProblemRef {
  constexpr ProblemRef(const char* slug)  // NOLINT(google-explicit-constructor)
      : reason(slug) {}
  constexpr ProblemRef(unsigned code, const char* slug) : status(code), reason(slug) {}
  unsigned status = 0;  // 0: the catalogue's
  const char* reason;
};

// The request body: JSON of a schema, or other media types (each with its schema or none).
struct BodyDoc {
  struct Media {
    const char* media;
    const char* schema;  // nullptr: any bytes
  };
  std::vector<Media> media;
  bool required = true;
  const char* description = "";
};

class RouteDoc {
 public:
  // The success answers; the first is the usual one.
  static RouteDoc ok(const char* schema, const char* description = "OK") {
    return answers({200, schema, description});
  }
  static RouteDoc created(const char* schema, const char* description = "Created") {
    return answers({201, schema, description});
  }
  static RouteDoc answers(AnswerDoc answer) {
    RouteDoc doc;
    doc.answers_.push_back(std::move(answer));
    return doc;
  }

  // Another answer, success or not (304, 206, 416 …).
  RouteDoc&& also(AnswerDoc answer) && {
    answers_.push_back(std::move(answer));
    return std::move(*this);
  }
  // A JSON body of `schema`; `required` false when an empty body is accepted.
  RouteDoc&& json_body(const char* schema, bool required = true) && {
    body_ = BodyDoc{{{"application/json", schema}}, required, ""};
    return std::move(*this);
  }
  RouteDoc&& body(BodyDoc body) && {
    body_ = std::move(body);
    return std::move(*this);
  }
  RouteDoc&& query(std::initializer_list<ParamDoc> params) && {
    query_.insert(query_.end(), params);
    return std::move(*this);
  }
  // limit (1..1000, default 100) and cursor, as server/domain/pagination.hpp reads them.
  RouteDoc&& paged() && {
    paged_ = true;
    return std::move(*this);
  }
  RouteDoc&& headers(std::initializer_list<ParamDoc> headers) && {
    headers_.insert(headers_.end(), headers);
    return std::move(*this);
  }
  RouteDoc&& problems(std::initializer_list<ProblemRef> problems) && {
    problems_.insert(problems_.end(), problems);
    return std::move(*this);
  }
  template <std::size_t N>
  RouteDoc&& problems(const ProblemRef (&problems)[N]) && {
    problems_.insert(problems_.end(), problems, problems + N);
    return std::move(*this);
  }

  const std::vector<AnswerDoc>& answers() const { return answers_; }
  const std::vector<ParamDoc>& query() const { return query_; }
  const std::vector<ParamDoc>& headers() const { return headers_; }
  const std::vector<ProblemRef>& problems() const { return problems_; }
  const std::vector<BodyDoc::Media>* body_media() const {
    return body_.media.empty() ? nullptr : &body_.media;
  }
  const BodyDoc& body() const { return body_; }
  bool is_paged() const { return paged_; }

 private:
  RouteDoc() = default;
  std::vector<AnswerDoc> answers_;
  std::vector<ParamDoc> query_;
  std::vector<ParamDoc> headers_;
  std::vector<ProblemRef> problems_;
  BodyDoc body_;
  bool paged_ = false;
};

}  // namespace tollgate::server
