// Auditors' commands: status accounting, the functional configuration audit and stored audit
// results (the physical audit is `tollgate pca`, cli/pca.hpp).
//
//   csa [--type T] [--status S] [--owner O] [--env E] [--csv]
//       GET /api/v1/reports/csa: the counts by status and by type, then a table of the CIs
//       (id, type, owner, status, revision, since when). --csv prints the server's CSV
//       (Accept: text/csv) as it is; with json the server's JSON report.
//   fca RELEASE
//       POST /api/v1/audits/fca {release}: a line with the verdict, then one line per finding
//       (check, CI or environment, detail). Exits kExitDrift (reason "drift") when the audit
//       ran and did not pass; with json prints the stored record first.
//   audits [--env E] [--host H] [--kind K] [--release R]
//       GET /api/v1/audits (every page): a table of the stored results; with json one
//       {"items": [...]} document.
//   audits show ID
//       GET /api/v1/audits/{id}: the result and its findings; with json the record.
//   audit-log [--actor A] [--target PATH] [--action TEXT] [--outcome O] [--from T] [--to T]
//             [--limit N]
//       GET /api/v1/audit-log (every page, or the first N entries): one line per entry
//       (sequence, time, actor, outcome, action, target); with json {"items": [...]}.
//   audit-log verify
//       GET /api/v1/audit-log/verify: the chain's length and head, or the first broken entry
//       (then Code::corrupt, exit 3).
// A refusal returns the server's problem as a Status.
#pragma once

#include <cstddef>
#include <string>

#include "cli/commands.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct AuditOptions {
  std::string action;  // csa, fca, audits, show
  // csa
  std::string type;
  std::string status;
  std::string owner;
  bool csv = false;
  // csa, audits
  std::string environment;
  // audits
  std::string host;
  std::string kind;
  std::string release;  // fca: the release audited; audits: a filter
  // show
  std::string id;
  // audit-log
  std::string actor;
  std::string target;
  std::string log_action;  // a substring of the entries' action
  std::string outcome;
  std::string from;
  std::string to;
  std::size_t limit = 0;  // 0: every entry
};

struct AuditCommands {
  AuditOptions options;
  CLI::App* csa = nullptr;
  CLI::App* fca = nullptr;
  CLI::App* audits = nullptr;
  CLI::App* audit_log = nullptr;

  bool parsed() const;
};

// Adds `csa`, `fca`, `audits` (with `audits show`) and `audit-log` (with `audit-log verify`) to
// `app`. `commands` must outlive it.
void add_audit_commands(CLI::App& app, AuditCommands& commands);

Status audit(CommandContext& context, const AuditOptions& options);

}  // namespace tollgate::cli
