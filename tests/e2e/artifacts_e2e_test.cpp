// The artifact vault over real HTTPS against a real tollgated: uploads verified by SHA-256,
// downloads with ranges and conditional requests, deploy by checksum, every kind of bad input
// (answered with a problem and keeping nothing), resumable uploads across a restart, flat
// memory for large artifacts, and a kill -9 in the middle of 50 concurrent uploads.
#include <doctest/doctest.h>

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/server_process.hpp"

namespace tollgate::e2e {
namespace {

using client::HttpClient;
namespace fs = std::filesystem;
using Headers = std::vector<std::pair<std::string, std::string>>;

std::string random_bytes_of(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t v = rng();
    for (std::size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(v >> (8 * j));
  }
  return out;
}

Headers upload_headers(const std::string& digest) {
  return {{"X-Checksum-Sha256", digest}, {"Content-Type", "application/octet-stream"}};
}

// Regular files under the blob store's content directory.
std::size_t blob_files(const std::string& data_dir) {
  std::size_t n = 0;
  const fs::path root = fs::path(data_dir) / "blobs" / "sha256";
  if (!fs::exists(root)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file()) ++n;
  return n;
}

// Peak resident memory of a process, in KiB (VmHWM).
std::size_t peak_rss_kib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6));
  return 0;
}

struct Fixture {
  ServerProcess server;
  HttpClient admin{client::ClientOptions{}};
  explicit Fixture(std::vector<std::string> args = {"--config",
                                                    TOLLGATE_SOURCE_DIR "/conf/tollgate.toml"})
      : server(std::move(args)) {
    Status st = server.start();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    admin = server.admin_client();
    REQUIRE(
        must(admin.request("POST", "/api/v1/ci-types", R"({"name":"component","attributes":[]})"))
            .status == 201);
    for (const char* id : {"payments-api", "web"})
      REQUIRE(must(admin.request(
                       "POST", "/api/v1/cis",
                       fmt::format(R"({{"id":"{}","type":"component","name":"{}"}})", id, id)))
                  .status == 201);
  }
  std::string token(const std::string& name, const std::string& role) {
    return mint_token(admin, name, role);
  }
};

}  // namespace

