#include "server/pca.hpp"

#include <algorithm>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "server/audits.hpp"
#include "server/json_body.hpp"
#include "tollgate/digest.hpp"
#include "tollgate/paths.hpp"

namespace tollgate::server {

namespace json = boost::json;

namespace {

constexpr std::size_t kReadChunk = 256 * 1024;
// After a refused line the rest of the body is read (up to this much) so that the client, still
// sending, gets the answer instead of a reset connection.
constexpr std::uint64_t kDrainLimit = std::uint64_t{16} << 20;

using Origin = PcaComparison::Origin;

Status refuse(const Origin& origin, std::string_view message, const char* reason) {
  return Status(Code::invalid, origin.json
                                   ? fmt::format("files[{}]: {}", origin.n, message)
                                   : fmt::format("inventory line {}: {}", origin.n, message))
      .with_reason(reason);
}

Status refuse(std::size_t line, std::string_view message, const char* reason) {
  return refuse(Origin{false, line}, message, reason);
}

// An install path relative to the audited directory: its components without empty and "."
// ones, so that "/opt/./app" is expected at "opt/app".
std::string relative_install_path(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (component.empty() || component == ".") continue;
    if (!out.empty()) out += '/';
    out += component;
  }
  return out;
}

json::object digest_json(std::string_view sha256, std::uint64_t size) {
  return {{"sha256", sha256}, {"size", size}};
}

void drain(BodyReader& body) {
  BodyBuffer buffer(body, kReadChunk);
  std::uint64_t drained = 0;
  while (drained < kDrainLimit) {
    auto n = body.read(buffer.span());
    if (!n.ok() || *n == 0) return;
    drained += *n;
  }
}

// The form digests usually arrive in: 64 lower-case hex characters.
bool is_lower_hex_digest(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string_view without_cr(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// Feeds each line of `body` to `comparison`, never holding more than one line and one chunk.
Status read_inventory(BodyReader& body, PcaComparison& comparison) {
  BodyBuffer buffer(body, kReadChunk);
  std::string pending;  // the start of a line that continues in the next chunk
  std::size_t number = 0;
  auto too_long = [&] {
    return refuse(number + 1, fmt::format("is longer than {} bytes", kMaxInventoryLine),
                  kInvalidInventoryReason);
  };
  for (;;) {
    TG_ASSIGN_OR_RETURN(const std::size_t n, body.read(buffer.span()));
    if (n == 0) break;
    std::string_view chunk(buffer.data(), n);
    while (!chunk.empty()) {
      const auto newline = chunk.find('\n');
      const std::string_view part = chunk.substr(0, newline);
      if (pending.size() + part.size() > kMaxInventoryLine + 1) return too_long();
      if (newline == std::string_view::npos) {
        pending.append(part);
        break;
      }
      std::string_view line = part;
      if (!pending.empty()) line = pending.append(part);
      TG_RETURN_IF_ERROR(comparison.add_line(++number, without_cr(line)));
      pending.clear();
      chunk.remove_prefix(newline + 1);
    }
  }
  if (!pending.empty()) TG_RETURN_IF_ERROR(comparison.add_line(++number, without_cr(pending)));
  return {};
}

// The handler of json::basic_parser for the JSON form {environment?, host?, files: [...]}: it
// follows the events as they stream in, keeping only the member being read and the current
// entry; each entry goes to the comparison when its object closes. The comparison is set up
// (request checks, manifest) when files begins. Any refusal is kept in error() and stops the
// parser.
class JsonInventory {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  // `open` answers the manifest for the request once environment and host are known.
  using Open = std::function<Result<Manifest>(const PcaRequest&)>;

  JsonInventory(const PcaRequest& query, Open open) : request_(query), open_(std::move(open)) {}

  const Status& error() const { return error_; }
  // Only after a successful parse (files began, so the comparison exists).
  PcaComparison& comparison() { return *comparison_; }
  const PcaRequest& request() const { return request_; }

  using error_code = boost::system::error_code;
  using string_view = json::string_view;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code& ec) {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    if (depth_ == 2) {
      depth_ = 3;
      entry_ = 0;
      return true;
    }
    return wrong_type(ec);
  }

  bool on_object_end(std::size_t, error_code& ec) {
    if (depth_ == 3) {
      depth_ = 2;
      return end_entry(ec);
    }
    depth_ = 0;
    if (!files_begun_) return fail(ec, refuse_body("files: required"));
    return true;
  }

  bool on_array_begin(error_code& ec) {
    if (depth_ == 1 && member_ == Member::files) {
      depth_ = 2;
      return begin_files(ec);
    }
    return wrong_type(ec);
  }

  // Only files gets here: every other array is refused when it begins.
  bool on_array_end(std::size_t, error_code&) {
    depth_ = 1;
    return true;
  }

  bool on_key_part(string_view s, std::size_t, error_code& ec) { return append(s, true, ec); }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    if (!append(s, true, ec)) return false;
    const bool ok = key(ec);
    text_.clear();
    return ok;
  }

  bool on_string_part(string_view s, std::size_t, error_code& ec) { return append(s, false, ec); }
  bool on_string(string_view s, std::size_t, error_code& ec) {
    if (!append(s, false, ec)) return false;
    const bool ok = string_value(ec);
    text_.clear();
    return ok;
  }

  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code& ec) {
    if (depth_ != 3 || member_ != Member::size) return wrong_type(ec);
    if (i < 0) return fail(ec, refuse(Origin{true, index_}, "size: must not be negative"));
    return set(Member::size, ec, [&] { size_ = static_cast<std::uint64_t>(i); });
  }
  bool on_uint64(std::uint64_t, string_view, error_code& ec) {
    if (depth_ != 3 || member_ != Member::size) return wrong_type(ec);
    return fail(ec, refuse(Origin{true, index_}, "size: too large"));
  }
  bool on_double(double, string_view, error_code& ec) { return wrong_type(ec); }
  bool on_bool(bool, error_code& ec) { return wrong_type(ec); }
  bool on_null(error_code& ec) { return wrong_type(ec); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  // The members the form knows; depth 1 has the first three, an entry (depth 3) the others.
  enum class Member : unsigned {
    none = 0,
    environment = 1,
    host = 2,
    files = 4,
    path = 8,
    sha256 = 16,
    size = 32
  };

  static const char* name_of(Member m) {
    switch (m) {
      case Member::environment:
        return "environment";
      case Member::host:
        return "host";
      case Member::files:
        return "files";
      case Member::path:
        return "path";
      case Member::sha256:
        return "sha256";
      case Member::size:
        return "size";
      case Member::none:
        break;
    }
    return "";
  }

  static Status refuse_body(std::string_view message) {
    return invalid(fmt::format("inventory: {}", message)).with_reason(kInvalidInventoryReason);
  }

  bool fail(error_code& ec, Status status) {
    error_ = std::move(status);
    ec = json::error::exception;  // any error: error_ tells which
    return false;
  }

  // A value of the wrong kind (or in the wrong place) where the parser is.
  bool wrong_type(error_code& ec) {
    switch (depth_) {
      case 0:
        return fail(ec, refuse_body("must be a JSON object {environment, host, files: [...]}"));
      case 1:
        return fail(ec,
                    refuse_body(fmt::format("{}: must be {}", name_of(member_),
                                            member_ == Member::files ? "an array" : "a string")));
      case 2:
        return fail(ec, refuse(Origin{true, index_}, "must be an object"));
      default:
        return fail(ec, refuse(Origin{true, index_},
                               fmt::format("{}: must be {}", name_of(member_),
                                           member_ == Member::size ? "an integer" : "a string")));
    }
  }

  bool append(string_view s, bool is_key, error_code& ec) {
    if (text_.size() + s.size() <= kMaxInventoryString) {
      text_.append(s.data(), s.size());
      return true;
    }
    const std::string what = is_key ? std::string("a member name") : std::string(name_of(member_));
    const std::string message = fmt::format("{}: is longer than {} bytes",
                                            what.empty() ? "a string" : what, kMaxInventoryString);
    if (depth_ >= 2)
      return fail(ec, refuse(Origin{true, index_}, message,
                             !is_key && member_ == Member::path ? kInvalidPathReason
                                                                : kInvalidInventoryReason));
    return fail(ec, refuse_body(message));
  }

  bool key(error_code& ec) {
    if (depth_ == 1) {
      if (text_ == "environment")
        member_ = Member::environment;
      else if (text_ == "host")
        member_ = Member::host;
      else if (text_ == "files")
        member_ = Member::files;
      else
        return fail(ec, refuse_body(fmt::format("{}: unknown field", text_)));
      if (seen_ & static_cast<unsigned>(member_))
        return fail(ec, refuse_body(fmt::format("{}: given twice", text_)));
      seen_ |= static_cast<unsigned>(member_);
      if (files_begun_)  // environment or host after files: the manifest was already chosen
        return fail(ec, refuse_body(fmt::format("{} must come before files", text_)));
      return true;
    }
    if (text_ == "path")
      member_ = Member::path;
    else if (text_ == "sha256")
      member_ = Member::sha256;
    else if (text_ == "size")
      member_ = Member::size;
    else
      return fail(ec, refuse(Origin{true, index_}, fmt::format("{}: unknown field", text_)));
    if (entry_ & static_cast<unsigned>(member_))
      return fail(ec, refuse(Origin{true, index_}, fmt::format("{}: given twice", text_)));
    return true;
  }

  // Marks `m` of the current entry given and runs `store`.
  template <class F>
  bool set(Member m, error_code&, F store) {
    entry_ |= static_cast<unsigned>(m);
    store();
    return true;
  }

  bool string_value(error_code& ec) {
    if (depth_ == 1 && member_ == Member::environment) {
      if (text_.empty()) return fail(ec, refuse_body("environment: must not be empty"));
      environment_ = text_;
      return true;
    }
    if (depth_ == 1 && member_ == Member::host) {
      host_ = text_;
      return true;
    }
    if (depth_ == 3 && member_ == Member::path)
      return set(Member::path, ec, [&] { path_.assign(text_); });
    if (depth_ == 3 && member_ == Member::sha256)
      return set(Member::sha256, ec, [&] { sha256_.assign(text_); });
    return wrong_type(ec);
  }

  // Settles environment and host (body and query must agree), then asks for the manifest.
  bool begin_files(error_code& ec) {
    files_begun_ = true;
    auto settle = [&](const char* name, std::optional<std::string>& body,
                      std::string& request) -> Status {
      if (!body) return {};
      if (!request.empty() && request != *body)
        return invalid(
            fmt::format("{}: the query names '{}' and the body '{}'", name, request, *body));
      request = std::move(*body);
      return {};
    };
    if (Status st = settle("environment", environment_, request_.environment); !st.ok())
      return fail(ec, std::move(st));
    const bool host_named = host_.has_value() || !request_.host.empty();
    if (Status st = settle("host", host_, request_.host); !st.ok()) return fail(ec, std::move(st));
    if (request_.environment.empty() || !host_named)
      return fail(ec, invalid("a physical configuration audit needs environment and host before "
                              "files: in the body, or as ?environment=ENV&host=HOST"));
    auto manifest = open_(request_);
    if (!manifest) return fail(ec, manifest.status());
    comparison_.emplace(*manifest, request_.list_ok);
    return true;
  }

  bool end_entry(error_code& ec) {
    for (Member m : {Member::path, Member::sha256, Member::size})
      if (!(entry_ & static_cast<unsigned>(m)))
        return fail(ec, refuse(Origin{true, index_}, fmt::format("{}: required", name_of(m))));
    if (Status st = comparison_->add_entry(index_, path_, sha256_, size_); !st.ok())
      return fail(ec, std::move(st));
    ++index_;
    return true;
  }

  static Status refuse(const Origin& origin, std::string_view message,
                       const char* reason = kInvalidInventoryReason) {
    return ::tollgate::server::refuse(origin, message, reason);
  }

  PcaRequest request_;  // the query's, completed by the body when files begins
  Open open_;
  Status error_;
  std::optional<PcaComparison> comparison_;
  std::size_t depth_ = 0;         // containers open: 1 the body, 2 files, 3 an entry
  Member member_ = Member::none;  // the member whose value comes next
  std::string text_;              // the string or member name being read
  unsigned seen_ = 0;             // top-level members seen
  bool files_begun_ = false;
  std::optional<std::string> environment_;  // as the body named them
  std::optional<std::string> host_;
  // The current entry of files: its index, the members seen, their values.
  std::size_t index_ = 0;
  unsigned entry_ = 0;
  std::string path_;
  std::string sha256_;
  std::uint64_t size_ = 0;
};

}  // namespace

