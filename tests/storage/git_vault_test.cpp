#include "storage/git_vault.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::storage;
using tollgate::testing::TempDir;

namespace {

constexpr Micros kStart = 1'700'000'000'000'000 + 654'321;  // 2023-11-14, not on a second
const VaultAuthor kAlice{"alice", "alice@example.org"};
const VaultAuthor kBob{"bob", ""};

std::unique_ptr<GitVault> open_vault(const std::string& path, const Clock* clock = nullptr) {
  GitVaultOptions options;
  options.path = path;
  options.clock = clock;
  auto vault = GitVault::open(options);
  REQUIRE_MESSAGE(vault.ok(), vault.status().to_string());
  return std::move(vault).value();
}

CommitInfo commit(GitVault& vault, const VaultChanges& changes, const std::string& message,
                  const VaultAuthor& author = kAlice, const CommitOptions& options = {}) {
  auto info = vault.commit(changes, author, message, options);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  return std::move(info).value();
}

CommitInfo write(GitVault& vault, const std::string& path, const std::string& content,
                 const std::string& message = "write") {
  return commit(vault, VaultChanges{{{path, content}}, {}}, message);
}

std::string read(const GitVault& vault, const std::string& path, const std::string& at = "") {
  auto bytes = vault.read(path, at);
  REQUIRE_MESSAGE(bytes.ok(), bytes.status().to_string());
  return std::move(bytes).value();
}

Code commit_code(GitVault& vault, const VaultChanges& changes) {
  return vault.commit(changes, kAlice, "x").status().code();
}

bool is_hex_id(const std::string& s) {
  return s.size() == 40 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Runs a shell command; returns its standard output, or fails the test on a non-zero exit.
std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = pclose(pipe);
  REQUIRE_MESSAGE(status == 0, command);
  return output;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a new vault is a bare repository on refs/heads/main with no commit yet") {
  TempDir dir;
  const std::string path = (dir.path() / "vault.git").string();
  auto vault = open_vault(path);
  CHECK(slurp(dir.path() / "vault.git" / "HEAD") == "ref: refs/heads/main\n");
  CHECK(vault->head().status().code() == Code::not_found);
  CHECK(vault->read("a.md").status().code() == Code::not_found);
  CHECK(vault->history("").value().empty());
  CHECK(vault->history("a.md").value().empty());
  CHECK(vault->list("").value().empty());
  CHECK(vault->list_tags().value().empty());
  CHECK(vault->path() == path);
}

TEST_CASE("a commit is readable at once and its info describes it") {
  TempDir dir;
  ManualClock clock(kStart);
  auto vault = open_vault(dir.str() + "/vault.git", &clock);
  const std::string bytes("binary\0with\xffnul", 15);
  const CommitInfo info = write(*vault, "notes.bin", bytes, "first");
  CHECK(info.created);
  CHECK(is_hex_id(info.id));
  CHECK(is_hex_id(info.tree));
  CHECK(info.parent.empty());
  CHECK(info.time == kStart - 654'321);  // git keeps whole seconds
  REQUIRE(info.blobs.size() == 1);
  CHECK(info.blobs.at("notes.bin") == vault->blob_id("notes.bin").value());
  CHECK(vault->head().value() == info.id);
  CHECK(read(*vault, "notes.bin") == bytes);

  const CommitInfo second = write(*vault, "other.md", "x");
  CHECK(second.parent == info.id);
  CHECK(read(*vault, "notes.bin") == bytes);  // untouched files stay
}

TEST_CASE("nested paths and several files land in one commit") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  const CommitInfo info = commit(*vault,
                                 {{{"cis/payments-api/docs/build.md", "# Build\n"},
                                   {"cis/payments-api/docs/test-plan.md", "# Tests\n"},
                                   {"releases/r-1/vdd.md", "# VDD\n"},
                                   {"manifests/SIT.json", "{}"}},
                                  {}},
                                 "release r-1 documents");
  CHECK(info.blobs.size() == 4);
  CHECK(vault->history("").value().size() == 1);
  CHECK(read(*vault, "cis/payments-api/docs/build.md") == "# Build\n");
  CHECK(read(*vault, "releases/r-1/vdd.md") == "# VDD\n");
  CHECK(read(*vault, "manifests/SIT.json") == "{}");

  const auto root = vault->list("").value();
  REQUIRE(root.size() == 3);
  CHECK(root[0].name == "cis");
  CHECK(root[0].directory);
  CHECK(root[1].name == "manifests");
  CHECK(root[2].name == "releases");
  const auto docs = vault->list("cis/payments-api/docs").value();
  REQUIRE(docs.size() == 2);
  CHECK(docs[0].name == "build.md");
  CHECK_FALSE(docs[0].directory);
  CHECK(docs[0].id == info.blobs.at("cis/payments-api/docs/build.md"));
  CHECK(vault->list("cis/payments-api/docs/build.md").status().code() == Code::not_found);
  CHECK(vault->list("nowhere").status().code() == Code::not_found);
  // A directory is not a file.
  CHECK(vault->read("cis/payments-api").status().code() == Code::not_found);

  // A second commit in another directory keeps the first one's trees.
  write(*vault, "cis/ledger/docs/build.md", "ledger");
  CHECK(read(*vault, "cis/payments-api/docs/test-plan.md") == "# Tests\n");
  CHECK(vault->list("cis").value().size() == 2);
}

TEST_CASE("deletions remove files and the directories they empty") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  commit(*vault, {{{"a/b/c.md", "c"}, {"a/d.md", "d"}, {"top.md", "t"}}, {}}, "three");
  const CommitInfo info = commit(*vault, {{{"a/e.md", "e"}}, {"a/b/c.md"}}, "swap");
  CHECK(info.created);
  CHECK(vault->read("a/b/c.md").status().code() == Code::not_found);
  CHECK(vault->list("a/b").status().code() == Code::not_found);  // emptied, so dropped
  CHECK(read(*vault, "a/e.md") == "e");
  commit(*vault, {{}, {"a/d.md", "a/e.md", "top.md"}}, "everything goes");
  CHECK(vault->list("").value().empty());
  CHECK(vault->history("").value().size() == 3);
}

