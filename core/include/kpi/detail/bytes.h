// A plain byte format for what one session hands to another (a part of a file read by a
// second worker, see session::part_spec): integers and arrays of trivially copyable values as
// their bytes in this machine's order, strings and arrays after their length. Writer and
// reader run in copies of the same build, so there is no versioning; a short or corrupt
// input throws std::runtime_error rather than reading past its end.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kpi::detail {

// With `counting`, only counts the bytes it would write: a large output is counted first and
// then written into one allocation of its size.
class byte_writer {
 public:
  explicit byte_writer(bool counting = false) : counting_(counting) {}
  template <typename T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    raw(&v, sizeof v);
  }
  void put_bytes(const void* p, size_t n) {
    put<uint64_t>(n);
    raw(p, n);
  }
  void put_string(std::string_view s) { put_bytes(s.data(), s.size()); }
  // Any array of trivially copyable elements with data() and size().
  template <typename Array>
  void put_array(const Array& a) {
    put<uint64_t>(a.size());
    if (a.size() > 0) raw(a.data(), a.size() * sizeof(a[0]));
  }
  bool counting() const { return counting_; }
  // Bytes as they are, with no length before them.
  void raw(const void* p, size_t n) {
    if (counting_) {
      count_ += n;
    } else {
      out_.append(static_cast<const char*>(p), n);
    }
  }
  std::string take() { return std::move(out_); }
  size_t size() const { return counting_ ? count_ : out_.size(); }
  void reserve(size_t n) { out_.reserve(n); }

 private:
  bool counting_;
  size_t count_ = 0;
  std::string out_;
};

class byte_reader {
 public:
  explicit byte_reader(std::string_view in) : in_(in) {}
  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  std::string_view get_bytes() {
    const uint64_t n = get<uint64_t>();
    return {take(n), static_cast<size_t>(n)};
  }
  std::string get_string() { return std::string(get_bytes()); }
  // Fills an array with resize(n) and data(), such as std::vector or pod_vector.
  template <typename Array>
  void get_array(Array& a) {
    const uint64_t n = get<uint64_t>();
    using T = std::remove_cvref_t<decltype(a[0])>;
    if (n > in_.size() / sizeof(T)) throw std::runtime_error("a part's bytes are cut short");
    const char* p = take(n * sizeof(T));
    a.resize(static_cast<size_t>(n));
    if (n > 0) std::memcpy(a.data(), p, n * sizeof(T));
  }
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  const char* take(uint64_t n) {
    if (n > in_.size()) throw std::runtime_error("a part's bytes are cut short");
    const char* p = in_.data();
    in_.remove_prefix(static_cast<size_t>(n));
    return p;
  }
  std::string_view in_;
};

}  // namespace kpi::detail