Status validate_host(std::string_view host) {
  const bool valid = !host.empty() && host.size() <= kMaxHostName &&
                     std::all_of(host.begin(), host.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                     });
  if (valid) return {};
  return invalid(fmt::format("host must be 1 to {} characters of A-Z, a-z, 0-9, '.', '_', '-'",
                             kMaxHostName))
      .with_reason(kInvalidHostReason);
}

Status validate_inventory_path(std::string_view path) {
  auto bad = [](std::string_view why) {
    return invalid(fmt::format("path: {}", why)).with_reason(kInvalidPathReason);
  };
  if (auto problem = relative_path_problem(path, kMaxInventoryPath, ControlCharacters::allowed))
    return bad(*problem);
  return {};
}

PcaComparison::PcaComparison(const Manifest& manifest, bool list_ok)
    : environment_(manifest.environment), manifest_version_(manifest.version), list_ok_(list_ok) {
  for (const auto& entry : manifest.entries)
    for (const auto& artifact : entry.artifacts)
      expected_.emplace(
          relative_install_path(artifact.install_path),
          Expected{entry.ci, entry.version, artifact.file, artifact.sha256, artifact.size, false});
}

Result<PcaComparison::Line> PcaComparison::parse_line(std::size_t number, std::string_view text) {
  if (text.size() > kMaxInventoryLine)
    return refuse(number, fmt::format("is longer than {} bytes", kMaxInventoryLine),
                  kInvalidInventoryReason);
  if (text.empty()) return refuse(number, "is blank", kInvalidInventoryReason);
  parser_.reset();
  boost::system::error_code ec;
  parser_.write(text, ec);
  if (ec)
    return refuse(number, fmt::format("malformed JSON: {}", ec.message()), kInvalidInventoryReason);
  const json::value value = parser_.release();
  if (!value.is_object()) return refuse(number, "must be a JSON object", kInvalidInventoryReason);
  const json::object& object = value.get_object();
  const json::value* path = object.if_contains("path");
  const json::value* sha256 = object.if_contains("sha256");
  const json::value* size = object.if_contains("size");
  // The common case without Fields' bookkeeping; anything else gets its full diagnosis.
  if (object.size() != 3 || !path || !path->is_string() || !sha256 || !sha256->is_string() ||
      !size || !size->is_int64()) {
    Fields fields(object);
    (void)fields.string("path", true);
    (void)fields.string("sha256", true);
    (void)fields.integer("size", true);
    if (Status st = fields.finish(); !st.ok())
      return refuse(number, st.message(), kInvalidInventoryReason);
    if (!size->is_int64()) return refuse(number, "size: too large", kInvalidInventoryReason);
  }
  if (size->get_int64() < 0)
    return refuse(number, "size: must not be negative", kInvalidInventoryReason);
  return Line{std::string(path->get_string()), std::string(sha256->get_string()),
              static_cast<std::uint64_t>(size->get_int64())};
}

