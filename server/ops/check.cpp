#include "server/ops/check.hpp"

#include <algorithm>
#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <boost/json.hpp>

#include "server/domain/cmdb/cis.hpp"
#include "server/domain/cmdb/cmdb_model.hpp"
#include "server/domain/tables/cmdb_tables.hpp"
#include "server/domain/tables/identity_tables.hpp"
#include "server/domain/tables/vault_tables.hpp"
#include "server/domain/vault/artifacts.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;
using tables::RelationshipKey;
using tables::RelIndex;
using tables::show_key;

namespace {

// Whether a stored key decodes with Key's codec.
template <class Key>
bool decodes(std::string_view key) {
  return Key::decode(key).has_value();
}

struct Checker {
  storage::ReadTxn& txn;
  std::ostream& out;
  std::size_t faults = 0;

  void fault(const std::string& what) {
    ++faults;
    fmt::print(out, "FAULT {}\n", what);
  }

  void cis() {
    std::size_t n = 0;
    txn.scan(Table::cis, "", [&](std::string_view key, std::string_view value) {
      ++n;
      auto ci = Ci::from_json(value);
      if (!ci) return fault(fmt::format("ci {}: {}", key, ci.status().message())), true;
      if (ci->id != key) fault(fmt::format("ci {}: record names id '{}'", key, ci->id));
      if (!txn.get(Table::ci_types, ci->type))
        fault(fmt::format("ci {}: its type '{}' does not exist", key, ci->type));
      for (std::uint64_t rev = 1; rev <= ci->revision; ++rev) {
        auto entry = tables::kCiHistory.get(txn, {ci->id, rev});
        if (!entry) {
          fault(fmt::format("ci {}: history revision {} is missing", key, rev));
          continue;
        }
        if (rev != ci->revision) continue;
        boost::system::error_code ec;
        json::value v = json::parse(*entry, ec);
        const json::value* snapshot =
            ec || !v.is_object() ? nullptr : v.as_object().if_contains("snapshot");
        if (!snapshot || *snapshot != json::value(ci->to_json()))
          fault(fmt::format("ci {}: the newest history snapshot differs from the record", key));
      }
      return true;
    });
    fmt::print(out, "checked {} CIs\n", n);
  }

  // Each index entry decodes and has its twin in the other index; forward entries name CIs.
  void relationships() {
    std::size_t n = 0;
    for (const RelIndex index : {RelIndex::out, RelIndex::in}) {
      const Table table = RelationshipKey::table(index);
      const RelIndex twin = index == RelIndex::out ? RelIndex::in : RelIndex::out;
      txn.scan(table, "", [&](std::string_view raw, std::string_view) {
        if (index == RelIndex::out) ++n;
        const auto key = RelationshipKey::decode(index, raw);
        if (!key)
          return fault(fmt::format("{} key {}: malformed", table_name(table), show_key(raw))), true;
        const std::string what =
            fmt::format("relationship {} {} {}", key->from, rel_type_name(key->type), key->to);
        if (!txn.get(RelationshipKey::table(twin), key->encode(twin)))
          fault(what + (index == RelIndex::out ? ": the reverse index is missing"
                                               : ": the forward index is missing"));
        if (index == RelIndex::out &&
            (!tables::kCis.get(txn, {key->from}) || !tables::kCis.get(txn, {key->to})))
          fault(what + ": names a CI that does not exist");
        return true;
      });
    }
    fmt::print(out, "checked {} relationships\n", n);
  }

  // Every key decodes with the table's codec and every record is a JSON object.
  void records(Table table, bool (*key_ok)(std::string_view)) {
    std::size_t n = 0;
    txn.scan(table, "", [&](std::string_view key, std::string_view value) {
      ++n;
      if (!key_ok(key))
        return fault(fmt::format("{} key {}: malformed", table_name(table), show_key(key))), true;
      boost::system::error_code ec;
      json::value v = json::parse(value, ec);
      if (ec || !v.is_object())
        fault(fmt::format("{} {}: unreadable record", table_name(table), show_key(key)));
      return true;
    });
    fmt::print(out, "checked {} {} records\n", n, table_name(table));
  }
};

}  // namespace

std::size_t check_store(storage::KvStore& store, std::ostream& out) {
  std::size_t faults = 0;
  Status st = store.read([&](storage::ReadTxn& txn) {
    Checker c{txn, out};
    c.records(Table::ci_types, decodes<tables::NameKey>);
    c.records(Table::tokens, decodes<tables::NameKey>);
    c.records(Table::ci_history, decodes<tables::CiHistoryKey>);
    c.cis();
    c.relationships();
    faults = c.faults;
    return Status();
  });
  if (!st.ok()) {
    fmt::print(out, "FAULT the store could not be read: {}\n", st.to_string());
    ++faults;
  }
  fmt::print(out, "{}\n", faults == 0 ? "store: ok" : fmt::format("store: {} fault(s)", faults));
  return faults;
}

