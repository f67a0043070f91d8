// GitVault: annotated tags (baselines).
#include <algorithm>

#include <fmt/format.h>

#include "detail/git_vault_impl.hpp"
#include "storage/git_vault.hpp"

namespace tollgate::storage {
namespace {

constexpr std::size_t kMaxTagName = 255;

Status check_tag_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxTagName) {
    return invalid(fmt::format("a tag name has 1 to {} bytes", kMaxTagName));
  }
  const std::string s(name);
  int valid = 0;
  TG_GIT(git_tag_name_is_valid(&valid, s.c_str()), "check a tag name");
  if (!valid) return invalid(fmt::format("'{}' is not a valid tag name", s));
  return git::check_ref_name("refs/tags/" + s);
}

// Frees a git_strarray filled by libgit2.
struct StrArray {
  git_strarray array{};
  StrArray() = default;
  StrArray(const StrArray&) = delete;
  StrArray& operator=(const StrArray&) = delete;
  ~StrArray() { git_strarray_dispose(&array); }
};

Result<VaultTag> describe_tag(git_repository* repo, const std::string& name) {
  const std::string ref_name = "refs/tags/" + name;
  git::ReferencePtr ref;
  const int rc = git_reference_lookup(git::out(ref), repo, ref_name.c_str());
  if (rc == GIT_ENOTFOUND) return not_found(fmt::format("no tag '{}'", name));
  TG_GIT(rc, "read " + ref_name);
  git::ObjectPtr target;
  TG_GIT(git_reference_peel(git::out(target), ref.get(), GIT_OBJECT_COMMIT), "resolve " + ref_name);
  git::ReferencePtr direct;
  TG_GIT(git_reference_resolve(git::out(direct), ref.get()), "resolve " + ref_name);
  const git_oid* id = git_reference_target(direct.get());
  VaultTag tag{name, git::to_hex(*id), git::to_hex(*git_object_id(target.get())), {}, 0, ""};
  git::ObjectPtr object;
  TG_GIT(git_object_lookup(git::out(object), repo, id, GIT_OBJECT_ANY), "read " + ref_name);
  if (git_object_type(object.get()) != GIT_OBJECT_TAG) return tag;  // lightweight
  git::TagPtr annotated;
  TG_GIT(git_tag_lookup(git::out(annotated), repo, id), "read tag " + name);
  const git_signature* tagger = git_tag_tagger(annotated.get());
  tag.tagger = git::author_of(tagger);
  tag.time = tagger ? git::micros_of(tagger->when) : 0;
  tag.message = git::trim_message(git_tag_message(annotated.get()));
  return tag;
}

// Writes the tag object, makes it durable, then creates the ref only if the name is free: a
// crash in between leaves an unreferenced object, never a tag naming a missing one.
Result<git_oid> write_tag(git_repository* repo, const std::string& name, const git_object* commit,
                          const git_signature* tagger, const std::string& message) {
  const std::string ref_name = "refs/tags/" + name;
  git::ReferencePtr ref;
  const int found = git_reference_lookup(git::out(ref), repo, ref_name.c_str());
  if (found == 0) return conflict(fmt::format("the tag '{}' exists already", name));
  if (found != GIT_ENOTFOUND) return git::error_status(found, "read " + ref_name);
  git_oid id;
  TG_GIT(git_tag_annotation_create(&id, repo, name.c_str(), commit, tagger, message.c_str()),
         "write tag " + name);
  TG_RETURN_IF_ERROR(git::sync_object_directory(repo));
  const std::string log = "tag: " + name;
  const int rc = git_reference_create(git::out(ref), repo, ref_name.c_str(), &id, 0, log.c_str());
  if (rc == GIT_EEXISTS) return conflict(fmt::format("the tag '{}' exists already", name));
  TG_GIT(rc, "create " + ref_name);
  return id;
}

}  // namespace

Result<VaultTag> GitVault::tag(std::string_view name, std::string_view commit_id,
                               std::string_view message, const VaultAuthor& tagger) {
  TG_RETURN_IF_ERROR(check_tag_name(name));
  if (commit_id.empty()) return invalid("which commit to tag is not given");
  std::string text;
  TG_RETURN_IF_ERROR(git::normalise_message(message, &text));
  git::SignaturePtr sig;
  TG_RETURN_IF_ERROR(git::make_signature(tagger, impl_->now(), &sig));

  TG_ASSIGN_OR_RETURN(const Impl::WriteLock lock, impl_->lock_writes());
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  TG_ASSIGN_OR_RETURN(const git::ObjectPtr commit,
                      git::resolve(repo.get(), commit_id, impl_->options.main_branch));
  const std::string tag_name(name);
  TG_ASSIGN_OR_RETURN(const git_oid id,
                      write_tag(repo.get(), tag_name, commit.get(), sig.get(), text));
  return VaultTag{tag_name,
                  git::to_hex(id),
                  git::to_hex(*git_object_id(commit.get())),
                  git::author_of(sig.get()),
                  git::micros_of(sig->when),
                  git::trim_message(text.c_str())};
}

Result<VaultTag> GitVault::tag_info(std::string_view name) const {
  TG_RETURN_IF_ERROR(check_tag_name(name));
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  return describe_tag(repo.get(), std::string(name));
}

Result<std::string> GitVault::tag_target(std::string_view name) const {
  TG_ASSIGN_OR_RETURN(VaultTag tag, tag_info(name));
  return std::move(tag.target);
}

Result<std::vector<VaultTag>> GitVault::list_tags() const {
  TG_ASSIGN_OR_RETURN(Impl::Lease repo, impl_->lease());
  StrArray names;
  TG_GIT(git_tag_list(&names.array, repo.get()), "list tags");
  std::vector<VaultTag> tags;
  tags.reserve(names.array.count);
  for (std::size_t i = 0; i < names.array.count; ++i) {
    TG_ASSIGN_OR_RETURN(VaultTag tag, describe_tag(repo.get(), names.array.strings[i]));
    tags.push_back(std::move(tag));
  }
  std::sort(tags.begin(), tags.end(),
            [](const VaultTag& a, const VaultTag& b) { return a.name < b.name; });
  return tags;
}

}  // namespace tollgate::storage
