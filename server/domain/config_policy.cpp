// Reading the change and release policy's sections of conf/tollgate.toml ([environments],
// [promotion], [emergency], [eccb], [freeze], [schedule], [gates]), and checking they agree.
#include <algorithm>
#include <cctype>

#include "server/domain/config_detail.hpp"
#include "server/domain/identity/roles.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server::config_detail {
namespace {

// A [section.gates] table: environment = ["gate", ...]; replaces the defaults when present.
Status read_gates(const toml::table& t, std::string_view section, GateRequirements& out) {
  const toml::node* node = t.get("gates");
  if (!node) return {};
  const toml::table* table = node->as_table();
  const std::string where = fmt::format("{}.gates", section);
  if (!table) return invalid(fmt::format("[{}]: must be a table of environment = [gates]", where));
  GateRequirements gates;
  for (const auto& [env, value] : *table)
    TG_RETURN_IF_ERROR(read_strings(*table, where, env.str(), gates[std::string(env.str())]));
  out = std::move(gates);
  return {};
}

bool valid_environment_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') return false;
  return true;
}

bool valid_gate(const Config& c, std::string_view gate) {
  static const std::set<std::string_view> kGates = {
      "trr", "uat", "rrr", "implementation_approval", "emergency_approval", "pir", "rfc"};
  static const std::set<std::string_view> kKinds = {"build_instructions", "test_plan",
                                                    "backout_procedure", "release_notes", "other"};
  if (kGates.contains(gate)) return true;
  if (gate.starts_with("tests:"))
    return std::find(c.environments.begin(), c.environments.end(), gate.substr(6)) !=
           c.environments.end();
  if (gate.starts_with("document:")) return kKinds.contains(gate.substr(9));
  return false;
}

Status validate_gates(const Config& c, std::string_view section, const GateRequirements& gates,
                      const std::vector<std::string>& allowed_envs) {
  for (const auto& [env, list] : gates) {
    if (std::find(allowed_envs.begin(), allowed_envs.end(), env) == allowed_envs.end())
      return invalid(fmt::format("[{}.gates] {}: not an environment of the {}", section, env,
                                 section == "emergency" ? "emergency path" : "environment order"));
    for (const auto& gate : list)
      if (!valid_gate(c, gate))
        return invalid(fmt::format("[{}.gates] {}: unknown gate '{}'", section, env, gate));
  }
  return {};
}

}  // namespace

Status apply_environments(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "environments", {"order"}));
  return read_strings(t, "environments", "order", c.environments);
}

Status apply_promotion(const toml::table& t, Config& c) {
  constexpr std::string_view s = "promotion";
  TG_RETURN_IF_ERROR(
      check_keys(t, s, {"gates", "production_window_days", "manifest_validity_hours"}));
  TG_RETURN_IF_ERROR(read_gates(t, s, c.promotion.gates));
  TG_RETURN_IF_ERROR(
      read_uint(t, s, "production_window_days", 0, 366, c.promotion.production_window_days));
  return read_uint(t, s, "manifest_validity_hours", 1, 24 * 366,
                   c.promotion.manifest_validity_hours);
}

Status apply_emergency(const toml::table& t, Config& c) {
  constexpr std::string_view s = "emergency";
  TG_RETURN_IF_ERROR(check_keys(t, s, {"path", "gates", "pir_due_days", "approvers"}));
  TG_RETURN_IF_ERROR(read_strings(t, s, "path", c.emergency.path));
  TG_RETURN_IF_ERROR(read_gates(t, s, c.emergency.gates));
  TG_RETURN_IF_ERROR(read_uint(t, s, "approvers", 1, 16, c.emergency.approvers));
  return read_uint(t, s, "pir_due_days", 1, 366, c.emergency.pir_due_days);
}

Status apply_eccb(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "eccb", {"quorum"}));
  return read_uint(t, "eccb", "quorum", 1, 64, c.eccb_quorum);
}

