#include "kpi/table.h"

#include "kpi/threads.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <functional>
#include <stdexcept>

namespace kpi {

namespace {

// Eight bytes a step, then the tail in two overlapping loads: cells are short, and a byte
// loop (FNV-1a before) was a tenth of reading a file. Partitions take the top bits of the
// hash and tables the low ones: the final multiply mixes both.
inline uint32_t hash_bytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    p += 8, n -= 8;
  }
  uint64_t w = 0;
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    w = (uint64_t(a) << 32) | b;
  } else if (n > 0) {
    w = uint64_t(static_cast<unsigned char>(p[0])) |
        uint64_t(static_cast<unsigned char>(p[n / 2])) << 8 |
        uint64_t(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 29;
  h *= 0x9E3779B97F4A7C15ull;
  return static_cast<uint32_t>(h >> 32);
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

// A string of 1 to 16 bytes as string_pool::recent_ knows it: its first and last eight bytes
// (of a shorter one, its first and last four, or its first, middle and last byte). These
// cover every byte, so with the length they tell it from any other such string.
inline void short_key(const char* p, size_t n, uint64_t& head, uint64_t& tail) {
  if (n >= 8) {
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    head = a;
    tail = b;
  } else {
    head = uint64_t(static_cast<unsigned char>(p[0])) |
           uint64_t(static_cast<unsigned char>(p[n / 2])) << 8 |
           uint64_t(static_cast<unsigned char>(p[n - 1])) << 16;
    tail = 0;
  }
}

constexpr size_t MAX_BAD_ROWS = 20;

constexpr double POW10[] = {1, 10, 100};
constexpr size_t MAX_SUFFIX = 16;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline int two_digits(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }
inline bool digits_at(std::string_view s, size_t from, size_t n) {
  if (s.size() < from + n) return false;
  for (size_t i = from; i < from + n; ++i) {
    if (!is_digit(s[i])) return false;
  }
  return true;
}

char* write_two(char* o, unsigned v) {
  o[0] = static_cast<char>('0' + v / 10);
  o[1] = static_cast<char>('0' + v % 10);
  return o + 2;
}

// Headers of ids and codes ("order_id", "Order ID", "orderId", "SKU", "zip code"): their
// cells are grouped by text, so reading them directly would only be undone (see
// column::materialize). The last word decides, so that "Amount paid" is not an id.
bool id_like_header(std::string_view name) {
  const size_t n = name.size();
  if (n > 2 && name[n - 2] == 'I' && name[n - 1] == 'd' && name[n - 3] >= 'a' &&
      name[n - 3] <= 'z') {
    return true;  // camelCase
  }
  size_t start = n;
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(name[start - 1])) != 0)) --start;
  std::string last;
  for (char c : name.substr(start)) {
    last += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (std::string_view w : {"id", "ids", "no", "number", "code", "sku", "zip", "phone", "name"}) {
    if (last == w) return true;
  }
  return false;
}

// Interns entries (entry i = bytes[ends[i - 1], ends[i])) into c.pool in entry order, so that
// codes come out in order of first appearance exactly as interning cell by cell would give
// them, and turns every row's code from entry + 1 into the value's code. Entries are split
// by the top bits of their hash into partitions of at most 16,384 entries; each partition
// finds every entry's first equal entry with a hash table of at most 256 KB, which stays in
// the L2 cache (with partitions of 4,096 entries this function took 15% longer in wasm at
// 5M rows). A pass in entry order then numbers the first occurrences and compacts their
// bytes into the pool; each other entry then takes its first entry's code. In steps (begin,
// the partitions, number, resolve, adopt), so that two threads can share the partitions and
// the resolving (table_builder::finish_sharing).
class interning {
 public:
  interning(column& c, pod_vector<char>& bytes, std::vector<uint32_t>& ends)
      : c_(c), bytes_in_(bytes), ends_(ends), n_(ends.size()) {}

  // Hashes, and a stable scatter of the entries by partition, each with what its lookup
  // needs so that the partition pass reads them in sequence.
  void begin() {
    if (n_ >= FIRST) throw std::length_error("more than 2^31 values in a column");
    while (bits_ < 12 && (n_ >> bits_) > 16384) ++bits_;
    const int shift = 32 - bits_;
    auto part_of = [&](uint32_t h) -> size_t { return bits_ == 0 ? 0 : h >> shift; };
    // Not value-initialized (pod_vector): every element is written before it is read.
    hashes_.resize(n_);
    starts_.assign((size_t(1) << bits_) + 1, 0);
    for (size_t e = 0; e < n_; ++e) {
      hashes_[e] = hash_bytes(entry(e));
      ++starts_[part_of(hashes_[e]) + 1];
    }
    for (size_t p = 1; p < starts_.size(); ++p) starts_[p] += starts_[p - 1];
    // An entry of up to 8 bytes carries them (zero-padded) in `w`, so that finding its first
    // equal entry reads nothing outside the partition: at 5M rows of 8-byte customer ids,
    // reading each entry's bytes (and its match's) in the 40 MB byte array was a cache miss
    // or two per entry. A longer entry carries its hash and where its bytes begin; a short
    // one's hash is recomputed from `w` (the record has no room for it, and that costs less
    // than the read it spares).
    order_.resize(n_);
    std::vector<uint32_t> next(starts_.begin(), starts_.end() - 1);
    const char* const bytes = bytes_in_.data();
    uint32_t begin = 0;
    for (size_t e = 0; e < n_; ++e) {
      const uint32_t h = hashes_[e];
      const uint32_t end = ends_[e];
      const uint32_t len = end - begin;
      uint64_t w = 0;
      if (len <= 8) {
        std::memcpy(&w, bytes + begin, len);
      } else {
        w = uint64_t(h) << 32 | begin;
      }
      order_[next[part_of(h)]++] = {static_cast<uint32_t>(e), len, w};
      begin = end;
    }
  }

  size_t partition_count() const { return starts_.size() - 1; }
  size_t entries() const { return n_; }

  // For partitions [from, to): first[e], the first entry equal to e (e itself when it is
  // the first), for each entry e of theirs. Slots hold the hash and the index of the
  // partition's distinct value + 1. Partitions write distinct entries: two threads may each
  // take some.
  void partitions(size_t from, size_t to) {
    const char* const bytes = bytes_in_.data();
    pod_vector<uint32_t>& first = hashes_;  // reused: every hash is in `order_` now
    std::vector<uint64_t> slots;
    std::vector<record> local;  // the partition's distinct values: their first entry
    // first[e] is written a block of entries at a time, after their lookups: entries lie
    // anywhere in `first`, and written among the lookups they made the partitions take a
    // third longer in wasm (5M rows of customer ids: finish() 161-170 -> 150-155 ms).
    constexpr size_t BLOCK = 256;
    uint32_t entries[BLOCK], firsts[BLOCK];
    size_t pending = 0;
    auto store = [&] {
      for (size_t q = 0; q < pending; ++q) first[entries[q]] = firsts[q];
      pending = 0;
    };
    for (size_t p = from; p < to; ++p) {
      const size_t lo = starts_[p], hi = starts_[p + 1];
      if (lo == hi) continue;
      size_t size = 16;
      while (size < 2 * (hi - lo)) size *= 2;
      slots.assign(size, 0);
      const size_t mask = size - 1;
      local.clear();
      for (size_t k = lo; k < hi; ++k) {
        const record r = order_[k];
        const bool inline_bytes = r.len <= 8;
        const uint32_t h =
            inline_bytes
                ? hash_bytes({reinterpret_cast<const char*>(&r.w), r.len})
                : static_cast<uint32_t>(r.w >> 32);
        size_t i = h & mask;
        uint32_t found = r.e;
        while (const uint64_t slot = slots[i]) {
          if (static_cast<uint32_t>(slot >> 32) == h) {
            const record& have = local[static_cast<uint32_t>(slot) - 1];
            if (have.len == r.len &&
                (inline_bytes ? have.w == r.w
                              : same_bytes(bytes + static_cast<uint32_t>(have.w),
                                           bytes + static_cast<uint32_t>(r.w), r.len))) {
              found = have.e;
              break;
            }
          }
          i = (i + 1) & mask;
        }
        if (found == r.e) {
          local.push_back(r);
          slots[i] = (uint64_t(h) << 32) | local.size();
        }
        entries[pending] = r.e;
        firsts[pending] = found;
        if (++pending == BLOCK) store();
      }
    }
    store();
  }

