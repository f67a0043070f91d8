// Releases: what is promoted through the environments, and the gates that must hold first.
//
// A release bundles component versions (items: a CI at a version, with every artifact of that
// version and its digest), controlled documents committed to the git vault, known errors,
// linked RFCs and planned dates per environment. Its **digest** is a canonical SHA-256 over
// its contents (items with their artifact digests, document blob ids, packaged releases); every
// gate record is bound to the digest it was given for, and stops counting (`stale`) when the
// contents change.
//
// Storage: Table::releases, key = release id (`rel-N`, N from a counter in Table::meta),
// value = Release::to_record(). Environments and manifests: server/environments.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

enum class ReleaseType { delta, full, package };
enum class ReleaseCategory { scheduled, unscheduled, emergency };

const char* release_type_name(ReleaseType type);
std::optional<ReleaseType> parse_release_type(std::string_view name);
const char* release_category_name(ReleaseCategory category);
std::optional<ReleaseCategory> parse_release_category(std::string_view name);

struct ReleaseArtifact {
  std::string file;
  std::string sha256;  // lower-case hex
  std::uint64_t size = 0;
  std::string install_path;  // where a PCA expects it on a host; the file name by default
};

struct ReleaseItem {
  std::string ci;
  std::string version;
  std::vector<ReleaseArtifact> artifacts;  // sorted by file
  std::string added_by;
  Micros added_at = 0;
};

// Document kinds: build_instructions, test_plan, backout_procedure, release_notes, other.
struct ReleaseDocument {
  std::string kind;
  std::string name;
  std::string path;    // in the vault: releases/<id>/<name>
  std::string commit;  // vault commit that wrote this version
  std::string blob;    // git blob id of the content (what the digest covers)
  std::string added_by;
  Micros added_at = 0;
};

struct KnownError {
  std::string id;  // ke-N within the release
  std::string summary;
  std::string workaround;
  std::string recorded_by;
  Micros recorded_at = 0;
};

// One verdict on one gate. Gate names: trr, tests:<env>, uat, rrr, implementation_approval,
// emergency_approval, pir.
struct GateRecord {
  std::string gate;
  std::string verdict;  // pass | fail
  std::string notes;
  std::optional<std::string> evidence;  // name of a release document
  std::optional<std::string> date;      // rrr: implementation date, YYYY-MM-DD
  std::string digest;                   // the release digest it was given for
  std::string actor;
  Micros time = 0;
};

// Where the release went: one entry per promotion or back-out, in order.
struct EnvironmentEvent {
  std::string environment;
  std::string action;  // promote | backout
  std::string actor;
  Micros time = 0;
  std::uint64_t manifest_version = 0;  // the manifest version this action wrote
};

struct Release {
  std::string id;  // rel-N
  std::string name;
  std::string version;
  ReleaseType type = ReleaseType::delta;
  ReleaseCategory category = ReleaseCategory::scheduled;
  std::vector<std::string> rfcs;
  std::vector<std::string> packages;  // type package: the delta releases it bundles
  std::vector<ReleaseItem> items;     // sorted by ci
  std::vector<ReleaseDocument> documents;
  std::vector<KnownError> known_errors;
  std::map<std::string, std::string> planned;  // environment -> YYYY-MM-DD
  std::vector<GateRecord> gates;               // every record ever given, in order
  std::vector<EnvironmentEvent> environments;  // promotions and back-outs, in order
  std::string created_by;
  Micros created_at = 0;
  Micros updated_at = 0;

  // Canonical SHA-256 (hex) over items (ci, version, each artifact's file, sha256, size,
  // install_path), document (kind, name, blob) and packaged release ids; independent of the
  // order things were added in.
  std::string digest() const;

  // The newest record of a gate, if any.
  const GateRecord* latest(std::string_view gate) const;
  // Whether the newest record of the gate passed and was given for the current digest.
  bool passed(std::string_view gate) const;
  // Distinct actors whose newest record of the gate passed for the current digest (two change
  // managers for emergency_approval).
  std::vector<std::string> passing_actors(std::string_view gate) const;

  // The environment the release is in now (its last promote not undone by a back-out), if any.
  std::optional<std::string> current_environment() const;
  // Whether it was backed out of `environment` after its last promotion there.
  bool backed_out_of(std::string_view environment) const;

  boost::json::object to_record() const;
  static Result<Release> from_record(std::string_view json);
};

// Reads a release inside a caller's transaction; nullopt when there is none.
std::optional<Release> load_release(storage::ReadTxn& txn, std::string_view id);
void store_release(storage::WriteTxn& txn, const Release& release);

}  // namespace tollgate::server
