#include "server/domain/audit/baselines.hpp"

#include "server/domain/audit/audit_log.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace tollgate::server {

namespace json = boost::json;

namespace {

std::string string_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

Status unknown_baseline(std::string_view name) {
  return not_found(fmt::format("no baseline '{}'", name)).with_reason("unknown-baseline");
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

Status validate_baseline_name(std::string_view name) {
  const auto bad = [&](std::string_view why) {
    return invalid(
               fmt::format("baseline name '{}' {}", name.substr(0, kMaxBaselineNameLength), why))
        .with_reason("invalid-baseline-name");
  };
  if (name.empty() || name.size() > kMaxBaselineNameLength)
    return bad(fmt::format("must have 1 to {} characters", kMaxBaselineNameLength));
  if (!std::all_of(name.begin(), name.end(), name_char))
    return bad("may only contain letters, digits, '.', '_' and '-'");
  if (name.front() == '.' || name.front() == '-') return bad("must not start with '.' or '-'");
  if (name.find("..") != std::string_view::npos) return bad("must not contain \"..\"");
  if (name.back() == '.' || name.ends_with(".lock"))
    return bad("must not end with '.' or \".lock\"");
  return {};
}

std::string baseline_vault_path(std::string_view name) {
  return fmt::format("baselines/{}.json", name);
}

json::object BaselineRecord::summary() const {
  const json::value* description = document.if_contains("description");
  json::array envs;
  const json::value* recorded = document.if_contains("environments");
  if (recorded && recorded->is_array())
    for (const auto& e : recorded->get_array())
      if (e.is_object())
        envs.push_back(
            json::object{{"environment", e.at("environment")}, {"version", e.at("version")}});
  const json::value* cis = document.if_contains("cis");
  return {{"name", name},
          {"description", description ? *description : json::value("")},
          {"created_at", format_rfc3339(created_at)},
          {"created_by", created_by},
          {"scope", scope.to_json()},
          {"commit", commit},
          {"tag", tag},
          {"environments", std::move(envs)},
          {"ci_count", cis && cis->is_array() ? cis->get_array().size() : 0}};
}

json::object BaselineRecord::to_json() const {
  return {{"name", name},
          {"created_at", format_rfc3339(created_at)},
          {"created_by", created_by},
          {"scope", scope.to_json()},
          {"commit", commit},
          {"tag", tag},
          {"environments", json::value_from(environments)},
          {"document", document}};
}

Result<BaselineRecord> BaselineRecord::from_json(std::string_view stored) {
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* document = o ? o->if_contains("document") : nullptr;
  const json::value* scope = o ? o->if_contains("scope") : nullptr;
  const json::value* envs = o ? o->if_contains("environments") : nullptr;
  if (!document || !document->is_object() || !scope || !envs || !envs->is_array())
    return Status(Code::corrupt, "a stored baseline record is malformed");
  BaselineRecord r;
  r.name = string_of(*o, "name");
  r.created_at = parse_rfc3339(string_of(*o, "created_at")).value_or(0);
  r.created_by = string_of(*o, "created_by");
  TG_ASSIGN_OR_RETURN(r.scope, BaselineScope::parse(*scope));
  r.commit = string_of(*o, "commit");
  r.tag = string_of(*o, "tag");
  for (const auto& e : envs->get_array())
    if (e.is_string()) r.environments.emplace_back(e.get_string());
  r.document = document->get_object();
  return r;
}

// --- The service --------------------------------------------------------------------------------

Result<json::object> BaselineService::signed_document(
    storage::ReadTxn& txn, const std::string& name, const std::string& description,
    const BaselineScope& scope, const Principal& actor, Micros now, const Manifest* pending) const {
  TG_ASSIGN_OR_RETURN(BaselineDocument document, take_snapshot(txn, config_, scope, pending));
  document.name = name;
  document.description = description;
  document.created_at = now;
  document.created_by = actor.name;
  return signer_.sign(document.to_json());
}

namespace {

BaselineRecord make_record(const std::string& name, Micros now, const Principal& actor,
                           const BaselineScope& scope, json::object document) {
  BaselineRecord record{name, now, actor.name, scope, {}, name, {}, std::move(document)};
  for (const auto& e : record.document.at("environments").get_array())
    record.environments.emplace_back(e.at("environment").get_string());
  return record;
}

bool reserved_name(const Config& config, std::string_view name) {
  const std::string prefix = config.environments.back() + "-v";
  if (!name.starts_with(prefix) || name.size() == prefix.size()) return false;
  const auto digits = name.substr(prefix.size());
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Status BaselineService::check_name_free(const std::string& name) const {
  bool exists = false;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    exists = txn.get(storage::Table::baselines, name).has_value();
    return {};
  }));
  if (!exists) {
    auto tagged = vault_.tag_target(name);
    if (tagged.ok())
      exists = true;
    else if (tagged.status().code() != Code::not_found)
      return tagged.status();
  }
  if (exists)
    return conflict(fmt::format("baseline '{}' exists; baselines are immutable, choose another "
                                "name",
                                name))
        .with_reason(kBaselineExistsReason);
  return {};
}

Result<BaselineRecord> BaselineService::create(const CreateBaseline& command,
                                               const Principal& actor) {
  const std::string& name = command.name;
  const std::string& description = command.description;
  const BaselineScope& scope = command.scope;
  if (reserved_name(config_, name))
    return invalid(fmt::format("'{}' is reserved for the production baseline library", name))
        .with_reason("reserved-baseline-name");

  std::lock_guard lock(create_mutex_);
  TG_RETURN_IF_ERROR(check_name_free(name));
  const Micros now = clock_.now();
  json::object document;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(document,
                        signed_document(txn, name, description, scope, actor, now, nullptr));
    return {};
  }));
  BaselineRecord record = make_record(name, now, actor, scope, std::move(document));

  const storage::VaultAuthor author{actor.name, actor.name + "@tollgate"};
  VaultPlan plan;
  plan.author = author;
  plan.message = "Baseline " + name;
  plan.changes.writes[baseline_vault_path(name)] = canonical_json(record.document) + "\n";
  plan.tag = IntentTag{name, description.empty() ? name : description, author};
  auto recorded = intents_.apply(
      store_, plan, [&](storage::WriteTxn& txn, const storage::CommitInfo& commit) -> Status {
        if (txn.get(storage::Table::baselines, name))
          return conflict(fmt::format("baseline '{}' exists", name))
              .with_reason(kBaselineExistsReason);
        record.commit = commit.id;
        audit_note("/api/v1/baselines/" + name,
                   fmt::format("recorded baseline {} at commit {}", name, record.commit));
        txn.put(storage::Table::baselines, name, json::serialize(record.to_json()));
        return {};
      });
  if (!recorded) return recorded.status();
  return record;
}

