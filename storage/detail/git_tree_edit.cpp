#include "git_tree_edit.hpp"

#include <fmt/format.h>

#include "git_support.hpp"

namespace tollgate::storage {

namespace {
constexpr std::size_t kMaxPathBytes = 4096;
constexpr std::size_t kMaxComponentBytes = 255;
}  // namespace

Status validate_vault_path(std::string_view path) {
  if (path.empty()) return invalid("the path is empty");
  if (path.size() > kMaxPathBytes) {
    return invalid(fmt::format("the path is longer than {} bytes", kMaxPathBytes));
  }
  if (path.front() == '/') return invalid(fmt::format("'{}' is absolute", path));
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return invalid("the path contains a control character or NUL");
    if (c == '\\') return invalid(fmt::format("'{}' contains a backslash", path));
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty()) return invalid(fmt::format("'{}' has an empty component", path));
    if (part == "." || part == "..") return invalid(fmt::format("'{}' has '{}'", path, part));
    if (part.size() == 4 && (part[0] == '.') && (part[1] | 0x20) == 'g' &&
        (part[2] | 0x20) == 'i' && (part[3] | 0x20) == 't') {
      return invalid(fmt::format("'{}' has a .git component", path));
    }
    if (part.size() > kMaxComponentBytes) {
      return invalid(
          fmt::format("'{}' has a component longer than {} bytes", path, kMaxComponentBytes));
    }
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

namespace git {

Result<TreeEdit> TreeEdit::plan(const VaultChanges& changes) {
  if (changes.writes.empty() && changes.deletions.empty()) return invalid("nothing to commit");
  TreeEdit edit;
  for (const auto& [path, content] : changes.writes) {
    TG_RETURN_IF_ERROR(edit.add(path, Kind::write, &content));
  }
  for (const std::string& path : changes.deletions) {
    TG_RETURN_IF_ERROR(edit.add(path, Kind::remove, nullptr));
  }
  return edit;
}

Status TreeEdit::add(const std::string& path, Kind kind, const std::string* content) {
  TG_RETURN_IF_ERROR(validate_vault_path(path));
  Node* dir = root_.get();
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const bool last = slash == std::string::npos;
    const std::string name = path.substr(start, last ? std::string::npos : slash - start);
    auto& slot = dir->children[name];
    if (last) {
      if (slot) {
        if (slot->kind == Kind::directory) {
          return invalid(fmt::format("'{}' is used as a file and as a directory", path));
        }
        return invalid(fmt::format("'{}' is named twice in one change", path));
      }
      slot = std::make_unique<Node>(Node{kind, path, content, {}});
      return {};
    }
    if (!slot) {
      slot = std::make_unique<Node>(Node{Kind::directory, path.substr(0, slash), nullptr, {}});
    } else if (slot->kind != Kind::directory) {
      return invalid(fmt::format("'{}' is used as a file and as a directory", slot->path));
    }
    dir = slot.get();
    start = slash + 1;
  }
}

Status TreeEdit::apply(git_repository* repo, const git_tree* base, git_oid* root,
                       std::map<std::string, std::string>* blobs) const {
  bool empty = false;
  return apply_dir(repo, base, *root_, /*is_root=*/true, root, &empty, blobs);
}

Status TreeEdit::apply_dir(git_repository* repo, const git_tree* base, const Node& dir,
                           bool is_root, git_oid* id, bool* empty,
                           std::map<std::string, std::string>* blobs) {
  TreeBuilderPtr builder;
  TG_GIT(git_treebuilder_new(out(builder), repo, base), "start a tree");
  for (const auto& [name, child] : dir.children) {
    TG_RETURN_IF_ERROR(apply_entry(repo, builder.get(), name, *child, blobs));
  }
  *empty = git_treebuilder_entrycount(builder.get()) == 0;
  if (*empty && !is_root) return {};  // git keeps no empty directories
  TG_GIT(git_treebuilder_write(id, builder.get()), "write a tree");
  return {};
}

Status TreeEdit::apply_entry(git_repository* repo, git_treebuilder* bld, const std::string& name,
                             const Node& node, std::map<std::string, std::string>* blobs) {
  const git_tree_entry* existing = git_treebuilder_get(bld, name.c_str());
  const bool existing_dir = existing && git_tree_entry_type(existing) == GIT_OBJECT_TREE;
  if (node.kind == Kind::write) {
    if (existing_dir) return conflict(fmt::format("'{}' is a directory", node.path));
    git_oid blob;
    TG_GIT(git_blob_create_from_buffer(&blob, repo, node.content->data(), node.content->size()),
           "write a blob");
    (*blobs)[node.path] = to_hex(blob);
    TG_GIT(git_treebuilder_insert(nullptr, bld, name.c_str(), &blob, GIT_FILEMODE_BLOB),
           "add a file to a tree");
    return {};
  }
  if (node.kind == Kind::remove) {
    if (!existing) return not_found(fmt::format("'{}' does not exist", node.path));
    if (existing_dir) {
      return invalid(fmt::format("'{}' is a directory; delete its files", node.path));
    }
    TG_GIT(git_treebuilder_remove(bld, name.c_str()), "remove a file from a tree");
    return {};
  }
  if (existing && !existing_dir) {
    return conflict(fmt::format("'{}' is a file, not a directory", node.path));
  }
  TreePtr subtree;
  if (existing) {
    TG_GIT(git_tree_lookup(out(subtree), repo, git_tree_entry_id(existing)), "read a tree");
  }
  git_oid sub_id;
  bool sub_empty = false;
  TG_RETURN_IF_ERROR(apply_dir(repo, subtree.get(), node, false, &sub_id, &sub_empty, blobs));
  if (!sub_empty) {
    TG_GIT(git_treebuilder_insert(nullptr, bld, name.c_str(), &sub_id, GIT_FILEMODE_TREE),
           "add a directory to a tree");
  } else if (existing) {
    TG_GIT(git_treebuilder_remove(bld, name.c_str()), "remove an empty directory");
  }
  return {};
}

}  // namespace git
}  // namespace tollgate::storage
