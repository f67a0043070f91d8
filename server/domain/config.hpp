// Server configuration: defaults, conf/tollgate.toml, then command-line flags, validated once
// at start-up. Every limit the server enforces is named here and documented in
// conf/tollgate.toml.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/enum_names.hpp"
#include "tollgate/status.hpp"

namespace tollgate::server {

// Gate requirements of an environment, by name: a release gate (trr, tests:<env>, uat, rrr,
// implementation_approval, emergency_approval, pir) that must have passed for the release's
// current digest, "document:<kind>" (a release document of that kind), or "rfc" (at least one
// linked RFC, every one approved or later). `rrr` also requires today to lie between the RRR's
// implementation date and production_window_days after it; `emergency_approval` needs two
// distinct approvers.
using GateRequirements = std::map<std::string, std::vector<std::string>>;  // env -> gates

struct PromotionPolicy {
  GateRequirements gates = {
      {"CINTE",
       {"trr", "document:build_instructions", "document:test_plan", "document:backout_procedure"}},
      {"SIT", {"tests:CINTE"}},
      {"SAT", {"tests:SIT"}},
      {"production", {"tests:SAT", "uat", "rrr", "rfc", "implementation_approval"}},
  };
  unsigned production_window_days = 7;     // days after the RRR date production may start
  unsigned manifest_validity_hours = 168;  // expires_at of a signed manifest after signing
};

struct EmergencyPolicy {
  std::vector<std::string> path = {"CINTE", "production"};
  GateRequirements gates = {
      {"CINTE",
       {"trr", "document:build_instructions", "document:test_plan", "document:backout_procedure"}},
      {"production", {"tests:CINTE", "emergency_approval", "rfc", "implementation_approval"}},
  };
  unsigned pir_due_days = 5;  // a pir is due this many days after reaching production
  unsigned approvers = 2;     // distinct people whose emergency_approval passed
};

// The master schedule (GET /api/v1/schedule).
struct SchedulePolicy {
  // Two releases touching related CIs conflict when their production dates are at most this
  // many days apart (0: the same day).
  unsigned conflict_window_days = 0;
};

// Days from..to inclusive, YYYY-MM-DD (UTC).
struct FreezeWindow {
  std::string from;
  std::string to;
  std::string reason;
};

// Where a client certificate names its user ([tls] client_identity): the subject's common name
// ("cn"), or the certificate's one subjectAltName entry of a type: "san-email" (an rfc822Name
// whose local part is the user id; the user's e-mail must be that address), "san-dns" (a
// dNSName that is the user id) or "san-uri" (a URI "urn:tollgate:user:<id>").
enum class ClientIdentity { cn, san_email, san_dns, san_uri };

// "cn", "san-email", "san-dns" or "san-uri"; nullopt for anything else.
inline constexpr EnumName<ClientIdentity> kClientIdentityNames[] = {
    {ClientIdentity::cn, "cn"},
    {ClientIdentity::san_email, "san-email"},
    {ClientIdentity::san_dns, "san-dns"},
    {ClientIdentity::san_uri, "san-uri"},
};
constexpr std::span<const EnumName<ClientIdentity>> enum_names(ClientIdentity) {
  return kClientIdentityNames;
}
inline std::optional<ClientIdentity> parse_client_identity(std::string_view text) {
  return parse_name<ClientIdentity>(text);
}
inline std::string_view client_identity_name(ClientIdentity identity) { return name_of(identity); }

// [ldap]: people log in with their directory password (POST /api/v1/sessions); absent: that
// route answers 404 login-not-configured. See README "Connect a directory (LDAP)".
struct LdapConfig {
  std::string url;  // ldaps://HOST[:PORT] or ldap://HOST[:PORT] (with starttls or allow_plaintext)
  bool starttls = false;         // ldap:// upgraded with StartTLS before any bind
  bool allow_plaintext = false;  // ldap:// in the clear: for tests only, never in production
  std::string ca_file;           // PEM of the directory's CA; empty: the system's trust store
  // Either a DN template ("uid={username},ou=people,dc=example,dc=org") to bind as directly, or
  // a search (search_base + search_filter with {username}) for the entry to bind as, done
  // anonymously or as bind_dn with the password in bind_password_file.
  std::string bind_dn_template;
  std::string search_base;
  std::string search_filter = "(uid={username})";
  std::string bind_dn;
  std::string bind_password_file;
  std::string bind_password;  // read from bind_password_file at load, never from the TOML
  // Groups: searched under group_base with group_filter ({dn} the user's DN, {username}), or,
  // when group_base is empty, the user entry's memberOf values.
  std::string group_base;
  std::string group_filter = "(|(member={dn})(uniqueMember={dn})(memberUid={username}))";
  // Attributes of the user entry.
  std::string name_attribute = "displayName";  // falls back to cn
  std::string mail_attribute = "mail";
  // Group (DN or cn, case-insensitive) -> role names / environment names.
  std::map<std::string, std::vector<std::string>> groups_to_roles;
  std::map<std::string, std::vector<std::string>> groups_to_environments;
  unsigned session_hours = 8;             // a session token's lifetime (within max_expiry_days)
  unsigned timeout_seconds = 10;          // to connect and for each directory operation
  unsigned failed_login_delay_ms = 1000;  // fixed wait before a wrong password is answered
  unsigned max_failures = 5;              // failures of one username before it is locked out
  unsigned max_address_failures = 20;     // the same for one remote address
  unsigned lockout_minutes = 15;          // how long a lockout lasts (and failures are counted)
};

struct Config {
  // [server]
  std::string data_dir = "./var";
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8443;
  unsigned threads = 0;          // I/O threads; 0 = one per core
  unsigned worker_threads = 64;  // threads running mutating requests
  unsigned reader_threads = 16;  // threads running read-only requests off the I/O threads
  // Open connections at most; lowered at start to what the open-file limit allows
  // (server/http/open_files.hpp).
  unsigned max_connections = 10000;
  // Open connections from one remote address at most; further ones are closed at accept.
  unsigned max_connections_per_address = 256;
  // Remote addresses (IP, as written) whose connections count only against max_connections:
  // a TLS-terminating proxy, say. Loopback is not exempt unless named.
  std::vector<std::string> per_address_exempt;
  unsigned pipeline_limit = 16;            // requests read ahead on one connection
  std::uint32_t header_limit = 16 * 1024;  // bytes of request line + headers
  std::uint64_t body_limit = 1024 * 1024;  // bytes of a JSON request body
  // A body read whole: all of it within this; a streamed body: each read within this.
  unsigned read_timeout_seconds = 30;
  unsigned idle_timeout_seconds = 60;    // keep-alive wait for the first byte of the next request
  unsigned header_timeout_seconds = 20;  // from a request's first byte to the end of its headers
  // A streamed body must bring min_body_rate bytes a second, measured over each
  // body_rate_window seconds the server waits for it, and a body of declared length L must be
  // in within body_rate_window + L / min_body_rate seconds of waiting; 0: no pace is asked.
  std::uint64_t min_body_rate = 16 * 1024;
  unsigned body_rate_window_seconds = 30;
  unsigned shutdown_grace_seconds = 30;  // drain time on SIGTERM before closing hard