  // The end, in three steps (number; resolve, which two threads may share by ranges of
  // entries; adopt). number() gives the first occurrences their codes in entry order, marked
  // FIRST, and compacts their bytes in place; each other entry still holds its first entry.
  void number() {
    pod_vector<record>().swap(order_);
    pod_vector<uint32_t>& first = hashes_;
    size_t distinct = 0;
    for (size_t e = 0; e < n_; ++e) distinct += first[e] == e;
    offsets_.reserve(distinct + 2);
    offsets_.assign(2, 0);
    size_t out = 0;
    char* const dst = bytes_in_.data();
    for (size_t e = 0; e < n_; ++e) {
      if (first[e] != e) continue;
      first[e] = static_cast<uint32_t>(offsets_.size() - 1) | FIRST;
      const std::string_view s = entry(e);
      std::memmove(dst + out, s.data(), s.size());
      out += s.size();
      offsets_.push_back(static_cast<uint32_t>(out));
    }
    bytes_in_.truncate(out);
  }

  // Entries [from, to) that are not first occurrences take their first entry's code (marked
  // FIRST too). Writes only those entries and reads only first occurrences, which no range
  // writes: ranges can be resolved side by side.
  void resolve(size_t from, size_t to) {
    pod_vector<uint32_t>& code_of = hashes_;
    for (size_t e = from; e < to; ++e) {
      const uint32_t v = code_of[e];
      if (!(v & FIRST)) code_of[e] = code_of[v];
    }
  }

  // Every row's code from entry + 1 to the value's, and the pool from the compacted bytes.
  void adopt() {
    const pod_vector<uint32_t>& code_of = hashes_;
    std::vector<uint32_t>().swap(ends_);
    c_.codes.remap([&](uint32_t code) { return code == 0 ? 0 : code_of[code - 1] & ~FIRST; });
    pod_vector<uint32_t>().swap(hashes_);
    bytes_in_.shrink_to_fit();
    c_.pool.adopt(std::move(bytes_in_), std::move(offsets_));
  }

 private:
  struct record {
    uint32_t e, len;
    uint64_t w;
  };
  std::string_view entry(size_t e) const {
    const uint32_t b = e == 0 ? 0 : ends_[e - 1];
    return {bytes_in_.data() + b, ends_[e] - b};
  }

  column& c_;
  pod_vector<char>& bytes_in_;
  std::vector<uint32_t>& ends_;
  const size_t n_;
  int bits_ = 0;
  pod_vector<uint32_t> hashes_;  // each entry's hash; then its first equal entry; then its code
  std::vector<uint32_t> starts_;  // each partition's first record in order_
  pod_vector<record> order_;      // the records, by partition
  std::vector<uint32_t> offsets_;  // the pool's, from number()
  // number()'s mark of a code (codes count distinct values, fewer than 2^31: begin()).
  static constexpr uint32_t FIRST = 0x80000000u;
};

void intern_entries(column& c, pod_vector<char>& bytes, std::vector<uint32_t>& ends) {
  interning in(c, bytes, ends);
  in.begin();
  in.partitions(0, in.partition_count());
  in.number();
  in.resolve(0, in.entries());
  in.adopt();
}

}  // namespace

// ---- code arrays ----

namespace {
int width_for(uint32_t code) { return code <= 0xFFu ? 1 : code <= 0xFFFFu ? 2 : 4; }
}  // namespace

template <typename To>
void code_array::move_to(std::vector<To>& to, int width) {
  std::vector<To> out;
  out.reserve(std::max(capacity(), size_));
  for (size_t i = 0; i < size_; ++i) out.push_back(static_cast<To>((*this)[i]));
  std::vector<uint8_t>().swap(w1_);
  std::vector<uint16_t>().swap(w2_);
  std::vector<uint32_t>().swap(w4_);
  to = std::move(out);
  width_ = static_cast<uint8_t>(width);
}

void code_array::widen(uint32_t code) {
  const int w = width_for(code);
  if (w == 2) {
    move_to(w2_, 2);
  } else {
    move_to(w4_, 4);
  }
}

void code_array::narrow(uint32_t top) {
  const int w = width_for(top);
  if (w >= width_) return;
  if (w == 1) {
    move_to(w1_, 1);
  } else {
    move_to(w2_, 2);
  }
  shrink_to_fit();
}

void code_array::assign(size_t n, uint32_t code, uint32_t max) {
  *this = code_array();
  width_ = static_cast<uint8_t>(width_for(std::max(code, max)));
  switch (width_) {
    case 1: w1_.assign(n, static_cast<uint8_t>(code)); break;
    case 2: w2_.assign(n, static_cast<uint16_t>(code)); break;
    default: w4_.assign(n, code); break;
  }
  size_ = n;
}

void code_array::reserve(size_t n) {
  switch (width_) {
    case 1: w1_.reserve(n); break;
    case 2: w2_.reserve(n); break;
    default: w4_.reserve(n); break;
  }
}

size_t code_array::capacity() const {
  return width_ == 1 ? w1_.capacity() : width_ == 2 ? w2_.capacity() : w4_.capacity();
}

void code_array::shrink_to_fit() {
  w1_.shrink_to_fit();
  w2_.shrink_to_fit();
  w4_.shrink_to_fit();
}

// ---- number and time arrays ----

namespace {
constexpr double SCALE_DIVISOR[number_array::MAX_SCALE + 1] = {1, 10, 100, 1000, 10000};
constexpr int64_t SCALE_FACTOR[number_array::MAX_SCALE + 1] = {1, 10, 100, 1000, 10000};
constexpr int64_t MIN_CODE = int64_t(INT32_MIN) + 2;  // below: the NaN and -0.0 codes
constexpr int64_t MAX_CODE = INT32_MAX;
int number_width_for(int64_t lo, int64_t hi) {
  if (lo >= INT8_MIN + 2 && hi <= INT8_MAX) return 1;
  if (lo >= INT16_MIN + 2 && hi <= INT16_MAX) return 2;
  return 4;
}
}  // namespace

void number_array::limits() {
  const int32_t hi = width_ == 1 ? INT8_MAX : width_ == 2 ? INT16_MAX : INT32_MAX;
  low_ = static_cast<double>(lowest()) + 1.5;
  high_ = static_cast<double>(hi) + 0.5;
  min_code_ = lowest() + 2;
  max_code_ = hi;
}

template <typename To>
void number_array::recode(pod_vector<To>& to, int width, int scale) {
  pod_vector<To> out;
  out.reserve(std::max(capacity(), size_));
  if constexpr (std::is_same_v<To, double>) {
    for (size_t i = 0; i < size_; ++i) out.push_back((*this)[i]);
  } else {
    const int32_t from_low = lowest();
    const int32_t to_low = width == 1 ? INT8_MIN : width == 2 ? INT16_MIN : INT32_MIN;
    const int64_t factor = SCALE_FACTOR[scale - scale_];
    for (size_t i = 0; i < size_; ++i) {
      const int32_t k = code(i);
      out.push_back(static_cast<To>(k == from_low       ? to_low
                                    : k == from_low + 1 ? to_low + 1
                                                        : k * factor));
    }
  }
  w1_ = {};
  w2_ = {};
  w4_ = {};
  w8_ = {};
  to = std::move(out);
  width_ = static_cast<uint8_t>(width);
  if (width != 8) {
    scale_ = static_cast<uint8_t>(scale);
    divisor_ = SCALE_DIVISOR[scale];
    limits();
  } else {
    min_code_ = 1, max_code_ = 0;  // push_scaled always takes the long way
  }
}

int32_t number_array::make_room(double v) {
  if (std::isnan(v)) {
    const double missing = std::numeric_limits<double>::quiet_NaN();
    if (std::memcmp(&v, &missing, sizeof v) == 0) return lowest();
    recode(w8_, 8, 0);  // a NaN of other bits
    return 0;
  }
  if (v == 0 && std::signbit(v)) return lowest() + 1;
  // The smallest scale at which v is some k / 10^scale exactly. A value exact at a scale is
  // exact at every larger one (k * 10 / 10^(scale + 1) is the same quotient, correctly
  // rounded), so what is stored can always move up to it.
  int scale = scale_;
  int64_t k = 0;
  for (; scale <= MAX_SCALE; ++scale) {
    const double x = v * SCALE_DIVISOR[scale];
    if (!(std::fabs(x) < 4294967296.0)) {
      scale = MAX_SCALE + 1;
      break;
    }
    k = static_cast<int64_t>(x < 0 ? x - 0.5 : x + 0.5);
    if (static_cast<double>(k) / SCALE_DIVISOR[scale] == v) break;
  }
  if (scale > MAX_SCALE) {
    recode(w8_, 8, 0);
    return 0;
  }
  // What is stored, at the new scale, and k: within 32 bits, at the width they need.
  int64_t lo = 0, hi = 0;
  const int32_t low = lowest();
  for (size_t i = 0; i < size_; ++i) {
    const int32_t c = code(i);
    if (c > low + 1) lo = std::min<int64_t>(lo, c), hi = std::max<int64_t>(hi, c);
  }
  const int64_t factor = SCALE_FACTOR[scale - scale_];
  lo = std::min(lo * factor, k);
  hi = std::max(hi * factor, k);
  if (lo < MIN_CODE || hi > MAX_CODE) {
    recode(w8_, 8, 0);
    return 0;
  }
  const int width = std::max<int>(width_, number_width_for(lo, hi));
  if (width != width_ || scale != scale_) {
    switch (width) {
      case 1: recode(w1_, 1, scale); break;
      case 2: recode(w2_, 2, scale); break;
      default: recode(w4_, 4, scale); break;
    }
  }
  return static_cast<int32_t>(k);
}

