// The crash test's workers while the server runs: what each sends, and what it notes in its
// ledger before and after the answer.
#include "tests/e2e/crash_workload.hpp"

#include <fmt/format.h>

#include "tests/e2e/crash_support.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::e2e::crash {

namespace json = boost::json;
using client::HttpClient;

namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * kKiB;

}  // namespace

void Failures::add(std::string what) {
  std::lock_guard lock(mu_);
  items_.push_back(std::move(what));
}

bool Failures::empty() const {
  std::lock_guard lock(mu_);
  return items_.empty();
}

std::string Failures::text() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& item : items_) out += item + "\n";
  return out;
}

std::string artifact_bytes(std::uint64_t seed, std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < size; i += 8) {
    // splitmix64: fast, and any seed gives bytes that do not repeat.
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (std::size_t j = 0; j < 8 && i + j < size; ++j)
      out[i + j] = static_cast<char>(z >> (8 * j));
  }
  return out;
}

std::string ArtifactFact::target() const {
  return fmt::format("/api/v1/artifacts/{}/{}/{}", ci, version, file);
}

// --- uploads -----------------------------------------------------------------------------------

void Uploader::run(const RoundContext& ctx) {
  HttpClient agent = ctx.server.client(ctx.crew.agent);
  for (int n = 1; !ctx.stop; ++n) {
    const auto pick = rng_() % 10;
    const bool go = pick < 5   ? put(ctx, agent, n, 1 + rng_() % (64 * kKiB))
                    : pick < 7 ? put(ctx, agent, n, kMiB + rng_() % (3 * kMiB))
                               : resumable(ctx, agent, n);
    if (!go) return;
  }
}

bool Uploader::put(const RoundContext& ctx, HttpClient& agent, int n, std::size_t size) {
  ArtifactFact& fact = facts_.emplace_back();
  fact = {"crash-app",
          fmt::format("r{}", ctx.round),
          fmt::format("put-{}.bin", n),
          rng_(),
          size,
          "",
          false,
          ctx.round};
  const std::string bytes = artifact_bytes(fact.seed, size);
  fact.sha256 = sha256_of(bytes);
  auto answer = ask(agent, "PUT", fact.target(), bytes, upload_headers(fact.sha256));
  if (!accepted(ctx, answer, 201, "PUT " + fact.target())) return false;
  fact.acknowledged = true;
  ++ctx.tally.acknowledged;
  return true;
}

// A session of three pieces: two PATCHes and the PUT that finishes it with the last piece.
bool Uploader::resumable(const RoundContext& ctx, HttpClient& agent, int n) {
  auto started = ask(agent, "POST", "/api/v1/uploads");
  if (!accepted(ctx, started, 202, "POST /api/v1/uploads")) return false;
  ArtifactFact& fact = facts_.emplace_back();
  const std::size_t size = 64 * kKiB + rng_() % (2 * kMiB);
  fact = {"crash-app",
          fmt::format("r{}", ctx.round),
          fmt::format("session-{}.bin", n),
          rng_(),
          size,
          "",
          false,
          ctx.round};
  const std::string bytes = artifact_bytes(fact.seed, size);
  fact.sha256 = sha256_of(bytes);
  session_ = Session{started->header("location"), facts_.size() - 1, 0, 0, false};
  for (const std::size_t end : {size / 3, 2 * size / 3}) {
    const std::size_t begin = session_->sent;
    session_->sent = end;
    auto patched = ask(agent, "PATCH", session_->location, bytes.substr(begin, end - begin),
                       {{"Content-Type", "application/octet-stream"},
                        {"Content-Range", fmt::format("{}-{}", begin, end - 1)}});
    if (!accepted(ctx, patched, 202, "PATCH " + session_->location)) return false;
    session_->acknowledged = end;
    ++ctx.tally.acknowledged;
  }
  session_->finishing = true;
  session_->sent = size;
  const std::string finish =
      fmt::format("{}?digest=sha256:{}&coordinate={}/{}/{}", session_->location, fact.sha256,
                  fact.ci, fact.version, fact.file);
  auto done = ask(agent, "PUT", finish, bytes.substr(session_->acknowledged),
                  {{"Content-Type", "application/octet-stream"}});
  if (!accepted(ctx, done, 201, "PUT " + finish)) return false;
  fact.acknowledged = true;
  session_.reset();
  ++ctx.tally.acknowledged;
  return true;
}

// --- CMDB --------------------------------------------------------------------------------------

const std::vector<std::string>& CmdbWriter::document_cis() {
  static const std::vector<std::string> kCis = {"crash-docs-1", "crash-docs-2", "crash-docs-3"};
  return kCis;
}

