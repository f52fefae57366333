// The JSON reader: an array of objects, an object holding such an array, or NDJSON, streamed
// chunk by chunk so that a 1 GB export never sits in memory whole.
//
// A small quote-aware scanner splits the top-level array into its elements (tracking depth
// and strings across chunk boundaries); each element, or each NDJSON line, is then parsed on
// its own with simdjson On-Demand from a padded buffer and flattened into the table. Most
// records, plain objects with keys already seen that lie whole in one chunk, are instead read
// in place by a fast path (fast_record) that checks the grammar itself and gives up, to the
// simdjson path, on anything else.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kpi/detail/bytes.h"
#include "kpi/io/readers.h"
#include "simdjson.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kpi {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// Deeper records are refused: flattening recurses once per level, and the wasm stack is 1 MB.
constexpr int MAX_DEPTH = 64;
// A '{' file is NDJSON when its first object ends on its first line. A minified
// {"orders": [...]} has no newline at all, so past this many bytes it is taken as one document
// rather than buffered whole; no real NDJSON record comes near this size.
constexpr size_t DETECT_LIMIT = size_t{16} << 20;
// Objects keyed by ids ({"1001": {...}, "1002": {...}}) would otherwise make one column per
// record, and every row of the table costs a cell per column.
constexpr size_t MAX_COLUMNS = 1024;
constexpr size_t MAX_PATHS = 4 * MAX_COLUMNS;  // key paths, including those of objects
constexpr size_t NO_COLUMN = SIZE_MAX;
// Buffers grown past this for one record are freed afterwards rather than kept for reuse.
constexpr size_t BIG_RECORD = size_t{4} << 20;
constexpr uint32_t ROOT_PATH = 0;
constexpr uint32_t IGNORED_PATH = UINT32_MAX;
// A node with more children than this looks them up in a hash map instead of a scan.
constexpr size_t INDEX_CHILDREN = 16;
// After this many records in a row that the fast path could not read, it is not tried for
// the next FAST_REST records.
constexpr uint32_t FAST_MISSES = 4;
constexpr uint32_t FAST_REST = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// On-Demand does not check a number it is not asked to convert, and we keep the text as written
// (a conversion would lose the digits of big ids), so the grammar is checked here.
bool is_json_number(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i == n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < n && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    const size_t digits = ++i;
    while (i < n && is_digit(s[i])) ++i;
    if (i == digits) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t digits = i;
    while (i < n && is_digit(s[i])) ++i;
    if (i == digits) return false;
  }
  return i == n;
}

// simdjson prefixes its messages with the code's name ("TAPE_ERROR: ..."), which means
// nothing to a store owner.
std::string_view message_of(error_code e) {
  std::string_view m = simdjson::error_message(e);
  const size_t colon = m.find(": ");
  if (colon == std::string_view::npos) return m;
  for (size_t i = 0; i < colon; ++i) {
    const char c = m[i];
    if (!((c >= 'A' && c <= 'Z') || is_digit(c) || c == '_')) return m;
  }
  return m.substr(colon + 2);
}

const char* type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "not an object";
}

// Bytes the element scanner stops at, inside and outside strings.
struct byte_classes {
  bool ends_string[256] = {};
  bool structural[256] = {};
  constexpr byte_classes() {
    ends_string[static_cast<uint8_t>('"')] = true;
    ends_string[static_cast<uint8_t>('\\')] = true;
    for (const char c : {'"', '{', '}', '[', ']'}) structural[static_cast<uint8_t>(c)] = true;
  }
};
constexpr byte_classes BYTE_CLASS;

// Bytes that matter to the fast record parser (see fast_record).
struct fast_classes {
  bool plain[256] = {};        // inside a string: printable ASCII other than '"' and '\\'
  bool ends_scalar[256] = {};  // whitespace and the bytes that end a number or literal
  constexpr fast_classes() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
    for (const char c : {' ', '\t', '\n', '\r', ',', '}', ']', ':', '{', '[', '"'}) {
      ends_scalar[static_cast<uint8_t>(c)] = true;
    }
  }
};
constexpr fast_classes FAST_CLASS;

// The length of the valid UTF-8 sequence at p (first byte >= 0x80), or 0 when it is not one
// (overlong, a surrogate, above U+10FFFF, cut off at end): the rules simdjson checks.
size_t utf8_sequence(const char* p, const char* end) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(p[i]); };
  const auto cont = [&](size_t i) { return (b(i) & 0xC0) == 0x80; };
  const size_t left = static_cast<size_t>(end - p);
  const uint8_t c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// The first byte in [p, end) that is not printable ASCII other than '"' and '\\': the end
// of a string, an escape, a control character or a UTF-8 sequence; or end.
const char* skip_plain(const char* p, const char* end) {
#if defined(__wasm_simd128__) || defined(__SSE2__)
  // A signed comparison with 0x20 catches both the control characters and bytes >= 0x80.
  while (end - p >= 16) {
#if defined(__wasm_simd128__)
    const v128_t v = wasm_v128_load(p);
    const v128_t special = wasm_v128_or(wasm_v128_or(wasm_i8x16_eq(v, wasm_i8x16_splat('"')),
                                                     wasm_i8x16_eq(v, wasm_i8x16_splat('\\'))),
                                        wasm_i8x16_lt(v, wasm_i8x16_splat(0x20)));
    const uint32_t hits = wasm_i8x16_bitmask(special);
#else
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    const auto hits = static_cast<uint32_t>(_mm_movemask_epi8(special));
#endif
    if (hits != 0) return p + std::countr_zero(hits);
    p += 16;
  }
#endif
  while (p < end && FAST_CLASS.plain[static_cast<uint8_t>(*p)]) ++p;
  return p;
}

// memcmp(a, b, n) == 0 for the short keys of records, without a call (a loop in wasm).
bool same_bytes(const char* a, const char* b, size_t n) {
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  for (; n > 0; ++a, ++b, --n) {
    if (*a != *b) return false;
  }
  return true;
}

// The first byte in [p, end) that can end a string ('"' or '\\'), or end.
const char* skip_in_string(const char* p, const char* end) {
#if defined(__wasm_simd128__)
  // 16 bytes a step with wasm SIMD rather than a table look-up a byte.
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t backslash = wasm_i8x16_splat('\\');
  while (end - p >= 16) {
    const v128_t v = wasm_v128_load(p);
    const uint32_t hits =
        wasm_i8x16_bitmask(wasm_v128_or(wasm_i8x16_eq(v, quote), wasm_i8x16_eq(v, backslash)));
    if (hits != 0) return p + __builtin_ctz(hits);
    p += 16;
  }
#endif
  while (p < end && !BYTE_CLASS.ends_string[static_cast<uint8_t>(*p)]) ++p;
  return p;
}