void number_array::push_other(double v) {
  if (width_ != 8) {
    const int32_t k = make_room(v);
    switch (width_) {
      case 1: w1_.push_back(static_cast<int8_t>(k)); break;
      case 2: w2_.push_back(static_cast<int16_t>(k)); break;
      case 4: w4_.push_back(k); break;
      default: w8_.push_back(v); break;
    }
  } else {
    w8_.push_back(v);
  }
  ++size_;
}

void number_array::push_other_scaled(int64_t k, int scale) {
  // As a cell_shape reads it (and as every k < 2^53 and 10^scale are exact, this is k / 10^scale
  // correctly rounded, with the sign of k).
  push_other(static_cast<double>(k) / SCALE_DIVISOR[scale]);
}

void number_array::append(const number_array& o) {
  if (o.width_ == width_ && o.scale_ == scale_) {
    // The same codes mean the same values (NaN and -0.0 included): copied as they are.
    switch (width_) {
      case 1: w1_.append(o.w1_.data(), o.size_); break;
      case 2: w2_.append(o.w2_.data(), o.size_); break;
      case 4: w4_.append(o.w4_.data(), o.size_); break;
      default: w8_.append(o.w8_.data(), o.size_); break;
    }
    size_ += o.size_;
    return;
  }
  for (size_t i = 0; i < o.size_; ++i) {
    const double v = o[i];
    if (std::isnan(v)) {
      push_missing();
    } else {
      push_back(v);
    }
  }
}

void number_array::set(size_t i, double v) {
  int32_t k;
  if (width_ == 8 || !fits(v, k)) {
    k = width_ == 8 ? 0 : make_room(v);
  }
  switch (width_) {
    case 1: w1_[i] = static_cast<int8_t>(k); break;
    case 2: w2_[i] = static_cast<int16_t>(k); break;
    case 4: w4_[i] = k; break;
    default: w8_[i] = v; break;
  }
}

void number_array::reserve(size_t n) {
  switch (width_) {
    case 1: w1_.reserve(n); break;
    case 2: w2_.reserve(n); break;
    case 4: w4_.reserve(n); break;
    default: w8_.reserve(n); break;
  }
}

size_t number_array::capacity() const {
  switch (width_) {
    case 1: return w1_.capacity();
    case 2: return w2_.capacity();
    case 4: return w4_.capacity();
    default: return w8_.capacity();
  }
}

void number_array::shrink_to_fit() {
  w1_.shrink_to_fit();
  w2_.shrink_to_fit();
  w4_.shrink_to_fit();
  w8_.shrink_to_fit();
}

bool number_array::operator==(const number_array& o) const {
  if (size_ != o.size_) return false;
  for (size_t i = 0; i < size_; ++i) {
    const double a = (*this)[i], b = o[i];
    if (std::memcmp(&a, &b, sizeof a) != 0) return false;
  }
  return true;
}

void time_array::make_room(int64_t t) {
  int64_t lo = t, hi = t;
  for (const int32_t d : w4_) {
    if (d == MISSING) continue;
    lo = std::min(lo, base_ + d);
    hi = std::max(hi, base_ + d);
  }
  int64_t span;
  if (!__builtin_sub_overflow(hi, lo, &span) && span <= INT32_MAX) {
    // Every time within 2^30 s of the middle: the next base move is at least 34 years away.
    const int64_t base = lo + span / 2;
    for (int32_t& d : w4_) {
      if (d != MISSING) d = static_cast<int32_t>(base_ + d - base);
    }
    base_ = base;
    return;
  }
  pod_vector<int64_t> wide;
  wide.reserve(std::max(w4_.capacity(), w4_.size()));
  for (size_t i = 0; i < w4_.size(); ++i) wide.push_back((*this)[i]);
  w4_ = {};
  w8_ = std::move(wide);
  wide_ = true;
}

void time_array::push_other(int64_t t) {
  if (!wide_) make_room(t);
  if (wide_) {
    w8_.push_back(t);
  } else {
    w4_.push_back(static_cast<int32_t>(t - base_));
  }
}

void time_array::append(const time_array& o) {
  if (!wide_ && !o.wide_ && o.base_ == base_) {
    w4_.append(o.w4_.data(), o.w4_.size());  // the same distances from the same base
    return;
  }
  for (size_t i = 0; i < o.size(); ++i) push_back(o[i]);
}

void time_array::set(size_t i, int64_t t) {
  if (!wide_) {
    int64_t d;
    if (t == MISSING_TIME) {
      w4_[i] = MISSING;
      return;
    }
    if (__builtin_sub_overflow(t, base_, &d) || d <= MISSING || d > INT32_MAX) make_room(t);
    if (!wide_) {
      w4_[i] = static_cast<int32_t>(t - base_);
      return;
    }
  }
  w8_[i] = t;
}

// ---- string pools ----

string_pool::string_pool() : offsets_{0, 0}, hashes_{0} {}

void string_pool::grow() {
  if (size() > RECENT_UP_TO) std::vector<recent_string>().swap(recent_);
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
  if (size() <= RECENT_UP_TO) recent_.assign(RECENT, recent_string());
  grow();
}

uint32_t string_pool::intern(const char* data, size_t length) {
  const std::string_view s(data, length);
  if (s.empty()) return 0;
  if (slots_.empty()) {
    if (ascending_) {
      if (after(s, get(size() - 1))) {
        // Greater than every string so far: new.
        const uint32_t code = size();
        bytes_.append(s.data(), s.size());
        offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
        return code;
      }
    }
    build_index();
  }
  recent_string* recent = nullptr;
  uint64_t head = 0, tail = 0;
  if (length <= 16 && !recent_.empty()) {
    short_key(data, length, head, tail);
    recent = &recent_[(head * 0x9E3779B97F4A7C15ull + tail * 0xC2B2AE3D27D4EB4Full) >> 55];
    static_assert(RECENT == size_t(1) << (64 - 55));
    if (recent->length == length && recent->head == head && recent->tail == tail) {
      return recent->code;
    }
  }
  const uint32_t h = hash_bytes(s);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint32_t slot = slots_[i]) {
    const uint32_t code = slot - 1;
    if (hashes_[code] == h) {
      std::string_view have = get(code);
      if (have.size() == s.size() && same_bytes(have.data(), s.data(), s.size())) {
        if (recent) *recent = {head, tail, static_cast<uint32_t>(length), code};
        return code;
      }
    }
    i = (i + 1) & mask;
  }
  const uint32_t code = size();
  bytes_.append(s.data(), s.size());
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  hashes_.push_back(h);
  slots_[i] = code + 1;
  if (recent) *recent = {head, tail, static_cast<uint32_t>(length), code};
  if (size_t(size()) * 2 > slots_.size()) grow();
  return code;
}

bool string_pool::append_greater(const string_pool& o) {
  if (!slots_.empty() || !ascending_ || !o.slots_.empty() || !o.ascending_ || o.size() < 2) {
    return false;
  }
  if (!after(o.get(1), get(size() - 1))) return false;
  const uint32_t base = offsets_.back();
  bytes_.reserve(bytes_.size() + o.offsets_.back());  // exactly: the part is the file's end
  bytes_.append(o.bytes_.data(), o.offsets_.back());
  offsets_.reserve(offsets_.size() + o.size() - 1);
  for (size_t i = 2; i < o.offsets_.size(); ++i) offsets_.push_back(base + o.offsets_[i]);
  return true;
}

void string_pool::compact() {
  std::vector<uint32_t>().swap(slots_);
  std::vector<uint32_t>().swap(hashes_);
  std::vector<recent_string>().swap(recent_);
  // One at a time, so that only one array is ever held twice.
  if (bytes_.capacity() - bytes_.size() > bytes_.size() / 8) bytes_.shrink_to_fit();
  if (offsets_.capacity() - offsets_.size() > offsets_.size() / 8) offsets_.shrink_to_fit();
}

size_t string_pool::memory_bytes() const {
  return bytes_.capacity() + 4 * (offsets_.capacity() + slots_.capacity() + hashes_.capacity()) +
         recent_.capacity() * sizeof(recent_string);
}

void string_pool::adopt(pod_vector<char> bytes, std::vector<uint32_t> offsets) {
  bytes_ = std::move(bytes);
  offsets_ = std::move(offsets);
  slots_.clear();
  hashes_.clear();
  recent_.clear();
  ascending_ = false;
}

// ---- cell shapes ----

