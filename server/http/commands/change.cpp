#include "server/http/commands/change.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "server/domain/json_body.hpp"
#include "tollgate/ids.hpp"

namespace tollgate::server::commands {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxTitle = 256;
constexpr std::size_t kMaxDescription = 16384;
constexpr std::size_t kMaxNote = 4096;
constexpr std::size_t kMaxCis = 256;
constexpr const char* kCategories[] = {"standard", "normal", "emergency"};
constexpr const char* kRisks[] = {"low", "medium", "high"};

bool has_control_chars(std::string_view s, bool allow_newlines) {
  return std::any_of(s.begin(), s.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    if (allow_newlines && (c == '\n' || c == '\t' || c == '\r')) return false;
    return u < 0x20;
  });
}

void check_text(Fields& f, const std::optional<std::string>& v, std::string_view key,
                std::size_t max, bool multiline) {
  if (!v) return;
  if (v->size() > max) f.error(fmt::format("{}: at most {} characters", key, max));
  if (has_control_chars(*v, multiline))
    f.error(fmt::format("{}: must not contain control characters", key));
}

template <std::size_t N>
bool one_of(std::string_view v, const char* const (&names)[N]) {
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return v == n; });
}

// The impact assessment: risk (required), resources and cycle_time (free text).
std::optional<json::object> read_impact(Fields& f, bool required = true) {
  const json::object* given = f.object("impact", required);
  if (!given) return std::nullopt;
  Fields inner(*given, "impact");
  auto risk = inner.string("risk", true);
  auto resources = inner.string("resources");
  auto cycle_time = inner.string("cycle_time");
  if (risk && !one_of(*risk, kRisks))
    inner.error(fmt::format("impact.risk: '{}' is not one of low, medium, high", *risk));
  check_text(inner, resources, "impact.resources", kMaxTitle, false);
  check_text(inner, cycle_time, "impact.cycle_time", kMaxTitle, false);
  f.merge(inner.finish());
  json::object impact;
  if (risk) impact["risk"] = *risk;
  if (resources) impact["resources"] = *resources;
  if (cycle_time) impact["cycle_time"] = *cycle_time;
  return impact;
}

std::vector<std::string> read_cis(Fields& f, bool required = true) {
  auto cis = f.strings("cis", required);
  if (!cis) return {};
  if (cis->empty()) f.error("cis: an RFC names at least one CI");
  if (cis->size() > kMaxCis) f.error(fmt::format("cis: at most {} CIs", kMaxCis));
  for (const auto& ci : *cis)
    if (!is_slug(ci)) f.error(fmt::format("cis: '{}' is not a CI id", ci));
  std::vector<std::string> out = std::move(*cis);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void check_category(Fields& f, const std::optional<std::string>& category) {
  if (category && !one_of(*category, kCategories))
    f.error(fmt::format("category: '{}' is not one of standard, normal, emergency", *category));
}

}  // namespace

Result<CreateRfc> parse_create_rfc(const json::object& body) {
  Fields f(body);
  auto title = f.string("title", true);
  auto description = f.string("description");
  auto category = f.string("category");
  std::vector<std::string> cis = read_cis(f);
  std::optional<json::object> impact = read_impact(f);
  if (title && title->empty()) f.error("title: must not be empty");
  check_text(f, title, "title", kMaxTitle, false);
  check_text(f, description, "description", kMaxDescription, true);
  check_category(f, category);
  TG_RETURN_IF_ERROR(f.finish());
  CreateRfc command;
  command.title = std::move(*title);
  command.description = description.value_or("");
  command.category = category.value_or("normal");
  command.cis = std::move(cis);
  command.impact = std::move(*impact);
  return command;
}

Result<RfcPatch> parse_rfc_patch(const json::object& body) {
  Fields f(body);
  RfcPatch patch;
  patch.title = f.string("title");
  patch.description = f.string("description");
  patch.category = f.string("category");
  std::vector<std::string> cis = read_cis(f, false);
  if (body.contains("cis")) patch.cis = std::move(cis);
  patch.impact = read_impact(f, false);
  patch.note = f.string("note");
  if (patch.title && patch.title->empty()) f.error("title: must not be empty");
  check_text(f, patch.title, "title", kMaxTitle, false);
  check_text(f, patch.description, "description", kMaxDescription, true);
  check_text(f, patch.note, "note", kMaxNote, true);
  check_category(f, patch.category);
  TG_RETURN_IF_ERROR(f.finish());
  return patch;
}

Result<RfcStep> parse_rfc_step(const json::object& body) {
  Fields f(body);
  RfcStep step;
  step.note = f.string("note");
  check_text(f, step.note, "note", kMaxNote, true);
  TG_RETURN_IF_ERROR(f.finish());
  return step;
}

}  // namespace tollgate::server::commands
