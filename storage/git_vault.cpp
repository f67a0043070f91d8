// GitVault: opening the repository, the handle pool, commits and the branch head.
#include "storage/git_vault.hpp"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "detail/git_tree_edit.hpp"
#include "detail/git_vault_impl.hpp"

namespace tollgate::storage {
namespace {

constexpr std::size_t kMaxIdleHandles = 8;
// A commit that loses the compare-and-swap to another process is rebuilt on the new head this
// many times before the caller gets conflict.
constexpr int kMaxCommitAttempts = 16;

// A new vault's directories, down from the one holding it, so that a vault that has taken
// commits cannot vanish in a power loss (libgit2 fsyncs files and refs, not what init creates).
Status sync_new_vault(const std::string& git_dir) {
  const std::filesystem::path dir = std::filesystem::path(git_dir).parent_path();  // no '/'
  for (const char* sub : {"objects", "refs/heads", "refs/tags", "refs", ""}) {
    TG_RETURN_IF_ERROR(git::sync_directory((*sub ? dir / sub : dir).string()));
  }
  return git::sync_directory(dir.parent_path().empty() ? "." : dir.parent_path().string());
}

// Removes the lock files a writer killed mid-update left behind (git never does): one on a
// branch would refuse every later commit. Called holding the flock, so no GitVault of any
// process is writing; a git command writing the vault at this very moment could lose its update.
Status remove_stale_locks(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const char* file : {"HEAD.lock", "packed-refs.lock", "config.lock"}) {
    if (fs::exists(fs::path(path) / file, ec)) stale.push_back(fs::path(path) / file);
  }
  for (fs::recursive_directory_iterator it(fs::path(path) / "refs", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".lock" && it->is_regular_file(ec)) stale.push_back(it->path());
  }
  if (ec) return io_error(fmt::format("look for stale locks in {}: {}", path, ec.message()));
  for (const fs::path& lock : stale) {
    if (!fs::remove(lock, ec) && ec) {
      return io_error(fmt::format("remove {}: {}", lock.string(), ec.message()));
    }
  }
  return {};
}

Result<git::RepoPtr> open_or_init(const std::string& path, const std::string& main_branch) {
  git::RepoPtr repo;
  const int rc =
      git_repository_open_ext(git::out(repo), path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc == GIT_ENOTFOUND) {
    git_repository_init_options init{};
    TG_GIT(git_repository_init_options_init(&init, GIT_REPOSITORY_INIT_OPTIONS_VERSION),
           "create the vault");
    init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
    init.initial_head = main_branch.c_str();
    TG_GIT(git_repository_init_ext(git::out(repo), path.c_str(), &init), "create the vault");
    TG_RETURN_IF_ERROR(sync_new_vault(git_repository_path(repo.get())));
  } else if (rc < 0) {
    return git::error_status(rc, fmt::format("open the vault {}", path));
  }
  if (!git_repository_is_bare(repo.get())) {
    return invalid(fmt::format("{} is a repository with a working tree, not a bare vault", path));
  }
  return repo;
}

// The parts of one commit that do not depend on the head it lands on.
struct CommitPlan {
  const git::TreeEdit* edit;
  const git_signature* author;
  const git_signature* committer;
  const std::string* message;
  const std::string* branch;
  const std::optional<std::string>* expected_head;
};

Status head_moved(std::string message) {
  return conflict(std::move(message)).with_reason(kVaultHeadMovedReason);
}

Status check_expected(const CommitPlan& plan, const git_oid* head) {
  const std::optional<std::string>& expected = *plan.expected_head;
  if (!expected) return {};
  const std::string actual = head ? git::to_hex(*head) : std::string();
  std::string wanted = *expected;
  for (char& c : wanted) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (actual == wanted) return {};
  return head_moved(
      fmt::format("{} is at '{}', not at the expected '{}'", *plan.branch, actual, *expected));
}

CommitInfo unchanged(const git_commit* head, std::map<std::string, std::string> blobs) {
  const git_oid* parent = git_commit_parent_id(head, 0);
  return CommitInfo{git::to_hex(*git_commit_id(head)),
                    parent ? git::to_hex(*parent) : "",
                    git::to_hex(*git_commit_tree_id(head)),
                    false,
                    git::micros_of(git_commit_author(head)->when),
                    std::move(blobs)};
}

// Moves the branch from `head` (null: it must not exist) to `id`, or reports that it moved.
Status move_branch(git_repository* repo, const std::string& branch, const git_oid* head,
                   const git_oid& id, const std::string& message) {
  git::ReferencePtr ref;
  const std::string log = "commit: " + message.substr(0, message.find('\n'));
  const int rc =
      head ? git_reference_create_matching(git::out(ref), repo, branch.c_str(), &id, 1, head,
                                           log.c_str())
           : git_reference_create(git::out(ref), repo, branch.c_str(), &id, 0, log.c_str());
  if (rc == GIT_ELOCKED)
    return git::error_status(rc, "move " + branch).with_reason(kVaultBranchLockedReason);
  if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ENOTFOUND) {
    return head_moved(git::error_status(rc, "move " + branch).message());
  }
  TG_GIT(rc, "move " + branch);
  return {};
}

