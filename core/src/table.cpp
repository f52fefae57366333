#include "kpi/table.h"

#include <algorithm>
#include <cstring>

namespace kpi {

namespace {

// FNV-1a is enough here: the pool is per column and lookups dominate, not hash quality.
inline uint32_t hash_bytes(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

constexpr size_t MAX_BAD_ROWS = 20;

}  // namespace

string_pool::string_pool() : offsets_{0, 0}, slots_(16, 0), hashes_{0} {}

void string_pool::grow() {
  std::vector<uint32_t> slots(slots_.size() * 2, 0);
  const size_t mask = slots.size() - 1;
  for (uint32_t code = 1; code < size(); ++code) {
    size_t i = hashes_[code] & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = code + 1;
  }
  slots_.swap(slots);
}

uint32_t string_pool::intern(std::string_view s) {
  if (s.empty()) return 0;
  const uint32_t h = hash_bytes(s);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint32_t slot = slots_[i]) {
    const uint32_t code = slot - 1;
    if (hashes_[code] == h) {
      std::string_view have = get(code);
      if (have.size() == s.size() && std::memcmp(have.data(), s.data(), s.size()) == 0) {
        return code;
      }
    }
    i = (i + 1) & mask;
  }
  const uint32_t code = size();
  bytes_.insert(bytes_.end(), s.begin(), s.end());
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  hashes_.push_back(h);
  slots_[i] = code + 1;
  if (size_t(size()) * 2 > slots_.size()) grow();
  return code;
}

size_t string_pool::memory_bytes() const {
  return bytes_.capacity() + 4 * (offsets_.capacity() + slots_.capacity() + hashes_.capacity());
}

double column::number(size_t row) const {
  if (is_number()) return numbers[row];
  if (codes[row] == 0) return std::numeric_limits<double>::quiet_NaN();
  auto v = parse_number(text(row), '.');
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

int table::find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

size_t table::memory_bytes() const {
  size_t total = lines.capacity() * sizeof(uint64_t);
  for (const column& c : columns) {
    total += c.codes.capacity() * 4 + c.pool.memory_bytes() + c.numbers.capacity() * 8 +
             c.times.capacity() * 8;
  }
  return total;
}

size_t table_builder::add_column(std::string_view name) {
  column c;
  c.name = std::string(name);
  c.codes.assign(lines_.size(), 0);
  cols_.push_back(std::move(c));
  pending_.push_back(0);
  touched_.push_back(0);
  return cols_.size() - 1;
}

size_t table_builder::column_index(std::string_view name) {
  for (size_t i = 0; i < cols_.size(); ++i) {
    if (cols_[i].name == name) return i;
  }
  return add_column(name);
}

void table_builder::set(size_t col, std::string_view value) {
  pending_[col] = cols_[col].pool.intern(value);
  touched_[col] = 1;
}

void table_builder::end_row(uint64_t line) {
  for (size_t c = 0; c < cols_.size(); ++c) {
    cols_[c].codes.push_back(touched_[c] ? pending_[c] : 0);
    touched_[c] = 0;
  }
  lines_.push_back(line);
}

void table_builder::discard_row() { std::fill(touched_.begin(), touched_.end(), 0); }

table table_builder::finish() {
  table t;
  t.lines = std::move(lines_);
  const size_t n = t.lines.size();
  for (column& c : cols_) {
    // Count how many rows hold each distinct value: inference is weighted by rows but runs
    // once per distinct value, which is what makes typing a 5M-row file cheap.
    std::vector<uint32_t> counts(c.pool.size(), 0);
    for (uint32_t code : c.codes) ++counts[code];
    std::vector<std::string_view> values;
    std::vector<uint32_t> value_counts;
    values.reserve(c.pool.size());
    value_counts.reserve(c.pool.size());
    for (uint32_t code = 1; code < c.pool.size(); ++code) {
      values.push_back(c.pool.get(code));
      value_counts.push_back(counts[code]);
    }
    c.format = infer_format(c.name, values, value_counts);

    if (c.is_number() || c.is_date()) {
      // Convert each distinct value once, then spread to rows.
      const bool dates = c.is_date();
      std::vector<double> num_of;
      std::vector<int64_t> time_of;
      std::vector<uint8_t> ok(c.pool.size(), 0);
      if (dates) {
        time_of.assign(c.pool.size(), MISSING_TIME);
      } else {
        num_of.assign(c.pool.size(), std::numeric_limits<double>::quiet_NaN());
      }
      for (uint32_t code = 1; code < c.pool.size(); ++code) {
        if (dates) {
          if (auto v = parse_time(c.pool.get(code), c.format)) {
            time_of[code] = *v;
            ok[code] = 1;
          }
        } else if (auto v = parse_number(c.pool.get(code), c.format.decimal_mark)) {
          num_of[code] = *v;
          ok[code] = 1;
        }
      }
      ok[0] = 1;  // empty cells are missing, not bad
      if (dates) {
        c.times.resize(n);
      } else {
        c.numbers.resize(n);
      }
      for (size_t r = 0; r < n; ++r) {
        const uint32_t code = c.codes[r];
        if (dates) {
          c.times[r] = time_of[code];
        } else {
          c.numbers[r] = num_of[code];
        }
        if (!ok[code]) {
          ++c.bad;
          if (c.bad_rows.size() < MAX_BAD_ROWS) c.bad_rows.push_back(static_cast<uint32_t>(r));
        }
      }
    }
    t.columns.push_back(std::move(c));
  }
  cols_.clear();
  pending_.clear();
  touched_.clear();
  return t;
}

}  // namespace kpi
