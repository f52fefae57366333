// Tests for kpi/table.h: the direct reading of number and date columns (cell_shape) gives the
// same table as interning every cell, whatever the cells hold.
#include "kpi/table.h"
#include "kpi/threads.h"
#include "kpi/values.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <string>
#include <unordered_map>
#include <vector>

namespace kpi {
namespace {

// ---- cell_shape ----

TEST(CellShape, NumbersAndDatesItCanWriteBack) {
  for (const char* text :
       {"0", "7", "-7", "1234567", "0.5", "12.50", "-12.50", "99999999.99", "0.05", "-0.01",
        "2024-02-29", "2024-11-28T08:10:28", "2024-11-28 08:10", "1999-12-31T23:59:59Z",
        "2024-01-05 10:00:00 +0100", "2024-01-05T10:00:00+01:00", "2024-01-05T10:00:00.000"}) {
    const cell_shape shape = cell_shape::of(text);
    ASSERT_NE(shape.k, cell_shape::kind::none) << text;
    double number = 0;
    int64_t time = 0;
    const bool read = shape.k == cell_shape::kind::number ? shape.read_number(text, number)
                                                          : shape.read_date(text, time);
    ASSERT_TRUE(read) << text;
    char out[64];
    EXPECT_EQ(std::string(out, shape.write(number, time, out)), text);
  }
}

TEST(CellShape, LeavesEverythingElseToTheFormat) {
  // Leading zeros, negative zero, 8 digits (YYYYMMDD?), three decimals ("1.234" could be
  // grouped), marks, currencies, blanks, other date orders, impossible days and times.
  for (const char* text :
       {"", "007", "-0", "-0.00", "12345678", "1.234", "12,50", "1,234.50", "$12.00", " 12",
        "12 ", "+5", "1e3", "05/01/2024", "2024-02-30", "2024-13-01", "2024-01-05T24:00:00",
        "2024-01-05T10:60", "0999-01-01", "2024-01-05 3:04 PM", "2024-01-05T10:00:00 UTC",
        "2024-1-5", "2024-01-05x", "2024-01-05T10:00:00 "}) {
    EXPECT_EQ(cell_shape::of(text).k, cell_shape::kind::none) << '"' << text << '"';
  }
  // A shape reads only cells written exactly its way.
  const cell_shape cents = cell_shape::of("12.50");
  double v = 0;
  EXPECT_FALSE(cents.read_number("12.5", v));
  EXPECT_FALSE(cents.read_number("12", v));
  const cell_shape stamp = cell_shape::of("2024-01-05T10:00:00Z");
  int64_t t = 0;
  EXPECT_FALSE(stamp.read_date("2024-01-05T10:00:00+01:00", t));
  EXPECT_FALSE(stamp.read_date("2024-01-05 10:00:00Z", t));
  EXPECT_TRUE(stamp.read_date("2031-07-15T23:59:59Z", t));
}

// ---- direct reading against interning every cell ----

// One cell in one of many ways stores write values, valid or not.
std::string random_cell(std::mt19937& rng, int kind) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + pick(10));
    return s;
  };
  auto two = [&](int v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  switch (kind) {
    case 0:  // integers, sometimes negative, sometimes with leading zeros
      return (pick(8) == 0 ? "-" : "") + std::to_string(pick(2000));
    case 1:  // amounts with two decimals
      return (pick(10) == 0 ? "-" : "") + std::to_string(pick(500)) + "." + digits(2);
    case 2:  // amounts with one decimal
      return std::to_string(pick(50)) + "." + digits(1);
    case 3:  // ISO timestamps
      return "2024-" + two(1 + pick(12)) + "-" + two(1 + pick(28)) + "T" + two(pick(24)) +
             ":" + two(pick(60)) + ":" + two(pick(60));
    case 4:  // ISO dates with a space and an offset
      return "2023-" + two(1 + pick(12)) + "-" + two(1 + pick(28)) + " " + two(pick(24)) +
             ":" + two(pick(60)) + " +0100";
    case 5:  // plain dates, now and then impossible ones
      return "2022-" + two(1 + pick(12)) + "-" + two(1 + pick(31));
    default:
      break;
  }
  // Noise: other ways of writing numbers and dates, text, blanks.
  static const char* const NOISE[] = {"",        " ",        "N/A",      "12,5",      "1.234",
                                      "1,234.50", "$12.00",  "-0",       "-0.00",     "007",
                                      "0",        "20240105", "1700000000", "05/01/2024",
                                      "13/01/2024", "2024-02-30", "2024-01-05T25:00:00",
                                      "2024-01-05T10:00:00.123Z", "hello", "12.345", "3.5",
                                      "2024-01", "+5", "99999999"};
  return NOISE[pick(static_cast<int>(std::size(NOISE)))];
}

void expect_same_column(const column& a, const column& b) {
  SCOPED_TRACE(b.name);
  EXPECT_EQ(a.format.type, b.format.type);
  EXPECT_EQ(a.format.decimal_mark, b.format.decimal_mark);
  EXPECT_EQ(a.format.currency, b.format.currency);
  EXPECT_EQ(a.format.order, b.format.order);
  EXPECT_EQ(a.format.compact, b.format.compact);
  EXPECT_EQ(a.format.unix_unit, b.format.unix_unit);
  EXPECT_EQ(a.format.month_only, b.format.month_only);
  EXPECT_EQ(a.format.has_time, b.format.has_time);
  EXPECT_EQ(a.bad, b.bad);
  EXPECT_EQ(a.bad_rows, b.bad_rows);
  // A number column of ids whose every cell reads (finish_column) keeps no packed numbers:
  // number() reads its text, to the same doubles.
  const bool unpacked_ids = b.is_number() && b.numbers.empty() && !a.numbers.empty();
  if (unpacked_ids) {
    EXPECT_EQ(b.name, "order_id");
    EXPECT_EQ(b.bad, 0u);
  } else {
    ASSERT_EQ(a.numbers.size(), b.numbers.size());
  }
  for (size_t r = 0; r < a.numbers.size(); ++r) {
    const double x = a.numbers[r], y = unpacked_ids ? b.number(r) : b.numbers[r];
    EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << "row " << r;
  }
  EXPECT_EQ(a.times, b.times);
  const size_t rows = std::max({a.codes.size(), a.numbers.size(), a.times.size()});
  for (size_t r = 0; r < rows; ++r) {
    EXPECT_EQ(a.text(r), b.text(r)) << "row " << r;
    EXPECT_EQ(a.empty_at(r), b.empty_at(r)) << "row " << r;
  }
}

// A number shape's cells as table.h defines them, digit by digit: [-]D[.F], D 1-8 digits
// without a leading zero (at most 7 without a fraction), F exactly `fraction` digits, never a
// negative zero. Apart from read_scaled, which cell_shape::of itself uses.
bool scaled_by_definition(uint8_t fraction, std::string_view s, int64_t& k) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  const bool negative = i == 1;
  const size_t d0 = i;
  uint64_t m = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') m = m * 10 + static_cast<uint64_t>(s[i++] - '0');
  const size_t digits = i - d0;
  if (digits == 0 || digits > (fraction == 0 ? 7u : 8u) || (digits > 1 && s[d0] == '0')) {
    return false;
  }
  if (fraction > 0) {
    if (s.size() - i != fraction + 1u || s[i] != '.') return false;
    for (++i; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      m = m * 10 + static_cast<uint64_t>(s[i] - '0');
    }
  }
  if (i != s.size() || (negative && m == 0)) return false;
  k = negative ? -static_cast<int64_t>(m) : static_cast<int64_t>(m);
  return true;
}

