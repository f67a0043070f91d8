// Relative paths inside a deployment: where a manifest installs an artifact on a host, and
// where a PCA inventory found a file. One rule for the server and the client.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

enum class ControlCharacters { refused, allowed };

// Why `path` is not a normalised relative path ("a/b/c": no leading '/', no empty, "." or ".."
// component, no NUL, at most `max_bytes`), or nullopt when it is one. Install paths refuse
// control characters too; an inventory reports whatever names a host's files have.
inline std::optional<std::string> relative_path_problem(std::string_view path,
                                                        std::size_t max_bytes,
                                                        ControlCharacters control) {
  if (path.empty()) return "must not be empty";
  if (path.size() > max_bytes) return "is longer than " + std::to_string(max_bytes) + " bytes";
  for (char c : path) {
    if (c == '\0') return "must not contain NUL";
    if (control == ControlCharacters::refused &&
        (static_cast<unsigned char>(c) < 0x20 || c == 0x7f))
      return "must not contain control characters";
  }
  if (path.starts_with('/')) return "must be relative (no leading '/')";
  std::string_view rest = path;
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view component = rest.substr(0, slash);
    if (component.empty()) return "must not have an empty component ('//' or a final '/')";
    if (component == "." || component == "..")
      return "must not have a '" + std::string(component) + "' component";
    if (slash == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace tollgate
