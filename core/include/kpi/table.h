// Columnar in-memory tables. A cell is interned per column (a code into the column's string
// pool), and number and date columns also carry a packed per-row array; a number or date
// column whose cells are written one way (see cell_shape) is read straight into its packed
// array instead, with no code per row.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "kpi/detail/bytes.h"
#include "kpi/values.h"

namespace kpi {

// A growable array of a trivially copyable type, for the pools' bytes and the number and time
// arrays below: grows as a std::vector does, but its push_back and append stay inline wherever
// they are called (GCC calls a std::vector's out of line from a function as large as
// table_builder::end_row: some twenty instructions a cell), and it never value-initializes.
template <typename T>
class pod_vector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  pod_vector() = default;
  pod_vector(const pod_vector& o) { *this = o; }
  pod_vector(pod_vector&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        cap_(std::exchange(o.cap_, 0)) {}
  pod_vector& operator=(const pod_vector& o) {
    if (this != &o) {
      pod_vector copy;
      copy.reallocate(o.size_);
      if (o.size_ > 0) std::memcpy(copy.p_, o.p_, o.size_ * sizeof(T));
      copy.size_ = o.size_;
      swap(copy);
    }
    return *this;
  }
  pod_vector& operator=(pod_vector&& o) noexcept {
    pod_vector(std::move(o)).swap(*this);
    return *this;
  }
  ~pod_vector() { ::operator delete(p_); }
  void swap(pod_vector& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(size_, o.size_);
    std::swap(cap_, o.cap_);
  }

  T operator[](size_t i) const { return p_[i]; }
  T& operator[](size_t i) { return p_[i]; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  const T* begin() const { return p_; }
  const T* end() const { return p_ + size_; }
  T* begin() { return p_; }
  T* end() { return p_ + size_; }
  T* data() { return p_; }
  const T* data() const { return p_; }
  [[gnu::always_inline]] void push_back(T x) {
    if (size_ == cap_) [[unlikely]] grow();
    p_[size_++] = x;
  }
  // Appends n elements. A few bytes (an id, a name) are copied in words here rather than by a
  // call to memcpy: in wasm that call runs a byte loop, or past 512 bytes calls out to
  // JavaScript; std::vector::insert made it for every value a pool or deferred column took.
  // Unlike insert, `src` must not point into this array (growing would free it first).
  [[gnu::always_inline]] void append(const T* src, size_t n) {
    if (cap_ - size_ < n) [[unlikely]] grow(size_ + n);
    char* dst = reinterpret_cast<char*>(p_ + size_);
    const char* from = reinterpret_cast<const char*>(src);
    const size_t bytes = n * sizeof(T);
    size_ += n;
    if (bytes >= 8 && bytes <= 16) {
      uint64_t head, tail;  // two words that overlap when bytes < 16
      std::memcpy(&head, from, 8);
      std::memcpy(&tail, from + bytes - 8, 8);
      std::memcpy(dst, &head, 8);
      std::memcpy(dst + bytes - 8, &tail, 8);
    } else if (bytes >= 4 && bytes < 8) {
      uint32_t head, tail;
      std::memcpy(&head, from, 4);
      std::memcpy(&tail, from + bytes - 4, 4);
      std::memcpy(dst, &head, 4);
      std::memcpy(dst + bytes - 4, &tail, 4);
    } else if (bytes > 0 && bytes < 4) {
      dst[0] = from[0];
      dst[bytes / 2] = from[bytes / 2];
      dst[bytes - 1] = from[bytes - 1];
    } else if (bytes > 16) {
      std::memcpy(dst, from, bytes);
    }
  }
  // Drops the elements from n on (n <= size()); the capacity stays.
  void truncate(size_t n) { size_ = n; }
  void reserve(size_t n) {
    if (n > cap_) reallocate(n);
  }
  void shrink_to_fit() {
    if (cap_ > size_) reallocate(size_);
  }
  // n elements, those past the old size uninitialized.
  void resize(size_t n) {
    reserve(n);
    size_ = n;
  }
  void assign(size_t n, T x) {
    size_ = 0;
    reserve(n);
    std::fill_n(p_, n, x);
    size_ = n;
  }

 private:
  // Room for at least `need` elements, doubling at the least.
  [[gnu::cold, gnu::noinline]] void grow(size_t need = 0) {
    reallocate(std::max(need, cap_ == 0 ? size_t(16) : cap_ * 2));
  }
  void reallocate(size_t n) {
    T* q = nullptr;
    if (n > 0) {
      if (n > std::numeric_limits<size_t>::max() / sizeof(T)) throw std::bad_alloc();
      q = static_cast<T*>(::operator new(n * sizeof(T)));
    }
    if (size_ > 0) std::memcpy(q, p_, size_ * sizeof(T));
    ::operator delete(p_);
    p_ = q;
    cap_ = n;
  }
  T* p_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

// Distinct strings of one column, each stored once. Code 0 is always the empty string.
class string_pool {
 public:
  string_pool();
  // Returns the code of `s`, adding it when new.
  uint32_t intern(std::string_view s) { return intern(s.data(), s.size()); }
  // The same, by pointer and size (see table_builder::set).
  uint32_t intern(const char* data, size_t length);
  // Interns o's strings (not the empty one) in code order, as intern() would one by one, when
  // that only appends them: both pools in increasing order, and o's first string greater than
  // this pool's last (a sorted id column read in two parts). False, and nothing done, else.
  bool append_greater(const string_pool& o);
  std::string_view get(uint32_t code) const {
    return {bytes_.data() + offsets_[code], offsets_[code + 1] - offsets_[code]};
  }
  uint32_t size() const { return static_cast<uint32_t>(offsets_.size() - 1); }
  size_t memory_bytes() const;
  // Takes strings built elsewhere, distinct and in code order: offsets_[0] = offsets_[1] = 0.
  void adopt(pod_vector<char> bytes, std::vector<uint32_t> offsets);
  // Frees what only adding strings needs, once they are all in: the index (the next intern()
  // builds it again) and the spare capacity of a pool grown by doubling.
  void compact();

  // For session::end_part: the strings, written and read back (no index: built on use).
  void save(detail::byte_writer& w) const;
  void load(detail::byte_reader& r);

 private:
  friend class table_builder;
  void grow();
  void build_index();
  // The order of an ascending pool (sorted ids): shorter first, then bytewise. Asked once a
  // row of an id column: the bytes are compared in words (a word read big-endian orders as
  // its bytes do) rather than by memcmp, a byte loop in wasm.
  static bool after(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return a.size() > b.size();
    const size_t n = a.size();
    const char *p = a.data(), *q = b.data();
    if constexpr (std::endian::native == std::endian::little) {
      if (n >= 8) {
        for (size_t i = 0;; i += 8) {
          // The last step overlaps the one before, whose bytes were equal.
          const size_t at = i + 8 <= n ? i : n - 8;
          uint64_t x, y;
          std::memcpy(&x, p + at, 8);
          std::memcpy(&y, q + at, 8);
          if (x != y) return __builtin_bswap64(x) > __builtin_bswap64(y);
          if (at + 8 == n) return false;
        }
      }
      if (n >= 4) {
        uint32_t x, y;
        std::memcpy(&x, p, 4);
        std::memcpy(&y, q, 4);
        if (x != y) return __builtin_bswap32(x) > __builtin_bswap32(y);
        std::memcpy(&x, p + n - 4, 4);
        std::memcpy(&y, q + n - 4, 4);
        return __builtin_bswap32(x) > __builtin_bswap32(y);
      }
      for (size_t i = 0; i < n; ++i) {
        if (p[i] != q[i]) return static_cast<unsigned char>(p[i]) > static_cast<unsigned char>(q[i]);
      }
      return false;
    }
    return std::memcmp(p, q, n) > 0;
  }
  pod_vector<char> bytes_;
  std::vector<uint32_t> offsets_;  // size() + 1 entries
  // Open addressing: code + 1, 0 = free. Empty until needed: while every string added is
  // greater than the one before (shorter first, then bytewise), as sorted ids are, a greater
  // string is new without a lookup; a pool built in bulk also gets its index on first use.
  std::vector<uint32_t> slots_;
  std::vector<uint32_t> hashes_;   // hash of each code, to rehash without rereading
  bool ascending_ = true;          // no index yet and the strings are in increasing order
  // Strings of up to 16 bytes looked up lately, by their first and last eight bytes and their
  // length (short_key in table.cpp), in a place their bytes choose. In a pool of a few dozen
  // strings (channel, status, country, product) most cells find their code here in one load,
  // where the index takes a chain of four (slot, hash, offsets, bytes). Kept while the pool
  // has an index and at most RECENT_UP_TO strings.
  struct recent_string {
    uint64_t head = 0, tail = 0;
    uint32_t length = 0, code = 0;  // length 0: free
  };
  static constexpr size_t RECENT = 512;
  static constexpr uint32_t RECENT_UP_TO = 4 * RECENT;
  std::vector<recent_string> recent_;
};

// Walks an array that reads by index (code_array, line_array) as values of type T.
template <typename Array, typename T>
class index_iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = T;
  index_iterator(const Array* a, size_t i) : a_(a), i_(i) {}
  T operator*() const { return (*a_)[i_]; }
  index_iterator& operator++() {
    ++i_;
    return *this;
  }
  index_iterator operator++(int) {
    auto t = *this;
    ++i_;
    return t;
  }
  bool operator==(const index_iterator& o) const { return i_ == o.i_; }

 private:
  const Array* a_;
  size_t i_;
};

// A column's per-row codes, one, two or four bytes each: as narrow as its largest code
// allows (most columns of a store's export hold a few dozen distinct values: channel, status,
// country). Reads as an array of uint32_t; grows wider as larger codes arrive.
class code_array {
 public:
  uint32_t operator[](size_t i) const {
    switch (width_) {
      case 1: return w1_[i];
      case 2: return w2_[i];
      default: return w4_[i];
    }
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int width() const { return width_; }
  // Always inlined: it runs once per cell, and clang would otherwise call it (wasm).
  [[gnu::always_inline]] void push_back(uint32_t code) {
    if (code > max_code()) [[unlikely]] widen(code);
    switch (width_) {
      case 1: w1_.push_back(static_cast<uint8_t>(code)); break;
      case 2: w2_.push_back(static_cast<uint16_t>(code)); break;
      default: w4_.push_back(code); break;
    }
    ++size_;
  }
  void set(size_t i, uint32_t code) {
    if (code > max_code()) [[unlikely]] widen(code);
    switch (width_) {
      case 1: w1_[i] = static_cast<uint8_t>(code); break;
      case 2: w2_[i] = static_cast<uint16_t>(code); break;
      default: w4_[i] = code; break;
    }
  }
  // n copies of `code`, wide enough for codes up to `max` without widening.
  void assign(size_t n, uint32_t code, uint32_t max = 0);
  // Appends f(c) for each code c of `o`, as push_back would one by one (the same width at the
  // end), in one pass per array.
  template <typename F>
  void append_each(const code_array& o, F f) {
    uint32_t top = 0;
    o.visit([&](const auto& from) {
      for (auto c : from) top = std::max<uint32_t>(top, f(c));
    });
    if (top > max_code()) widen(top);
    auto fill = [&](auto& to) {
      o.visit([&](const auto& from) {
        const size_t at = to.size();
        to.resize(at + from.size());
        using T = typename std::remove_reference_t<decltype(to)>::value_type;
        for (size_t i = 0; i < from.size(); ++i) to[at + i] = static_cast<T>(f(from[i]));
      });
    };
    switch (width_) {
      case 1: fill(w1_); break;
      case 2: fill(w2_); break;
      default: fill(w4_); break;
    }
    size_ += o.size_;
  }
  void reserve(size_t n);
  size_t capacity() const;
  size_t memory_bytes() const { return capacity() * static_cast<size_t>(width_); }
  void shrink_to_fit();
  // Replaces every code c by f(c) <= c, then narrows to what the new codes need.
  template <typename F>
  void remap(F f) {
    uint32_t top = 0;
    auto each = [&](auto& v) {
      for (auto& c : v) {
        c = static_cast<std::remove_reference_t<decltype(c)>>(f(c));
        top = std::max<uint32_t>(top, c);
      }
    };
    switch (width_) {
      case 1: each(w1_); break;
      case 2: each(w2_); break;
      default: each(w4_); break;
    }
    narrow(top);
  }

  using const_iterator = index_iterator<code_array, uint32_t>;
  using iterator = const_iterator;
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  // Equal codes, whatever their widths.
  bool operator==(const code_array& o) const {
    return size_ == o.size_ && std::equal(begin(), end(), o.begin());
  }

  void save(detail::byte_writer& w) const;
  void load(detail::byte_reader& r);

 private:
  uint32_t max_code() const {
    return width_ == 1 ? 0xFFu : width_ == 2 ? 0xFFFFu : 0xFFFFFFFFu;
  }
  [[gnu::cold, gnu::noinline]] void widen(uint32_t code);  // to the width `code` needs
  // f(the array of the present width).
  template <typename F>
  void visit(F f) const {
    switch (width_) {
      case 1: f(w1_); break;
      case 2: f(w2_); break;
      default: f(w4_); break;
    }
  }
  void narrow(uint32_t top);    // to the width `top` needs
  template <typename To>
  void move_to(std::vector<To>& to, int width);
  std::vector<uint8_t> w1_;
  std::vector<uint16_t> w2_;
  std::vector<uint32_t> w4_;
  size_t size_ = 0;
  uint8_t width_ = 1;
};

// Each row's source line (CSV) or record number (JSON), about a byte a row: rows come in
// blocks of 64 holding their first line, and each row its distance from it (a code_array,
// as narrow as the distances allow). A line before its block's first, or more than 4G lines
// past it, is kept apart.
class line_array {
 public:
  static constexpr size_t BLOCK = 64;
  uint64_t operator[](size_t r) const {
    const uint32_t d = distance_[r];
    if (d == APART) [[unlikely]] return apart(r);
    return base_[r / BLOCK] + d;
  }
  size_t size() const { return distance_.size(); }
  bool empty() const { return distance_.empty(); }
  void push_back(uint64_t line) {
    const size_t r = distance_.size();
    if (r % BLOCK == 0) base_.push_back(line);
    const uint64_t b = base_.back();
    if (line >= b && line - b < APART) [[likely]] {
      distance_.push_back(static_cast<uint32_t>(line - b));
    } else {
      distance_.push_back(APART);
      apart_.emplace_back(r, line);
    }
  }
  void reserve(size_t n) {
    distance_.reserve(n);
    base_.reserve(n / BLOCK + 1);
  }
  size_t capacity() const { return distance_.capacity(); }
  void shrink_to_fit() {
    distance_.shrink_to_fit();
    base_.shrink_to_fit();
    apart_.shrink_to_fit();
  }
  size_t memory_bytes() const {
    return distance_.memory_bytes() + base_.capacity() * 8 + apart_.capacity() * 16;
  }

  using const_iterator = index_iterator<line_array, uint64_t>;
  using iterator = const_iterator;
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }
  bool operator==(const line_array& o) const {
    return size() == o.size() && std::equal(begin(), end(), o.begin());
  }
  bool operator==(const std::vector<uint64_t>& v) const {
    return size() == v.size() && std::equal(begin(), end(), v.begin());
  }

  void save(detail::byte_writer& w) const;
  void load(detail::byte_reader& r);

 private:
  static constexpr uint32_t APART = 0xFFFFFFFFu;
  uint64_t apart(size_t r) const {
    auto it = std::lower_bound(apart_.begin(), apart_.end(), std::pair<uint64_t, uint64_t>(r, 0));
    return it->second;
  }
  std::vector<uint64_t> base_;  // line of each block's first row
  code_array distance_;         // line - its block's base, or APART
  std::vector<std::pair<uint64_t, uint64_t>> apart_;  // (row, line), by row
};

inline constexpr int64_t MISSING_TIME = std::numeric_limits<int64_t>::min();

// A number column's per-row values, one, two or four bytes each where they allow it: each
// value is an integer k read as k / 10^scale, the scale (0-4) shared by the column. A value
// is stored that way only when k / 10^scale, computed in doubles, gives back its very bits
// (the division of two exact doubles is correctly rounded, so "54.57" read as a double is
// 5457 / 100); the smallest codes stand for NaN (the empty mark) and -0.0. A value that needs
// more decimals raises the scale of the whole column when what is stored can follow; one that
// fits no scale or no 32 bits (1e300, 0.1 + 0.2, 3e9) turns the whole column into doubles.
class number_array {
 public:
  static constexpr int MAX_SCALE = 4;
  double operator[](size_t i) const {
    switch (width_) {
      case 1: return scaled(w1_[i], INT8_MIN);
      case 2: return scaled(w2_[i], INT16_MIN);
      case 4: return scaled(w4_[i], INT32_MIN);
      default: return w8_[i];
    }
  }
  // std::isnan((*this)[i]) without the division.
  bool missing(size_t i) const {
    switch (width_) {
      case 1: return w1_[i] == INT8_MIN;
      case 2: return w2_[i] == INT16_MIN;
      case 4: return w4_[i] == INT32_MIN;
      default: return std::isnan(w8_[i]);
    }
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int width() const { return width_; }  // 1, 2, 4, or 8 for doubles
  int scale() const { return scale_; }
  // Always inlined: it runs once per cell (see code_array::push_back).
  [[gnu::always_inline]] void push_back(double v) {
    int32_t k;
    if (width_ != 8 && fits(v, k)) [[likely]] {
      switch (width_) {
        case 1: w1_.push_back(static_cast<int8_t>(k)); break;
        case 2: w2_.push_back(static_cast<int16_t>(k)); break;
        default: w4_.push_back(k); break;
      }
      ++size_;
      return;
    }
    push_other(v);
  }
  // Pushes k / 10^scale, computed as that division: a cell read by a cell_shape, which needs
  // no check when the column has that scale already.
  [[gnu::always_inline]] void push_scaled(int64_t k, int scale) {
    if (scale == scale_ && k >= min_code_ && k <= max_code_) [[likely]] {
      switch (width_) {
        case 1: w1_.push_back(static_cast<int8_t>(k)); break;
        case 2: w2_.push_back(static_cast<int16_t>(k)); break;
        default: w4_.push_back(static_cast<int32_t>(k)); break;
      }
      ++size_;
      return;
    }
    push_other_scaled(k, scale);
  }
  [[gnu::always_inline]] void push_missing() {
    switch (width_) {
      case 1: w1_.push_back(INT8_MIN); break;
      case 2: w2_.push_back(INT16_MIN); break;
      case 4: w4_.push_back(INT32_MIN); break;
      default: w8_.push_back(std::numeric_limits<double>::quiet_NaN()); break;
    }
    ++size_;
  }
  void set(size_t i, double v);
  // Appends o's values, as push_back (push_missing for NaN) would one by one.
  void append(const number_array& o);
  void reserve(size_t n);
  size_t capacity() const;
  size_t memory_bytes() const { return capacity() * static_cast<size_t>(width_); }
  void shrink_to_fit();

  using const_iterator = index_iterator<number_array, double>;
  using iterator = const_iterator;
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }
  // The same bits in every row, whatever the widths and scales.
  bool operator==(const number_array& o) const;

  void save(detail::byte_writer& w) const;
  void load(detail::byte_reader& r);

 private:
  [[gnu::always_inline]] double scaled(int32_t k, int32_t lowest) const {
    if (k <= lowest + 1) [[unlikely]] {
      return k == lowest ? std::numeric_limits<double>::quiet_NaN() : -0.0;
    }
    return static_cast<double>(k) / divisor_;
  }
  // k for `v` at the present scale and width, when it has one (not NaN, not -0.0).
  [[gnu::always_inline]] bool fits(double v, int32_t& k) const {
    const double x = v * divisor_;
    if (!(x > low_ && x < high_)) return false;  // NaN too
    k = static_cast<int32_t>(x < 0 ? x - 0.5 : x + 0.5);
    return static_cast<double>(k) / divisor_ == v && (k != 0 || !std::signbit(v));
  }
  [[gnu::cold, gnu::noinline]] void push_other(double v);
  [[gnu::cold, gnu::noinline]] void push_other_scaled(int64_t k, int scale);
  // Makes room for `v` (widening, raising the scale or turning to doubles) and returns its
  // code at the new width (unused once doubles).
  int32_t make_room(double v);
  void limits();  // low_, high_, min_code_, max_code_ for the width
  template <typename To>
  void recode(pod_vector<To>& to, int width, int scale);
  int32_t lowest() const {
    return width_ == 1 ? INT8_MIN : width_ == 2 ? INT16_MIN : INT32_MIN;
  }
  int32_t code(size_t i) const {
    return width_ == 1 ? w1_[i] : width_ == 2 ? w2_[i] : w4_[i];
  }
  pod_vector<int8_t> w1_;
  pod_vector<int16_t> w2_;
  pod_vector<int32_t> w4_;
  pod_vector<double> w8_;
  size_t size_ = 0;
  double divisor_ = 1;  // 10^scale
  double low_ = INT8_MIN + 1.5, high_ = INT8_MAX + 0.5;  // the values of x that round to a code
  int32_t min_code_ = INT8_MIN + 2, max_code_ = INT8_MAX;  // doubles: none
  uint8_t width_ = 1;
  uint8_t scale_ = 0;
};

// A date column's per-row wall-clock seconds: four bytes a row as the distance from a base
// while every time lies within 68 years of it (the base moves to the middle of the times
// when one falls outside and they span at most 68 years); eight bytes (the times themselves)
// once they spread wider. MISSING_TIME is kept.
class time_array {
 public:
  int64_t operator[](size_t i) const {
    if (wide_) [[unlikely]] return w8_[i];
    const int32_t d = w4_[i];
    return d == MISSING ? MISSING_TIME : base_ + d;
  }
  size_t size() const { return wide_ ? w8_.size() : w4_.size(); }
  bool empty() const { return size() == 0; }
  int width() const { return wide_ ? 8 : 4; }
  [[gnu::always_inline]] void push_back(int64_t t) {
    if (!wide_) [[likely]] {
      if (t == MISSING_TIME) {
        w4_.push_back(MISSING);
        return;
      }
      int64_t d;
      if (!__builtin_sub_overflow(t, base_, &d) && d > MISSING && d <= INT32_MAX) [[likely]] {
        w4_.push_back(static_cast<int32_t>(d));
        return;
      }
    }
    push_other(t);
  }
  void set(size_t i, int64_t t);
  // Appends o's times, as push_back would one by one.
  void append(const time_array& o);
  void reserve(size_t n) { wide_ ? w8_.reserve(n) : w4_.reserve(n); }
  size_t capacity() const { return wide_ ? w8_.capacity() : w4_.capacity(); }
  size_t memory_bytes() const { return capacity() * static_cast<size_t>(width()); }
  void shrink_to_fit() {
    w4_.shrink_to_fit();
    w8_.shrink_to_fit();
  }

  using const_iterator = index_iterator<time_array, int64_t>;
  using iterator = const_iterator;
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size()}; }
  bool operator==(const time_array& o) const {
    return size() == o.size() && std::equal(begin(), end(), o.begin());
  }
  bool operator==(const std::vector<int64_t>& v) const {
    return size() == v.size() && std::equal(begin(), end(), v.begin());
  }