// finish() counts a value into the number shape of the value before when that shape reads it,
// and converts ids through that shape: both rest on a number shape reading exactly the cells
// whose shape it is, to the double parse_number gives them.
TEST(CellShape, ANumberShapeReadsExactlyItsCellsAsParseNumberDoes) {
  std::mt19937 rng(20261123);
  std::vector<std::string> cells;
  for (int kind = 0; kind <= 6; ++kind) {
    for (int i = 0; i < 3000; ++i) cells.push_back(random_cell(rng, kind));
  }
  // Strings of digits, signs, points, a letter and the bytes either side of the digits, up to
  // 12 long: leading zeros, 8+ digits, three decimals, points in odd places.
  static const char ALPHABET[] = "0123456789-.a/:";
  for (int i = 0; i < 200000; ++i) {
    std::string s(rng() % 13, ' ');
    for (char& ch : s) ch = ALPHABET[rng() % (sizeof ALPHABET - 1)];
    cells.push_back(std::move(s));
  }
  size_t read = 0;
  for (uint8_t fraction = 0; fraction <= 2; ++fraction) {
    cell_shape shape;
    shape.k = cell_shape::kind::number;
    shape.fraction = fraction;
    for (const std::string& s : cells) {
      int64_t k = 0, expected = 0;
      ASSERT_EQ(shape.read_scaled(s, k), cell_shape::of(s) == shape) << '"' << s << '"';
      ASSERT_EQ(shape.read_scaled(s, k), scaled_by_definition(fraction, s, expected))
          << '"' << s << '"';
      if (scaled_by_definition(fraction, s, expected)) {
        ASSERT_EQ(k, expected) << s;
      }
      double mine = 0;
      if (!shape.read_number(s, mine)) continue;
      ++read;
      const auto theirs = parse_number(s, '.');
      ASSERT_TRUE(theirs.has_value()) << s;
      ASSERT_EQ(std::memcmp(&mine, &*theirs, sizeof mine), 0) << s;
    }
  }
  EXPECT_GT(read, 20000u);  // the strings did include many of each shape
}

TEST(DirectColumns, GiveTheTableThatInterningEveryCellGives) {
  std::mt19937 rng(20261122);
  // "order_id" is never read directly: its column is typed from its values grouped by shape.
  static const char* const HEADERS[] = {"total", "created_at", "value", "paid at", "qty",
                                        "order_id"};
  size_t direct_columns = 0;
  for (int trial = 0; trial < 300; ++trial) {
    table_builder direct, interned(false);
    const int columns = 1 + static_cast<int>(rng() % 4);
    std::vector<int> kind(columns), noise_every(columns);
    for (int c = 0; c < columns; ++c) {
      kind[c] = static_cast<int>(rng() % 7);
      // 0: no noise; else about one cell in noise_every is noise.
      static const int NOISE_EVERY[] = {0, 0, 200, 40, 12, 5, 2};
      noise_every[c] = NOISE_EVERY[rng() % std::size(NOISE_EVERY)];
      const std::string name = HEADERS[rng() % std::size(HEADERS)];
      direct.add_column(name);
      interned.add_column(name);
    }
    const int rows = 1 + static_cast<int>(rng() % 600);
    // Sometimes the column starts clean and turns noisy after the sample.
    const int clean_until = rng() % 3 == 0 ? 100 : 0;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < columns; ++c) {
        const bool noise =
            kind[c] == 6 || (noise_every[c] != 0 && r >= clean_until &&
                             rng() % static_cast<unsigned>(noise_every[c]) == 0);
        const std::string cell = random_cell(rng, noise ? 6 : kind[c]);
        direct.set(static_cast<size_t>(c), cell);
        interned.set(static_cast<size_t>(c), cell);
      }
      direct.end_row(static_cast<uint64_t>(r + 2));
      interned.end_row(static_cast<uint64_t>(r + 2));
    }
    table a = interned.finish();
    table b = direct.finish();
    ASSERT_EQ(a.lines, b.lines);
    ASSERT_EQ(a.columns.size(), b.columns.size());
    for (size_t c = 0; c < a.columns.size(); ++c) {
      SCOPED_TRACE("trial " + std::to_string(trial));
      ASSERT_FALSE(a.columns[c].direct());
      column& d = b.columns[c];
      if (d.direct()) {
        ++direct_columns;
        // Rows read directly hold no code until materialized.
        EXPECT_TRUE(d.codes.empty());
      }
      // Compare the column as read, then with its codes.
      expect_same_column(a.columns[c], d);
      column copy = d;
      copy.materialize();
      EXPECT_FALSE(copy.direct());
      EXPECT_EQ(copy.codes, a.columns[c].codes);
      EXPECT_EQ(copy.pool.size(), a.columns[c].pool.size());
      expect_same_column(a.columns[c], copy);
    }
  }
  // The trials did read columns directly (and TurnBackIntoText... covers falling back).
  EXPECT_GT(direct_columns, 100u);
}

// add_row (the CSV reader's way: a row's cells in column order, in one pass) makes the table
// that set() of each cell and end_row() make: in columns read directly (with cells of other
// shapes, and empty ones), interned, and deferred past DEFER_AFTER distinct values; in rows
// that give fewer cells than there are columns; with either builder.
TEST(DirectColumns, AddRowGivesTheTableOfSetAndEndRow) {
  std::mt19937 rng(20261124);
  static const char* const HEADERS[] = {"total", "created_at", "value", "paid at", "qty",
                                        "order_id", "channel"};
  size_t direct_columns = 0, deferred_columns = 0;
  for (int trial = 0; trial < 24; ++trial) {
    const bool direct_on = trial % 4 != 3;
    table_builder by_set(direct_on), by_row(direct_on);
    const int columns = 2 + static_cast<int>(rng() % 4);
    std::vector<int> kind(columns), noise_every(columns);
    for (int c = 0; c < columns; ++c) {
      kind[c] = static_cast<int>(rng() % 8);  // 7: a distinct id per row
      static const int NOISE_EVERY[] = {0, 0, 200, 12, 2};
      noise_every[c] = NOISE_EVERY[rng() % std::size(NOISE_EVERY)];
      const std::string name = HEADERS[rng() % std::size(HEADERS)];
      by_set.add_column(name);
      by_row.add_column(name);
    }
    const int rows = trial % 3 == 0 ? 40000 : 1 + static_cast<int>(rng() % 3000);
    std::vector<std::string> cells(columns);
    for (int r = 0; r < rows; ++r) {
      // Now and then a short row: the columns past its cells are empty.
      const size_t count = rng() % 50 == 0 ? rng() % static_cast<unsigned>(columns) : columns;
      for (int c = 0; c < columns; ++c) {
        const bool noise = noise_every[c] != 0 && rng() % static_cast<unsigned>(noise_every[c]) == 0;
        cells[c] = kind[c] == 7 && !noise ? "C" + std::to_string(r * 7919 % 1000003)
                                          : random_cell(rng, noise ? 6 : kind[c]);
        if (static_cast<size_t>(c) < count && !cells[c].empty()) by_set.set(c, cells[c]);
      }
      by_set.end_row(static_cast<uint64_t>(r + 2));
      by_row.add_row(
          count,
          [&](size_t c, const char*& data, size_t& size) {
            data = cells[c].data();
            size = cells[c].size();
          },
          static_cast<uint64_t>(r + 2));
    }
    table a = by_set.finish();
    table b = by_row.finish();
    ASSERT_EQ(a.lines, b.lines);
    ASSERT_EQ(a.columns.size(), b.columns.size());
    for (size_t c = 0; c < a.columns.size(); ++c) {
      SCOPED_TRACE("trial " + std::to_string(trial) + " column " + std::to_string(c));
      ASSERT_EQ(a.columns[c].direct(), b.columns[c].direct());
      direct_columns += b.columns[c].direct();
      deferred_columns += b.columns[c].pool.size() > table_builder::DEFER_AFTER;
      expect_same_column(a.columns[c], b.columns[c]);
      EXPECT_EQ(a.columns[c].codes, b.columns[c].codes);
      EXPECT_EQ(a.columns[c].pool.size(), b.columns[c].pool.size());
    }
  }
  EXPECT_GT(direct_columns, 10u);
  EXPECT_GT(deferred_columns, 2u);
}