// The first byte in [p, end) outside strings that matters to the depth: '"', '{', '}', '[', ']'.
const char* skip_outside_string(const char* p, const char* end) {
#if defined(__wasm_simd128__)
  // '[' and ']' differ from '{' and '}' by bit 0x20 only, and no other byte ORed with 0x20
  // gives '{' or '}'.
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t open = wasm_i8x16_splat('{');
  const v128_t close = wasm_i8x16_splat('}');
  const v128_t bit = wasm_i8x16_splat(0x20);
  while (end - p >= 16) {
    const v128_t v = wasm_v128_load(p);
    const v128_t folded = wasm_v128_or(v, bit);
    const v128_t brackets = wasm_v128_or(wasm_i8x16_eq(folded, open), wasm_i8x16_eq(folded, close));
    const v128_t m = wasm_v128_or(wasm_i8x16_eq(v, quote), brackets);
    const uint32_t hits = wasm_i8x16_bitmask(m);
    if (hits != 0) return p + __builtin_ctz(hits);
    p += 16;
  }
#endif
  while (p < end && !BYTE_CLASS.structural[static_cast<uint8_t>(*p)]) ++p;
  return p;
}

struct path_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One key path ("customer" -> "customer.id"), a node of the tree of all paths seen. Records
// mostly repeat their keys in the same order, so the child after the last one found is tried
// first: a field then costs one comparison of its key as written, with no string built.
struct path_node {
  std::string key;   // as escaped in the source
  std::string name;  // the column name: the unescaped keys joined with dots
  uint32_t parent = ROOT_PATH;
  uint32_t hint = 0;  // index in children of the child expected next
  size_t column = NO_COLUMN;
  std::vector<uint32_t> children;
  std::unique_ptr<std::unordered_map<std::string, uint32_t, path_hash, std::equal_to<>>> index;
};

// One flattened value of the record being read. Text of arrays kept as JSON lives in the
// arena, which may grow while the record is read, so it is held by offset (ptr == nullptr).
struct cell {
  uint32_t path;
  const char* ptr;
  size_t offset;
  size_t len;
};

enum class doc_state : uint8_t {
  root,         // expecting the top-level '[' or '{'
  array_first,  // after '[' of the records array: an element or ']'
  array_next,   // after ',': an element
  array_after,  // after an element: ',' or ']'
  wrap_first,   // after the root '{': a key or '}'
  wrap_next,    // after ',' in the root object: a key
  wrap_key,     // inside a key of the root object
  wrap_colon,   // after such a key
  wrap_value,   // after ':': a member value
  wrap_peek,    // after '[' of a member value: its first element decides what it is
  wrap_after,   // after a member value: ',' or '}'
  capture,      // copying one value into elem_
  done,         // the root value has closed: only whitespace may follow
  failed,       // a syntax error ended the document
};

class json_reader final : public reader {
 public:
  explicit json_reader(table_builder& out) : out_(out) {
    info_.format = "json";
    info_.encoding = "utf-8";
  }
  // A reader of a later part (make_json_part_reader): NDJSON lines, or the elements of a
  // records array at the root from just after a comma.
  json_reader(table_builder& out, std::string_view spec) : json_reader(out) {
    part_ = true;
    bom_checked_ = true;
    if (spec == PART_LINES) {
      mode_ = mode::lines;
      info_.format = "ndjson";
      unit_ = "line";
    } else if (spec == PART_ARRAY) {
      mode_ = mode::document;
      state_ = doc_state::array_next;
      records_found_ = true;
      records_at_root_ = true;
    } else {
      throw std::runtime_error("not a JSON part");
    }
  }

  void feed(std::string_view chunk) override {
    if (finished_ || chunk.empty()) return;
    switch (mode_) {
      case mode::detect:
        pending_.append(chunk);
        detect(false);
        break;
      case mode::document:
        scan(chunk.data(), chunk.data() + chunk.size());
        break;
      case mode::lines:
        feed_lines(chunk.data(), chunk.data() + chunk.size());
        break;
      case mode::failed:
        break;
    }
  }

  void finish() override {
    if (finished_) return;
    if (mode_ == mode::detect) detect(true);
    if (mode_ == mode::document) finish_document();
    if (mode_ == mode::lines) finish_lines();
    // Every record was skipped (too deep, not an object): the file gave nothing, which is
    // its error as much as a syntax error is, not an empty table with warnings. (A part
    // leaves that to the first part's reader, which knows whether the file gave nothing.)
    if (!part_ && info_.error.empty() && rows_kept_ == 0 && info_.skipped > 0 &&
        !info_.warnings.empty()) {
      info_.error = "no record could be read: " + info_.warnings.front().reason;
    }
    finished_ = true;
  }

  const read_info& info() const override { return info_; }

  // ---- reading in two parts (see reader::part_spec) ----
  //
  // A part starts at a line start: a new NDJSON line, or, in an array of records at the root
  // written one record to a line, a record after a comma. (A wrapped array, {"orders": [...]},
  // is read in one part.) A part numbers its lines or records from 1, and writes each number
  // in its warnings between two NUMBER_MARK bytes, so that the first part's reader can shift
  // them when it takes the part; it leaves to that reader what depends on the rows before
  // it: whether a syntax error that ends the array is the file's error or a warning, and
  // whether a file that gave no row fails.

  std::string part_spec() const override {
    if (part_ || finished_) return {};
    if (mode_ == mode::lines) return std::string(PART_LINES);
    if (mode_ == mode::document && records_at_root_ &&
        (state_ == doc_state::array_next || state_ == doc_state::array_after ||
         state_ == doc_state::capture)) {
      return std::string(PART_ARRAY);
    }
    return {};
  }

  std::string part_end() const override {
    detail::byte_writer w;
    w.put(static_cast<uint8_t>(mode_));
    w.put(static_cast<uint8_t>(state_));
    w.put<uint64_t>(mode_ == mode::lines ? line_no_ : record_no_);
    w.put<uint64_t>(rows_kept_);
    w.put<uint64_t>(paths_.size());
    w.put<uint64_t>(out_.columns());
    w.put(fields_capped_);
    info_.save_part(w);
    w.put_string(first_line_error_);
    w.put<uint64_t>(broken_record_);
    w.put_string(broken_reason_);
    return w.take();
  }

