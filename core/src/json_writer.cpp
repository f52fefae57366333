#include "kpi/json_writer.h"

#include <fast_float/fast_float.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace kpi {

std::string format_double(double d) {
  // Integral values print as integers so counts read naturally ("12", not "12.0").
  if (std::nearbyint(d) == d && std::fabs(d) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
    if (d == 0 && std::signbit(d)) return "0";
    return buf;
  }
  // The shortest %.Ng that reads back exactly. A decimal of at most 15 digits (DBL_DIG)
  // survives text -> double -> 15 digits, so when one reads back as d, %.15g (which drops
  // trailing zeros) is that decimal: try 15, then 16 and 17, not every precision from 1.
  // snprintf and fast_float are correctly rounded in glibc and musl (wasm) alike, so native
  // and wasm reports agree byte for byte.
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision) {
    const int n = std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    double back = 0;
    const auto r = fast_float::from_chars(buf, buf + n, back);
    if (r.ec == std::errc() && back == d) break;
  }
  return buf;
}

void append_json_string(std::string& out, std::string_view s) {
  static const char* HEX = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          out += "\\u00";
          out.push_back(HEX[c >> 4]);
          out.push_back(HEX[c & 15]);
      }
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      // Validate one UTF-8 sequence; copy it when well formed, else write U+FFFD.
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      bool ok = len != 0 && c <= 0xF4 && i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
      }
      if (ok && len == 3) {
        const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
      } else if (ok && len == 4) {
        const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
      }
      if (ok) {
        out.append(s.data() + i, len);
        i += len;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
    }
  }
  out.push_back('"');
}

void json_writer::newline() {
  if (!pretty_) return;
  out_.push_back('\n');
  out_.append(first_.size() * 2, ' ');
}

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
    newline();
  }
}

json_writer& json_writer::begin_object() {
  before_value();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::close(char bracket) {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_.push_back(bracket);
  return *this;
}

json_writer& json_writer::end_object() { return close('}'); }

json_writer& json_writer::begin_array() {
  before_value();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::end_array() { return close(']'); }

json_writer& json_writer::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_.push_back(':');
  if (pretty_) out_.push_back(' ');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

json_writer& json_writer::value(double d) {
  before_value();
  if (std::isfinite(d)) {
    out_ += format_double(d);
  } else {
    out_ += "null";
  }
  return *this;
}

json_writer& json_writer::signed_value(int64_t i) {
  before_value();
  out_ += std::to_string(i);
  return *this;
}

json_writer& json_writer::unsigned_value(uint64_t i) {
  before_value();
  out_ += std::to_string(i);
  return *this;
}

json_writer& json_writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

}  // namespace kpi
