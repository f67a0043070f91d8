// The `tollgate` commands, each a function from its options to a Status; main() parses the
// command line, prints a failed Status as "tollgate: <message>" and exits with exit_code().
//
// Results go to `out` (standard output): a line per item for people, or with `json` one JSON
// document. Progress goes to the ProgressBar (standard error when it is a terminal).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "cli/progress.hpp"
#include "cli/resumable_upload.hpp"
#include "client/http_client.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::cli {

// Exit codes: 0 success, 1 failure, 2 usage error (from the command-line parser), 3 an
// artifact failed verification (its bytes do not match its digest), 4 a promotion was refused
// for unmet gates or a skipped environment, 5 an audit found drift or failures (FCA, PCA).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVerification = 3;
inline constexpr int kExitGatesUnmet = 4;
inline constexpr int kExitDrift = 5;

// kExitOk for ok, kExitVerification for Code::corrupt, kExitGatesUnmet for the reasons
// gates-unmet and skipped-environment, kExitDrift for the reason "drift" (an audit that ran and
// did not pass), kExitFailure otherwise.
int exit_code(const Status& status);

struct CommandContext {
  client::HttpClient& http;
  ProgressBar& progress;
  bool json = false;
  std::FILE* out = stdout;

  // Where a command prints a refusal's problem document: `out` with json (so scripts can read
  // its type), else nowhere.
  std::FILE* problem_out() const { return json ? out : nullptr; }
};

// Prints a command's result: with json the object as one line of JSON, else the readable view.
void print_result(const CommandContext& context, const boost::json::object& result,
                  std::string_view view);

struct PushOptions {
  std::vector<std::string> files;
  std::string ci;
  std::string version;
  std::string media_type;  // empty: the server's default (application/octet-stream)
  std::string source_commit;
  std::string builder;
  std::string build_url;
  // Files larger than this go as upload sessions; smaller ones in one PUT.
  std::uint64_t resumable_threshold = std::uint64_t{64} << 20;
  ResumableOptions resumable;
};

// Pushes each file to ci/version/<file name>. Hashes every file first; then for each, a
// checksum deploy (no bytes sent when the server has them), else the bytes: one PUT up to the
// threshold, an upload session above it. Prints one line per file ("created", "already there",
// "deployed by checksum"), or with json an array of the artifact records, each with an
// "outcome" of "created", "already_there" or "deployed_by_checksum". Stops at the first failure
// (with json, after printing the records done so far).
Status push(CommandContext& context, const PushOptions& options);

struct FetchOptions {
  std::string coordinate;  // "ci/version/file", or "ci/file" with an environment
  std::string output;      // a file or a directory; empty: ./<file>
  // With an environment (fetch --env): what is deployed there now, checked against the
  // environment's signed manifest.
  std::string environment;
  std::string keys_file;   // key file the manifest must verify with; empty: the server's keys
  std::string server;      // the server URL, naming it in the manifest cache
  std::string cache_file;  // manifest_cache_file(); empty: no rollback memory
};

// Downloads an artifact into a temporary file beside the output path, hashing it as it
// arrives, and renames it into place only when its SHA-256 equals the server's
// X-Checksum-Sha256. Errors: corrupt (exit 3) on a mismatch, naming both digests, with nothing
// written; whatever the server or the file system said otherwise.
//
// With an environment: GET /api/v1/environments/{env}/manifest, verified with the key file
// (or, when none is configured, the server's GET /api/v1/keys, with a warning that they were
// taken on trust); an expired manifest, one of another environment, or a version lower than
// the newest this client saw for that server and environment (rollback) is refused (corrupt,
// exit 3, reasons as verify_document and check_manifest in cli/verify.hpp, "rollback",
// "wrong-environment"). Then the CI's FILE is downloaded from
// /api/v1/environments/{env}/artifacts/{ci}/{file} as above, and its digest must also equal
// the manifest's.
Status fetch(CommandContext& context, const FetchOptions& options);

struct KeysOptions {
  std::string save;  // write the keys as a key file here too
};

// The server's signing keys (GET /api/v1/keys): one line per key, or with json the server's
// JSON. With save, also writes them as a key file for `verify` and `fetch --env`.
Status keys(CommandContext& context, const KeysOptions& options);

struct VerifyOptions {
  std::string file;       // a saved signed document (manifest, baseline)
  std::string keys_file;  // the key file to trust
  Micros now = 0;         // 0: the system clock
};

// Checks a saved signed document offline: its signature with a key of the key file, and for a
// manifest (an object with "environment" and "expires_at") that it has not expired. Prints "OK
// signed by <key_id>". Errors: invalid without a key file; corrupt (exit 3) with the reasons of
// verify_document and check_manifest (cli/verify.hpp).
Status verify_signed(CommandContext& context, const VerifyOptions& options);

struct LsOptions {
  std::string what;  // "", "ci" or "ci/version"
};

// Lists CIs (no argument), a CI's artifact versions, or a version's files: a table, or with
// json the server's JSON (all pages merged into one "items" array).
Status ls(CommandContext& context, const LsOptions& options);

struct RfcOptions {
  std::string action;  // create, edit, submit, approve, reject, implement, review, close, show, ls
  std::string id;      // rfc-N (every action but create and ls)
  std::string note;    // the steps' optional note
  // create
  std::string title;
  std::string description;
  std::vector<std::string> cis;
  std::string category;  // standard | normal | emergency; empty: the server's default (normal)
  std::string risk;      // low | medium | high
  std::string resources;
  std::string cycle_time;
  // ls filters
  std::string state;
  std::string ci_filter;
};

// Requests for change: create one (draft), take it through its steps, show one (with the
// impact analysis of its CIs and its events), or list them (all pages). Prints a summary, a
// table for ls, or with json the server's JSON (ls: every page merged into one "items" array).
Status rfc(CommandContext& context, const RfcOptions& options);

}  // namespace tollgate::cli
