// `tollgate fetch`: download, verify, and only then put the file in place.
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/commands.hpp"
#include "cli/local_file.hpp"
#include "client/sha256.hpp"

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
Result<Received> download(CommandContext& context, const Coordinate& coordinate,
                          PendingFile& file) {
  TG_ASSIGN_OR_RETURN(client::Sha256 hasher, client::Sha256::create());
  Received received;
  const client::BodySink sink = [&](std::string_view chunk) -> Status {
    TG_RETURN_IF_ERROR(hasher.update(chunk));
    received.size += chunk.size();
    return file.write(chunk);
  };
  context.progress.start(coordinate.file);
  auto answer =
      context.http.download(artifact_path(coordinate), sink, {}, context.progress.callback());
  context.progress.finish();
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) return problem_status(*answer);
  received.declared = client::normalize_sha256(answer->header("x-checksum-sha256"));
  TG_ASSIGN_OR_RETURN(received.actual, hasher.finish());
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

Status fetch(CommandContext& context, const FetchOptions& options) {
  TG_ASSIGN_OR_RETURN(const Coordinate coordinate, parse_coordinate(options.coordinate));
  const std::string path = output_path(options, coordinate);
  TG_ASSIGN_OR_RETURN(PendingFile file, PendingFile::create(path));
  TG_ASSIGN_OR_RETURN(const Received received, download(context, coordinate, file));
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
