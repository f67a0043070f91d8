// Private to storage/: RAII for libgit2 objects, libgit2 errors as Status, object ids as hex.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <string_view>

#include "storage/git_vault.hpp"
#include "tollgate/status.hpp"

namespace tollgate::storage::git {

// unique_ptr deleter calling the libgit2 free function of the type.
template <auto Free>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using RepoPtr = std::unique_ptr<git_repository, FreeWith<git_repository_free>>;
using ObjectPtr = std::unique_ptr<git_object, FreeWith<git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, FreeWith<git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, FreeWith<git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, FreeWith<git_tree_entry_free>>;
using TreeBuilderPtr = std::unique_ptr<git_treebuilder, FreeWith<git_treebuilder_free>>;
using BlobPtr = std::unique_ptr<git_blob, FreeWith<git_blob_free>>;
using TagPtr = std::unique_ptr<git_tag, FreeWith<git_tag_free>>;
using ReferencePtr = std::unique_ptr<git_reference, FreeWith<git_reference_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, FreeWith<git_revwalk_free>>;
using SignaturePtr = std::unique_ptr<git_signature, FreeWith<git_signature_free>>;

// Lets a libgit2 out-parameter fill a unique_ptr: `git_tree_lookup(out(tree), repo, &id)`.
// The pointer is taken over when the full expression ends, also when the call failed (libgit2
// leaves null there then).
template <typename Ptr>
class OutParam {
 public:
  explicit OutParam(Ptr& target) : target_(target) {}
  ~OutParam() { target_.reset(raw_); }
  OutParam(const OutParam&) = delete;
  OutParam& operator=(const OutParam&) = delete;
  operator typename Ptr::pointer *() { return &raw_; }  // NOLINT(google-explicit-constructor)

 private:
  Ptr& target_;
  typename Ptr::pointer raw_ = nullptr;
};
template <typename Ptr>
OutParam<Ptr> out(Ptr& target) {
  return OutParam<Ptr>(target);
}

// The Status for a failed libgit2 call (rc < 0), with git_error_last()'s message. Must run on
// the thread of the failed call. GIT_ENOTFOUND -> not_found; GIT_EEXISTS, GIT_EMODIFIED (a
// compare-and-swap lost) and GIT_ELOCKED (another writer holds the lock) -> conflict;
// GIT_EINVALIDSPEC and GIT_EPEEL (asked for a commit, found something else) -> invalid;
// GIT_EMISMATCH (hash check failed) -> corrupt; everything else -> io.
Status error_status(int rc, std::string_view what);

// Holds one libgit2 initialisation; the first one in the process also sets the global options.
class Library {
 public:
  Library();
  ~Library();
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  const Status& status() const { return status_; }

 private:
  bool initialised_ = false;
  Status status_;
};

// Makes the new object fan-out directories (objects/ab/) durable before a ref names what is in
// them. libgit2 1.5 with GIT_OPT_ENABLE_FSYNC_GITDIR fsyncs each object file and the fan-out
// directory it lands in, but not objects/ after creating that directory: without this a power
// loss could keep a ref and lose the directory holding its commit. Errors: io.
Status sync_object_directory(git_repository* repo);
// fsync of one directory, so that the entries created in it survive a power loss. Errors: io.
Status sync_directory(const std::string& dir);

// An advisory exclusive lock (flock) on a directory: it serializes the writers of every
// process that opens the vault through GitVault, and the kernel drops it when a process dies,
// so it never goes stale. Within a process, writers must hold a mutex too (flock is per open
// file description).
class DirectoryLock {
 public:
  static Result<DirectoryLock> open(const std::string& dir);
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock();

  // Holds the lock until destroyed.
  class Held {
   public:
    explicit Held(int fd) : fd_(fd) {}
    Held(Held&& other) noexcept;
    Held& operator=(Held&&) = delete;
    ~Held();

   private:
    int fd_;
  };
  // Blocks until the lock is free. Errors: io.
  Result<Held> hold() const;

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

std::string to_hex(const git_oid& id);
// Parses a full 40-hex id. invalid otherwise.
Status parse_oid(std::string_view hex, git_oid* id);
bool is_full_hex_id(std::string_view s);

// A signature at `when` (Micros, truncated to seconds, UTC). invalid for a malformed person.
Status make_signature(const VaultAuthor& who, Micros when, SignaturePtr* sig);
VaultAuthor author_of(const git_signature* sig);
Micros micros_of(const git_time& t);

// Messages as git stores them: at least one line, a final newline, no NUL.
Status normalise_message(std::string_view message, std::string* normalised);
std::string trim_message(const char* message);

}  // namespace tollgate::storage::git

// Evaluates a libgit2 call and returns its error as a Status from the enclosing function.
#define TG_GIT(call, what)                                            \
  do {                                                                \
    if (const int tg_git_rc = (call); tg_git_rc < 0)                  \
      return ::tollgate::storage::git::error_status(tg_git_rc, what); \
  } while (false)