TEST_CASE("contradictory or impossible changes are refused and change nothing") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  const CommitInfo base = commit(*vault, {{{"dir/file.md", "x"}, {"plain.md", "y"}}, {}}, "base");
  CHECK(commit_code(*vault, {}) == Code::invalid);
  CHECK(commit_code(*vault, {{}, {"missing.md"}}) == Code::not_found);
  CHECK(commit_code(*vault, {{}, {"dir"}}) == Code::invalid);  // a directory
  CHECK(commit_code(*vault, {{{"dir", "file over a directory"}}, {}}) == Code::conflict);
  CHECK(commit_code(*vault, {{{"plain.md/below", "under a file"}}, {}}) == Code::conflict);
  CHECK(commit_code(*vault, {{{"x.md", "1"}}, {"x.md"}}) == Code::invalid);
  CHECK(commit_code(*vault, {{{"a", "1"}, {"a/b", "2"}}, {}}) == Code::invalid);
  CHECK(commit_code(*vault, {{}, {"plain.md", "plain.md"}}) == Code::invalid);
  CHECK(commit_code(*vault, {{{"ok.md", "fine"}}, {"missing.md"}}) == Code::not_found);
  CHECK(vault->head().value() == base.id);
  CHECK(vault->read("ok.md").status().code() == Code::not_found);

  CHECK(vault->commit({{{"a.md", "1"}}, {}}, kAlice, "  \n").status().code() == Code::invalid);
  CHECK(vault->commit({{{"a.md", "1"}}, {}}, kAlice, std::string("a\0b", 3)).status().code() ==
        Code::invalid);
  CHECK(vault->commit({{{"a.md", "1"}}, {}}, {"", "x@y"}, "m").status().code() == Code::invalid);
  CHECK(vault->commit({{{"a.md", "1"}}, {}}, {"eve <evil>", ""}, "m").status().code() ==
        Code::invalid);
  CHECK(vault->commit({{{"a.md", "1"}}, {}}, {"eve", "a\nb"}, "m").status().code() ==
        Code::invalid);
  CommitOptions bad_branch;
  bad_branch.branch = "main";
  CHECK(vault->commit({{{"a.md", "1"}}, {}}, kAlice, "m", bad_branch).status().code() ==
        Code::invalid);
  CHECK(vault->head().value() == base.id);
}