  uint64_t take_part(std::string_view end) override {
    // Fed exactly up to the part: at a line start, or just after a record's comma.
    if (part_ || finished_) return 0;
    if (mode_ == mode::lines ? !line_.empty()
                             : mode_ != mode::document || !records_at_root_ ||
                                   state_ != doc_state::array_next) {
      return 0;
    }
    detail::byte_reader r(end);
    if (r.get<uint8_t>() != static_cast<uint8_t>(mode_)) return 0;
    const auto state = static_cast<doc_state>(r.get<uint8_t>());
    const auto units = r.get<uint64_t>();
    const auto rows = r.get<uint64_t>();
    const auto paths = r.get<uint64_t>();
    const auto columns = r.get<uint64_t>();
    const bool capped = r.get<bool>();
    // Past the caps on fields, which field was the one too many depends on the order they
    // came in: such a file is read in one part.
    if (capped || fields_capped_ || paths_.size() + paths > MAX_PATHS ||
        out_.columns() + columns > MAX_COLUMNS) {
      return 0;
    }
    const uint64_t shift = mode_ == mode::lines ? line_no_ : record_no_;
    info_.take_part(r, shift, 0, [&](std::string reason) -> std::optional<std::string> {
      return shifted(std::move(reason), shift);
    });
    std::string first_error = r.get_string();
    if (first_line_error_.empty() && !first_error.empty()) {
      first_line_error_ = shifted(std::move(first_error), shift);
    }
    rows_kept_ += rows;
    const auto broken_record = r.get<uint64_t>();
    std::string broken_reason = r.get_string();
    if (!broken_reason.empty()) {
      record_broken(broken_record + shift, shifted(std::move(broken_reason), shift));
    }
    if (mode_ == mode::lines) {
      line_no_ += units;
    } else {
      record_no_ += units;
      state_ = state;
    }
    return shift + 1;
  }

 private:
  enum class mode : uint8_t { detect, document, lines, failed };
  static constexpr std::string_view PART_LINES = "jl", PART_ARRAY = "ja";
  static constexpr char NUMBER_MARK = '\x1F';

  // A line or record number as a warning writes it: in a part, between NUMBER_MARKs.
  std::string number_text(uint64_t n) const {
    return part_ ? NUMBER_MARK + std::to_string(n) + NUMBER_MARK : std::to_string(n);
  }
  // A part's warning with its numbers shifted by the lines or records before the part.
  static std::string shifted(std::string reason, uint64_t shift) {
    std::string out;
    size_t from = 0;
    for (size_t at; (at = reason.find(NUMBER_MARK, from)) != std::string::npos;) {
      const size_t close = reason.find(NUMBER_MARK, at + 1);
      if (close == std::string::npos) break;
      out.append(reason, from, at - from);
      out += std::to_string(std::stoull(reason.substr(at + 1, close - at - 1)) + shift);
      from = close + 1;
    }
    out.append(reason, from, std::string::npos);
    return out;
  }

  // ---- deciding the format ----

  // Looks at the buffered head of the file; once the format is known, replays it.
  void detect(bool at_eof) {
    if (!bom_checked_) {
      static constexpr std::string_view BOM = "\xEF\xBB\xBF";
      const size_t n = std::min(pending_.size(), BOM.size());
      if (pending_.compare(0, n, BOM.substr(0, n)) == 0 && n < BOM.size() && !at_eof) return;
      if (pending_.starts_with(BOM)) {
        pending_.erase(0, BOM.size());
        info_.encoding = "utf-8-bom";
      }
      bom_checked_ = true;
    }
    while (det_start_ < pending_.size() && is_space(pending_[det_start_])) ++det_start_;
    if (det_start_ == pending_.size()) {
      if (at_eof) fail("the file holds no JSON (it is empty)");
      return;
    }
    const char first = pending_[det_start_];
    if (first == '[') return start(mode::document);
    if (first != '{') {
      const auto c = static_cast<unsigned char>(first);
      if (c == 0xFF || c == 0xFE || c == 0) {
        fail("not JSON in UTF-8: UTF-16 JSON files are not supported, save the file as UTF-8");
      } else {
        fail("not JSON: the file does not start with '[' or '{'");
      }
      return;
    }
    if (det_pos_ == 0) det_pos_ = det_start_;
    for (; det_pos_ < pending_.size(); ++det_pos_) {
      // Checked per byte, not per chunk, so that chunk sizes never change the decision.
      if (det_pos_ - det_start_ >= DETECT_LIMIT) return start(mode::document);
      const char c = pending_[det_pos_];
      if (det_closed_) {
        // Anything after the first object closes means several documents: NDJSON.
        if (!is_space(c)) return start(mode::lines);
      } else if (det_in_string_) {
        if (det_escape_) {
          det_escape_ = false;
        } else if (c == '\\') {
          det_escape_ = true;
        } else if (c == '"') {
          det_in_string_ = false;
        } else if (c == '\n') {
          return start(mode::document);
        }
      } else if (c == '"') {
        det_in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++det_depth_;
      } else if (c == '}' || c == ']') {
        if (--det_depth_ == 0) det_closed_ = true;
      } else if (c == '\n') {
        // A line break inside the first object: one pretty-printed document.
        return start(mode::document);
      }
    }
    if (at_eof) start(mode::document);
  }

  void start(mode m) {
    mode_ = m;
    std::string head;
    head.swap(pending_);
    if (m == mode::lines) {
      info_.format = "ndjson";
      unit_ = "line";
      feed_lines(head.data(), head.data() + head.size());
    } else {
      scan(head.data(), head.data() + head.size());
    }
  }

  void fail(std::string message) {
    info_.error = std::move(message);
    mode_ = mode::failed;
    pending_.clear();
  }

  // ---- NDJSON ----

  void feed_lines(const char* p, const char* end) {
    while (p < end) {
      if (line_.empty()) {
        // A whole line in this chunk is read in place when it is a plain object.
        const char* q = p;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
        if (q < end && *q == '{') {
          const char* next = fast_record(q, end, line_no_ + 1, true);
          if (next != nullptr) {
            ++line_no_;
            p = next;
            continue;
          }
        }
      }
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (nl == nullptr) {
        line_.append(p, end);
        return;
      }
      const char* stop = static_cast<const char*>(nl);
      line_.append(p, stop);
      p = stop + 1;
      end_line();
    }
  }

  void end_line() {
    ++line_no_;
    bool blank = true;
    for (char c : line_) {
      if (!is_space(c)) {
        blank = false;
        break;
      }
    }
    if (!blank) {
      const error_code e = read_record(line_, line_no_);
      if (e != SUCCESS && e != simdjson::DEPTH_ERROR) {
        ++info_.skipped;
        std::string reason = "JSON syntax error on line " + number_text(line_no_) + ": ";
        reason.append(message_of(e));
        if (first_line_error_.empty()) first_line_error_ = reason;
        info_.warn(line_no_, std::move(reason));
      }
    }
    release(line_);
  }