// One attempt: builds the tree on the current head and moves the branch by compare-and-swap.
Result<CommitInfo> try_commit(git_repository* repo, const CommitPlan& plan) {
  git_oid head_id;
  const int rc = git_reference_name_to_id(&head_id, repo, plan.branch->c_str());
  if (rc < 0 && rc != GIT_ENOTFOUND) return git::error_status(rc, "read " + *plan.branch);
  const git_oid* head = rc == 0 ? &head_id : nullptr;
  TG_RETURN_IF_ERROR(check_expected(plan, head));

  git::CommitPtr parent;
  git::TreePtr base;
  if (head) {
    TG_GIT(git_commit_lookup(git::out(parent), repo, head), "read the head commit");
    TG_GIT(git_commit_tree(git::out(base), parent.get()), "read the head tree");
  }
  git_oid tree_id;
  std::map<std::string, std::string> blobs;
  TG_RETURN_IF_ERROR(plan.edit->apply(repo, base.get(), &tree_id, &blobs));
  if (head && git_oid_equal(&tree_id, git_tree_id(base.get()))) {
    return unchanged(parent.get(), std::move(blobs));
  }

  git::TreePtr tree;
  TG_GIT(git_tree_lookup(git::out(tree), repo, &tree_id), "read the new tree");
  const git_commit* parents[] = {parent.get()};
  git_oid commit_id;
  TG_GIT(git_commit_create(&commit_id, repo, nullptr, plan.author, plan.committer, nullptr,
                           plan.message->c_str(), tree.get(), head ? 1 : 0, parents),
         "write the commit");
  TG_RETURN_IF_ERROR(git::sync_object_directory(repo));
  TG_RETURN_IF_ERROR(move_branch(repo, *plan.branch, head, commit_id, *plan.message));
  return CommitInfo{git::to_hex(commit_id),
                    head ? git::to_hex(*head) : "",
                    git::to_hex(tree_id),
                    true,
                    git::micros_of(plan.author->when),
                    std::move(blobs)};
}

}  // namespace

Result<GitVault::Impl::Lease> GitVault::Impl::lease() {
  {
    std::lock_guard lock(pool_mutex);
    if (!idle.empty()) {
      git::RepoPtr repo = std::move(idle.back());
      idle.pop_back();
      return Lease(this, std::move(repo));
    }
  }
  git::RepoPtr repo;
  TG_GIT(git_repository_open_bare(git::out(repo), options.path.c_str()), "open the vault");
  return Lease(this, std::move(repo));
}

void GitVault::Impl::give_back(git::RepoPtr repo) {
  std::lock_guard lock(pool_mutex);
  if (idle.size() < kMaxIdleHandles) idle.push_back(std::move(repo));
}

Result<GitVault::Impl::WriteLock> GitVault::Impl::lock_writes() {
  std::unique_lock threads(write_mutex);
  TG_ASSIGN_OR_RETURN(git::DirectoryLock::Held processes, process_lock->hold());
  return WriteLock{std::move(threads), std::move(processes)};
}

Result<std::string> GitVault::Impl::branch_name(std::string_view branch) const {
  std::string name = branch.empty() ? options.main_branch : std::string(branch);
  if (name.rfind("refs/heads/", 0) != 0) {
    return invalid(fmt::format("'{}' is not a branch (refs/heads/...)", name));
  }
  TG_RETURN_IF_ERROR(git::check_ref_name(name));
  return name;
}