  void save(detail::byte_writer& w) const;
  void load(detail::byte_reader& r);

 private:
  static constexpr int32_t MISSING = std::numeric_limits<int32_t>::min();
  [[gnu::cold, gnu::noinline]] void push_other(int64_t t);
  // Makes `t` storable: moves the base, or turns to eight bytes.
  void make_room(int64_t t);
  pod_vector<int32_t> w4_;
  pod_vector<int64_t> w8_;
  int64_t base_ = 0;  // 1970 until a time beyond 1901-2038 moves it
  bool wide_ = false;
};

// How the cells of a column read straight into its packed array are written, exactly
// enough to write each one back byte for byte from its value:
// - number: [-]D[.F], D 1-8 digits without a leading zero ("0" itself is fine), F exactly
//   `fraction` digits (1 or 2); with no fraction D has at most 7 digits (8 could be a
//   YYYYMMDD date); never a negative zero;
// - date: YYYY-MM-DD (year 1000-9999, a real day), then when `time` `separator` HH:MM and
//   when `seconds` :SS, then `suffix` ("", "Z", "+01:00", ".000", ...), the same in every cell.
// These are the shapes in which every value reads the same whatever the column's format turns
// out to be, and counts alike when the format is decided (see table_builder).
struct cell_shape {
  enum class kind : uint8_t { none, number, date };
  kind k = kind::none;
  uint8_t fraction = 0;
  bool time = false;
  bool seconds = false;
  char separator = 'T';
  std::string suffix;