Status PcaComparison::add_line(std::size_t number, std::string_view text) {
  TG_ASSIGN_OR_RETURN(Line line, parse_line(number, text));
  return add(Origin{false, number}, std::move(line));
}

Status PcaComparison::add_entry(std::size_t index, std::string path, std::string_view sha256,
                                std::uint64_t size) {
  return add(Origin{true, index}, Line{std::move(path), std::string(sha256), size});
}

Status PcaComparison::add(const Origin& origin, Line line) {
  if (Status st = validate_inventory_path(line.path); !st.ok())
    return refuse(origin, st.message(), kInvalidPathReason);
  if (!is_lower_hex_digest(line.sha256)) {
    auto digest = parse_sha256_digest(line.sha256);
    if (!digest) return refuse(origin, digest.status().message(), kInvalidDigestReason);
    line.sha256 = std::move(digest).value();
  }
  auto duplicate = [&] {
    return refuse(origin, fmt::format("'{}' is listed twice", line.path), kDuplicatePathReason);
  };
  ++files_;
  const auto expected = expected_.find(line.path);
  if (expected == expected_.end()) {
    Finding finding{"unexpected", nullptr, std::move(line.sha256), line.size};
    if (!findings_.emplace(std::move(line.path), std::move(finding)).second) return duplicate();
    ++unexpected_;
    return {};
  }
  Expected& want = expected->second;
  if (want.seen) return duplicate();
  want.seen = true;
  if (want.sha256 == line.sha256 && want.size == line.size) {
    ++ok_;
    if (list_ok_) ok_files_.push_back(std::move(line.path));
    return {};
  }
  findings_.emplace(std::move(line.path),
                    Finding{"modified", &want, std::move(line.sha256), line.size});
  return {};
}

