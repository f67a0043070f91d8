// The PCA scanner: hashes, sizes, relative paths, ignore patterns (globs and AIDE-style
// regexes, from the auditor only), symlinks and special files, read failures; and the CLI's
// inventory and report.
#include "cli/pca_scan.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/pca.hpp"
#include "client/sha256.hpp"
#include "tests/support/temp_dir.hpp"
#include "tollgate/digest.hpp"

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string sha256_of(std::string_view bytes) { return sha256_hex(bytes); }

struct Tree {
  testing::TempDir dir{"tollgate-pca-scan-"};

  void write(const std::string& path, const std::string& bytes) const {
    const fs::path full = dir.path() / path;
    fs::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary) << bytes;
  }

  ScanResult scan(const ScanOptions& options = {}) const {
    auto result = scan_directory(dir.str(), options);
    REQUIRE_MESSAGE(result.ok(), result.status().to_string());
    return std::move(result).value();
  }
};

std::vector<std::string> paths_of(const ScanResult& result) {
  std::vector<std::string> out;
  for (const auto& file : result.files) out.push_back(file.path);
  return out;
}

bool excludes(const std::string& rules_text, const std::string& path, bool directory = false) {
  IgnoreRules rules;
  const Status st = rules.add(rules_text, "rules");
  REQUIRE_MESSAGE(st.ok(), st.to_string());
  return rules.excludes(path, directory);
}

}  // namespace

TEST_CASE("pca scan: digests, sizes and sorted relative paths of nested files") {
  Tree tree;
  tree.write("bin/app", "application bytes\n");
  tree.write("lib/deep/nested/libx.so", std::string(3 * 1024 * 1024 + 17, 'x'));  // > 1 MiB chunks
  tree.write("a.txt", "");
  fs::create_directories(tree.dir.path() / "empty/dir");

  for (unsigned workers : {1U, 4U}) {
    ScanOptions options;
    options.workers = workers;
    const ScanResult result = tree.scan(options);
    CHECK(paths_of(result) ==
          std::vector<std::string>{"a.txt", "bin/app", "lib/deep/nested/libx.so"});
    REQUIRE(result.files.size() == 3);
    CHECK(result.files[0].sha256 == sha256_of(""));
    CHECK(result.files[0].size == 0);
    CHECK(result.files[1].sha256 == sha256_of("application bytes\n"));
    CHECK(result.files[1].size == 18);
    CHECK(result.files[2].sha256 == sha256_of(std::string(3 * 1024 * 1024 + 17, 'x')));
    CHECK(result.files[2].size == 3 * 1024 * 1024 + 17);
    CHECK(result.ignored.empty());
    CHECK(result.skipped.empty());
  }
}

TEST_CASE("pca scan: an empty directory, a missing one, a file instead of a directory") {
  Tree tree;
  const ScanResult result = tree.scan();
  CHECK(result.files.empty());
  CHECK(result.ignored.empty());

  auto missing = scan_directory(tree.dir.file("nope"), {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::not_found);
  tree.write("plain", "x");
  auto plain = scan_directory(tree.dir.file("plain"), {});
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.status().code() == Code::invalid);
}

TEST_CASE("pca scan: many files on several workers keep their order and digests") {
  Tree tree;
  for (int i = 0; i < 300; ++i)
    tree.write(fmt::format("d{}/f{:03}", i % 7, i), fmt::format("content {}\n", i));
  ScanOptions options;
  options.workers = 8;
  const ScanResult result = tree.scan(options);
  REQUIRE(result.files.size() == 300);
  for (std::size_t i = 1; i < result.files.size(); ++i)
    CHECK(result.files[i - 1].path < result.files[i].path);
  for (const auto& file : result.files) {
    const int n = std::stoi(file.path.substr(file.path.find('f') + 1));
    CHECK(file.sha256 == sha256_of(fmt::format("content {}\n", n)));
  }
}