// Reserving rows (from the file's size) changes no cell, whether the estimate is short or
// long, and columns that appear later (JSON) get room too.
TEST(DirectColumns, ReservingRowsChangesNothing) {
  std::mt19937 rng(7);
  for (size_t estimate : {size_t{10}, size_t{300}, size_t{5000}}) {
    table_builder plain, reserved;
    const size_t first = plain.add_column("total");
    reserved.add_column("total");
    for (int r = 0; r < 1200; ++r) {
      if (r == 100) reserved.reserve(estimate);
      if (r == 150) {
        plain.add_column("created_at");
        reserved.add_column("created_at");
      }
      const std::string amount = random_cell(rng, r % 50 == 0 ? 6 : 1);
      plain.set(first, amount);
      reserved.set(first, amount);
      if (r >= 150) {
        const std::string when = random_cell(rng, 3);
        plain.set(first + 1, when);
        reserved.set(first + 1, when);
      }
      plain.end_row(static_cast<uint64_t>(r + 2));
      reserved.end_row(static_cast<uint64_t>(r + 2));
    }
    table a = plain.finish();
    table b = reserved.finish();
    ASSERT_EQ(a.lines, b.lines);
    ASSERT_EQ(a.columns.size(), 2u);
    for (size_t c = 0; c < 2; ++c) {
      EXPECT_TRUE(b.columns[c].direct());
      expect_same_column(a.columns[c], b.columns[c]);
    }
  }
}

// A column whose first cells are numbers and whose later cells are mostly words ends up a
// text column, with every text as written.
TEST(DirectColumns, TurnBackIntoTextWhenMostCellsAreText) {
  table_builder b;
  b.add_column("value");
  for (int r = 0; r < 1000; ++r) {
    b.set(0, r < 100 ? std::to_string(r) + ".25" : "word " + std::to_string(r % 7));
    b.end_row(static_cast<uint64_t>(r + 2));
  }
  table t = b.finish();
  const column& c = t.columns[0];
  EXPECT_EQ(c.format.type, value_type::text);
  EXPECT_FALSE(c.direct());
  EXPECT_EQ(c.text(5), "5.25");
  EXPECT_EQ(c.text(999), "word 5");
  EXPECT_EQ(c.pool.size(), 1u + 100u + 7u);
}

// A number column of ids (by its header) keeps no packed numbers when every cell reads as a
// number: it has no bad cell, and number() reads each cell's text. One bad cell, another
// header, or a decimal comma, and the numbers are packed as for any number column.
TEST(DirectColumns, IdsThatAllReadKeepNoPackedNumbers) {
  struct case_ {
    const char* header;
    const char* odd;  // the cell of row 500, else an id
    bool packed;
    uint64_t bad;
  };
  for (const case_& k : {case_{"order_id", nullptr, false, 0}, case_{"Order ID", "0.5", false, 0},
                         case_{"order_id", "N/A", true, 1}, case_{"order_id", "2024-01-05", true, 1},
                         case_{"total", nullptr, true, 0}}) {
    SCOPED_TRACE(std::string(k.header) + " " + (k.odd ? k.odd : ""));
    table_builder b;
    b.add_column(k.header);
    for (int r = 0; r < 1000; ++r) {
      if (r != 7) b.set(0, r == 500 && k.odd ? std::string(k.odd) : std::to_string(100000 + r));
      b.end_row(static_cast<uint64_t>(r + 2));
    }
    table t = b.finish();
    const column& c = t.columns[0];
    ASSERT_TRUE(c.is_number());
    EXPECT_EQ(c.numbers.empty(), !k.packed);
    EXPECT_EQ(c.bad, k.bad);
    EXPECT_EQ(c.bad_rows.size(), k.bad);
    EXPECT_EQ(c.number(3), 100003);
    EXPECT_TRUE(std::isnan(c.number(7)));
    if (k.odd) {
      const std::optional<double> odd = parse_number(k.odd, '.');
      if (odd) {
        EXPECT_EQ(c.number(500), *odd);
      } else {
        EXPECT_TRUE(std::isnan(c.number(500)));
      }
    }
  }
  // A decimal comma: the cells read under the column's mark, where "12.50" (a number shape
  // with '.') is bad.
  table_builder b;
  b.add_column("order_id");
  for (int r = 0; r < 100; ++r) {
    b.set(0, r == 50 ? std::string("12.50") : std::to_string(r) + ",5");
    b.end_row(static_cast<uint64_t>(r + 2));
  }
  table t = b.finish();
  ASSERT_EQ(t.columns[0].format.decimal_mark, ',');
  EXPECT_FALSE(t.columns[0].numbers.empty());
  EXPECT_EQ(t.columns[0].bad, 1u);
  EXPECT_EQ(t.columns[0].number(3), 3.5);
}

// A column whose unreadable values (ids like "C0014469", names) come first is decided text
// once they hold more than a tenth of the rows with a value, and not before: at exactly a
// tenth it is a number column with bad cells, as infer_format over every value says.
TEST(DirectColumns, AreTextPastATenthOfUnreadableRows) {
  for (int words : {79, 80, 81}) {
    SCOPED_TRACE(words);
    table_builder direct, interned(false);
    for (table_builder* b : {&direct, &interned}) b->add_column("value");
    // 1000 rows: 200 empty, then `words` distinct ids, then numbers: 800 rows with a value.
    for (int r = 0; r < 1000; ++r) {
      std::string cell;
      if (r >= 200) {
        cell = r < 200 + words ? "C" + std::to_string(1000000 + r) : std::to_string(r) + ".5";
      }
      for (table_builder* b : {&direct, &interned}) {
        if (!cell.empty()) b->set(0, cell);
        b->end_row(static_cast<uint64_t>(r + 2));
      }
    }
    table a = interned.finish(), b = direct.finish();
    const value_type expected = words * 10 > 800 ? value_type::text : value_type::decimal;
    EXPECT_EQ(a.columns[0].format.type, expected);
    EXPECT_EQ(b.columns[0].format.type, expected);
    expect_same_column(a.columns[0], b.columns[0]);
    if (expected == value_type::decimal) EXPECT_EQ(b.columns[0].bad, static_cast<uint64_t>(words));
  }
}

// A date column read directly keeps its unreadable cells' text for the warnings, and knows
// an empty cell from a bad one.
TEST(DirectColumns, KeepBadCellsForWarnings) {
  table_builder b;
  b.add_column("created_at");
  for (int r = 0; r < 500; ++r) {
    const std::string cell = r == 300   ? "not a date"
                             : r == 301 ? ""
                                        : "2024-03-" + std::string(r % 28 < 9 ? "0" : "") +
                                              std::to_string(r % 28 + 1) + " 10:00:00";
    b.set(0, cell);
    b.end_row(static_cast<uint64_t>(r + 2));
  }
  table t = b.finish();
  const column& c = t.columns[0];
  ASSERT_TRUE(c.direct());
  EXPECT_EQ(c.format.type, value_type::date);
  EXPECT_EQ(c.bad, 1u);
  ASSERT_EQ(c.bad_rows, std::vector<uint32_t>{300});
  EXPECT_EQ(c.text(300), "not a date");
  EXPECT_FALSE(c.empty_at(300));
  EXPECT_TRUE(c.empty_at(301));
  EXPECT_EQ(c.time(300), MISSING_TIME);
  EXPECT_EQ(c.text(302), "2024-03-23 10:00:00");
  EXPECT_EQ(c.others.size(), 1u);
}

// ---- code arrays ----