TEST_CASE("writing what is already there makes no commit and returns the head") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  const CommitInfo first = commit(*vault, {{{"doc.md", "v1"}, {"b.md", "b"}}, {}}, "first");
  const CommitInfo again = write(*vault, "doc.md", "v1", "again");
  CHECK_FALSE(again.created);
  CHECK(again.id == first.id);
  CHECK(again.tree == first.tree);
  CHECK(again.parent.empty());
  CHECK(again.blobs.at("doc.md") == first.blobs.at("doc.md"));
  CHECK(vault->history("").value().size() == 1);
}

TEST_CASE("history lists the commits that changed a path, newest first") {
  TempDir dir;
  ManualClock clock(kStart);
  auto vault = open_vault(dir.str(), &clock);
  const std::string doc = "cis/payments-api/docs/build.md";
  const CommitInfo v1 = write(*vault, doc, "v1", "build instructions v1");
  clock.advance(60'000'000);
  write(*vault, "cis/payments-api/docs/test-plan.md", "plan", "test plan");
  clock.advance(60'000'000);
  const CommitInfo v2 = commit(*vault, {{{doc, "v2"}}, {}}, "build instructions v2\n\n", kBob);
  clock.advance(60'000'000);
  const CommitInfo gone = commit(*vault, {{}, {doc}}, "withdraw build instructions");
  clock.advance(60'000'000);
  const CommitInfo v3 = write(*vault, doc, "v3", "build instructions v3");

  const auto history = vault->history(doc).value();
  REQUIRE(history.size() == 4);
  CHECK(history[0].commit == v3.id);
  CHECK(history[0].object == v3.blobs.at(doc));
  CHECK(history[1].commit == gone.id);
  CHECK(history[1].object.empty());  // deleted there
  CHECK(history[1].message == "withdraw build instructions");
  CHECK(history[2].commit == v2.id);
  CHECK(history[2].author.name == "bob");
  CHECK(history[2].author.email == kVaultNoEmail);
  CHECK(history[2].message == "build instructions v2");
  CHECK(history[2].time == v2.time);
  CHECK(history[3].commit == v1.id);
  CHECK(history[3].author.name == "alice");
  CHECK(history[3].author.email == "alice@example.org");
  CHECK(history[3].time == kStart - 654'321);

  // Each version is retrievable by its commit id.
  CHECK(read(*vault, doc, history[2].commit) == "v2");
  CHECK(vault->read_at(v1.id, doc).value() == "v1");
  CHECK(vault->read(doc, gone.id).status().code() == Code::not_found);

  const auto newest = vault->history(doc, 2).value();
  REQUIRE(newest.size() == 2);
  CHECK(newest[1].commit == gone.id);
  const auto older = vault->history(doc, 0, v2.id).value();
  REQUIRE(older.size() == 2);
  CHECK(older[0].commit == v2.id);
  CHECK(vault->history("cis/payments-api/docs").value().size() == 5);  // a directory
  CHECK(vault->history("").value().size() == 5);
  CHECK(vault->history("never.md").value().empty());
  CHECK(vault->history("../x").status().code() == Code::invalid);
}

TEST_CASE("revisions: commit ids, refs, and nothing else") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  const CommitInfo first = write(*vault, "a.md", "1");
  write(*vault, "a.md", "2");
  CHECK(read(*vault, "a.md", first.id) == "1");
  CHECK(read(*vault, "a.md", "refs/heads/main") == "2");
  std::string upper = first.id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(read(*vault, "a.md", upper) == "1");
  for (const char* bad : {"HEAD~1", "main", "abc123", "refs/heads/../x", "HEAD", ":/1"}) {
    CAPTURE(bad);
    CHECK(vault->read("a.md", bad).status().code() == Code::invalid);
  }
  CHECK(vault->read("a.md", std::string(40, '0')).status().code() == Code::not_found);
  CHECK(vault->read("a.md", "refs/heads/other").status().code() == Code::not_found);
  // A blob id is not a commit.
  CHECK(vault->read("a.md", first.blobs.at("a.md")).status().code() == Code::invalid);
}