Status apply_freeze(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "freeze", {"windows"}));
  const toml::node* node = t.get("windows");
  if (!node) return {};
  const toml::array* array = node->as_array();
  if (!array) return invalid("[freeze] windows: must be an array of {from, to, reason}");
  std::vector<FreezeWindow> windows;
  for (const toml::node& item : *array) {
    const toml::table* w = item.as_table();
    if (!w) return invalid("[freeze] windows: must be an array of {from, to, reason}");
    TG_RETURN_IF_ERROR(check_keys(*w, "freeze.windows", {"from", "to", "reason"}));
    FreezeWindow window;
    TG_RETURN_IF_ERROR(read_string(*w, "freeze.windows", "from", window.from));
    TG_RETURN_IF_ERROR(read_string(*w, "freeze.windows", "to", window.to));
    TG_RETURN_IF_ERROR(read_string(*w, "freeze.windows", "reason", window.reason));
    windows.push_back(std::move(window));
  }
  c.freeze_windows = std::move(windows);
  return {};
}

Status apply_schedule(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(t, "schedule", {"conflict_window_days"}));
  return read_uint(t, "schedule", "conflict_window_days", 0, 366, c.schedule.conflict_window_days);
}

// [gates]: gate = ["role", ...]; each key given replaces that gate's default roles.
Status apply_gates(const toml::table& t, Config& c) {
  TG_RETURN_IF_ERROR(check_keys(
      t, "gates",
      {"trr", "tests", "uat", "rrr", "implementation_approval", "emergency_approval", "pir"}));
  for (const auto& [gate, node] : t) {
    std::vector<std::string> roles;
    TG_RETURN_IF_ERROR(read_strings(t, "gates", gate.str(), roles));
    for (const auto& role : roles)
      if (!parse_role(role))
        return invalid(fmt::format("[gates] {}: unknown role '{}'", gate.str(), role));
    c.gate_roles[std::string(gate.str())] = std::move(roles);
  }
  return {};
}

// The environment order, the gate policies, the emergency path and the freeze windows agree.
Status validate_policy(const Config& c) {
  const auto& envs = c.environments;
  if (envs.empty()) return invalid("[environments] order must name at least one environment");
  for (std::size_t i = 0; i < envs.size(); ++i) {
    if (!valid_environment_name(envs[i]))
      return invalid(fmt::format("[environments] order: '{}' is not a valid name", envs[i]));
    if (std::find(envs.begin(), envs.begin() + static_cast<std::ptrdiff_t>(i), envs[i]) !=
        envs.begin() + static_cast<std::ptrdiff_t>(i))
      return invalid(fmt::format("[environments] order: '{}' is listed twice", envs[i]));
  }
  TG_RETURN_IF_ERROR(validate_gates(c, "promotion", c.promotion.gates, envs));
  const auto& path = c.emergency.path;
  if (path.empty() || path.back() != envs.back())
    return invalid(fmt::format("[emergency] path must end with '{}'", envs.back()));
  std::ptrdiff_t last = -1;
  for (const auto& env : path) {
    const auto at = std::find(envs.begin(), envs.end(), env) - envs.begin();
    if (at == static_cast<std::ptrdiff_t>(envs.size()))
      return invalid(fmt::format("[emergency] path: unknown environment '{}'", env));
    if (at <= last)
      return invalid(fmt::format("[emergency] path: '{}' is out of the environment order", env));
    last = at;
  }
  TG_RETURN_IF_ERROR(validate_gates(c, "emergency", c.emergency.gates, path));
  for (const auto& w : c.freeze_windows) {
    const auto from = parse_date(w.from);
    const auto to = parse_date(w.to);
    if (!from || !to || *to < *from)
      return invalid(
          fmt::format("[freeze] window {}..{}: needs from <= to as YYYY-MM-DD", w.from, w.to));
  }
  return {};
}

}  // namespace tollgate::server::config_detail
