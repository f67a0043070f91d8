// `tollgate pca --env ENV --host HOST [--ignore FILE] DIR`: the physical configuration audit of
// a deployed directory (DESIGN.md's PCA; the server side is server/domain/audit/pca.hpp).
//
// Scans DIR on all cores (cli/pca_scan.hpp), writes the inventory as NDJSON to an anonymous
// temporary file and streams it from there as the body of
// POST /api/v1/audits/pca?environment=ENV&host=HOST, so that no inventory string is built in
// memory whatever the number of files. Prints a readable report: one line per finding (status,
// path; for modified both digests and sizes, for missing the CI, version and file the manifest
// names), one per skipped entry (symlinks, special files), the count of ignored files and a
// summary line. With json it prints the server's stored record plus "ignored" (the ignored
// paths) and "skipped" ([{path, kind, target?}]).
//
// Only the patterns of --ignore FILE are obeyed (cli/pca_scan.hpp says why); when DIR holds a
// `.tollgateignore` that --ignore does not name, a warning on standard error says it was audited,
// not obeyed.
//
// Exit status (commands.hpp): 0 when the audit passed; kExitDrift (reason "drift") when it ran
// and found drift; otherwise as usual (a refusal: the problem as a Status, its document printed
// on standard output first with json).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "cli/commands.hpp"
#include "cli/pca_scan.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct PcaOptions {
  std::string environment;
  std::string host;
  std::string ignore_file;  // the auditor's ignore patterns; empty: none
  std::string dir;
  bool list_ok = false;  // ask the server to list the ok files too
  unsigned workers = 0;  // 0: every core
};

// Adds `pca` to `app`; `options` must outlive it.
CLI::App* add_pca_command(CLI::App& app, PcaOptions& options);

Status pca(CommandContext& context, const PcaOptions& options);

// --- The pieces, for tests -------------------------------------------------------------------

// One NDJSON line of the inventory, with its '\n'.
std::string inventory_line(const ScannedFile& file);

// Writes every file's line to `out`. Errors: io.
Status write_inventory(std::FILE* out, const std::vector<ScannedFile>& files);

// "/api/v1/audits/pca?environment=…&host=…[&list_ok=true]", percent-encoded.
std::string pca_target(const PcaOptions& options);

// The readable report of a stored PCA record and the scan behind it.
std::string format_pca_report(const boost::json::object& record, const ScanResult& scan);

// The warning printed when DIR holds a .tollgateignore that --ignore does not name.
std::string untrusted_ignore_file_notice(std::string_view dir);

// The record with "ignored" and "skipped" added, as --json prints it.
boost::json::object pca_json(boost::json::object record, const ScanResult& scan);

}  // namespace tollgate::cli