  // Reads `s` if it has this shape. read_scaled gives the integer k that the number is
  // k / 10^fraction of (computed as that division).
  bool read_number(std::string_view s, double& out) const;
  bool read_scaled(std::string_view s, int64_t& k) const {
    return read_scaled(s.data(), s.size(), k);
  }
  bool read_date(std::string_view s, int64_t& out) const {
    return read_date(s.data(), s.size(), out);
  }
  // The same, by pointer and size (see table_builder::set).
  bool read_scaled(const char* data, size_t size, int64_t& k) const;
  bool read_date(const char* data, size_t size, int64_t& out) const;
  // Writes the text of a value read through this shape into out (at least 64 bytes); returns
  // its length.
  size_t write(double number, int64_t time, char* out) const;
  // The shape of `s`, kind none when it has none.
  static cell_shape of(std::string_view s);
  bool operator==(const cell_shape&) const = default;
};

struct column {
  std::string name;
  value_format format;            // type and how values were read
  code_array codes;               // per row; 0 = empty cell. Empty when direct().
  string_pool pool;               // when direct(): the texts of the cells not in `shape`
  cell_shape shape;               // kind none: every cell has a code
  // When direct(): the rows whose cell is not in `shape` (in row order) with its code in
  // `pool`; their value (or bad mark) was read from that text under `format`.
  std::vector<std::pair<uint32_t, uint32_t>> others;
  number_array numbers;           // per row for integer/decimal columns; NaN = empty or bad
                                  // (empty after drop_numbers())
  time_array times;               // per row for date columns: wall-clock seconds since
                                  // 1970-01-01 as written; MISSING_TIME = empty or bad
  uint64_t bad = 0;               // non-empty cells that did not parse as `format.type`
  std::vector<uint32_t> bad_rows; // first few rows (table row index) holding a bad value

