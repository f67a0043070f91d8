#include "cli/table.hpp"

#include <algorithm>
#include <cstddef>

namespace tollgate::cli {
namespace {

constexpr std::size_t kGap = 2;

void render_row(const TableRow& row, const std::vector<std::size_t>& widths, std::string& out) {
  static const std::string kEmpty;
  std::string line;
  for (std::size_t column = 0; column < widths.size(); ++column) {
    const std::string& cell = column < row.size() ? row[column] : kEmpty;
    line += cell;
    if (column + 1 < widths.size()) line.append(widths[column] - cell.size() + kGap, ' ');
  }
  line.erase(line.find_last_not_of(' ') + 1);
  out += line;
  out += '\n';
}

}  // namespace

std::string render_table(const TableRow& header, const std::vector<TableRow>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t column = 0; column < header.size(); ++column) {
    widths[column] = header[column].size();
    for (const auto& row : rows) {
      if (column < row.size()) widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::string out;
  render_row(header, widths, out);
  for (const auto& row : rows) render_row(row, widths, out);
  return out;
}

}  // namespace tollgate::cli