// Codes stay as narrow as the largest one allows, and read the same whatever the width: a
// code array follows a plain vector through every widening, a remap and a narrowing.
TEST(CodeArray, ReadsAsAVectorAtEveryWidth) {
  code_array a;
  std::vector<uint32_t> v;
  std::mt19937 rng(7);
  auto check = [&] {
    ASSERT_EQ(a.size(), v.size());
    for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(a[i], v[i]) << "at " << i;
    ASSERT_TRUE(std::equal(a.begin(), a.end(), v.begin(), v.end()));
  };
  for (uint32_t i = 0; i < 300; ++i) a.push_back(i % 256), v.push_back(i % 256);
  EXPECT_EQ(a.width(), 1);
  check();
  a.push_back(256), v.push_back(256);  // one past a byte
  EXPECT_EQ(a.width(), 2);
  check();
  a.set(3, 65535), v[3] = 65535;
  EXPECT_EQ(a.width(), 2);
  a.set(4, 65536), v[4] = 65536;  // one past two bytes
  EXPECT_EQ(a.width(), 4);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t c = static_cast<uint32_t>(rng());
    a.push_back(c), v.push_back(c);
  }
  check();
  // Remapping every code to a small one narrows the array back to a byte.
  auto small = [](uint32_t c) { return c % 200; };
  a.remap(small);
  for (uint32_t& c : v) c = small(c);
  EXPECT_EQ(a.width(), 1);
  check();
  code_array wide;
  wide.assign(v.size(), 0, 1u << 20);  // room for large codes up front
  EXPECT_EQ(wide.width(), 4);
  for (size_t i = 0; i < v.size(); ++i) wide.set(i, v[i]);
  EXPECT_TRUE(wide == a);  // equal codes at different widths
  wide.set(0, v[0] + 1);
  EXPECT_FALSE(wide == a);
}

// A table's small columns take a byte a row; a column of many distinct ids four.
TEST(CodeArray, ColumnsTakeTheWidthTheirCodesNeed) {
  table_builder b(false);
  b.add_column("channel");
  b.add_column("customer_id");
  for (int r = 0; r < 70000; ++r) {
    b.set(0, r % 3 == 0 ? "email" : "organic");
    b.set(1, "C" + std::to_string(r));
    b.end_row(static_cast<uint64_t>(r + 2));
  }
  table t = b.finish();
  EXPECT_EQ(t.columns[0].codes.width(), 1);
  EXPECT_EQ(t.columns[1].codes.width(), 4);
  EXPECT_EQ(t.columns[0].text(3), "email");
  EXPECT_EQ(t.columns[1].text(69999), "C69999");
}

// An id column's packed numbers can go: number() then reads the text as finish() did, with
// the column's decimal mark, bad cells and empty cells included.
TEST(DropNumbers, NumberReadsTheTextTheSame) {
  for (const char* mark : {".", ","}) {
    table_builder b(false);
    b.add_column("amount");
    for (int r = 0; r < 200; ++r) {
      std::string cell = std::to_string(r) + mark + "5";
      if (r == 7) cell = "";
      if (r == 8) cell = "n/a";
      b.set(0, cell);
      b.end_row(static_cast<uint64_t>(r + 2));
    }
    table t = b.finish();
    column& c = t.columns[0];
    ASSERT_TRUE(c.is_number()) << mark;
    ASSERT_FALSE(c.numbers.empty());
    std::vector<double> before;
    for (size_t r = 0; r < t.rows(); ++r) before.push_back(c.number(r));
    c.drop_numbers();
    EXPECT_TRUE(c.numbers.empty());
    for (size_t r = 0; r < t.rows(); ++r) {
      const double now = c.number(r);
      EXPECT_EQ(std::memcmp(&now, &before[r], sizeof now), 0) << mark << " row " << r;
    }
    EXPECT_TRUE(std::isnan(c.number(7)));
    EXPECT_TRUE(std::isnan(c.number(8)));
    EXPECT_EQ(c.number(9), 9.5);
  }
}

// ---- number and time arrays ----

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A number array reads back, bit for bit, what a plain vector of doubles holds.
void expect_numbers(const number_array& a, const std::vector<double>& v) {
  ASSERT_EQ(a.size(), v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_TRUE(same_bits(a[i], v[i])) << "at " << i << ": " << a[i] << " for " << v[i];
  }
  size_t i = 0;
  for (double x : a) ASSERT_TRUE(same_bits(x, v[i++]));
}

TEST(NumberArray, KeepsDecimalsAsScaledIntegersBitForBit) {
  number_array a;
  std::vector<double> v;
  for (const char* text : {"1", "5", "3", "54.57", "24.50", "-12.5", "0", "0.01", "-0.99",
                           "143.64", "21474836.47", "-21474836.46"}) {
    const double x = *parse_number(text);
    a.push_back(x), v.push_back(x);
  }
  EXPECT_EQ(a.width(), 4);
  EXPECT_EQ(a.scale(), 2);
  expect_numbers(a, v);
  // Every cent up to 10,000.00 comes back exactly from k / 100.
  number_array cents;
  std::vector<double> w;
  for (int k = -1000000; k <= 1000000; k += 7) {
    char text[32];
    std::snprintf(text, sizeof text, "%s%d.%02d", k < 0 ? "-" : "", std::abs(k) / 100,
                  std::abs(k) % 100);
    const double x = *parse_number(text);
    cents.push_back(x), w.push_back(x);
  }
  EXPECT_EQ(cents.width(), 4);
  EXPECT_EQ(cents.scale(), 2);
  expect_numbers(cents, w);
}

TEST(NumberArray, WidensAsValuesGrow) {
  number_array a;
  std::vector<double> v;
  for (int i = 1; i <= 5; ++i) a.push_back(i), v.push_back(i);
  a.push_missing(), v.push_back(std::nan(""));
  EXPECT_EQ(a.width(), 1);  // quantities: a byte a row
  EXPECT_EQ(a.scale(), 0);
  a.push_back(127), v.push_back(127);
  a.push_back(-126), v.push_back(-126);
  EXPECT_EQ(a.width(), 1);
  a.push_back(-127), v.push_back(-127);  // the lowest byte codes mean NaN and -0.0
  EXPECT_EQ(a.width(), 2);
  a.push_back(32767), v.push_back(32767);
  EXPECT_EQ(a.width(), 2);
  a.push_back(32768), v.push_back(32768);
  EXPECT_EQ(a.width(), 4);
  a.push_back(2147483647), v.push_back(2147483647);
  a.push_back(-2147483646), v.push_back(-2147483646);
  EXPECT_EQ(a.width(), 4);
  expect_numbers(a, v);
  a.push_back(2147483648.0), v.push_back(2147483648.0);  // past 32 bits: doubles
  EXPECT_EQ(a.width(), 8);
  a.push_back(0.1 + 0.2), v.push_back(0.1 + 0.2);
  expect_numbers(a, v);
}

TEST(NumberArray, RaisesTheScaleWhileWhatIsStoredFollows) {
  number_array a;
  std::vector<double> v;
  for (double x : {1.0, 2.0, 100.0}) a.push_back(x), v.push_back(x);
  EXPECT_EQ(a.scale(), 0);
  a.push_back(2.5), v.push_back(2.5);
  EXPECT_EQ(a.scale(), 1);
  EXPECT_EQ(a.width(), 2);  // 1000 needs two bytes
  a.push_back(*parse_number("0.125")), v.push_back(0.125);
  EXPECT_EQ(a.scale(), 3);
  a.push_back(*parse_number("-7.0001")), v.push_back(*parse_number("-7.0001"));
  EXPECT_EQ(a.scale(), 4);
  EXPECT_EQ(a.width(), 4);
  expect_numbers(a, v);
  a.push_back(*parse_number("1.00001")), v.push_back(*parse_number("1.00001"));  // 5 decimals
  EXPECT_EQ(a.width(), 8);
  expect_numbers(a, v);

  // A scale the stored values cannot follow within 32 bits: doubles.
  number_array big;
  std::vector<double> w;
  big.push_back(200000000), w.push_back(200000000);
  big.push_back(0.5), w.push_back(0.5);  // 2,000,000,000 at scale 1: fits
  EXPECT_EQ(big.width(), 4);
  EXPECT_EQ(big.scale(), 1);
  big.push_back(0.25), w.push_back(0.25);  // 20,000,000,000 at scale 2: does not
  EXPECT_EQ(big.width(), 8);
  expect_numbers(big, w);
}

