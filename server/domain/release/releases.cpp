// The release model: names, the record format, the digest and the gate queries.
#include "server/domain/release/releases.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/crypto.hpp"
#include "server/domain/record_fields.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

using namespace record_fields;

// Length-prefixed fields make the canonical form unambiguous whatever the values contain.
void field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out.push_back(':');
  out += value;
}

json::object item_record(const ReleaseItem& item) {
  json::array artifacts;
  for (const ReleaseArtifact& a : item.artifacts)
    artifacts.emplace_back(json::object{{"file", a.file},
                                        {"sha256", a.sha256},
                                        {"size", a.size},
                                        {"install_path", a.install_path}});
  return {{"ci", item.ci},
          {"version", item.version},
          {"artifacts", std::move(artifacts)},
          {"added_by", item.added_by},
          {"added_at", format_rfc3339(item.added_at)}};
}

ReleaseItem item_from(const json::object& o) {
  ReleaseItem item{
      str(o, "ci"), str(o, "version"), {}, str(o, "added_by"), time_field(o, "added_at")};
  for (const json::object* a : objects(o, "artifacts"))
    item.artifacts.push_back(
        {str(*a, "file"), str(*a, "sha256"), uint_field(*a, "size"), str(*a, "install_path")});
  return item;
}

json::object gate_record(const GateRecord& g) {
  json::object o{{"gate", g.gate},     {"verdict", g.verdict}, {"notes", g.notes},
                 {"digest", g.digest}, {"actor", g.actor},     {"time", format_rfc3339(g.time)}};
  if (g.evidence) o["evidence"] = *g.evidence;
  if (g.date) o["date"] = *g.date;
  return o;
}

GateRecord gate_from(const json::object& o) {
  return {str(o, "gate"),     str(o, "verdict"), str(o, "notes"), opt_str(o, "evidence"),
          opt_str(o, "date"), str(o, "digest"),  str(o, "actor"), time_field(o, "time")};
}

}  // namespace

std::string Release::digest() const {
  // One canonical line per thing; sorting the lines makes the digest independent of the order
  // in which things were added.
  std::vector<std::string> lines;
  for (const ReleaseItem& item : items) {
    std::string line;
    field(line, "item");
    field(line, item.ci);
    field(line, item.version);
    lines.push_back(line);
    for (const ReleaseArtifact& a : item.artifacts) {
      std::string art;
      field(art, "artifact");
      field(art, item.ci);
      field(art, item.version);
      field(art, a.file);
      field(art, a.sha256);
      field(art, std::to_string(a.size));
      field(art, a.install_path);
      lines.push_back(std::move(art));
    }
  }
  for (const ReleaseDocument& d : documents) {
    std::string line;
    field(line, "document");
    field(line, d.kind);
    field(line, d.name);
    field(line, d.blob);
    lines.push_back(std::move(line));
  }
  for (const std::string& p : packages) {
    std::string line;
    field(line, "package");
    field(line, p);
    lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end());
  std::string canonical = "tollgate-release-digest-v1\n";
  for (const std::string& line : lines) {
    canonical += line;
    canonical.push_back('\n');
  }
  return sha256_hex(canonical);
}

const GateRecord* Release::latest(std::string_view gate) const {
  for (auto it = gates.rbegin(); it != gates.rend(); ++it)
    if (it->gate == gate) return &*it;
  return nullptr;
}

bool Release::passed(std::string_view gate) const {
  const GateRecord* record = latest(gate);
  return record && record->verdict == "pass" && record->digest == digest();
}

