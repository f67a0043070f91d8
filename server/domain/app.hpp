// App: the domain services of one server, wired to its metadata store (through the AuditingStore
// that records each request's audit entry), blob store, git vault, clock and configuration (none
// owned; all outlive the App).
#pragma once

#include "server/domain/audit/audit_log.hpp"
#include "server/domain/audit/baselines.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/cmdb/ci_types.hpp"
#include "server/domain/cmdb/cis.hpp"
#include "server/domain/cmdb/documents.hpp"
#include "server/domain/cmdb/relationships.hpp"
#include "server/domain/config.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/identity/login.hpp"
#include "server/domain/identity/users.hpp"
#include "server/domain/metrics.hpp"
#include "server/domain/release/environments.hpp"
#include "server/domain/release/promotion.hpp"
#include "server/domain/release/releases.hpp"
#include "server/domain/vault/artifacts.hpp"
#include "server/domain/vault/signing.hpp"
#include "server/domain/vault/uploads.hpp"
#include "server/domain/vault/vault_intents.hpp"
#include "storage/blob_store.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"

namespace tollgate::server {

struct App {
  App(AuditingStore& kv, storage::BlobStore& b, storage::GitVault& v, const Clock& c, Metrics& m,
      const Config& cfg, const Signer& s)
      : store(kv),
        audit_log(kv),
        blobs(b),
        vault(v),
        config(cfg),
        signer(s),
        clock(c),
        metrics(m),
        users(kv, cfg, c),
        tokens(kv, cfg, c),
        sessions(kv, tokens, cfg, c),
        ci_types(kv, c),
        cis(kv, c),
        relationships(kv, c),
        rfcs(kv, relationships, c, cfg.eccb_quorum),
        intents(kv.inner(), v, c),
        documents(kv, v, c),
        artifacts(kv, b, c),
        uploads(kv, b, artifacts, c, UploadLimits::of(cfg), m),
        releases(kv, v, intents, c, cfg),
        environments(kv, s, cfg, c),
        promotion(kv, b, v, intents, environments, m, cfg, c),
        baselines(kv, v, intents, s, cfg, c) {
    promotion.record_production_baselines(baselines);
  }

  storage::KvStore& store;   // writes through audit_log: each request's entry lands with its change
  AuditingStore& audit_log;  // the same store, for the entry of a request that committed nothing
  storage::BlobStore& blobs;
  storage::GitVault& vault;
  const Config& config;
  const Signer& signer;  // signs manifests and baselines
  const Clock& clock;
  Metrics& metrics;
  UserService users;
  TokenService tokens;
  LoginService sessions;  // POST /api/v1/sessions: directory logins
  CiTypeService ci_types;
  CiService cis;
  RelationshipService relationships;
  RfcService rfcs;
  VaultIntents intents;  // changes to the vault and the store together (start-up reconciles)
  DocumentService documents;
  ArtifactService artifacts;
  UploadService uploads;
  ReleaseService releases;
  EnvironmentService environments;
  PromotionService promotion;
  BaselineService baselines;
};

}  // namespace tollgate::server
