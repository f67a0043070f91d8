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

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "server/auth.hpp"
#include "server/pagination.hpp"
#include "storage/kv_store.hpp"
#include "tollgate/status.hpp"
#include "tollgate/time.hpp"

namespace tollgate::server {

enum class RfcState { draft, submitted, approved, rejected, implemented, reviewed, closed };

const char* rfc_state_name(RfcState state);
std::optional<RfcState> parse_rfc_state(std::string_view name);

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
  std::string category;             // e.g. standard | normal | emergency (see rfcs.cpp)
  std::vector<std::string> cis;     // the CIs it affects (ids that existed at creation)
  boost::json::object impact;       // resources, cycle_time, risk, ... as given
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
  bool names_ci(std::string_view ci) const;

  boost::json::object to_record() const;
  static Result<Rfc> from_record(std::string_view json);
};

// Reads an RFC inside a caller's transaction; nullopt when there is none (or the record is
// unreadable, which the store's check reports). For services that must decide on an RFC in the
// same transaction as their own write (configuration control, release gates).
std::optional<Rfc> load_rfc(storage::ReadTxn& txn, std::string_view id);

}  // namespace tollgate::server
