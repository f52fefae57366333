// Columnar in-memory tables: every cell is interned per column (a code into the column's
// string pool), and number and date columns also carry a packed per-row array.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/values.h"

namespace kpi {

// Distinct strings of one column, each stored once. Code 0 is always the empty string.
class string_pool {
 public:
  string_pool();
  // Returns the code of `s`, adding it when new.
  uint32_t intern(std::string_view s);
  std::string_view get(uint32_t code) const {
    return {bytes_.data() + offsets_[code], offsets_[code + 1] - offsets_[code]};
  }
  uint32_t size() const { return static_cast<uint32_t>(offsets_.size() - 1); }
  size_t memory_bytes() const;

 private:
  friend class table_builder;
  void grow();
  void build_index();
  std::vector<char> bytes_;
  std::vector<uint32_t> offsets_;  // size() + 1 entries
  // Open addressing: code + 1, 0 = free. Empty until needed: while every string added is
  // greater than the one before (shorter first, then bytewise), as sorted ids are, a greater
  // string is new without a lookup; a pool built in bulk also gets its index on first use.
  std::vector<uint32_t> slots_;
  std::vector<uint32_t> hashes_;   // hash of each code, to rehash without rereading
  bool ascending_ = true;          // no index yet and the strings are in increasing order
};

inline constexpr int64_t MISSING_TIME = std::numeric_limits<int64_t>::min();

struct column {
  std::string name;
  value_format format;            // type and how values were read
  std::vector<uint32_t> codes;    // per row; 0 = empty cell
  string_pool pool;
  std::vector<double> numbers;    // per row for integer/decimal columns; NaN = empty or bad
  std::vector<int64_t> times;     // per row for date columns: wall-clock seconds since
                                  // 1970-01-01 as written; MISSING_TIME = empty or bad
  uint64_t bad = 0;               // non-empty cells that did not parse as `format.type`
  std::vector<uint32_t> bad_rows; // first few rows (table row index) holding a bad value

  std::string_view text(size_t row) const { return pool.get(codes[row]); }
  bool empty_at(size_t row) const { return codes[row] == 0; }
  bool is_number() const {
    return format.type == value_type::integer || format.type == value_type::decimal;
  }
  bool is_date() const { return format.type == value_type::date; }
  // The number at `row`, or NaN. Parses the text for a text column (with '.' as mark).
  double number(size_t row) const;
  // Wall-clock seconds at `row`, or MISSING_TIME (for non-date columns too).
  int64_t time(size_t row) const { return is_date() ? times[row] : MISSING_TIME; }
};

struct table {
  std::vector<column> columns;
  std::vector<uint64_t> lines;  // per row: 1-based source line (CSV) or record number (JSON)

  size_t rows() const { return lines.size(); }
  // Index of the column named exactly `name`, or -1.
  int find(std::string_view name) const;
  size_t memory_bytes() const;
};

// Builds a table one row at a time. Columns may appear at any time (JSON); cells never
// set in a row are empty. finish() decides every column's type from all of its values.
class table_builder {
 public:
  // Index of the column called `name`, added when new (its earlier rows become empty).
  size_t column_index(std::string_view name);
  // Adds a column even when one of that name exists (CSV headers may repeat).
  size_t add_column(std::string_view name);
  void set(size_t col, std::string_view value);
  void end_row(uint64_t line);
  void discard_row();
  size_t rows() const { return lines_.size(); }
  size_t columns() const { return cols_.size(); }
  std::string_view column_name(size_t col) const { return cols_[col].name; }
  // Types every column (see infer_format) and fills the packed arrays.
  table finish();

 private:
  // A column with many distinct values stops interning cell by cell (a cache miss per cell
  // once its hash table outgrows the cache): its cells are appended here, and finish()
  // interns them all at once, partitioned by hash so that each partition's table stays in
  // cache. Entry i is the i-th value set since the column began; a row's code holds its
  // entry + 1 until finish() turns it into the value's code.
  struct deferred_cells {
    bool on = false;
    std::vector<char> bytes;
    std::vector<uint32_t> ends;  // end of each entry in bytes
  };
  void defer(size_t col);
  void intern_deferred(column& c, deferred_cells& d);

  std::vector<column> cols_;
  std::vector<deferred_cells> deferred_;
  std::vector<uint32_t> pending_;  // codes of the row being built
  std::vector<uint8_t> touched_;
  std::vector<uint64_t> lines_;
};

}  // namespace kpi
