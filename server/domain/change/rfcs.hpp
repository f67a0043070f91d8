// Requests for change (RFCs): the change-control records that every controlled change and every
// release traces back to.
//
// States: draft -> submitted -> approved | rejected; approved -> implemented -> reviewed ->
// closed. Each step records its actor and time in the RFC's `events`. The submitter cannot
// approve (or reject) their own RFC. An RFC names the CIs it affects; its JSON rendering carries
// the impact analysis of those CIs from the CMDB.
//
// Storage: Table::rfcs, key = RFC id (`rfc-N`, N from a counter in Table::meta), value = the
// record's JSON (Rfc::to_record / Rfc::from_record).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/domain/cmdb/relationships.hpp"
#include "server/domain/identity/auth.hpp"
#include "server/domain/pagination.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/enum_names.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

enum class RfcState { draft, submitted, approved, rejected, implemented, reviewed, closed };

inline constexpr EnumName<RfcState> kRfcStateNames[] = {
    {RfcState::draft, "draft"},
    {RfcState::submitted, "submitted"},
    {RfcState::approved, "approved"},
    {RfcState::rejected, "rejected"},
    {RfcState::implemented, "implemented"},
    {RfcState::reviewed, "reviewed"},
    {RfcState::closed, "closed"},
};
constexpr std::span<const EnumName<RfcState>> enum_names(RfcState) { return kRfcStateNames; }
inline const char* rfc_state_name(RfcState state) { return name_of(state); }
inline std::optional<RfcState> parse_rfc_state(std::string_view name) {
  return parse_name<RfcState>(name);
}

// One step of an RFC's life: what was done (create, submit, approve, reject, implement, review,
// close, update), by whom, when, with the actor's optional note.
struct RfcEvent {
  std::string action;
  std::string actor;
  Micros time = 0;
  std::string note;
};

struct Rfc {
  std::string id;  // rfc-N, a slug
  std::string title;
  std::string description;
  std::string category;          // e.g. standard | normal | emergency (see rfcs.cpp)
  std::vector<std::string> cis;  // the CIs it affects (ids that existed at creation)
  boost::json::object impact;    // resources, cycle_time, risk, ... as given
  RfcState state = RfcState::draft;
  std::string created_by;
  Micros created_at = 0;
  std::optional<std::string> submitted_by;
  std::optional<std::string> decided_by;  // approver or rejecter
  Micros updated_at = 0;
  std::vector<RfcEvent> events;

  // Whether the RFC is approved or went further (implemented, reviewed, closed): what
  // configuration control and the production gate accept.
  bool approved_or_later() const;
  // Whether it authorises changing the CIs it names now: approved or being implemented (not
  // draft, submitted, rejected, reviewed or closed).
  bool authorises_change() const {
    return state == RfcState::approved || state == RfcState::implemented;
  }
  bool names_ci(std::string_view ci) const;

  boost::json::object to_record() const;
  static Result<Rfc> from_record(std::string_view stored);
};

// Reads an RFC inside a caller's transaction; nullopt when there is none (or the record is
// unreadable, which the store's check reports). For services that must decide on an RFC in the
// same transaction as their own write (configuration control, release gates).
std::optional<Rfc> load_rfc(storage::ReadTxn& txn, std::string_view id);

// The steps of an RFC after its creation, one route each: POST /api/v1/rfcs/{id}/{action}.
enum class RfcAction { submit, approve, reject, implement, review, close };

inline constexpr EnumName<RfcAction> kRfcActionNames[] = {
    {RfcAction::submit, "submit"}, {RfcAction::approve, "approve"},
    {RfcAction::reject, "reject"}, {RfcAction::implement, "implement"},
    {RfcAction::review, "review"}, {RfcAction::close, "close"},
};
constexpr std::span<const EnumName<RfcAction>> enum_names(RfcAction) { return kRfcActionNames; }
inline const char* rfc_action_name(RfcAction action) { return name_of(action); }
inline std::optional<RfcAction> parse_rfc_action(std::string_view name) {
  return parse_name<RfcAction>(name);
}

struct RfcFilter {
  std::optional<RfcState> state;
  std::optional<std::string> ci;  // RFCs that name this CI
};

// POST /api/v1/rfcs, parsed. `impact` holds risk (low, medium or high) and, when given,
// resources and cycle_time; `cis` is sorted and without duplicates.
struct CreateRfc {
  std::string title;
  std::string description;
  std::string category = "normal";  // standard, normal or emergency
  std::vector<std::string> cis;
  boost::json::object impact;
};

// PATCH /api/v1/rfcs/{id}, parsed: each member present in the request replaces the draft's.
struct RfcPatch {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::vector<std::string>> cis;  // sorted, without duplicates
  std::optional<boost::json::object> impact;
  std::optional<std::string> note;  // why, kept with the "update" event
};

// POST /api/v1/rfcs/{id}/{action}, parsed: the body is optional.
struct RfcStep {
  std::optional<std::string> note;
};

// Depth of the impact analysis an RFC's rendering carries for each CI it names.
constexpr unsigned kRfcImpactDepth = 5;

// An RFC with, for each CI it names, the CIs that depend on it.
struct RfcView {
  Rfc rfc;
  std::map<std::string, std::vector<ImpactEntry>> impact_analysis;

  // The RFC's record plus "impact_analysis": {ci: [ImpactEntry::to_json()]}.
  boost::json::object to_json() const;
};

class RfcService {
 public:
  // `quorum`: distinct approvals that make a submitted RFC approved ([eccb] quorum).
  RfcService(storage::KvStore& store, RelationshipService& relationships, const Clock& clock,
             unsigned quorum = 1)
      : store_(store), relationships_(relationships), clock_(clock), quorum_(quorum) {}

  // POST /api/v1/rfcs {"title", "description"?, "cis": [ids], "category"?, "impact": {"risk",
  // "resources"?, "cycle_time"?}}. The id (rfc-N) is allocated in the same transaction that
  // stores the RFC. Errors: invalid (reason unknown-ci for a CI that does not exist),
  // forbidden (reason forbidden-role).
  Result<Rfc> create(CreateRfc command, const Principal& actor);

  // PATCH /api/v1/rfcs/{id} {title?, description?, category?, cis?, impact?, note?}: while it is
  // a draft, by the person who raised it; recorded as an "update" event naming the fields.
  // Errors: invalid (unknown-ci), not_found, forbidden ("not-rfc-author"), conflict
  // ("rfc-not-draft").
  Result<Rfc> update(const std::string& id, const RfcPatch& patch, const Principal& actor);

  // Errors: not_found.
  Result<Rfc> get(const std::string& id);

  // In id order, filtered. Errors: corrupt (an unreadable record).
  Result<Page<Rfc>> list(const RfcFilter& filter, const PageRequest& page);

  // One step of the RFC's life, with an optional {"note"}. Errors: not_found,
  // forbidden (reason forbidden-role: the actor's roles may not take this step; reason
  // self-approval: the submitter approving or rejecting), conflict (reason illegal-transition,
  // naming the current state).
  Result<Rfc> transition(const std::string& id, RfcAction action, const RfcStep& command,
                         const Principal& actor);

  // The RFC as the API shows it, with its impact analysis (relationships walked upward to
  // kRfcImpactDepth from each CI it names). Errors: those of the relationship walk other than
  // not_found (a CI that is gone shows an empty list).
  Result<RfcView> view(const Rfc& rfc);

 private:
  storage::KvStore& store_;
  RelationshipService& relationships_;
  const Clock& clock_;
  unsigned quorum_;
};

}  // namespace tollgate::server
