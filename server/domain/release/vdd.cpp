// The version description document: built from a release, rendered as Markdown, committed to the
// vault and compared with the release it describes.
#include "server/domain/release/vdd.hpp"

#include <map>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/change/rfcs.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

json::array items_json(const Release& release) {
  json::array items;
  for (const ReleaseItem& item : release.items) {
    json::array artifacts;
    for (const ReleaseArtifact& a : item.artifacts)
      artifacts.push_back(json::object{{"file", a.file},
                                       {"sha256", a.sha256},
                                       {"size", a.size},
                                       {"install_path", a.install_path}});
    items.push_back(json::object{
        {"ci", item.ci}, {"version", item.version}, {"artifacts", std::move(artifacts)}});
  }
  return items;
}

json::array references(const Release& release, std::string_view kind) {
  json::array out;
  for (const ReleaseDocument& d : release.documents)
    if (d.kind == kind)
      out.push_back(json::object{{"name", d.name}, {"path", d.path}, {"commit", d.commit}});
  return out;
}

json::object gates_json(const Release& release) {
  const std::string digest = release.digest();
  std::map<std::string, const GateRecord*> latest;
  for (const GateRecord& g : release.gates) latest[g.gate] = &g;
  json::object out;
  for (const auto& [name, g] : latest) {
    const char* status =
        g->verdict != "pass" ? "failed" : (g->digest == digest ? "passed" : "stale");
    out[name] = json::object{{"status", status},
                             {"verdict", g->verdict},
                             {"actor", g->actor},
                             {"time", format_rfc3339(g->time)}};
  }
  return out;
}

// A JSON value as table text: strings as they are, numbers printed, anything else empty.
std::string text(const json::value* v) {
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::string field(const json::value& object, std::string_view key) {
  return object.is_object() ? text(object.as_object().if_contains(key)) : std::string();
}

std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

const json::array& array_of(const json::object& vdd, std::string_view key) {
  static const json::array kNone;
  const json::value* v = vdd.if_contains(key);
  return v && v->is_array() ? v->get_array() : kNone;
}

void table(std::string& out, const std::vector<std::string>& header,
           const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) {
    out += "_None._\n\n";
    return;
  }
  out += "|";
  for (const auto& h : header) out += fmt::format(" {} |", h);
  out += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& row : rows) {
    out += "|";
    for (const auto& c : row) out += fmt::format(" {} |", cell(c));
    out += "\n";
  }
  out += "\n";
}

void reference_list(std::string& out, const json::array& refs) {
  if (refs.empty()) {
    out += "_None._\n\n";
    return;
  }
  for (const auto& r : refs)
    out += fmt::format("- {} (`{}` at commit `{}`)\n", cell(field(r, "name")),
                       cell(field(r, "path")), cell(field(r, "commit")));
  out += "\n";
}

void item_table(std::string& out, const json::object& vdd) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : array_of(vdd, "items")) {
    const json::value* artifacts =
        item.is_object() ? item.as_object().if_contains("artifacts") : nullptr;
    if (!artifacts || !artifacts->is_array()) continue;
    for (const auto& a : artifacts->get_array())
      rows.push_back({field(item, "ci"), field(item, "version"), field(a, "file"),
                      "`" + field(a, "sha256") + "`", field(a, "size"), field(a, "install_path")});
  }
  table(out, {"CI", "Version", "File", "SHA-256", "Size", "Install path"}, rows);
}

std::vector<std::vector<std::string>> rows_of(const json::array& list,
                                              const std::vector<std::string_view>& keys) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& entry : list) {
    std::vector<std::string> row;
    row.reserve(keys.size());
    for (auto key : keys) row.push_back(field(entry, key));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::vector<std::string>> gate_rows(const json::object& vdd) {
  std::vector<std::vector<std::string>> rows;
  const json::value* gates = vdd.if_contains("gates");
  if (!gates || !gates->is_object()) return rows;
  for (const auto& [name, g] : gates->get_object())
    rows.push_back({std::string(name), field(g, "status"), field(g, "verdict"), field(g, "actor"),
                    field(g, "time")});
  return rows;
}

}  // namespace

