// `tollgate push`: hash, then deploy by checksum, a plain PUT or an upload session.
#include <filesystem>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli/api.hpp"
#include "cli/commands.hpp"
#include "cli/local_file.hpp"
#include "client/sha256.hpp"
#include "tollgate/coordinate.hpp"

namespace tollgate::cli {
namespace {

namespace json = boost::json;
using client::Headers;
using client::HttpResponse;

struct HashedFile {
  std::string path;
  std::string name;  // the file name: the artifact's name in its version
  client::FileDigest digest;
};

enum class Outcome { created, already_there, deployed_by_checksum };

const char* outcome_key(Outcome outcome) {
  switch (outcome) {
    case Outcome::created:
      return "created";
    case Outcome::already_there:
      return "already_there";
    case Outcome::deployed_by_checksum:
      return "deployed_by_checksum";
  }
  return "created";
}

const char* outcome_text(Outcome outcome) {
  switch (outcome) {
    case Outcome::created:
      return "created";
    case Outcome::already_there:
      return "already there";
    case Outcome::deployed_by_checksum:
      return "deployed by checksum";
  }
  return "created";
}

Result<std::vector<HashedFile>> hash_all(CommandContext& context,
                                         const std::vector<std::string>& paths) {
  std::vector<HashedFile> files;
  for (const auto& path : paths) {
    const std::string name = std::filesystem::path(path).filename().string();
    if (name.empty() || name == "." || name == "..") {
      return invalid("'" + path + "' does not name a file");
    }
    // The server's rules, before any byte is hashed or sent.
    TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::file, name));
    context.progress.start("hashing " + name);
    auto digest = client::sha256_file(path, context.progress.callback());
    context.progress.finish();
    if (!digest.ok()) return digest.status();
    files.push_back({path, name, std::move(digest).value()});
  }
  return files;
}

// Content-Type and build provenance, sent with whichever request creates the artifact.
Headers metadata_headers(const PushOptions& options) {
  Headers headers;
  if (!options.media_type.empty()) headers.emplace_back("Content-Type", options.media_type);
  if (!options.source_commit.empty()) {
    headers.emplace_back("X-Tollgate-Source-Commit", options.source_commit);
  }
  if (!options.builder.empty()) headers.emplace_back("X-Tollgate-Builder", options.builder);
  if (!options.build_url.empty()) headers.emplace_back("X-Tollgate-Build-Url", options.build_url);
  return headers;
}

// Sends the file's bytes: one PUT up to the threshold, an upload session above it.
Result<HttpResponse> send_bytes(CommandContext& context, const PushOptions& options,
                                const HashedFile& file, const Coordinate& coordinate) {
  TG_ASSIGN_OR_RETURN(const InputFile input, InputFile::open(file.path));
  if (input.size() != file.digest.size) {
    return Status(Code::conflict, file.path + " changed while it was being pushed");
  }
  Headers headers = metadata_headers(options);
  context.progress.start(file.name);
  Result<HttpResponse> sent = Status(Code::internal, "not sent");
  if (input.size() <= options.resumable_threshold) {
    headers.emplace_back("X-Checksum-Sha256", file.digest.sha256);
    sent = context.http.upload("PUT", artifact_path(coordinate), {input.fd(), 0, input.size()},
                               headers, context.progress.callback());
  } else {
    HttpTransport transport(context.http);
    const UploadSource source{input.fd(), input.size(), file.digest.sha256, coordinate, headers};
    sent = resumable_upload(transport, source, options.resumable, context.progress.callback());
  }
  context.progress.finish();
  return sent;
}

struct Pushed {
  json::object record;  // the server's artifact record, with "outcome" added
  Outcome outcome;
};

Result<Pushed> record_of(const HttpResponse& answer, Outcome outcome) {
  TG_ASSIGN_OR_RETURN(json::object record, json_object(answer));
  record["outcome"] = outcome_key(outcome);
  return Pushed{std::move(record), outcome};
}

// One file: a checksum deploy first, the bytes only when the server does not have them.
Result<Pushed> push_one(CommandContext& context, const PushOptions& options,
                        const HashedFile& file) {
  const Coordinate coordinate{options.ci, options.version, file.name};
  Headers headers = metadata_headers(options);
  headers.emplace_back("X-Checksum-Sha256", file.digest.sha256);
  headers.emplace_back("X-Checksum-Deploy", "true");
  TG_ASSIGN_OR_RETURN(const HttpResponse tried,
                      context.http.request("PUT", artifact_path(coordinate), {}, headers));
  if (tried.status == 200) return record_of(tried, Outcome::already_there);
  if (tried.status == 201) return record_of(tried, Outcome::deployed_by_checksum);
  if (tried.status != 404 || problem_slug(tried) != "blob-unknown") return problem_status(tried);

  TG_ASSIGN_OR_RETURN(const HttpResponse sent, send_bytes(context, options, file, coordinate));
  if (sent.status == 201) return record_of(sent, Outcome::created);
  if (sent.status == 200) return record_of(sent, Outcome::already_there);
  return problem_status(sent);
}

void print_line(CommandContext& context, const Coordinate& coordinate, const HashedFile& file,
                Outcome outcome) {
  fmt::print(context.out, "{}: {} ({}, sha256:{})\n", coordinate.to_string(), outcome_text(outcome),
             format_bytes(file.digest.size), file.digest.sha256);
  std::fflush(context.out);
}

}  // namespace

Status push(CommandContext& context, const PushOptions& options) {
  if (options.files.empty()) return invalid("push: no files given");
  if (options.ci.empty() || options.version.empty())
    return invalid("push: --ci and --version are required");
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::ci, options.ci));
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::version, options.version));
  TG_ASSIGN_OR_RETURN(const std::vector<HashedFile> files, hash_all(context, options.files));
  json::array records;
  Status failure;
  for (const auto& file : files) {
    auto pushed = push_one(context, options, file);
    if (!pushed.ok()) {
      failure = std::move(pushed).take_status();
      break;
    }
    if (!context.json) {
      print_line(context, {options.ci, options.version, file.name}, file, pushed->outcome);
    }
    records.emplace_back(std::move(pushed->record));
  }
  if (context.json) fmt::print(context.out, "{}\n", json::serialize(records));
  return failure;
}

}  // namespace tollgate::cli