Result<Page<BaselineRecord>> BaselineService::list(const BaselineFilter& filter,
                                                   const PageRequest& page) const {
  Page<BaselineRecord> out;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(storage::Table::baselines, page.after, [&](std::string_view key, std::string_view v) {
      if (key == page.after) return true;
      auto record = BaselineRecord::from_json(v);
      if (!record) {
        failure = record.status();
        return false;
      }
      const auto& envs = record->environments;
      if (filter.environment &&
          std::find(envs.begin(), envs.end(), *filter.environment) == envs.end())
        return true;
      if (filter.from && record->created_at < *filter.from) return true;
      if (filter.to && record->created_at >= *filter.to + kMicrosPerDay) return true;
      if (out.items.size() == page.limit) {
        out.next_after = out.items.back().name;
        return false;
      }
      out.items.push_back(std::move(record).value());
      return true;
    });
    return failure;
  }));
  return out;
}

Result<BaselineRecord> BaselineService::get(std::string_view name) const {
  std::optional<std::string> stored;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    if (auto v = txn.get(storage::Table::baselines, name)) stored = std::string(*v);
    return {};
  }));
  if (!stored) return unknown_baseline(name);
  return BaselineRecord::from_json(*stored);
}

Result<BaselineRecord> BaselineService::at(std::string_view environment, Micros at) const {
  if (std::find(config_.environments.begin(), config_.environments.end(), environment) ==
      config_.environments.end())
    return not_found(fmt::format("no environment '{}'", environment))
        .with_reason("unknown-environment");
  std::optional<BaselineRecord> best;
  Status failure;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    txn.scan(storage::Table::baselines, "", [&](std::string_view, std::string_view v) {
      auto record = BaselineRecord::from_json(v);
      if (!record) {
        failure = record.status();
        return false;
      }
      const auto& envs = record->environments;
      if (record->created_at > at || std::find(envs.begin(), envs.end(), environment) == envs.end())
        return true;
      if (!best || record->created_at > best->created_at ||
          (record->created_at == best->created_at && record->name > best->name))
        best = std::move(record).value();
      return true;
    });
    return failure;
  }));
  if (!best)
    return not_found(fmt::format("no baseline records {} at or before {}", environment,
                                 format_rfc3339(at)))
        .with_reason("no-baseline");
  return std::move(*best);
}

