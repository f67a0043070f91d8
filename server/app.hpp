// App: the domain services of one server, wired to its metadata store, blob store, git vault,
// clock and configuration (none owned; all outlive the App).
#pragma once

#include "server/artifacts.hpp"
#include "server/auth.hpp"
#include "server/baselines.hpp"
#include "server/ci_types.hpp"
#include "server/cis.hpp"
#include "server/config.hpp"
#include "server/documents.hpp"
#include "server/environments.hpp"
#include "server/login.hpp"
#include "server/metrics.hpp"
#include "server/promotion.hpp"
#include "server/relationships.hpp"
#include "server/releases.hpp"
#include "server/rfcs.hpp"
#include "server/signing.hpp"
#include "server/uploads.hpp"
#include "server/users.hpp"
#include "storage/blob_store.hpp"
#include "storage/git_vault.hpp"
#include "storage/kv_store.hpp"

namespace tollgate::server {

struct App {
  App(storage::KvStore& kv, storage::BlobStore& b, storage::GitVault& v, const Clock& c, Metrics& m,
      const Config& cfg, const Signer& s)
      : store(kv),
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
        documents(kv, v, c),
        artifacts(kv, b, c),
        uploads(kv, b, artifacts, c, static_cast<Micros>(cfg.upload_expiry_hours) * 3'600'000'000,
                cfg.max_artifact_size_mb << 20),
        releases(kv, v, c, cfg),
        environments(kv, s, cfg, c),
        promotion(kv, b, v, environments, m, cfg, c),
        baselines(kv, v, s, cfg, c) {
    promotion.record_production_baselines(baselines);
  }

  storage::KvStore& store;
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
  DocumentService documents;
  ArtifactService artifacts;
  UploadService uploads;
  ReleaseService releases;
  EnvironmentService environments;
  PromotionService promotion;
  BaselineService baselines;
};

}  // namespace tollgate::server
