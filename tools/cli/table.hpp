// Plain-text tables for `tollgate ls` and friends.
#pragma once

#include <string>
#include <vector>

namespace tollgate::cli {

using TableRow = std::vector<std::string>;

// Renders `header` and `rows` as left-aligned columns two spaces apart, one line each, the last
// column not padded (no trailing blanks). Rows shorter than the header get empty cells; cells
// beyond the header's columns are dropped.
std::string render_table(const TableRow& header, const std::vector<TableRow>& rows);

}  // namespace tollgate::cli