TEST(NumberArray, FallsBackToDoublesForWhatNoScaleHolds) {
  for (double odd : {0.1 + 0.2, 1e300, 1e-5, 1.0 / 3, std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity(), 4.9e-324,
                     std::numeric_limits<double>::max(), 1e10}) {
    number_array a;
    std::vector<double> v;
    for (double x : {12.5, -3.0}) a.push_back(x), v.push_back(x);
    a.push_missing(), v.push_back(std::numeric_limits<double>::quiet_NaN());
    a.push_back(-0.0), v.push_back(-0.0);
    a.push_back(odd), v.push_back(odd);
    EXPECT_EQ(a.width(), 8) << odd;
    a.push_back(7.25), v.push_back(7.25);
    a.push_missing(), v.push_back(std::numeric_limits<double>::quiet_NaN());
    expect_numbers(a, v);
  }
}

TEST(NumberArray, KeepsNanAndNegativeZero) {
  // At every width, NaN (the empty mark) and -0.0 come back with their bits.
  for (double top : {100.0, 1000.0, 100000.0}) {
    number_array a;
    std::vector<double> v;
    a.push_back(top), v.push_back(top);
    a.push_back(-0.0), v.push_back(-0.0);
    a.push_back(0.0), v.push_back(0.0);
    a.push_back(std::numeric_limits<double>::quiet_NaN());
    v.push_back(std::numeric_limits<double>::quiet_NaN());
    a.push_missing(), v.push_back(std::numeric_limits<double>::quiet_NaN());
    EXPECT_NE(a.width(), 8) << top;
    expect_numbers(a, v);
    EXPECT_TRUE(std::signbit(a[1]));
    EXPECT_FALSE(std::signbit(a[2]));
    a.push_back(0.5), v.push_back(0.5);  // rescaled, the marks stay marks
    expect_numbers(a, v);
  }
  // A NaN of other bits is kept as it is: doubles.
  number_array a;
  std::vector<double> v;
  a.push_back(3), v.push_back(3);
  const double other = -std::numeric_limits<double>::quiet_NaN();
  a.push_back(other), v.push_back(other);
  EXPECT_EQ(a.width(), 8);
  expect_numbers(a, v);
}

// Random values of every kind, pushed and set, against a plain vector.
TEST(NumberArray, ReadsAsAVectorWhateverItHolds) {
  std::mt19937 rng(11);
  auto value = [&](int kinds) -> double {
    switch (rng() % kinds) {
      case 0: return static_cast<double>(rng() % 6);
      case 1: return std::numeric_limits<double>::quiet_NaN();
      case 2: {  // a decimal as written, 0-4 decimals
        char text[32];
        char* o = text;
        if (rng() % 4 == 0) *o++ = '-';
        o = std::to_chars(o, text + 16, rng() % 100000).ptr;
        const int decimals = static_cast<int>(rng() % 5);
        if (decimals > 0) *o++ = '.';
        for (int d = 0; d < decimals; ++d) *o++ = static_cast<char>('0' + rng() % 10);
        return *parse_number({text, static_cast<size_t>(o - text)});
      }
      case 3: return -0.0;
      case 4: return static_cast<double>(static_cast<int32_t>(rng()));
      default: return std::ldexp(static_cast<double>(rng()), -static_cast<int>(rng() % 40));
    }
  };
  for (int kinds : {2, 3, 4, 5, 6}) {
    for (int trial = 0; trial < 20; ++trial) {
      number_array a;
      std::vector<double> v;
      for (int i = 0; i < 300; ++i) {
        const double x = value(kinds);
        a.push_back(x), v.push_back(x);
        if (rng() % 10 == 0) {
          a.push_missing(), v.push_back(std::numeric_limits<double>::quiet_NaN());
        }
      }
      for (int i = 0; i < 100; ++i) {
        const size_t at = rng() % v.size();
        const double x = value(kinds);
        a.set(at, x), v[at] = x;
      }
      expect_numbers(a, v);
      number_array b;
      for (double x : v) b.push_back(x);
      EXPECT_TRUE(a == b);
    }
  }
}

TEST(TimeArray, KeepsFourBytesWithin68Years) {
  time_array a;
  std::vector<int64_t> v;
  auto add = [&](int64_t t) { a.push_back(t), v.push_back(t); };
  add(1732781428);  // 2024-11-28
  add(MISSING_TIME);
  add(0);
  add(-2000000000);  // 1906
  EXPECT_EQ(a.width(), 4);
  EXPECT_TRUE(a == v);
  // 2080 is past 2038: the base moves to the middle, and the span still fits.
  a = time_array(), v.clear();
  add(1732781428);
  add(3471292800);  // 2080-01-01
  add(MISSING_TIME);
  add(2500000000);
  EXPECT_EQ(a.width(), 4);
  EXPECT_TRUE(a == v);
  a.set(2, 3000000000), v[2] = 3000000000;
  a.set(0, MISSING_TIME), v[0] = MISSING_TIME;
  EXPECT_TRUE(a == v);
  // Spread over more than 68 years: eight bytes, everything kept.
  add(-2208988800);  // 1900-01-01
  EXPECT_EQ(a.width(), 8);
  add(MISSING_TIME);
  add(std::numeric_limits<int64_t>::max());
  add(std::numeric_limits<int64_t>::min() + 1);
  EXPECT_TRUE(a == v);
  size_t i = 0;
  for (int64_t t : a) EXPECT_EQ(t, v[i++]);
  // Extremes from the start, and set() moving the base.
  a = time_array(), v.clear();
  add(std::numeric_limits<int64_t>::min() + 1);
  add(MISSING_TIME);
  EXPECT_TRUE(a == v);
  a = time_array(), v.clear();
  for (int k = 0; k < 100; ++k) add(k % 7 == 0 ? MISSING_TIME : 1700000000 + k * 86400);
  a.set(50, 3500000000), v[50] = 3500000000;
  EXPECT_EQ(a.width(), 4);
  a.set(51, -3000000000), v[51] = -3000000000;
  EXPECT_EQ(a.width(), 8);
  EXPECT_TRUE(a == v);
}

// A number column of mixed cells reads back, read directly or interned, every value that
// parse_number gives its text: scaled where it can be, doubles where it cannot.
TEST(NumberArray, ColumnsReadEveryValueAsParsed) {
  const std::vector<std::vector<std::string>> columns = {
      {"54.57", "24.50", "", "-3.10", "0.00", "999999.99"},
      {"1", "2", "3", "4", "5", "", "3"},
      {"12.50", "7.25", "0.125", "-0.5", "", "3"},
      {"12.50", "7.25", "-0", "1234567.891", "0.1", "n/a"},
      {"1.5", "2.5", "3000000000", "-2.5", ""},
      {"10", "20", "1e3", "0.00001", "7"},
  };
  for (const auto& cells : columns) {
    table_builder direct, interned(false);
    direct.add_column("amount");
    interned.add_column("amount");
    for (size_t r = 0; r < 400; ++r) {
      // Mostly the first cells, so that the column is read directly, and every cell often.
      const std::string& cell = cells[r % 12 == 0 ? r / 12 % cells.size() : r % 2];
      direct.set(0, cell);
      interned.set(0, cell);
      direct.end_row(r + 2);
      interned.end_row(r + 2);
    }
    table a = interned.finish(), b = direct.finish();
    SCOPED_TRACE(cells[2] + " " + cells[3]);
    ASSERT_TRUE(a.columns[0].is_number());
    EXPECT_TRUE(b.columns[0].direct());
    expect_same_column(a.columns[0], b.columns[0]);
    for (size_t r = 0; r < a.rows(); ++r) {
      const auto want = parse_number(a.columns[0].text(r));
      const double expected = want ? *want : std::numeric_limits<double>::quiet_NaN();
      ASSERT_TRUE(same_bits(a.columns[0].number(r), expected)) << "row " << r;
      ASSERT_TRUE(same_bits(b.columns[0].number(r), expected)) << "row " << r;
    }
  }
}