json::object PcaComparison::finish() {
  std::uint64_t missing = 0;
  for (const auto& [path, expected] : expected_) {
    if (expected.seen) continue;
    findings_.emplace(path, Finding{"missing", &expected, {}, 0});
    ++missing;
  }
  std::vector<const std::pair<const std::string, Finding>*> sorted;
  sorted.reserve(findings_.size());
  for (const auto& item : findings_) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  json::array findings;
  findings.reserve(sorted.size());
  for (const auto* item : sorted) {
    const auto& [path, finding] = *item;
    json::object out{{"status", finding.status}, {"path", path}};
    if (finding.expected) {
      out["ci"] = finding.expected->ci;
      out["version"] = finding.expected->version;
      out["file"] = finding.expected->file;
      out["expected"] = digest_json(finding.expected->sha256, finding.expected->size);
    }
    if (!finding.actual_sha256.empty())
      out["actual"] = digest_json(finding.actual_sha256, finding.actual_size);
    findings.push_back(std::move(out));
  }
  findings_.clear();
  json::object record{{"kind", "pca"},
                      {"environment", environment_},
                      {"manifest_version", manifest_version_},
                      {"passed", findings.empty()},
                      {"summary", json::object{{"files", files_},
                                               {"ok", ok_},
                                               {"missing", missing},
                                               {"modified", files_ - ok_ - unexpected_},
                                               {"unexpected", unexpected_}}},
                      {"findings", std::move(findings)}};
  if (list_ok_) {
    std::sort(ok_files_.begin(), ok_files_.end());
    record["ok_files"] = json::value_from(ok_files_);
  }
  return record;
}

