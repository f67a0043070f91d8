// SlapdProcess: a real OpenLDAP server (/usr/sbin/slapd, from tools/install-deps.sh) for tests.
//
// Each SlapdProcess owns a temporary directory with a slapd.conf (mdb backend with the memberof
// overlay, suffix
// dc=example,dc=org, root cn=admin,dc=example,dc=org), a test CA and a server certificate for
// 127.0.0.1 (so StartTLS can be tested), the database and slapd's log. start() runs slapd in
// the foreground (-d 0) on two free loopback ports (ldap:// and ldaps://), waits until it answers
// and, the first time, loads the organisation with ou=people and ou=groups. People and groups are
// then added and changed with ldapadd/ldapmodify. The destructor stops slapd by its PID.
//
// Missing slapd or ldap-utils is an error (start() fails), never a skip: CI installs them.
// Not thread-safe; one per test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"
#include "tollgate/status.hpp"

namespace tollgate::testing {

class SlapdProcess {
 public:
  static constexpr const char* kSuffix = "dc=example,dc=org";
  static constexpr const char* kPeople = "ou=people,dc=example,dc=org";
  static constexpr const char* kGroups = "ou=groups,dc=example,dc=org";
  static constexpr const char* kRootDn = "cn=admin,dc=example,dc=org";
  static constexpr const char* kRootPassword = "admin-secret";

  SlapdProcess();
  ~SlapdProcess();
  SlapdProcess(const SlapdProcess&) = delete;
  SlapdProcess& operator=(const SlapdProcess&) = delete;

  // Starts slapd (on a new free port each time) and waits up to ~10 s for it to answer.
  Status start();
  // SIGTERM and wait; the data stays for a later start().
  void stop();
  bool running() const { return pid_ > 0; }

  std::string url() const;        // ldap://127.0.0.1:PORT (StartTLS offered)
  std::string ldaps_url() const;  // ldaps://127.0.0.1:PORT2 (TLS from the first byte)
  std::string ca_file() const { return dir_.file("ca.pem"); }
  std::string dir() const { return dir_.str(); }
  std::string log() const;

  // uid=ID,ou=people,... with cn, sn, displayName, mail and a userPassword.
  Status add_person(const std::string& uid, const std::string& display_name,
                    const std::string& password);
  // cn=NAME,ou=groups,... (groupOfNames) holding the people `uids` (at least one).
  Status add_group(const std::string& name, const std::vector<std::string>& uids);
  Status add_member(const std::string& group, const std::string& uid);
  Status remove_member(const std::string& group, const std::string& uid);

  static std::string person_dn(const std::string& uid);
  static std::string group_dn(const std::string& name);

 private:
  Status write_files();
  Status ldap_tool(const std::string& tool, const std::string& ldif);
  bool answers();

  TempDir dir_{"tollgate-slapd-"};
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t ldaps_port_ = 0;
  bool loaded_ = false;
};

}  // namespace tollgate::testing
