// Helpers shared by the blob store tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/fs_blob_store.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::testing {

inline std::string sha256_of(std::string_view data) {
  Sha256Hasher hasher;
  hasher.update(data);
  return hasher.hex_digest().value();
}

inline std::unique_ptr<storage::FsBlobStore> open_blob_store(const std::string& root,
                                                             storage::FileSystem* fs = nullptr) {
  auto store = storage::FsBlobStore::open({.root = root, .file_system = fs});
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  return std::move(store).value();
}

// Stores data in chunks of chunk_size and returns what finish answered.
inline Result<storage::BlobInfo> put_blob(storage::BlobStore& store, std::string_view data,
                                          std::size_t chunk_size = 4096) {
  TG_ASSIGN_OR_RETURN(auto upload, store.begin());
  for (std::size_t at = 0; at < data.size(); at += chunk_size)
    TG_RETURN_IF_ERROR(upload->write(data.substr(at, chunk_size)));
  return upload->finish(sha256_of(data));
}

inline std::string read_blob(storage::BlobStore& store, std::string_view digest) {
  auto reader = store.open(digest);
  REQUIRE_MESSAGE(reader.ok(), reader.status().to_string());
  std::string out, buffer(1000, '\0');
  for (;;) {
    auto got = (*reader)->read(buffer);
    REQUIRE(got.ok());
    if (*got == 0) return out;
    out.append(buffer.data(), *got);
  }
}

// Names of the regular files below dir, relative to it, sorted.
inline std::vector<std::string> files_under(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(entry.path().lexically_relative(dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// A deterministic, non-repeating-looking byte pattern.
inline std::string pattern(std::size_t size, unsigned seed = 1) {
  std::string out(size, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

// Stores `data` (which must succeed) and returns its digest.
inline std::string stored(storage::BlobStore& store, const std::string& data) {
  auto info = put_blob(store, data);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  return info->digest;
}

// Whether `text` has `line` as one whole line.
inline bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace tollgate::testing
