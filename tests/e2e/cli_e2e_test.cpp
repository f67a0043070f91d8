// The `tollgate` command-line client against a real tollgated over HTTPS: push and fetch with
// digest verification, checksum deploys, resumable sessions, a tampered blob refused, ls,
// --json output, configuration sources, and how errors are reported.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

#ifndef TOLLGATE_CLI_PATH
#error "TOLLGATE_CLI_PATH must name the tollgate binary"
#endif

using namespace tollgate;
using tollgate::client::HttpClient;
using tollgate::e2e::contains;
using tollgate::e2e::mint_token;
using tollgate::e2e::must;
using tollgate::e2e::read_file;
using tollgate::e2e::ServerProcess;
using tollgate::e2e::sha256_of;
using tollgate::e2e::write_file;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

json::value parse_json(const std::string& text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  REQUIRE_MESSAGE(!ec, text);
  return value;
}

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(generator());
  return bytes;
}

// Requests in the server's access log (one JSON object per line) with `method` and a target
// starting with `target`, and when `status` is not 0, that status.
int count_requests(const ServerProcess& server, std::string_view method, std::string_view target,
                   unsigned status = 0) {
  std::istringstream lines(server.log());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("{\"time\"")) continue;
    boost::system::error_code ec;
    const json::value entry = json::parse(line, ec);
    if (ec || !entry.is_object()) continue;
    const auto& object = entry.get_object();
    if (object.at("method").as_string() != method) continue;
    if (!std::string_view(object.at("target").as_string()).starts_with(target)) continue;
    if (status != 0 && object.at("status").to_number<unsigned>() != status) continue;
    ++count;
  }
  return count;
}

// count_requests once it reaches `expected`, or after 5 s: the server may write its access log
// line just after the client has its answer.
int requests_logged(const ServerProcess& server, int expected, std::string_view method,
                    std::string_view target, unsigned status = 0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int count = count_requests(server, method, target, status);
  while (count != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    count = count_requests(server, method, target, status);
  }
  return count;
}

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the tollgate binary with exactly `env` as its environment, in directory `cwd`, its
// standard output and error captured through files in `scratch`.
CliRun run_tollgate(const std::vector<std::string>& args, const std::vector<std::string>& env,
                    const std::string& cwd, const std::string& scratch) {
  static int run_number = 0;
  const std::string out_path = fmt::format("{}/run{}.out", scratch, ++run_number);
  const std::string err_path = fmt::format("{}/run{}.err", scratch, run_number);
  std::vector<std::string> argv_strings = {TOLLGATE_CLI_PATH};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = env;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0 || chdir(cwd.c_str()) != 0 || dup2(in, 0) < 0 ||
        dup2(out, 1) < 0 || dup2(err, 2) < 0) {
      _exit(126);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  return run;
}

const char* kServiceType = R"({"name":"service","attributes":[
  {"name":"port","type":"int","required":true}]})";

