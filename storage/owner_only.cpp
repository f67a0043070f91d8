#include "storage/owner_only.hpp"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace tollgate::storage {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms kGroupAndOthers = fs::perms::group_all | fs::perms::others_all;

// Clears the group and other bits of `path` (its status `st`); true when its mode changed.
Result<bool> restrict_one(const fs::path& path, const fs::file_status& st) {
  if (fs::is_symlink(st) || (st.permissions() & kGroupAndOthers) == fs::perms::none) return false;
  std::error_code ec;
  fs::permissions(path, kGroupAndOthers, fs::perm_options::remove | fs::perm_options::nofollow, ec);
  if (ec) return io_error(fmt::format("chmod {}: {}", path.string(), ec.message()));
  return true;
}

}  // namespace

Result<std::size_t> restrict_to_owner(const std::string& root) {
  std::error_code ec;
  const fs::file_status root_status = fs::symlink_status(root, ec);
  if (ec || !fs::exists(root_status)) {
    if (ec && ec != std::errc::no_such_file_or_directory)
      return io_error(fmt::format("stat {}: {}", root, ec.message()));
    return std::size_t{0};
  }
  std::size_t changed = 0;
  TG_ASSIGN_OR_RETURN(const bool root_changed, restrict_one(root, root_status));
  changed += root_changed ? 1 : 0;
  if (!fs::is_directory(root_status)) return changed;
  fs::recursive_directory_iterator it(root, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    TG_ASSIGN_OR_RETURN(const bool entry_changed, restrict_one(it->path(), st));
    changed += entry_changed ? 1 : 0;
  }
  if (ec) return io_error(fmt::format("walk {}: {}", root, ec.message()));
  return changed;
}

}  // namespace tollgate::storage
