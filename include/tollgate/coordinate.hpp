// Artifact coordinates: the CI, version and file that name one artifact, as in
// /api/v1/artifacts/{ci}/{version}/{file} and `tollgate push|fetch CI/VERSION/FILE`.
//
// The server is the authority on what a name may be, and the client checks with the same rules
// before it sends anything. The names travel further than the URL: into LMDB keys, the git
// vault's paths, signed environment manifests, and onto build agents' and deployed hosts' disks
// when `tollgate fetch` writes them. So a name is refused unless it is safe as one path component
// on every one of those, rather than escaped differently at each.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "tollgate/enum_names.hpp"
#include "tollgate/status.hpp"

namespace tollgate {

// Status reason (with Code::invalid) that the HTTP layer turns into a problem type.
inline constexpr const char* kInvalidArtifactNameReason = "invalid-artifact-name";

inline constexpr std::size_t kMaxArtifactNameBytes = 255;

// Names one artifact. A value; whether its names are valid is validate_artifact_coordinate's
// business (parse_coordinate checks them).
struct Coordinate {
  std::string ci;
  std::string version;
  std::string file;

  // "ci/version/file", as users write it.
  std::string to_string() const { return ci + "/" + version + "/" + file; }

  friend bool operator==(const Coordinate&, const Coordinate&) = default;
};

// Which segment of an artifact coordinate a name is; used in error messages.
enum class ArtifactPart { ci, version, file };

// "ci", "version" or "file".
inline constexpr EnumName<ArtifactPart> kArtifactPartNames[] = {
    {ArtifactPart::ci, "ci"},
    {ArtifactPart::version, "version"},
    {ArtifactPart::file, "file"},
};
constexpr std::span<const EnumName<ArtifactPart>> enum_names(ArtifactPart) {
  return kArtifactPartNames;
}
inline const char* artifact_part_name(ArtifactPart part) { return name_of(part); }

// Checks one percent-decoded segment. A valid name
//   - is 1..255 bytes long and valid UTF-8 (no overlong forms, surrogates or code points past
//     U+10FFFF);
//   - has no control character: none of U+0000..U+001F, U+007F, U+0080..U+009F;
//   - has no '/' and no '\\' (path separators on POSIX and Windows);
//   - is not "." and contains no ".." anywhere (so ".." itself is refused). Stricter than
//     needed while '/' is refused, but it keeps every later join of names into a path free of
//     parent steps, and relaxing it later breaks nobody;
//   - does not start with '-', so that a name written to disk or passed to a tool by a script
//     cannot be read as a command-line option.
// Otherwise answers invalid (reason invalid-artifact-name) naming the part and the rule; the
// name itself is quoted with non-printable bytes escaped as \xNN and long names shortened.
// Whether a CI of that id exists is not this function's business.
Status validate_artifact_name(ArtifactPart part, std::string_view name);

// The three segments in order; the first invalid one decides the error.
Status validate_artifact_coordinate(std::string_view ci, std::string_view version,
                                    std::string_view file);

// Parses "CI/VERSION/FILE" (a resumable upload's ?coordinate=, the CLI's arguments): exactly two
// '/', each part a valid name. Errors: invalid (reason invalid-artifact-name).
Result<Coordinate> parse_coordinate(std::string_view text);

}  // namespace tollgate