bool cell_shape::read_scaled(const char* data, size_t size, int64_t& k) const {
  const char* p = data;
  const char* const e = p + size;
  if (p == e) return false;
  const bool negative = *p == '-';
  p += negative;
  const char* const d0 = p;
  uint64_t m = 0;
  while (p < e && is_digit(*p)) m = m * 10 + static_cast<uint64_t>(*p++ - '0');
  const size_t digits = static_cast<size_t>(p - d0);
  if (digits == 0 || (digits > 1 && *d0 == '0')) return false;
  if (fraction == 0) {
    if (p != e || digits > 7) return false;
  } else {
    if (digits > 8 || e - p != fraction + 1 || *p != '.') return false;
    for (++p; p < e; ++p) {
      if (!is_digit(*p)) return false;
      m = m * 10 + static_cast<uint64_t>(*p - '0');
    }
  }
  if (negative && m == 0) return false;  // "-0.00" reads as 0 and would be written "0.00"
  k = negative ? -static_cast<int64_t>(m) : static_cast<int64_t>(m);
  return true;
}

bool cell_shape::read_number(std::string_view s, double& out) const {
  int64_t k;
  if (!read_scaled(s, k)) return false;
  // k and 10^fraction are exact, so the quotient is the correctly rounded value of the text
  // (with its sign: rounding is symmetric).
  out = static_cast<double>(k) / POW10[fraction];
  return true;
}

bool cell_shape::read_date(const char* data, size_t size, int64_t& out) const {
  const std::string_view s(data, size);
  const size_t date_end = time ? (seconds ? 19 : 16) : 10;
  if (s.size() != date_end + suffix.size()) return false;
  const char* p = s.data();
  if (!digits_at(s, 0, 4) || p[0] == '0' || p[4] != '-' || !digits_at(s, 5, 2) || p[7] != '-' ||
      !digits_at(s, 8, 2)) {
    return false;
  }
  const int y = two_digits(p) * 100 + two_digits(p + 2), m = two_digits(p + 5),
            d = two_digits(p + 8);
  if (!valid_date(y, m, d)) return false;
  int64_t t = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400;
  if (time) {
    if (p[10] != separator || !digits_at(s, 11, 2) || p[13] != ':' || !digits_at(s, 14, 2)) {
      return false;
    }
    const int hh = two_digits(p + 11), mm = two_digits(p + 14);
    int ss = 0;
    if (seconds) {
      if (p[16] != ':' || !digits_at(s, 17, 2)) return false;
      ss = two_digits(p + 17);
    }
    if (hh > 23 || mm > 59 || ss > 59) return false;
    t += hh * 3600 + mm * 60 + ss;
  }
  if (!suffix.empty() && std::memcmp(p + date_end, suffix.data(), suffix.size()) != 0) {
    return false;
  }
  out = t;
  return true;
}

size_t cell_shape::write(double number, int64_t t, char* out) const {
  char* o = out;
  if (k == kind::number) {
    double v = number;
    if (v < 0) *o++ = '-', v = -v;
    const auto m = static_cast<uint64_t>(std::llround(v * POW10[fraction]));
    const uint64_t scale = fraction == 0 ? 1 : fraction == 1 ? 10 : 100;
    o = std::to_chars(o, out + 64, m / scale).ptr;
    if (fraction > 0) {
      *o++ = '.';
      const uint64_t f = m % scale;
      if (fraction == 2) {
        o = write_two(o, static_cast<unsigned>(f));
      } else {
        *o++ = static_cast<char>('0' + f);
      }
    }
    return static_cast<size_t>(o - out);
  }
  const int64_t days = day_of(t);
  const auto secs = static_cast<unsigned>(t - days * 86400);
  int y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  o = write_two(o, static_cast<unsigned>(y / 100));
  o = write_two(o, static_cast<unsigned>(y % 100));
  *o++ = '-';
  o = write_two(o, m);
  *o++ = '-';
  o = write_two(o, d);
  if (time) {
    *o++ = separator;
    o = write_two(o, secs / 3600);
    *o++ = ':';
    o = write_two(o, secs / 60 % 60);
    if (seconds) {
      *o++ = ':';
      o = write_two(o, secs % 60);
    }
  }
  std::memcpy(o, suffix.data(), suffix.size());
  return static_cast<size_t>(o - out) + suffix.size();
}

cell_shape cell_shape::of(std::string_view s) {
  cell_shape shape;
  // A number: sign, digits, then '.' and one or two digits.
  {
    size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
    const size_t d0 = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    const size_t digits = i - d0;
    if (digits > 0) {
      shape.k = kind::number;
      if (i == s.size()) {
        shape.fraction = 0;
      } else if (s[i] == '.' && (s.size() - i == 2 || s.size() - i == 3)) {
        shape.fraction = static_cast<uint8_t>(s.size() - i - 1);
      } else {
        shape.k = kind::none;
      }
      double v = 0;
      if (shape.k == kind::number && shape.read_number(s, v)) return shape;
      shape = cell_shape();
    }
  }
  // A date: YYYY-MM-DD, maybe a time, then the rest as the suffix.
  if (s.size() < 10) return {};
  shape.k = kind::date;
  size_t i = 10;
  if (s.size() >= 16 && (s[10] == 'T' || s[10] == ' ') && s[13] == ':') {
    shape.time = true;
    shape.separator = s[10];
    i = 16;
    if (s.size() >= 19 && s[16] == ':') shape.seconds = true, i = 19;
  }
  shape.suffix = std::string(s.substr(i));
  if (shape.suffix.size() > MAX_SUFFIX || (!shape.time && !shape.suffix.empty()) ||
      (!shape.suffix.empty() && shape.suffix.back() == ' ')) {
    return {};
  }
  for (char c : shape.suffix) {
    if (!is_digit(c) && c != 'Z' && c != '+' && c != '-' && c != ':' && c != '.' && c != ' ') {
      return {};
    }
  }
  int64_t t = 0;
  if (!shape.read_date(s, t)) return {};
  return shape;
}

double column::text_number(size_t row) const {
  if (codes[row] == 0) return std::numeric_limits<double>::quiet_NaN();
  auto v = parse_number(text(row), is_number() ? format.decimal_mark : '.');
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

void column::drop_numbers() {
  if (!direct() && is_number()) numbers = number_array();
}

uint32_t column::other_code(size_t row) const {
  auto it = std::lower_bound(
      others.begin(), others.end(), row,
      [](const std::pair<uint32_t, uint32_t>& o, size_t r) { return o.first < r; });
  return it != others.end() && it->first == row ? it->second : 0;
}

bool column::no_value(size_t row) const {
  return shape.k == cell_shape::kind::number ? std::isnan(numbers[row])
                                             : times[row] == MISSING_TIME;
}

size_t column::write_value(size_t row, char* out) const {
  return shape.k == cell_shape::kind::number ? shape.write(numbers[row], 0, out)
                                             : shape.write(0, times[row], out);
}

bool column::direct_empty_at(size_t row) const { return no_value(row) && other_code(row) == 0; }

std::string_view column::direct_text(size_t row) const {
  if (const uint32_t code = other_code(row)) return pool.get(code);
  if (no_value(row)) return {};
  return {scratch_, write_value(row, scratch_)};
}

void column::materialize() {
  if (!direct()) return;
  const size_t n = shape.k == cell_shape::kind::number ? numbers.size() : times.size();
  pod_vector<char> bytes;
  std::vector<uint32_t> ends;
  codes.assign(n, 0, static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX)));
  size_t next = 0;
  char buffer[64];
  for (size_t r = 0; r < n; ++r) {
    std::string_view s;
    if (next < others.size() && others[next].first == r) {
      s = pool.get(others[next++].second);
    } else if (no_value(r)) {
      continue;
    } else {
      s = {buffer, write_value(r, buffer)};
    }
    bytes.append(s.data(), s.size());
    ends.push_back(static_cast<uint32_t>(bytes.size()));
    codes.set(r, static_cast<uint32_t>(ends.size()));
  }
  intern_entries(*this, bytes, ends);
  shape = cell_shape();
  std::vector<std::pair<uint32_t, uint32_t>>().swap(others);
}

int table::find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

size_t table::memory_bytes() const {
  size_t total = lines.memory_bytes();
  for (const column& c : columns) {
    total += c.codes.memory_bytes() + c.pool.memory_bytes() + c.numbers.memory_bytes() +
             c.times.memory_bytes() + c.others.capacity() * 8;
  }
  return total;
}

size_t table_builder::add_column(std::string_view name) {
  column c;
  c.name = std::string(name);
  c.codes.reserve(std::max(reserved_, lines_.size()));
  c.codes.assign(lines_.size(), 0);
  cols_.push_back(std::move(c));
  deferred_.emplace_back();
  direct_.emplace_back();
  if (!direct_on_) direct_.back().p = phase::interned;
  pending_.push_back(0);
  pending_bits_.push_back(0);
  pending_kind_.push_back(pending_kind::empty);
  touched_.push_back(0);
  return cols_.size() - 1;
}

