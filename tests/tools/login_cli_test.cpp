// `tollgate login`: reading the password, keeping the token in the config file, the view.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "cli/login.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::cli;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("read_password takes one line without its end; nothing is an error") {
  std::FILE* in = std::tmpfile();
  REQUIRE(in != nullptr);
  std::fputs("s3cret pass\r\nsecond line\n", in);
  std::rewind(in);
  auto pw = read_password(in, false);
  REQUIRE(pw.ok());
  CHECK(*pw == "s3cret pass");
  std::fclose(in);
  std::FILE* empty = std::tmpfile();
  CHECK_FALSE(read_password(empty, false).ok());
  std::fclose(empty);
}

TEST_CASE("save_token keeps the file's settings, adds the token, and writes it 0600") {
  testing::TempDir dir;
  const std::string path = dir.file("cfg/tollgate/config.toml");
  REQUIRE(save_token(path, "tg_one", "https://tg:8443", "ca.pem").ok());
  std::string text = slurp(path);
  CHECK(text.find("token = \"tg_one\"") != std::string::npos);
  CHECK(text.find("server = \"https://tg:8443\"") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  std::ofstream(path) << "server = \"https://other:1\"\nkeys = \"k.json\"\ntoken = \"old\"\n";
  REQUIRE(save_token(path, "tg_two", "https://tg:8443", "").ok());
  text = slurp(path);
  CHECK(text.find("token = \"tg_two\"") != std::string::npos);
  CHECK(text.find("server = \"https://other:1\"") != std::string::npos);
  CHECK(text.find("keys = \"k.json\"") != std::string::npos);
  CHECK(text.find("old") == std::string::npos);
}

TEST_CASE("format_session names the person, roles, environments and the expiry") {
  boost::json::object s{{"user", "alice"},
                        {"name", "Alice"},
                        {"roles", boost::json::array{"tester"}},
                        {"environments", boost::json::array{"SIT"}},
                        {"expires_at", "2026-12-01T08:00:00Z"}};
  CHECK(format_session(s) ==
        "Logged in as alice (Alice): roles tester; environments SIT; until 2026-12-01T08:00:00Z\n");
}
