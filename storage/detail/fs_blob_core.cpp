#include "fs_blob_core.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "storage/blob_store.hpp"

namespace tollgate::storage {
namespace {

constexpr std::string_view kSessionPrefix = "session.";

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

std::string trim_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

FsBlobCore::FsBlobCore(FileSystem& fs, std::string root)
    : fs_(fs),
      root_(trim_trailing_slashes(std::move(root))),
      blobs_dir_(root_ + "/sha256"),
      tmp_dir_(root_ + "/tmp"),
      quarantine_dir_(root_ + "/quarantine") {}

std::string FsBlobCore::blob_path(std::string_view digest) const {
  return fmt::format("{}/{}/{}/{}", blobs_dir_, digest.substr(0, 2), digest.substr(2, 2), digest);
}

std::string FsBlobCore::quarantine_path(std::string_view digest) const {
  return fmt::format("{}/{}", quarantine_dir_, digest);
}

std::string FsBlobCore::session_path(std::string_view id) const {
  return fmt::format("{}/{}{}", tmp_dir_, kSessionPrefix, id);
}

std::string FsBlobCore::anonymous_temp_path() const {
  static std::atomic<std::uint64_t> counter{0};
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return fmt::format("{}/anon.{:x}-{:x}-{:x}", tmp_dir_, static_cast<unsigned>(getpid()),
                     static_cast<std::uint64_t>(now), counter.fetch_add(1));
}

std::string FsBlobCore::session_id_of(std::string_view file_name) {
  if (!file_name.starts_with(kSessionPrefix)) return {};
  const std::string_view id = file_name.substr(kSessionPrefix.size());
  return is_upload_session_id(id) ? std::string(id) : std::string();
}

Status FsBlobCore::make_layout() const {
  std::vector<std::string> dirs;  // missing parents of the root first
  for (std::size_t slash = root_.find('/', 1); slash != std::string::npos;
       slash = root_.find('/', slash + 1))
    dirs.push_back(root_.substr(0, slash));
  dirs.insert(dirs.end(), {root_, blobs_dir_, tmp_dir_, quarantine_dir_});
  for (const std::string& dir : dirs) {
    const int err = fs_.mkdir(dir);
    if (err == 0 || err == EEXIST) continue;
    FileInfo info;  // an existing parent may refuse mkdir with another errno (EACCES, EROFS)
    if (fs_.stat(dir, &info) == 0 && info.directory) continue;
    return os_error(err, "mkdir", dir);
  }
  return {};
}

Status FsBlobCore::sync_dir(const std::string& dir) const { return sync_directory(fs_, dir); }

Status FsBlobCore::ensure_blob_dirs(std::string_view digest) {
  const std::string first = fmt::format("{}/{}", blobs_dir_, digest.substr(0, 2));
  const std::string second = fmt::format("{}/{}", first, digest.substr(2, 2));
  std::lock_guard lock(dirs_mu_);
  for (const std::string* dir : {&first, &second}) {
    const int err = fs_.mkdir(*dir);
    if (err == EEXIST) continue;
    if (err != 0) return os_error(err, "mkdir", *dir);
    TG_RETURN_IF_ERROR(sync_dir(parent_of(*dir)));
  }
  return {};
}

Result<bool> FsBlobCore::install(const std::string& temp_path, std::string_view digest) {
  TG_RETURN_IF_ERROR(ensure_blob_dirs(digest));
  const std::string path = blob_path(digest);
  FileInfo existing;
  int err = fs_.stat(path, &existing);
  if (err == 0) {
    // Identical bytes are stored already. A failed unlink leaves a temporary that open() or
    // session expiry removes later.
    fs_.unlink(temp_path);
    return false;
  }
  if (err != ENOENT) return os_error(err, "stat", path);
  // Two identical uploads racing here both rename; the second replaces equal bytes, harmlessly.
  err = fs_.rename(temp_path, path);
  if (err != 0) return os_error(err, fmt::format("rename {} to", temp_path), path);
  TG_RETURN_IF_ERROR(sync_dir(parent_of(path)));
  return true;
}

bool FsBlobCore::claim_session(const std::string& id) {
  std::lock_guard lock(sessions_mu_);
  return open_sessions_.insert(id).second;
}

void FsBlobCore::release_session(const std::string& id) {
  std::lock_guard lock(sessions_mu_);
  open_sessions_.erase(id);
}

}  // namespace tollgate::storage