struct Fixture {
  tollgate::testing::TempDir work{"tollgate-cli-e2e-"};
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};
  std::string agent_token;

  Fixture() : server({"--config", server_config(work)}) {
    fs::create_directories(work.path() / "home");
    fs::create_directories(work.path() / "out");
    fs::create_directories(work.path() / "scratch");
    const Status started = server.start();
    REQUIRE_MESSAGE(started.ok(), started.to_string());
    admin = server.admin_client();
    REQUIRE(must(admin.request("POST", "/api/v1/ci-types", kServiceType)).status == 201);
    for (const char* id : {"payments-api", "ledger"}) {
      const auto created = must(admin.request(
          "POST", "/api/v1/cis",
          fmt::format(R"({{"id":"{}","type":"service","name":"{}","attributes":{{"port":1}}}})", id,
                      id)));
      REQUIRE_MESSAGE(created.status == 201, created.body);
    }
    agent_token = token("agent", "build_agent");
  }

  // The shipped defaults, but no background scrubbing: the tamper test wants the client, not
  // the scrubber, to find the damage.
  static std::string server_config(const tollgate::testing::TempDir& dir) {
    const std::string path = dir.file("tollgate.toml");
    write_file(path, "[integrity]\nscrub_rate_mb = 0\n");
    return path;
  }

  // A token of user `name` (created if need be) with exactly `role`.
  std::string token(const std::string& name, const std::string& role) {
    return mint_token(admin, name, role);
  }

  std::string url() const { return fmt::format("https://127.0.0.1:{}", server.port()); }
  std::string path(const std::string& name) const { return work.file(name); }
  std::string out_dir() const { return work.file("out"); }

  // An environment with an empty HOME (so no personal config file) plus `extra`.
  std::vector<std::string> environment(std::vector<std::string> extra = {}) const {
    extra.push_back("HOME=" + work.file("home"));
    extra.emplace_back("PATH=/usr/bin:/bin");
    return extra;
  }

  // tollgate with --server, --ca and the build agent's --token, run in the out/ directory.
  CliRun cli(const std::vector<std::string>& args, const std::string& token_to_use = {}) const {
    std::vector<std::string> all = {"--server", url(),
                                    "--ca",     server.ca_file(),
                                    "--token",  token_to_use.empty() ? agent_token : token_to_use};
    all.insert(all.end(), args.begin(), args.end());
    return run_tollgate(all, environment(), out_dir(), work.file("scratch"));
  }

  CliRun run(const std::vector<std::string>& args, const std::vector<std::string>& env) const {
    return run_tollgate(args, environment(env), out_dir(), work.file("scratch"));
  }

  std::string make_file(const std::string& name, std::size_t size, unsigned seed) const {
    const std::string file = path(name);
    write_file(file, random_bytes(size, seed));
    return file;
  }

  std::string blob_path(const std::string& hex) const {
    return fmt::format("{}/blobs/sha256/{}/{}/{}", server.data_dir(), hex.substr(0, 2),
                       hex.substr(2, 2), hex);
  }
};

}  // namespace

TEST_CASE("tollgate push then fetch: the bytes come back verified") {
  Fixture f;
  const std::string file = f.make_file("app.bin", 200 * 1024 + 3, 1);
  const std::string hex = sha256_of(read_file(file));

  const CliRun pushed =
      f.cli({"push", file, "--ci", "payments-api", "--version", "1.0.0", "--media-type",
             "application/x-test", "--source-commit", "abc123", "--builder", "ci-runner-7"});
  INFO(pushed.err);
  REQUIRE(pushed.exit_code == 0);
  CHECK(pushed.out ==
        fmt::format("payments-api/1.0.0/app.bin: created (200.0 KiB, sha256:{})\n", hex));
  CHECK(pushed.err.empty());  // no progress bar when standard error is no terminal

  // The server recorded what was pushed.
  const auto record = must(f.admin.request("GET", "/api/v1/artifacts/payments-api/1.0.0"));
  REQUIRE(record.status == 200);
  const json::value list = parse_json(record.body);
  const json::value& item = list.at("items").at(0);
  CHECK(item.at("sha256").as_string() == hex);
  CHECK(item.at("media_type").as_string() == "application/x-test");
  CHECK(item.at("build").at("source_commit").as_string() == "abc123");
  CHECK(item.at("build").at("builder").as_string() == "ci-runner-7");

  SUBCASE("into ./FILE by default") {
    const CliRun fetched = f.cli({"fetch", "payments-api/1.0.0/app.bin"});
    INFO(fetched.err);
    REQUIRE(fetched.exit_code == 0);
    CHECK(read_file(f.out_dir() + "/app.bin") == read_file(file));
    CHECK(contains(fetched.out, "sha256:" + hex + " verified"));
  }
  SUBCASE("into -o FILE, replacing what was there") {
    write_file(f.path("copy.bin"), "old");
    const CliRun fetched = f.cli({"fetch", "payments-api/1.0.0/app.bin", "-o", f.path("copy.bin")});
    REQUIRE(fetched.exit_code == 0);
    CHECK(read_file(f.path("copy.bin")) == read_file(file));
  }
  SUBCASE("into -o DIRECTORY") {
    fs::create_directories(f.path("dir"));
    const CliRun fetched = f.cli({"fetch", "payments-api/1.0.0/app.bin", "-o", f.path("dir")});
    REQUIRE(fetched.exit_code == 0);
    CHECK(read_file(f.path("dir/app.bin")) == read_file(file));
  }
  // No temporary file is left behind in any case.
  for (const auto& entry : fs::directory_iterator(f.out_dir())) {
    CHECK_FALSE(entry.path().filename().string().starts_with("."));
  }
}

