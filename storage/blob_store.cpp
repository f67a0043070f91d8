#include "storage/blob_store.hpp"

#include <fmt/format.h>

namespace tollgate::storage {

bool is_upload_session_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status digest_mismatch_error(std::string_view declared, std::string_view actual) {
  return invalid(fmt::format("digest mismatch: declared sha256:{}, received sha256:{}", declared,
                             actual))
      .with_reason(kDigestMismatchReason)
      .with_members({{"declared", fmt::format("sha256:{}", declared)},
                     {"actual", fmt::format("sha256:{}", actual)}});
}

Status corrupt_blob_error(std::string_view digest, std::string_view detail) {
  return Status(Code::corrupt, fmt::format("blob sha256:{} is corrupt: {}", digest, detail))
      .with_reason(kCorruptBlobReason);
}

}  // namespace tollgate::storage
