// A fingerprint of everything a request can change on disk: every KvStore table's keys and
// values, the git vault's HEAD and refs, and the blob directory's files with their sizes. Take
// one before and one after a request; equal fingerprints prove the request changed nothing, and
// difference() names what did.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "storage/kv_store.hpp"

namespace tollgate::testing {

struct StateFingerprint {
  // "table <name> <key>" -> value, "vault <file>" -> content, "blobs <file>" -> size.
  std::map<std::string, std::string> entries;

  friend bool operator==(const StateFingerprint&, const StateFingerprint&) = default;
};

namespace fingerprint_detail {

// Bytes as readable text: printable ASCII as is, anything else as \xNN.
inline std::string printable(std::string_view bytes) {
  std::string out;
  for (const unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

inline std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every regular file under `root` (if it exists) as "label relative-path" -> content or size.
inline void add_files(std::map<std::string, std::string>& out, const std::filesystem::path& root,
                      const std::string& label, bool contents) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(root, ec)) return;
  if (fs::is_regular_file(root, ec)) {
    out[label] = contents ? file_text(root) : std::to_string(fs::file_size(root, ec));
    return;
  }
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = label + " " + fs::relative(it->path(), root, ec).generic_string();
    out[name] = contents ? file_text(it->path()) : std::to_string(it->file_size(ec));
  }
}

}  // namespace fingerprint_detail

// The state of `store` (every table but those in `except`) and of the data directory `data_dir`
// laid out as the server keeps it: `vault.git/` (HEAD, packed-refs, refs/) and `blobs/`.
inline StateFingerprint fingerprint(storage::KvStore& store, const std::filesystem::path& data_dir,
                                    const std::set<storage::Table>& except) {
  StateFingerprint out;
  const Status read = store.read([&](storage::ReadTxn& txn) {
    for (int t = 0; t < static_cast<int>(storage::Table::count_); ++t) {
      const auto table = static_cast<storage::Table>(t);
      if (except.contains(table)) continue;
      const std::string label = std::string("table ") + storage::table_name(table) + " ";
      txn.scan(table, "", [&](std::string_view key, std::string_view value) {
        out.entries[label + fingerprint_detail::printable(key)] = std::string(value);
        return true;
      });
    }
    return Status();
  });
  if (!read.ok()) out.entries["error"] = read.message();
  const std::filesystem::path vault = data_dir / "vault.git";
  fingerprint_detail::add_files(out.entries, vault / "HEAD", "vault HEAD", true);
  fingerprint_detail::add_files(out.entries, vault / "packed-refs", "vault packed-refs", true);
  fingerprint_detail::add_files(out.entries, vault / "refs", "vault refs", true);
  fingerprint_detail::add_files(out.entries, data_dir / "blobs", "blobs", false);
  return out;
}

// What differs between `before` and `after`, one line per entry (at most `limit` lines).
inline std::string difference(const StateFingerprint& before, const StateFingerprint& after,
                              std::size_t limit = 8) {
  std::string out;
  std::size_t lines = 0;
  auto note = [&](const std::string& what, const std::string& key) {
    if (lines++ < limit) out += what + " " + key + "\n";
  };
  for (const auto& [key, value] : before.entries) {
    const auto found = after.entries.find(key);
    if (found == after.entries.end())
      note("removed", key);
    else if (found->second != value)
      note("changed", key);
  }
  for (const auto& [key, value] : after.entries)
    if (!before.entries.contains(key)) note("added", key);
  if (lines > limit) out += "... and " + std::to_string(lines - limit) + " more\n";
  return out;
}

}  // namespace tollgate::testing