  void finish_lines() {
    if (!line_.empty()) end_line();
    // Not one line could be read: the file is not NDJSON at all.
    if (!part_ && rows_kept_ == 0 && !first_line_error_.empty()) info_.error = first_line_error_;
  }

  // ---- array documents ----

  void scan(const char* p, const char* end) {
    while (p < end) {
      if (state_ == doc_state::capture) {
        if (capture_some(p, end)) end_capture();
        continue;
      }
      const char c = *p;
      if (state_ == doc_state::wrap_key) {
        take(p);
        if (key_escape_) {
          key_escape_ = false;
        } else if (c == '\\') {
          key_escape_ = true;
        } else if (c == '"') {
          state_ = doc_state::wrap_colon;
        }
        continue;
      }
      if (is_space(c)) {
        if (state_ == doc_state::wrap_peek) {
          elem_ += c;
          ++p;
        } else {
          take(p);
        }
        continue;
      }
      switch (state_) {
        case doc_state::root:
          if (c == '[') {
            take(p);
            records_found_ = true;
            records_at_root_ = true;
            state_ = doc_state::array_first;
          } else {
            // detect() only starts a document at '[' or '{'.
            take(p);
            keep_root_ = true;
            root_buf_ = "{";
            state_ = doc_state::wrap_first;
          }
          break;
        case doc_state::array_first:
          if (c == ']') {
            take(p);
            records_closed();
          } else {
            start_capture(c, true);
          }
          break;
        case doc_state::array_next:
          if (c == ']') {
            broken(record_no_ + 1, true, simdjson::TAPE_ERROR);  // a trailing comma
          } else if (const char* next =
                         c == '{' ? fast_record(p, end, record_no_ + 1, false) : nullptr) {
            ++record_no_;
            p = next;
            state_ = doc_state::array_after;
          } else {
            start_capture(c, true);
          }
          break;
        case doc_state::array_after:
          if (c == ',') {
            take(p);
            state_ = doc_state::array_next;
          } else if (c == ']') {
            take(p);
            records_closed();
          } else {
            broken(record_no_ + 1, true, simdjson::TAPE_ERROR);  // a missing comma
          }
          break;
        case doc_state::wrap_first:
        case doc_state::wrap_next:
          if (c == '"') {
            take(p);
            state_ = doc_state::wrap_key;
          } else if (c == '}' && state_ == doc_state::wrap_first) {
            take(p);
            root_closed();
          } else {
            broken(record_no_, false, simdjson::TAPE_ERROR);
          }
          break;
        case doc_state::wrap_colon:
          if (c == ':') {
            take(p);
            state_ = doc_state::wrap_value;
          } else {
            broken(record_no_, false, simdjson::TAPE_ERROR);
          }
          break;
        case doc_state::wrap_value:
          if (c == '[' && !records_found_) {
            // Whether this is the records array depends on its first element; until then
            // the bytes go to elem_, in case it is an ordinary member after all.
            ++p;
            elem_ = "[";
            state_ = doc_state::wrap_peek;
          } else {
            start_capture(c, false);
          }
          break;
        case doc_state::wrap_peek:
          if (c == '{') {
            records_found_ = true;
            keep_root_ = false;
            std::string().swap(root_buf_);
            elem_.clear();
            start_capture(c, true);
          } else if (c == ']') {
            ++p;
            elem_ += c;
            saw_empty_array_ = true;
            root_buf_ += elem_;
            elem_.clear();
            state_ = doc_state::wrap_after;
          } else {
            // An array of something else: an ordinary member, already one level deep.
            cap_scalar_ = false;
            cap_in_string_ = false;
            cap_escape_ = false;
            cap_depth_ = 1;
            cap_record_ = false;
            state_ = doc_state::capture;
          }
          break;
        case doc_state::wrap_after:
          if (c == ',') {
            take(p);
            state_ = doc_state::wrap_next;
          } else if (c == '}') {
            take(p);
            root_closed();
          } else {
            broken(record_no_, false, simdjson::TAPE_ERROR);
          }
          break;
        case doc_state::done:
          broken(record_no_, false, simdjson::TRAILING_CONTENT);
          break;
        case doc_state::failed:
          return;
        case doc_state::wrap_key:
        case doc_state::capture:
          break;  // handled above
      }
      if (state_ == doc_state::failed) return;
    }
  }

  // Consumes one structural byte, keeping it while the root object may turn out to be the
  // only record.
  void take(const char*& p) {
    if (keep_root_) root_buf_ += *p;
    ++p;
  }

  void start_capture(char first, bool record) {
    elem_.clear();
    cap_record_ = record;
    cap_scalar_ = first != '{' && first != '[' && first != '"';
    cap_in_string_ = false;
    cap_escape_ = false;
    cap_depth_ = 0;
    if (record) ++record_no_;
    state_ = doc_state::capture;
  }

  // Copies bytes of the value being captured into elem_; true once it is complete.
  bool capture_some(const char*& p, const char* end) {
    const char* from = p;
    if (cap_scalar_) {
      while (p < end && !is_space(*p) && *p != ',' && *p != ']' && *p != '}') ++p;
      elem_.append(from, p);
      return p < end;
    }
    // The inner loops skip the bytes that cannot end a string or change the depth, as they
    // are almost every byte of the file.
    while (p < end) {
      if (cap_in_string_) {
        if (cap_escape_) {
          cap_escape_ = false;
          ++p;
          continue;
        }
        p = skip_in_string(p, end);
        if (p == end) break;
        if (*p++ == '\\') {
          cap_escape_ = true;
          continue;
        }
        cap_in_string_ = false;
        if (cap_depth_ == 0) {
          elem_.append(from, p);
          return true;
        }
        continue;
      }
      p = skip_outside_string(p, end);
      if (p == end) break;
      const char c = *p++;
      if (c == '"') {
        cap_in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++cap_depth_;
      } else if (--cap_depth_ == 0) {
        elem_.append(from, p);
        return true;
      }
    }
    elem_.append(from, p);
    return false;
  }

  void end_capture() {
    if (cap_record_) {
      state_ = doc_state::array_after;
      const error_code e = read_record(elem_, record_no_);
      if (e != SUCCESS && e != simdjson::DEPTH_ERROR) {
        ++info_.skipped;
        broken(record_no_, true, e);
      }
    } else {
      // Members beside the records array are not used, but a typo in them still means the
      // file is damaged, so they are checked.
      state_ = doc_state::wrap_after;
      const error_code e = validate(elem_);
      if (e != SUCCESS && e != simdjson::DEPTH_ERROR) {
        broken(record_no_, false, e);
      } else if (keep_root_) {
        root_buf_ += elem_;
      }
    }
    release(elem_);
  }

