// The version description document: JSON and Markdown through the router, the commit to the
// vault, vdd_matches and the RRR hook that refuses stale contents.
#include "server/domain/release/vdd.hpp"

#include <doctest/doctest.h>

#include <string>

#include <boost/json.hpp>

#include "tests/server/domain/reports_fixture.hpp"

namespace tollgate::server {
namespace {

namespace json = boost::json;
using testing::body_of;
using testing::problem_type;
using testing::text_of;

struct Vdd : testing::ReportFixture {
  Principal rm_principal{"rm", {Role::release_manager}, {}};
  std::string id;

  Vdd() {
    ci("api");
    ci("web");
    artifact("api/1.0/app.jar", "api one");
    artifact("api/1.0/app.conf", "api conf");
    artifact("web/1.0/web.tar", "web one");
    auto rfc = call("POST", "/api/v1/rfcs",
                    R"({"title":"Upgrade api","description":"to 1.0","cis":["api"],
                        "category":"normal","impact":{"risk":"low"}})",
                    rm);
    REQUIRE_MESSAGE(rfc.status == 201, rfc.body);
    id = release("Payments", "scheduled", R"("rfcs":["rfc-1"])");
    item(id, "api", "1.0");
    doc(id, "build_instructions", "install.md", "make install");
    doc(id, "backout_procedure", "backout.md", "restore");
    doc(id, "test_plan", "tests.md", "run tests");
    auto ke =
        post(id, "known-errors", R"({"summary":"Slow start","workaround":"Wait | retry"})", rm);
    REQUIRE_MESSAGE(ke.status == 201, ke.body);
    gate(id, "trr", "pass", cm);
  }

  Response vdd(const std::string& accept = "") {
    server::HeaderList headers;
    if (!accept.empty()) headers.emplace_back("accept", accept);
    return call("GET", "/api/v1/releases/" + id + "/vdd", "", "use-admin", headers);
  }

  json::object built() {
    auto r = vdd();
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }
};

TEST_CASE("vdd: the JSON lists release, items, artifacts, RFCs, documents, errors and gates") {
  Vdd f;
  const Release release = f.load(f.id);
  json::object v = f.built();
  CHECK(text_of(v.at("id")) == f.id);
  CHECK(text_of(v.at("name")) == "Payments");
  CHECK(text_of(v.at("version")) == "1.0");
  CHECK(text_of(v.at("type")) == "delta");
  CHECK(text_of(v.at("category")) == "scheduled");
  CHECK(text_of(v.at("digest")) == release.digest());

  const auto& items = v.at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(text_of(items[0].at("ci")) == "api");
  CHECK(text_of(items[0].at("version")) == "1.0");
  const auto& artifacts = items[0].at("artifacts").as_array();
  REQUIRE(artifacts.size() == 2);
  CHECK(text_of(artifacts[0].at("file")) == "app.conf");
  CHECK(text_of(artifacts[0].at("sha256")) == sha256_hex("api conf"));
  CHECK(artifacts[0].at("size").as_int64() == 8);
  CHECK(text_of(artifacts[0].at("install_path")) == "app.conf");
  CHECK(text_of(artifacts[1].at("file")) == "app.jar");

  const auto& rfcs = v.at("rfcs").as_array();
  REQUIRE(rfcs.size() == 1);
  CHECK(text_of(rfcs[0].at("id")) == "rfc-1");
  CHECK(text_of(rfcs[0].at("title")) == "Upgrade api");
  CHECK(text_of(rfcs[0].at("state")) == "draft");

  const auto& documents = v.at("documents").as_array();
  REQUIRE(documents.size() == 3);
  CHECK(text_of(documents[0].at("kind")) == "build_instructions");
  CHECK(text_of(documents[0].at("path")) == "releases/" + f.id + "/install.md");
  CHECK(text_of(documents[0].at("commit")) == release.document("install.md")->commit);
  CHECK(text_of(documents[0].at("blob")) == release.document("install.md")->blob);
  REQUIRE(v.at("installation").as_array().size() == 1);
  CHECK(text_of(v.at("installation").at(0).at("name")) == "install.md");
  REQUIRE(v.at("backout").as_array().size() == 1);
  CHECK(text_of(v.at("backout").at(0).at("path")) == "releases/" + f.id + "/backout.md");
  CHECK(text_of(v.at("known_errors").at(0).at("summary")) == "Slow start");
  CHECK(text_of(v.at("gates").at("trr").at("status")) == "passed");
  CHECK(text_of(v.at("gates").at("trr").at("actor")) == "cm");

  // A change of contents makes the recorded trr stale in the VDD too.
  f.item(f.id, "web", "1.0");
  v = f.built();
  CHECK(v.at("items").as_array().size() == 2);
  CHECK(text_of(v.at("gates").at("trr").at("status")) == "stale");
  CHECK(text_of(v.at("digest")) == f.load(f.id).digest());
}