size_t table_builder::column_index(std::string_view name) {
  for (size_t i = 0; i < cols_.size(); ++i) {
    if (cols_[i].name == name) return i;
  }
  return add_column(name);
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

void table_builder::reserve(size_t rows) {
  if (rows <= lines_.size()) return;
  auto each = [&](auto&& f) {
    f(lines_);
    for (column& c : cols_) {
      if (c.shape.k == cell_shape::kind::number) {
        f(c.numbers);
      } else if (c.shape.k == cell_shape::kind::date) {
        f(c.times);
      } else {
        f(c.codes);
      }
    }
  };
  try {
    each([&](auto& v) { v.reserve(rows); });
  } catch (...) {
    // All or nothing: give back what was taken, so that a refused estimate costs nothing.
    each([&](auto& v) { v.shrink_to_fit(); });
    throw;
  }
  reserved_ = rows;
}

// The row's cell of one column, set() or not, goes into the column.
[[gnu::always_inline]] inline void table_builder::end_cell(size_t c, uint32_t row) {
  column& col = cols_[c];
  direct_state& ds = direct_[c];
  if (ds.p == phase::direct) {
    const pending_kind k = touched_[c] ? pending_kind_[c] : pending_kind::empty;
    push_direct(col, k == pending_kind::value, static_cast<int64_t>(pending_bits_[c]));
    if (k == pending_kind::value) {
      ++ds.hits;
    } else if (k == pending_kind::other) {
      col.others.emplace_back(row, pending_[c]);
    }
  } else {
    push_code(c, touched_[c] ? pending_[c] : 0);
  }
  touched_[c] = 0;
}

void table_builder::end_row(uint64_t line) {
  const auto row = static_cast<uint32_t>(lines_.size());
  if (reserved_ != 0 && row == lines_.capacity()) reserve(row + row / 4 + 1024);
  // The count read once: end_cell's stores could alias cols_'s own words for all the compiler
  // knows, so the loop's bound was loaded and divided by sizeof(column) again per column.
  const size_t n = cols_.size();
  for (size_t c = 0; c < n; ++c) end_cell(c, row);
  lines_.push_back(line);
}

// After SAMPLE non-empty cells: read the column directly when 90% of its cells so far have
// one shape, and that shape reads and counts as the column's readers do (checked on one of
// its cells: every cell of a shape behaves alike). The rows so far move to the packed array.
void table_builder::decide(size_t col) {
  direct_state& ds = direct_[col];
  column& c = cols_[col];
  ds.p = phase::interned;
  if (id_like_header(c.name)) return;
  const uint32_t distinct = c.pool.size();
  std::vector<uint32_t> counts(distinct, 0);
  for (uint32_t code : c.codes) ++counts[code];
  std::vector<cell_shape> shapes(distinct);
  uint64_t filled = 0, best_weight = 0;
  uint32_t best = 0;
  for (uint32_t code = 1; code < distinct; ++code) {
    shapes[code] = cell_shape::of(c.pool.get(code));
    filled += counts[code];
  }
  for (uint32_t code = 1; code < distinct; ++code) {
    if (shapes[code].k == cell_shape::kind::none) continue;
    uint64_t weight = 0;
    for (uint32_t other = 1; other < distinct; ++other) {
      if (shapes[other] == shapes[code]) weight += counts[other];
    }
    if (weight > best_weight) best_weight = weight, best = code;
  }
  if (best == 0 || best_weight * 10 < filled * 9) return;
  const cell_shape shape = shapes[best];
  const std::string_view first = c.pool.get(best);
  const std::string_view one[] = {first};
  const uint32_t once[] = {1};
  const value_format f = infer_format(c.name, one, once);
  if (shape.k == cell_shape::kind::number) {
    double mine = 0;
    const auto theirs = parse_number(first, '.');
    if (!shape.read_number(first, mine) || !theirs || std::memcmp(&mine, &*theirs, 8) != 0 ||
        f.type != (shape.fraction == 0 ? value_type::integer : value_type::decimal) ||
        f.decimal_mark != '.' || !f.currency.empty()) {
      return;
    }
  } else {
    value_format date;
    date.type = value_type::date;
    int64_t mine = 0;
    if (!shape.read_date(first, mine) || parse_time(first, date) != mine ||
        f.type != value_type::date || f.unix_unit != 0 || f.compact || f.month_only ||
        f.has_time != shape.time) {
      return;
    }
  }

  ds.p = phase::direct;
  ds.first = std::string(first);
  c.shape = shape;
  const size_t n = c.codes.size();
  const bool number = shape.k == cell_shape::kind::number;
  std::vector<double> number_of(number ? distinct : 0);
  std::vector<int64_t> time_of(number ? 0 : distinct);
  std::vector<uint32_t> recode(distinct, 0);  // code in the new pool of the other cells
  string_pool others;
  for (uint32_t code = 1; code < distinct; ++code) {
    if (shapes[code] == shape) {
      if (number) {
        shape.read_number(c.pool.get(code), number_of[code]);
      } else {
        shape.read_date(c.pool.get(code), time_of[code]);
      }
    } else {
      recode[code] = others.intern(c.pool.get(code));
    }
  }
  if (number) {
    c.numbers.reserve(std::max(reserved_, n));
  } else {
    c.times.reserve(std::max(reserved_, n));
  }
  for (size_t r = 0; r < n; ++r) {
    const uint32_t code = c.codes[r];
    if (code == 0 || recode[code] != 0) {
      if (code != 0) c.others.emplace_back(static_cast<uint32_t>(r), recode[code]);
      if (number) {
        c.numbers.push_missing();
      } else {
        c.times.push_back(MISSING_TIME);
      }
    } else {
      ++ds.hits;
      if (number) {
        c.numbers.push_back(number_of[code]);
      } else {
        c.times.push_back(time_of[code]);
      }
    }
  }
  c.codes = code_array();
  c.pool = std::move(others);
}

void table_builder::append(table_builder&& b, uint64_t line_offset) {
  const size_t n = b.rows();
  reserve(lines_.size() + n);
  append_base_ = lines_.size();
  std::vector<uint8_t> done(cols_.size(), 0);
  std::vector<std::pair<size_t, size_t>> pairs;  // (column here, column of b)
  for (size_t from = 0; from < b.cols_.size(); ++from) {
    pairs.emplace_back(append_target(b.cols_[from].name, from, done), from);
  }
  // Each column is appended on its own (its cells, its pool, its deferred entries), so a big
  // part's columns go on two threads where there are two, the costliest first (see finish()),
  // and b's line numbers beside them, after the two costliest (the columns' rows count from
  // append_base_, not from lines_.size()).
  auto one = [&](size_t i) { take_column(pairs[i].first, b, pairs[i].second); };
  if (n >= PARALLEL_FINISH_ROWS) {
    std::stable_sort(pairs.begin(), pairs.end(), [&](auto& x, auto& y) {
      return b.column_cost(x.second) > b.column_cost(y.second);
    });
    const size_t lines_at = std::min<size_t>(2, pairs.size());
    detail::for_each_index(pairs.size() + 1, [&](size_t i) {
      if (i == lines_at) {
        append_lines(b, line_offset);
      } else {
        one(i < lines_at ? i : i - 1);
      }
    });
  } else {
    for (size_t i = 0; i < pairs.size(); ++i) one(i);
    append_lines(b, line_offset);
  }
  append_rest(b, done);
}

void table_builder::append_lines(const table_builder& b, uint64_t line_offset) {
  for (uint64_t line : b.lines_) lines_.push_back(line_offset + line);
}

size_t table_builder::append_target(const std::string& name, size_t from,
                                    std::vector<uint8_t>& done) {
  size_t col = from < cols_.size() && cols_[from].name == name && !done[from]
                   ? from
                   : column_index(name);
  if (col < done.size() && done[col]) col = add_column(name);  // a name repeated in b only
  done.resize(cols_.size(), 0);
  done[col] = 1;
  return col;
}

void table_builder::append_rest(table_builder& b, const std::vector<uint8_t>& done) {
  const size_t n = b.rows();
  for (size_t col = 0; col < cols_.size(); ++col) {
    if (done[col]) continue;
    for (size_t r = 0; r < n; ++r) end_cell(col, static_cast<uint32_t>(append_base_ + r));
  }
  b = table_builder();
}

template <typename Next>
void table_builder::append_columns(table_builder& b, uint64_t line_offset, Next&& next) {
  reserve(lines_.size() + b.rows());
  append_base_ = lines_.size();
  std::vector<uint8_t> done(cols_.size(), 0);
  for (size_t from = 0; next(b, from); ++from) {
    take_column(append_target(b.cols_[from].name, from, done), b, from);
  }
  append_lines(b, line_offset);
  append_rest(b, done);
}

void table_builder::take_column(size_t col, table_builder& b, size_t from) {
  append_column(col, b, from);
  b.cols_[from] = column();  // freed as soon as copied: b holds the rows of half a file
  b.deferred_[from] = deferred_cells();
}

void table_builder::append_column(size_t col, table_builder& b, size_t from) {
  column& a = cols_[col];
  const column& c = b.cols_[from];
  direct_state& as = direct_[col];
  const direct_state& bs = b.direct_[from];
  const size_t before = append_base_;
  if (as.p == phase::direct && bs.p == phase::direct && a.shape == c.shape) {
    // Both read the cells of one shape into their packed arrays, and kept the others.
    if (c.shape.k == cell_shape::kind::number) {
      a.numbers.append(c.numbers);
    } else {
      a.times.append(c.times);
    }
    for (const auto& [row, code] : c.others) {
      a.others.emplace_back(static_cast<uint32_t>(before + row), a.pool.intern(c.pool.get(code)));
    }
    as.hits += bs.hits;
    return;
  }
  if (as.p != phase::interned || bs.p == phase::direct) {
    // Still sampling here (b's cells may decide), or the two read differently.
    append_cells(col, b, from);
    return;
  }
  // Codes both: b's distinct values (its pool, or its entries when deferred) are interned
  // here in b's order, which is their order of first appearance in b's rows.
  deferred_cells& ad = deferred_[col];
  const deferred_cells& bd = b.deferred_[from];
  // A pool still in increasing order (sorted ids) takes b's values one compare each, as it
  // would have taken them cell by cell; so does a pool that stays small.
  const bool ascending = a.pool.slots_.empty() && a.pool.ascending_;
  if (ad.on || bd.on || (!ascending && size_t(a.pool.size()) + c.pool.size() > DEFER_AFTER)) {
    // Many values: b's go after this column's entries, for finish() to intern.
    if (!ad.on) defer(col);
    const auto base = static_cast<uint32_t>(ad.ends.size());
    const auto byte_base = static_cast<uint32_t>(ad.bytes.size());
    const pod_vector<char>& bytes = bd.on ? bd.bytes : c.pool.bytes_;
    const uint32_t* ends = bd.on ? bd.ends.data() : c.pool.offsets_.data() + 2;
    const size_t count = bd.on ? bd.ends.size() : c.pool.offsets_.size() - 2;
    // Room for exactly this much: the part is the file's end, so no more comes, and growing
    // by doubling would hold up to twice the column's bytes.
    ad.bytes.reserve(ad.bytes.size() + bytes.size());
    ad.bytes.append(bytes.data(), bytes.size());
    ad.ends.reserve(base + count);
    ad.ends.resize(base + count);
    for (size_t i = 0; i < count; ++i) ad.ends[base + i] = byte_base + ends[i];
    a.codes.append_each(c.codes, [base](uint32_t code) { return code == 0 ? 0 : code + base; });
    return;
  }
  std::vector<uint32_t> to(c.pool.size(), 0);
  const uint32_t before_size = a.pool.size();
  if (a.pool.append_greater(c.pool)) {
    for (uint32_t code = 1; code < c.pool.size(); ++code) to[code] = before_size + code - 1;
  } else {
    a.pool.bytes_.reserve(a.pool.bytes_.size() + c.pool.bytes_.size());
    a.pool.offsets_.reserve(a.pool.offsets_.size() + c.pool.size());
    for (uint32_t code = 1; code < c.pool.size(); ++code) to[code] = a.pool.intern(c.pool.get(code));
  }
  a.codes.append_each(c.codes, [&to](uint32_t code) { return to[code]; });
  if (a.pool.size() > DEFER_AFTER && !a.pool.slots_.empty()) defer(col);
}

void table_builder::append_cells(size_t col, table_builder& b, size_t from) {
  const column& c = b.cols_[from];
  const deferred_cells& bd = b.deferred_[from];
  const bool direct = b.direct_[from].p == phase::direct;
  const size_t before = append_base_, n = b.rows();
  for (size_t r = 0; r < n; ++r) {
    std::string_view s;
    if (direct) {
      s = c.text(r);
    } else if (const uint32_t code = c.codes[r]; code != 0) {
      s = bd.on ? std::string_view(bd.bytes.data() + (code == 1 ? 0 : bd.ends[code - 2]),
                                   bd.ends[code - 1] - (code == 1 ? 0 : bd.ends[code - 2]))
                : c.pool.get(code);
    }
    if (!s.empty()) set(col, s);
    end_cell(col, static_cast<uint32_t>(before + r));
  }
}

// Vectors grown by doubling may hold up to twice what they need: give the spare back
// before finish() allocates the packed arrays (5M rows: 8M-entry code arrays).
template <typename T>
void trim_capacity(T& v) {
  if (v.capacity() - v.size() > v.size() / 4) v.shrink_to_fit();
}

table table_builder::finish() {
  table t;
  t.lines = std::move(lines_);
  trim_capacity(t.lines);
  for (column& c : cols_) {
    trim_capacity(c.codes);
    c.pool.compact();  // nothing is interned past this point but by intern_entries
  }
  const size_t n = t.lines.size();
  // Each column is typed and converted on its own, so a big table's columns go on two threads
  // where there are two (kpi/threads.h), the costliest first (column_cost).
  if (n >= PARALLEL_FINISH_ROWS) {
    std::vector<size_t> order(cols_.size());
    for (size_t col = 0; col < order.size(); ++col) order[col] = col;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return column_cost(a) > column_cost(b); });
    // The deferred column of the most entries (customer ids) costs more than all the others
    // together (5M rows: ~240 of ~370 thread-ms in wasm), the other thread idle for the rest:
    // its interning's partitions are shared by both threads once the other columns are done.
    size_t big = order.size();
    for (size_t i = 0; i < order.size(); ++i) {
      const deferred_cells& d = deferred_[order[i]];
      if (d.on && (big == order.size() || d.ends.size() > deferred_[order[big]].ends.size())) {
        big = i;
      }
    }
    if (big == order.size() || threads() < 2) {
      detail::for_each_index(order.size(), [&](size_t i) { finish_column(order[i], n); });
    } else {
      const size_t col = order[big];
      order.erase(order.begin() + static_cast<std::ptrdiff_t>(big));
      finish_sharing(col, order, n);
    }
  } else {
    for (size_t col = 0; col < cols_.size(); ++col) finish_column(col, n);
  }
  for (column& c : cols_) t.columns.push_back(std::move(c));
  cols_.clear();
  deferred_.clear();
  direct_.clear();
  pending_.clear();
  pending_bits_.clear();
  pending_kind_.clear();
  touched_.clear();
  return t;
}