Result<json::object> BaselineService::diff(std::string_view from, std::string_view to) const {
  TG_ASSIGN_OR_RETURN(const BaselineRecord a, get(from));
  TG_ASSIGN_OR_RETURN(const BaselineDocument before, parse_baseline(a.document));
  if (to != "current") {
    TG_ASSIGN_OR_RETURN(const BaselineRecord b, get(to));
    TG_ASSIGN_OR_RETURN(const BaselineDocument after, parse_baseline(b.document));
    return diff_baselines(from, before, to, after);
  }
  BaselineDocument now;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(now, take_snapshot(txn, config_, a.scope));
    return {};
  }));
  return diff_baselines(from, before, "current", now);
}

// --- The production library -----------------------------------------------------------------

bool BaselineService::is_production(std::string_view environment) const {
  return !config_.environments.empty() && config_.environments.back() == environment;
}

Result<ProductionBaseline> BaselineService::prepare_production(
    const Manifest& manifest, const Principal& actor, const std::string& description) const {
  const std::string name = fmt::format("{}-v{}", manifest.environment, manifest.version);
  TG_RETURN_IF_ERROR(validate_baseline_name(name));
  BaselineScope scope{BaselineScope::Kind::environments, {manifest.environment}};
  json::object document;
  TG_RETURN_IF_ERROR(store_.read([&](storage::ReadTxn& txn) -> Status {
    TG_ASSIGN_OR_RETURN(document, signed_document(txn, name, description, scope, actor,
                                                  manifest.created_at, &manifest));
    return {};
  }));
  ProductionBaseline out{name, baseline_vault_path(name), {}, {}};
  out.text = canonical_json(document) + "\n";
  out.record = make_record(name, manifest.created_at, actor, scope, std::move(document));
  return out;
}

void BaselineService::store_production(storage::WriteTxn& txn, const ProductionBaseline& baseline,
                                       const std::string& commit) {
  BaselineRecord record = baseline.record;
  record.commit = commit;
  txn.put(storage::Table::baselines, baseline.name, json::serialize(record.to_json()));
}

IntentTag BaselineService::production_tag(const ProductionBaseline& baseline,
                                          const Principal& actor) const {
  const json::value* description = baseline.record.document.if_contains("description");
  std::string message =
      description && description->is_string() && !description->get_string().empty()
          ? std::string(description->get_string())
          : baseline.name;
  return IntentTag{baseline.name, std::move(message), {actor.name, actor.name + "@tollgate"}};
}

}  // namespace tollgate::server