Status PcaService::check_request(const PcaRequest& request, const Principal& actor) const {
  TG_RETURN_IF_ERROR(validate_host(request.host));
  TG_RETURN_IF_ERROR(environments_.check_environment(request.environment));
  return check_environment_scope(actor, request.environment);
}

Result<Manifest> PcaService::manifest_for(const PcaRequest& request, const Principal& actor) const {
  TG_RETURN_IF_ERROR(check_request(request, actor));
  std::optional<Manifest> manifest;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) {
    manifest = load_current_manifest(txn, request.environment);
    return Status();
  }));
  if (!manifest)
    return conflict(fmt::format("nothing was deployed to {} yet: there is no manifest to audit "
                                "against",
                                request.environment))
        .with_reason(kNoManifestReason);
  return std::move(*manifest);
}

Result<json::object> PcaService::store_result(PcaComparison& comparison, const PcaRequest& request,
                                              const Principal& actor) const {
  json::object record = comparison.finish();
  record["host"] = request.host;
  const Micros now = clock_.now();
  json::object stored;
  TG_RETURN_IF_ERROR(store_.write([&](storage::WriteTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(stored, put_audit_result(txn, record, actor.name, now));
    return {};
  }));
  return stored;
}

Result<json::object> PcaService::audit(const PcaRequest& request, BodyReader& inventory,
                                       const Principal& actor) const {
  TG_ASSIGN_OR_RETURN(const Manifest manifest, manifest_for(request, actor));
  PcaComparison comparison(manifest, request.list_ok);
  if (Status st = read_inventory(inventory, comparison); !st.ok()) {
    if (st.code() == Code::invalid) drain(inventory);
    return st;
  }
  return store_result(comparison, request, actor);
}

Result<json::object> PcaService::audit_json(const PcaRequest& query, BodyReader& body,
                                            const Principal& actor) const {
  json::parse_options options;
  options.max_depth = kMaxInventoryDepth;
  json::basic_parser<JsonInventory> parser(
      options, query, [&](const PcaRequest& request) { return manifest_for(request, actor); });
  BodyBuffer buffer(body, kReadChunk);
  std::uint64_t offset = 0;  // of the chunk's first byte in the body
  // A refusal of the body's content (not of reading it): the rest of the body is drained.
  auto refused = [&](Status st) {
    drain(body);
    return st;
  };
  auto parse_error = [&](const boost::system::error_code& ec, std::size_t at) {
    if (Status st = parser.handler().error(); !st.ok()) return refused(std::move(st));
    std::string message = ec.message();
    if (ec == json::error::too_deep)
      message = fmt::format("nested deeper than {} levels", kMaxInventoryDepth);
    return refused(
        invalid(fmt::format("the inventory is not valid JSON at byte {}: {}", offset + at, message))
            .with_reason(kInvalidInventoryReason));
  };
  for (;;) {
    TG_ASSIGN_OR_RETURN(const std::size_t n, body.read(buffer.span()));
    if (n == 0) break;
    std::size_t used = 0;
    if (!parser.done()) {
      boost::system::error_code ec;
      used = parser.write_some(true, buffer.data(), n, ec);
      if (ec) return parse_error(ec, used);
    }
    // After the document only white space may follow.
    const std::string_view rest(buffer.data() + used, n - used);
    const auto extra = rest.find_first_not_of(" \t\r\n");
    if (extra != std::string_view::npos)
      return refused(invalid(fmt::format("the inventory has data after the JSON document at "
                                         "byte {}",
                                         offset + used + extra))
                         .with_reason(kInvalidInventoryReason));
    offset += n;
  }
  if (!parser.done()) {
    boost::system::error_code ec;
    parser.write_some(false, nullptr, 0, ec);
    if (ec) return parse_error(ec, 0);
  }
  JsonInventory& inventory = parser.handler();
  return store_result(inventory.comparison(), inventory.request(), actor);
}

}  // namespace tollgate::server
