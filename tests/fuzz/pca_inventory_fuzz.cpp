// The inventory of a physical configuration audit (server/domain/audit/pca_inventory.hpp and
// pca_json_inventory.hpp) as it streams in, compared with a fixed manifest. The first byte picks
// the form (NDJSON or JSON), list_ok, what the query names and whether the body's length is
// known; the second the size of the pieces the body arrives in; the rest is the body.
// Checks: the outcome does not depend on how the body is cut into pieces (same refusal, same
// record; only the byte a JSON syntax error is reported at may move: Boost.JSON notices a bad
// literal, escape or UTF-8 sequence split across reads a few bytes later); a record's counts add up
// (every finding is missing, modified or unexpected; it passed exactly when nothing was found); a
// refusal is invalid or not_found (the manifest lookup).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "server/domain/audit/pca_inventory.hpp"
#include "server/domain/audit/pca_json_inventory.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

namespace json = boost::json;
using tollgate::Manifest;
using tollgate::Result;
using tollgate::Status;
using tollgate::server::BodyReader;
using tollgate::server::PcaComparison;
using tollgate::server::PcaRequest;

const Manifest& manifest() {
  static const Manifest kManifest = [] {
    Manifest m;
    m.environment = "SIT";
    m.version = 3;
    m.entries.push_back({"payments-api",
                         "1.4.0",
                         "rel-7",
                         {{"app.jar", std::string(64, 'a'), 10, "opt/payments/app.jar"},
                          {"app.yml", std::string(64, 'b'), 0, "etc/payments/app.yml"}}});
    m.entries.push_back({"web",
                         "2.0",
                         "rel-7",
                         {{"index.html", std::string(64, 'c'), 7, "/srv/./www//index.html"}}});
    return m;
  }();
  return kManifest;
}

Result<Manifest> lookup(const PcaRequest& request) {
  if (request.environment != "SIT") return tollgate::not_found("no manifest for that environment");
  return manifest();
}

// A body that arrives in pieces of at most `piece` bytes.
class PieceReader final : public BodyReader {
 public:
  PieceReader(std::string_view bytes, std::size_t piece, bool length_known)
      : rest_(bytes), piece_(piece), length_known_(length_known) {}
  Result<std::size_t> read(std::span<char> buffer) override {
    const std::size_t n = std::min({buffer.size(), rest_.size(), piece_});
    rest_.copy(buffer.data(), n);
    rest_.remove_prefix(n);
    return n;
  }
  std::optional<std::uint64_t> remaining() const override {
    if (!length_known_) return std::nullopt;
    return rest_.size();
  }

 private:
  std::string_view rest_;
  std::size_t piece_;
  bool length_known_;
};

struct Outcome {
  Status status;
  std::string record;  // serialized, when ok
};

Outcome audit(bool json_form, const PcaRequest& query, BodyReader& body) {
  if (!json_form) {
    PcaComparison comparison(manifest(), query.list_ok, query.limits);
    Status st = tollgate::server::read_ndjson_inventory(body, comparison);
    if (!st.ok()) return {st, {}};
    auto record = comparison.finish();
    if (!record) return {record.status(), {}};
    return {st, json::serialize(*record)};
  }
  auto compared = tollgate::server::read_json_inventory(body, query, lookup);
  if (!compared) return {compared.status(), {}};
  auto record = compared->comparison.finish();
  if (!record) return {record.status(), {}};
  return {Status(), json::serialize(*record)};
}

// A refusal's message with the position of a JSON syntax error left out.
std::string without_json_position(const std::string& message) {
  constexpr std::string_view kAt = "is not valid JSON at byte ";
  const std::size_t at = message.find(kAt);
  if (at == std::string::npos) return message;
  const std::size_t digits = at + kAt.size();
  const std::size_t end = message.find_first_not_of("0123456789", digits);
  return message.substr(0, digits) + "N" + (end == std::string::npos ? "" : message.substr(end));
}

void check_record(const std::string& text) {
  const json::object record = json::parse(text).as_object();
  const json::object& summary = record.at("summary").as_object();
  const auto count = [&](const char* name) { return summary.at(name).to_number<std::uint64_t>(); };
  const std::size_t findings = record.at("findings").as_array().size();
  FUZZ_CHECK(count("files") == count("ok") + count("modified") + count("unexpected"),
             "files do not add up: %s", text.c_str());
  FUZZ_CHECK(findings == count("missing") + count("modified") + count("unexpected"),
             "findings do not add up: %s", text.c_str());
  FUZZ_CHECK(record.at("passed").as_bool() == (findings == 0), "passed: %s", text.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tollgate::fuzz::Input input(data, size);
  const std::uint8_t mode = input.byte();
  const std::size_t piece = 1 + input.byte() % 64;
  const std::string_view body = input.rest();
  const bool json_form = (mode & 1) != 0;
  PcaRequest query;
  query.list_ok = (mode & 2) != 0;
  // Small limits, so that inputs reach the caps: entries refused past 64, findings counted
  // (and their duplicates still found) past 4.
  query.limits.max_entries = 64;
  query.limits.max_findings = 4;
  switch ((mode >> 2) & 3) {
    case 1:
      query.environment = "SIT";
      break;
    case 2:
      query.environment = "SIT";
      query.host = "web-1";
      break;
    case 3:
      query.environment = "SAT";
      query.host = "web-2";
      break;
    default:
      break;
  }
  tollgate::server::StringBodyReader whole(body);
  const Outcome at_once = audit(json_form, query, whole);
  PieceReader pieces(body, piece, (mode & 16) != 0);
  const Outcome in_pieces = audit(json_form, query, pieces);
  FUZZ_CHECK(at_once.status.code() == in_pieces.status.code() &&
                 without_json_position(at_once.status.message()) ==
                     without_json_position(in_pieces.status.message()) &&
                 at_once.status.reason() == in_pieces.status.reason(),
             "whole: %s\nin pieces of %zu: %s", at_once.status.message().c_str(), piece,
             in_pieces.status.message().c_str());
  FUZZ_CHECK(at_once.record == in_pieces.record, "records differ:\n%s\n%s", at_once.record.c_str(),
             in_pieces.record.c_str());
  if (!at_once.status.ok()) {
    const tollgate::Code code = at_once.status.code();
    FUZZ_CHECK(code == tollgate::Code::invalid || code == tollgate::Code::not_found, "%s: %s",
               tollgate::code_name(code), at_once.status.message().c_str());
  } else {
    check_record(at_once.record);
  }
  return 0;
}
