#include "tollgate/coordinate.hpp"

#include <optional>

#include <fmt/format.h>

#include "text.hpp"

namespace tollgate {

namespace {

// Why the characters of a name are refused, or an empty string when they are fine.
std::string character_fault(std::string_view name) {
  for (std::size_t at = 0; at < name.size();) {
    const std::optional<model::CodePoint> cp = model::decode_utf8(name, at);
    if (!cp) return fmt::format("is not valid UTF-8 at byte {}", at);
    if (model::is_control(cp->value))
      return fmt::format("has the control character U+{:04X} at byte {}", cp->value, at);
    if (cp->value == '/' || cp->value == '\\')
      return fmt::format("must not contain '{}'", static_cast<char>(cp->value));
    at += cp->length;
  }
  return {};
}

}  // namespace

Status validate_artifact_name(ArtifactPart part, std::string_view name) {
  std::string fault;
  if (name.empty())
    fault = "is empty";
  else if (name.size() > kMaxArtifactNameBytes)
    fault =
        fmt::format("is {} bytes long; at most {} are allowed", name.size(), kMaxArtifactNameBytes);
  else if (name == ".")
    fault = "is not a name";
  else if (name.find("..") != std::string_view::npos)
    fault = "must not contain \"..\"";
  else if (name.front() == '-')
    fault = "must not start with '-'";
  else
    fault = character_fault(name);
  if (fault.empty()) return {};
  return invalid(
             fmt::format("artifact {} {} {}", artifact_part_name(part), model::quoted(name), fault))
      .with_reason(kInvalidArtifactNameReason);
}

Status validate_artifact_coordinate(std::string_view ci, std::string_view version,
                                    std::string_view file) {
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::ci, ci));
  TG_RETURN_IF_ERROR(validate_artifact_name(ArtifactPart::version, version));
  return validate_artifact_name(ArtifactPart::file, file);
}

Result<Coordinate> parse_coordinate(std::string_view text) {
  const auto first = text.find('/');
  const auto second = first == std::string_view::npos ? first : text.find('/', first + 1);
  if (second == std::string_view::npos || text.find('/', second + 1) != std::string_view::npos)
    return invalid(fmt::format("coordinate {} must be CI/VERSION/FILE", model::quoted(text)))
        .with_reason(kInvalidArtifactNameReason);
  Coordinate at{std::string(text.substr(0, first)),
                std::string(text.substr(first + 1, second - first - 1)),
                std::string(text.substr(second + 1))};
  TG_RETURN_IF_ERROR(validate_artifact_coordinate(at.ci, at.version, at.file));
  return at;
}

}  // namespace tollgate
