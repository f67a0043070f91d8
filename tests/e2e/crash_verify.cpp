// The crash test's workers after a restart: every acknowledged write read back as it was
// acknowledged, every unanswered one found whole or absent (and then held to that), nothing
// there that nobody wrote.
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "tests/e2e/crash_support.hpp"
#include "tests/e2e/crash_workload.hpp"

namespace tollgate::e2e::crash {

namespace json = boost::json;
using client::HttpClient;

namespace {

// Downloads an artifact and compares its bytes with the ledger's; an empty string when equal.
std::string download_mismatch(HttpClient& reader, const ArtifactFact& f) {
  Sha256Hasher hasher;
  std::size_t size = 0;
  auto answer = reader.download(f.target(), [&](std::string_view chunk) {
    hasher.update(chunk);
    size += chunk.size();
    return Status();
  });
  if (!answer) return "no answer: " + answer.status().to_string();
  if (answer->status != 200)
    return fmt::format("answered {}: {}", answer->status, answer->body.substr(0, 400));
  auto digest = hasher.hex_digest();
  if (!digest.ok() || *digest != f.sha256 || size != f.size)
    return fmt::format("served {} bytes hashing to {}, not {} bytes of {}", size,
                       digest.ok() ? *digest : "?", f.size, f.sha256);
  return {};
}

}  // namespace

bool for_each_listed(const VerifyContext& ctx, HttpClient& reader, const std::string& target,
                     const std::function<void(const json::object&)>& each, bool missing_is_empty) {
  std::string cursor;
  do {
    const std::string page = target + (target.find('?') == std::string::npos ? "?" : "&") +
                             "limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto answer = ask(reader, "GET", page);
    if (answer && answer->status == 404 && missing_is_empty && cursor.empty()) return true;
    if (!accepted(ctx.failures, ctx.round, answer, 200, "GET " + page)) {
      if (!answer) ctx.failures.add(fmt::format("round {}: GET {}: no answer", ctx.round, page));
      return false;
    }
    const json::object body = parse_object(answer->body);
    if (const auto* items = body.if_contains("items"); items && items->is_array())
      for (const auto& item : items->get_array())
        if (item.is_object()) each(item.get_object());
    const auto* next = body.if_contains("next_cursor");
    cursor = next ? text_of(*next) : "";
  } while (!cursor.empty());
  return true;
}

std::optional<client::HttpResponse> read_back(const VerifyContext& ctx, HttpClient& reader,
                                              const std::string& target, bool missing_ok) {
  auto answer = ask(reader, "GET", target);
  if (!answer) {
    ctx.failures.add(fmt::format("round {}: GET {}: no answer", ctx.round, target));
    return std::nullopt;
  }
  if (answer->status == 200 || (missing_ok && answer->status == 404)) return answer;
  ctx.failures.add(fmt::format("round {}: GET {} answered {}: {}", ctx.round, target,
                               answer->status, answer->body.substr(0, 400)));
  return std::nullopt;
}

void verify_artifacts(const VerifyContext& ctx, HttpClient& reader,
                      std::vector<ArtifactFact>& facts) {
  // (ci, version) -> file -> (sha256, size), as listed.
  using Files = std::map<std::string, std::pair<std::string, std::uint64_t>>;
  std::map<std::pair<std::string, std::string>, Files> listed;
  for (const auto& f : facts) {
    auto [slot, fresh] = listed.try_emplace({f.ci, f.version});
    if (!fresh) continue;
    for_each_listed(
        ctx, reader, fmt::format("/api/v1/artifacts/{}/{}", f.ci, f.version),
        [&, files = &slot->second](const json::object& item) {
          (*files)[text_of(item.at("file"))] = {text_of(item.at("sha256")),
                                                item.at("size").to_number<std::uint64_t>()};
        },
        /*missing_is_empty=*/true);
  }
  std::vector<ArtifactFact> kept;
  std::set<std::string> known;
  for (auto& f : facts) {
    Files& files = listed[{f.ci, f.version}];
    auto at = files.find(f.file);
    if (at == files.end()) {
      if (!f.acknowledged) {
        ++ctx.tally.unanswered_absent;
        continue;  // held to that from now on: it may not appear later
      }
      ctx.failures.add(fmt::format("round {}: acknowledged artifact {} (round {}) is missing",
                                   ctx.round, f.target(), f.round));
    } else {
      if (at->second != std::make_pair(f.sha256, static_cast<std::uint64_t>(f.size)))
        ctx.failures.add(fmt::format(
            "round {}: artifact {} is recorded as {} ({} bytes), sent as "
            "{} ({} bytes)",
            ctx.round, f.target(), at->second.first, at->second.second, f.sha256, f.size));
      if (!f.acknowledged) {
        f.acknowledged = true;
        f.round = ctx.round;
        ++ctx.tally.unanswered_present;
      }
      if (ctx.full || f.round == ctx.round) {
        if (const std::string why = download_mismatch(reader, f); !why.empty())
          ctx.failures.add(fmt::format("round {}: GET {}: {}", ctx.round, f.target(), why));
      }
      files.erase(at);
    }
    kept.push_back(std::move(f));
  }
  facts = std::move(kept);
  for (const auto& [key, files] : listed)
    for (const auto& [file, record] : files)
      ctx.failures.add(
          fmt::format("round {}: artifact {}/{}/{} exists, which nobody uploaded "
                      "(or was absent before)",
                      ctx.round, key.first, key.second, file));
}

// --- uploads -----------------------------------------------------------------------------------

void Uploader::verify(const VerifyContext& ctx) {
  HttpClient agent = ctx.server.client(ctx.crew.agent);
  resume(ctx, agent);
  verify_artifacts(ctx, agent, facts_);
}

// A session the kill interrupted keeps every byte it acknowledged and can be finished.
void Uploader::resume(const VerifyContext& ctx, HttpClient& agent) {
  if (!session_) return;
  const Session s = *session_;
  session_.reset();
  ArtifactFact& f = facts_[s.fact];
  auto state = ask(agent, "GET", s.location);
  if (!state) {
    ctx.failures.add(fmt::format("round {}: GET {}: no answer", ctx.round, s.location));
    return;
  }
  if (state->status == 404) {
    // Gone only when the request that finishes it was sent: then the artifact is whole or absent.
    if (!s.finishing)
      ctx.failures.add(
          fmt::format("round {}: upload session {} is gone, though {} of its bytes "
                      "were acknowledged",
                      ctx.round, s.location, s.acknowledged));
    return;
  }
  if (state->status != 204) {
    ctx.failures.add(fmt::format("round {}: GET {} answered {}: {}", ctx.round, s.location,
                                 state->status, state->body));
    return;
  }
  const std::size_t offset = std::stoull(state->header("upload-offset"));
  if (offset < s.acknowledged || offset > s.sent) {
    ctx.failures.add(
        fmt::format("round {}: upload session {} holds {} bytes; {} were "
                    "acknowledged and {} sent",
                    ctx.round, s.location, offset, s.acknowledged, s.sent));
    return;
  }
  const std::string bytes = artifact_bytes(f.seed, f.size);
  const std::string finish = fmt::format("{}?digest=sha256:{}&coordinate={}/{}/{}", s.location,
                                         f.sha256, f.ci, f.version, f.file);
  auto done = ask(agent, "PUT", finish, std::string_view(bytes).substr(offset),
                  {{"Content-Type", "application/octet-stream"}});
  if (!accepted(ctx.failures, ctx.round, done, 201, "PUT " + finish + " (resumed)")) return;
  f.acknowledged = true;
  f.round = ctx.round;
}

// --- CMDB --------------------------------------------------------------------------------------

void CmdbWriter::verify(const VerifyContext& ctx) {
  HttpClient reader = ctx.server.client(ctx.crew.admin);
  verify_cis(ctx, reader);
  verify_documents(ctx, reader);
}

void CmdbWriter::verify_cis(const VerifyContext& ctx, HttpClient& reader) {
  std::map<std::string, json::object> listed;
  if (!for_each_listed(ctx, reader, "/api/v1/cis?type=crash-svc",
                       [&](const json::object& ci) { listed[text_of(ci.at("id"))] = ci; }))
    return;
  std::vector<CiFact> kept;
  for (auto& ci : cis_) {
    auto at = listed.find(ci.id);
    if (at == listed.end()) {
      if (ci.revision == 0) {
        ++ctx.tally.unanswered_absent;
        continue;
      }
      ctx.failures.add(
          fmt::format("round {}: CI {} (revision {}) is missing", ctx.round, ci.id, ci.revision));
      kept.push_back(std::move(ci));
      continue;
    }
    const auto revision = at->second.at("revision").to_number<std::uint64_t>();
    const json::value& attributes = at->second.at("attributes");
    const bool settled = revision == std::max<std::uint64_t>(ci.revision, 1) &&
                         attributes == json::value(ci.attributes);
    if (settled) {
      if (ci.revision == 0 || ci.unanswered) {
        ++(ci.revision == 0 ? ctx.tally.unanswered_present : ctx.tally.unanswered_absent);
        ci.revision = revision;
        ci.unanswered.reset();
      }
    } else if (ci.unanswered && revision == ci.revision + 1 &&
               attributes == json::value(*ci.unanswered)) {
      ci.revision = revision;
      ci.attributes = *ci.unanswered;
      ci.unanswered.reset();
      ++ctx.tally.unanswered_present;
    } else {
      ctx.failures.add(fmt::format(
          "round {}: CI {} is at revision {} with {}; acknowledged: "
          "revision {} with {}{}",
          ctx.round, ci.id, revision, json::serialize(attributes), ci.revision,
          json::serialize(ci.attributes), ci.unanswered ? " (and a patch unanswered)" : ""));
    }
    listed.erase(at);
    kept.push_back(std::move(ci));
  }
  cis_ = std::move(kept);
  for (const auto& [id, ci] : listed)
    ctx.failures.add(fmt::format("round {}: CI {} exists, which nobody created", ctx.round, id));
}

void CmdbWriter::verify_documents(const VerifyContext& ctx, HttpClient& reader) {
  for (auto& doc : documents_) {
    const std::string target = fmt::format("/api/v1/cis/{}/documents/{}", doc.ci, doc.name);
    auto answer = read_back(ctx, reader, target, doc.versions.empty());
    if (!answer) continue;
    const bool current = answer->status == 200;
    if (!current || (!doc.versions.empty() && answer->body == doc.versions.back().second)) {
      if (doc.unanswered) ++ctx.tally.unanswered_absent;
    } else if (doc.unanswered && answer->body == *doc.unanswered) {
      doc.versions.emplace_back(answer->header("x-tollgate-commit"), answer->body);
      ++ctx.tally.unanswered_present;
    } else {
      ctx.failures.add(fmt::format("round {}: {} holds \"{}\"; acknowledged: \"{}\"", ctx.round,
                                   target, answer->body,
                                   doc.versions.empty() ? "" : doc.versions.back().second));
    }
    doc.unanswered.reset();
    // Every acknowledged version stays readable by its commit.
    for (std::size_t i = ctx.full ? 0 : doc.verified; i < doc.versions.size(); ++i) {
      const auto& [commit, content] = doc.versions[i];
      auto version = read_back(ctx, reader, target + "?commit=" + commit);
      if (version && version->body != content)
        ctx.failures.add(fmt::format("round {}: {} at {} holds \"{}\", not \"{}\"", ctx.round,
                                     target, commit, version->body, content));
    }
    doc.verified = doc.versions.size();
  }
}

// --- baselines ---------------------------------------------------------------------------------

void Baseliner::verify(const VerifyContext& ctx) {
  HttpClient reader = ctx.server.client(ctx.crew.cm);
  std::vector<BaselineFact> kept;
  std::set<std::string> known;
  for (auto& f : facts_) {
    auto answer = read_back(ctx, reader, "/api/v1/baselines/" + f.name, !f.acknowledged);
    if (answer && answer->status == 404) {
      ++ctx.tally.unanswered_absent;
      continue;
    }
    if (answer) {
      const json::object document = parse_object(answer->body);
      const std::string commit = answer->header("x-tollgate-commit");
      if (!f.acknowledged) {
        f = {f.name, true, document, commit};
        ++ctx.tally.unanswered_present;
      } else if (document != f.document || commit != f.commit) {
        ctx.failures.add(
            fmt::format("round {}: baseline {} (commit {}) is not the one "
                        "acknowledged (commit {})",
                        ctx.round, f.name, commit, f.commit));
      }
    }
    known.insert(f.name);
    kept.push_back(std::move(f));
  }
  facts_ = std::move(kept);
  for_each_listed(ctx, reader, "/api/v1/baselines", [&](const json::object& b) {
    const std::string name = text_of(b.at("name"));
    if (name.starts_with("b-") && !known.contains(name))
      ctx.failures.add(
          fmt::format("round {}: baseline {} exists, which nobody made", ctx.round, name));
  });
}

}  // namespace tollgate::e2e::crash
