// GitVault: reading files, directories and the history of a path.
#include <algorithm>

#include <fmt/format.h>

#include "detail/git_vault_impl.hpp"
#include "storage/git_vault.hpp"

namespace tollgate::storage {
namespace git {

Status check_ref_name(const std::string& name) {
  int valid = 0;
  TG_GIT(git_reference_name_is_valid(&valid, name.c_str()), "check a reference name");
  if (!valid) return invalid(fmt::format("'{}' is not a valid reference name", name));
  return {};
}

Result<ObjectPtr> resolve(git_repository* repo, std::string_view at,
                          const std::string& main_branch) {
  ObjectPtr found;
  if (at.empty() || at.rfind("refs/", 0) == 0) {
    const std::string name = at.empty() ? main_branch : std::string(at);
    TG_RETURN_IF_ERROR(check_ref_name(name));
    ReferencePtr ref;
    const int rc = git_reference_lookup(out(ref), repo, name.c_str());
    if (rc == GIT_ENOTFOUND && at.empty()) return ObjectPtr();  // no commit yet
    if (rc == GIT_ENOTFOUND) return not_found(fmt::format("no revision '{}'", name));
    TG_GIT(rc, "read " + name);
    TG_GIT(git_reference_peel(out(found), ref.get(), GIT_OBJECT_COMMIT), "resolve " + name);
    return found;
  }
  git_oid id;
  TG_RETURN_IF_ERROR(parse_oid(at, &id));
  ObjectPtr object;
  const int rc = git_object_lookup(out(object), repo, &id, GIT_OBJECT_ANY);
  if (rc == GIT_ENOTFOUND) return not_found(fmt::format("no revision '{}'", at));
  TG_GIT(rc, fmt::format("read {}", at));
  TG_GIT(git_object_peel(out(found), object.get(), GIT_OBJECT_COMMIT),
         fmt::format("'{}' is not a commit", at));
  return found;
}

Result<std::optional<git_oid>> object_at(const git_commit* commit, std::string_view path) {
  if (path.empty()) return std::optional<git_oid>(*git_commit_tree_id(commit));
  TreePtr root;
  TG_GIT(git_commit_tree(out(root), commit), "read a commit's tree");
  TreeEntryPtr entry;
  const std::string p(path);
  const int rc = git_tree_entry_bypath(out(entry), root.get(), p.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<git_oid>();
  TG_GIT(rc, "look up " + p);
  return std::optional<git_oid>(*git_tree_entry_id(entry.get()));
}

}  // namespace git

namespace {

// The entry at `path` in the commit `at` names; not_found when absent or of another type.
Result<git::TreeEntryPtr> entry_at(git_repository* repo, const GitVault::Impl& impl,
                                   std::string_view path, std::string_view at, git_object_t type) {
  TG_RETURN_IF_ERROR(validate_vault_path(path));
  TG_ASSIGN_OR_RETURN(const git::ObjectPtr commit,
                      git::resolve(repo, at, impl.options.main_branch));
  const std::string p(path);
  if (!commit) return not_found(fmt::format("'{}' does not exist: the vault is empty", p));
  git::TreePtr root;
  TG_GIT(git_commit_tree(git::out(root), git::as_commit(commit.get())), "read a commit's tree");
  git::TreeEntryPtr entry;
  const int rc = git_tree_entry_bypath(git::out(entry), root.get(), p.c_str());
  if (rc == GIT_ENOTFOUND) return not_found(fmt::format("'{}' does not exist there", p));
  TG_GIT(rc, "look up " + p);
  if (git_tree_entry_type(entry.get()) != type) {
    return not_found(
        fmt::format("'{}' is not a {}", p, type == GIT_OBJECT_TREE ? "directory" : "file"));
  }
  return entry;
}

VaultRevision revision_of(const git_commit* commit, const std::optional<git_oid>& object) {
  const git_signature* author = git_commit_author(commit);
  return VaultRevision{git::to_hex(*git_commit_id(commit)), git::author_of(author),
                       author ? git::micros_of(author->when) : 0,
                       git::trim_message(git_commit_message(commit)),
                       object ? git::to_hex(*object) : ""};
}

bool same(const std::optional<git_oid>& a, const std::optional<git_oid>& b) {
  if (!a || !b) return !a && !b;
  return git_oid_equal(&*a, &*b) != 0;
}

}  // namespace

Result<std::string> GitVault::read(std::string_view path, std::string_view at) const {
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  TG_ASSIGN_OR_RETURN(const git::TreeEntryPtr entry,
                      entry_at(repo.get(), *impl_, path, at, GIT_OBJECT_BLOB));
  git::BlobPtr blob;
  TG_GIT(git_blob_lookup(git::out(blob), repo.get(), git_tree_entry_id(entry.get())),
         fmt::format("read {}", path));
  const auto* bytes = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(bytes, static_cast<std::size_t>(git_blob_rawsize(blob.get())));
}

Result<std::string> GitVault::blob_id(std::string_view path, std::string_view at) const {
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  TG_ASSIGN_OR_RETURN(const git::TreeEntryPtr entry,
                      entry_at(repo.get(), *impl_, path, at, GIT_OBJECT_BLOB));
  return git::to_hex(*git_tree_entry_id(entry.get()));
}

Result<std::vector<VaultEntry>> GitVault::list(std::string_view dir, std::string_view at) const {
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  git::TreePtr tree;
  if (dir.empty()) {
    TG_ASSIGN_OR_RETURN(const git::ObjectPtr commit,
                        git::resolve(repo.get(), at, impl_->options.main_branch));
    if (!commit) return std::vector<VaultEntry>();
    TG_GIT(git_commit_tree(git::out(tree), git::as_commit(commit.get())), "read a tree");
  } else {
    TG_ASSIGN_OR_RETURN(const git::TreeEntryPtr entry,
                        entry_at(repo.get(), *impl_, dir, at, GIT_OBJECT_TREE));
    TG_GIT(git_tree_lookup(git::out(tree), repo.get(), git_tree_entry_id(entry.get())),
           fmt::format("read {}", dir));
  }
  std::vector<VaultEntry> entries;
  const std::size_t count = git_tree_entrycount(tree.get());
  entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree.get(), i);
    entries.push_back(VaultEntry{git_tree_entry_name(e), git_tree_entry_type(e) == GIT_OBJECT_TREE,
                                 git::to_hex(*git_tree_entry_id(e))});
  }
  std::sort(entries.begin(), entries.end(),
            [](const VaultEntry& a, const VaultEntry& b) { return a.name < b.name; });
  return entries;
}

