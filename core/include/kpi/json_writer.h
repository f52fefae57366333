// A small streaming JSON writer: the one way the engine writes its documents, so the
// native CLI and the wasm module produce the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kpi {

class json_writer {
 public:
  explicit json_writer(bool pretty = false) : pretty_(pretty) {}

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  json_writer& value(const std::string& s) { return value(std::string_view(s)); }
  // Finite numbers are written in the shortest form that reads back to the same double
  // (integral values without a fraction); NaN and infinities are written as null.
  json_writer& value(double d);
  // Every integer type (int64_t is long natively but long long in wasm32).
  template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
  json_writer& value(T i) {
    if constexpr (std::is_signed_v<T>) {
      return signed_value(static_cast<int64_t>(i));
    } else {
      return unsigned_value(static_cast<uint64_t>(i));
    }
  }
  json_writer& value(bool b);
  json_writer& null();
  // Inserts an already-serialised JSON value.
  json_writer& raw(std::string_view json);

  template <class T>
  json_writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  json_writer& signed_value(int64_t i);
  json_writer& unsigned_value(uint64_t i);
  void before_value();
  json_writer& close(char bracket);
  void newline();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool pretty_;
};

// Appends `s` to `out` as a quoted JSON string (UTF-8 kept; invalid UTF-8 bytes become
// U+FFFD so the document is always valid).
void append_json_string(std::string& out, std::string_view s);

// Shortest round-trip decimal form of a finite double ("0.1", "12", "1e-07").
std::string format_double(double d);

}  // namespace kpi