// finish() on two threads of column `big` (deferred) and the columns of `others` (the
// costliest first): one thread begins interning `big`, then takes the partitions of its
// entries; the other finishes the other columns, then takes partitions too; the first, once
// every partition is done, numbers the first occurrences, and both resolve the other
// entries' codes by ranges; the first then adopts them and finishes `big`, then takes any
// column left. A thread that waits for the other spins (yielding) for no longer than the
// other's piece in hand, or the numbering.
void table_builder::finish_sharing(size_t big, const std::vector<size_t>& others, size_t n) {
  deferred_cells& d = deferred_[big];
  interning in(cols_[big], d.bytes, d.ends);
  std::atomic<bool> begun{false}, numbered{false}, stop{false};
  std::atomic<size_t> next_block{0}, blocks_done{0}, next_range{0}, ranges_done{0},
      next_column{0};
  constexpr size_t RANGES = 8;  // of entries, resolved once numbered
  size_t block = 1, blocks = 0;  // partitions taken at once, and blocks: set before `begun`
  // Does piece k of `count` for each k that `next` hands this thread, counting them in
  // `done` when the other thread waits for them.
  auto take = [&](std::atomic<size_t>& next, size_t count, std::atomic<size_t>* done,
                  auto&& piece) {
    for (size_t k; !stop.load() && (k = next.fetch_add(1)) < count;) {
      piece(k);
      if (done) done->fetch_add(1);
    }
  };
  auto take_blocks = [&] {
    take(next_block, blocks, &blocks_done, [&](size_t b) {
      in.partitions(b * block, std::min(in.partition_count(), (b + 1) * block));
    });
  };
  auto take_ranges = [&] {
    const size_t n_entries = in.entries();
    take(next_range, RANGES, &ranges_done, [&](size_t k) {
      in.resolve(n_entries * k / RANGES, n_entries * (k + 1) / RANGES);
    });
  };
  auto take_columns = [&] {
    take(next_column, others.size(), nullptr, [&](size_t i) { finish_column(others[i], n); });
  };
  // false when the other thread failed (its exception comes back from for_each_index)
  auto wait_for = [&](auto&& done) {
    while (!done()) {
      if (stop.load()) return false;
#if LOUPE_HAS_THREADS
      std::this_thread::yield();
#endif
    }
    return true;
  };
  detail::for_each_index(2, [&](size_t role) {
    try {
      if (role == 0) {
        in.begin();
        // About 32 blocks (5M rows: 512 partitions, 16 a block), so that the threads end
        // close together.
        block = std::max<size_t>(1, in.partition_count() / 32);
        blocks = (in.partition_count() + block - 1) / block;
        begun.store(true);
        take_blocks();
        if (!wait_for([&] { return blocks_done.load() == blocks; })) return;
        in.number();
        numbered.store(true);
        take_ranges();
        if (!wait_for([&] { return ranges_done.load() == RANGES; })) return;
        in.adopt();
        d = deferred_cells();
        finish_column(big, n);
        take_columns();
      } else {
        take_columns();
        if (!wait_for([&] { return begun.load(); })) return;
        take_blocks();
        if (!wait_for([&] { return numbered.load(); })) return;
        take_ranges();
      }
    } catch (...) {
      stop.store(true);
      throw;
    }
  });
}