  // Empties `buf`; one huge record must not pin its memory for the rest of the file.
  static void release(std::string& buf) {
    if (buf.capacity() > BIG_RECORD) {
      std::string().swap(buf);
    } else {
      buf.clear();
    }
  }

  void records_closed() { state_ = records_at_root_ ? doc_state::done : doc_state::wrap_after; }

  void root_closed() {
    state_ = doc_state::done;
    keep_root_ = false;
    if (records_found_ || saw_empty_array_) return;
    // No array of objects inside: the object itself is the one record.
    record_no_ = 1;
    const error_code e = read_record(root_buf_, 1);
    if (e != SUCCESS && e != simdjson::DEPTH_ERROR) broken(1, true, e);
    std::string().swap(root_buf_);
  }

  void finish_document() {
    switch (state_) {
      case doc_state::done:
      case doc_state::failed:
        return;
      case doc_state::capture:
        if (cap_record_) {
          // Ask simdjson what is wrong with the cut-off record, for an honest message.
          error_code e = validate(elem_);
          if (e == SUCCESS) e = simdjson::INCOMPLETE_ARRAY_OR_OBJECT;
          ++info_.skipped;
          return broken(record_no_, true, e);
        }
        return broken(record_no_, false, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
      default:
        return broken(record_no_, false, simdjson::INCOMPLETE_ARRAY_OR_OBJECT);
    }
  }

  // The array document is damaged at this point: what was read stays, the rest is ignored.
  void broken(uint64_t record, bool in_record, error_code e) {
    std::string reason = "JSON syntax error";
    if (in_record) {
      reason += " in record " + number_text(record);
    } else if (record > 0) {
      reason += " after record " + number_text(record);
    }
    reason += ": ";
    reason.append(message_of(e));
    state_ = doc_state::failed;
    if (part_) {  // the first part's reader knows whether rows came before (take_part)
      broken_record_ = record;
      broken_reason_ = std::move(reason);
      return;
    }
    record_broken(record, std::move(reason));
  }

  // The file's error when no row came before, else a warning.
  void record_broken(uint64_t record, std::string reason) {
    if (rows_kept_ == 0) {
      info_.error = std::move(reason);
    } else {
      info_.warn(record, std::move(reason));
    }
  }

  // Full validation of a value that is not flattened.
  error_code validate(std::string& buf) {
    const size_t n = buf.size();
    buf.append(simdjson::SIMDJSON_PADDING, ' ');
    simdjson::dom::element ignored;
    const error_code e = dom_.parse(buf.data(), n, false).get(ignored);
    buf.resize(n);
    // The parser keeps buffers sized for the largest document it has seen.
    if (n > BIG_RECORD) dom_ = simdjson::dom::parser();
    return e;
  }

  // ---- the fast path ----

  // Most records are plain objects: keys already seen, values that are strings without
  // escapes, numbers, literals or such objects. fast_record reads one of those straight from
  // the bytes it was given, checking the grammar itself, in a single pass: no copy into a
  // padded buffer, no simdjson stage 1 (byte by byte in wasm, which simdjson has no SIMD
  // kernel for), no separate element scan. On anything else (arrays, escapes, a new key,
  // a syntax error, the end of the bytes) it gives up having changed nothing but path
  // hints, and the record takes the simdjson path, which decides what it means. What it
  // accepts is valid JSON that the simdjson path flattens into the same cells.

  // Reads the record whose '{' is at p, and returns the end of its bytes: for a line (`lines`),
  // past its '\n'; for an array element, past its '}'. nullptr: not read.
  const char* fast_record(const char* p, const char* end, uint64_t number, bool lines) {
    // Records the fast path cannot read (arrays in each, say) would pay for both paths: after
    // a few misses in a row it rests for a while. Either path gives the same result, so when
    // it is tried changes nothing but the time.
    if (fast_rest_ > 0) {
      --fast_rest_;
      return nullptr;
    }
    const char* q = fast_record_try(p, end, number, lines);
    if (q != nullptr) {
      fast_misses_ = 0;
    } else if (++fast_misses_ == FAST_MISSES) {
      fast_misses_ = 0;
      fast_rest_ = FAST_REST;
    }
    return q;
  }

  // Forgets the cells and items of the record before: both readers start from here.
  void start_record() {
    cells_.clear();
    items_.clear();
    item_starts_.clear();
    arena_.clear();
    items_seen_ = false;
    bad_items_ = 0;
  }

  const char* fast_record_try(const char* p, const char* end, uint64_t number, bool lines) {
    start_record();
    const char* q = fast_object(p, end, 1, ROOT_PATH, lines);
    if (q == nullptr) return nullptr;
    if (lines) {
      while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
      if (q == end || *q != '\n') return nullptr;
      ++q;
    }
    unit_number_ = number;
    emit(number);
    return q;
  }

  // In a line, '\n' ends the record rather than being whitespace.
  static const char* fast_skip_space(const char* p, const char* end, bool lines) {
    // Minified records have no whitespace at all: one test for them.
    while (p < end && static_cast<uint8_t>(*p) <= ' ' &&
           (*p == ' ' || *p == '\t' || *p == '\r' || (*p == '\n' && !lines))) {
      ++p;
    }
    return p;
  }

  // Past the closing quote of the string whose content starts at p, or nullptr.
  static const char* fast_string(const char* p, const char* end) {
    while (true) {
      p = skip_plain(p, end);
      if (p == end) return nullptr;
      const auto c = static_cast<uint8_t>(*p);
      if (c == '"') return p + 1;
      if (c < 0x80) return nullptr;  // '\\' or a control character
      const size_t n = utf8_sequence(p, end);
      if (n == 0) return nullptr;
      p += n;
    }
  }

  // The key whose content starts at p, in the object of key path `parent`: its child path
  // (IGNORED_PATH: none yet, or not a plain string) and, in key_end, the byte past its
  // closing quote. The key expected next is matched as bytes: a known key's bytes were
  // checked when it was first read, so the same bytes followed by '"' are the same valid key.
  uint32_t fast_key(uint32_t parent, const char* p, const char* end, const char*& key_end) {
    path_node& node = paths_[parent];
    if (node.hint >= node.children.size()) node.hint = 0;
    if (node.hint < node.children.size()) {
      const std::string& key = paths_[node.children[node.hint]].key;
      if (static_cast<size_t>(end - p) > key.size() && p[key.size()] == '"' &&
          same_bytes(p, key.data(), key.size())) {
        key_end = p + key.size() + 1;
        return node.children[node.hint++];
      }
    }
    key_end = fast_string(p, end);
    if (key_end == nullptr) return IGNORED_PATH;
    return find_child(parent, std::string_view(p, static_cast<size_t>(key_end - 1 - p)));
  }

  // Past the number at p, or nullptr: the grammar of is_json_number, ending where the
  // token of a scalar ends (so that, like there, "12abc" is refused, not read as 12).
  static const char* fast_number(const char* p, const char* end) {
    if (p < end && *p == '-') ++p;
    if (p == end) return nullptr;
    if (*p == '0') {
      ++p;
    } else if (is_digit(*p)) {
      while (p < end && is_digit(*p)) ++p;
    } else {
      return nullptr;
    }
    if (p < end && *p == '.') {
      const char* digits = ++p;
      while (p < end && is_digit(*p)) ++p;
      if (p == digits) return nullptr;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      const char* digits = p;
      while (p < end && is_digit(*p)) ++p;
      if (p == digits) return nullptr;
    }
    return p < end && FAST_CLASS.ends_scalar[static_cast<uint8_t>(*p)] ? p : nullptr;
  }

  // The object whose '{' is at p, at nesting `level` with key path `path`: its end, or nullptr.
  const char* fast_object(const char* p, const char* end, int level, uint32_t path, bool lines) {
    p = fast_skip_space(p + 1, end, lines);
    if (p == end) return nullptr;
    if (*p == '}') return p + 1;
    while (true) {
      if (*p != '"') return nullptr;
      const char* key_end;
      const uint32_t child = fast_key(path, p + 1, end, key_end);
      if (child == IGNORED_PATH) return nullptr;
      p = fast_skip_space(key_end, end, lines);
      if (p == end || *p != ':') return nullptr;
      p = fast_skip_space(p + 1, end, lines);
      if (p == end) return nullptr;
      const char c = *p;
      if (c == '"') {
        const char* value_end = fast_string(p + 1, end);
        if (value_end == nullptr) return nullptr;
        cells_.push_back({child, p + 1, 0, static_cast<size_t>(value_end - 1 - (p + 1))});
        p = value_end;
      } else if (c == '{') {
        if (level + 1 > MAX_DEPTH) return nullptr;
        p = fast_object(p, end, level + 1, child, lines);
        if (p == nullptr) return nullptr;
      } else if (c == '-' || is_digit(c)) {
        const char* number_end = fast_number(p, end);
        if (number_end == nullptr) return nullptr;
        cells_.push_back({child, p, 0, static_cast<size_t>(number_end - p)});
        p = number_end;
      } else {
        const char* token_end = p;
        while (token_end < end && !FAST_CLASS.ends_scalar[static_cast<uint8_t>(*token_end)]) {
          ++token_end;
        }
        if (token_end == end) return nullptr;
        const std::string_view token(p, static_cast<size_t>(token_end - p));
        if (token == "null") {
          add_cell(false, child, std::string_view());
        } else if (token == "true" || token == "false") {
          add_cell(false, child, token);
        } else {
          return nullptr;
        }
        p = token_end;
      }
      p = fast_skip_space(p, end, lines);
      if (p == end) return nullptr;
      if (*p == '}') return p + 1;
      if (*p != ',') return nullptr;
      p = fast_skip_space(p + 1, end, lines);
      if (p == end) return nullptr;
    }
  }

  // ---- one record ----

  // Parses one record from `buf` and appends its rows. A record that is not an object, or
  // is too deep, is skipped and warned here; a syntax error is returned to the caller, whose
  // format decides what it means.
  error_code read_record(std::string& buf, uint64_t number) {
    const size_t n = buf.size();
    buf.append(simdjson::SIMDJSON_PADDING, ' ');
    bool not_object = false;
    error_code e = parse_record(buf, n, number, not_object);
    if (n > BIG_RECORD) parser_ = od::parser();  // it keeps buffers sized for the largest record
    if (not_object) {
      // The record is not an object. If it is valid JSON that is all there is to say.
      buf.resize(n);
      e = validate(buf);
      if (e == SUCCESS) {
        ++info_.skipped;
        info_.warn(number, unit_ + " " + number_text(number) + " is " + type_name(record_type_) +
                               ", not an object; skipped");
      }
    }
    if (e == simdjson::DEPTH_ERROR) {
      ++info_.skipped;
      info_.warn(number, unit_ + " " + number_text(number) + " is nested deeper than " +
                             std::to_string(MAX_DEPTH) + " levels; skipped");
    }
    buf.resize(n);
    return e;
  }

  error_code parse_record(std::string& buf, size_t n, uint64_t number, bool& not_object) {
    unit_number_ = number;
    if (n > parser_.capacity()) {
      // simdjson 3.9.4's On-Demand parser ignores a failed allocation of its string buffer
      // (5/3 of the record) and later writes through the null pointer, silently in wasm.
      // Take that much first with a throwing allocation: out of memory then becomes the
      // session's "too large" error, and simdjson reuses the block just freed.
      ::operator delete(::operator new(5 * n / 3 + simdjson::SIMDJSON_PADDING + 64));
    }
    od::document doc;
    error_code e =
        parser_.iterate(simdjson::padded_string_view(buf.data(), n, buf.size())).get(doc);
    if (e != SUCCESS) return e;
    if ((e = doc.type().get(record_type_)) != SUCCESS) return e;
    if (record_type_ != od::json_type::object) {
      not_object = true;
      return SUCCESS;
    }
    od::object obj;
    if ((e = doc.get_object().get(obj)) != SUCCESS) return e;
    start_record();
    if ((e = flatten_object(obj, 1, false, ROOT_PATH)) != SUCCESS) return e;
    if (!doc.at_end()) return simdjson::TRAILING_CONTENT;
    emit(number);
    return SUCCESS;
  }

  // Flattens the fields of an object at nesting `level` (the record itself is level 1) whose
  // key path is `path`.
  error_code flatten_object(od::object obj, int level, bool in_item, uint32_t path) {
    for (auto field_result : obj) {
      od::field field;
      error_code e = std::move(field_result).get(field);
      if (e != SUCCESS) return e;
      uint32_t child;
      if ((e = child_path(path, field, child)) != SUCCESS) return e;
      if ((e = flatten_value(field.value(), level, in_item, child)) != SUCCESS) return e;
    }
    return SUCCESS;
  }

  // Flattens one value found inside a container at `level`, with key path `path`.
  error_code flatten_value(od::value v, int level, bool in_item, uint32_t path) {
    od::json_type t;
    error_code e = v.type().get(t);
    if (e != SUCCESS) return e;
    switch (t) {
      case od::json_type::object: {
        if (level + 1 > MAX_DEPTH) return simdjson::DEPTH_ERROR;
        od::object obj;
        if ((e = v.get_object().get(obj)) != SUCCESS) return e;
        return flatten_object(obj, level + 1, in_item, path);
      }
      case od::json_type::array:
        return flatten_array(v, level, in_item, path);
      case od::json_type::string: {
        std::string_view s;
        if ((e = v.get_string(true).get(s)) != SUCCESS) return e;
        add_cell(in_item, path, s);
        return SUCCESS;
      }
      default: {
        std::string_view token;
        if ((e = scalar_token(v, t, token)) != SUCCESS) return e;
        // null is an empty cell, but its column still exists.
        add_cell(in_item, path, t == od::json_type::null ? std::string_view() : token);
        return SUCCESS;
      }
    }
  }

  // The first array of objects of a record becomes its line items; any other non-empty
  // array is kept as minified JSON text. An empty array leaves no cell at all: it cannot be
  // told apart from empty line items, which must not add a "line_items" column.
  error_code flatten_array(od::value v, int level, bool in_item, uint32_t path) {
    if (level + 1 > MAX_DEPTH) return simdjson::DEPTH_ERROR;
    od::array arr;
    error_code e = v.get_array().get(arr);
    if (e != SUCCESS) return e;
    const size_t text_start = arena_.size();
    bool first = true;
    bool as_items = false;
    for (auto element_result : arr) {
      od::value element;
      if ((e = std::move(element_result).get(element)) != SUCCESS) return e;
      od::json_type t;
      if ((e = element.type().get(t)) != SUCCESS) return e;
      if (first) {
        first = false;
        as_items = t == od::json_type::object && !in_item && !items_seen_;
        if (as_items) {
          items_seen_ = true;
        } else {
          arena_ += '[';
        }
      } else if (!as_items) {
        arena_ += ',';
      }
      if (!as_items) {
        if ((e = write_json(element, level + 1)) != SUCCESS) return e;
      } else if (t == od::json_type::object) {
        if (level + 2 > MAX_DEPTH) return simdjson::DEPTH_ERROR;
        od::object obj;
        if ((e = element.get_object().get(obj)) != SUCCESS) return e;
        item_starts_.push_back(items_.size());
        if ((e = flatten_object(obj, level + 2, true, path)) != SUCCESS) return e;
      } else {
        // Still checked, so a typo is a syntax error rather than a quiet skip.
        const size_t mark = arena_.size();
        if ((e = write_json(element, level + 1)) != SUCCESS) return e;
        arena_.resize(mark);
        ++bad_items_;
      }
    }
    if (!first && !as_items) {
      arena_ += ']';
      cells(in_item).push_back({path, nullptr, text_start, arena_.size() - text_start});
    }
    return SUCCESS;
  }

  // Appends `v`, found inside a container at `parent_level`, to the arena as minified JSON,
  // checking it on the way.
  error_code write_json(od::value v, int parent_level) {
    od::json_type t;
    error_code e = v.type().get(t);
    if (e != SUCCESS) return e;
    switch (t) {
      case od::json_type::object: {
        if (parent_level + 1 > MAX_DEPTH) return simdjson::DEPTH_ERROR;
        od::object obj;
        if ((e = v.get_object().get(obj)) != SUCCESS) return e;
        arena_ += '{';
        bool first = true;
        for (auto field_result : obj) {
          od::field field;
          if ((e = std::move(field_result).get(field)) != SUCCESS) return e;
          if (!first) arena_ += ',';
          first = false;
          const std::string_view raw_key = trim_right(field.key_raw_json_token());
          std::string_view key;
          if ((e = field.unescaped_key(true).get(key)) != SUCCESS) return e;
          arena_.append(raw_key);
          arena_ += ':';
          if ((e = write_json(field.value(), parent_level + 1)) != SUCCESS) return e;
        }
        arena_ += '}';
        return SUCCESS;
      }
      case od::json_type::array: {
        if (parent_level + 1 > MAX_DEPTH) return simdjson::DEPTH_ERROR;
        od::array arr;
        if ((e = v.get_array().get(arr)) != SUCCESS) return e;
        arena_ += '[';
        bool first = true;
        for (auto element_result : arr) {
          od::value element;
          if ((e = std::move(element_result).get(element)) != SUCCESS) return e;
          if (!first) arena_ += ',';
          first = false;
          if ((e = write_json(element, parent_level + 1)) != SUCCESS) return e;
        }
        arena_ += ']';
        return SUCCESS;
      }
      case od::json_type::string: {
        const std::string_view raw = trim_right(v.raw_json_token());
        std::string_view unescaped;
        if ((e = v.get_string(true).get(unescaped)) != SUCCESS) return e;
        arena_.append(raw);
        return SUCCESS;
      }
      default: {
        std::string_view token;
        if ((e = scalar_token(v, t, token)) != SUCCESS) return e;
        arena_.append(token);
        return SUCCESS;
      }
    }
  }

  // The source text of a number, boolean or null, checked: On-Demand only looks at the
  // first byte to tell the type. (Forced inline, as add_cell: with the fast path beside it,
  // GCC stopped inlining both into the flatten functions, costing records read that way 5%.)
  [[gnu::always_inline]] static error_code scalar_token(od::value& v, od::json_type t,
                                                        std::string_view& token) {
    token = trim_right(v.raw_json_token());
    switch (t) {
      case od::json_type::number:
        return is_json_number(token) ? SUCCESS : simdjson::NUMBER_ERROR;
      case od::json_type::boolean:
        if (token == "true") return SUCCESS;
        return token == "false"
                   ? SUCCESS
                   : (token[0] == 't' ? simdjson::T_ATOM_ERROR : simdjson::F_ATOM_ERROR);
      case od::json_type::null:
        return token == "null" ? SUCCESS : simdjson::N_ATOM_ERROR;
      default:
        return simdjson::TAPE_ERROR;
    }
  }

  std::vector<cell>& cells(bool in_item) { return in_item ? items_ : cells_; }

  [[gnu::always_inline]] void add_cell(bool in_item, uint32_t path, std::string_view value) {
    cells(in_item).push_back({path, value.data() != nullptr ? value.data() : "", 0, value.size()});
  }

  // The key path of `field` inside `parent`, added when new. Only paths are made here; columns
  // wait until a row is emitted, so a damaged record adds no column.
  error_code child_path(uint32_t parent, od::field& field, uint32_t& id) {
    const std::string_view key = field.escaped_key();
    if (parent != IGNORED_PATH) {
      id = find_child(parent, key);
      if (id != IGNORED_PATH) return SUCCESS;
    }
    // New (or beyond the cap): this is the only place a key is unescaped, and so checked.
    std::string_view name;
    const error_code e = field.unescaped_key(true).get(name);
    if (e != SUCCESS) return e;
    if (parent == IGNORED_PATH || paths_.size() >= MAX_PATHS) {
      if (parent != IGNORED_PATH) too_many_fields(paths_[parent].name, name);
      id = IGNORED_PATH;
      return SUCCESS;
    }
    id = static_cast<uint32_t>(paths_.size());
    path_node child;
    child.key = key;
    child.parent = parent;
    if (parent != ROOT_PATH) {
      child.name = paths_[parent].name;
      child.name += '.';
    }
    child.name.append(name);
    paths_.push_back(std::move(child));
    path_node& node = paths_[parent];
    node.children.push_back(id);
    node.hint = static_cast<uint32_t>(node.children.size());
    if (node.index) {
      node.index->emplace(paths_[id].key, id);
    } else if (node.children.size() > INDEX_CHILDREN) {
      node.index =
          std::make_unique<std::unordered_map<std::string, uint32_t, path_hash, std::equal_to<>>>();
      for (const uint32_t c : node.children) node.index->emplace(paths_[c].key, c);
    }
    return SUCCESS;
  }

  // The child of `parent` whose key, as escaped in the source, is `key`; IGNORED_PATH when
  // there is none yet.
  uint32_t find_child(uint32_t parent, std::string_view key) {
    path_node& node = paths_[parent];
    // After the last key of an object the next one is most likely its first again (the next
    // record, or the next line item).
    if (node.hint >= node.children.size()) node.hint = 0;
    if (node.hint < node.children.size() && paths_[node.children[node.hint]].key == key) {
      return node.children[node.hint++];
    }
    if (node.index) {
      const auto it = node.index->find(key);
      return it != node.index->end() ? it->second : IGNORED_PATH;
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (paths_[node.children[i]].key == key) {
        node.hint = static_cast<uint32_t>(i + 1);
        return node.children[i];
      }
    }
    return IGNORED_PATH;
  }

  void too_many_fields(std::string_view parent, std::string_view key) {
    if (fields_capped_) return;
    fields_capped_ = true;
    std::string name(parent);
    if (!name.empty()) name += '.';
    name.append(key);
    info_.warn(unit_number_, "too many distinct fields (at most " + std::to_string(MAX_COLUMNS) +
                                 " columns from " + std::to_string(MAX_PATHS) +
                                 " field names); fields from \"" + name + "\" on are ignored");
  }

  size_t column_of(uint32_t id) {
    if (id == IGNORED_PATH) return NO_COLUMN;
    path_node& node = paths_[id];
    if (node.column == NO_COLUMN) {
      if (out_.columns() >= MAX_COLUMNS) {
        too_many_fields({}, node.name);
        return NO_COLUMN;
      }
      node.column = out_.column_index(node.name);
    }
    return node.column;
  }

  void set_cells(const std::vector<cell>& list, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      const cell& c = list[i];
      const size_t col = column_of(c.path);
      if (col == NO_COLUMN) continue;
      const char* text = c.ptr != nullptr ? c.ptr : arena_.data() + c.offset;
      out_.set(col, text, c.len);
    }
  }

