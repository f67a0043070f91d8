// Private to storage/: a vault change set applied to a git tree with git_treebuilder.
#pragma once

#include <git2.h>

#include <map>
#include <memory>
#include <string>

#include "storage/git_vault.hpp"
#include "tollgate/status.hpp"

namespace tollgate::storage::git {

// The writes and deletions of one commit, arranged by directory.
class TreeEdit {
 public:
  // Validates every path and checks the change set is consistent: no path both written and
  // deleted, none used as a file and as a directory. The content is referenced, not copied:
  // `changes` must outlive the edit. Errors: invalid.
  static Result<TreeEdit> plan(const VaultChanges& changes);

  // Writes the blobs and the changed trees on top of `base` (null: the empty tree) into the
  // object database and sets `root` to the new root tree. A directory left empty is dropped.
  // `blobs` receives path -> blob id of every write. Errors: not_found (deleting what is not
  // there), conflict (a file where a directory is, or the reverse), invalid (deleting a
  // directory), io.
  Status apply(git_repository* repo, const git_tree* base, git_oid* root,
               std::map<std::string, std::string>* blobs) const;

 private:
  enum class Kind { directory, write, remove };
  struct Node {
    Kind kind = Kind::directory;
    std::string path;                      // for messages
    const std::string* content = nullptr;  // Kind::write
    std::map<std::string, std::unique_ptr<Node>> children;
  };

  Status add(const std::string& path, Kind kind, const std::string* content);
  static Status apply_dir(git_repository* repo, const git_tree* base, const Node& dir, bool is_root,
                          git_oid* id, bool* empty, std::map<std::string, std::string>* blobs);
  // Applies one child of a directory to that directory's builder.
  static Status apply_entry(git_repository* repo, git_treebuilder* bld, const std::string& name,
                            const Node& node, std::map<std::string, std::string>* blobs);

  std::unique_ptr<Node> root_ = std::make_unique<Node>();
};

}  // namespace tollgate::storage::git