GitVault::GitVault(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GitVault::~GitVault() = default;

Result<std::unique_ptr<GitVault>> GitVault::open(const std::string& path) {
  GitVaultOptions options;
  options.path = path;
  return open(options);
}

Result<std::unique_ptr<GitVault>> GitVault::open(const GitVaultOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  TG_RETURN_IF_ERROR(impl->library.status());
  if (options.path.empty()) return invalid("the vault path is empty");
  TG_ASSIGN_OR_RETURN(impl->options.main_branch, impl->branch_name(options.main_branch));
  git::SignaturePtr probe;
  TG_RETURN_IF_ERROR(git::make_signature(options.committer, 0, &probe));
  TG_ASSIGN_OR_RETURN(git::RepoPtr repo, open_or_init(options.path, impl->options.main_branch));
  TG_ASSIGN_OR_RETURN(git::DirectoryLock lock, git::DirectoryLock::open(options.path));
  impl->process_lock.emplace(std::move(lock));
  {
    TG_ASSIGN_OR_RETURN(const Impl::WriteLock held, impl->lock_writes());
    TG_RETURN_IF_ERROR(remove_stale_locks(options.path));
  }
  impl->give_back(std::move(repo));
  return std::unique_ptr<GitVault>(new GitVault(std::move(impl)));
}

const std::string& GitVault::path() const { return impl_->options.path; }

Result<CommitInfo> GitVault::commit(const VaultChanges& changes, const VaultAuthor& author,
                                    std::string_view message, const CommitOptions& options) {
  TG_ASSIGN_OR_RETURN(const std::string branch, impl_->branch_name(options.branch));
  std::string text;
  TG_RETURN_IF_ERROR(git::normalise_message(message, &text));
  TG_ASSIGN_OR_RETURN(const git::TreeEdit edit, git::TreeEdit::plan(changes));
  if (options.expected_head && !options.expected_head->empty() &&
      !git::is_full_hex_id(*options.expected_head)) {
    return invalid(
        fmt::format("expected head '{}' is not a full commit id", *options.expected_head));
  }

  TG_ASSIGN_OR_RETURN(const Impl::WriteLock lock, impl_->lock_writes());
  const Micros now = impl_->now();
  git::SignaturePtr author_sig, committer_sig;
  TG_RETURN_IF_ERROR(git::make_signature(author, now, &author_sig));
  TG_RETURN_IF_ERROR(git::make_signature(impl_->options.committer, now, &committer_sig));
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  const CommitPlan plan{&edit, author_sig.get(), committer_sig.get(),
                        &text, &branch,          &options.expected_head};
  for (int attempt = 1;; ++attempt) {
    Result<CommitInfo> result = try_commit(repo.get(), plan);
    if (result.ok() || attempt == kMaxCommitAttempts) return result;
    // A writer outside Tollgate (git push, git update-ref) holds the branch's lock, or moved it:
    // build again on what it wrote, at once when it has finished.
    const Status status = result.status();  // a copy: reason() must not outlive it
    const std::string& reason = status.reason();
    if (reason == kVaultBranchLockedReason) {
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
    } else if (reason != kVaultHeadMovedReason || options.expected_head) {
      return result;
    }
  }
}

Result<CommitInfo> GitVault::commit_planned(const CommitPlanner& plan, const VaultAuthor& author,
                                            const CommitOptions& options) {
  TG_ASSIGN_OR_RETURN(const std::string branch, impl_->branch_name(options.branch));
  TG_ASSIGN_OR_RETURN(const Impl::WriteLock lock, impl_->lock_writes());
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  for (int attempt = 1;; ++attempt) {
    git_oid head_id;
    const int rc = git_reference_name_to_id(&head_id, repo.get(), branch.c_str());
    if (rc < 0 && rc != GIT_ENOTFOUND) return git::error_status(rc, "read " + branch);
    const std::string head = rc == 0 ? git::to_hex(head_id) : std::string();
    TG_ASSIGN_OR_RETURN(const std::optional<PlannedCommit> planned, plan(head));
    if (!planned) {
      if (head.empty()) {
        CommitInfo none;
        none.created = false;
        return none;
      }
      git::CommitPtr current;
      TG_GIT(git_commit_lookup(git::out(current), repo.get(), &head_id), "read the head commit");
      return unchanged(current.get(), {});
    }
    std::string text;
    TG_RETURN_IF_ERROR(git::normalise_message(planned->message, &text));
    TG_ASSIGN_OR_RETURN(const git::TreeEdit edit, git::TreeEdit::plan(planned->changes));
    const Micros now = impl_->now();
    git::SignaturePtr author_sig, committer_sig;
    TG_RETURN_IF_ERROR(git::make_signature(author, now, &author_sig));
    TG_RETURN_IF_ERROR(git::make_signature(impl_->options.committer, now, &committer_sig));
    const std::optional<std::string> expected = head;
    const CommitPlan commit_plan{&edit, author_sig.get(), committer_sig.get(),
                                 &text, &branch,          &expected};
    Result<CommitInfo> result = try_commit(repo.get(), commit_plan);
    if (result.ok() || attempt == kMaxCommitAttempts) return result;
    // Only a writer outside Tollgate can have moved or locked the branch: plan again on what
    // it wrote, at once when it has finished.
    const Status status = result.status();  // a copy: reason() must not outlive it
    if (status.reason() == kVaultBranchLockedReason)
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
    else if (status.reason() != kVaultHeadMovedReason)
      return result;
  }
}

Result<std::string> GitVault::head(std::string_view branch) const {
  TG_ASSIGN_OR_RETURN(const std::string name, impl_->branch_name(branch));
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  git_oid id;
  const int rc = git_reference_name_to_id(&id, repo.get(), name.c_str());
  if (rc == GIT_ENOTFOUND) return not_found(fmt::format("{} has no commits yet", name));
  TG_GIT(rc, "read " + name);
  return git::to_hex(id);
}

}  // namespace tollgate::storage
