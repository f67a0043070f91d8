// SHA-256 of files the client reads: whole-file hashing in bounded memory, on the shared model's
// hasher (tollgate/digest.hpp, which also says what a digest is and parses the server's forms).
//
// Digests are written as 64 lower-case hex characters, without the "sha256:" prefix, as the
// server's X-Checksum-Sha256 header carries them.
#pragma once

#include <cstdint>
#include <string>

#include "client/http_client.hpp"
#include "tollgate/status.hpp"

namespace tollgate::client {

struct FileDigest {
  std::string sha256;      // lower-case hex
  std::uint64_t size = 0;  // bytes hashed
};

// Hashes the file at `path` from start to end in 1 MiB reads, never holding more than that.
// `progress` sees the bytes hashed of the file's size. Errors: not_found when it does not
// exist, invalid when it is not a regular file, io for any other failure to read it.
Result<FileDigest> sha256_file(const std::string& path, const ProgressCallback& progress = {});

// The same for an open file descriptor (not owned; read with pread from offset 0).
Result<FileDigest> sha256_fd(int fd, const ProgressCallback& progress = {});

}  // namespace tollgate::client
