#include "kpi/table.h"

#include <algorithm>
#include <cstring>
#include <optional>

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

// a[0, n) == b[0, n), eight bytes at a time: cells are short, and a call to memcmp (a byte
// loop in the wasm build) costs more than the compare.
inline bool same_bytes(const char* a, const char* b, size_t n) {
  while (n >= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8, b += 8, n -= 8;
  }
  while (n > 0) {
    if (*a++ != *b++) return false;
    --n;
  }
  return true;
}

constexpr size_t MAX_BAD_ROWS = 20;
// Distinct values after which a column's interning is left to finish() (see
// table_builder::deferred_cells): its hash table then no longer fits in the L1/L2 cache.
constexpr uint32_t DEFER_AFTER = 32768;

}  // namespace

string_pool::string_pool() : offsets_{0, 0}, hashes_{0} {}

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

void string_pool::build_index() {
  ascending_ = false;
  hashes_.resize(size());
  hashes_[0] = 0;
  for (uint32_t code = 1; code < size(); ++code) hashes_[code] = hash_bytes(get(code));
  size_t n = 16;
  while (n < size_t(size()) * 2 + 2) n *= 2;
  slots_.assign(n / 2, 0);  // grow() doubles it and inserts every code
  grow();
}

uint32_t string_pool::intern(std::string_view s) {
  if (s.empty()) return 0;
  if (slots_.empty()) {
    if (ascending_) {
      const std::string_view last = get(size() - 1);
      if (s.size() > last.size() ||
          (s.size() == last.size() && std::memcmp(s.data(), last.data(), s.size()) > 0)) {
        // Greater than every string so far: new.
        const uint32_t code = size();
        bytes_.insert(bytes_.end(), s.begin(), s.end());
        offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
        return code;
      }
    }
    build_index();
  }
  const uint32_t h = hash_bytes(s);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint32_t slot = slots_[i]) {
    const uint32_t code = slot - 1;
    if (hashes_[code] == h) {
      std::string_view have = get(code);
      if (have.size() == s.size() && same_bytes(have.data(), s.data(), s.size())) {
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
  deferred_.emplace_back();
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
  deferred_cells& d = deferred_[col];
  touched_[col] = 1;
  if (d.on) {
    if (value.empty()) {
      pending_[col] = 0;
      return;
    }
    d.bytes.insert(d.bytes.end(), value.begin(), value.end());
    d.ends.push_back(static_cast<uint32_t>(d.bytes.size()));
    pending_[col] = static_cast<uint32_t>(d.ends.size());
    return;
  }
  string_pool& pool = cols_[col].pool;
  pending_[col] = pool.intern(value);
  if (pool.size() > DEFER_AFTER && !pool.slots_.empty()) defer(col);
}

// From now on the column's values are interned by finish(). Its distinct values so far
// become its first entries, entry i being code i + 1, so the codes of earlier rows (and the
// one pending) already are entry + 1.
void table_builder::defer(size_t col) {
  deferred_cells& d = deferred_[col];
  string_pool& pool = cols_[col].pool;
  d.on = true;
  d.ends.assign(pool.offsets_.begin() + 2, pool.offsets_.end());
  d.bytes = std::move(pool.bytes_);
  pool = string_pool();
}

void table_builder::end_row(uint64_t line) {
  for (size_t c = 0; c < cols_.size(); ++c) {
    cols_[c].codes.push_back(touched_[c] ? pending_[c] : 0);
    touched_[c] = 0;
  }
  lines_.push_back(line);
}

void table_builder::discard_row() { std::fill(touched_.begin(), touched_.end(), 0); }

// Interns every entry of a deferred column in entry order, so codes come out in order of
// first appearance exactly as interning cell by cell would give them. Entries are split by
// the top bits of their hash into partitions of a few thousand entries; each partition
// finds every entry's first equal entry with a hash table that stays in cache. A pass in
// entry order then numbers the first occurrences and compacts their bytes into the pool.
void table_builder::intern_deferred(column& c, deferred_cells& d) {
  const size_t n = d.ends.size();
  const char* const bytes = d.bytes.data();
  auto entry = [&](size_t e) -> std::string_view {
    const uint32_t b = e == 0 ? 0 : d.ends[e - 1];
    return {bytes + b, d.ends[e] - b};
  };
  int bits = 0;
  while (bits < 12 && (n >> bits) > 4096) ++bits;
  const int shift = 32 - bits;
  auto part_of = [&](uint32_t h) -> size_t { return bits == 0 ? 0 : h >> shift; };

  // Hashes, and a stable scatter of the entries by partition, each with what its lookup
  // needs so that the partition pass reads them in sequence.
  std::vector<uint32_t> hashes(n);
  std::vector<uint32_t> starts((size_t(1) << bits) + 1, 0);
  for (size_t e = 0; e < n; ++e) {
    hashes[e] = hash_bytes(entry(e));
    ++starts[part_of(hashes[e]) + 1];
  }
  for (size_t p = 1; p < starts.size(); ++p) starts[p] += starts[p - 1];
  struct record {
    uint32_t e, h, begin, len;
  };
  std::vector<record> order(n);
  {
    std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
    uint32_t begin = 0;
    for (size_t e = 0; e < n; ++e) {
      const uint32_t h = hashes[e];
      const uint32_t end = d.ends[e];
      order[next[part_of(h)]++] = {static_cast<uint32_t>(e), h, begin, end - begin};
      begin = end;
    }
  }

  // first[e]: the first entry equal to e (e itself when it is the first). Slots hold the
  // hash and the index of the partition's distinct value + 1.
  std::vector<uint32_t>& first = hashes;  // reused: every hash is in `order` now
  std::vector<uint64_t> slots;
  std::vector<record> local;  // the partition's distinct values: their first entry
  for (size_t p = 0; p + 1 < starts.size(); ++p) {
    const size_t from = starts[p], to = starts[p + 1];
    if (from == to) continue;
    size_t size = 16;
    while (size < 2 * (to - from)) size *= 2;
    slots.assign(size, 0);
    const size_t mask = size - 1;
    local.clear();
    for (size_t k = from; k < to; ++k) {
      const record r = order[k];
      size_t i = r.h & mask;
      uint32_t found = r.e;
      while (const uint64_t slot = slots[i]) {
        if (static_cast<uint32_t>(slot >> 32) == r.h) {
          const record& have = local[static_cast<uint32_t>(slot) - 1];
          if (have.len == r.len && same_bytes(bytes + have.begin, bytes + r.begin, r.len)) {
            found = have.e;
            break;
          }
        }
        i = (i + 1) & mask;
      }
      if (found == r.e) {
        local.push_back(r);
        slots[i] = (uint64_t(r.h) << 32) | local.size();
      }
      first[r.e] = found;
    }
  }
  std::vector<record>().swap(order);

  // Number the first occurrences in entry order and compact their bytes in place.
  std::vector<uint32_t> code_of(n);
  std::vector<uint32_t> offsets{0, 0};
  size_t out = 0;
  char* const dst = d.bytes.data();
  for (size_t e = 0; e < n; ++e) {
    if (first[e] == e) {
      code_of[e] = static_cast<uint32_t>(offsets.size() - 1);
      const std::string_view s = entry(e);
      std::memmove(dst + out, s.data(), s.size());
      out += s.size();
      offsets.push_back(static_cast<uint32_t>(out));
    } else {
      code_of[e] = code_of[first[e]];
    }
  }
  std::vector<uint32_t>().swap(hashes);
  std::vector<uint32_t>().swap(d.ends);
  for (uint32_t& code : c.codes) {
    if (code != 0) code = code_of[code - 1];
  }
  std::vector<uint32_t>().swap(code_of);
  d.bytes.resize(out);
  d.bytes.shrink_to_fit();
  offsets.shrink_to_fit();
  c.pool.bytes_ = std::move(d.bytes);
  c.pool.offsets_ = std::move(offsets);
  c.pool.slots_.clear();
  c.pool.hashes_.clear();
  c.pool.ascending_ = false;
  d = deferred_cells();
}

// Vectors grown by doubling may hold up to twice what they need: give the spare back
// before finish() allocates the packed arrays (5M rows: 8M-entry code arrays).
template <typename T>
void trim_capacity(std::vector<T>& v) {
  if (v.capacity() - v.size() > v.size() / 4) v.shrink_to_fit();
}

table table_builder::finish() {
  table t;
  t.lines = std::move(lines_);
  trim_capacity(t.lines);
  for (column& c : cols_) trim_capacity(c.codes);
  const size_t n = t.lines.size();
  for (size_t col = 0; col < cols_.size(); ++col) {
    column& c = cols_[col];
    if (deferred_[col].on) intern_deferred(c, deferred_[col]);
    {
      // Count how many rows hold each distinct value: inference is weighted by rows but
      // runs once per distinct value, which is what makes typing a 5M-row file cheap.
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
    }

    if (c.is_number() || c.is_date()) {
      const bool dates = c.is_date();
      if (dates) {
        c.times.resize(n);
      } else {
        c.numbers.resize(n);
      }
      auto bad_at = [&](size_t r) {
        ++c.bad;
        if (c.bad_rows.size() < MAX_BAD_ROWS) c.bad_rows.push_back(static_cast<uint32_t>(r));
      };
      if (size_t(c.pool.size()) * 4 > n * 3) {
        // Nearly every value distinct (ids, timestamps): convert row by row, which costs
        // about as much and needs no per-value table.
        for (size_t r = 0; r < n; ++r) {
          const uint32_t code = c.codes[r];
          if (dates) {
            std::optional<int64_t> v;
            if (code != 0 && !(v = parse_time(c.pool.get(code), c.format))) bad_at(r);
            c.times[r] = v ? *v : MISSING_TIME;
          } else {
            std::optional<double> v;
            if (code != 0 && !(v = parse_number(c.pool.get(code), c.format.decimal_mark))) {
              bad_at(r);
            }
            c.numbers[r] = v ? *v : std::numeric_limits<double>::quiet_NaN();
          }
        }
      } else {
        // Convert each distinct value once, then spread to rows.
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
        for (size_t r = 0; r < n; ++r) {
          const uint32_t code = c.codes[r];
          if (dates) {
            c.times[r] = time_of[code];
          } else {
            c.numbers[r] = num_of[code];
          }
          if (!ok[code]) bad_at(r);
        }
      }
    }
    t.columns.push_back(std::move(c));
  }
  cols_.clear();
  deferred_.clear();
  pending_.clear();
  touched_.clear();
  return t;
}

}  // namespace kpi