// finish() of one column: types it and fills its packed array. Touches only the column's
// own state (cols_[col], deferred_[col], direct_[col]), so columns can finish side by side.
void table_builder::finish_column(size_t col, size_t n) {
  column& c = cols_[col];
  if (direct_[col].p == phase::direct) {
    if (finish_direct(c, direct_[col])) return;
  }
  if (deferred_[col].on) {
    intern_entries(c, deferred_[col].bytes, deferred_[col].ends);
    deferred_[col] = deferred_cells();
  }
  bool ids_read = false;  // see below
  {
    // Count how many rows hold each distinct value: inference is weighted by rows but
    // runs once per distinct value, which is what makes typing a 5M-row file cheap.
    std::vector<uint32_t> counts(c.pool.size(), 0);
    for (uint32_t code : c.codes) ++counts[code];
    // Not reserved: with the shapes grouped, a column of ids or timestamps gives a few
    // values for many codes.
    std::vector<std::string_view> values;
    std::vector<uint32_t> value_counts;
    // Values of one cell_shape count alike (see table_builder): each shape goes in once,
    // weighted by all of its rows, which spares a column of ids or timestamps a full
    // inference per value. The reference builder (direct off) looks at every value.
    struct shape_group {
      cell_shape shape;
      std::string_view first;
      uint32_t rows;
    };
    std::vector<shape_group> groups;
    constexpr size_t MAX_GROUPS = 8;
    size_t last = MAX_GROUPS;  // the group of the value before, if any
    // Rows of unreadable values (see unreadable_value): once they are more than a tenth of
    // the rows with a value, infer_format can only say text, so a column of names, e-mails
    // or ids like "C0014469" is decided after a tenth of its rows rather than after all of
    // its distinct values. The values are checked while they tend to be unreadable (at
    // first, and while at least half of those checked were).
    const uint64_t with_value = c.codes.size() - counts[0];
    uint64_t unreadable_rows = 0;
    uint32_t checked = 0, unreadable = 0;
    bool text = false;
    for (uint32_t code = 1; code < c.pool.size(); ++code) {
      const std::string_view v = c.pool.get(code);
      if (direct_on_ && counts[code] > 0) {
        // Ids come in runs of one shape. A number shape reads exactly the values whose
        // shape it is, so reading one spares working out its shape and comparing.
        int64_t k;
        if (last < groups.size() && groups[last].shape.k == cell_shape::kind::number &&
            groups[last].shape.read_scaled(v, k)) {
          groups[last].rows += counts[code];
          continue;
        }
        cell_shape shape = cell_shape::of(v);
        last = MAX_GROUPS;
        if (shape.k != cell_shape::kind::none) {
          auto g = std::find_if(groups.begin(), groups.end(),
                                [&](const shape_group& x) { return x.shape == shape; });
          if (g != groups.end()) {
            g->rows += counts[code];
            last = static_cast<size_t>(g - groups.begin());
            continue;
          }
          if (groups.size() < MAX_GROUPS) {
            groups.push_back({std::move(shape), v, counts[code]});
            last = groups.size() - 1;
            continue;
          }
        }
      }
      if (direct_on_ && counts[code] > 0 && (checked < 64 || 2 * unreadable >= checked)) {
        ++checked;
        if (unreadable_value(v)) {
          ++unreadable;
          unreadable_rows += counts[code];
          if (unreadable_rows * 10 > with_value) {
            text = true;
            break;
          }
        }
      }
      values.push_back(v);
      value_counts.push_back(counts[code]);
    }
    if (text) {
      c.format = value_format();
      c.format.type = value_type::text;
    } else {
      const size_t ungrouped = values.size();  // values in no shape group
      for (const shape_group& g : groups) {
        values.push_back(g.first);
        value_counts.push_back(g.rows);
      }
      c.format = infer_format(c.name, values, value_counts);
      // Whether every value of a number column of ids reads as a number (see below): those
      // of a number shape's group do; the values in no group are read here.
      if (direct_on_ && c.is_number() && c.format.decimal_mark == '.' &&
          id_like_header(c.name)) {
        ids_read = std::all_of(groups.begin(), groups.end(), [](const shape_group& g) {
          return g.shape.k == cell_shape::kind::number;
        });
        for (size_t i = 0; ids_read && i < ungrouped; ++i) {
          ids_read = value_counts[i] == 0 || parse_number(values[i], '.').has_value();
        }
      }
    }
  }
  // Ids (order numbers, customer numbers) are grouped by their text only: when each of a
  // number column of ids reads as a number, no cell is bad and its numbers are not packed,
  // as drop_numbers() leaves them (number() reads the text). At 5M rows of order ids that
  // conversion was ~60 ms of finish() in wasm, and 20 MB the session then freed.
  if (ids_read) return;

  if (c.is_number() || c.is_date()) {
    const bool dates = c.is_date();
    if (dates) {
      c.times.reserve(n);
    } else {
      c.numbers.reserve(n);
    }
    auto bad_at = [&](size_t r) {
      ++c.bad;
      if (c.bad_rows.size() < MAX_BAD_ROWS) c.bad_rows.push_back(static_cast<uint32_t>(r));
    };
    if (size_t(c.pool.size()) * 4 > n * 3) {
      // Nearly every value distinct (ids, timestamps): convert row by row, which costs
      // about as much and needs no per-value table. With '.' as the mark, a number shape
      // reads what parse_number reads, and faster: tried first, in the shape of the last
      // value that had one, until 16 values in a row have none (ids of 8 digits or more).
      // The reference builder (direct off) parses every value.
      cell_shape shape;
      shape.k = cell_shape::kind::number;
      bool by_shape = direct_on_ && c.format.decimal_mark != ',';
      int shapeless = 0;
      for (size_t r = 0; r < n; ++r) {
        const uint32_t code = c.codes[r];
        if (dates) {
          std::optional<int64_t> v;
          if (code != 0 && !(v = parse_time(c.pool.get(code), c.format))) bad_at(r);
          c.times.push_back(v ? *v : MISSING_TIME);
        } else if (code == 0) {
          c.numbers.push_missing();
        } else {
          const std::string_view s = c.pool.get(code);
          double x;
          if (by_shape && shape.read_number(s, x)) {
            c.numbers.push_back(x);
          } else if (const std::optional<double> v = parse_number(s, c.format.decimal_mark)) {
            c.numbers.push_back(*v);
            if (by_shape) {
              const cell_shape now = cell_shape::of(s);
              if (now.k == cell_shape::kind::number) {
                shape = now;
                shapeless = 0;
              } else if (++shapeless == 16) {
                by_shape = false;
              }
            }
          } else {
            bad_at(r);
            c.numbers.push_missing();
          }
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
          c.times.push_back(time_of[code]);
        } else if (code == 0 || !ok[code]) {
          c.numbers.push_missing();
        } else {
          c.numbers.push_back(num_of[code]);
        }
        if (!ok[code]) bad_at(r);
      }
    }
  }
}

// Types a directly read column from its other cells and its shape's first cell standing for
// all of the shape's cells, then reads the other cells under that format. Returns false,
// with the column materialized, when the format would read the shape's cells differently.
bool table_builder::finish_direct(column& c, direct_state& ds) {
  std::vector<uint32_t> counts(c.pool.size(), 0);
  for (const auto& [row, code] : c.others) ++counts[code];
  std::vector<std::string_view> values;
  std::vector<uint32_t> value_counts;
  for (uint32_t code = 1; code < c.pool.size(); ++code) {
    values.push_back(c.pool.get(code));
    value_counts.push_back(counts[code]);
  }
  values.push_back(ds.first);
  value_counts.push_back(static_cast<uint32_t>(ds.hits));
  const value_format f = infer_format(c.name, values, value_counts);
  const bool number = c.shape.k == cell_shape::kind::number;
  const bool same = number ? (f.type == value_type::integer || f.type == value_type::decimal) &&
                                 (c.shape.fraction == 0 || f.decimal_mark == '.')
                           : f.type == value_type::date && f.unix_unit == 0;
  if (!same) {
    c.materialize();
    c.numbers = number_array();
    c.times = time_array();
    return false;
  }
  c.format = f;
  trim_capacity(c.numbers);
  trim_capacity(c.times);
  for (const auto& [row, code] : c.others) {
    bool ok = false;
    if (number) {
      if (auto v = parse_number(c.pool.get(code), f.decimal_mark)) {
        c.numbers.set(row, *v);
        ok = true;
      }
    } else if (auto v = parse_time(c.pool.get(code), f)) {
      c.times.set(row, *v);
      ok = true;
    }
    if (!ok) {
      ++c.bad;
      if (c.bad_rows.size() < MAX_BAD_ROWS) c.bad_rows.push_back(row);
    }
  }
  c.others.shrink_to_fit();
  return true;
}