void CmdbWriter::run(const RoundContext& ctx) {
  if (documents_.empty()) {
    for (const auto& ci : document_cis())
      for (const char* name : {"notes.md", "runbook.md"})
        documents_.push_back({ci, name, {}, {}, 0});
  }
  HttpClient c = ctx.server.client(ctx.crew.admin);
  for (int n = 1; !ctx.stop; ++n) {
    const auto pick = rng_() % 10;
    std::vector<CiFact*> settled;
    for (auto& ci : cis_)
      if (ci.revision > 0 && !ci.unanswered) settled.push_back(&ci);
    bool go = true;
    if (pick < 3 || settled.size() < 3)
      go = create(ctx, c, n);
    else if (pick < 6)
      go = patch(ctx, c, *settled[rng_() % settled.size()]);
    else
      go = put_document(ctx, c, documents_[rng_() % documents_.size()], n);
    if (!go) return;
  }
}

bool CmdbWriter::create(const RoundContext& ctx, HttpClient& c, int n) {
  CiFact& ci = cis_.emplace_back();
  ci.id = fmt::format("svc-{}-{}", ctx.round, n);
  ci.attributes = {{"port", static_cast<std::int64_t>(1 + rng_() % 65000)},
                   {"note", fmt::format("created in round {}", ctx.round)}};
  const json::object body{
      {"id", ci.id}, {"type", "crash-svc"}, {"name", ci.id}, {"attributes", ci.attributes}};
  auto answer = ask(c, "POST", "/api/v1/cis", json::serialize(body));
  if (!accepted(ctx, answer, 201, "POST /api/v1/cis " + ci.id)) return false;
  ci.revision = 1;
  ++ctx.tally.acknowledged;
  return true;
}

bool CmdbWriter::patch(const RoundContext& ctx, HttpClient& c, CiFact& ci) {
  json::object attributes{
      {"port", static_cast<std::int64_t>(1 + rng_() % 65000)},
      {"note", fmt::format("revision {} in round {}", ci.revision + 1, ctx.round)}};
  ci.unanswered = attributes;
  auto answer = ask(c, "PATCH", "/api/v1/cis/" + ci.id,
                    json::serialize(json::object{{"attributes", attributes}}),
                    {{"If-Match", fmt::format("\"{}\"", ci.revision)}});
  if (!accepted(ctx, answer, 200, "PATCH /api/v1/cis/" + ci.id)) return false;
  ci.attributes = std::move(attributes);
  ++ci.revision;
  ci.unanswered.reset();
  ++ctx.tally.acknowledged;
  return true;
}

bool CmdbWriter::put_document(const RoundContext& ctx, HttpClient& c, DocumentFact& doc, int n) {
  const std::string content = fmt::format("# {} of {}\n\nround {}, write {}, {:x}\n", doc.name,
                                          doc.ci, ctx.round, n, rng_());
  doc.unanswered = content;
  const std::string target = fmt::format("/api/v1/cis/{}/documents/{}", doc.ci, doc.name);
  auto answer = ask(c, "PUT", target, content, {{"Content-Type", "text/markdown"}});
  if (!accepted(ctx, answer, doc.versions.empty() ? 201 : 200, "PUT " + target)) return false;
  doc.versions.emplace_back(answer->header("x-tollgate-commit"), content);
  doc.unanswered.reset();
  ++ctx.tally.acknowledged;
  return true;
}

// --- releases ----------------------------------------------------------------------------------

// One connection per person, for the round.
struct ReleaseDriver::Clients {
  HttpClient agent, rm, cm, tester;
};

void ReleaseDriver::run(const RoundContext& ctx) {
  Clients clients{ctx.server.client(ctx.crew.agent), ctx.server.client(ctx.crew.rm),
                  ctx.server.client(ctx.crew.cm), ctx.server.client(ctx.crew.tester)};
  for (int n = 1; !ctx.stop; ++n) {
    ReleaseFact& r = releases_.emplace_back();
    r.version = fmt::format("{}.{}", ctx.round, n);
    r.backs_out = rng_() % 3 == 0;
    r.round = ctx.round;
    r.notes = fmt::format("# crash {}\n\n{:x}\n", r.version, rng_());
    while (r.acknowledged != kDone && !ctx.stop) {
      if (r.acknowledged == kBackoutProduction && !r.backs_out) {
        r.acknowledged = kDone;
        break;
      }
      r.unanswered = true;
      if (!step(ctx, clients, r)) return;
      r.unanswered = false;
      ++r.acknowledged;
      ++ctx.tally.acknowledged;
    }
  }
}

