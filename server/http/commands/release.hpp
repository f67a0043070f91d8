// Parsers of the release request bodies into the commands ReleaseService takes
// (server/domain/release/releases.hpp). Strict as json_body.hpp reads: one invalid Status lists
// every problem. Planned dates name environments, so those parsers take the configuration;
// whether RFCs, packages, CIs and documents exist is the service's to decide.
#pragma once

#include <boost/json/object.hpp>

#include "server/domain/config.hpp"
#include "server/domain/release/releases.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::commands {

// POST /api/v1/releases {name, version, type, category, rfcs?, planned?: {env: date},
// packages?}: a package bundles at least one release, any other type none.
Result<CreateRelease> parse_create_release(const boost::json::object& body, const Config& config);

// POST /api/v1/releases/{id}/items {ci, version, install_paths?: {file: path}}.
Result<AddReleaseItem> parse_release_item(const boost::json::object& body);

// POST /api/v1/releases/{id}/documents {kind, name, content, media_type?}.
Result<AddReleaseDocument> parse_release_document(const boost::json::object& body);

// POST /api/v1/releases/{id}/known-errors {summary, workaround?}.
Result<AddKnownError> parse_known_error(const boost::json::object& body);

// PATCH /api/v1/releases/{id} {planned?: {env: date | null}, rfcs?, note?}.
Result<ReleasePatch> parse_release_patch(const boost::json::object& body, const Config& config);

// {note?} of DELETE .../items/{ci} (an empty object when the request had no body), and {note}
// of POST .../cancel when `required`.
Result<ReleaseNote> parse_release_note(const boost::json::object& body, bool required);

// POST /api/v1/releases/{id}/known-errors/{ke}/resolve {resolution}.
Result<ResolveKnownError> parse_known_error_resolution(const boost::json::object& body);

// POST /api/v1/releases/{id}/gates/{gate} {verdict, notes?, evidence?, date?}.
Result<RecordGate> parse_gate_record(const boost::json::object& body);

// POST /api/v1/releases/{id}/promote and .../backout {environment}: the environment named;
// whether it is configured is the promotion's to decide.
Result<std::string> parse_environment_target(const boost::json::object& body);

}  // namespace tollgate::server::commands