TEST_CASE("pca ignore: globs with *, ** and ?, names at any depth, anchored paths") {
  CHECK(excludes("*.log", "app.log"));
  CHECK(excludes("*.log", "var/log/app.log"));  // a name glob matches at any depth
  CHECK_FALSE(excludes("*.log", "app.log.1"));
  CHECK(excludes("app.?", "x/app.1"));
  CHECK_FALSE(excludes("app.?", "app.10"));
  CHECK(excludes("conf/*.ini", "conf/a.ini"));
  CHECK(excludes("/conf/*.ini", "conf/a.ini"));         // a leading '/' changes nothing
  CHECK_FALSE(excludes("conf/*.ini", "conf/x/a.ini"));  // '*' stays within a component
  CHECK_FALSE(excludes("conf/*.ini", "x/conf/a.ini"));  // a path glob is anchored
  CHECK(excludes("conf/**/*.ini", "conf/a.ini"));       // '**/' may match no directory
  CHECK(excludes("conf/**/*.ini", "conf/x/y/a.ini"));
  CHECK(excludes("cache/**", "cache/a/b"));
  CHECK_FALSE(excludes("cache/**", "cachex/a"));
  CHECK(excludes("a+b(1).txt", "a+b(1).txt"));  // regex characters are literal in globs
  CHECK_FALSE(excludes("a.txt", "abtxt"));
}

TEST_CASE("pca ignore: a trailing '/' matches directories only; comments and blank lines") {
  CHECK(excludes("logs/", "logs", true));
  CHECK(excludes("logs/", "srv/logs", true));
  CHECK_FALSE(excludes("logs/", "logs", false));
  IgnoreRules rules;
  REQUIRE(rules.add("# a comment\n\n   \n  *.tmp  \r\n#*.log\n", "f").ok());
  CHECK(rules.size() == 1);
  CHECK(rules.excludes("x.tmp", false));
  CHECK_FALSE(rules.excludes("x.log", false));
}

TEST_CASE("pca ignore: !REGEX matches the /-rooted path from its start, unlike a glob") {
  CHECK(excludes("!/logs/.*", "logs/app.log"));
  CHECK_FALSE(excludes("!/logs/.*", "logs", true));  // the directory itself is not matched
  CHECK_FALSE(excludes("!/logs/.*", "srv/logs/app.log"));
  CHECK(excludes("!/tmp", "tmpfile"));               // from the start, not to the end
  CHECK(excludes("!.*\\.bak$", "a/b/c.bak"));        // a regex may match anywhere through .*
  CHECK_FALSE(excludes("!\\.bak$", "a/b/c.bak"));    // but is anchored at the start
  CHECK_FALSE(excludes("logs/.*", "logs/app.log"));  // without '!' it is a glob: '.' literal

  IgnoreRules rules;
  const Status bad = rules.add("ok.txt\n!([unclosed\n", "my.ignore");
  CHECK(bad.code() == Code::invalid);
  CHECK(bad.message().find("my.ignore line 2") != std::string::npos);
  CHECK(IgnoreRules().add("!\n", "f").code() == Code::invalid);
  CHECK(IgnoreRules().add("/\n", "f").code() == Code::invalid);
}

TEST_CASE("pca scan: only the --ignore file is obeyed; ignored files are listed") {
  Tree tree;
  tree.write("bin/app", "app");
  tree.write("logs/a.log", "1");
  tree.write("logs/sub/b.log", "2");
  tree.write("run/app.pid", "3");
  tree.write("cache/x/y", "4");
  tree.write("keep.bak", "5");
  testing::TempDir elsewhere;
  const std::string ignore_file = elsewhere.file("pca.ignore");
  std::ofstream(ignore_file) << "# host-local files\n*.pid\ncache/\n!/logs/.*\n";

  ScanOptions options;
  options.ignore_file = ignore_file;
  const ScanResult result = tree.scan(options);
  CHECK(paths_of(result) == std::vector<std::string>{"bin/app", "keep.bak"});
  CHECK(result.ignored ==
        std::vector<std::string>{"cache/x/y", "logs/a.log", "logs/sub/b.log", "run/app.pid"});
  CHECK_FALSE(result.untrusted_ignore_file);

  // Without the --ignore file every file is sent.
  const ScanResult none = tree.scan();
  CHECK(paths_of(none) == std::vector<std::string>{"bin/app", "cache/x/y", "keep.bak", "logs/a.log",
                                                   "logs/sub/b.log", "run/app.pid"});
  CHECK(none.ignored.empty());

  options.ignore_file = elsewhere.file("absent.ignore");
  auto absent = scan_directory(tree.dir.str(), options);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.status().code() == Code::not_found);
}

