// The scanner of `tollgate pca`: walks a deployed directory and computes SHA-256 and size per
// regular file on all cores, honouring ignore patterns. No HTTP here (see cli/pca.hpp).
//
// Paths are relative to the scanned directory, with '/' separators and no leading '/'.
//
// Ignore patterns (a file like AIDE's excludes), one per line; blank lines and lines starting
// with '#' are skipped, surrounding whitespace is trimmed:
//   - `!REGEX`: excludes every entry whose "/"-rooted relative path ("/logs/app.log") the
//     regular expression matches from its start (not necessarily to its end), as AIDE does:
//     `!/logs/.*` excludes everything below logs/, `!/tmp` also excludes /tmpfile. The syntax
//     is ECMAScript's without backreferences or lookaround (cli/path_pattern.hpp).
//   - anything else is a glob over the relative path: `*` matches within one component, `**`
//     across components (`**/` also matches no directory at all), `?` one character of a
//     component; every other character is literal. A glob without '/' (apart from a trailing
//     one) matches an entry's name at any depth (`*.log`); with a '/' it matches the path from
//     the scanned directory (a leading '/' is optional). A trailing '/' makes it match
//     directories only.
// An excluded directory excludes everything below it. Every pattern runs in time linear in the
// path's length (cli/path_pattern.hpp), so a hostile path cannot stall a scan.
//
// Patterns come only from the auditor (ScanOptions::ignore_file, `tollgate pca --ignore`): the
// scanned tree is what is being audited and so is untrusted, and an intruder who could write a
// pattern file into it could hide what they implanted. A `.tollgateignore` in the scanned
// directory — obeyed by earlier versions — is therefore scanned and sent like any other file
// (ScanResult::untrusted_ignore_file says it is there), never read.
//
// Entries that are neither regular files nor directories are not hashed and not sent: symbolic
// links (never followed, also not to directories) are reported with their target, other special
// files (fifos, sockets, devices) with their kind, in ScanResult::skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/path_pattern.hpp"
#include "client/sha256.hpp"
#include "tollgate/status.hpp"

namespace tollgate::cli {

// The ignore patterns of one scan.
class IgnoreRules {
 public:
  // Adds the patterns of `text`; `source` names it in errors ("FILE line N: ...").
  // Errors: invalid for a regular expression PathPattern::regex refuses, or an empty `!`.
  Status add(std::string_view text, std::string_view source);
  // Reads and adds the patterns of the file at `path`. Errors: not_found, io, as add().
  Status add_file(const std::string& path);

  // Whether the entry at relative path `path` (no leading '/') is excluded by itself (not
  // looking at its parent directories). `directory`: whether the entry is a directory.
  bool excludes(std::string_view path, bool directory) const;

  std::size_t size() const { return rules_.size(); }

 private:
  struct Rule {
    PathPattern pattern;
    bool is_regex = false;        // `!REGEX`: searched from the start of "/" + path
    bool name_only = false;       // glob without '/': matched against the last component
    bool directory_only = false;  // glob with a trailing '/'
  };
  std::vector<Rule> rules_;
};

struct ScannedFile {
  std::string path;  // relative, '/'-separated
  std::string sha256;
  std::uint64_t size = 0;
};

// An entry that was neither hashed nor ignored: kind is "symlink" (target set) or "fifo",
// "socket", "block-device", "char-device", "other".
struct SkippedEntry {
  std::string path;
  std::string kind;
  std::string target;
};

// The name of the pattern file earlier versions obeyed in the scanned directory.
inline constexpr std::string_view kUntrustedIgnoreFile = ".tollgateignore";

struct ScanResult {
  std::vector<ScannedFile> files;     // sorted by path
  std::vector<std::string> ignored;   // every file excluded by a pattern, sorted
  std::vector<SkippedEntry> skipped;  // sorted by path
  // The scanned directory holds a regular file kUntrustedIgnoreFile (scanned, not obeyed).
  bool untrusted_ignore_file = false;
};

// Hashes one file (client::sha256_file by default); a seam for tests.
using FileHasher = std::function<Result<client::FileDigest>(const std::string& path)>;

struct ScanOptions {
  std::string ignore_file;  // the auditor's ignore patterns; empty: none, every file is sent
  unsigned workers = 0;     // hashing threads; 0: std::thread::hardware_concurrency()
  FileHasher hasher;        // empty: client::sha256_file
};

// Walks `dir` (which must be a directory) and hashes every regular file not excluded, with
// `workers` threads pulling files from a shared queue, each streaming its file through the
// hasher in 1 MiB reads. Errors: not_found or invalid when `dir` is missing or no directory;
// as IgnoreRules for the ignore files; io (naming the path) when a directory cannot be listed
// or a file cannot be read — the scan then stops with no result.
Result<ScanResult> scan_directory(const std::string& dir, const ScanOptions& options);

}  // namespace tollgate::cli
