// GitVault: controlled documents, manifests and baselines as commits in a bare git repository.
//
// The vault is DATA/vault.git, a plain bare repository written with libgit2, so that
// `git clone DATA/vault.git` is a complete, readable audit history. Every change is one commit
// by the acting person; baselines are annotated tags. Nothing of libgit2 leaks through this
// header: callers see paths, bytes, hex object ids and Status codes.
//
// Durability and atomicity: blobs, trees and the commit are written to the object database
// (fsynced: the vault turns on libgit2's GIT_OPT_ENABLE_FSYNC_GITDIR) before the branch moves,
// and the branch moves by compare-and-swap on the head the commit was built on. A crash at any
// instant leaves the branch on a complete commit; unreferenced objects may stay behind and are
// harmless (`git gc` removes them).
//
// Threads and processes: every method may be called from any thread. Commits and tags are
// serialized by a mutex within the process and by an flock on the repository directory across
// processes that use GitVault (the kernel drops it when a process dies, so it never goes stale).
// Reads run in parallel, each on its own repository handle from a small pool. A writer outside
// Tollgate (`git push`, `git update-ref`) is safe too: a commit that loses the compare-and-swap
// is rebuilt on the new head (up to 16 times), or refused with conflict when the caller pinned
// the head it expected.
//
// Process-wide effects of the first open: libgit2 is initialised (reference counted, shut down
// with the last vault), fsync of the git directory is enabled, and libgit2 stops reading the
// system, XDG and global git configuration, so the user's ~/.gitconfig cannot change what the
// server writes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::storage {

// The branch every call uses unless told otherwise; HEAD of a new vault points to it.
inline constexpr const char* kVaultMainBranch = "refs/heads/main";

// Reasons of a commit refused (conflict) because a writer outside Tollgate kept moving the branch
// (or the head moved from the one the caller pinned), or kept it locked.
inline constexpr const char* kVaultHeadMovedReason = "vault-head-moved";
inline constexpr const char* kVaultBranchLockedReason = "vault-branch-locked";

// Recorded as the email of an author who has none: libgit2 refuses an empty one.
inline constexpr const char* kVaultNoEmail = "unknown@tollgate.invalid";

// Who made a change: the author of a commit or the tagger of a tag. `name` must not be empty;
// neither field may contain '<', '>' or control characters. An empty `email` is recorded as
// kVaultNoEmail (and read back as such).
struct VaultAuthor {
  std::string name;
  std::string email;
};

struct GitVaultOptions {
  std::string path;                            // the bare repository; created if missing
  std::string main_branch = kVaultMainBranch;  // full ref name, used when a call names none
  // Committer of every commit (the author is the acting person).
  VaultAuthor committer{"Tollgate", "tollgate@localhost"};
  // Source of commit and tag times; null means the system clock. Not owned; must outlive the
  // vault. Git keeps whole seconds in UTC, so times read back are truncated to the second.
  const Clock* clock = nullptr;
};

// One atomic change: every write and every deletion lands in one commit, or none does.
struct VaultChanges {
  std::map<std::string, std::string> writes;  // path -> complete new content (create or replace)
  std::vector<std::string> deletions;         // paths of files to remove; each must exist
};

struct CommitOptions {
  std::string branch;  // full ref name ("refs/heads/..."); empty means the main branch
  // Optimistic concurrency: commit only if the branch head is still this commit id; an empty
  // string means the branch must not exist yet. Unset: commit on whatever the head is.
  std::optional<std::string> expected_head;
};

struct CommitInfo {
  std::string id;      // the new commit, or the unchanged head when created is false
  std::string parent;  // first parent of `id`; empty when `id` is the branch's first commit
  std::string tree;    // root tree id
  // False when the changes left the tree exactly as it was (for example the same bytes written
  // again): no commit is made and id is the existing head. Repeating a write is idempotent.
  bool created = true;
  Micros time = 0;                           // author time of `id`
  std::map<std::string, std::string> blobs;  // written path -> blob id
};

// One commit that changed a path, as `git log -- PATH` shows it.
struct VaultRevision {
  std::string commit;
  VaultAuthor author;
  Micros time = 0;
  std::string message;  // without trailing newlines
  std::string object;   // blob (or tree, for a directory) id there; empty when it was deleted
};

// A commit as `git log --first-parent` lists it.
struct VaultCommit {
  std::string id;
  std::string parent;  // first parent; empty for a root commit
  VaultAuthor author;
  Micros time = 0;      // author time
  std::string message;  // the whole message, trailers included, without trailing newlines
};

struct VaultEntry {
  std::string name;  // one component, not a path
  bool directory = false;
  std::string id;  // blob or tree id
};

struct VaultTag {
  std::string name;    // without "refs/tags/"
  std::string id;      // the tag object; equals target for a lightweight tag made outside
  std::string target;  // the commit it names
  VaultAuthor tagger;  // empty for a lightweight tag
  Micros time = 0;
  std::string message;  // without trailing newlines
};

// Checks a vault path: relative, '/'-separated, at most 4096 bytes, components 1..255 bytes and
// not ".", ".." or ".git"; no control characters, NUL or backslashes. Errors: invalid.
Status validate_vault_path(std::string_view path);