TEST_CASE("other branches hold their own history") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  write(*vault, "main.md", "m");
  CommitOptions on_manifests;
  on_manifests.branch = "refs/heads/manifests";
  const CommitInfo m = commit(*vault, {{{"SIT.json", "{}"}}, {}}, "manifest", kAlice, on_manifests);
  CHECK(m.parent.empty());
  CHECK(vault->head("refs/heads/manifests").value() == m.id);
  CHECK(read(*vault, "SIT.json", "refs/heads/manifests") == "{}");
  CHECK(vault->read("SIT.json").status().code() == Code::not_found);
  CHECK(vault->history("", 0, "refs/heads/manifests").value().size() == 1);
}

TEST_CASE("expected_head makes a commit conditional on the head it was planned on") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  CommitOptions fresh;
  fresh.expected_head = "";
  const CommitInfo first = commit(*vault, {{{"a.md", "1"}}, {}}, "first", kAlice, fresh);
  auto refused = vault->commit({{{"a.md", "2"}}, {}}, kAlice, "again", fresh);
  CHECK(refused.status().code() == Code::conflict);
  CHECK(refused.status().reason() == "vault-head-moved");

  CommitOptions pinned;
  pinned.expected_head = first.id;
  const CommitInfo second = commit(*vault, {{{"a.md", "2"}}, {}}, "second", kAlice, pinned);
  CHECK(vault->commit({{{"a.md", "3"}}, {}}, kAlice, "stale", pinned).status().code() ==
        Code::conflict);
  CommitOptions malformed;
  malformed.expected_head = "HEAD";
  CHECK(vault->commit({{{"a.md", "3"}}, {}}, kAlice, "m", malformed).status().code() ==
        Code::invalid);
  CHECK(vault->head().value() == second.id);
  CHECK(read(*vault, "a.md") == "2");
}

TEST_CASE("annotated tags: create, refuse a taken name, find their commit") {
  TempDir dir;
  ManualClock clock(kStart);
  auto vault = open_vault(dir.str(), &clock);
  const CommitInfo first = write(*vault, "baselines/b1.json", "{}", "baseline b1");
  const CommitInfo second = write(*vault, "baselines/b2.json", "{}", "baseline b2");

  auto tag = vault->tag("baseline-1", first.id, "production baseline 1", kAlice);
  REQUIRE_MESSAGE(tag.ok(), tag.status().to_string());
  CHECK(tag->name == "baseline-1");
  CHECK(tag->target == first.id);
  CHECK(is_hex_id(tag->id));
  CHECK(tag->id != first.id);
  CHECK(tag->tagger.name == "alice");
  CHECK(tag->message == "production baseline 1");
  CHECK(tag->time == kStart - 654'321);

  CHECK(vault->tag("baseline-1", first.id, "again", kAlice).status().code() == Code::conflict);
  CHECK(vault->tag("baseline-1", second.id, "moved", kBob).status().code() == Code::conflict);
  CHECK(vault->tag_target("baseline-1").value() == first.id);
  REQUIRE(vault->tag("a-baseline", "refs/heads/main", "by ref", kBob).ok());
  CHECK(vault->tag_target("a-baseline").value() == second.id);

  const auto info = vault->tag_info("baseline-1").value();
  CHECK(info.id == tag->id);
  CHECK(info.tagger.email == "alice@example.org");
  const auto all = vault->list_tags().value();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "a-baseline");
  CHECK(all[1].name == "baseline-1");
  CHECK(all[1].message == "production baseline 1");

  // Reading at a tag.
  CHECK(vault->read("baselines/b2.json", "refs/tags/baseline-1").status().code() ==
        Code::not_found);
  CHECK(read(*vault, "baselines/b1.json", "refs/tags/baseline-1") == "{}");

  CHECK(vault->tag_target("nope").status().code() == Code::not_found);
  CHECK(vault->tag("t", std::string(40, 'a'), "m", kAlice).status().code() == Code::not_found);
  CHECK(vault->tag("t", first.blobs.at("baselines/b1.json"), "m", kAlice).status().code() ==
        Code::invalid);
  for (const char* bad : {"", "has space", "-dash", "a..b", "x~1", "a:b", "end.lock", "a\nb"}) {
    CAPTURE(bad);
    CHECK(vault->tag(bad, first.id, "m", kAlice).status().code() == Code::invalid);
  }
  CHECK(vault->tag("t2", first.id, "", kAlice).status().code() == Code::invalid);
  CHECK(vault->list_tags().value().size() == 2);
}

