// `tollgate release …`, `tollgate schedule` and `tollgate kpis`: the release workflow from the
// command line (DESIGN.md's releases, gates, promotion, back-out, VDD, master schedule, KPIs).
//
// Every command prints a readable summary, or with json the server's JSON. A refusal returns the
// problem as a Status (main prints "tollgate: <title>: <detail>" on standard error); with json
// the problem document itself is printed on standard output first, so scripts can read its
// `type`. A promotion refused for unmet gates or a skipped environment prints every unmet
// requirement, one per line ("unmet <gate>: <reason>: <detail>"), and exits kExitGatesUnmet.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "cli/commands.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct ReleaseOptions {
  // create, add, doc, gate, promote, backout, vdd, show, ls
  std::string action;
  std::string id;  // rel-N (every action but create and ls)
  // create
  std::string name;
  std::string version;
  std::string type;      // delta | full | package
  std::string category;  // scheduled | unscheduled | emergency
  std::vector<std::string> rfcs;
  std::vector<std::string> planned;  // ENV=YYYY-MM-DD
  std::vector<std::string> packages;
  // add
  std::string ci;
  std::string item_version;
  std::vector<std::string> install_paths;  // FILE=PATH
  // doc
  std::string kind;
  std::string document_name;
  std::string file;  // "-": standard input
  std::string media_type;
  // gate
  std::string gate;
  std::string verdict;  // pass | fail
  std::string notes;
  std::string evidence;
  std::string date;
  // promote, backout
  std::string environment;
  // vdd
  bool markdown = false;
  std::string output;  // empty: standard output
  // corrections: reschedule (planned), link (rfcs, no_rfcs), remove (ci), cancel, resolve
  std::string note;
  bool no_rfcs = false;
  std::string known_error;  // ke-N
  std::string resolution;
  // ls filters
  std::string state;
  std::string category_filter;
};

// `tollgate schedule` and `tollgate kpis`: an optional period, YYYY-MM-DD (UTC, inclusive).
struct ReportOptions {
  std::string from;
  std::string to;
};

// The options the release commands parse into, and which of them ran.
struct ReleaseCommands {
  ReleaseOptions release;
  ReportOptions schedule;
  ReportOptions kpis;
  CLI::App* release_command = nullptr;
  CLI::App* schedule_command = nullptr;
  CLI::App* kpis_command = nullptr;

  // Whether one of them was given on the command line.
  bool parsed() const;
};

// Adds `release` (with its actions), `schedule` and `kpis` to `app`. `commands` must outlive it.
void add_release_commands(CLI::App& app, ReleaseCommands& commands);

// Runs whichever of the commands was parsed; invalid when none was.
Status run_release_commands(CommandContext& context, const ReleaseCommands& commands);

// The release workflow: POST /api/v1/releases and its …/items, …/documents, …/gates/{gate},
// …/promote, …/backout; GET …/vdd (Accept text/markdown with markdown; written to output when
// given), GET /api/v1/releases/{id} and the list (all pages merged into one "items" array).
Status release(CommandContext& context, const ReleaseOptions& options);

// GET /api/v1/schedule?from&to: a table of planned and actual dates per environment, then the
// conflicts.
Status schedule(CommandContext& context, const ReportOptions& options);

// GET /api/v1/reports/kpis?from&to: the plan's section 9.1 measures.
Status kpis(CommandContext& context, const ReportOptions& options);

// --- The pieces, for tests -------------------------------------------------------------------

// Splits "KEY=VALUE" (both non-empty) for the flag `flag`. Errors: invalid, naming the flag.
Result<std::pair<std::string, std::string>> parse_assignment(std::string_view text,
                                                             std::string_view flag);

// The request bodies. Errors: invalid (a malformed --planned or --install-path, a date that is
// not YYYY-MM-DD, the same key twice).
Result<boost::json::object> create_release_body(const ReleaseOptions& options);
Result<boost::json::object> add_item_body(const ReleaseOptions& options);
Result<boost::json::object> gate_body(const ReleaseOptions& options);
// PATCH /api/v1/releases/{id} for reschedule (--planned ENV=DATE or ENV=none) and link (--rfc,
// --no-rfcs); --note for both.
Result<boost::json::object> correction_body(const ReleaseOptions& options);
boost::json::object document_body(const ReleaseOptions& options, std::string content);

// "?from=…&to=…" with the parts given, or empty. Errors: invalid for a date not YYYY-MM-DD.
Result<std::string> report_query(const ReportOptions& options);

// Whether text is YYYY-MM-DD (digits and dashes in place; the server checks the calendar).
bool looks_like_date(std::string_view text);

// The readable views.
std::string format_release(const boost::json::object& release);
std::string format_release_list(const boost::json::array& releases);
std::string format_unmet(const boost::json::object& problem);
std::string format_promotion(const boost::json::object& answer, std::string_view action);
std::string format_schedule(const boost::json::object& schedule);
std::string format_kpis(const boost::json::object& kpis);

}  // namespace tollgate::cli
