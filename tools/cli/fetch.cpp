// `tollgate fetch`: download, verify, and only then put the file in place.
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/commands.hpp"
#include "cli/local_file.hpp"
#include "cli/verify.hpp"
#include "tollgate/coordinate.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/manifest.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;

// The output file: -o PATH, PATH/<file> when PATH is a directory, ./<file> by default.
std::string output_path(const FetchOptions& options, const Coordinate& coordinate) {
  if (options.output.empty()) return coordinate.file;
  std::error_code ec;
  if (std::filesystem::is_directory(options.output, ec)) {
    return (std::filesystem::path(options.output) / coordinate.file).string();
  }
  return options.output;
}

struct Received {
  std::string declared;  // X-Checksum-Sha256, normalized; empty when missing or malformed
  std::string actual;    // the SHA-256 of the bytes received
  std::uint64_t size = 0;
};

// Streams the artifact into `file`, hashing it on the way.
Result<Received> download(CommandContext& context, const std::string& target,
                          const Coordinate& coordinate, PendingFile& file) {
  Sha256Hasher hasher;
  Received received;
  const client::BodySink sink = [&](std::string_view chunk) -> Status {
    hasher.update(chunk);
    received.size += chunk.size();
    return file.write(chunk);
  };
  context.progress.start(coordinate.file);
  auto answer = context.http.download(target, sink, {}, context.progress.callback());
  context.progress.finish();
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) return problem_status(*answer);
  // Empty when missing or malformed: verify() then refuses the bytes.
  if (auto declared = parse_sha256_digest(answer->header("x-checksum-sha256")); declared.ok())
    received.declared = std::move(declared).value();
  TG_ASSIGN_OR_RETURN(received.actual, hasher.hex_digest());
  return received;
}

Status verify(const Coordinate& coordinate, const Received& received) {
  if (received.declared.empty()) {
    return {Code::corrupt, fmt::format("cannot verify {}: the server sent no valid "
                                       "X-Checksum-Sha256; nothing was written",
                                       coordinate.to_string())};
  }
  if (received.declared != received.actual) {
    return Status(Code::corrupt,
                  fmt::format("verification failed for {}: the server declared sha256:{} but "
                              "the bytes received hash to sha256:{}; nothing was written",
                              coordinate.to_string(), received.declared, received.actual))
        .with_reason("digest-mismatch");
  }
  return {};
}

}  // namespace

Result<std::vector<TrustedKey>> trusted_keys(CommandContext& context,
                                             const std::string& keys_file) {
  if (!keys_file.empty()) return load_key_file(keys_file);
  TG_ASSIGN_OR_RETURN(const client::HttpResponse answer,
                      context.http.request("GET", "/api/v1/keys"));
  if (answer.status != 200) return problem_status(answer);
  TG_ASSIGN_OR_RETURN(const json::object body, json_object(answer));
  fmt::print(stderr,
             "tollgate: warning: no key file (--keys, TOLLGATE_KEYS or config keys); the "
             "server's keys were taken on trust\n");
  return parse_key_file(body);
}