  bool direct() const { return shape.k != cell_shape::kind::none; }
  // The cell's text as written. For a direct column the view of a value read through `shape`
  // is valid until the next call on this column.
  std::string_view text(size_t row) const {
    return direct() ? direct_text(row) : pool.get(codes[row]);
  }
  bool empty_at(size_t row) const { return direct() ? direct_empty_at(row) : codes[row] == 0; }
  // Gives a direct column a code per row (and every text to the pool, in order of first
  // appearance), for the parts of a report that group by text; the packed array stays.
  void materialize();
  bool is_number() const {
    return format.type == value_type::integer || format.type == value_type::decimal;
  }
  bool is_date() const { return format.type == value_type::date; }
  // The number at `row`, or NaN. Parses the text for a text column (with '.' as mark), and
  // for a number column whose packed array was dropped.
  double number(size_t row) const {
    if (is_number() && !numbers.empty()) [[likely]] return numbers[row];
    return text_number(row);
  }
  // Frees the packed numbers of an interned number column that is only grouped by text (ids):
  // number() then reads the text, under the column's format, as finish() did.
  void drop_numbers();
  // Wall-clock seconds at `row`, or MISSING_TIME (for non-date columns too).
  int64_t time(size_t row) const { return is_date() ? times[row] : MISSING_TIME; }

