// The functional configuration audit of a release.
#include "server/domain/audit/fca.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/audit/audits.hpp"
#include "server/domain/change/rfcs.hpp"
#include "server/domain/release/vdd.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

struct Audit {
  json::array findings;
  std::size_t checks = 0;

  void add(const char* check, std::string_view detail, json::object where = {}) {
    where["check"] = check;
    where["severity"] = "error";
    where["detail"] = detail;
    findings.emplace_back(std::move(where));
  }
};

void check_vdd(Audit& audit, const Release& release, const std::optional<json::object>& committed) {
  ++audit.checks;
  if (!committed) {
    audit.add("vdd-missing",
              fmt::format("release '{}' has no committed VDD ({}): it never passed its RRR",
                          release.id, vdd_json_path(release.id)));
  } else if (!vdd_matches(*committed, release)) {
    const json::value* digest = committed->if_contains("digest");
    audit.add("vdd-mismatch",
              fmt::format("the committed VDD describes digest {}; the release's contents are "
                          "digest {} now",
                          digest && digest->is_string() ? std::string(digest->get_string()) : "?",
                          release.digest()));
  }
}

void check_rfcs(Audit& audit, storage::ReadTxn& txn, const Release& release) {
  std::vector<Rfc> linked;
  for (const std::string& id : release.rfcs) {
    if (auto rfc = load_rfc(txn, id)) {
      linked.push_back(std::move(*rfc));
    } else {
      audit.add("rfc-missing",
                fmt::format("release '{}' links RFC '{}', which does not exist", release.id, id),
                {{"rfc", id}});
    }
  }
  for (const ReleaseItem& item : release.items) {
    ++audit.checks;
    const json::object where{{"ci", item.ci}};
    if (release.rfcs.empty()) {
      audit.add("rfc-missing",
                fmt::format("release '{}' links no RFC for CI '{}'", release.id, item.ci), where);
      continue;
    }
    std::vector<std::string> naming;
    for (const Rfc& rfc : linked)
      if (rfc.names_ci(item.ci)) naming.push_back(rfc.id);
    const bool approved = std::any_of(linked.begin(), linked.end(), [&](const Rfc& rfc) {
      return rfc.names_ci(item.ci) && rfc.approved_or_later();
    });
    if (naming.empty())
      audit.add("rfc-does-not-name-ci",
                fmt::format("no RFC linked to release '{}' names CI '{}'", release.id, item.ci),
                where);
    else if (!approved)
      audit.add("rfc-not-approved",
                fmt::format("CI '{}' is named only by RFC {} of release '{}', none approved",
                            item.ci, fmt::join(naming, ", "), release.id),
                where);
  }
}

// The environments the release was promoted into, in the configured order.
std::vector<std::string> reached(const Release& release, const Config& config) {
  std::vector<std::string> out;
  for (const std::string& env : config.environments)
    if (std::any_of(release.environments.begin(), release.environments.end(),
                    [&](const EnvironmentEvent& e) {
                      return e.action == "promote" && e.environment == env;
                    }))
      out.push_back(env);
  return out;
}

void check_tests(Audit& audit, const Release& release, const std::vector<std::string>& envs) {
  const std::string digest = release.digest();
  for (const std::string& env : envs) {
    ++audit.checks;
    const std::string gate = "tests:" + env;
    const json::object where{{"environment", env}};
    const GateRecord* latest = release.latest(gate);
    if (!latest)
      audit.add("tests-missing",
                fmt::format("release '{}' reached {} with no {} record", release.id, env, gate),
                where);
    else if (latest->verdict != "pass")
      audit.add("tests-failed",
                fmt::format("the newest {} record ({} by {}) is a {}", gate,
                            format_rfc3339(latest->time), latest->actor, latest->verdict),
                where);
    else if (latest->digest != digest)
      audit.add("tests-stale",
                fmt::format("the newest {} record passed digest {}; the release is digest {} now",
                            gate, latest->digest.substr(0, 12), digest.substr(0, 12)),
                where);
  }
}

json::object by_check(const json::array& findings) {
  json::object out{{"vdd", 0}, {"rfc", 0}, {"tests", 0}};
  for (const json::value& f : findings) {
    const std::string_view check = f.at("check").as_string();
    const std::string_view family = check.substr(0, check.find('-'));
    out[family] = out[family].as_int64() + 1;
  }
  return out;
}

json::object result(const Release& release, const std::vector<std::string>& envs, Audit audit) {
  json::array checked;
  for (const auto& env : envs) checked.emplace_back(env);
  json::object summary{{"checks", audit.checks},
                       {"findings", audit.findings.size()},
                       {"by_check", by_check(audit.findings)}};
  return {{"kind", "fca"},
          {"release", release.id},
          {"digest", release.digest()},
          {"passed", audit.findings.empty()},
          {"environments", std::move(checked)},
          {"summary", std::move(summary)},
          {"findings", std::move(audit.findings)}};
}

}  // namespace

Result<json::object> run_fca(storage::KvStore& store, storage::GitVault& vault,
                             const Config& config, const Clock& clock, const FcaRequest& request,
                             const Principal& actor) {
  const std::string& release_id = request.release;
  if (release_id.empty()) return invalid("release: must not be empty");
  // An unknown release is a 404 before its id reaches a vault path.
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) {
    return txn.get(storage::Table::releases, release_id)
               ? Status()
               : not_found(fmt::format("no release '{}'", release_id));
  }));
  // The vault first (it is not part of the store's transaction); the release is read again with
  // the write so that the result describes the release as it was stored.
  TG_ASSIGN_OR_RETURN(auto committed, committed_vdd(vault, release_id));
  json::object stored;
  TG_RETURN_IF_ERROR(store.write([&](storage::WriteTxn& txn) -> Status {
    auto release = load_release(txn, release_id);
    if (!release) return not_found(fmt::format("no release '{}'", release_id));
    Audit audit;
    check_vdd(audit, *release, committed);
    check_rfcs(audit, txn, *release);
    const std::vector<std::string> envs = reached(*release, config);
    check_tests(audit, *release, envs);
    TG_ASSIGN_OR_RETURN(stored, put_audit_result(txn, result(*release, envs, std::move(audit)),
                                                 actor.name, clock.now()));
    return {};
  }));
  return stored;
}

}  // namespace tollgate::server