TEST_CASE("vdd: Markdown by Accept, with tables and references; other types get 406") {
  Vdd f;
  const Release release = f.load(f.id);
  auto r = f.vdd("text/markdown");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.content_type == "text/markdown; charset=utf-8");
  const std::string& md = r.body;
  CHECK(md.starts_with("# Version Description Document: Payments 1.0\n\n| Field | Value |\n"));
  CHECK(md.find("| Release | " + f.id + " |") != std::string::npos);
  CHECK(md.find("| Digest | `" + release.digest() + "` |") != std::string::npos);
  CHECK(md.find("## Items\n\n| CI | Version | File | SHA-256 | Size | Install path |\n"
                "|---|---|---|---|---|---|\n| api | 1.0 | app.conf | `" +
                sha256_hex("api conf") + "` | 8 | app.conf |\n") != std::string::npos);
  CHECK(md.find("| rfc-1 | Upgrade api | draft |") != std::string::npos);
  CHECK(md.find("## Installation\n\n- install.md (`releases/" + f.id + "/install.md` at commit `" +
                release.document("install.md")->commit + "`)\n") != std::string::npos);
  CHECK(md.find("## Back-out\n\n- backout.md (") != std::string::npos);
  CHECK(md.find("| ke-1 | Slow start | Wait \\| retry |") != std::string::npos);
  CHECK(md.find("| trr | passed | pass | cm |") != std::string::npos);
  CHECK(md.find("## Packaged releases") == std::string::npos);

  // Stable: the same release renders the same bytes, and equals rendering the JSON.
  CHECK(f.vdd("text/markdown").body == md);
  CHECK(render_vdd_markdown(f.built()) == md);
  CHECK(f.vdd("application/json;q=0, text/markdown").body == md);
  CHECK(f.vdd("text/*").body == md);
  CHECK(f.vdd("application/json").content_type == "application/json");
  CHECK(f.vdd("*/*").content_type == "application/json");

  auto refused = f.vdd("image/png");
  CHECK(refused.status == 406);
  CHECK(problem_type(refused) == "urn:tollgate:problem:not-acceptable");
  auto missing = f.call("GET", "/api/v1/releases/rel-99/vdd");
  CHECK(missing.status == 404);
  CHECK(problem_type(missing) == "urn:tollgate:problem:not-found");
  CHECK(f.call("GET", "/api/v1/releases/" + f.id + "/vdd", "", "").status == 401);
}

TEST_CASE("vdd: committed to the vault as VDD.md and VDD.json; matches until contents change") {
  Vdd f;
  const Release release = f.load(f.id);
  auto none = committed_vdd(*f.vault, f.id);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  auto commit = commit_vdd(f.app->store, f.app->vault, release, f.rm_principal);
  REQUIRE_MESSAGE(commit.ok(), commit.status().to_string());
  CHECK(*f.vault->head() == *commit);
  auto md = f.vault->read(vdd_markdown_path(f.id));
  REQUIRE(md.ok());
  CHECK(*md == render_vdd_markdown(f.built()));
  CHECK(md->ends_with("|\n"));
  CHECK_FALSE(md->ends_with("\n\n"));
  auto history = f.vault->history(vdd_json_path(f.id));
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK(history->front().author.name == "rm");
  CHECK(history->front().message.starts_with("VDD of release " + f.id + " (Payments 1.0)"));

  auto committed = committed_vdd(*f.vault, f.id);
  REQUIRE(committed.ok());
  REQUIRE(committed->has_value());
  CHECK(**committed == f.built());
  CHECK(vdd_matches(**committed, release));

  // The same VDD again commits nothing new.
  auto again = commit_vdd(f.app->store, f.app->vault, release, f.rm_principal);
  REQUIRE(again.ok());
  CHECK(*again == *commit);

  f.item(f.id, "web", "1.0");
  CHECK_FALSE(vdd_matches(**committed, f.load(f.id)));
  json::object tampered = **committed;
  tampered["digest"] = release.digest();
  tampered["items"] = json::array();
  CHECK_FALSE(vdd_matches(tampered, release));
}

TEST_CASE("vdd: a release document named VDD.md blocks the commit and changes nothing") {
  Vdd f;
  f.doc(f.id, "other", "VDD.md", "mine");
  const std::string head = *f.vault->head();
  auto commit = commit_vdd(f.app->store, f.app->vault, f.load(f.id), f.rm_principal);
  REQUIRE_FALSE(commit.ok());
  CHECK(commit.status().code() == Code::conflict);
  CHECK(commit.status().reason() == "vdd-name-taken");
  CHECK(*f.vault->head() == head);
  CHECK(*f.vault->read(vdd_markdown_path(f.id)) == "mine");
}

TEST_CASE("vdd: the RRR hook plans the reviewed VDD and refuses contents changed since") {
  Vdd f;
  Principal cm{"cm", {Role::change_manager}, {}};
  const Release reviewed = f.load(f.id);
  const std::string head = *f.vault->head();
  auto rrr = vdd_for_rrr(f.app->store, reviewed, cm);
  REQUIRE_MESSAGE(rrr.ok(), rrr.status().to_string());
  CHECK(*f.vault->head() == head);  // planned only: record_gate commits it with its record
  CHECK(text_of(rrr->vdd.at("digest")) == reviewed.digest());
  CHECK(check_vdd_current(rrr->vdd, f.load(f.id)).ok());
  CHECK(rrr->plan.author.name == "cm");
  CHECK(rrr->plan.changes.writes.at(vdd_json_path(f.id)) == json::serialize(rrr->vdd) + "\n");
  CHECK(rrr->plan.changes.writes.at(vdd_markdown_path(f.id)) == render_vdd_markdown(rrr->vdd));

  // The contents change after the review: the RRR would pass on stale content.
  f.item(f.id, "web", "1.0");
  auto stale = vdd_for_rrr(f.app->store, reviewed, cm);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().code() == Code::conflict);
  CHECK(stale.status().reason() == kVddMismatchReason);
  auto inside = check_vdd_current(rrr->vdd, f.load(f.id));
  CHECK(inside.code() == Code::conflict);
  CHECK(inside.reason() == "vdd-mismatch");

  // Reviewing the new contents works again.
  auto fresh = vdd_for_rrr(f.app->store, f.load(f.id), cm);
  REQUIRE(fresh.ok());
  CHECK(fresh->vdd != rrr->vdd);
  CHECK(vdd_matches(fresh->vdd, f.load(f.id)));
}

}  // namespace
}  // namespace tollgate::server