 private:
  double text_number(size_t row) const;           // number() from the text
  bool no_value(size_t row) const;                 // direct: its packed value is missing
  size_t write_value(size_t row, char* out) const;  // direct: the text of its packed value
  std::string_view direct_text(size_t row) const;
  bool direct_empty_at(size_t row) const;
  uint32_t other_code(size_t row) const;  // code of a cell not in `shape`, else 0
  mutable char scratch_[64];
};

struct table {
  std::vector<column> columns;
  line_array lines;  // per row: 1-based source line (CSV) or record number (JSON)

  size_t rows() const { return lines.size(); }
  // Index of the column named exactly `name`, or -1.
  int find(std::string_view name) const;
  size_t memory_bytes() const;
};

// Builds a table one row at a time. Columns may appear at any time (JSON); cells never
// set in a row are empty. finish() decides every column's type from all of its values.
//
// A column's first SAMPLE non-empty cells are interned. When at least 90% of them have one
// cell_shape, the column is read directly from then on: a cell of that shape goes straight
// into the packed array (no code, no pool entry), any other cell is interned and listed in
// `others`. finish() decides the format from the other cells plus one cell of the shape
// weighted by their count, which gives the format all the cells would have given, since
// every cell of a shape counts alike. If that format reads the shape's cells differently
// (a column of text with some numbers, a comma decimal mark), the column is materialized
// and typed as any other, so the table is the same either way.
class table_builder {
 public:
  static constexpr uint32_t SAMPLE = 64;
  // direct = false interns every cell (the reference the direct reading is tested against).
  explicit table_builder(bool direct = true) : direct_on_(direct) {}
  // Index of the column called `name`, added when new (its earlier rows become empty).
  size_t column_index(std::string_view name);
  // Adds a column even when one of that name exists (CSV headers may repeat).
  size_t add_column(std::string_view name);
  void set(size_t col, std::string_view value) { set(col, value.data(), value.size()); }
  // The same, given where the value's bytes are and how many; it calls the reading and
  // interning below the same way. In wasm a std::string_view argument is passed in memory,
  // and one built there with two 4-byte stores and copied on with an 8-byte load stalls store
  // forwarding: once per cell, that was 63% of csv_reader::end_record's time in a perf profile
  // of the 5M-row CSV under node. Inline (defined below the class): the readers call it once
  // per cell, and in wasm every call also reloads the memory base and spills around it.
  void set(size_t col, const char* data, size_t size);
  void end_row(uint64_t line);
  // A whole row whose cells come in column order, one per column (a CSV record): what set()
  // of each cell and end_row(line) make, in one pass over the columns, with no pending cell
  // in between. cell(i, data, size) gives column i's bytes for i < count (size 0: empty);
  // the columns from `count` on are empty. Inline, as set() is.
  template <typename Cell>
  void add_row(size_t count, Cell&& cell, uint64_t line);
  // Distinct values after which a column's interning is left to finish() (see
  // deferred_cells): its hash table then no longer fits in the L1/L2 cache.
  static constexpr uint32_t DEFER_AFTER = 32768;
  // Rows from which finish() types and converts columns on two threads where there are two:
  // below, starting a thread costs more than it saves.
  static constexpr size_t PARALLEL_FINISH_ROWS = 65536;
  size_t rows() const { return lines_.size(); }
  size_t columns() const { return cols_.size(); }
  std::string_view column_name(size_t col) const { return cols_[col].name; }
  // Makes room for `rows` rows in every per-row array (an estimate from the file's size):
  // arrays grown by doubling hold up to twice what they need, and while one grows the old
  // and the new copy are both alive. Past the estimate, arrays grow by a quarter at a time.
  void reserve(size_t rows);
  // Types every column (see infer_format) and fills the packed arrays.
  table finish();
  // Appends the rows of `b`, a builder that read the rows right after this one's (the second
  // part of a file read in two parts at once), as if their cells had been set here row by
  // row: finish() then gives the table that one builder reading all the rows gives. Each of
  // b's columns goes to this builder's column of its name (the one at its position first, so
  // that repeated CSV headers pair up); columns new here are added in b's order. b's lines
  // are shifted by `line_offset`. Both builders must be between rows; b is left empty.
  void append(table_builder&& b, uint64_t line_offset);
  // The builder as bytes, for append() in another instance (a second worker): its lines
  // after `header`, then one piece per column. Each column is freed once written, so that the
  // builder and its bytes are never both held whole; the builder is left empty. Between rows.
  std::vector<std::string> save(std::string_view header = {});
  // append() of a builder saved as `count` pieces, piece(i) giving piece i (after its header)
  // when asked, one at a time. Throws std::runtime_error on pieces that make no builder, maybe
  // after appending some of their columns.
  void append(size_t count, const std::function<std::string_view(size_t)>& piece,
              uint64_t line_offset);