TEST_CASE("artifacts: upload, download, ranges, conditional requests, listings") {
  Fixture f;
  HttpClient agent = f.server.client(f.token("ci-bot", "build_agent"));
  const std::string bytes = random_bytes_of(3 * 1024 * 1024 + 17, 1);
  const std::string digest = sha256_of(bytes);
  const std::string path = "/api/v1/artifacts/payments-api/1.4.2/payments-api.tar.gz";

  Headers headers = upload_headers(digest);
  headers.emplace_back("X-Tollgate-Source-Commit", "9f3c2e1");
  headers.emplace_back("X-Tollgate-Builder", "jenkins-42");
  headers.emplace_back("X-Tollgate-Build-Url", "https://ci.example/job/42");
  auto put = must(agent.request("PUT", path, bytes, headers));
  REQUIRE_MESSAGE(put.status == 201, put.body);
  CHECK(put.header("location") == path);
  auto record = body_of(put);
  CHECK(record.at("sha256").as_string() == digest);
  CHECK(record.at("size").as_int64() == static_cast<std::int64_t>(bytes.size()));
  CHECK(record.at("media_type").as_string() == "application/octet-stream");
  CHECK(record.at("created_by").as_string() == "ci-bot");
  CHECK(record.at("build").at("source_commit").as_string() == "9f3c2e1");
  CHECK(record.at("build").at("builder").as_string() == "jenkins-42");
  CHECK(record.at("build").at("build_url").as_string() == "https://ci.example/job/42");

  auto got = must(agent.request("GET", path));
  REQUIRE(got.status == 200);
  CHECK(got.body == bytes);
  CHECK(got.header("etag") == "\"sha256:" + digest + "\"");
  CHECK(got.header("x-checksum-sha256") == digest);
  CHECK(got.header("content-length") == std::to_string(bytes.size()));
  CHECK(got.header("accept-ranges") == "bytes");
  CHECK_FALSE(got.header("last-modified").empty());

  auto head = must(agent.request("HEAD", path));
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("content-length") == std::to_string(bytes.size()));
  CHECK(head.header("x-checksum-sha256") == digest);

  auto not_modified =
      must(agent.request("GET", path, "", {{"If-None-Match", "\"sha256:" + digest + "\""}}));
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(must(agent.request("GET", path, "", {{"If-None-Match", "\"sha256:0000\""}})).status == 200);

  auto middle = must(agent.request("GET", path, "", {{"Range", "bytes=1000-1999"}}));
  CHECK(middle.status == 206);
  CHECK(middle.body == bytes.substr(1000, 1000));
  CHECK(middle.header("content-range") == fmt::format("bytes 1000-1999/{}", bytes.size()));
  auto tail = must(agent.request("GET", path, "", {{"Range", "bytes=-10"}}));
  CHECK(tail.status == 206);
  CHECK(tail.body == bytes.substr(bytes.size() - 10));
  auto open_ended = must(agent.request("GET", path, "", {{"Range", "bytes=3145728-"}}));
  CHECK(open_ended.status == 206);
  CHECK(open_ended.body == bytes.substr(3145728));
  auto beyond =
      must(agent.request("GET", path, "", {{"Range", fmt::format("bytes={}-", bytes.size())}}));
  check_problem(beyond, 416, "range-not-satisfiable");
  CHECK(beyond.header("content-range") == fmt::format("bytes */{}", bytes.size()));
  CHECK(must(agent.request("GET", path, "", {{"Range", "bytes=5-1"}})).status == 200);

  auto blob = must(agent.request("GET", "/api/v1/blobs/sha256:" + digest));
  CHECK(blob.status == 200);
  CHECK(blob.body == bytes);
  check_problem(must(agent.request("GET", "/api/v1/blobs/sha256:" + std::string(64, 'a'))), 404,
                "not-found");
  check_problem(must(agent.request("GET", "/api/v1/blobs/" + digest)), 400, "invalid-digest");

  // A second file and a second version, then the listings.
  const std::string small = "checksums\n";
  REQUIRE(must(agent.request("PUT", "/api/v1/artifacts/payments-api/1.4.2/SHA256SUMS", small,
                             upload_headers(sha256_of(small))))
              .status == 201);
  REQUIRE(must(agent.request("PUT", "/api/v1/artifacts/payments-api/1.5.0/payments-api.tar.gz",
                             small, upload_headers(sha256_of(small))))
              .status == 201);
  auto versions = body_of(must(agent.request("GET", "/api/v1/artifacts/payments-api")));
  auto& items = versions.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("version").as_string() == "1.4.2");
  CHECK(items[0].at("files").as_int64() == 2);
  CHECK(items[0].at("size").as_int64() == static_cast<std::int64_t>(bytes.size() + small.size()));
  CHECK(items[1].at("version").as_string() == "1.5.0");
  auto page = body_of(must(agent.request("GET", "/api/v1/artifacts/payments-api?limit=1")));
  REQUIRE(page.at("items").as_array().size() == 1);
  auto next = body_of(
      must(agent.request("GET", fmt::format("/api/v1/artifacts/payments-api?limit=1&cursor={}",
                                            std::string(page.at("next_cursor").as_string())))));
  CHECK(next.at("items").as_array()[0].at("version").as_string() == "1.5.0");
  auto files = body_of(must(agent.request("GET", "/api/v1/artifacts/payments-api/1.4.2")));
  REQUIRE(files.at("items").as_array().size() == 2);
  CHECK(files.at("items").as_array()[0].at("file").as_string() == "SHA256SUMS");
  CHECK(files.at("items").as_array()[1].at("sha256").as_string() == digest);
  check_problem(must(agent.request("GET", "/api/v1/artifacts/payments-api/9.9")), 404, "not-found");
  check_problem(must(agent.request("GET", "/api/v1/artifacts/nope")), 404, "not-found");
}