TEST_CASE("vault paths are validated") {
  for (const char* good : {"a", "a.md", "cis/payments-api/docs/build.md", "x/.hidden", "a..b",
                           "r-1/VDD v2.md", "\xc3\xa9t\xc3\xa9.md"}) {
    CAPTURE(good);
    CHECK(validate_vault_path(good).ok());
  }
  const std::string nul("a\0b", 3);
  for (const std::string& bad :
       {std::string(), std::string("/etc/passwd"), std::string("../x"), std::string("a/../b"),
        std::string("a/.."), std::string("./a"), std::string("a//b"), std::string("a/"),
        std::string("a\\b"), nul, std::string("a\tb"), std::string("a\x7f"),
        std::string(".git/config"), std::string("x/.GIT/y"), std::string(300, 'a'),
        std::string(5000, 'a')}) {
    CAPTURE(bad);
    CHECK(validate_vault_path(bad).code() == Code::invalid);
  }
  TempDir dir;
  auto vault = open_vault(dir.str());
  CHECK(commit_code(*vault, {{{"../escape", "x"}}, {}}) == Code::invalid);
  CHECK(commit_code(*vault, {{}, {"/abs"}}) == Code::invalid);
  CHECK(vault->read("a//b").status().code() == Code::invalid);
  CHECK(vault->list("a/").status().code() == Code::invalid);
  CHECK(vault->head().status().code() == Code::not_found);  // nothing was committed
}

TEST_CASE("concurrent commits from many threads all land") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  constexpr int kThreads = 8, kCommits = 10;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommits; ++i) {
        const std::string path = "t" + std::to_string(t) + "/" + std::to_string(i) + ".md";
        auto info = vault->commit({{{path, path}, {"shared.md", path}}, {}}, kAlice, path);
        CHECK(info.ok());
        CHECK(vault->read(path).ok());  // reads run alongside the writers
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(vault->history("").value().size() == kThreads * kCommits);
  CHECK(vault->history("shared.md").value().size() == kThreads * kCommits);
  CHECK(vault->list("").value().size() == kThreads + 1);
}