namespace {

// The signed, current, not rolled back manifest of an environment.
Result<Manifest> verified_manifest(CommandContext& context, const FetchOptions& options) {
  TG_ASSIGN_OR_RETURN(const auto keys, trusted_keys(context, options.keys_file));
  TG_ASSIGN_OR_RETURN(
      const client::HttpResponse answer,
      context.http.request(
          "GET", "/api/v1/environments/" + percent_encode(options.environment) + "/manifest"));
  if (answer.status != 200) return problem_status(answer);
  TG_ASSIGN_OR_RETURN(const json::object document, json_object(answer));
  TG_RETURN_IF_ERROR(verify_document(document, keys).status());
  TG_ASSIGN_OR_RETURN(Manifest manifest, check_manifest(document, SystemClock().now()));
  if (manifest.environment != options.environment)
    return Status(Code::corrupt, "the server answered with the manifest of " + manifest.environment)
        .with_reason("wrong-environment");
  TG_RETURN_IF_ERROR(check_not_rolled_back(options.cache_file, options.server, manifest.environment,
                                           manifest.version));
  return manifest;
}

// The manifest's entry for ci/file: its coordinate and digest. Errors: not_found.
Result<std::pair<Coordinate, std::string>> deployed_file(const Manifest& manifest,
                                                         const std::string& ci,
                                                         const std::string& file) {
  const ManifestEntry* entry = manifest.entry(ci);
  const ManifestArtifact* artifact = entry ? entry->artifact(file) : nullptr;
  if (artifact == nullptr)
    return Status(Code::not_found, fmt::format("the manifest of {} deploys no {}/{}",
                                               manifest.environment, ci, file))
        .with_reason("not-deployed");
  return std::pair{Coordinate{ci, entry->version, file}, artifact->sha256};
}

Status fetch_deployed(CommandContext& context, const FetchOptions& options) {
  const std::size_t slash = options.coordinate.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == options.coordinate.size() ||
      options.coordinate.find('/', slash + 1) != std::string::npos)
    return invalid("fetch --env: '" + options.coordinate + "' is not CI/FILE");
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::ci, options.coordinate.substr(0, slash)));
  TG_RETURN_IF_ERROR(
      validate_artifact_name(ArtifactPart::file, options.coordinate.substr(slash + 1)));
  TG_ASSIGN_OR_RETURN(const Manifest manifest, verified_manifest(context, options));
  TG_ASSIGN_OR_RETURN(const auto deployed,
                      deployed_file(manifest, options.coordinate.substr(0, slash),
                                    options.coordinate.substr(slash + 1)));
  const auto& [coordinate, manifest_sha256] = deployed;
  const std::string path = output_path(options, coordinate);
  TG_ASSIGN_OR_RETURN(PendingFile file, PendingFile::create(path));
  const std::string target = "/api/v1/environments/" + percent_encode(options.environment) +
                             "/artifacts/" + percent_encode(coordinate.ci) + "/" +
                             percent_encode(coordinate.file);
  TG_ASSIGN_OR_RETURN(const Received received, download(context, target, coordinate, file));
  TG_RETURN_IF_ERROR(verify(coordinate, received));
  if (received.actual != manifest_sha256)
    return Status(Code::corrupt,
                  fmt::format("verification failed for {}: the signed manifest of {} says "
                              "sha256:{} but the bytes hash to sha256:{}; nothing was written",
                              coordinate.to_string(), options.environment, manifest_sha256,
                              received.actual))
        .with_reason("digest-mismatch");
  TG_RETURN_IF_ERROR(file.commit());
  if (context.json) {
    fmt::print(context.out, "{}\n",
               json::serialize(json::object{{"environment", options.environment},
                                            {"manifest_version", manifest.version},
                                            {"ci", coordinate.ci},
                                            {"version", coordinate.version},
                                            {"file", coordinate.file},
                                            {"path", path},
                                            {"sha256", received.actual},
                                            {"size", received.size}}));
  } else {
    fmt::print(context.out,
               "{} in {} (manifest version {}, signed) -> {} ({}, sha256:{} verified)\n",
               coordinate.to_string(), options.environment, manifest.version, path,
               format_bytes(received.size), received.actual);
  }
  return {};
}

}  // namespace

Status fetch(CommandContext& context, const FetchOptions& options) {
  if (!options.environment.empty()) return fetch_deployed(context, options);
  TG_ASSIGN_OR_RETURN(const Coordinate coordinate, parse_coordinate(options.coordinate));
  const std::string path = output_path(options, coordinate);
  TG_ASSIGN_OR_RETURN(PendingFile file, PendingFile::create(path));
  TG_ASSIGN_OR_RETURN(const Received received,
                      download(context, artifact_path(coordinate), coordinate, file));
  TG_RETURN_IF_ERROR(verify(coordinate, received));
  TG_RETURN_IF_ERROR(file.commit());
  if (context.json) {
    json::object result{{"ci", coordinate.ci},       {"version", coordinate.version},
                        {"file", coordinate.file},   {"path", path},
                        {"sha256", received.actual}, {"size", received.size}};
    fmt::print(context.out, "{}\n", json::serialize(result));
  } else {
    fmt::print(context.out, "{} -> {} ({}, sha256:{} verified)\n", coordinate.to_string(), path,
               format_bytes(received.size), received.actual);
  }
  return {};
}

}  // namespace tollgate::cli
