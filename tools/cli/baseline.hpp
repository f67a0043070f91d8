// `tollgate baseline …`: signed, immutable baselines and the production baseline library.
//
//   baseline create NAME [--ci ID]... [--env ENV]... [--description T]
//   baseline ls [--env E]
//   baseline show NAME [--save FILE]      (a saved file verifies with `tollgate verify FILE`)
//   baseline diff A B|current
//   baseline at --env ENV WHEN            (WHEN: YYYY-MM-DD, the end of that day UTC, or RFC 3339)
//
// `at` is the auditor's command: it fetches the baseline in force in ENV at WHEN, verifies its
// signature offline with the key file (--keys / TOLLGATE_KEYS; without one, the server's
// /api/v1/keys with a warning, as fetch --env does) and prints what ran there and who approved
// each release. Every command prints a readable view, or with json the server's JSON (for at:
// {"verified", "key_id", "baseline": the document}). A refusal returns the problem as a Status;
// with json the problem document is printed first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "cli/commands.hpp"
#include "tollgate/baseline.hpp"
#include "tollgate/status.hpp"

namespace CLI {
class App;
}

namespace tollgate::cli {

struct BaselineOptions {
  std::string action;  // create, ls, show, diff, at
  std::string name;    // create, show; diff: A
  std::string other;   // diff: B or "current"
  // create
  std::vector<std::string> cis;
  std::vector<std::string> environments;
  std::string description;
  // ls, at
  std::string environment;
  // show
  std::string save;
  // at
  std::string when;
  std::string keys_file;  // set from the global settings
};

struct BaselineCommands {
  BaselineOptions options;
  CLI::App* command = nullptr;

  bool parsed() const;
};

// Adds `baseline` and its actions to `app`. `commands` must outlive it.
void add_baseline_commands(CLI::App& app, BaselineCommands& commands);

Status baseline(CommandContext& context, const BaselineOptions& options);

// --- The pieces, for tests -------------------------------------------------------------------

// {name, scope, description?}: scope {"cis"} with --ci, {"environments"} with --env, else
// {"all": true}. Errors: invalid (no name, both --ci and --env).
Result<boost::json::object> create_baseline_body(const BaselineOptions& options);

// WHEN as the RFC 3339 instant the server is asked about: a date is the end of that day UTC
// (23:59:59.999999Z). Errors: invalid.
Result<std::string> baseline_instant(std::string_view when);

// The readable views.
std::string format_baseline(const BaselineDocument& document);
std::string format_baseline_list(const boost::json::object& list);
std::string format_baseline_diff(const boost::json::object& diff);
// What ran in each recorded environment (ci, version, release, files with digests) and who
// approved each release (gates: gate, verdict, by, at; RFCs with approver).
std::string format_baseline_in_force(const BaselineDocument& document, std::string_view key_id);

}  // namespace tollgate::cli