// Dates spread over centuries read back the same, directly or interned.
TEST(TimeArray, ColumnsKeepEveryTime) {
  for (const char* far : {"2024-01-05", "1901-06-01", "2199-12-31"}) {
    table_builder direct, interned(false);
    direct.add_column("created_at");
    interned.add_column("created_at");
    for (int r = 0; r < 300; ++r) {
      std::string cell = "2024-03-" + std::to_string(10 + r % 18);
      if (r % 50 == 49) cell = far;
      if (r % 40 == 39) cell = "";
      direct.set(0, cell);
      interned.set(0, cell);
      direct.end_row(static_cast<uint64_t>(r + 2));
      interned.end_row(static_cast<uint64_t>(r + 2));
    }
    table a = interned.finish(), b = direct.finish();
    ASSERT_TRUE(b.columns[0].is_date());
    expect_same_column(a.columns[0], b.columns[0]);
    EXPECT_EQ(a.columns[0].time(49), parse_time(far, a.columns[0].format));
    EXPECT_EQ(b.columns[0].time(39), MISSING_TIME);
  }
}

// Line numbers read back exactly: one a row, gaps of every size (quoted line breaks, blank
// lines, skipped rows), repeats (JSON records of several rows), a step back, a jump past 4G.
TEST(LineArray, ReadsBackEveryLine) {
  line_array a;
  std::vector<uint64_t> v;
  std::mt19937 rng(11);
  uint64_t line = 2;
  for (int r = 0; r < 20000; ++r) {
    const uint32_t pick = rng() % 100;
    if (pick < 80) {
      line += 1;
    } else if (pick < 90) {
      line += 0;
    } else if (pick < 97) {
      line += 2 + rng() % 300;
    } else if (pick < 98) {
      line += 70000;
    } else if (pick < 99) {
      line -= std::min<uint64_t>(line - 1, 5);
    } else {
      line += (uint64_t{1} << 32) + rng() % 10;
    }
    a.push_back(line);
    v.push_back(line);
  }
  ASSERT_EQ(a.size(), v.size());
  for (size_t r = 0; r < v.size(); ++r) ASSERT_EQ(a[r], v[r]) << "row " << r;
  EXPECT_TRUE(a == v);
  v.back() += 1;
  EXPECT_FALSE(a == v);
}

TEST(LineArray, TakesAboutAByteARowForPlainFiles) {
  table_builder b;
  b.add_column("v");
  for (int r = 0; r < 100000; ++r) {
    b.set(0, "x");
    b.end_row(static_cast<uint64_t>(r + 2));
  }
  table t = b.finish();
  EXPECT_EQ(t.lines[0], 2u);
  EXPECT_EQ(t.lines[99999], 100001u);
  EXPECT_LT(t.lines.memory_bytes(), 100000u * 5 / 4);
}

}  // namespace

// Past 32,768 distinct values a column's cells are kept as bytes and interned at finish(),
// partitioned by hash, with entries of up to 8 bytes compared by a zero-padded word. The
// codes must be those of interning cell by cell: 1, 2, ... in order of first appearance.
// Values differ in their ninth byte or only by trailing NULs, and have every length 1-20.
// About a million distinct values give about a hundred pairs of equal 32-bit hashes, so
// that the byte comparisons behind a hash match decide too.
// A pool takes strings greater than its last (shorter first, then bytewise: sorted ids) as
// new without a lookup, comparing them in words. Strings of 1-20 bytes that differ from one
// another in one or two bytes (above 127 too), in both orders, again right after themselves,
// and after shorter ones, get the codes of their first appearance.
TEST(Interning, AscendingStringsComparedInWords) {
  auto expect_codes = [](const std::vector<const std::string*>& seq, const std::string& why) {
    string_pool pool;
    std::map<std::string, uint32_t> first;
    for (const std::string* v : seq) {
      const uint32_t want =
          first.emplace(*v, static_cast<uint32_t>(first.size() + 1)).first->second;
      ASSERT_EQ(pool.intern(*v), want) << why;
    }
  };
  for (size_t n = 1; n <= 20; ++n) {
    for (size_t k = 0; k < n; ++k) {
      for (const bool high : {false, true}) {
        std::string s(n, ' ');
        for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 7);
        std::string t = s;
        t[k] = high ? '\xF0' : static_cast<char>(s[k] + 1);
        if (k + 1 < n) t[k + 1] = static_cast<char>(s[k + 1] - 1);
        const std::string longer = s + "a";
        const std::string why = std::to_string(n) + " " + std::to_string(k) + (high ? " high" : "");
        expect_codes({&s, &t, &s, &t}, why);
        expect_codes({&t, &s, &t, &s}, why);
        expect_codes({&s, &s, &t, &t, &s}, why);
        expect_codes({&s, &longer, &s, &longer}, why);
        expect_codes({&t, &t, &longer, &s}, why);
      }
    }
  }
}

TEST(Interning, ManyDistinctValuesGetTheCodesOfFirstAppearance) {
  std::mt19937 rng(7);
  for (const size_t rows : {120000u, 1500000u}) {
    SCOPED_TRACE(rows);
    std::vector<std::string> values;
    for (size_t i = 0; i < rows; ++i) {
      std::string v = "C" + std::to_string(rng() % 10000000);
      switch (rng() % 5) {
        case 0: v.resize(8, '0'); break;                               // exactly 8 bytes
        case 1: v += std::string(1 + rng() % 3, '\0'); break;          // trailing NULs
        case 2: v = "CUSTOMER" + v; break;                             // differ after byte 8
        case 3: v = v.substr(0, 1 + rng() % v.size()); break;          // short
        default: v += "@example.com"; break;                           // long
      }
      values.push_back(std::move(v));
    }
    table_builder builder;
    builder.add_column("customer");
    std::vector<std::string> cells;
    for (size_t r = 0; r < rows; ++r) {
      // Mostly repeats of earlier values, and now and then an empty cell.
      std::string cell = rng() % 50 == 0 ? std::string() : values[rng() % values.size()];
      builder.set(0, cell);
      builder.end_row(r + 2);
      cells.push_back(std::move(cell));
    }
    const table t = builder.finish();
    const column& c = t.columns[0];
    std::unordered_map<std::string, uint32_t> code_of;
    std::vector<std::string> texts = {""};
    ASSERT_EQ(c.codes.size(), rows);
    for (size_t r = 0; r < rows; ++r) {
      uint32_t want = 0;
      if (!cells[r].empty()) {
        auto [it, added] = code_of.try_emplace(cells[r], static_cast<uint32_t>(texts.size()));
        if (added) texts.push_back(cells[r]);
        want = it->second;
      }
      ASSERT_EQ(c.codes[r], want) << "row " << r;
    }
    ASSERT_GT(texts.size(), 32768u + 1);  // the column was interned at finish()
    ASSERT_EQ(c.pool.size(), texts.size());
    for (uint32_t code = 1; code < texts.size(); ++code) {
      ASSERT_EQ(c.pool.get(code), texts[code]) << "code " << code;
    }
  }
}

