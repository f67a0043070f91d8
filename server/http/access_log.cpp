#include "server/http/access_log.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace tollgate::server {

namespace {

void json_escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
}

}  // namespace

std::string access_log_line(const AccessLogEntry& entry, Micros time) {
  std::string line = "{\"time\":\"";
  line += format_rfc3339(time);
  line += "\",\"request_id\":\"";
  json_escape(line, entry.request_id);
  line += "\",\"remote\":\"";
  json_escape(line, entry.remote);
  line += "\",\"method\":\"";
  json_escape(line, entry.method);
  line += "\",\"target\":\"";
  json_escape(line, entry.target);
  line += "\",\"route\":\"";
  json_escape(line, entry.route);
  line += fmt::format("\",\"status\":{},\"bytes\":{},\"duration_ms\":{:.3f},\"actor\":\"",
                      entry.status, entry.bytes, entry.seconds * 1000);
  json_escape(line, entry.actor);
  line += "\"}\n";
  return line;
}

void AccessLog::write(const AccessLogEntry& entry) {
  const std::string line = access_log_line(entry, SystemClock().now());
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace tollgate::server
