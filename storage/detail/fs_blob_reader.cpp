#include "fs_blob_reader.hpp"

#include <algorithm>

namespace tollgate::storage {

Result<std::size_t> FsBlobReader::read_at(std::uint64_t offset, std::span<char> buffer) {
  std::size_t total = 0;
  while (total < buffer.size() && offset + total < size_) {
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(buffer.size() - total, size_ - (offset + total)));
    std::size_t got = 0;
    const int err = fs_.pread(fd_->get(), buffer.data() + total, want, offset + total, &got);
    if (err != 0) return os_error(err, "read", path_);
    if (got == 0) break;  // shorter than at open: only possible if someone truncated it
    total += got;
  }
  return total;
}

Result<std::size_t> FsBlobReader::read(std::span<char> buffer) {
  TG_ASSIGN_OR_RETURN(const std::size_t got, read_at(position_, buffer));
  position_ += got;
  return got;
}

}  // namespace tollgate::storage