 private:
  // A column with many distinct values stops interning cell by cell (a cache miss per cell
  // once its hash table outgrows the cache): its cells are appended here, and finish()
  // interns them all at once, partitioned by hash so that each partition's table stays in
  // cache. Entry i is the i-th value set since the column began; a row's code holds its
  // entry + 1 until finish() turns it into the value's code.
  struct deferred_cells {
    bool on = false;
    pod_vector<char> bytes;
    std::vector<uint32_t> ends;  // end of each entry in bytes
  };
  enum class phase : uint8_t { sampling, direct, interned };
  // What a direct column's pending cell holds.
  enum class pending_kind : uint8_t { empty, value, other };
  struct direct_state {
    phase p = phase::sampling;
    uint32_t sampled = 0;     // non-empty cells seen while sampling
    uint64_t hits = 0;        // cells read through the shape
    std::string first;        // the first of them, as written
  };
  void defer(size_t col);
  void decide(size_t col);
  void end_cell(size_t col, uint32_t row);
  void add_cell(size_t col, const char* data, size_t size, uint32_t row);
  static bool read_direct(const column& c, const char* data, size_t size, int64_t& v);
  static void push_direct(column& c, bool value, int64_t v);
  uint32_t code_cell(size_t col, const char* data, size_t size);
  void push_code(size_t col, uint32_t code);
  void finish_column(size_t col, size_t rows);
  // append(): b's column `from` onto this builder's column `col`.
  void append_column(size_t col, table_builder& b, size_t from);
  // append_column(), then b's column `from` freed: b holds the rows of half a file.
  void take_column(size_t col, table_builder& b, size_t from);
  // finish() of the columns on two threads, the interning of `big` shared (see table.cpp).
  void finish_sharing(size_t big, const std::vector<size_t>& others, size_t n);
  // What finish() (or append()) spends on a column, to hand out the costliest first: one of
  // many distinct values, interned only at finish() (ids: intern_entries), then one interned
  // while read, then one read directly.
  int column_cost(size_t col) const {
    return deferred_[col].on ? 2 : direct_[col].p == phase::direct ? 0 : 1;
  }
  // append(): b's column `from`, row by row through set() and end_cell().
  void append_cells(size_t col, table_builder& b, size_t from);
  template <typename Next>
  void append_columns(table_builder& b, uint64_t line_offset, Next&& next);
  // append(): the column here that b's column `from`, called `name`, goes to (added when new);
  // `done` marks the columns given one so far.
  size_t append_target(const std::string& name, size_t from, std::vector<uint8_t>& done);
  // append(): the rows' cells of the columns b does not have; b left empty.
  void append_rest(table_builder& b, const std::vector<uint8_t>& done);
  // append(): b's line numbers (+ line_offset) after this builder's.
  void append_lines(const table_builder& b, uint64_t line_offset);
  void save_column(detail::byte_writer& w, size_t col) const;
  void load_column(detail::byte_reader& r);  // adds it after the columns there are
  bool finish_direct(column& c, direct_state& ds);

