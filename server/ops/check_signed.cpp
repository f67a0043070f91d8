// `tollgated check`: the signed documents (environment manifests and baselines) against the
// signing keys and the git vault.
#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <boost/json.hpp>

#include "server/domain/audit/baselines.hpp"
#include "server/domain/release/environments.hpp"
#include "server/domain/tables/release_tables.hpp"
#include "server/domain/vault/vault_intents.hpp"
#include "server/ops/check.hpp"
#include "tollgate/signed_document.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;

struct SignedChecker {
  const std::vector<PublicKeyInfo>& keys;
  const storage::GitVault& vault;
  std::ostream& out;
  std::size_t faults = 0;

  void fault(const std::string& what) {
    ++faults;
    fmt::print(out, "FAULT {}\n", what);
  }

  // Whether `document` verifies with the key it names (a retired key still proves who signed).
  bool signature_ok(const std::string& what, const json::object& document) {
    auto signature = read_signature(document);
    if (!signature) {
      fault(fmt::format("{}: {}", what, signature.status().message()));
      return false;
    }
    for (const auto& key : keys) {
      if (key.key_id != signature->key_id) continue;
      if (Status st = verify_signed_document(document, key.public_key); !st.ok()) {
        fault(fmt::format("{}: {}", what, st.message()));
        return false;
      }
      return true;
    }
    fault(fmt::format("{}: signed by {}, which is not one of the server's keys", what,
                      signature->key_id));
    return false;
  }

  // Whether the vault holds `document` at `path` (as of `at`; empty: the head).
  void in_vault(const std::string& what, const json::object& document, const std::string& path,
                const std::string& at = {}) {
    auto text = vault.read(path, at);
    if (!text) {
      fault(fmt::format("{}: the vault has no {}{}: {}", what, path,
                        at.empty() ? "" : " at " + at.substr(0, 12), text.status().message()));
      return;
    }
    boost::system::error_code ec;
    auto stored = json::parse(*text, ec);
    if (ec || !stored.is_object() || canonical_json(stored) != canonical_json(document))
      fault(fmt::format("{}: the vault's {} differs from the stored document", what, path));
  }

  void manifests(storage::ReadTxn& txn) {
    std::size_t n = 0;
    std::map<std::string, std::pair<std::uint64_t, json::object>> newest;
    txn.scan(storage::Table::manifests, "", [&](std::string_view raw, std::string_view value) {
      ++n;
      const auto key = tables::ManifestKey::decode(raw);
      if (!key)
        return fault(fmt::format("manifest key {}: malformed", tables::show_key(raw))), true;
      const std::string& environment = key->environment;
      const std::uint64_t version = key->version;
      const std::string what = fmt::format("manifest {} v{}", environment, version);
      boost::system::error_code ec;
      auto parsed = json::parse(value, ec);
      if (ec || !parsed.is_object()) return fault(what + ": unreadable"), true;
      const json::object& document = parsed.as_object();
      const auto* env = document.if_contains("environment");
      const auto* ver = document.if_contains("version");
      if (!env || !env->is_string() || env->get_string() != environment || !ver ||
          !ver->is_number() || ver->to_number<std::uint64_t>() != version)
        fault(what + ": the document names another environment or version");
      signature_ok(what, document);
      auto& slot = newest[environment];
      if (version >= slot.first) slot = {version, document};
      return true;
    });
    // The vault's file is the newest version (older ones are in its history).
    for (const auto& [environment, entry] : newest) {
      in_vault(fmt::format("manifest {} v{}", environment, entry.first), entry.second,
               manifest_vault_path(environment));
      signed_once(txn, environment);
    }
    fmt::print(out, "checked {} signed manifests\n", n);
  }

  // No version of the environment's manifest was ever signed twice: every version in the
  // vault's history is one document, and the one the store holds when it holds that version.
  // (A version an interrupted promotion took and never recorded may be in the history, once.)
  void signed_once(storage::ReadTxn& txn, const std::string& environment) {
    const std::string path = manifest_vault_path(environment);
    auto revisions = vault.history(path);
    if (!revisions)
      return fault(fmt::format("manifest {}: its vault history: {}", environment,
                               revisions.status().message()));
    std::map<std::uint64_t, std::string> blob_of_version;
    for (const auto& revision : *revisions) {
      if (revision.object.empty()) continue;  // deleted there
      auto text = vault.read(path, revision.commit);
      if (!text) continue;
      auto manifest = parse_manifest(*text);
      if (!manifest) continue;
      const std::string what = fmt::format("manifest {} v{}", environment, manifest->version);
      auto [slot, fresh] = blob_of_version.emplace(manifest->version, revision.object);
      if (fresh) {
        const auto stored = txn.get(storage::Table::manifests,
                                    tables::ManifestKey{environment, manifest->version}.encode());
        boost::system::error_code ec;
        if (stored &&
            canonical_json(json::parse(*stored, ec)) != canonical_json(json::parse(*text, ec)))
          fault(
              fmt::format("{}: the vault's commit {} signed another document than the store "
                          "holds",
                          what, revision.commit.substr(0, 12)));
      } else if (slot->second != revision.object) {
        fault(fmt::format("{}: signed twice (vault blobs {} and {})", what,
                          slot->second.substr(0, 12), revision.object.substr(0, 12)));
      }
    }
  }

  // A change to the vault and the store still pending is completed or taken back by the next
  // start of the server (vault/vault_intents.hpp); until then the two may disagree.
  void intents(storage::KvStore& store) {
    auto pending = VaultIntents::pending(store);
    if (!pending) return fault(fmt::format("vault intents: {}", pending.status().message()));
    for (const auto& intent : *pending)
      fault(fmt::format("vault intent {} ({}, {}) is pending: the next start of tollgated {} it",
                        intent.id, intent.action, format_rfc3339(intent.created_at),
                        intent.recorded ? "tags" : "completes or reverts"));
  }

  void baselines(storage::ReadTxn& txn) {
    std::size_t n = 0;
    txn.scan(storage::Table::baselines, "", [&](std::string_view key, std::string_view value) {
      ++n;
      const std::string what = fmt::format("baseline {}", key);
      auto record = BaselineRecord::from_json(value);
      if (!record) return fault(fmt::format("{}: {}", what, record.status().message())), true;
      signature_ok(what, record->document);
      if (auto document = parse_baseline(record->document); !document)
        fault(fmt::format("{}: {}", what, document.status().message()));
      in_vault(what, record->document, baseline_vault_path(record->name), record->commit);
      auto target = vault.tag_target(record->tag);
      if (!target)
        fault(fmt::format("{}: the vault has no tag {}", what, record->tag));
      else if (*target != record->commit)
        fault(fmt::format("{}: its tag names commit {}, the record {}", what, target->substr(0, 12),
                          record->commit.substr(0, 12)));
      return true;
    });
    fmt::print(out, "checked {} signed baselines\n", n);
  }
};

}  // namespace

std::size_t check_signed_documents(storage::KvStore& store, const storage::GitVault& vault,
                                   const std::vector<PublicKeyInfo>& keys, std::ostream& out) {
  SignedChecker checker{keys, vault, out};
  Status status = store.read([&](storage::ReadTxn& txn) {
    checker.manifests(txn);
    checker.baselines(txn);
    return Status();
  });
  checker.intents(store);
  if (!status.ok()) checker.fault(fmt::format("signed documents: {}", status.message()));
  fmt::print(out, "{}\n",
             checker.faults == 0 ? "signed documents: ok"
                                 : fmt::format("signed documents: {} fault(s)", checker.faults));
  return checker.faults;
}

}  // namespace tollgate::server