  // Whether cell i is column i's, for every cell: records whose keys come as the first one's
  // did (most files), which go into the table in one pass (table_builder::add_row).
  bool in_column_order(const std::vector<cell>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (column_of(list[i].path) != i) return false;
    }
    return true;
  }

  void emit(uint64_t number) {
    if (item_starts_.empty()) {
      if (in_column_order(cells_)) [[likely]] {
        out_.add_row(
            cells_.size(),
            [&](size_t i, const char*& data, size_t& size) {
              const cell& c = cells_[i];
              data = c.ptr != nullptr ? c.ptr : arena_.data() + c.offset;
              size = c.len;
            },
            number);
      } else {
        set_cells(cells_, 0, cells_.size());
        out_.end_row(number);
      }
    } else {
      for (size_t i = 0; i < item_starts_.size(); ++i) {
        const size_t to = i + 1 < item_starts_.size() ? item_starts_[i + 1] : items_.size();
        set_cells(cells_, 0, cells_.size());
        set_cells(items_, item_starts_[i], to);
        out_.end_row(number);
      }
    }
    ++rows_kept_;
    if (bad_items_ > 0) {
      info_.warn(number, unit_ + " " + number_text(number) + ": " + std::to_string(bad_items_) +
                             " line item(s) are not objects; skipped");
    }
  }

  table_builder& out_;
  read_info info_;
  mode mode_ = mode::detect;
  bool finished_ = false;
  bool part_ = false;  // a reader of a later part (see take_part)
  uint64_t broken_record_ = 0;  // a part that broken() ended: where, and why ("" = it did not)
  std::string broken_reason_;
  std::string unit_ = "record";  // what a record number counts, for warnings
  uint64_t rows_kept_ = 0;       // records that produced rows

  // Format detection: the head of the file, scanned up to the end of its first object.
  std::string pending_;
  bool bom_checked_ = false;
  size_t det_start_ = 0;
  size_t det_pos_ = 0;
  int det_depth_ = 0;
  bool det_in_string_ = false;
  bool det_escape_ = false;
  bool det_closed_ = false;

  // NDJSON.
  std::string line_;
  uint64_t line_no_ = 0;
  std::string first_line_error_;

  // Array documents.
  doc_state state_ = doc_state::root;
  std::string elem_;  // the value being captured
  bool cap_record_ = false;
  bool cap_scalar_ = false;
  bool cap_in_string_ = false;
  bool cap_escape_ = false;
  int cap_depth_ = 0;
  bool key_escape_ = false;
  bool records_found_ = false;
  bool records_at_root_ = false;
  bool saw_empty_array_ = false;
  bool keep_root_ = false;
  std::string root_buf_;  // the root object, while it may be the only record
  uint64_t record_no_ = 0;

  // The fast path: misses in a row, and records left before it is tried again.
  uint32_t fast_misses_ = 0;
  uint32_t fast_rest_ = 0;

  // Parsing and flattening one record.
  od::parser parser_;
  simdjson::dom::parser dom_;
  od::json_type record_type_ = od::json_type::object;
  std::vector<path_node> paths_ = std::vector<path_node>(1);  // [ROOT_PATH] is the record
  bool fields_capped_ = false;
  uint64_t unit_number_ = 0;         // the record being read, for warnings raised deep inside it
  std::vector<cell> cells_;          // the record's own fields
  std::vector<cell> items_;          // the fields of all its line items
  std::vector<size_t> item_starts_;  // where each line item starts in items_
  std::string arena_;                // arrays kept as JSON text
  bool items_seen_ = false;
  uint64_t bad_items_ = 0;
};

}  // namespace

std::unique_ptr<reader> make_json_reader(table_builder& out) {
  return std::make_unique<json_reader>(out);
}

std::unique_ptr<reader> make_json_part_reader(table_builder& out, std::string_view spec) {
  return std::make_unique<json_reader>(out, spec);
}

}  // namespace kpi
