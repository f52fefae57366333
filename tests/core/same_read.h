// One comparison for the reader tests: two reads of the same bytes (whole, in chunks, through
// the auto reader) must report the same thing, cell by cell.
#pragma once

#include <gtest/gtest.h>

#include "kpi/io/readers.h"
#include "kpi/table.h"

namespace kpi::testing_support {

inline void expect_same_read(const read_info& a_info, const table& a, const read_info& b_info,
                             const table& b) {
  EXPECT_EQ(a_info.error, b_info.error);
  EXPECT_EQ(a_info.format, b_info.format);
  EXPECT_EQ(a_info.encoding, b_info.encoding);
  EXPECT_EQ(a_info.delimiter, b_info.delimiter);
  EXPECT_EQ(a_info.skipped, b_info.skipped);
  EXPECT_EQ(a_info.warning_count, b_info.warning_count);
  ASSERT_EQ(a_info.warnings.size(), b_info.warnings.size());
  for (size_t i = 0; i < a_info.warnings.size(); ++i) {
    EXPECT_EQ(a_info.warnings[i].line, b_info.warnings[i].line);
    EXPECT_EQ(a_info.warnings[i].reason, b_info.warnings[i].reason);
  }
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) EXPECT_EQ(a.columns[c].name, b.columns[c].name);
  ASSERT_EQ(a.lines, b.lines);
  for (size_t c = 0; c < b.columns.size(); ++c) {
    for (size_t row = 0; row < b.rows(); ++row) {
      EXPECT_EQ(a.columns[c].text(row), b.columns[c].text(row)) << b.columns[c].name << " row " << row;
    }
  }
}

}  // namespace kpi::testing_support