TEST_CASE("two vaults on one repository (as two processes would) lose no commit") {
  TempDir dir;
  auto first = open_vault(dir.str());
  auto second = open_vault(dir.str());
  constexpr int kThreads = 4, kCommits = 15;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    GitVault& vault = t % 2 == 0 ? *first : *second;
    threads.emplace_back([&vault, t] {
      for (int i = 0; i < kCommits; ++i) {
        const std::string path = "t" + std::to_string(t) + "/" + std::to_string(i) + ".md";
        auto info = vault.commit({{{path, path}}, {}}, kBob, path);
        CHECK_MESSAGE(info.ok(), info.status().to_string());
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(first->history("").value().size() == kThreads * kCommits);
  for (int t = 0; t < kThreads; ++t) {
    CHECK(second->list("t" + std::to_string(t)).value().size() == kCommits);
  }
}

TEST_CASE("a writer outside Tollgate moving the branch concurrently loses nothing") {
  TempDir dir;
  auto vault = open_vault(dir.str());
  write(*vault, "start.md", "s");
  constexpr int kThreads = 3, kCommits = 10, kOutside = 20;
  // git's own compare-and-swap: update-ref with the old value, retried until it holds.
  const std::string outsider =
      "cd '" + dir.str() +
      "' && export GIT_AUTHOR_NAME=outsider GIT_AUTHOR_EMAIL=o@example.org "
      "GIT_COMMITTER_NAME=outsider GIT_COMMITTER_EMAIL=o@example.org; i=0; "
      "while [ $i -lt " +
      std::to_string(kOutside) +
      " ]; do h=$(git rev-parse refs/heads/main) && t=$(git rev-parse \"$h^{tree}\") && "
      "c=$(echo \"outside $i\" | git commit-tree \"$t\" -p \"$h\") && "
      "git update-ref refs/heads/main \"$c\" \"$h\" 2>/dev/null && i=$((i+1)); done";
  std::thread git_cli([&] {
    CHECK(std::system(outsider.c_str()) == 0);  // NOLINT(concurrency-mt-unsafe): one caller
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommits; ++i) {
        const std::string path = "t" + std::to_string(t) + "/" + std::to_string(i) + ".md";
        auto info = vault->commit({{{path, path}}, {}}, kBob, path);
        CHECK_MESSAGE(info.ok(), info.status().to_string());
      }
    });
  }
  for (auto& t : threads) t.join();
  git_cli.join();
  CHECK(run("git -C '" + dir.str() + "' rev-list --count refs/heads/main") ==
        std::to_string(1 + kThreads * kCommits + kOutside) + "\n");
  for (int t = 0; t < kThreads; ++t) {
    CHECK(vault->list("t" + std::to_string(t)).value().size() == kCommits);
  }
  CHECK(read(*vault, "start.md") == "s");
}

TEST_CASE("reopening the vault keeps commits and tags") {
  TempDir dir;
  std::string head;
  {
    auto vault = open_vault(dir.str());
    write(*vault, "a.md", "1", "one");
    head = write(*vault, "b/c.md", "2", "two").id;
    REQUIRE(vault->tag("b1", head, "baseline", kAlice).ok());
  }
  auto vault = open_vault(dir.str());
  CHECK(vault->head().value() == head);
  CHECK(read(*vault, "b/c.md") == "2");
  CHECK(vault->history("").value().size() == 2);
  CHECK(vault->tag_target("b1").value() == head);
  CHECK(write(*vault, "a.md", "3").parent == head);
}

TEST_CASE("opening clears the branch lock a writer killed mid-commit left behind") {
  TempDir dir;
  std::string head;
  {
    auto vault = open_vault(dir.str());
    head = write(*vault, "a.md", "1").id;
  }
  std::ofstream(dir.path() / "refs" / "heads" / "main.lock") << "half-written";
  std::filesystem::create_directories(dir.path() / "refs" / "tags");
  std::ofstream(dir.path() / "refs" / "tags" / "b1.lock") << "";
  auto vault = open_vault(dir.str());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "refs" / "heads" / "main.lock"));
  CHECK(write(*vault, "a.md", "2").parent == head);
  CHECK(vault->tag("b1", head, "baseline", kAlice).ok());
}

TEST_CASE("a directory that is a repository with a working tree is refused") {
  TempDir dir;
  run("git init -q '" + dir.str() + "/work'");
  auto vault = GitVault::open(dir.str() + "/work");
  CHECK(vault.status().code() == Code::invalid);
  GitVaultOptions options;
  options.path = dir.str() + "/v";
  options.committer = {"", ""};
  CHECK(GitVault::open(options).status().code() == Code::invalid);
}