  // [tls]
  bool tls = true;
  std::string tls_cert;  // empty: DATA/tls/cert.pem, generated on first start
  std::string tls_key;
  // PEM file of the CA(s) that issue build agents' client certificates. Empty: the server asks
  // for no client certificate. Set: it asks for one (without requiring it) and a certificate
  // that verifies against these CAs authenticates as the user it names
  // (server/http/client_cert.hpp).
  std::string tls_client_ca;
  // [tls] client_identity: which field of a client certificate names its user.
  ClientIdentity tls_client_identity = ClientIdentity::cn;

  // [storage]
  std::uint64_t map_size_mb = 64;
  std::uint64_t max_map_size_mb = 64 * 1024;
  unsigned max_batch = 512;

  // [artifacts]
  std::uint64_t max_artifact_size_mb = 64 * 1024;  // one artifact, streamed (413 beyond)
  std::uint64_t resumable_threshold_mb = 64;       // the CLI uploads larger files in sessions
  unsigned upload_expiry_hours = 24;               // idle resumable uploads are removed after
  // A resumable upload is removed this long after it started, however busy: a PATCH renews
  // the idle expiry, never this one.
  unsigned upload_lifetime_hours = 72;
  // Open resumable upload sessions, and the bytes they hold, at most: per user and in all
  // (429 / 507 beyond).
  unsigned max_upload_sessions_per_user = 16;
  unsigned max_upload_sessions = 1024;
  std::uint64_t max_upload_bytes_per_user_mb = 128 * 1024;
  std::uint64_t max_upload_bytes_mb = 512 * 1024;
  unsigned upload_threads = 64;  // threads that stream request bodies to disk

