#include "storage/fs_blob_store.hpp"

#include <algorithm>
#include <cerrno>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "detail/fs_blob_core.hpp"
#include "detail/fs_blob_reader.hpp"
#include "detail/fs_blob_upload.hpp"
#include "storage/file_system.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::storage {
namespace {

constexpr std::size_t kVerifyChunk = 1 << 20;
constexpr std::size_t kOpenBlobCacheSize = 256;

Status check_digest(std::string_view digest) {
  if (is_sha256_hex(digest)) return {};
  return invalid(fmt::format("not a sha256 digest: \"{}\"", digest));
}

Status check_session_id(std::string_view id) {
  if (is_upload_session_id(id)) return {};
  return invalid(fmt::format("not an upload session id: \"{}\"", id));
}

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_fan_out_name(std::string_view name) {
  return name.size() == 2 && is_hex_digit(name[0]) && is_hex_digit(name[1]);
}

// The sorted entries of a directory; a directory that vanished is empty.
Result<std::vector<std::string>> sorted_entries(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> names;
  const int err = fs.list_dir(dir, &names);
  if (err == ENOENT) return std::vector<std::string>();
  if (err != 0) return os_error(err, "list", dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open(const FsBlobStoreOptions& options) {
  if (options.root.empty()) return invalid("the blob store needs a root directory");
  FileSystem& fs = options.file_system ? *options.file_system : real_file_system();
  std::unique_ptr<FsBlobStore> store(
      new FsBlobStore(std::make_unique<FsBlobCore>(fs, options.root)));
  TG_RETURN_IF_ERROR(store->core_->make_layout());
  if (options.remove_temporaries) TG_RETURN_IF_ERROR(store->remove_stale_temporaries());
  return store;
}

struct FsBlobStore::OpenFile {
  std::shared_ptr<const UniqueFd> fd;
  std::uint64_t size = 0;
};

// The descriptors of the blobs opened last, least recently used first out. `generation` counts
// evictions by quarantine, so that an open() that raced with one does not put the descriptor
// of a quarantined blob back.
class FsBlobStore::OpenCache {
 public:
  std::optional<OpenFile> find(const std::string& digest) {
    std::lock_guard lock(mu_);
    auto it = index_.find(digest);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  std::uint64_t generation() {
    std::lock_guard lock(mu_);
    return generation_;
  }

  void insert(const std::string& digest, const OpenFile& file, std::uint64_t seen_generation) {
    std::lock_guard lock(mu_);
    if (seen_generation != generation_ || index_.contains(digest)) return;
    order_.emplace_front(digest, file);
    index_.emplace(digest, order_.begin());
    if (order_.size() > kOpenBlobCacheSize) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  void evict(const std::string& digest) {
    std::lock_guard lock(mu_);
    ++generation_;
    if (auto it = index_.find(digest); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
  }

 private:
  using Entry = std::pair<std::string, OpenFile>;
  std::mutex mu_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::uint64_t generation_ = 0;
};

FsBlobStore::FsBlobStore(std::unique_ptr<FsBlobCore> core)
    : core_(std::move(core)), open_cache_(std::make_unique<OpenCache>()) {}
FsBlobStore::~FsBlobStore() = default;

// Best effort: a temporary that cannot be removed is only wasted space.
Status FsBlobStore::remove_stale_temporaries() {
  TG_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                      sorted_entries(core_->fs(), core_->tmp_dir()));
  for (const std::string& name : names) {
    if (!FsBlobCore::session_id_of(name).empty()) continue;
    if (core_->fs().unlink(fmt::format("{}/{}", core_->tmp_dir(), name)) == 0)
      ++removed_temporaries_;
  }
  return {};
}

Result<std::unique_ptr<BlobUpload>> FsBlobStore::begin() {
  TG_ASSIGN_OR_RETURN(auto upload, FsBlobUpload::create(*core_, std::string()));
  return std::unique_ptr<BlobUpload>(std::move(upload));
}

Result<std::unique_ptr<BlobUpload>> FsBlobStore::begin_upload(std::string_view session_id) {
  TG_RETURN_IF_ERROR(check_session_id(session_id));
  TG_ASSIGN_OR_RETURN(auto upload, FsBlobUpload::create(*core_, std::string(session_id)));
  return std::unique_ptr<BlobUpload>(std::move(upload));
}

Result<std::unique_ptr<BlobUpload>> FsBlobStore::open_upload(std::string_view session_id) {
  TG_RETURN_IF_ERROR(check_session_id(session_id));
  TG_ASSIGN_OR_RETURN(auto upload, FsBlobUpload::resume(*core_, std::string(session_id)));
  return std::unique_ptr<BlobUpload>(std::move(upload));
}

Result<UploadSession> FsBlobStore::stat_upload(std::string_view session_id) {
  TG_RETURN_IF_ERROR(check_session_id(session_id));
  const std::string path = core_->session_path(session_id);
  FileInfo info;
  const int err = core_->fs().stat(path, &info);
  if (err == ENOENT) return not_found(fmt::format("no upload session {}", session_id));
  if (err != 0) return os_error(err, "stat", path);
  return UploadSession{std::string(session_id), info.size, info.modified};
}

Result<std::vector<UploadSession>> FsBlobStore::list_uploads() {
  TG_ASSIGN_OR_RETURN(const std::vector<std::string> names,
                      sorted_entries(core_->fs(), core_->tmp_dir()));
  std::vector<UploadSession> sessions;
  for (const std::string& name : names) {
    std::string id = FsBlobCore::session_id_of(name);
    if (id.empty()) continue;
    Result<UploadSession> session = stat_upload(id);
    if (session.ok())
      sessions.push_back(std::move(session).value());
    else if (session.status().code() != Code::not_found)
      return session.status();
  }
  std::sort(sessions.begin(), sessions.end(),
            [](const UploadSession& a, const UploadSession& b) { return a.id < b.id; });
  return sessions;
}

Status FsBlobStore::remove_upload(std::string_view session_id) {
  TG_RETURN_IF_ERROR(check_session_id(session_id));
  const std::string id(session_id);
  if (!core_->claim_session(id)) return conflict(fmt::format("upload session {} is in use", id));
  const std::string path = core_->session_path(id);
  const int err = core_->fs().unlink(path);
  core_->release_session(id);
  if (err == ENOENT) return not_found(fmt::format("no upload session {}", id));
  return err == 0 ? Status() : os_error(err, "unlink", path);
}

Result<bool> FsBlobStore::contains(std::string_view digest) {
  TG_RETURN_IF_ERROR(check_digest(digest));
  const std::string path = core_->blob_path(digest);
  FileInfo info;
  const int err = core_->fs().stat(path, &info);
  if (err == ENOENT) return false;
  if (err != 0) return os_error(err, "stat", path);
  return true;
}

Result<std::uint64_t> FsBlobStore::size(std::string_view digest) {
  TG_RETURN_IF_ERROR(check_digest(digest));
  const std::string path = core_->blob_path(digest);
  FileInfo info;
  const int err = core_->fs().stat(path, &info);
  if (err == ENOENT) return missing(digest);
  if (err != 0) return os_error(err, "stat", path);
  return info.size;
}

Result<FsBlobStore::OpenFile> FsBlobStore::open_file(std::string_view digest, bool cache) {
  TG_RETURN_IF_ERROR(check_digest(digest));
  const std::string key(digest);
  if (auto cached = cache ? open_cache_->find(key) : std::nullopt) return *std::move(cached);
  const std::uint64_t generation = open_cache_->generation();
  const std::string path = core_->blob_path(digest);
  UniqueFd fd;
  int err = core_->fs().open(path, OpenMode::read, &fd);
  if (err == ENOENT) return missing(digest);
  if (err != 0) return os_error(err, "open", path);
  FileInfo info;
  if (err = core_->fs().fstat(fd.get(), &info); err != 0) return os_error(err, "fstat", path);
  OpenFile file{std::make_shared<const UniqueFd>(std::move(fd)), info.size};
  if (cache) open_cache_->insert(key, file, generation);
  return file;
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::open(std::string_view digest) {
  TG_ASSIGN_OR_RETURN(OpenFile file, open_file(digest));
  return std::unique_ptr<BlobReader>(std::make_unique<FsBlobReader>(
      core_->fs(), std::move(file.fd), std::string(digest), core_->blob_path(digest), file.size));
}

Status FsBlobStore::verify(std::string_view digest) {
  // Not through the cache: a scrub of every blob must not push out the ones being served.
  TG_ASSIGN_OR_RETURN(OpenFile file, open_file(digest, /*cache=*/false));
  FsBlobReader reader(core_->fs(), std::move(file.fd), std::string(digest),
                      core_->blob_path(digest), file.size);
  Sha256Hasher hasher;
  std::vector<char> buffer(kVerifyChunk);
  for (std::uint64_t offset = 0;;) {
    TG_ASSIGN_OR_RETURN(const std::size_t got, reader.read_at(offset, buffer));
    if (got == 0) break;
    hasher.update(std::string_view(buffer.data(), got));
    offset += got;
  }
  TG_ASSIGN_OR_RETURN(const std::string actual, hasher.hex_digest());
  if (actual == digest) return {};
  return quarantine(digest, actual);
}

Status FsBlobStore::quarantine(std::string_view digest, std::string_view actual) {
  open_cache_->evict(std::string(digest));
  const std::string from = core_->blob_path(digest);
  const std::string to = core_->quarantine_path(digest);
  const int err = core_->fs().rename(from, to);
  if (err != 0 && err != ENOENT) return os_error(err, fmt::format("rename {} to", from), to);
  TG_RETURN_IF_ERROR(core_->sync_dir(core_->quarantine_dir()));
  TG_RETURN_IF_ERROR(core_->sync_dir(from.substr(0, from.find_last_of('/'))));
  return corrupt_blob_error(
      digest, fmt::format("the stored bytes hash to sha256:{}; moved to quarantine", actual));
}

Status FsBlobStore::missing(std::string_view digest) {
  const std::string path = core_->quarantine_path(digest);
  FileInfo info;
  const int err = core_->fs().stat(path, &info);
  if (err == 0) return corrupt_blob_error(digest, "it failed verification and is in quarantine");
  if (err != ENOENT) return os_error(err, "stat", path);
  return not_found(fmt::format("no blob sha256:{}", digest));
}

Status FsBlobStore::for_each(const std::function<bool(const BlobInfo&)>& fn) {
  FileSystem& fs = core_->fs();
  TG_ASSIGN_OR_RETURN(const auto firsts, sorted_entries(fs, core_->blobs_dir()));
  for (const std::string& first : firsts) {
    if (!is_fan_out_name(first)) continue;
    const std::string first_dir = fmt::format("{}/{}", core_->blobs_dir(), first);
    TG_ASSIGN_OR_RETURN(const auto seconds, sorted_entries(fs, first_dir));
    for (const std::string& second : seconds) {
      if (!is_fan_out_name(second)) continue;
      const std::string dir = fmt::format("{}/{}", first_dir, second);
      TG_ASSIGN_OR_RETURN(const auto names, sorted_entries(fs, dir));
      for (const std::string& name : names) {
        if (!is_sha256_hex(name) || name.compare(0, 4, first + second) != 0) continue;
        const std::string path = fmt::format("{}/{}", dir, name);
        FileInfo info;
        const int err = fs.stat(path, &info);
        if (err == ENOENT) continue;
        if (err != 0) return os_error(err, "stat", path);
        if (!fn(BlobInfo{name, info.size, false})) return {};
      }
    }
  }
  return {};
}

Result<std::vector<std::string>> FsBlobStore::quarantined() {
  TG_ASSIGN_OR_RETURN(std::vector<std::string> names,
                      sorted_entries(core_->fs(), core_->quarantine_dir()));
  std::erase_if(names, [](const std::string& name) { return !is_sha256_hex(name); });
  return names;
}

}  // namespace tollgate::storage