TEST_CASE("pca scan: a .tollgateignore in the scanned tree is scanned and sent, never obeyed") {
  Tree tree;
  tree.write("bin/app", "app");
  tree.write("implant/backdoor", "evil");
  tree.write(".tollgateignore", "implant/\n!/bin/.*\n");
  tree.write("sub/.tollgateignore", "*\n");

  const ScanResult result = tree.scan();
  CHECK(paths_of(result) == std::vector<std::string>{".tollgateignore", "bin/app",
                                                     "implant/backdoor", "sub/.tollgateignore"});
  CHECK(result.ignored.empty());
  CHECK(result.untrusted_ignore_file);
  REQUIRE(result.files.size() == 4);
  CHECK(result.files[0].sha256 == sha256_of("implant/\n!/bin/.*\n"));

  // The auditor may still exclude it, or name it: patterns from --ignore are the auditor's own.
  testing::TempDir elsewhere;
  std::ofstream(elsewhere.file("pca.ignore")) << "/.tollgateignore\n";
  ScanOptions options;
  options.ignore_file = elsewhere.file("pca.ignore");
  const ScanResult excluded = tree.scan(options);
  CHECK(excluded.ignored == std::vector<std::string>{".tollgateignore"});
  CHECK(excluded.untrusted_ignore_file);
  options.ignore_file = tree.dir.file(".tollgateignore");
  const ScanResult named = tree.scan(options);
  CHECK(named.ignored == std::vector<std::string>{"bin/app", "implant/backdoor"});

  const std::string notice = untrusted_ignore_file_notice("/srv/app");
  CHECK(notice.starts_with("tollgate: warning: /srv/app/.tollgateignore is not obeyed"));
  CHECK(notice.find("--ignore FILE") != std::string::npos);
}

TEST_CASE("pca ignore: a pathological pattern against a long name completes and answers") {
  const std::string long_name(50000, 'a');
  CHECK_FALSE(excludes("a*a*a*a*a*a*a*a*b", long_name));
  CHECK(excludes("a*a*a*a*a*a*a*a*b", "x/" + long_name + "b"));
  CHECK_FALSE(excludes("!/(a|aa)*c", long_name));
  CHECK_FALSE(excludes("!/(a*)*b$", long_name));
  CHECK(excludes("!/(a*)*", long_name));
}

TEST_CASE("pca scan: symlinks are not followed but reported; fifos are skipped") {
  Tree tree;
  tree.write("real/file", "bytes");
  fs::create_symlink("real/file", tree.dir.path() / "link-to-file");
  fs::create_directory_symlink(tree.dir.path() / "real", tree.dir.path() / "link-to-dir");
  REQUIRE(mkfifo((tree.dir.path() / "pipe").c_str(), 0600) == 0);
  const ScanResult result = tree.scan();
  CHECK(paths_of(result) == std::vector<std::string>{"real/file"});
  REQUIRE(result.skipped.size() == 3);
  CHECK(result.skipped[0].path == "link-to-dir");
  CHECK(result.skipped[0].kind == "symlink");
  CHECK(result.skipped[1].path == "link-to-file");
  CHECK(result.skipped[1].target == "real/file");
  CHECK(result.skipped[2].path == "pipe");
  CHECK(result.skipped[2].kind == "fifo");
}