TEST_CASE("tollgate push twice: already there; the same bytes elsewhere: deployed by checksum") {
  Fixture f;
  const std::string file = f.make_file("lib.so", 4096, 2);
  const std::string hex = sha256_of(read_file(file));
  const std::vector<std::string> push = {"push", file, "--ci", "payments-api", "--version", "2.0"};
  REQUIRE(f.cli(push).exit_code == 0);

  const CliRun again = f.cli(push);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out ==
        fmt::format("payments-api/2.0/lib.so: already there (4.0 KiB, sha256:{})\n", hex));

  const CliRun elsewhere = f.cli({"push", file, "--ci", "ledger", "--version", "7"});
  REQUIRE(elsewhere.exit_code == 0);
  CHECK(elsewhere.out ==
        fmt::format("ledger/7/lib.so: deployed by checksum (4.0 KiB, sha256:{})\n", hex));
  // Bytes went once: the first push's checksum deploy (404) and PUT (201), then one checksum
  // deploy for each later push.
  CHECK(requests_logged(f.server, 3, "PUT", "/api/v1/artifacts/payments-api/2.0/lib.so") == 3);
  CHECK(requests_logged(f.server, 1, "PUT", "/api/v1/artifacts/payments-api/2.0/lib.so", 404) == 1);
  CHECK(requests_logged(f.server, 1, "PUT", "/api/v1/artifacts/ledger/7/lib.so") == 1);
}

TEST_CASE("tollgate push above the threshold goes through an upload session") {
  Fixture f;
  const std::string file = f.make_file("image.iso", 3 * 1024 * 1024 + 12345, 3);
  const std::string bytes = read_file(file);
  const CliRun pushed =
      f.cli({"push", file, "--ci", "payments-api", "--version", "3.1", "--resumable-threshold-mb",
             "1", "--chunk-size-mb", "1", "--media-type", "application/x-iso9660-image"});
  INFO(pushed.err);
  REQUIRE(pushed.exit_code == 0);
  CHECK(contains(pushed.out,
                 "payments-api/3.1/image.iso: created (3.0 MiB, sha256:" + sha256_of(bytes) + ")"));

  // The server's access log shows the session: POST, four PATCHes, the completing PUT, after
  // a checksum deploy that found no blob; no plain PUT of the bytes.
  CHECK(requests_logged(f.server, 1, "POST", "/api/v1/uploads", 202) == 1);
  CHECK(requests_logged(f.server, 4, "PATCH", "/api/v1/uploads/", 202) == 4);
  CHECK(requests_logged(f.server, 1, "PUT", "/api/v1/uploads/", 201) == 1);
  CHECK(requests_logged(f.server, 1, "PUT", "/api/v1/artifacts/payments-api/3.1/image.iso") == 1);

  const auto head = must(f.admin.request("HEAD", "/api/v1/artifacts/payments-api/3.1/image.iso"));
  CHECK(head.status == 200);
  CHECK(head.header("x-checksum-sha256") == sha256_of(bytes));
  CHECK(head.header("content-type") == "application/x-iso9660-image");

  const CliRun fetched = f.cli({"fetch", "payments-api/3.1/image.iso"});
  REQUIRE(fetched.exit_code == 0);
  CHECK(read_file(f.out_dir() + "/image.iso") == bytes);
}

