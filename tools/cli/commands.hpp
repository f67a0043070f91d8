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
#include <vector>

#include "cli/progress.hpp"
#include "cli/resumable_upload.hpp"
#include "client/http_client.hpp"
#include "tollgate/status.hpp"

namespace tollgate::cli {

// Exit codes: 0 success, 1 failure, 2 usage error (from the command-line parser), 3 an
// artifact failed verification (its bytes do not match its digest).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVerification = 3;

// kExitOk for ok, kExitVerification for Code::corrupt, kExitFailure otherwise.
int exit_code(const Status& status);

struct CommandContext {
  client::HttpClient& http;
  ProgressBar& progress;
  bool json = false;
  std::FILE* out = stdout;
};

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
  std::string coordinate;  // "ci/version/file"
  std::string output;      // a file or a directory; empty: ./<file>
};

// Downloads an artifact into a temporary file beside the output path, hashing it as it
// arrives, and renames it into place only when its SHA-256 equals the server's
// X-Checksum-Sha256. Errors: corrupt (exit 3) on a mismatch, naming both digests, with nothing
// written; whatever the server or the file system said otherwise.
Status fetch(CommandContext& context, const FetchOptions& options);

struct LsOptions {
  std::string what;  // "", "ci" or "ci/version"
};

// Lists CIs (no argument), a CI's artifact versions, or a version's files: a table, or with
// json the server's JSON (all pages merged into one "items" array).
Status ls(CommandContext& context, const LsOptions& options);

}  // namespace tollgate::cli