  bool direct_on_;
  size_t reserved_ = 0;  // rows reserved by reserve(), 0 = none
  size_t append_base_ = 0;  // append(): the row that b's first row becomes
  std::vector<column> cols_;
  std::vector<deferred_cells> deferred_;
  std::vector<direct_state> direct_;
  std::vector<uint32_t> pending_;  // codes of the row being built
  std::vector<uint64_t> pending_bits_;  // direct columns: the time, or the k of a number
                                        // (see cell_shape::read_scaled)
  std::vector<pending_kind> pending_kind_;
  std::vector<uint8_t> touched_;
  line_array lines_;
};

// The pieces of a cell's way into its column, shared by set() and end_cell() (a cell held
// until the row ends) and add_cell() (a cell put in its column at once).
// A direct column's cell read through its shape: true with its value when it has the shape.
[[gnu::always_inline]] inline bool table_builder::read_direct(const column& c, const char* data,
                                                              size_t size, int64_t& v) {
  return c.shape.k == cell_shape::kind::number ? c.shape.read_scaled(data, size, v)
                                               : c.shape.read_date(data, size, v);
}

// A direct column's value for the row: the value read (`value`), else missing.
[[gnu::always_inline]] inline void table_builder::push_direct(column& c, bool value,
                                                              int64_t v) {
  if (c.shape.k == cell_shape::kind::number) {
    if (value) {
      c.numbers.push_scaled(v, c.shape.fraction);
    } else {
      c.numbers.push_missing();
    }
  } else {
    c.times.push_back(value ? v : MISSING_TIME);
  }
}

