// FsBlobReader: BlobReader on an open, read-only blob file. Private to storage/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/blob_store.hpp"
#include "storage/file_system.hpp"

namespace tollgate::storage {

class FsBlobReader final : public BlobReader {
 public:
  // size is the blob's size when it was opened; reads never go past it. The descriptor may be
  // shared with other readers of the same blob (only pread is used on it).
  FsBlobReader(FileSystem& fs, std::shared_ptr<const UniqueFd> fd, std::string digest,
               std::string path, std::uint64_t size)
      : fs_(fs),
        fd_(std::move(fd)),
        digest_(std::move(digest)),
        path_(std::move(path)),
        size_(size) {}

  const std::string& digest() const override { return digest_; }
  std::uint64_t size() const override { return size_; }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) override;
  Result<std::size_t> read(std::span<char> buffer) override;
  int native_handle() const override { return fd_->get(); }

 private:
  FileSystem& fs_;
  const std::shared_ptr<const UniqueFd> fd_;
  const std::string digest_;
  const std::string path_;
  const std::uint64_t size_;
  std::uint64_t position_ = 0;  // of read()
};

}  // namespace tollgate::storage
