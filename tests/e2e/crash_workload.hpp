// The crash test's workload and its ledger (tests/e2e/crash_e2e_test.cpp).
//
// Four workers each drive one kind of write against a real tollgated from their own thread
// until the test kills the server: artifact uploads (plain, some of a few MiB, and resumable
// sessions), CMDB writes (CI creates and patches, CI documents), releases driven through
// creation, item, document, gates and promotions (with back-outs) and baselines. Each keeps a
// ledger of what it sent: a write the server acknowledged (a complete 2xx) must be there after
// every restart, exactly as acknowledged; a write whose answer the kill cut off is "unanswered"
// and may be there or not, but only whole. After a restart, verify() reads everything back, says
// what it found wrong in `Failures`, and settles the unanswered writes as present or absent, so
// that later rounds hold the server to what it showed (nothing may vanish or appear later).
//
// A worker's ledger is touched only by its own thread during a round and by the test's thread
// between rounds (the thread's join orders the two). Failures is shared and locked.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "client/http_client.hpp"
#include "tests/e2e/server_process.hpp"

namespace tollgate::e2e::crash {

// Tokens of the people the workload acts as; tokens outlive restarts.
struct Crew {
  std::string admin;
  std::string agent;   // build_agent: uploads
  std::string rm;      // release_manager: releases, promotions
  std::string cm;      // change_manager: trr
  std::string tester;  // tester: tests:<env>
};

// What went wrong, from any thread.
class Failures {
 public:
  void add(std::string what);
  bool empty() const;
  std::string text() const;  // one per line

 private:
  mutable std::mutex mu_;
  std::vector<std::string> items_;
};

// Counts for the test's report.
struct Tally {
  std::atomic<std::size_t> acknowledged{0};  // writes acknowledged, all rounds
  std::size_t unanswered_present = 0;        // unanswered writes found done after a restart
  std::size_t unanswered_absent = 0;         // unanswered writes found not done
};

struct RoundContext {
  const ServerProcess& server;
  const Crew& crew;
  int round;
  const std::atomic<bool>& stop;
  Failures& failures;
  Tally& tally;
};

struct VerifyContext {
  const ServerProcess& server;
  const Crew& crew;
  int round;
  // Read back every artifact's bytes, every manifest and every document version; otherwise
  // those of this round (records and current contents are read back every time).
  bool full;
  Failures& failures;
  Tally& tally;
};

// The bytes of an artifact, made again from (seed, size) whenever they are needed.
std::string artifact_bytes(std::uint64_t seed, std::size_t size);

// An artifact sent to the server.
struct ArtifactFact {
  std::string ci, version, file;
  std::uint64_t seed = 0;
  std::size_t size = 0;
  std::string sha256;
  bool acknowledged = false;
  int round = 0;  // of its upload; its bytes are downloaded in the verification of that round
  std::string target() const;
};

// Reads every artifact of `facts` back (records by listing, bytes by download for those of this
// round or all), settles unanswered ones, and reports records nobody uploaded.
void verify_artifacts(const VerifyContext& ctx, client::HttpClient& reader,
                      std::vector<ArtifactFact>& facts);

class Uploader {
 public:
  explicit Uploader(std::uint64_t seed) : rng_(seed) {}
  void run(const RoundContext& ctx);
  void verify(const VerifyContext& ctx);

 private:
  // A resumable upload session in progress when the server was killed.
  struct Session {
    std::string location;
    std::size_t fact = 0;          // its artifact in facts_
    std::size_t acknowledged = 0;  // bytes the server acknowledged
    std::size_t sent = 0;          // bytes sent so far (acknowledged or not)
    bool finishing = false;        // the request that finishes it was sent
  };
  bool put(const RoundContext& ctx, client::HttpClient& agent, int n, std::size_t size);
  bool resumable(const RoundContext& ctx, client::HttpClient& agent, int n);
  void resume(const VerifyContext& ctx, client::HttpClient& agent);