TEST_CASE("pca scan: a file that cannot be read stops the scan with a clear error") {
  Tree tree;
  tree.write("good", "g");
  tree.write("secret/key", "k");
  SUBCASE("a read failure from the hasher") {
    ScanOptions options;
    options.workers = 2;
    options.hasher = [](const std::string& path) -> Result<client::FileDigest> {
      if (path.ends_with("secret/key"))
        return io_error("cannot open " + path + ": Permission denied");
      return client::sha256_file(path);
    };
    auto result = scan_directory(tree.dir.str(), options);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == Code::io);
    CHECK(result.status().message().find("secret/key: Permission denied") != std::string::npos);
    CHECK(result.status().message().starts_with("scanning " + tree.dir.str()));
  }
  SUBCASE("a file without read permission (where permissions bind: not as root)") {
    fs::permissions(tree.dir.path() / "secret/key", fs::perms::none);
    auto result = scan_directory(tree.dir.str(), {});
    if (geteuid() != 0) {
      REQUIRE_FALSE(result.ok());
      CHECK(result.status().message().find("secret/key") != std::string::npos);
    } else {
      CHECK(result.ok());  // root reads it anyway
    }
    fs::permissions(tree.dir.path() / "secret/key", fs::perms::owner_all);
  }
}

TEST_CASE("pca cli: inventory lines, the request target, the report and --json") {
  const ScannedFile file{"bin/my app", std::string(64, 'a'), 12};
  CHECK(inventory_line(file) ==
        R"({"path":"bin/my app","sha256":")" + std::string(64, 'a') + R"(","size":12})" + "\n");
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  REQUIRE(write_inventory(out, {file, file}).ok());
  CHECK(std::ftell(out) == static_cast<long>(2 * inventory_line(file).size()));
  std::fclose(out);

  PcaOptions options;
  options.environment = "SIT";
  options.host = "web-1.example";
  CHECK(pca_target(options) == "/api/v1/audits/pca?environment=SIT&host=web-1.example");
  options.list_ok = true;
  CHECK(pca_target(options).ends_with("&list_ok=true"));

  const json::object record = json::parse(R"({
    "id": "audit-3", "kind": "pca", "environment": "SIT", "host": "web-1", "manifest_version": 2,
    "passed": false, "summary": {"files": 3, "ok": 1, "missing": 1, "modified": 1, "unexpected": 1},
    "findings": [
      {"status": "missing", "path": "lib/x.so", "ci": "ledger", "version": "1.0", "file": "x.so",
       "expected": {"sha256": "11", "size": 5}},
      {"status": "modified", "path": "bin/app", "ci": "payments", "version": "2.3",
       "file": "app", "expected": {"sha256": "aa", "size": 3}, "actual": {"sha256": "bb", "size": 4}},
      {"status": "unexpected", "path": "tmp/x", "actual": {"sha256": "cc", "size": 1}}]})")
                                  .as_object();
  ScanResult scan;
  scan.ignored = {"run/app.pid"};
  scan.skipped = {{"current", "symlink", "releases/2.3"}};
  const std::string report = format_pca_report(record, scan);
  CHECK(report.find("PCA audit-3 of host web-1 in SIT (manifest version 2): DRIFT") == 0);
  CHECK(report.find("missing     lib/x.so  (ledger 1.0 x.so, sha256:11 (5 B))") !=
        std::string::npos);
  CHECK(report.find("modified    bin/app  expected sha256:aa (3 B)  actual sha256:bb (4 B)\n") !=
        std::string::npos);
  CHECK(report.find("unexpected  tmp/x") != std::string::npos);
  CHECK(report.find("skipped     current -> releases/2.3") != std::string::npos);
  CHECK(report.find("summary: 3 files sent: 1 ok, 1 modified, 1 unexpected; 1 missing; 1 "
                    "ignored, 1 skipped") != std::string::npos);

  const json::object printed = pca_json(record, scan);
  CHECK(printed.at("ignored").as_array().size() == 1);
  CHECK(printed.at("skipped").at(0).at("target").as_string() == "releases/2.3");
  CHECK(printed.at("id").as_string() == "audit-3");
}

}  // namespace tollgate::cli