TEST_CASE("git clone of the vault gives readable files and history") {
  TempDir dir;
  const std::string vault_path = dir.str() + "/vault.git";
  {
    auto vault = open_vault(vault_path);
    write(*vault, "cis/payments-api/docs/build.md", "# Build\nmake\n", "Add build instructions");
    const CommitInfo info =
        commit(*vault, {{{"releases/r-1/vdd.md", "# VDD r-1\n"}}, {}}, "VDD for r-1", kBob);
    REQUIRE(vault->tag("baseline-1", info.id, "Production baseline 1", kAlice).ok());
  }
  run("git -C '" + vault_path + "' fsck --strict --no-progress 2>&1");
  const std::string clone = dir.str() + "/clone";
  run("git clone -q '" + vault_path + "' '" + clone + "' 2>&1");
  CHECK(slurp(clone + "/cis/payments-api/docs/build.md") == "# Build\nmake\n");
  CHECK(slurp(clone + "/releases/r-1/vdd.md") == "# VDD r-1\n");
  CHECK(run("git -C '" + clone + "' rev-parse --abbrev-ref HEAD") == "main\n");
  CHECK(run("git -C '" + clone + "' log --format='%an <%ae>|%cn|%s'") ==
        "bob <unknown@tollgate.invalid>|Tollgate|VDD for r-1\n"
        "alice <alice@example.org>|Tollgate|Add build instructions\n");
  CHECK(run("git -C '" + clone + "' log --format=%s -- cis") == "Add build instructions\n");
  CHECK(run("git -C '" + clone +
            "' for-each-ref --format='%(objecttype) %(refname) "
            "%(taggername) %(contents:subject)' refs/tags") ==
        "tag refs/tags/baseline-1 alice Production baseline 1\n");
}

TEST_CASE("a planned commit sees the head it lands on: writers on two handles lose no update") {
  TempDir dir;
  const std::string path = dir.str() + "/vault.git";
  auto first = open_vault(path);
  auto second = open_vault(path);  // as a second process would hold it
  constexpr int kThreads = 4, kIncrements = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      GitVault& vault = t % 2 ? *first : *second;
      for (int i = 0; i < kIncrements; ++i) {
        // A read-modify-write of one counter: only correct when nobody commits in between.
        auto done = vault.commit_planned(
            [&](const std::string& head) -> Result<std::optional<GitVault::PlannedCommit>> {
              int count = 0;
              if (!head.empty()) {
                auto text = vault.read("counter", head);
                if (text.ok()) count = std::stoi(*text);
              }
              GitVault::PlannedCommit next;
              next.changes.writes["counter"] = std::to_string(count + 1);
              next.message = "count " + std::to_string(count + 1);
              return std::optional<GitVault::PlannedCommit>(std::move(next));
            },
            kAlice);
        if (!done.ok() || !done->created) ++failures;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(read(*first, "counter") == std::to_string(kThreads * kIncrements));
  CHECK(first->history("").value().size() == kThreads * kIncrements);
}

TEST_CASE("a planned commit may decide to write nothing, or refuse") {
  TempDir dir;
  auto vault = open_vault(dir.str() + "/vault.git");
  const auto nothing = [](const std::string&) -> Result<std::optional<GitVault::PlannedCommit>> {
    return std::optional<GitVault::PlannedCommit>();
  };
  auto empty = vault->commit_planned(nothing, kAlice);
  REQUIRE(empty.ok());
  CHECK_FALSE(empty->created);
  CHECK(empty->id.empty());

  const CommitInfo head = write(*vault, "a.md", "a");
  std::string seen;
  auto same = vault->commit_planned(
      [&](const std::string& at) -> Result<std::optional<GitVault::PlannedCommit>> {
        seen = at;
        return std::optional<GitVault::PlannedCommit>();
      },
      kAlice);
  REQUIRE(same.ok());
  CHECK(seen == head.id);
  CHECK_FALSE(same->created);
  CHECK(same->id == head.id);

  auto refused = vault->commit_planned(
      [](const std::string&) -> Result<std::optional<GitVault::PlannedCommit>> {
        return conflict("not now").with_reason("not-now");
      },
      kAlice);
  CHECK(refused.status().reason() == "not-now");
  CHECK(vault->history("").value().size() == 1);
}
