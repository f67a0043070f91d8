// Parsers of the CMDB request bodies into the commands the CMDB services take. Each reads its
// object strictly (json_body.hpp): wrong types, missing required and unknown fields, and values
// out of range are refused with one invalid Status listing every problem found. What needs the
// store (does the CI type exist, are the attributes valid for it) is the service's to check.
#pragma once

#include <boost/json/object.hpp>

#include "server/domain/cmdb/cis.hpp"
#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/cmdb/relationships.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::commands {

// POST /api/v1/ci-types {name, description?, attributes: [{name, type, required?, values?}]}
// into a CiType without created_*.
Result<CiType> parse_ci_type(const boost::json::object& body);

// POST /api/v1/cis {id, type, name, owner?, status?, controlled?, attributes?}.
Result<CreateCi> parse_create_ci(const boost::json::object& body);

// PATCH /api/v1/cis/{id} {name?, owner? (string or null), status?, controlled?, attributes?,
// rfc?}.
Result<CiPatch> parse_ci_patch(const boost::json::object& body);

// POST and DELETE /api/v1/relationships {from, type, to, rfc?}.
Result<RelationshipChange> parse_relationship_change(const boost::json::object& body);

// The JSON form of a CI document write, PUT /api/v1/cis/{id}/documents/{name} with
// application/json: {content, message?, media_type?, rfc?}. What is absent here the handler takes
// from the request's headers and query.
struct DocumentWriteBody {
  std::string content;
  std::optional<std::string> message;
  std::optional<std::string> media_type;
  std::optional<std::string> rfc;
};
Result<DocumentWriteBody> parse_document_write(const boost::json::object& body);

}  // namespace tollgate::server::commands
