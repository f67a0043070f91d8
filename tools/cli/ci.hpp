// `tollgate ci …` and `tollgate ci-type …`: configuration items and their types in the CMDB.
//
//   ci create ID --type T --name N [--owner O] [--status S] [--controlled]
//                [--attr KEY=VALUE]... [--attr-json KEY=JSON]...
//       POST /api/v1/cis {id, type, name, owner?, status?, controlled?, attributes}
//   ci show ID [--as-of WHEN]        GET /api/v1/cis/{id}[?as_of=]
//   ci ls [--type T] [--status S] [--q TEXT]
//                                    GET /api/v1/cis (every page)
//   ci set ID [--name N] [--owner O] [--status S] [--attr KEY=VALUE]... [--attr-json KEY=JSON]...
//             [--rfc RFC] [--if-match REV]
//       PATCH /api/v1/cis/{id} with If-Match: "REV"; without --if-match the CI is read first and
//       its current revision is used (a change made in between still answers 412)
//   ci history ID                    GET /api/v1/cis/{id}/history (every page)
//   ci-type ls                       GET /api/v1/ci-types (every page)
//   ci-type show NAME                GET /api/v1/ci-types/{name}
//   ci-type create NAME [--description D] --attr NAME:TYPE[:required][:V1|V2|…]...
//   ci-type create [NAME] --file F   POST /api/v1/ci-types with F's JSON as the body
//
// WHEN is a date YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 time. The client does not
// know the CI types' schemas: it builds the request from the flags by the rules below and the
// server checks it (unknown attributes, wrong types, missing required ones: its 400 message).
// Every command prints a readable view, or with json the server's JSON (lists: every page
// merged into one "items" array); a refusal returns the problem as a Status, and with json
// the problem document is printed on standard output first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "cli/commands.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct CiOptions {
  std::string action;  // create, show, ls, set, history
  std::string id;
  // create, set
  std::string type;
  std::string name;
  std::string owner;
  bool owner_given = false;  // set: --owner "" clears the owner
  std::string status;
  bool controlled = false;
  std::vector<std::string> attributes;       // KEY=VALUE, coerced by attribute_value()
  std::vector<std::string> json_attributes;  // KEY=JSON, exactly as given
  // set
  std::string rfc;
  std::string if_match;  // a revision; empty: read the CI first
  // show
  std::string as_of;
  // ls
  std::string type_filter;
  std::string status_filter;
  std::string query;
};

struct CiTypeOptions {
  std::string action;  // create, show, ls
  std::string name;
  std::string description;
  std::vector<std::string> attributes;  // NAME:TYPE[:required][:V1|V2|…]
  std::string file;                     // the whole request body
};

struct CiCommands {
  CiOptions ci;
  CiTypeOptions ci_type;
  CLI::App* ci_command = nullptr;
  CLI::App* ci_type_command = nullptr;

  // Whether `ci` or `ci-type` was given on the command line.
  bool parsed() const;
};

// Adds `ci` and `ci-type` with their actions to `app`. `commands` must outlive it.
void add_ci_commands(CLI::App& app, CiCommands& commands);

// Runs whichever of `ci` and `ci-type` was parsed; invalid when neither was.
Status run_ci_commands(CommandContext& context, const CiCommands& commands);

Status ci(CommandContext& context, const CiOptions& options);
Status ci_type(CommandContext& context, const CiTypeOptions& options);

// --- The pieces, for tests -------------------------------------------------------------------

// The JSON value of `--attr KEY=VALUE`: an integer (optional minus sign, no leading zeros, within
// 64 bits) becomes a number, `true` and `false` booleans, `null` null (in `ci set`: remove the
// attribute), anything else a string. Errors: invalid for an integer beyond 64 bits.
Result<boost::json::value> attribute_value(std::string_view text);

// The "attributes" object of --attr and --attr-json. Errors: invalid (not KEY=VALUE, JSON that
// does not parse, the same key twice).
Result<boost::json::object> attributes_object(const std::vector<std::string>& attributes,
                                              const std::vector<std::string>& json_attributes);

// The request bodies. Errors: invalid (as attributes_object; set: nothing to change).
Result<boost::json::object> create_ci_body(const CiOptions& options);
Result<boost::json::object> patch_ci_body(const CiOptions& options);

// The If-Match value for a revision: "7" or "\"7\"" → "\"7\"". Errors: invalid when the
// revision is not a number.
Result<std::string> if_match_value(std::string_view revision);

// One attribute of `--attr NAME:TYPE[:required][:V1|V2|…]` as {name, type, required, values?}:
// after NAME and TYPE at most two parts, in either order: `required`, and the values of an enum
// split at '|' (none may be empty). TYPE is passed on as written (the server knows string, int,
// bool, enum, ref). Errors: invalid.
Result<boost::json::object> attribute_definition(std::string_view spec);

// POST /api/v1/ci-types's body from NAME, --description and --attr, or from the JSON text of
// --file (NAME, when given, fills in or must equal its name). Errors: invalid (a bad --attr,
// --file with --attr, a file that is no JSON object, names that differ, no name).
Result<boost::json::object> create_ci_type_body(const CiTypeOptions& options);
Result<boost::json::object> ci_type_body_from_file(const CiTypeOptions& options,
                                                   std::string_view file_text);

// The readable views.
std::string format_ci(const boost::json::object& ci);
std::string format_ci_list(const boost::json::array& cis);
std::string format_ci_history(const boost::json::array& entries);
std::string format_ci_type(const boost::json::object& type);
std::string format_ci_type_list(const boost::json::array& types);

}  // namespace tollgate::cli