  // [integrity]
  std::uint64_t scrub_rate_mb = 32;    // MiB/s re-hashed by the background scrubber; 0 = off
  unsigned scrub_interval_hours = 24;  // a full pass starts at most this often
  // The audit log's head is committed to the git vault this often (and at shutdown); 0 = only
  // at shutdown.
  unsigned audit_checkpoint_minutes = 15;

  // [audits]: what one physical configuration audit may hold. Entries beyond pca_max_entries
  // are refused (413 "inventory-too-large"); findings (and ok files, with list_ok) beyond
  // pca_max_findings are counted in the summary but not listed, so a result stays bounded.
  std::uint64_t pca_max_entries = 10'000'000;
  std::uint64_t pca_max_findings = 10'000;

  // [eccb]: distinct change managers whose approval makes a submitted RFC approved (one
  // rejection rejects it).
  unsigned eccb_quorum = 1;

  // [tokens]
  unsigned token_default_expiry_days = 90;  // a token minted without expires_at
  unsigned token_max_expiry_days = 365;     // the furthest expires_at a token may ask for

  // [ldap]: absent when no directory is connected.
  std::optional<LdapConfig> ldap;

  // [log]
  bool access_log = true;  // one JSON line per request on stdout

  // [environments]: the promotion order; the last one is production.
  std::vector<std::string> environments = {"CINTE", "SIT", "SAT", "production"};
  // [promotion]: what each environment needs before a release enters it (see PromotionPolicy).
  PromotionPolicy promotion;
  // [emergency]: the shorter path of emergency releases and its gates.
  EmergencyPolicy emergency;
  // [freeze]: promotion to production inside a window is refused unless it is an emergency.
  std::vector<FreezeWindow> freeze_windows;
  // [schedule]: conflict detection of the master schedule.
  SchedulePolicy schedule;
  // [gates]: which roles may record which release gate ("tests" covers every tests:<env>).
  // Anyone else gets 403; admin records none unless listed (and by default it is not).
  std::map<std::string, std::vector<std::string>> gate_roles = {
      {"trr", {"change_manager"}},
      {"tests", {"tester"}},
      {"uat", {"business"}},
      {"rrr", {"change_manager"}},
      {"implementation_approval", {"management"}},
      {"emergency_approval", {"change_manager"}},
      {"pir", {"change_manager"}},
  };

  std::string listen() const { return listen_host + ":" + std::to_string(listen_port); }
};

// Reads a TOML file over `config`. Unknown sections or keys, wrong types and values out of
// range are errors (invalid) naming the key and the file.
Status load_config_file(const std::string& path, Config& config);

// Parses "HOST:PORT" ("[::1]:8443" for IPv6) into config.listen_host/listen_port.
Status set_listen(const std::string& value, Config& config);

// Cross-field checks after all sources are applied.
Status validate(const Config& config);

}  // namespace tollgate::server
