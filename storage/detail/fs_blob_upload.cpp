#include "fs_blob_upload.hpp"

#include <cerrno>
#include <vector>

#include <fmt/format.h>

namespace tollgate::storage {
namespace {

constexpr std::size_t kRehashChunk = 1 << 20;
constexpr unsigned kBlobMode = 0400;  // immutable, and readable by the owner only
// Every this many bytes written, their writeback starts, so that the disk works while the body
// is still arriving and the final fsync waits only for the tail.
constexpr std::uint64_t kWritebackStep = 8 << 20;

}  // namespace

FsBlobUpload::FsBlobUpload(FsBlobCore& core, std::string session_id, std::string path)
    : core_(core), session_id_(std::move(session_id)), path_(std::move(path)) {}

FsBlobUpload::~FsBlobUpload() {
  if (open_) {
    fd_.reset();
    if (session_id_.empty()) core_.fs().unlink(path_);
  }
  if (claimed_) core_.release_session(session_id_);
}

Result<std::unique_ptr<FsBlobUpload>> FsBlobUpload::create(FsBlobCore& core,
                                                           std::string session_id) {
  const bool anonymous = session_id.empty();
  if (!anonymous && !core.claim_session(session_id))
    return conflict(fmt::format("upload session {} exists", session_id));
  std::string path = anonymous ? core.anonymous_temp_path() : core.session_path(session_id);
  std::unique_ptr<FsBlobUpload> upload(new FsBlobUpload(core, std::move(session_id), path));
  upload->claimed_ = !anonymous;
  upload->open_ = false;  // until the file exists, the destructor must not remove anything
  const int err = core.fs().open(path, OpenMode::create, &upload->fd_);
  if (err == EEXIST && !anonymous)
    return conflict(fmt::format("upload session {} exists", upload->session_id_));
  if (err != 0) return os_error(err, "create", path);
  upload->open_ = true;
  // A session must survive a crash from the moment its id is handed out.
  if (!anonymous) TG_RETURN_IF_ERROR(upload->fail(core.sync_dir(core.tmp_dir())));
  return upload;
}

Result<std::unique_ptr<FsBlobUpload>> FsBlobUpload::resume(FsBlobCore& core,
                                                           std::string session_id) {
  if (!core.claim_session(session_id))
    return conflict(fmt::format("upload session {} is in use", session_id));
  std::string path = core.session_path(session_id);
  std::unique_ptr<FsBlobUpload> upload(new FsBlobUpload(core, std::move(session_id), path));
  upload->claimed_ = true;
  const int err = core.fs().open(path, OpenMode::append, &upload->fd_);
  if (err == ENOENT) return not_found(fmt::format("no upload session {}", upload->session_id_));
  if (err != 0) return os_error(err, "open", path);
  TG_RETURN_IF_ERROR(upload->rehash_existing());
  return upload;
}

// Reads the bytes of earlier requests once, to bring the hash to where the file ends.
Status FsBlobUpload::rehash_existing() {
  FileInfo info;
  if (const int err = core_.fs().fstat(fd_.get(), &info); err != 0)
    return os_error(err, "fstat", path_);
  std::vector<char> buffer(kRehashChunk);
  while (size_ < info.size) {
    std::size_t got = 0;
    const int err = core_.fs().pread(fd_.get(), buffer.data(), buffer.size(), size_, &got);
    if (err != 0) return os_error(err, "read", path_);
    if (got == 0) break;
    hasher_.update(std::string_view(buffer.data(), got));
    size_ += got;
  }
  written_back_ = size_;  // synced by the request that wrote it
  return {};
}

Status FsBlobUpload::write(std::string_view chunk) {
  if (!open_) return ended_;
  for (std::string_view rest = chunk; !rest.empty();) {
    std::size_t written = 0;
    int err = core_.fs().write(fd_.get(), rest.data(), rest.size(), &written);
    if (err == 0 && written == 0) err = EIO;  // no progress: never spin
    if (err != 0) return fail(os_error(err, "write", path_));
    rest.remove_prefix(written);
  }
  hasher_.update(chunk);
  size_ += chunk.size();
  if (size_ - written_back_ >= kWritebackStep) {
    (void)core_.fs().start_writeback(fd_.get(), written_back_, size_ - written_back_);
    written_back_ = size_;
  }
  return {};
}

Status FsBlobUpload::sync() {
  if (!open_) return ended_;
  if (const int err = core_.fs().fsync(fd_.get()); err != 0)
    return fail(os_error(err, "fsync", path_));
  return {};
}

Result<BlobInfo> FsBlobUpload::finish(std::string_view expected_digest) {
  if (open_ && !is_sha256_hex(expected_digest))
    return fail(invalid(fmt::format("not a sha256 digest: \"{}\"", expected_digest)));
  return complete(expected_digest);
}

Result<BlobInfo> FsBlobUpload::finish_unverified() { return complete(std::nullopt); }

Result<BlobInfo> FsBlobUpload::complete(std::optional<std::string_view> expected_digest) {
  if (!open_) return ended_;
  Result<std::string> digest = hasher_.hex_digest();
  if (!digest.ok()) return fail(digest.status());
  if (expected_digest && *expected_digest != *digest)
    return fail(digest_mismatch_error(*expected_digest, *digest));
  // Read-only before the rename, so that the blob is never writable in its place.
  if (const int err = core_.fs().fchmod(fd_.get(), kBlobMode); err != 0)
    return fail(os_error(err, "fchmod", path_));
  if (const int err = core_.fs().fsync(fd_.get()); err != 0)
    return fail(os_error(err, "fsync", path_));
  fd_.reset();
  Result<bool> created = core_.install(path_, *digest);
  if (!created.ok()) return fail(created.status());
  end(internal_error("the upload is finished"));
  return BlobInfo{std::move(digest).value(), size_, *created};
}

Status FsBlobUpload::abort() {
  if (!open_) return {};
  fd_.reset();
  const int err = core_.fs().unlink(path_);
  end(internal_error("the upload was aborted"));
  return err == 0 || err == ENOENT ? Status() : os_error(err, "unlink", path_);
}

Status FsBlobUpload::fail(Status error) {
  if (error.ok() || !open_) return error;
  fd_.reset();
  core_.fs().unlink(path_);  // after a rename this finds nothing, which is right
  end(error);
  return error;
}

void FsBlobUpload::end(Status later) {
  open_ = false;
  ended_ = std::move(later);
  if (claimed_) core_.release_session(session_id_);
  claimed_ = false;
}

}  // namespace tollgate::storage