TEST_CASE("tollgate fetch refuses a tampered blob: exit 3, no file, both digests named") {
  Fixture f;
  const std::string file = f.make_file("app.tar.gz", 64 * 1024, 4);
  const std::string good = sha256_of(read_file(file));
  REQUIRE(f.cli({"push", file, "--ci", "payments-api", "--version", "1"}).exit_code == 0);

  // Other bytes of the same length, written over the stored blob behind the server's back.
  const std::string blob = f.blob_path(good);
  REQUIRE(fs::exists(blob));
  const std::string tampered = random_bytes(64 * 1024, 99);
  REQUIRE(chmod(blob.c_str(), 0644) == 0);
  write_file(blob, tampered);
  const std::string bad = sha256_of(tampered);

  const CliRun fetched = f.cli({"fetch", "payments-api/1/app.tar.gz"});
  CHECK(fetched.exit_code == 3);
  CHECK(fetched.out.empty());
  CHECK(contains(fetched.err, "tollgate: "));
  CHECK(contains(fetched.err, good));
  CHECK(contains(fetched.err, bad));
  CHECK(fs::is_empty(f.out_dir()));  // neither the file nor a temporary
}

TEST_CASE("tollgate ls: CIs, versions, files; --json passes the lists through") {
  Fixture f;
  const std::string a = f.make_file("a.bin", 1000, 5), b = f.make_file("b.bin", 2000, 6);
  REQUIRE(f.cli({"push", a, b, "--ci", "payments-api", "--version", "1.0"}).exit_code == 0);
  REQUIRE(f.cli({"push", a, "--ci", "payments-api", "--version", "1.1"}).exit_code == 0);

  const CliRun cis = f.cli({"ls"});
  REQUIRE(cis.exit_code == 0);
  CHECK(cis.out.starts_with("ID "));
  CHECK(contains(cis.out, "\npayments-api "));
  CHECK(contains(cis.out, "\nledger "));

  const CliRun versions = f.cli({"ls", "payments-api"});
  REQUIRE_MESSAGE(versions.exit_code == 0, versions.err);
  CHECK(versions.out.starts_with("VERSION "));
  CHECK(contains(versions.out, "\n1.0 "));
  CHECK(contains(versions.out, "\n1.1 "));

  const CliRun files = f.cli({"ls", "payments-api/1.0"});
  REQUIRE(files.exit_code == 0);
  CHECK(files.out.starts_with("FILE "));
  CHECK(contains(files.out, "\na.bin "));
  CHECK(contains(files.out, "\nb.bin "));
  CHECK(contains(files.out, sha256_of(read_file(b))));

  const CliRun listed = f.cli({"--json", "ls", "payments-api/1.0"});
  REQUIRE(listed.exit_code == 0);
  const json::value list = parse_json(listed.out);
  CHECK(list.at("items").as_array().size() == 2);
  CHECK(list.at("version").as_string() == "1.0");
  const CliRun version_list = f.cli({"ls", "payments-api", "--json"});
  REQUIRE(version_list.exit_code == 0);
  CHECK(parse_json(version_list.out).at("items").as_array().size() == 2);

  const CliRun unknown = f.cli({"ls", "nope"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.starts_with("tollgate: "));
}

TEST_CASE("tollgate --json: push prints the records with their outcome, fetch a summary") {
  Fixture f;
  const std::string a = f.make_file("a.bin", 10, 7), b = f.make_file("b.bin", 20, 8);
  REQUIRE(f.cli({"push", a, "--ci", "payments-api", "--version", "1"}).exit_code == 0);
  const CliRun pushed = f.cli({"push", "--json", a, b, "--ci", "payments-api", "--version", "1"});
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.err);
  const json::value records = parse_json(pushed.out);
  REQUIRE(records.as_array().size() == 2);
  CHECK(records.at(0).at("file").as_string() == "a.bin");
  CHECK(records.at(0).at("outcome").as_string() == "already_there");
  CHECK(records.at(1).at("file").as_string() == "b.bin");
  CHECK(records.at(1).at("outcome").as_string() == "created");
  CHECK(records.at(1).at("sha256").as_string() == sha256_of(read_file(b)));
  CHECK(records.at(1).at("size").to_number<std::uint64_t>() == 20);

  const CliRun fetched = f.cli({"--json", "fetch", "payments-api/1/b.bin"});
  REQUIRE(fetched.exit_code == 0);
  const json::value summary = parse_json(fetched.out);
  CHECK(summary.at("sha256").as_string() == sha256_of(read_file(b)));
  CHECK(summary.at("size").to_number<std::uint64_t>() == 20);
}