TEST_CASE("artifacts: bad uploads are refused with a problem and keep nothing") {
  Fixture f;
  HttpClient agent = f.server.client(f.token("ci-bot", "build_agent"));
  const std::string bytes = random_bytes_of(200'000, 2);
  const std::string digest = sha256_of(bytes);
  const std::string other = sha256_of("other bytes");
  const std::string path = "/api/v1/artifacts/payments-api/2.0.0/app.jar";
  REQUIRE(must(agent.request("PUT", path, bytes, upload_headers(digest))).status == 201);
  const std::size_t blobs_before = blob_files(f.server.data_dir());
  const std::string listing_before =
      must(agent.request("GET", "/api/v1/artifacts/payments-api")).body;

  SUBCASE("a digest that does not match the bytes: 400 naming both, nothing kept") {
    auto r = must(agent.request("PUT", "/api/v1/artifacts/payments-api/2.0.0/other.jar", bytes,
                                upload_headers(other)));
    check_problem(r, 400, "digest-mismatch");
    CHECK(body_of(r).at("declared").as_string() == "sha256:" + other);
    CHECK(body_of(r).at("actual").as_string() == "sha256:" + digest);
    CHECK(must(agent.request("GET", "/api/v1/artifacts/payments-api/2.0.0/other.jar")).status ==
          404);
  }
  SUBCASE("no X-Checksum-Sha256: 428") {
    check_problem(must(agent.request("PUT", "/api/v1/artifacts/payments-api/2.0.0/x.jar", bytes,
                                     {{"Content-Type", "application/octet-stream"}})),
                  428, "precondition-required");
  }
  SUBCASE("a malformed digest: 400") {
    check_problem(must(agent.request("PUT", "/api/v1/artifacts/payments-api/2.0.0/x.jar", bytes,
                                     upload_headers("sha256:xyz"))),
                  400, "invalid-digest");
  }
  SUBCASE("other bytes at a taken coordinate: 409 naming both digests") {
    const std::string changed = bytes + "!";
    auto r = must(agent.request("PUT", path, changed, upload_headers(sha256_of(changed))));
    check_problem(r, 409, "conflict");
    CHECK(body_of(r).at("existing").as_string() == "sha256:" + digest);
    CHECK(body_of(r).at("declared").as_string() == "sha256:" + sha256_of(changed));
    CHECK(must(agent.request("GET", path)).body == bytes);
  }
  SUBCASE("the same bytes again: 200, idempotent; a lie about them is still caught") {
    auto again = must(agent.request("PUT", path, bytes, upload_headers(digest)));
    CHECK(again.status == 200);
    CHECK(body_of(again).at("sha256").as_string() == digest);
    std::string tampered = bytes;
    tampered[100] ^= 1;
    check_problem(must(agent.request("PUT", path, tampered, upload_headers(digest))), 400,
                  "digest-mismatch");
  }
  SUBCASE("an unknown CI: 404") {
    check_problem(must(agent.request("PUT", "/api/v1/artifacts/no-such-ci/1/x", bytes,
                                     upload_headers(digest))),
                  404, "not-found");
  }
  SUBCASE("names that try to leave their place: 400") {
    for (const char* name : {"..", "%2e%2e", "a%2Fb", "..%2F..%2Fetc%2Fpasswd", "a%5Cb",
                             "nul%00byte", "tab%09", "-rf", "%2E"}) {
      CAPTURE(name);
      check_problem(
          must(agent.request("PUT", fmt::format("/api/v1/artifacts/payments-api/2.0.0/{}", name),
                             bytes, upload_headers(digest))),
          400, "invalid-artifact-name");
      check_problem(
          must(agent.request("PUT", fmt::format("/api/v1/artifacts/payments-api/{}/f", name), bytes,
                             upload_headers(digest))),
          400, "invalid-artifact-name");
    }
    check_problem(
        must(agent.request("PUT", "/api/v1/artifacts/payments-api/2.0.0/" + std::string(256, 'a'),
                           bytes, upload_headers(digest))),
        400, "invalid-artifact-name");
  }
  SUBCASE("roles: a viewer may read but not upload; no token is 401") {
    HttpClient viewer = f.server.client(f.token("auditor-1", "viewer"));
    check_problem(must(viewer.request("PUT", "/api/v1/artifacts/payments-api/2.0.0/v.jar", bytes,
                                      upload_headers(digest))),
                  403, "forbidden-role");
    CHECK(must(viewer.request("GET", path)).status == 200);
    HttpClient anonymous = f.server.client();
    check_problem(must(anonymous.request("GET", path)), 401, "unauthorized");
  }
  CHECK(blob_files(f.server.data_dir()) == blobs_before);
  CHECK(must(agent.request("GET", "/api/v1/artifacts/payments-api")).body == listing_before);
  CHECK(must(agent.request("GET", "/api/v1/artifacts/payments-api/2.0.0")).body.find("other.jar") ==
        std::string::npos);
}

TEST_CASE("artifacts: deploy by checksum and the size limit") {
  TempDir conf("tollgate-conf-");
  const std::string config = conf.file("tollgate.toml");
  std::ofstream(config) << "[artifacts]\nmax_artifact_size_mb = 1\n";
  Fixture f({"--config", config});
  HttpClient agent = f.server.client(f.token("ci-bot", "build_agent"));
  const std::string bytes = random_bytes_of(100'000, 3);
  const std::string digest = sha256_of(bytes);

  Headers deploy = {{"X-Checksum-Sha256", digest}, {"X-Checksum-Deploy", "true"}};
  check_problem(must(agent.request("PUT", "/api/v1/artifacts/web/1.0/site.zip", "", deploy)), 404,
                "blob-unknown");
  CHECK(must(agent.request("GET", "/api/v1/artifacts/web/1.0/site.zip")).status == 404);
  REQUIRE(must(agent.request("PUT", "/api/v1/artifacts/web/1.0/site.zip", bytes,
                             upload_headers(digest)))
              .status == 201);
  auto deployed = must(agent.request("PUT", "/api/v1/artifacts/web/1.1/site.zip", "", deploy));
  CHECK_MESSAGE(deployed.status == 201, deployed.body);
  CHECK(body_of(deployed).at("size").as_int64() == 100'000);
  CHECK(must(agent.request("GET", "/api/v1/artifacts/web/1.1/site.zip")).body == bytes);
  CHECK(must(agent.request("PUT", "/api/v1/artifacts/web/1.1/site.zip", "", deploy)).status == 200);
  check_problem(must(agent.request("PUT", "/api/v1/artifacts/web/1.2/site.zip", bytes,
                                   {{"X-Checksum-Sha256", digest},
                                    {"X-Checksum-Deploy", "true"},
                                    {"Content-Type", "application/octet-stream"}})),
                400, "invalid");
  CHECK(blob_files(f.server.data_dir()) == 1);  // identical bytes are stored once

  const std::string big = random_bytes_of(1024 * 1024 + 1, 4);
  check_problem(must(agent.request("PUT", "/api/v1/artifacts/web/2.0/big.bin", big,
                                   upload_headers(sha256_of(big)))),
                413, "too-large");
  CHECK(must(agent.request("GET", "/api/v1/artifacts/web/2.0/big.bin")).status == 404);
  CHECK(blob_files(f.server.data_dir()) == 1);
}

TEST_CASE("resumable upload: chunks, a gap refused with 416, a restart in the middle") {
  Fixture f;
  HttpClient agent = f.server.client(f.token("ci-bot", "build_agent"));
  const std::string bytes = random_bytes_of(5 * 1024 * 1024 + 3, 5);
  const std::string digest = sha256_of(bytes);
  const std::size_t half = 2 * 1024 * 1024;
  const Headers octets = {{"Content-Type", "application/octet-stream"}};

  auto started = must(agent.request("POST", "/api/v1/uploads"));
  REQUIRE_MESSAGE(started.status == 202, started.body);
  const std::string location = started.header("location");
  REQUIRE(location.starts_with("/api/v1/uploads/"));
  CHECK(started.header("range") == "0-0");
  CHECK(started.header("upload-offset") == "0");

  Headers first = octets;
  first.emplace_back("Content-Range", fmt::format("0-{}", half - 1));
  auto patched = must(agent.request("PATCH", location, bytes.substr(0, half), first));
  REQUIRE_MESSAGE(patched.status == 202, patched.body);
  CHECK(patched.header("range") == fmt::format("0-{}", half - 1));

  Headers gap = octets;
  gap.emplace_back("Content-Range", fmt::format("{}-{}", half + 10, half + 19));
  auto refused = must(agent.request("PATCH", location, bytes.substr(half + 10, 10), gap));
  check_problem(refused, 416, "upload-range-mismatch");
  CHECK(refused.header("range") == fmt::format("0-{}", half - 1));
  CHECK(refused.header("upload-offset") == std::to_string(half));

  // Another agent may not touch the session.
  HttpClient other = f.server.client(f.token("other-bot", "build_agent"));
  check_problem(must(other.request("GET", location)), 403, "forbidden");

  REQUIRE(f.server.kill9() == 128 + 9);
  REQUIRE(f.server.start().ok());
  agent = f.server.client(agent.options().token);
  auto status = must(agent.request("GET", location));
  CHECK(status.status == 204);
  CHECK(status.header("upload-offset") == std::to_string(half));

  Headers second = octets;
  second.emplace_back("Content-Range", fmt::format("{}-{}", half, bytes.size() - 2));
  REQUIRE(
      must(agent.request("PATCH", location, bytes.substr(half, bytes.size() - 1 - half), second))
          .status == 202);
  // The last byte travels with the request that finishes the upload.
  auto done = must(agent.request(
      "PUT",
      fmt::format("{}?digest=sha256:{}&coordinate=payments-api/3.0.0/big.bin", location, digest),
      bytes.substr(bytes.size() - 1), octets));
  REQUIRE_MESSAGE(done.status == 201, done.body);
  CHECK(done.header("location") == "/api/v1/artifacts/payments-api/3.0.0/big.bin");
  CHECK(must(agent.request("GET", "/api/v1/artifacts/payments-api/3.0.0/big.bin")).body == bytes);
  check_problem(must(agent.request("GET", location)), 404, "not-found");

  SUBCASE("a wrong digest at the end discards the session") {
    auto s2 = must(agent.request("POST", "/api/v1/uploads"));
    const std::string loc2 = s2.header("location");
    REQUIRE(must(agent.request("PATCH", loc2, "abc", octets)).status == 202);
    auto wrong = must(agent.request(
        "PUT", fmt::format("{}?digest=sha256:{}&coordinate=payments-api/3.0.1/x", loc2, digest), "",
        octets));
    check_problem(wrong, 400, "digest-mismatch");
    check_problem(must(agent.request("GET", loc2)), 404, "not-found");
    CHECK(must(agent.request("GET", "/api/v1/artifacts/payments-api/3.0.1/x")).status == 404);
  }
  SUBCASE("cancel removes the session") {
    auto s3 = must(agent.request("POST", "/api/v1/uploads"));
    const std::string loc3 = s3.header("location");
    CHECK(must(agent.request("DELETE", loc3)).status == 204);
    check_problem(must(agent.request("GET", loc3)), 404, "not-found");
    check_problem(must(agent.request(
                      "PUT", fmt::format("{}?digest=sha256:{}&coordinate=web/1/x", loc3, digest))),
                  404, "not-found");
  }
  SUBCASE("finishing needs the digest and a valid coordinate") {
    auto s4 = must(agent.request("POST", "/api/v1/uploads"));
    const std::string loc4 = s4.header("location");
    check_problem(must(agent.request("PUT", loc4 + "?coordinate=web/1/x")), 428,
                  "precondition-required");
    check_problem(must(agent.request(
                      "PUT", fmt::format("{}?digest=sha256:{}&coordinate=web/..", loc4, digest))),
                  400, "invalid-artifact-name");
    CHECK(must(agent.request("GET", loc4)).status == 204);  // still there to be finished
  }
}

TEST_CASE("large artifacts stream: the server's memory does not grow with the file") {
  Fixture f;
  HttpClient agent = f.server.client(f.token("ci-bot", "build_agent"));
  // Warm up the server's allocator with a small round trip first.
  const std::string small = random_bytes_of(4 * 1024 * 1024, 6);
  REQUIRE(must(agent.request("PUT", "/api/v1/artifacts/web/0.1/small.bin", small,
                             upload_headers(sha256_of(small))))
              .status == 201);
  REQUIRE(must(agent.request("GET", "/api/v1/artifacts/web/0.1/small.bin")).body == small);
  const std::size_t before = peak_rss_kib(f.server.pid());
  REQUIRE(before > 0);

  const std::string big = random_bytes_of(192 * 1024 * 1024, 7);
  const std::string digest = sha256_of(big);
  auto put =
      must(agent.request("PUT", "/api/v1/artifacts/web/1.0/big.bin", big, upload_headers(digest)));
  REQUIRE_MESSAGE(put.status == 201, put.body);
  auto got = must(agent.request("GET", "/api/v1/artifacts/web/1.0/big.bin"));
  REQUIRE(got.status == 200);
  CHECK(got.body.size() == big.size());
  CHECK(sha256_of(got.body) == digest);
  const std::size_t after = peak_rss_kib(f.server.pid());
  MESSAGE("server peak RSS before ", before, " KiB, after 192 MiB up and down ", after, " KiB");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (256 MiB by default) and never returns it,
  // so resident memory says nothing here; the normal build holds the bound.
  MESSAGE("RSS bound not checked under AddressSanitizer");
#else
  CHECK(after - before < 48 * 1024);  // far less than the file: it was never held whole
#endif
}

TEST_CASE("kill -9 during 50 concurrent uploads: every acknowledged upload survives, check clean") {
  Fixture f;
  const std::string token = f.token("ci-bot", "build_agent");
  constexpr int kUploads = 50;
  std::vector<std::string> payloads;
  for (int i = 0; i < kUploads; ++i)
    payloads.push_back(random_bytes_of(1024 * 1024 + static_cast<std::size_t>(i) * 40'000,
                                       100 + static_cast<unsigned>(i)));

  std::mutex mu;
  std::vector<int> acknowledged;
  std::vector<std::thread> threads;
  for (int i = 0; i < kUploads; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = f.server.client(token);
      const std::string& bytes = payloads[static_cast<std::size_t>(i)];
      auto r = c.request("PUT", fmt::format("/api/v1/artifacts/web/crash/file-{}.bin", i), bytes,
                         upload_headers(sha256_of(bytes)));
      if (r.ok() && r->status == 201) {
        std::lock_guard lock(mu);
        acknowledged.push_back(i);
      }
    });
  }
  // Kill once a few uploads were acknowledged, while the others are in flight.
  for (;;) {
    {
      std::lock_guard lock(mu);
      if (acknowledged.size() >= 5) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(f.server.kill9() == 128 + 9);
  for (auto& t : threads) t.join();
  MESSAGE(acknowledged.size(), " of ", kUploads, " uploads were acknowledged before the kill");

  const std::string checked =
      run_command(fmt::format("{} check --data-dir {} 2>&1", TOLLGATED_PATH, f.server.data_dir()));
  CHECK_MESSAGE(checked.find("exit=0") != std::string::npos, checked);
  CHECK(checked.find("FAULT") == std::string::npos);

  REQUIRE(f.server.start().ok());
  HttpClient reader = f.server.client(token);
  for (int i : acknowledged) {
    auto got =
        must(reader.request("GET", fmt::format("/api/v1/artifacts/web/crash/file-{}.bin", i)));
    CHECK(got.status == 200);
    CHECK(got.header("x-checksum-sha256") == sha256_of(payloads[static_cast<std::size_t>(i)]));
    CHECK(sha256_of(got.body) == sha256_of(payloads[static_cast<std::size_t>(i)]));
  }
  // Every record there is (acknowledged, or committed just before the kill) is whole, and the
  // uploads that were cut off left nothing behind: no record, no temporary file.
  auto listing = body_of(must(reader.request("GET", "/api/v1/artifacts/web/crash")));
  CHECK(listing.at("items").as_array().size() >= acknowledged.size());
  CHECK(listing.at("items").as_array().size() < static_cast<std::size_t>(kUploads));
  for (const auto& item : listing.at("items").as_array()) {
    const std::string file(item.at("file").as_string());
    auto got = must(reader.request("GET", "/api/v1/artifacts/web/crash/" + file));
    CHECK(sha256_of(got.body) == item.at("sha256").as_string());
  }
  const fs::path tmp = fs::path(f.server.data_dir()) / "blobs" / "tmp";
  std::size_t temporaries = 0;
  if (fs::exists(tmp))
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(tmp)) ++temporaries;
  CHECK(temporaries == 0);
}

}  // namespace tollgate::e2e

namespace tollgate::e2e {

TEST_CASE("a blob corrupted on disk is quarantined by the scrubber and never served again") {
  Fixture f;
  HttpClient agent = f.server.client(f.token("ci-bot", "build_agent"));
  const std::string bytes = random_bytes_of(300'000, 8);
  const std::string digest = sha256_of(bytes);
  const std::string path = "/api/v1/artifacts/web/4.0/site.zip";
  REQUIRE(must(agent.request("PUT", path, bytes, upload_headers(digest))).status == 201);
  REQUIRE(f.server.stop() == 0);

  // Bit rot: one byte changes behind the server's back; the size stays the same.
  const fs::path file = fs::path(f.server.data_dir()) / "blobs" / "sha256" / digest.substr(0, 2) /
                        digest.substr(2, 2) / digest;
  REQUIRE(fs::exists(file));
  fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream rot(file, std::ios::in | std::ios::out | std::ios::binary);
    rot.seekp(1234);
    rot.put(static_cast<char>(bytes[1234] ^ 0x40));
  }
  const std::string offline =
      run_command(fmt::format("{} check --data-dir {} 2>&1", TOLLGATED_PATH, f.server.data_dir()));
  CHECK(offline.find("exit=1") != std::string::npos);
  CHECK_MESSAGE(offline.find("FAULT blob sha256:" + digest) != std::string::npos, offline);

  // The server's scrubber makes a pass at start and finds it.
  REQUIRE(f.server.start().ok());
  agent = f.server.client(agent.options().token);
  bool found = false;
  for (int i = 0; i < 200 && !found; ++i) {
    const std::string metrics = must(agent.request("GET", "/metrics")).body;
    found = metrics.find("tollgate_scrub_corrupt_found_total 1") != std::string::npos;
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(found);
  CHECK(must(agent.request("GET", "/metrics")).body.find("tollgate_blobs_quarantined 1") !=
        std::string::npos);
  CHECK(f.server.log().find("\"event\":\"blob-corrupt\"") != std::string::npos);
  check_problem(must(agent.request("GET", path)), 500, "corrupt-blob");
  check_problem(must(agent.request("GET", "/api/v1/blobs/sha256:" + digest)), 500, "corrupt-blob");

  // Uploading the good bytes again brings the blob back.
  CHECK(must(agent.request("PUT", path, bytes, upload_headers(digest))).status == 200);
  auto restored = must(agent.request("GET", path));
  CHECK(restored.status == 200);
  CHECK(restored.body == bytes);
}

}  // namespace tollgate::e2e