// A cell of a column that is not direct: its entry in the deferred bytes + 1 (0 when empty),
// else its code, the column deferred once it has too many values.
[[gnu::always_inline]] inline uint32_t table_builder::code_cell(size_t col, const char* data,
                                                                size_t size) {
  deferred_cells& d = deferred_[col];
  if (d.on) {
    if (size == 0) return 0;
    d.bytes.append(data, size);
    d.ends.push_back(static_cast<uint32_t>(d.bytes.size()));
    return static_cast<uint32_t>(d.ends.size());
  }
  string_pool& pool = cols_[col].pool;
  const uint32_t code = pool.intern(data, size);
  if (pool.size() > DEFER_AFTER && !pool.slots_.empty()) defer(col);
  return code;
}

// The row's code in a column that is not direct; the column decides after SAMPLE of them.
[[gnu::always_inline]] inline void table_builder::push_code(size_t col, uint32_t code) {
  cols_[col].codes.push_back(code);
  direct_state& ds = direct_[col];
  if (ds.p == phase::sampling && code != 0 && ++ds.sampled == SAMPLE) decide(col);
}

[[gnu::always_inline]] inline void table_builder::set(size_t col, const char* data,
                                                      size_t size) {
  touched_[col] = 1;
  if (direct_[col].p == phase::direct) {
    column& c = cols_[col];
    if (size == 0) {
      pending_kind_[col] = pending_kind::empty;
      return;
    }
    int64_t v;
    if (read_direct(c, data, size, v)) {
      pending_bits_[col] = static_cast<uint64_t>(v);
      pending_kind_[col] = pending_kind::value;
      return;
    }
    pending_[col] = c.pool.intern(data, size);
    pending_kind_[col] = pending_kind::other;
    return;
  }
  pending_[col] = code_cell(col, data, size);
}

// set(col, data, size) then end_cell(col, row), for a column set once in the row (size 0:
// not set): the same pieces in the same order.
[[gnu::always_inline]] inline void table_builder::add_cell(size_t col, const char* data,
                                                           size_t size, uint32_t row) {
  column& c = cols_[col];
  direct_state& ds = direct_[col];
  if (ds.p != phase::direct) {
    push_code(col, code_cell(col, data, size));
    return;
  }
  int64_t v = 0;
  if (size != 0 && read_direct(c, data, size, v)) {
    push_direct(c, true, v);
    ++ds.hits;
    return;
  }
  push_direct(c, false, 0);
  if (size != 0) c.others.emplace_back(row, c.pool.intern(data, size));
}

template <typename Cell>
[[gnu::always_inline]] inline void table_builder::add_row(size_t count, Cell&& cell,
                                                          uint64_t line) {
  const auto row = static_cast<uint32_t>(lines_.size());
  if (reserved_ != 0 && row == lines_.capacity()) reserve(row + row / 4 + 1024);
  const size_t n = cols_.size();
  for (size_t col = 0; col < n; ++col) {
    const char* data = nullptr;
    size_t size = 0;
    if (col < count) cell(col, data, size);
    add_cell(col, data, size, row);
  }
  lines_.push_back(line);
}

}  // namespace kpi