std::vector<std::string> Release::passing_actors(std::string_view gate) const {
  const std::string current = digest();
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto it = gates.rbegin(); it != gates.rend(); ++it) {
    if (it->gate != gate || !seen.insert(it->actor).second) continue;  // older ones of an actor
    if (it->verdict == "pass" && it->digest == current) out.push_back(it->actor);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> Release::current_environment() const {
  // Promotions stack up; a back-out of an environment undoes the promotion into that
  // environment only: where the release went afterwards keeps its history.
  std::vector<std::string> stack;
  for (const EnvironmentEvent& e : environments) {
    if (e.action == "promote") {
      stack.push_back(e.environment);
    } else if (e.action == "backout") {
      const auto found = std::find(stack.rbegin(), stack.rend(), e.environment);
      if (found != stack.rend()) stack.erase(std::prev(found.base()));
    }
  }
  if (stack.empty()) return std::nullopt;
  return stack.back();
}

bool Release::was_in(std::string_view environment) const {
  return std::any_of(environments.begin(), environments.end(), [&](const EnvironmentEvent& e) {
    return e.action == "promote" && e.environment == environment;
  });
}

bool Release::backed_out_of(std::string_view environment) const {
  for (auto it = environments.rbegin(); it != environments.rend(); ++it)
    if (it->environment == environment) return it->action == "backout";
  return false;
}

bool Release::cancelled() const {
  return std::any_of(corrections.begin(), corrections.end(),
                     [](const ReleaseCorrection& c) { return c.action == "cancel"; });
}

std::string Release::state(const std::vector<std::string>& environment_order) const {
  if (cancelled()) return "cancelled";
  if (environments.empty()) return "planned";
  if (environments.back().action == "backout") return "backed_out";
  const auto current = current_environment();
  if (current && !environment_order.empty() && *current == environment_order.back())
    return "deployed";
  return "in_progress";
}

const ReleaseItem* Release::item(std::string_view ci) const {
  for (const ReleaseItem& i : items)
    if (i.ci == ci) return &i;
  return nullptr;
}

const ReleaseDocument* Release::document(std::string_view document_name) const {
  for (const ReleaseDocument& d : documents)
    if (d.name == document_name) return &d;
  return nullptr;
}

json::object Release::to_record() const {
  json::array item_array, document_array, error_array, gate_array, event_array;
  for (const ReleaseItem& item : items) item_array.emplace_back(item_record(item));
  for (const ReleaseDocument& d : documents)
    document_array.emplace_back(json::object{{"kind", d.kind},
                                             {"name", d.name},
                                             {"path", d.path},
                                             {"commit", d.commit},
                                             {"blob", d.blob},
                                             {"added_by", d.added_by},
                                             {"added_at", format_rfc3339(d.added_at)},
                                             {"media_type", d.media_type}});
  for (const KnownError& e : known_errors) {
    json::object error{{"id", e.id},
                       {"summary", e.summary},
                       {"workaround", e.workaround},
                       {"recorded_by", e.recorded_by},
                       {"recorded_at", format_rfc3339(e.recorded_at)}};
    error["resolved"] = e.resolved_at.has_value();
    if (e.resolved_at) {
      error["resolution"] = e.resolution;
      error["resolved_by"] = e.resolved_by;
      error["resolved_at"] = format_rfc3339(*e.resolved_at);
    }
    error_array.emplace_back(std::move(error));
  }
  json::array correction_array;
  for (const ReleaseCorrection& c : corrections)
    correction_array.emplace_back(json::object{{"action", c.action},
                                               {"actor", c.actor},
                                               {"time", format_rfc3339(c.time)},
                                               {"note", c.note},
                                               {"changes", c.changes}});
  for (const GateRecord& g : gates) gate_array.emplace_back(gate_record(g));
  for (const EnvironmentEvent& e : environments)
    event_array.emplace_back(json::object{{"environment", e.environment},
                                          {"action", e.action},
                                          {"actor", e.actor},
                                          {"time", format_rfc3339(e.time)},
                                          {"manifest_version", e.manifest_version}});
  json::object planned_dates;
  for (const auto& [env, date] : planned) planned_dates[env] = date;
  return {{"id", id},
          {"name", name},
          {"version", version},
          {"type", release_type_name(type)},
          {"category", release_category_name(category)},
          {"rfcs", string_array(rfcs)},
          {"packages", string_array(packages)},
          {"items", std::move(item_array)},
          {"documents", std::move(document_array)},
          {"known_errors", std::move(error_array)},
          {"planned", std::move(planned_dates)},
          {"gates", std::move(gate_array)},
          {"environments", std::move(event_array)},
          {"corrections", std::move(correction_array)},
          {"created_by", created_by},
          {"created_at", format_rfc3339(created_at)},
          {"updated_at", format_rfc3339(updated_at)}};
}

Result<Release> Release::from_record(std::string_view stored) {
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  if (ec || !v.is_object()) return Status(Code::corrupt, "a stored release is not a JSON object");
  const json::object& o = v.get_object();
  Release r;
  r.id = str(o, "id");
  r.name = str(o, "name");
  r.version = str(o, "version");
  const auto type = parse_release_type(str(o, "type"));
  const auto category = parse_release_category(str(o, "category"));
  if (r.id.empty() || !type || !category)
    return Status(Code::corrupt, fmt::format("the stored release '{}' is malformed", r.id));
  r.type = *type;
  r.category = *category;
  r.rfcs = strings(o, "rfcs");
  r.packages = strings(o, "packages");
  for (const json::object* item : objects(o, "items")) r.items.push_back(item_from(*item));
  for (const json::object* d : objects(o, "documents"))
    r.documents.push_back({str(*d, "kind"), str(*d, "name"), str(*d, "path"), str(*d, "commit"),
                           str(*d, "blob"), str(*d, "added_by"), time_field(*d, "added_at"),
                           str(*d, "media_type")});
  for (const json::object* e : objects(o, "known_errors")) {
    KnownError error;
    error.id = str(*e, "id");
    error.summary = str(*e, "summary");
    error.workaround = str(*e, "workaround");
    error.recorded_by = str(*e, "recorded_by");
    error.recorded_at = time_field(*e, "recorded_at");
    if (e->contains("resolved_at")) {
      error.resolution = str(*e, "resolution");
      error.resolved_by = str(*e, "resolved_by");
      error.resolved_at = time_field(*e, "resolved_at");
    }
    r.known_errors.push_back(std::move(error));
  }
  for (const json::object* c : objects(o, "corrections")) {
    ReleaseCorrection correction{
        str(*c, "action"), str(*c, "actor"), time_field(*c, "time"), str(*c, "note"), {}};
    if (const auto* changes = c->if_contains("changes"); changes && changes->is_object())
      correction.changes = changes->get_object();
    r.corrections.push_back(std::move(correction));
  }
  if (const json::value* planned = o.if_contains("planned"); planned && planned->is_object())
    for (const auto& [env, date] : planned->get_object())
      if (date.is_string()) r.planned.emplace(std::string(env), std::string(date.get_string()));
  for (const json::object* g : objects(o, "gates")) r.gates.push_back(gate_from(*g));
  for (const json::object* e : objects(o, "environments"))
    r.environments.push_back({str(*e, "environment"), str(*e, "action"), str(*e, "actor"),
                              time_field(*e, "time"), uint_field(*e, "manifest_version")});
  r.created_by = str(o, "created_by");
  r.created_at = time_field(o, "created_at");
  r.updated_at = time_field(o, "updated_at");
  return r;
}

std::optional<Release> load_release(storage::ReadTxn& txn, std::string_view id) {
  const auto stored = txn.get(Table::releases, id);
  if (!stored) return std::nullopt;
  auto release = Release::from_record(*stored);
  if (!release) return std::nullopt;
  return std::move(release).value();
}

void store_release(storage::WriteTxn& txn, const Release& release) {
  txn.put(Table::releases, release.id, json::serialize(release.to_record()));
}

bool known_environment(const Config& config, std::string_view name) {
  return std::find(config.environments.begin(), config.environments.end(), name) !=
         config.environments.end();
}

}  // namespace tollgate::server