// ---- parts: a builder as bytes (see table_builder::save) ----

void string_pool::save(detail::byte_writer& w) const {
  w.put_array(bytes_);
  w.put_array(offsets_);
}

void string_pool::load(detail::byte_reader& r) {
  pod_vector<char> bytes;
  std::vector<uint32_t> offsets;
  r.get_array(bytes);
  r.get_array(offsets);
  if (offsets.size() < 2 || offsets[0] != 0 || offsets[1] != 0 ||
      !std::is_sorted(offsets.begin(), offsets.end()) || offsets.back() != bytes.size()) {
    throw std::runtime_error("a part's pool is corrupt");
  }
  adopt(std::move(bytes), std::move(offsets));
}

void code_array::save(detail::byte_writer& w) const {
  w.put(width_);
  w.put<uint64_t>(size_);
  w.put_array(w1_);
  w.put_array(w2_);
  w.put_array(w4_);
}

void code_array::load(detail::byte_reader& r) {
  width_ = r.get<uint8_t>();
  size_ = static_cast<size_t>(r.get<uint64_t>());
  r.get_array(w1_);
  r.get_array(w2_);
  r.get_array(w4_);
  const size_t held = width_ == 1 ? w1_.size() : width_ == 2 ? w2_.size() : w4_.size();
  if ((width_ != 1 && width_ != 2 && width_ != 4) || held != size_) {
    throw std::runtime_error("a part's codes are corrupt");
  }
}

void line_array::save(detail::byte_writer& w) const {
  w.put_array(base_);
  distance_.save(w);
  w.put<uint64_t>(apart_.size());
  for (const auto& [row, line] : apart_) {
    w.put(row);
    w.put(line);
  }
}

void line_array::load(detail::byte_reader& r) {
  r.get_array(base_);
  distance_.load(r);
  apart_.resize(static_cast<size_t>(r.get<uint64_t>()));
  for (auto& [row, line] : apart_) {
    row = r.get<uint64_t>();
    line = r.get<uint64_t>();
  }
  if (base_.size() != (distance_.size() + BLOCK - 1) / BLOCK) {
    throw std::runtime_error("a part's lines are corrupt");
  }
}

void number_array::save(detail::byte_writer& w) const {
  w.put(width_);
  w.put(scale_);
  w.put<uint64_t>(size_);
  w.put_array(w1_);
  w.put_array(w2_);
  w.put_array(w4_);
  w.put_array(w8_);
}

void number_array::load(detail::byte_reader& r) {
  width_ = r.get<uint8_t>();
  scale_ = r.get<uint8_t>();
  size_ = static_cast<size_t>(r.get<uint64_t>());
  r.get_array(w1_);
  r.get_array(w2_);
  r.get_array(w4_);
  r.get_array(w8_);
  const size_t held = width_ == 1   ? w1_.size()
                      : width_ == 2 ? w2_.size()
                      : width_ == 4 ? w4_.size()
                                    : w8_.size();
  if ((width_ != 1 && width_ != 2 && width_ != 4 && width_ != 8) || scale_ > MAX_SCALE ||
      held != size_) {
    throw std::runtime_error("a part's numbers are corrupt");
  }
  divisor_ = SCALE_DIVISOR[scale_];
  if (width_ == 8) {
    min_code_ = 1, max_code_ = 0;  // as make_room leaves them for doubles
  } else {
    limits();
  }
}

void time_array::save(detail::byte_writer& w) const {
  w.put(wide_);
  w.put(base_);
  w.put_array(w4_);
  w.put_array(w8_);
}

void time_array::load(detail::byte_reader& r) {
  wide_ = r.get<bool>();
  base_ = r.get<int64_t>();
  r.get_array(w4_);
  r.get_array(w8_);
}

void table_builder::save_column(detail::byte_writer& w, size_t i) const {
  const column& c = cols_[i];
  w.put_string(c.name);
  w.put(c.shape.k);
  w.put(c.shape.fraction);
  w.put(c.shape.time);
  w.put(c.shape.seconds);
  w.put(c.shape.separator);
  w.put_string(c.shape.suffix);
  c.codes.save(w);
  c.pool.save(w);
  w.put<uint64_t>(c.others.size());
  for (const auto& [row, code] : c.others) {
    w.put(row);
    w.put(code);
  }
  c.numbers.save(w);
  c.times.save(w);
  const deferred_cells& d = deferred_[i];
  w.put(d.on);
  w.put_array(d.bytes);
  w.put_array(d.ends);
  const direct_state& ds = direct_[i];
  w.put(ds.p);
  w.put(ds.sampled);
  w.put(ds.hits);
  w.put_string(ds.first);
}

namespace {

// Writes `f`'s output into one allocation of its size.
template <typename F>
std::string written(std::string_view header, F&& f) {
  detail::byte_writer count(true);
  f(count);
  detail::byte_writer w;
  w.reserve(header.size() + count.size());
  w.raw(header.data(), header.size());
  f(w);
  return w.take();
}

}  // namespace

std::vector<std::string> table_builder::save(std::string_view header) {
  std::vector<std::string> pieces;
  pieces.reserve(cols_.size() + 1);
  pieces.push_back(written(header, [&](detail::byte_writer& w) {
    w.put(direct_on_);
    lines_.save(w);
  }));
  for (size_t i = 0; i < cols_.size(); ++i) {
    pieces.push_back(written({}, [&](detail::byte_writer& w) { save_column(w, i); }));
    cols_[i] = column();
    deferred_[i] = deferred_cells();
  }
  *this = table_builder();
  return pieces;
}

void table_builder::load_column(detail::byte_reader& r) {
  const size_t col = add_column(r.get_string());
  column& c = cols_[col];
  c.codes = code_array();  // add_column gave the rows so far empty codes
  c.shape.k = r.get<cell_shape::kind>();
  c.shape.fraction = r.get<uint8_t>();
  c.shape.time = r.get<bool>();
  c.shape.seconds = r.get<bool>();
  c.shape.separator = r.get<char>();
  c.shape.suffix = r.get_string();
  c.codes.load(r);
  c.pool.load(r);
  c.others.resize(static_cast<size_t>(r.get<uint64_t>()));
  for (auto& [row, code] : c.others) {
    row = r.get<uint32_t>();
    code = r.get<uint32_t>();
    if (code >= c.pool.size() || row >= lines_.size()) {
      throw std::runtime_error("a part's column is corrupt");
    }
  }
  c.numbers.load(r);
  c.times.load(r);
  deferred_cells& d = deferred_[col];
  d.on = r.get<bool>();
  r.get_array(d.bytes);
  r.get_array(d.ends);
  direct_state& ds = direct_[col];
  ds.p = r.get<phase>();
  ds.sampled = r.get<uint32_t>();
  ds.hits = r.get<uint64_t>();
  ds.first = r.get_string();
  const bool direct = ds.p == phase::direct;
  const size_t rows = !direct ? c.codes.size()
                      : c.shape.k == cell_shape::kind::number ? c.numbers.size()
                                                              : c.times.size();
  const size_t entries = d.on ? d.ends.size() : c.pool.size() - 1;
  bool codes_ok = true;
  if (!direct) {
    for (uint32_t code : c.codes) codes_ok = codes_ok && code <= entries;
  }
  if (!r.done() || rows != lines_.size() || !codes_ok ||
      (direct && c.shape.k == cell_shape::kind::none) ||
      (d.on && (!std::is_sorted(d.ends.begin(), d.ends.end()) ||
                (!d.ends.empty() && d.ends.back() != d.bytes.size())))) {
    throw std::runtime_error("a part's column is corrupt");
  }
}

void table_builder::append(size_t count, const std::function<std::string_view(size_t)>& piece,
                           uint64_t line_offset) {
  if (count == 0) throw std::runtime_error("a part has no pieces");
  detail::byte_reader head(piece(0));
  table_builder b(head.get<bool>());
  b.lines_.load(head);
  if (!head.done()) throw std::runtime_error("a part's lines are corrupt");
  append_columns(b, line_offset, [&](table_builder& part, size_t from) {
    if (from + 1 >= count) return false;
    detail::byte_reader r(piece(from + 1));
    part.load_column(r);
    return true;
  });
}

}  // namespace kpi