// Sends step r.acknowledged; true when it was answered as expected.
bool ReleaseDriver::step(const RoundContext& ctx, Clients& clients, ReleaseFact& r) {
  const std::string base = "/api/v1/releases/" + r.id;
  switch (r.acknowledged) {
    case kArtifact: {
      ArtifactFact& fact = artifacts_.emplace_back();
      fact = {"crash-rel", r.version, "app.bin", rng_(), 1 + rng_() % (16 * kKiB),
              "",          false,     ctx.round};
      const std::string bytes = artifact_bytes(fact.seed, fact.size);
      fact.sha256 = sha256_of(bytes);
      auto answer = ask(clients.agent, "PUT", fact.target(), bytes, upload_headers(fact.sha256));
      if (!accepted(ctx, answer, 201, "PUT " + fact.target())) return false;
      fact.acknowledged = true;
      return true;
    }
    case kCreate: {
      const json::object body{
          {"name", "crash"}, {"version", r.version}, {"type", "delta"}, {"category", "scheduled"}};
      auto answer = ask(clients.rm, "POST", "/api/v1/releases", json::serialize(body));
      if (!accepted(ctx, answer, 201, "POST /api/v1/releases " + r.version)) return false;
      r.id = std::string(parse_object(answer->body).at("id").as_string());
      return true;
    }
    case kItem: {
      const json::object body{{"ci", "crash-rel"}, {"version", r.version}};
      return accepted(ctx, ask(clients.rm, "POST", base + "/items", json::serialize(body)), 200,
                      "POST " + base + "/items");
    }
    case kDocument: {
      const json::object body{
          {"kind", "release_notes"}, {"name", "notes.md"}, {"content", r.notes}};
      return accepted(ctx, ask(clients.rm, "POST", base + "/documents", json::serialize(body)), 201,
                      "POST " + base + "/documents");
    }
    case kTrr:
    case kTestsSit: {
      const bool trr = r.acknowledged == kTrr;
      HttpClient& judge = trr ? clients.cm : clients.tester;
      const std::string target = base + (trr ? "/gates/trr" : "/gates/tests:SIT");
      return accepted(ctx, ask(judge, "POST", target, R"({"verdict":"pass"})"), 201,
                      "POST " + target);
    }
    default: {
      const bool backout = r.acknowledged == kBackoutProduction;
      return promote(ctx, clients.rm, r, backout ? "backout" : "promote",
                     r.acknowledged == kPromoteSit ? "SIT" : "production");
    }
  }
}

bool ReleaseDriver::promote(const RoundContext& ctx, HttpClient& rm, ReleaseFact& r,
                            const std::string& action, const std::string& environment) {
  const std::string target = fmt::format("/api/v1/releases/{}/{}", r.id, action);
  auto answer =
      ask(rm, "POST", target, json::serialize(json::object{{"environment", environment}}));
  if (!accepted(ctx, answer, 200, "POST " + target + " " + environment)) return false;
  const json::object body = parse_object(answer->body);
  const std::uint64_t version = body.at("manifest_version").to_number<std::uint64_t>();
  r.events.push_back({environment, action, version});
  manifests_.push_back({environment, version, body.at("manifest").as_object(), ctx.round});
  return true;
}

// --- baselines ---------------------------------------------------------------------------------

void Baseliner::run(const RoundContext& ctx) {
  HttpClient c = ctx.server.client(ctx.crew.cm);
  for (int n = 1; !ctx.stop; ++n) {
    // Reads are served all along.
    for (const char* target : {"/api/v1/environments", "/api/v1/cis?type=crash-svc&limit=20"})
      if (!accepted(ctx, ask(c, "GET", target), 200, std::string("GET ") + target)) return;
    BaselineFact& fact = facts_.emplace_back();
    fact.name = fmt::format("b-{}-{}", ctx.round, n);
    const json::object scope =
        rng_() % 2 == 0 ? json::object{{"environments", json::array{"SIT", "production"}}}
                        : json::object{{"cis", json::array{"crash-docs-1", "crash-rel"}}};
    auto answer = ask(c, "POST", "/api/v1/baselines",
                      json::serialize(json::object{{"name", fact.name}, {"scope", scope}}));
    if (!accepted(ctx, answer, 201, "POST /api/v1/baselines " + fact.name)) return;
    const json::object body = parse_object(answer->body);
    fact.acknowledged = true;
    fact.document = body.at("document").as_object();
    fact.commit = std::string(body.at("commit").as_string());
    ++ctx.tally.acknowledged;
  }
}

}  // namespace tollgate::e2e::crash