  std::mt19937_64 rng_;
  std::vector<ArtifactFact> facts_;
  std::optional<Session> session_;
};

class CmdbWriter {
 public:
  explicit CmdbWriter(std::uint64_t seed) : rng_(seed) {}
  // The CIs documents are written to (created by the test before the first round).
  static const std::vector<std::string>& document_cis();
  void run(const RoundContext& ctx);
  void verify(const VerifyContext& ctx);

 private:
  struct CiFact {
    std::string id;
    std::uint64_t revision = 0;  // 0: its create is unanswered
    boost::json::object attributes;
    std::optional<boost::json::object> unanswered;  // a patch whose answer was lost
  };
  struct DocumentFact {
    std::string ci, name;
    std::vector<std::pair<std::string, std::string>> versions;  // commit, content
    std::optional<std::string> unanswered;
    std::size_t verified = 0;  // versions read back by their commit
  };
  bool create(const RoundContext& ctx, client::HttpClient& c, int n);
  bool patch(const RoundContext& ctx, client::HttpClient& c, CiFact& ci);
  bool put_document(const RoundContext& ctx, client::HttpClient& c, DocumentFact& doc, int n);
  void verify_cis(const VerifyContext& ctx, client::HttpClient& reader);
  void verify_documents(const VerifyContext& ctx, client::HttpClient& reader);

  std::mt19937_64 rng_;
  std::vector<CiFact> cis_;
  std::vector<DocumentFact> documents_;
};

class ReleaseDriver {
 public:
  explicit ReleaseDriver(std::uint64_t seed) : rng_(seed) {}
  void run(const RoundContext& ctx);
  void verify(const VerifyContext& ctx);
  std::size_t manifests() const { return manifests_.size(); }

  // The steps of a release, in order.
  enum Step : int {
    kArtifact,
    kCreate,
    kItem,
    kDocument,
    kTrr,
    kPromoteSit,
    kTestsSit,
    kPromoteProduction,
    kBackoutProduction,
    kDone
  };

 private:
  struct Event {
    std::string environment, action;
    std::uint64_t manifest_version = 0;
  };
  struct ReleaseFact {
    std::string version;
    std::string id;                // empty until its create is answered
    int acknowledged = kArtifact;  // steps done and answered; the next one is this
    bool unanswered = false;       // step `acknowledged` was sent, its answer lost
    bool backs_out = false;
    std::string notes;          // the release document
    std::vector<Event> events;  // acknowledged promotions and back-outs
    int round = 0;
  };
  struct ManifestFact {
    std::string environment;
    std::uint64_t version = 0;
    boost::json::object manifest;  // as the promotion answered it
    int round = 0;
  };
  struct Clients;
  bool step(const RoundContext& ctx, Clients& clients, ReleaseFact& r);
  bool promote(const RoundContext& ctx, client::HttpClient& rm, ReleaseFact& r,
               const std::string& action, const std::string& environment);
  void verify_release(const VerifyContext& ctx, client::HttpClient& reader, ReleaseFact& r,
                      const boost::json::object& release);
  void settle_events(const VerifyContext& ctx, client::HttpClient& reader, ReleaseFact& r,
                     const boost::json::array& observed);
  void verify_manifests(const VerifyContext& ctx, client::HttpClient& reader);

  std::mt19937_64 rng_;
  std::vector<ArtifactFact> artifacts_;
  std::vector<ReleaseFact> releases_;
  std::vector<ManifestFact> manifests_;
};

class Baseliner {
 public:
  explicit Baseliner(std::uint64_t seed) : rng_(seed) {}
  void run(const RoundContext& ctx);
  void verify(const VerifyContext& ctx);

 private:
  struct BaselineFact {
    std::string name;
    bool acknowledged = false;
    boost::json::object document;
    std::string commit;
  };
  std::mt19937_64 rng_;
  std::vector<BaselineFact> facts_;
};

}  // namespace tollgate::e2e::crash