// A pool of up to 2,048 strings finds strings of up to 16 bytes that it saw lately by their
// first and last eight bytes and their length (string_pool::recent_). Strings alike but in
// their last bytes, or but in length ("a" and "aaa" have the same first, middle and last
// byte), must still get the codes of first appearance; and so must a pool that outgrows that
// size halfway.
TEST(Interning, ShortStringsThatLookAlikeGetTheCodesOfFirstAppearance) {
  std::mt19937 rng(11);
  std::vector<std::string> values;
  const std::string letters("ab\0", 3);
  for (size_t n = 1, total = 3; n <= 3; ++n, total *= 3) {  // every string of 1 to 3 of these
    for (size_t i = 0; i < total; ++i) {
      std::string v;
      for (size_t k = 0, j = i; k < n; ++k, j /= 3) v += letters[j % 3];
      values.push_back(v);
    }
  }
  // Of 4 to 20 bytes, alike but in their last byte or bytes: up to 120 of each length, all
  // with the same first eight bytes (of a shorter one, all but the last byte).
  for (size_t n = 4; n <= 20; ++n) {
    std::set<std::string> of_length;
    for (int tries = 0; tries < 1000 && of_length.size() < 120; ++tries) {
      std::string v(std::min<size_t>(n - 1, 8), 'x');
      while (v.size() < n) v += static_cast<char>('a' + rng() % 26);
      of_length.insert(v);
    }
    values.insert(values.end(), of_length.begin(), of_length.end());
  }
  const size_t few = values.size();
  ASSERT_LE(few, 2048u);  // a pool of these has recent_
  for (int i = 0; i < 3000; ++i) values.push_back("C" + std::to_string(1000000 + rng() % 9000000));
  for (const size_t distinct : {few, values.size()}) {
    SCOPED_TRACE(distinct);
    string_pool pool;
    std::unordered_map<std::string, uint32_t> code_of;
    std::vector<std::string> texts = {""};
    for (int i = 0; i < 300000; ++i) {
      // The first `few` values throughout; the others only from halfway.
      const size_t pick = i < 150000 ? rng() % few : rng() % distinct;
      const std::string& v = values[pick];
      auto [it, added] = code_of.try_emplace(v, static_cast<uint32_t>(texts.size()));
      if (added) texts.push_back(v);
      ASSERT_EQ(pool.intern(v), it->second) << "draw " << i << ", value " << pick;
    }
    ASSERT_EQ(pool.size(), texts.size());
    if (distinct > few) {
      ASSERT_GT(texts.size(), 2048u + 1);  // past the size that has recent_
    }
    for (uint32_t code = 1; code < texts.size(); ++code) {
      ASSERT_EQ(pool.get(code), texts[code]) << "code " << code;
    }
  }
}

// ---- a file read in two parts ----

// Rows of cells by column name: a column may start late (JSON keys that appear further on),
// and names may repeat (CSV headers) when every row has every column.
struct rows_of_cells {
  std::vector<std::string> names;
  std::vector<size_t> starts;  // first row of each column (0 for all when `fixed`)
  bool fixed = true;           // CSV: the columns are there from the header on
  std::vector<std::vector<std::string>> cells;  // [row][column], "" = not set
};

// Reads rows [from, to) into `b` as a reader would: fixed columns first, else each column
// when its first row comes (by name). Lines are counted from the part's start.
void read_rows(const rows_of_cells& f, size_t from, size_t to, table_builder& b) {
  std::vector<size_t> index(f.names.size(), SIZE_MAX);
  if (f.fixed) {
    for (size_t c = 0; c < f.names.size(); ++c) index[c] = b.add_column(f.names[c]);
  }
  for (size_t r = from; r < to; ++r) {
    for (size_t c = 0; c < f.names.size(); ++c) {
      if (!f.fixed && r >= f.starts[c] && index[c] == SIZE_MAX) {
        index[c] = b.column_index(f.names[c]);
      }
      if (index[c] != SIZE_MAX && !f.cells[r][c].empty()) b.set(index[c], f.cells[r][c]);
    }
    b.end_row(static_cast<uint64_t>(r - from + 2));
  }
}

// The table of the whole, and of the two parts split at `split` and appended.
void expect_parts_make_the_whole(const rows_of_cells& f, size_t split) {
  SCOPED_TRACE("split at row " + std::to_string(split));
  table_builder whole, first, second, first_again, second_again;
  read_rows(f, 0, f.cells.size(), whole);
  read_rows(f, 0, split, first);
  read_rows(f, split, f.cells.size(), second);
  first.append(std::move(second), split);
  EXPECT_EQ(second.rows(), 0u);
  EXPECT_EQ(second.columns(), 0u);
  // And through bytes, as from another instance.
  read_rows(f, 0, split, first_again);
  read_rows(f, split, f.cells.size(), second_again);
  const std::vector<std::string> pieces = second_again.save();
  EXPECT_EQ(pieces.size(), f.fixed || split < f.cells.size() ? 1 + f.names.size() : 1u);
  first_again.append(pieces.size(), [&](size_t i) { return std::string_view(pieces[i]); }, split);
  table a = whole.finish(), b = first.finish(), b_again = first_again.finish();
  ASSERT_EQ(a.lines, b.lines);
  ASSERT_EQ(a.lines, b_again.lines);
  ASSERT_EQ(a.columns.size(), b_again.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    EXPECT_EQ(a.columns[c].direct(), b_again.columns[c].direct()) << a.columns[c].name;
    expect_same_column(a.columns[c], b_again.columns[c]);
  }
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    ASSERT_EQ(a.columns[c].name, b.columns[c].name);
    // Read the same way (directly or by codes), the same values, the same codes.
    EXPECT_EQ(a.columns[c].direct(), b.columns[c].direct()) << a.columns[c].name;
    expect_same_column(a.columns[c], b.columns[c]);
    column x = a.columns[c], y = b.columns[c];
    x.materialize();
    y.materialize();
    EXPECT_EQ(x.codes, y.codes) << a.columns[c].name;
    ASSERT_EQ(x.pool.size(), y.pool.size()) << a.columns[c].name;
    for (uint32_t code = 0; code < x.pool.size(); ++code) {
      ASSERT_EQ(x.pool.get(code), y.pool.get(code)) << a.columns[c].name << " code " << code;
    }
  }
}

