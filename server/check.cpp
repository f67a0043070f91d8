#include "server/check.hpp"

#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <boost/json.hpp>

#include "server/cis.hpp"
#include "server/cmdb_model.hpp"

namespace tollgate::server {

namespace json = boost::json;
using storage::Table;

namespace {

struct Checker {
  storage::ReadTxn& txn;
  std::ostream& out;
  std::size_t faults = 0;

  void fault(const std::string& what) {
    ++faults;
    fmt::print(out, "FAULT {}\n", what);
  }

  void cis() {
    std::size_t n = 0;
    txn.scan(Table::cis, "", [&](std::string_view key, std::string_view value) {
      ++n;
      auto ci = Ci::from_json(value);
      if (!ci) return fault(fmt::format("ci {}: {}", key, ci.status().message())), true;
      if (ci->id != key) fault(fmt::format("ci {}: record names id '{}'", key, ci->id));
      if (!txn.get(Table::ci_types, ci->type))
        fault(fmt::format("ci {}: its type '{}' does not exist", key, ci->type));
      for (std::uint64_t rev = 1; rev <= ci->revision; ++rev) {
        auto entry = txn.get(Table::ci_history, history_key(ci->id, rev));
        if (!entry) {
          fault(fmt::format("ci {}: history revision {} is missing", key, rev));
          continue;
        }
        if (rev != ci->revision) continue;
        boost::system::error_code ec;
        json::value v = json::parse(*entry, ec);
        const json::value* snapshot =
            ec || !v.is_object() ? nullptr : v.as_object().if_contains("snapshot");
        if (!snapshot || *snapshot != json::value(ci->to_json()))
          fault(fmt::format("ci {}: the newest history snapshot differs from the record", key));
      }
      return true;
    });
    fmt::print(out, "checked {} CIs\n", n);
  }

  void relationships() {
    std::size_t n = 0;
    txn.scan(Table::rel_out, "", [&](std::string_view key, std::string_view) {
      ++n;
      const auto a = key.find('\0');
      const auto b = key.find('\0', a + 1);
      if (a == std::string_view::npos || b == std::string_view::npos)
        return fault("relationship key malformed"), true;
      const std::string from(key.substr(0, a)), type(key.substr(a + 1, b - a - 1)),
          to(key.substr(b + 1));
      if (!txn.get(Table::rel_in, to + '\0' + type + '\0' + from))
        fault(fmt::format("relationship {} {} {}: the reverse index is missing", from, type, to));
      if (!txn.get(Table::cis, from) || !txn.get(Table::cis, to))
        fault(fmt::format("relationship {} {} {}: names a CI that does not exist", from, type, to));
      return true;
    });
    txn.scan(Table::rel_in, "", [&](std::string_view key, std::string_view) {
      const auto a = key.find('\0');
      const auto b = key.find('\0', a + 1);
      if (a == std::string_view::npos || b == std::string_view::npos) return true;
      const std::string to(key.substr(0, a)), type(key.substr(a + 1, b - a - 1)),
          from(key.substr(b + 1));
      if (!txn.get(Table::rel_out, from + '\0' + type + '\0' + to))
        fault(fmt::format("relationship {} {} {}: the forward index is missing", from, type, to));
      return true;
    });
    fmt::print(out, "checked {} relationships\n", n);
  }

  void records(Table table) {
    std::size_t n = 0;
    txn.scan(table, "", [&](std::string_view key, std::string_view value) {
      ++n;
      boost::system::error_code ec;
      json::value v = json::parse(value, ec);
      if (ec || !v.is_object())
        fault(fmt::format("{} {}: unreadable record", table_name(table), key));
      return true;
    });
    fmt::print(out, "checked {} {} records\n", n, table_name(table));
  }
};

}  // namespace

std::size_t check_store(storage::KvStore& store, std::ostream& out) {
  std::size_t faults = 0;
  Status st = store.read([&](storage::ReadTxn& txn) {
    Checker c{txn, out};
    c.records(Table::ci_types);
    c.records(Table::tokens);
    c.records(Table::ci_history);
    c.cis();
    c.relationships();
    faults = c.faults;
    return Status();
  });
  if (!st.ok()) {
    fmt::print(out, "FAULT the store could not be read: {}\n", st.to_string());
    ++faults;
  }
  fmt::print(out, "{}\n", faults == 0 ? "store: ok" : fmt::format("store: {} fault(s)", faults));
  return faults;
}

}  // namespace tollgate::server