std::string vdd_json_path(std::string_view release_id) {
  return fmt::format("releases/{}/VDD.json", release_id);
}

std::string vdd_markdown_path(std::string_view release_id) {
  return fmt::format("releases/{}/VDD.md", release_id);
}

Result<json::object> build_vdd(storage::ReadTxn& txn, const Release& release) {
  json::array rfcs;
  for (const std::string& id : release.rfcs) {
    const auto rfc = load_rfc(txn, id);
    rfcs.push_back(json::object{{"id", id},
                                {"title", rfc ? rfc->title : std::string()},
                                {"state", rfc ? rfc_state_name(rfc->state) : "missing"}});
  }
  json::array documents;
  for (const ReleaseDocument& d : release.documents)
    documents.push_back(json::object{{"kind", d.kind},
                                     {"name", d.name},
                                     {"path", d.path},
                                     {"commit", d.commit},
                                     {"blob", d.blob}});
  json::array known_errors;
  for (const KnownError& e : release.known_errors)
    known_errors.push_back(
        json::object{{"id", e.id}, {"summary", e.summary}, {"workaround", e.workaround}});
  json::array packages;
  for (const std::string& p : release.packages) packages.emplace_back(p);
  return json::object{{"id", release.id},
                      {"name", release.name},
                      {"version", release.version},
                      {"type", release_type_name(release.type)},
                      {"category", release_category_name(release.category)},
                      {"digest", release.digest()},
                      {"packages", std::move(packages)},
                      {"items", items_json(release)},
                      {"rfcs", std::move(rfcs)},
                      {"documents", std::move(documents)},
                      {"known_errors", std::move(known_errors)},
                      {"installation", references(release, "build_instructions")},
                      {"backout", references(release, "backout_procedure")},
                      {"gates", gates_json(release)}};
}

Result<json::object> vdd_of(storage::KvStore& store, const std::string& id) {
  std::optional<json::object> out;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    const auto release = load_release(txn, id);
    if (!release) return not_found(fmt::format("no release '{}'", id.substr(0, 128)));
    TG_ASSIGN_OR_RETURN(out, build_vdd(txn, *release));
    return {};
  }));
  return std::move(*out);
}