class GitVault {
 public:
  // Opens the bare repository at options.path, or initialises it (with HEAD on the main branch)
  // when nothing is there. Removes the ref lock files (refs/**/*.lock, HEAD.lock, ...) that a
  // writer killed mid-update left behind, holding the write lock so that no GitVault is
  // writing: do not run git commands that write the vault while a Tollgate process starts.
  // Errors: invalid when the path holds a non-bare repository or the options are malformed; io
  // when the repository cannot be read or created.
  static Result<std::unique_ptr<GitVault>> open(const GitVaultOptions& options);
  static Result<std::unique_ptr<GitVault>> open(const std::string& path);

  ~GitVault();
  GitVault(const GitVault&) = delete;
  GitVault& operator=(const GitVault&) = delete;

  // Commits `changes` on top of the branch head as one commit by `author` with `message`
  // (non-empty, no NUL; a final newline is added as git does). Nested directories are created
  // as needed and dropped when a deletion empties them.
  // Errors: invalid (bad path, author, message, branch or expected_head; no changes; a path
  // both written and deleted, or used as a file and as a directory; deleting a directory);
  // not_found (deleting a path that does not exist); conflict (a write where a directory is, or
  // below a file; with reason kVaultHeadMovedReason when expected_head no longer holds or the
  // head kept moving under an outside writer, kVaultBranchLockedReason when one kept the branch
  // locked); io.
  Result<CommitInfo> commit(const VaultChanges& changes, const VaultAuthor& author,
                            std::string_view message, const CommitOptions& options = {});

  // What a planned commit writes, decided from the head it lands on.
  struct PlannedCommit {
    VaultChanges changes;
    std::string message;
  };
  // Reads the vault at `head` (the branch's current head; empty before its first commit) and
  // decides what to commit on it; nullopt to commit nothing. It may read the vault but must not
  // write it.
  using CommitPlanner = std::function<Result<std::optional<PlannedCommit>>(const std::string&)>;

  // A commit decided under the write lock that every Tollgate writer of this vault takes,
  // threads and processes alike: no other Tollgate writer can move the head between `plan` and
  // the commit, so what `plan` checked still holds when it lands, and two writers planning at
  // once take turns instead of starving each other. When a writer outside Tollgate (git push)
  // moves or locks the branch meanwhile, `plan` is called again on the new head. A Status from
  // `plan` is returned as it is. When `plan` commits nothing, the result is the head with
  // `created` false (an empty CommitInfo on a branch without commits). options.expected_head
  // is not used: the planner sees the head. Errors: those of commit() and of `plan`.
  Result<CommitInfo> commit_planned(const CommitPlanner& plan, const VaultAuthor& author,
                                    const CommitOptions& options = {});

  // The commit id the branch (empty: the main branch) points to. not_found before its first
  // commit.
  Result<std::string> head(std::string_view branch = {}) const;

  // Revisions, wherever a call takes `at`: empty means the head of the main branch; a full
  // 40-hex commit (or annotated tag) id; or a full ref name such as "refs/tags/baseline-7" or
  // "refs/heads/main". Anything else is invalid; a revision that does not exist is not_found.

  // The content of the file at `path` as of `at`. not_found when the path does not exist there
  // or is a directory.
  Result<std::string> read(std::string_view path, std::string_view at = {}) const;
  // read(path, commit_id), with the arguments in the order of `git show COMMIT:PATH`.
  Result<std::string> read_at(std::string_view commit_id, std::string_view path) const {
    return read(path, commit_id);
  }
  // The blob id of the file at `path` as of `at` (what a release digest binds to).
  Result<std::string> blob_id(std::string_view path, std::string_view at = {}) const;
  // The entries of directory `dir` ("" for the root) as of `at`, sorted by name. not_found when
  // it does not exist or is a file; an empty vault has an empty root.
  Result<std::vector<VaultEntry>> list(std::string_view dir, std::string_view at = {}) const;

  // The commits that changed `path` (a file or a directory; "" for the root, i.e. every commit
  // that changed anything), newest first, following first parents from `at`. A commit counts
  // when the path's object id differs from the one in its parent, so creation, every change and
  // deletion show. `limit` 0 means all. An empty vault has no history (an empty list).
  // Cost: one tree lookup per commit walked, so a rarely changed path in a long history is slow.
  Result<std::vector<VaultRevision>> history(std::string_view path, std::size_t limit = 0,
                                             std::string_view at = {}) const;

  // The commits from `at` back along first parents, newest first; `limit` 0 means all. An
  // empty vault has none.
  Result<std::vector<VaultCommit>> log(std::size_t limit, std::string_view at = {}) const;

  // Creates the annotated tag `name` on commit `commit_id` (a full id, or any non-empty
  // revision as above) by `tagger` with `message`. Errors: invalid (name not a valid git tag name,
  // bad tagger or message); not_found (no such commit); conflict (the name is taken, whatever it
  // points to: tags are never moved); io.
  Result<VaultTag> tag(std::string_view name, std::string_view commit_id, std::string_view message,
                       const VaultAuthor& tagger);
  // The commit a tag names. not_found when there is no such tag.
  Result<std::string> tag_target(std::string_view name) const;
  Result<VaultTag> tag_info(std::string_view name) const;
  // Every tag, sorted by name.
  Result<std::vector<VaultTag>> list_tags() const;

  const std::string& path() const;

  struct Impl;

 private:
  explicit GitVault(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::storage
