#include "cli/pca_scan.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

#include <fmt/format.h>

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::string_view last_component(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string join(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : fmt::format("{}/{}", prefix, name);
}

const char* special_kind(fs::file_type type) {
  switch (type) {
    case fs::file_type::symlink:
      return "symlink";
    case fs::file_type::fifo:
      return "fifo";
    case fs::file_type::socket:
      return "socket";
    case fs::file_type::block:
      return "block-device";
    case fs::file_type::character:
      return "char-device";
    default:
      return "other";
  }
}

// Collects what to hash, what is ignored and what is skipped, below one root.
class Walker {
 public:
  Walker(fs::path root, const IgnoreRules& rules, ScanResult& out)
      : root_(std::move(root)), rules_(rules), out_(out) {}

  // Visits the directory at relative path `relative` ("" for the root). `excluded`: a
  // directory above it is excluded, so everything in it is ignored.
  Status walk(const std::string& relative, bool excluded) {
    std::error_code ec;
    const fs::path dir = relative.empty() ? root_ : root_ / relative;
    fs::directory_iterator it(dir, ec);
    if (ec) return io_error(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    for (const fs::directory_iterator end; it != end; it.increment(ec)) {
      const std::string path = join(relative, it->path().filename().string());
      const fs::file_status status = it->symlink_status(ec);
      if (ec) return io_error(fmt::format("cannot stat {}: {}", it->path().string(), ec.message()));
      TG_RETURN_IF_ERROR(visit(path, status.type(), excluded));
    }
    if (ec) return io_error(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    return {};
  }

  std::vector<std::string> to_hash;  // relative paths of the regular files to hash

 private:
  Status visit(const std::string& path, fs::file_type type, bool excluded) {
    const bool directory = type == fs::file_type::directory;
    if (path == kUntrustedIgnoreFile && type == fs::file_type::regular)
      out_.untrusted_ignore_file = true;
    excluded = excluded || rules_.excludes(path, directory);
    if (directory) return walk(path, excluded);
    if (excluded) {
      out_.ignored.push_back(path);
    } else if (type == fs::file_type::regular) {
      to_hash.push_back(path);
    } else {
      SkippedEntry skipped{path, special_kind(type), {}};
      std::error_code ec;
      if (type == fs::file_type::symlink)
        skipped.target = fs::read_symlink(root_ / path, ec).string();
      out_.skipped.push_back(std::move(skipped));
    }
    return {};
  }

  fs::path root_;
  const IgnoreRules& rules_;
  ScanResult& out_;
};

// Hashes `paths` (relative to root) on `workers` threads; the result is in the same order.
Result<std::vector<ScannedFile>> hash_all(const fs::path& root,
                                          const std::vector<std::string>& paths, unsigned workers,
                                          const FileHasher& hasher) {
  std::vector<ScannedFile> files(paths.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  Status failure;
  auto work = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t i = next.fetch_add(1);
      if (i >= paths.size()) return;
      auto digest = hasher((root / paths[i]).string());
      if (!digest.ok()) {
        const std::lock_guard lock(failure_mutex);
        if (failure.ok()) failure = std::move(digest).take_status();
        failed = true;
        return;
      }
      files[i] = ScannedFile{paths[i], std::move(digest->sha256), digest->size};
    }
  };
  workers = std::max(1U, std::min<unsigned>(workers, static_cast<unsigned>(paths.size())));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < workers; ++i) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  if (!failure.ok()) return failure;
  return files;
}

}  // namespace

Status IgnoreRules::add(std::string_view text, std::string_view source) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    Rule rule;
    if (line.front() == '!') {
      rule.is_regex = true;
      const std::string_view expression = line.substr(1);
      if (expression.empty())
        return invalid(fmt::format("{} line {}: '!' needs a regular expression after it", source,
                                   line_number));
      auto pattern = PathPattern::regex(expression);
      if (!pattern.ok())
        return invalid(fmt::format("{} line {}: '{}' is not a valid regular expression: {}", source,
                                   line_number, line, pattern.status().message()));
      rule.pattern = std::move(pattern).value();
    } else {
      std::string_view glob = line;
      rule.directory_only = glob.ends_with('/');
      while (glob.ends_with('/')) glob.remove_suffix(1);
      rule.name_only = glob.find('/') == std::string_view::npos;
      while (glob.starts_with('/')) glob.remove_prefix(1);
      if (glob.empty())
        return invalid(fmt::format("{} line {}: '{}' names no path", source, line_number, line));
      rule.pattern = PathPattern::glob(glob);
    }
    rules_.push_back(std::move(rule));
  }
  return {};
}

Status IgnoreRules::add_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return not_found(fmt::format("no ignore file {}", path));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return io_error(fmt::format("cannot read the ignore file {}", path));
  return add(text.str(), path);
}

bool IgnoreRules::excludes(std::string_view path, bool directory) const {
  std::string rooted;
  for (const Rule& rule : rules_) {
    if (rule.is_regex) {
      if (rooted.empty()) rooted = fmt::format("/{}", path);
      if (rule.pattern.matches_prefix(rooted)) return true;
      continue;
    }
    if (rule.directory_only && !directory) continue;
    const std::string_view subject = rule.name_only ? last_component(path) : path;
    if (rule.pattern.matches(subject)) return true;
  }
  return false;
}

Result<ScanResult> scan_directory(const std::string& dir, const ScanOptions& options) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec || !fs::exists(status)) return not_found(fmt::format("no directory {}", dir));
  if (!fs::is_directory(status)) return invalid(fmt::format("{} is not a directory", dir));

  IgnoreRules rules;
  if (!options.ignore_file.empty()) TG_RETURN_IF_ERROR(rules.add_file(options.ignore_file));

  ScanResult result;
  Walker walker(dir, rules, result);
  TG_RETURN_IF_ERROR(walker.walk("", false));
  std::sort(walker.to_hash.begin(), walker.to_hash.end());
  std::sort(result.ignored.begin(), result.ignored.end());
  std::sort(result.skipped.begin(), result.skipped.end(),
            [](const SkippedEntry& a, const SkippedEntry& b) { return a.path < b.path; });

  const unsigned workers =
      options.workers != 0 ? options.workers : std::max(1U, std::thread::hardware_concurrency());
  const FileHasher hasher = options.hasher ? options.hasher : [](const std::string& path) {
    return client::sha256_file(path);
  };
  auto files = hash_all(dir, walker.to_hash, workers, hasher);
  if (!files.ok())
    return Status(files.status().code(),
                  fmt::format("scanning {}: {}", dir, files.status().message()));
  result.files = std::move(files).value();
  return result;
}

}  // namespace tollgate::cli
