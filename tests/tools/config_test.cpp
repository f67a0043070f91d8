#include "cli/config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/support/temp_dir.hpp"

using namespace tollgate;
using namespace tollgate::cli;

namespace {

Environment fake_environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(std::string(name));
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

// A config file at XDG_CONFIG_HOME/tollgate/config.toml under `dir`.
std::string write_config(const tollgate::testing::TempDir& dir, const std::string& text) {
  std::filesystem::create_directories(dir.path() / "tollgate");
  const std::string path = (dir.path() / "tollgate" / "config.toml").string();
  std::ofstream(path) << text;
  return path;
}

const char* kFileSettings = R"(server = "https://file.example:8443"
token = "file-token"
ca = "/etc/file-ca.pem"
)";

}  // namespace

TEST_CASE("settings: flags win over the environment, which wins over the config file") {
  tollgate::testing::TempDir dir;
  const std::string path = write_config(dir, kFileSettings);
  std::map<std::string, std::string> variables = {{"XDG_CONFIG_HOME", dir.str()}};

  SUBCASE("file only") {
    auto settings = resolve_settings({}, fake_environment(variables));
    REQUIRE_MESSAGE(settings.ok(), settings.status().to_string());
    CHECK(settings->server == "https://file.example:8443");
    CHECK(settings->token == "file-token");
    CHECK(settings->ca == "/etc/file-ca.pem");
    CHECK(settings->config_file == path);
  }
  SUBCASE("environment over file") {
    variables["TOLLGATE_SERVER"] = "https://env.example";
    variables["TOLLGATE_TOKEN"] = "env-token";
    auto settings = resolve_settings({}, fake_environment(variables));
    REQUIRE(settings.ok());
    CHECK(settings->server == "https://env.example");
    CHECK(settings->token == "env-token");
    CHECK(settings->ca == "/etc/file-ca.pem");  // not in the environment: from the file
  }
  SUBCASE("flags over environment and file") {
    variables["TOLLGATE_SERVER"] = "https://env.example";
    variables["TOLLGATE_CA"] = "/env/ca.pem";
    SettingFlags flags;
    flags.server = "http://flag.example:8080";
    flags.ca = "/flag/ca.pem";
    auto settings = resolve_settings(flags, fake_environment(variables));
    REQUIRE(settings.ok());
    CHECK(settings->server == "http://flag.example:8080");
    CHECK(settings->ca == "/flag/ca.pem");
    CHECK(settings->token == "file-token");
  }
  SUBCASE("an empty environment variable counts as unset") {
    variables["TOLLGATE_TOKEN"] = "";
    auto settings = resolve_settings({}, fake_environment(variables));
    REQUIRE(settings.ok());
    CHECK(settings->token == "file-token");
  }
}

TEST_CASE("settings: a missing default config file is fine; defaults apply") {
  tollgate::testing::TempDir dir;
  auto settings = resolve_settings({}, fake_environment({{"XDG_CONFIG_HOME", dir.str()}}));
  REQUIRE(settings.ok());
  CHECK(settings->server == kDefaultServer);
  CHECK(settings->token.empty());
  CHECK(settings->ca.empty());
  CHECK(settings->config_file.empty());

  auto homeless = resolve_settings({}, fake_environment({}));
  REQUIRE(homeless.ok());
  CHECK(homeless->server == kDefaultServer);
}

TEST_CASE("settings: the default config file location") {
  CHECK(default_config_file(fake_environment({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})) ==
        "/x/tollgate/config.toml");
  CHECK(default_config_file(fake_environment({{"HOME", "/h"}})) ==
        "/h/.config/tollgate/config.toml");
  // A relative XDG_CONFIG_HOME is ignored, as the XDG specification says.
  CHECK(default_config_file(fake_environment({{"XDG_CONFIG_HOME", "rel"}, {"HOME", "/h"}})) ==
        "/h/.config/tollgate/config.toml");
  CHECK(default_config_file(fake_environment({})).empty());
}

