#include "tests/support/slapd_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill() is POSIX, not <csignal>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace tollgate::testing {
namespace {

constexpr const char* kSlapd = "/usr/sbin/slapd";

// A loopback port nobody listens on now (the kernel's choice for port 0).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// In a forked child: stdin from `input`, stdout and stderr appended to `log`. File descriptors
// only: a stdio call here would flush the parent's buffered output a second time.
void redirect_child(const std::string& input, const std::string& log) {
  const int in = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  const int out = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (in < 0 || out < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
      ::dup2(out, STDERR_FILENO) < 0)
    ::_exit(126);
}

// Runs `argv` with stdin from `input` (a file or /dev/null) and stdout+stderr appended to
// `log`; returns its exit status (-1 when it could not run).
int run(const std::vector<std::string>& argv, const std::string& input, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    redirect_child(input, log);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

SlapdProcess::SlapdProcess() = default;

SlapdProcess::~SlapdProcess() { stop(); }

std::string SlapdProcess::url() const { return "ldap://127.0.0.1:" + std::to_string(port_); }

std::string SlapdProcess::ldaps_url() const {
  return "ldaps://127.0.0.1:" + std::to_string(ldaps_port_);
}

std::string SlapdProcess::log() const {
  std::ifstream in(dir_.file("tools.log"));
  std::stringstream text;
  text << in.rdbuf();
  std::ifstream slapd(dir_.file("slapd.log"));
  text << slapd.rdbuf();
  return text.str();
}

std::string SlapdProcess::person_dn(const std::string& uid) { return "uid=" + uid + "," + kPeople; }

std::string SlapdProcess::group_dn(const std::string& name) { return "cn=" + name + "," + kGroups; }

Status SlapdProcess::write_files() {
  const std::string d = dir_.str();
  ::mkdir(dir_.file("db").c_str(), 0700);
  // A test CA and a certificate for 127.0.0.1 signed by it, for StartTLS.
  if (!write_file(dir_.file("ext.cnf"),
                  "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                  "extendedKeyUsage=serverAuth\n"))
    return io_error("cannot write ext.cnf");
  const std::string log = dir_.file("tools.log");
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/ca.key", "-out",
       d + "/ca.pem", "-days", "2", "-subj", "/CN=Tollgate test LDAP CA"},
      {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/server.key", "-out",
       d + "/server.csr", "-subj", "/CN=127.0.0.1"},
      {"openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey",
       d + "/ca.key", "-CAcreateserial", "-out", d + "/server.pem", "-days", "2", "-extfile",
       d + "/ext.cnf"},
  };
  for (const auto& step : steps)
    if (run(step, "/dev/null", log) != 0)
      return Status(Code::unavailable, "openssl failed making the test LDAP certificates");
  const std::string conf =
      "include /etc/ldap/schema/core.schema\n"
      "include /etc/ldap/schema/cosine.schema\n"
      "include /etc/ldap/schema/inetorgperson.schema\n"
      "include /etc/ldap/schema/nis.schema\n"
      "modulepath /usr/lib/ldap\n"
      "moduleload back_mdb\n"
      "moduleload memberof\n"
      "pidfile " +
      d +
      "/slapd.pid\n"
      "argsfile " +
      d +
      "/slapd.args\n"
      "TLSCACertificateFile " +
      d +
      "/ca.pem\n"
      "TLSCertificateFile " +
      d +
      "/server.pem\n"
      "TLSCertificateKeyFile " +
      d +
      "/server.key\n"
      "database mdb\n"
      "maxsize 10485760\n"
      "suffix \"" +
      kSuffix +
      "\"\n"
      "rootdn \"" +
      kRootDn +
      "\"\n"
      "rootpw " +
      kRootPassword +
      "\n"
      "directory " +
      d +
      "/db\n"
      "overlay memberof\n"
      "access to attrs=userPassword by self write by anonymous auth by * none\n"
      "access to * by * read\n";
  if (!write_file(dir_.file("slapd.conf"), conf)) return io_error("cannot write slapd.conf");
  return {};
}

bool SlapdProcess::answers() {
  return run({"ldapsearch", "-x", "-H", url(), "-b", "", "-s", "base", "-l", "2"}, "/dev/null",
             dir_.file("tools.log")) == 0;
}

Status SlapdProcess::start() {
  if (running()) return Status(Code::conflict, "slapd is already running");
  if (::access(kSlapd, X_OK) != 0)
    return Status(Code::unavailable,
                  "/usr/sbin/slapd is missing: run tools/install-deps.sh (slapd, ldap-utils)");
  if (!loaded_ && ::access(dir_.file("slapd.conf").c_str(), R_OK) != 0)
    TG_RETURN_IF_ERROR(write_files());
  port_ = free_port();
  do ldaps_port_ = free_port();
  while (ldaps_port_ == port_);
  const std::string listen = url() + "/ " + ldaps_url() + "/";
  const std::string conf = dir_.file("slapd.conf");
  const std::string log = dir_.file("slapd.log");
  pid_ = ::fork();
  if (pid_ < 0) return io_error("fork failed");
  if (pid_ == 0) {
    redirect_child("/dev/null", log);
    ::execl(kSlapd, kSlapd, "-h", listen.c_str(), "-f", conf.c_str(), "-d", "0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status(Code::unavailable, "slapd exited at start:\n" + this->log());
    }
    if (answers()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (i == 99) return Status(Code::unavailable, "slapd did not answer in time:\n" + this->log());
  }
  if (loaded_) return {};
  const std::string base = std::string("dn: ") + kSuffix +
                           "\nobjectClass: dcObject\nobjectClass: organization\no: Example\n"
                           "dc: example\n\ndn: " +
                           kPeople +
                           "\nobjectClass: organizationalUnit\nou: people\n\ndn: " + kGroups +
                           "\nobjectClass: organizationalUnit\nou: groups\n";
  TG_RETURN_IF_ERROR(ldap_tool("ldapadd", base));
  loaded_ = true;
  return {};
}

void SlapdProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Status SlapdProcess::ldap_tool(const std::string& tool, const std::string& ldif) {
  static int counter = 0;
  const std::string file = dir_.file("change-" + std::to_string(++counter) + ".ldif");
  if (!write_file(file, ldif)) return io_error("cannot write " + file);
  const int rc = run({tool, "-x", "-H", url(), "-D", kRootDn, "-w", kRootPassword, "-f", file},
                     "/dev/null", dir_.file("tools.log"));
  if (rc != 0) return Status(Code::unavailable, tool + " failed:\n" + log());
  return {};
}

Status SlapdProcess::add_person(const std::string& uid, const std::string& display_name,
                                const std::string& password) {
  return ldap_tool("ldapadd",
                   "dn: " + person_dn(uid) + "\nobjectClass: inetOrgPerson\nuid: " + uid +
                       "\ncn: " + display_name + "\nsn: " + uid + "\ndisplayName: " + display_name +
                       "\nmail: " + uid + "@example.org\nuserPassword: " + password + "\n");
}

Status SlapdProcess::add_group(const std::string& name, const std::vector<std::string>& uids) {
  std::string ldif = "dn: " + group_dn(name) + "\nobjectClass: groupOfNames\ncn: " + name + "\n";
  for (const auto& uid : uids) ldif += "member: " + person_dn(uid) + "\n";
  return ldap_tool("ldapadd", ldif);
}

Status SlapdProcess::add_member(const std::string& group, const std::string& uid) {
  return ldap_tool("ldapmodify",
                   "dn: " + group_dn(group) +
                       "\nchangetype: modify\nadd: member\nmember: " + person_dn(uid) + "\n");
}

Status SlapdProcess::remove_member(const std::string& group, const std::string& uid) {
  return ldap_tool("ldapmodify",
                   "dn: " + group_dn(group) +
                       "\nchangetype: modify\ndelete: member\nmember: " + person_dn(uid) + "\n");
}

}  // namespace tollgate::testing