std::size_t check_vault(storage::KvStore& store, storage::BlobStore& blobs,
                        const storage::GitVault& vault, std::ostream& out) {
  std::size_t faults = 0;
  auto fault = [&](const std::string& what) {
    ++faults;
    fmt::print(out, "FAULT {}\n", what);
  };
  std::map<std::string, bool> used;  // digests that records point at
  std::size_t artifacts = 0, documents = 0, uploads = 0;
  Status st = store.read([&](storage::ReadTxn& txn) {
    txn.scan(Table::artifacts, "", [&](std::string_view raw, std::string_view value) {
      ++artifacts;
      const auto key = tables::ArtifactKey::decode(raw);
      if (!key) return fault(fmt::format("artifact key {}: malformed", show_key(raw))), true;
      const std::string shown = key->at.to_string();
      auto artifact = Artifact::from_json(value);
      if (!artifact)
        return fault(fmt::format("artifact {}: {}", shown, artifact.status().message())), true;
      if (artifact->coordinate != key->at)
        fault(fmt::format("artifact {}: the record names {}", shown,
                          artifact->coordinate.to_string()));
      used[artifact->sha256] = true;
      auto size = blobs.size(artifact->sha256);
      if (!size)
        fault(fmt::format("artifact {}: blob sha256:{}: {}", shown, artifact->sha256,
                          size.status().message()));
      else if (*size != artifact->size)
        fault(fmt::format("artifact {}: blob sha256:{} holds {} bytes, the record says {}", shown,
                          artifact->sha256, *size, artifact->size));
      if (!tables::kArtifactBlobs.get(txn, {artifact->sha256, key->at}))
        fault(fmt::format("artifact {}: not in the digest index", shown));
      return true;
    });
    txn.scan(Table::artifact_blobs, "", [&](std::string_view raw, std::string_view) {
      const auto key = tables::ArtifactBlobKey::decode(raw);
      if (!key)
        fault(fmt::format("digest index key {}: malformed", show_key(raw)));
      else if (!tables::kArtifacts.get(txn, {key->at}))
        fault(fmt::format("digest index entry sha256:{} names no artifact", key->sha256));
      return true;
    });
    txn.scan(Table::uploads, "", [&](std::string_view key, std::string_view value) {
      ++uploads;
      boost::system::error_code ec;
      json::value v = json::parse(value, ec);
      if (!tables::NameKey::decode(key))
        fault(fmt::format("upload session key {}: malformed", show_key(key)));
      else if (ec || !v.is_object())
        fault(fmt::format("upload session {}: unreadable record", key));
      return true;
    });
    txn.scan(Table::documents, "", [&](std::string_view raw, std::string_view value) {
      ++documents;
      const auto key = tables::DocumentKey::decode(raw);
      if (!key) return fault(fmt::format("document key {}: malformed", show_key(raw))), true;
      const std::string path = fmt::format("cis/{}/{}", key->ci, key->name);
      boost::system::error_code ec;
      json::value v = json::parse(value, ec);
      if (ec || !v.is_object())
        return fault(fmt::format("document {}: unreadable record", path)), true;
      const json::value* blob = v.as_object().if_contains("blob");
      auto in_git = vault.blob_id(path);
      if (!in_git)
        fault(
            fmt::format("document {}: not in the git vault: {}", path, in_git.status().message()));
      else if (!blob || !blob->is_string() || blob->as_string() != *in_git)
        fmt::print(out,
                   "note: document {}: the index is behind the git vault (it is rebuilt on "
                   "the next read)\n",
                   path);
      return true;
    });
    return Status();
  });
  if (!st.ok()) fault(fmt::format("the store could not be read: {}", st.to_string()));
  std::size_t unused = 0;
  Status walked = blobs.for_each([&](const storage::BlobInfo& blob) {
    if (!used.contains(blob.digest)) ++unused;
    return true;
  });
  if (!walked.ok())
    fault(fmt::format("the blob store could not be listed: {}", walked.to_string()));
  fmt::print(out, "checked {} artifacts, {} documents, {} upload sessions; {} blobs unused\n",
             artifacts, documents, uploads, unused);
  fmt::print(out, "{}\n", faults == 0 ? "vault: ok" : fmt::format("vault: {} fault(s)", faults));
  return faults;
}

}  // namespace tollgate::server