std::string render_vdd_markdown(const json::object& vdd) {
  const json::value whole(vdd);
  std::string out = fmt::format("# Version Description Document: {} {}\n\n",
                                cell(field(whole, "name")), cell(field(whole, "version")));
  table(out, {"Field", "Value"},
        {{"Release", field(whole, "id")},
         {"Name", field(whole, "name")},
         {"Version", field(whole, "version")},
         {"Type", field(whole, "type")},
         {"Category", field(whole, "category")},
         {"Digest", "`" + field(whole, "digest") + "`"}});
  if (!array_of(vdd, "packages").empty()) {
    out += "## Packaged releases\n\n";
    for (const auto& p : array_of(vdd, "packages")) out += fmt::format("- {}\n", cell(text(&p)));
    out += "\n";
  }
  out += "## Items\n\n";
  item_table(out, vdd);
  out += "## Change requests\n\n";
  table(out, {"RFC", "Title", "State"}, rows_of(array_of(vdd, "rfcs"), {"id", "title", "state"}));
  out += "## Documents\n\n";
  table(out, {"Kind", "Name", "Path", "Commit", "Blob"},
        rows_of(array_of(vdd, "documents"), {"kind", "name", "path", "commit", "blob"}));
  out += "## Installation\n\n";
  reference_list(out, array_of(vdd, "installation"));
  out += "## Back-out\n\n";
  reference_list(out, array_of(vdd, "backout"));
  out += "## Known errors\n\n";
  table(out, {"ID", "Summary", "Workaround"},
        rows_of(array_of(vdd, "known_errors"), {"id", "summary", "workaround"}));
  out += "## Gates\n\n";
  table(out, {"Gate", "Status", "Verdict", "By", "At"}, gate_rows(vdd));
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

bool vdd_matches(const json::object& committed_vdd, const Release& release) {
  const json::value* digest = committed_vdd.if_contains("digest");
  const json::value* items = committed_vdd.if_contains("items");
  if (!digest || !items || !digest->is_string() || digest->get_string() != release.digest())
    return false;
  return *items == json::value(items_json(release));
}

Result<std::optional<json::object>> committed_vdd(const storage::GitVault& vault,
                                                  std::string_view id) {
  auto stored = vault.read(vdd_json_path(id));
  if (!stored) {
    if (stored.status().code() == Code::not_found) return std::optional<json::object>();
    return stored.status();
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(*stored, ec);
  if (ec || !parsed.is_object())
    return Status(Code::corrupt, fmt::format("{} is not a JSON object", vdd_json_path(id)));
  return std::optional<json::object>(std::move(parsed.as_object()));
}

Result<VaultPlan> vdd_plan(const Release& release, const json::object& vdd,
                           const Principal& actor) {
  for (const char* name : {"VDD.md", "VDD.json"})
    if (release.document(name))
      return conflict(fmt::format("release '{}' has a document named {}, where its VDD belongs; "
                                  "rename that document",
                                  release.id, name))
          .with_reason("vdd-name-taken");
  VaultPlan plan;
  plan.changes.writes[vdd_json_path(release.id)] = json::serialize(vdd) + "\n";
  plan.changes.writes[vdd_markdown_path(release.id)] = render_vdd_markdown(vdd);
  plan.message = fmt::format("VDD of release {} ({} {})\n\nDigest: {}", release.id, release.name,
                             release.version, release.digest());
  plan.author = {actor.name, actor.name + "@tollgate"};
  return plan;
}

Result<std::string> commit_vdd(storage::GitVault& vault, const Release& release,
                               const json::object& vdd, const Principal& actor) {
  TG_ASSIGN_OR_RETURN(const VaultPlan plan, vdd_plan(release, vdd, actor));
  TG_ASSIGN_OR_RETURN(storage::CommitInfo commit,
                      vault.commit(plan.changes, plan.author, plan.message));
  return commit.id;
}

Result<std::string> commit_vdd(storage::KvStore& store, storage::GitVault& vault,
                               const Release& release, const Principal& actor) {
  std::optional<json::object> vdd;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(vdd, build_vdd(txn, release));
    return {};
  }));
  return commit_vdd(vault, release, *vdd, actor);
}

Status check_vdd_current(const json::object& vdd, const Release& current) {
  if (vdd_matches(vdd, current)) return {};
  return conflict(fmt::format("the contents of release '{}' changed after its VDD was committed "
                              "(digest now {}): review the new contents and record the RRR again",
                              current.id, current.digest().substr(0, 12)))
      .with_reason(kVddMismatchReason);
}

Result<RrrVdd> vdd_for_rrr(storage::KvStore& store, const Release& reviewed,
                           const Principal& actor) {
  std::optional<Release> current;
  std::optional<json::object> vdd;
  TG_RETURN_IF_ERROR(store.read([&](storage::ReadTxn& txn) -> Status {
    current = load_release(txn, reviewed.id);
    if (!current) return not_found(fmt::format("no release '{}'", reviewed.id));
    TG_ASSIGN_OR_RETURN(vdd, build_vdd(txn, *current));
    return {};
  }));
  // The RRR is bound to the reviewed contents; a change since would make it pass on stale content.
  TG_RETURN_IF_ERROR(check_vdd_current(*vdd, reviewed));
  TG_ASSIGN_OR_RETURN(VaultPlan plan, vdd_plan(*current, *vdd, actor));
  return RrrVdd{std::move(*vdd), std::move(plan)};
}

}  // namespace tollgate::server