Result<std::vector<VaultRevision>> GitVault::history(std::string_view path, std::size_t limit,
                                                     std::string_view at) const {
  if (!path.empty()) TG_RETURN_IF_ERROR(validate_vault_path(path));
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  TG_ASSIGN_OR_RETURN(const git::ObjectPtr start,
                      git::resolve(repo.get(), at, impl_->options.main_branch));
  std::vector<VaultRevision> revisions;
  if (!start) return revisions;
  git::RevwalkPtr walk;
  TG_GIT(git_revwalk_new(git::out(walk), repo.get()), "start a history walk");
  TG_GIT(git_revwalk_simplify_first_parent(walk.get()), "walk first parents");
  TG_GIT(git_revwalk_push(walk.get(), git_object_id(start.get())), "start a history walk");

  // Along first parents the next commit walked is the parent of the one before: a commit
  // counts when the path's object differs from the one the next commit has.
  git::CommitPtr pending;
  std::optional<git_oid> pending_object;
  git_oid id;
  while (true) {
    const int rc = git_revwalk_next(&id, walk.get());
    if (rc == GIT_ITEROVER) break;
    TG_GIT(rc, "walk the history");
    git::CommitPtr commit;
    TG_GIT(git_commit_lookup(git::out(commit), repo.get(), &id), "read a commit");
    TG_ASSIGN_OR_RETURN(const std::optional<git_oid> object, git::object_at(commit.get(), path));
    if (pending && !same(pending_object, object)) {
      revisions.push_back(revision_of(pending.get(), pending_object));
      if (limit != 0 && revisions.size() == limit) return revisions;
    }
    pending = std::move(commit);
    pending_object = object;
  }
  if (pending && pending_object) revisions.push_back(revision_of(pending.get(), pending_object));
  return revisions;
}

Result<std::vector<VaultCommit>> GitVault::log(std::size_t limit, std::string_view at) const {
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  TG_ASSIGN_OR_RETURN(const git::ObjectPtr start,
                      git::resolve(repo.get(), at, impl_->options.main_branch));
  std::vector<VaultCommit> commits;
  if (!start) return commits;
  git::RevwalkPtr walk;
  TG_GIT(git_revwalk_new(git::out(walk), repo.get()), "start a history walk");
  TG_GIT(git_revwalk_simplify_first_parent(walk.get()), "walk first parents");
  TG_GIT(git_revwalk_push(walk.get(), git_object_id(start.get())), "start a history walk");
  git_oid id;
  while (limit == 0 || commits.size() < limit) {
    const int rc = git_revwalk_next(&id, walk.get());
    if (rc == GIT_ITEROVER) break;
    TG_GIT(rc, "walk the history");
    git::CommitPtr commit;
    TG_GIT(git_commit_lookup(git::out(commit), repo.get(), &id), "read a commit");
    const git_signature* author = git_commit_author(commit.get());
    const git_oid* parent =
        git_commit_parentcount(commit.get()) > 0 ? git_commit_parent_id(commit.get(), 0) : nullptr;
    commits.push_back(VaultCommit{git::to_hex(id), parent ? git::to_hex(*parent) : "",
                                  git::author_of(author), author ? git::micros_of(author->when) : 0,
                                  git::trim_message(git_commit_message(commit.get()))});
  }
  return commits;
}

}  // namespace tollgate::storage
