// The open-file limit (RLIMIT_NOFILE) and the connection cap it allows. Private to server/http.
//
// The server raises its soft limit to the hard one at start, then lowers [server]
// max_connections, when it must, so that connections can never take the descriptors that
// LMDB, the blob store, the git vault and the listener need: the accept loop's EMFILE is then a
// fault of something else, met with a pause (listener.hpp), not the normal state under load.
#pragma once

#include <cstdint>

#include "server/domain/vault/uploads.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server::connection {

// Descriptors the server holds besides its connections: standard streams, the listener, the
// I/O contexts' reactors, LMDB, the git vault's packs (libgit2 keeps at most 32 open,
// storage/detail/git_support.cpp) and the scrubber, with room to spare; and the resumable upload
// files kept open between requests.
inline constexpr std::uint64_t kReservedFiles = 64 + kMaxOpenUploadFiles;
// Descriptors one connection may hold: its socket and the blob it uploads or serves.
inline constexpr std::uint64_t kFilesPerConnection = 2;

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the soft limit now in force
// (UINT64_MAX for unlimited). Errors: io when the limit cannot be read; a refused raise is not
// an error (the limit in force is returned).
Result<std::uint64_t> raise_open_file_limit();

// The connection cap `open_files` descriptors allow: `configured`, lowered to
// (open_files - kReservedFiles) / kFilesPerConnection when that is smaller, and never below 1.
unsigned connection_cap(unsigned configured, std::uint64_t open_files);

}  // namespace tollgate::server::connection