TEST_CASE("tollgate takes its settings from the environment and the config file") {
  Fixture f;
  const std::string file = f.make_file("x.bin", 100, 9);
  SUBCASE("environment") {
    const CliRun pushed = f.run({"push", file, "--ci", "ledger", "--version", "1"},
                                {"TOLLGATE_SERVER=" + f.url(), "TOLLGATE_TOKEN=" + f.agent_token,
                                 "TOLLGATE_CA=" + f.server.ca_file()});
    CHECK_MESSAGE(pushed.exit_code == 0, pushed.err);
  }
  SUBCASE("XDG config file, the environment winning over it") {
    fs::create_directories(f.path("xdg/tollgate"));
    write_file(f.path("xdg/tollgate/config.toml"),
               fmt::format("server = \"{}\"\ntoken = \"{}\"\nca = \"{}\"\n", f.url(), "wrong",
                           f.server.ca_file()));
    const CliRun refused = f.run({"push", file, "--ci", "ledger", "--version", "1"},
                                 {"XDG_CONFIG_HOME=" + f.path("xdg")});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.starts_with("tollgate: Authentication required: "));
    const CliRun pushed =
        f.run({"push", file, "--ci", "ledger", "--version", "1"},
              {"XDG_CONFIG_HOME=" + f.path("xdg"), "TOLLGATE_TOKEN=" + f.agent_token});
    CHECK_MESSAGE(pushed.exit_code == 0, pushed.err);
  }
  SUBCASE("--config FILE with an unknown key is refused") {
    write_file(f.path("bad.toml"), "server = \"https://x\"\nusername = \"me\"\n");
    const CliRun refused = f.run({"--config", f.path("bad.toml"), "ls"}, {});
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "unknown key 'username'"));
  }
}

TEST_CASE("tollgate reports server problems as 'tollgate: <title>: <detail>'") {
  Fixture f;
  const std::string file = f.make_file("x.bin", 100, 10);
  SUBCASE("unknown CI") {
    const CliRun pushed = f.cli({"push", file, "--ci", "no-such-ci", "--version", "1"});
    CHECK(pushed.exit_code == 1);
    CHECK(pushed.err.starts_with("tollgate: Not found: "));
  }
  SUBCASE("a viewer may not push") {
    const CliRun pushed =
        f.cli({"push", file, "--ci", "ledger", "--version", "1"}, f.token("v", "viewer"));
    CHECK(pushed.exit_code == 1);
    CHECK(pushed.err.starts_with("tollgate: Forbidden: "));
  }
  SUBCASE("fetching what is not there leaves no file") {
    const CliRun fetched = f.cli({"fetch", "ledger/1/none.bin"});
    CHECK(fetched.exit_code == 1);
    CHECK(fetched.err.starts_with("tollgate: Not found: "));
    CHECK(fs::is_empty(f.out_dir()));
  }
  SUBCASE("another file at a taken coordinate") {
    REQUIRE(f.cli({"push", file, "--ci", "ledger", "--version", "1"}).exit_code == 0);
    write_file(file, "other bytes");
    const CliRun pushed = f.cli({"push", file, "--ci", "ledger", "--version", "1"});
    CHECK(pushed.exit_code == 1);
    CHECK(pushed.err.starts_with("tollgate: Conflict: "));
  }
  SUBCASE("usage errors exit 2") {
    CHECK(f.cli({"push", file, "--version", "1"}).exit_code == 2);
    CHECK(f.cli({"fetch"}).exit_code == 2);
    CHECK(f.cli({"fetch", "not-a-coordinate"}).exit_code == 1);
  }
  SUBCASE("an untrusted certificate") {
    const CliRun refused = f.run({"--server", f.url(), "--token", f.agent_token, "ls"}, {});
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "certificate"));
  }
}
