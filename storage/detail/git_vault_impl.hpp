// Private to storage/: the state behind GitVault, shared by git_vault*.cpp.
#pragma once

#include <git2.h>

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "git_support.hpp"
#include "storage/git_vault.hpp"

namespace tollgate::storage {

struct GitVault::Impl {
  explicit Impl(GitVaultOptions opts) : options(std::move(opts)) {}

  // A repository handle borrowed from the pool for one call; git_repository is not safe to use
  // from two threads at once, so every call takes its own and gives it back when done.
  class Lease {
   public:
    Lease(Impl* owner, git::RepoPtr repo) : owner_(owner), repo_(std::move(repo)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (repo_) owner_->give_back(std::move(repo_));
    }
    git_repository* get() const { return repo_.get(); }

   private:
    Impl* owner_;
    git::RepoPtr repo_;
  };

  // Holds both write locks for one commit or tag: the mutex against the threads of this
  // process, the flock against other processes.
  struct WriteLock {
    std::unique_lock<std::mutex> threads;
    git::DirectoryLock::Held processes;
  };

  Result<Lease> lease();
  void give_back(git::RepoPtr repo);
  Result<WriteLock> lock_writes();
  Micros now() const { return (options.clock ? options.clock : &system_clock)->now(); }
  // `branch`, or the main branch when empty; invalid unless a valid "refs/heads/..." name.
  Result<std::string> branch_name(std::string_view branch) const;

  git::Library library;  // first member: libgit2 stays initialised until the rest is gone
  GitVaultOptions options;
  SystemClock system_clock;
  std::mutex write_mutex;
  std::optional<git::DirectoryLock> process_lock;  // set once the repository exists
  std::mutex pool_mutex;
  std::vector<git::RepoPtr> idle;  // guarded by pool_mutex
};

namespace git {

// A commit as a git_commit (libgit2 documents that the object types may be cast this way).
inline const git_commit* as_commit(const git_object* object) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  return reinterpret_cast<const git_commit*>(object);
}

// The commit a revision names (see git_vault.hpp). Null when `at` is empty and the main
// branch has no commit yet. Errors: invalid (malformed revision; not a commit), not_found.
Result<ObjectPtr> resolve(git_repository* repo, std::string_view at,
                          const std::string& main_branch);

// The id of the object at `path` ("" for the root tree) in `commit`; nullopt when absent.
Result<std::optional<git_oid>> object_at(const git_commit* commit, std::string_view path);

// Returns invalid unless `name` is a valid reference name.
Status check_ref_name(const std::string& name);

}  // namespace git
}  // namespace tollgate::storage
