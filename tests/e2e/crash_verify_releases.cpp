// The crash test's releases after a restart: each release holds exactly the steps the server
// acknowledged (and, once, the one whose answer the kill cut off), every manifest a promotion or
// back-out answered is served as that version unchanged, with its production baseline.
#include <map>
#include <set>

#include <fmt/format.h>

#include "tests/e2e/crash_support.hpp"
#include "tests/e2e/crash_workload.hpp"

namespace tollgate::e2e::crash {

namespace json = boost::json;
using client::HttpClient;

namespace {

// The environment and action a promotion step makes; empty for other steps.
std::pair<std::string, std::string> event_of(int step) {
  switch (step) {
    case ReleaseDriver::kPromoteSit:
      return {"SIT", "promote"};
    case ReleaseDriver::kPromoteProduction:
      return {"production", "promote"};
    case ReleaseDriver::kBackoutProduction:
      return {"production", "backout"};
    default:
      return {};
  }
}

bool gate_recorded(const json::object& release, const char* gate) {
  const auto* view = release.at("gates").as_object().if_contains(gate);
  return view && !view->at("history").as_array().empty();
}

bool lists(const json::object& release, const char* member, const char* key,
           const std::string& value) {
  for (const auto& entry : release.at(member).as_array())
    if (text_of(entry.at(key)) == value) return true;
  return false;
}

}  // namespace

void ReleaseDriver::verify(const VerifyContext& ctx) {
  HttpClient reader = ctx.server.client(ctx.crew.admin);
  verify_artifacts(ctx, reader, artifacts_);
  std::map<std::string, json::object> listed;  // by version
  if (!for_each_listed(ctx, reader, "/api/v1/releases", [&](const json::object& release) {
        listed[text_of(release.at("version"))] = release;
      }))
    return;
  std::set<std::string> known;
  for (auto& r : releases_) {
    auto at = listed.find(r.version);
    if (r.id.empty()) {
      if (r.acknowledged != kCreate || !r.unanswered) continue;  // never sent
      r.unanswered = false;
      if (at == listed.end()) {
        ++ctx.tally.unanswered_absent;  // and it may not appear later: it is not `known`
        continue;
      }
      ++ctx.tally.unanswered_present;
      r.id = text_of(at->second.at("id"));
      r.acknowledged = kItem;
    }
    known.insert(r.version);
    if (at == listed.end() || text_of(at->second.at("id")) != r.id) {
      ctx.failures.add(
          fmt::format("round {}: release {} ({}) is missing", ctx.round, r.id, r.version));
      continue;
    }
    verify_release(ctx, reader, r, at->second);
  }
  for (const auto& [version, release] : listed)
    if (!known.contains(version))
      ctx.failures.add(fmt::format("round {}: release {} ({}) exists, which nobody created",
                                   ctx.round, text_of(release.at("id")), version));
  verify_manifests(ctx, reader);
}

// Steps item..tests:SIT: each acknowledged one is there, the unanswered one settles, and none
// that was never sent is there.
void ReleaseDriver::verify_release(const VerifyContext& ctx, HttpClient& reader, ReleaseFact& r,
                                   const json::object& release) {
  const std::map<int, bool> observed = {
      {kItem, lists(release, "items", "version", r.version)},
      {kDocument, lists(release, "documents", "name", "notes.md")},
      {kTrr, gate_recorded(release, "trr")},
      {kTestsSit, gate_recorded(release, "tests:SIT")},
  };
  for (const auto& [step, there] : observed) {
    if (r.unanswered && r.acknowledged == step) {
      ++(there ? ctx.tally.unanswered_present : ctx.tally.unanswered_absent);
      r.unanswered = false;
      if (there) ++r.acknowledged;
    }
    if (there != (step < r.acknowledged))
      ctx.failures.add(fmt::format("round {}: release {} step {} is {} (acknowledged: {} steps)",
                                   ctx.round, r.id, step, there ? "there" : "missing",
                                   r.acknowledged));
  }
  if (observed.at(kDocument) && (ctx.full || r.round == ctx.round)) {
    const std::string target = fmt::format("/api/v1/releases/{}/documents/notes.md", r.id);
    if (auto notes = read_back(ctx, reader, target); notes && notes->body != r.notes)
      ctx.failures.add(fmt::format("round {}: {} holds \"{}\", not \"{}\"", ctx.round, target,
                                   notes->body, r.notes));
  }
  settle_events(ctx, reader, r, release.at("environments").as_array());
}

// The promotions and back-outs the release shows are the acknowledged ones, in order, and at
// most the unanswered one more.
void ReleaseDriver::settle_events(const VerifyContext& ctx, HttpClient& reader, ReleaseFact& r,
                                  const json::array& observed) {
  auto same = [](const json::value& e, const Event& want) {
    return text_of(e.at("environment")) == want.environment &&
           text_of(e.at("action")) == want.action &&
           e.at("manifest_version").to_number<std::uint64_t>() == want.manifest_version;
  };
  bool prefix = observed.size() >= r.events.size();
  for (std::size_t i = 0; prefix && i < r.events.size(); ++i)
    prefix = same(observed[i], r.events[i]);
  const auto [environment, action] =
      r.unanswered ? event_of(r.acknowledged) : std::pair<std::string, std::string>();
  const std::size_t extra = prefix ? observed.size() - r.events.size() : 0;
  if (extra == 1 && !environment.empty() &&
      text_of(observed.back().at("environment")) == environment &&
      text_of(observed.back().at("action")) == action) {
    const auto version = observed.back().at("manifest_version").to_number<std::uint64_t>();
    r.events.push_back({environment, action, version});
    const std::string target =
        fmt::format("/api/v1/environments/{}/manifest?version={}", environment, version);
    if (auto manifest = read_back(ctx, reader, target))
      manifests_.push_back({environment, version, parse_object(manifest->body), ctx.round});
    ++ctx.tally.unanswered_present;
    r.unanswered = false;
    ++r.acknowledged;
  } else if (!prefix || extra != 0) {
    ctx.failures.add(
        fmt::format("round {}: release {} shows the promotions {}; acknowledged: {} "
                    "of them{}",
                    ctx.round, r.id, json::serialize(observed), r.events.size(),
                    environment.empty() ? "" : ", and one unanswered"));
  } else if (!environment.empty()) {
    ++ctx.tally.unanswered_absent;
    r.unanswered = false;
  }
}

// Every manifest a promotion or back-out answered is served as that version, unchanged; in
// production with its baseline.
void ReleaseDriver::verify_manifests(const VerifyContext& ctx, HttpClient& reader) {
  std::map<std::string, std::uint64_t> newest;
  for (const auto& m : manifests_) {
    newest[m.environment] = std::max(newest[m.environment], m.version);
    if (!ctx.full && m.round != ctx.round) continue;
    const std::string target =
        fmt::format("/api/v1/environments/{}/manifest?version={}", m.environment, m.version);
    auto served = read_back(ctx, reader, target);
    if (served && parse_object(served->body) != m.manifest)
      ctx.failures.add(
          fmt::format("round {}: {} is not the manifest its promotion answered: {} "
                      "against {}",
                      ctx.round, target, served->body, json::serialize(m.manifest)));
    if (m.environment == "production")
      (void)read_back(ctx, reader, fmt::format("/api/v1/baselines/production-v{}", m.version));
  }
  auto environments = read_back(ctx, reader, "/api/v1/environments");
  if (!environments) return;
  const json::object body = parse_object(environments->body);
  for (const auto& env : body.at("items").as_array()) {
    const std::string name = text_of(env.at("name"));
    const auto version = env.at("version").to_number<std::uint64_t>();
    if (version < newest[name])
      ctx.failures.add(
          fmt::format("round {}: {} is at manifest version {}, below the "
                      "acknowledged {}",
                      ctx.round, name, version, newest[name]));
  }
}

}  // namespace tollgate::e2e::crash