TEST_CASE("settings: --config names the file, which must then exist") {
  tollgate::testing::TempDir dir;
  const std::string path = dir.file("elsewhere.toml");
  std::ofstream(path) << "token = \"explicit\"\n";
  SettingFlags flags;
  flags.config_file = path;
  // The default location also has a file: --config replaces it.
  write_config(dir, kFileSettings);
  auto settings = resolve_settings(flags, fake_environment({{"XDG_CONFIG_HOME", dir.str()}}));
  REQUIRE(settings.ok());
  CHECK(settings->token == "explicit");
  CHECK(settings->server == kDefaultServer);

  flags.config_file = dir.file("missing.toml");
  auto missing = resolve_settings(flags, fake_environment({}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::not_found);
}

TEST_CASE("settings: bad config files are refused, naming the problem") {
  tollgate::testing::TempDir dir;
  const auto env = fake_environment({{"XDG_CONFIG_HOME", dir.str()}});
  SUBCASE("unknown key") {
    write_config(dir, "server = \"https://a\"\ncolour = \"blue\"\n");
    auto settings = resolve_settings({}, env);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.status().code() == Code::invalid);
    CHECK(settings.status().message().find("unknown key 'colour'") != std::string::npos);
  }
  SUBCASE("a section is an unknown key too") {
    write_config(dir, "[server]\nurl = \"https://a\"\n");
    CHECK_FALSE(resolve_settings({}, env).ok());
  }
  SUBCASE("a value that is not a string") {
    write_config(dir, "token = 42\n");
    auto settings = resolve_settings({}, env);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.status().message().find("token must be a string") != std::string::npos);
  }
  SUBCASE("not TOML") {
    write_config(dir, "server = \n");
    auto settings = resolve_settings({}, env);
    REQUIRE_FALSE(settings.ok());
    CHECK(settings.status().code() == Code::invalid);
    CHECK(settings.status().message().find("config.toml:1:") != std::string::npos);
  }
  SUBCASE("flags do not excuse a broken file") {
    write_config(dir, "colour = \"blue\"\n");
    SettingFlags flags;
    flags.server = "https://flag";
    flags.token = "t";
    flags.ca = "c";
    CHECK_FALSE(resolve_settings(flags, env).ok());
  }
}

TEST_CASE("settings: a relative ca in the config file is relative to the file") {
  tollgate::testing::TempDir dir;
  write_config(dir, "ca = \"certs/ca.pem\"\n");
  auto settings = resolve_settings({}, fake_environment({{"XDG_CONFIG_HOME", dir.str()}}));
  REQUIRE(settings.ok());
  CHECK(settings->ca == (dir.path() / "tollgate" / "certs" / "ca.pem").string());
  // A relative --ca stays as given: it is relative to where the user runs the command.
  SettingFlags flags;
  flags.ca = "here.pem";
  auto flagged = resolve_settings(flags, fake_environment({{"XDG_CONFIG_HOME", dir.str()}}));
  REQUIRE(flagged.ok());
  CHECK(flagged->ca == "here.pem");
}

TEST_CASE("settings: a client certificate and key from flags, environment or the file") {
  tollgate::testing::TempDir dir;
  write_config(dir, "cert = \"agent1.pem\"\nkey = \"/secret/agent1.key\"\n");
  std::map<std::string, std::string> variables = {{"XDG_CONFIG_HOME", dir.str()}};
  auto settings = resolve_settings({}, fake_environment(variables));
  REQUIRE_MESSAGE(settings.ok(), settings.status().to_string());
  CHECK(settings->cert == (dir.path() / "tollgate" / "agent1.pem").string());  // file-relative
  CHECK(settings->key == "/secret/agent1.key");

  variables["TOLLGATE_CERT"] = "/env/cert.pem";
  variables["TOLLGATE_KEY"] = "/env/key.pem";
  settings = resolve_settings({}, fake_environment(variables));
  REQUIRE(settings.ok());
  CHECK(settings->cert == "/env/cert.pem");
  CHECK(settings->key == "/env/key.pem");

  SettingFlags flags;
  flags.cert = "flag.pem";
  flags.key = "flag.key";
  settings = resolve_settings(flags, fake_environment(variables));
  REQUIRE(settings.ok());
  CHECK(settings->cert == "flag.pem");
  CHECK(settings->key == "flag.key");
  CHECK(settings->keys.empty());  // --keys (manifest keys) is another setting
}