// Every split of many small random files: columns read directly or by codes on either side,
// still sampling at the split, deciding in the second part, sparse, starting late, repeated.
TEST(Append, TwoPartsGiveTheTableOfTheWhole) {
  std::mt19937 rng(20261124);
  static const char* const HEADERS[] = {"total", "created_at", "value", "paid at", "qty",
                                        "order_id", "note"};
  size_t splits = 0;
  for (int trial = 0; trial < 120; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    rows_of_cells f;
    f.fixed = rng() % 2 == 0;
    const int columns = 1 + static_cast<int>(rng() % 5);
    std::vector<int> kind(columns), noise_every(columns), empty_every(columns);
    for (int c = 0; c < columns; ++c) {
      kind[c] = static_cast<int>(rng() % 7);
      static const int NOISE_EVERY[] = {0, 0, 200, 40, 12, 5, 2};
      noise_every[c] = NOISE_EVERY[rng() % std::size(NOISE_EVERY)];
      static const int EMPTY_EVERY[] = {0, 0, 0, 3, 30};  // 3: only one cell in 3 is set
      empty_every[c] = EMPTY_EVERY[rng() % std::size(EMPTY_EVERY)];
      std::string name = HEADERS[rng() % std::size(HEADERS)];
      if (!f.fixed) name += std::to_string(c);  // JSON keys are distinct
      f.names.push_back(name);
    }
    const size_t rows = rng() % 4 == 0 ? rng() % 20 : 100 + rng() % 300;
    for (int c = 0; c < columns; ++c) f.starts.push_back(f.fixed || rows == 0 ? 0 : rng() % rows);
    const size_t clean_until = rng() % 3 == 0 ? 100 : 0;  // noise only after the sample
    for (size_t r = 0; r < rows; ++r) {
      std::vector<std::string> row(columns);
      for (int c = 0; c < columns; ++c) {
        if (r < f.starts[c]) continue;
        if (empty_every[c] == 3 ? rng() % 3 != 0
                                : empty_every[c] != 0 && rng() % empty_every[c] == 0) {
          continue;
        }
        const bool noise = kind[c] == 6 || (noise_every[c] != 0 && r >= clean_until &&
                                            rng() % static_cast<unsigned>(noise_every[c]) == 0);
        row[c] = random_cell(rng, noise ? 6 : kind[c]);
      }
      f.cells.push_back(std::move(row));
    }
    std::vector<size_t> at = {0, rows, rows / 2, rng() % (rows + 1)};
    for (size_t k : {1, 63, 64, 65, 100}) {
      if (k < rows) at.push_back(k);
    }
    for (size_t k : at) {
      expect_parts_make_the_whole(f, k);
      ++splits;
      if (HasFatalFailure() || testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(splits, 500u);
}

// Columns of many distinct values: interned on both sides, or left to finish() on one side or
// both, or crossing that line only once the parts are put together.
TEST(Append, ManyDistinctValuesKeepTheirCodesOfFirstAppearance) {
  std::mt19937 rng(11);
  rows_of_cells f;
  f.names = {"customer", "channel", "customer"};  // a repeated header
  f.starts = {0, 0, 0};
  static const char* const CHANNELS[] = {"web", "store", "", "app"};
  const size_t rows = 90000;
  for (size_t r = 0; r < rows; ++r) {
    // Ids new at first, then mostly repeats; past row 60,000 new ones again.
    const size_t id = r < 30000 || r > 60000 ? r : rng() % 30000;
    f.cells.push_back({rng() % 40 == 0 ? "" : "C" + std::to_string(id * 7919 % 1000003),
                       CHANNELS[rng() % 4], std::to_string(rng() % 50000)});
  }
  for (size_t k : {size_t{0}, size_t{20000}, size_t{45000}, size_t{70000}, rows}) {
    expect_parts_make_the_whole(f, k);
  }
}

// pod_vector::append copies up to 16 bytes in words (two that overlap, or three single bytes
// below 4): every length from 0 to 40, onto every fill from 0 to 20 (so across growth), must
// give exactly the bytes a std::string gets.
TEST(PodVector, AppendCopiesEveryLengthExactly) {
  std::string source;
  for (int i = 0; i < 64; ++i) source.push_back(static_cast<char>('A' + i % 50));
  for (size_t fill = 0; fill <= 20; ++fill) {
    for (size_t n = 0; n <= 40; ++n) {
      pod_vector<char> v;
      std::string want;
      for (size_t i = 0; i < fill; ++i) {
        v.push_back(static_cast<char>('0' + i % 10));
        want.push_back(static_cast<char>('0' + i % 10));
      }
      v.append(source.data() + 3, n);
      want.append(source.data() + 3, n);
      v.append(source.data() + 7, n / 2 + 1);  // and once more behind it
      want.append(source.data() + 7, n / 2 + 1);
      ASSERT_EQ(v.size(), want.size()) << "fill " << fill << " n " << n;
      ASSERT_GE(v.capacity(), v.size());
      ASSERT_EQ(std::string(v.data(), v.size()), want) << "fill " << fill << " n " << n;
    }
  }
  pod_vector<uint32_t> words;  // wider elements: n counts elements, not bytes
  const uint32_t w[5] = {1, 2, 3, 0xFFFFFFFFu, 5};
  words.append(w, 5);
  words.append(w + 1, 2);
  ASSERT_EQ(words.size(), 7u);
  EXPECT_EQ(std::vector<uint32_t>(words.begin(), words.end()),
            (std::vector<uint32_t>{1, 2, 3, 0xFFFFFFFFu, 5, 2, 3}));
  words.truncate(3);
  EXPECT_EQ(std::vector<uint32_t>(words.begin(), words.end()), (std::vector<uint32_t>{1, 2, 3}));
}

// ---- finish() on two threads ----

// for_each_index calls each index once, on the caller's thread and a second one, and hands
// an exception thrown on either back to the caller.
TEST(Threads, EachIndexOnceOnTwoThreadsAndExceptionsComeBack) {
  const unsigned before = threads();
  set_threads(2);
  ASSERT_EQ(threads(), 2u);  // native builds have threads
  std::vector<int> calls(64, 0);
  std::mutex m;
  std::set<std::thread::id> ran_on;
  const auto start = std::chrono::steady_clock::now();
  detail::for_each_index(calls.size(), [&](size_t i) {
    {
      std::lock_guard lock(m);
      ++calls[i];
      ran_on.insert(std::this_thread::get_id());
    }
    // The first call waits (10 s at most) for the other thread to take an index.
    while (i == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
      {
        std::lock_guard lock(m);
        if (ran_on.size() == 2) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  EXPECT_EQ(calls, std::vector<int>(64, 1));
  EXPECT_EQ(ran_on.size(), 2u);
  EXPECT_TRUE(ran_on.contains(std::this_thread::get_id()));
  for (size_t throwing : {0u, 5u, 63u}) {
    EXPECT_THROW(detail::for_each_index(64, [&](size_t i) {
                   if (i == throwing) throw std::runtime_error("no");
                 }),
                 std::runtime_error);
  }
  set_threads(1);
  ran_on.clear();
  detail::for_each_index(8, [&](size_t) { ran_on.insert(std::this_thread::get_id()); });
  EXPECT_EQ(ran_on, std::set<std::thread::id>{std::this_thread::get_id()});
  set_threads(before);
}

// A big table's columns finish on two threads: the same table as on one, column for column,
// whatever each column is (ids interned only at finish(), text interned while read, numbers
// and dates read directly, a number column that turns back into text, noise, sorted ids). So
// does a table read in two parts (the first 10,000 rows, then the rest), whose big second
// part's columns are appended on two threads (table_builder::append).
TEST(Threads, FinishingOnTwoThreadsGivesTheTableOfOne) {
  const unsigned before = threads();
  constexpr size_t FIRST_PART = 10000;
  auto build = [](unsigned n, bool in_two_parts) {
    set_threads(n);
    std::mt19937 rng(2026);
    table_builder whole, part;
    for (const char* name : {"customer_id", "channel", "total", "created_at", "qty", "note", "paid at",
                             "order_id"}) {
      whole.add_column(name);
      part.add_column(name);
    }
    const size_t rows = table_builder::PARALLEL_FINISH_ROWS + 20000;
    for (size_t r = 0; r < rows; ++r) {
      table_builder& b = in_two_parts && r >= FIRST_PART ? part : whole;
      b.set(0, "C" + std::to_string(rng() % 60000));  // past DEFER_AFTER distinct values
      static const char* const CHANNELS[] = {"web", "Marketplace", "", "retail"};
      b.set(1, CHANNELS[rng() % 4]);
      b.set(2, random_cell(rng, rng() % 50 == 0 ? 6 : 1));
      b.set(3, random_cell(rng, rng() % 200 == 0 ? 6 : 3));
      b.set(4, random_cell(rng, 0));
      // Numbers for the first rows, then mostly text: read directly, then turned back.
      b.set(5, r < 5000 ? random_cell(rng, 2) : "note " + std::to_string(rng() % 300));
      b.set(6, random_cell(rng, 5));
      b.set(7, std::to_string(100000 + r));  // sorted ids: the part's pool goes on the first's
      b.end_row(&b == &part ? r - FIRST_PART + 1 : r + 2);  // a part's lines count from 1
    }
    if (in_two_parts) whole.append(std::move(part), FIRST_PART + 1);
    return whole.finish();
  };
  const table one = build(1, false);
  for (auto [n, in_two_parts] : {std::pair{2u, false}, {1u, true}, {2u, true}}) {
    SCOPED_TRACE(std::to_string(n) + " threads" + (in_two_parts ? ", in two parts" : ""));
    const table two = build(n, in_two_parts);
    ASSERT_EQ(one.lines, two.lines);
    ASSERT_EQ(one.columns.size(), two.columns.size());
    for (size_t c = 0; c < one.columns.size(); ++c) {
      EXPECT_EQ(one.columns[c].name, two.columns[c].name);
      EXPECT_EQ(one.columns[c].direct(), two.columns[c].direct());
      EXPECT_EQ(one.columns[c].codes, two.columns[c].codes);
      EXPECT_EQ(one.columns[c].pool.size(), two.columns[c].pool.size());
      expect_same_column(one.columns[c], two.columns[c]);
    }
  }
  set_threads(before);
  // The columns were of every kind the test means to cover.
  EXPECT_GT(one.columns[0].pool.size(), size_t{table_builder::DEFER_AFTER});
  EXPECT_EQ(one.columns[7].pool.size(), table_builder::PARALLEL_FINISH_ROWS + 20000 + 1);
  EXPECT_TRUE(one.columns[2].direct());
  EXPECT_TRUE(one.columns[3].direct());
  EXPECT_FALSE(one.columns[5].direct());
  EXPECT_EQ(one.columns[5].format.type, value_type::text);
}

}  // namespace kpi
