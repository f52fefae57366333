// The streaming CSV reader. Bytes flow through three stages, each carrying its own state
// across chunks: decoding (BOM, UTF-16 or Windows-1252 to UTF-8), sniffing (the first 64 KiB are held back
// until the delimiter is known) and an incremental RFC 4180 parser that hands complete
// records to the table_builder.
//
// The parser works in place on the chunk it is given. Only the record cut by the end of a
// chunk is copied (into carry_), together with the scan state needed to resume it, so a
// record's bytes are always contiguous when it is emitted and resuming never rescans.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kpi/io/readers.h"
#include "kpi/detail/bytes.h"

namespace kpi {
namespace {

constexpr size_t SNIFF_BYTES = 64 * 1024;
constexpr size_t MAX_FIELD_BYTES = 64 * 1024 * 1024;
constexpr size_t MAX_COLUMNS = 100000;
constexpr uint32_t PLAIN_REST = 64;  // see csv_reader::plain_record

// ---- scanning ----

constexpr uint64_t ONES = 0x0101010101010101ull;
constexpr uint64_t HIGHS = 0x8080808080808080ull;

// Sets the high bit of every zero byte of `w`. A borrow may also flag bytes above a real
// zero, which is harmless: callers only use the lowest flag.
inline uint64_t zero_bytes(uint64_t w) { return (w - ONES) & ~w & HIGHS; }

// 16 bytes a step where there is vector support (wasm SIMD, SSE2), else 8 (SWAR); the loops
// below end with bytes one at a time. The parser spends most of its time in find_any, between
// two interesting bytes; find_high and find_nul look at every byte of the file once.
// LOUPE_SCALAR_SCANS takes the 8-byte way anyway: the sanitizer build tests it with it.
#if !defined(LOUPE_SCALAR_SCANS) && (defined(__wasm_simd128__) || defined(__SSE2__))
constexpr bool VECTORS = true;
// Bit i is set when byte i of the 16 at p is a, b or c.
inline uint32_t match16(const char* p, char a, char b, char c) {
#if defined(__wasm_simd128__)
  const v128_t v = wasm_v128_load(p);
  return wasm_i8x16_bitmask(wasm_v128_or(
      wasm_v128_or(wasm_i8x16_eq(v, wasm_i8x16_splat(a)), wasm_i8x16_eq(v, wasm_i8x16_splat(b))),
      wasm_i8x16_eq(v, wasm_i8x16_splat(c))));
#else
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<uint32_t>(_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)),
                                _mm_cmpeq_epi8(v, _mm_set1_epi8(b))),
                   _mm_cmpeq_epi8(v, _mm_set1_epi8(c)))));
#endif
}
// Bit i is set when byte i of the 16 at p is >= 0x80.
inline uint32_t high16(const char* p) {
#if defined(__wasm_simd128__)
  return wasm_i8x16_bitmask(wasm_v128_load(p));
#else
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
#endif
}
#else
constexpr bool VECTORS = false;
inline uint32_t match16(const char*, char, char, char) { return 0; }
inline uint32_t high16(const char*) { return 0; }
#endif
// Bit i is set when byte i of the 16 at p is 0 (a repeated byte costs nothing: the compiler
// merges the equal compares, as it does the loads of record16).
inline uint32_t nul16(const char* p) { return match16(p, '\0', '\0', '\0'); }
// For plain_record: bits of the delimiter d, and of a line break or quote, in the 16 at p.
inline void record16(const char* p, char d, uint32_t& delims, uint32_t& stops) {
  delims = match16(p, d, d, d);
  stops = match16(p, '\n', '\r', '"');
}

// The first byte in [p, end) that `byte` holds true for, or end: `vec16` gives the bits of
// such bytes among 16 (where there are vectors), else `swar8` sets the high bit of such bytes
// in a word of 8 (the lowest flag counts), and the last bytes go one at a time.
template <typename Vec16, typename Swar8, typename Byte>
[[gnu::always_inline]] inline const char* find_first(const char* p, const char* end,
                                                     Vec16 vec16, Swar8 swar8, Byte byte) {
  if constexpr (VECTORS) {
    for (; end - p >= 16; p += 16) {
      if (const uint32_t hit = vec16(p); hit != 0) return p + std::countr_zero(hit);
    }
  } else if constexpr (std::endian::native == std::endian::little) {
    for (; end - p >= 8; p += 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (const uint64_t hit = swar8(w); hit != 0) return p + (std::countr_zero(hit) >> 3);
    }
  }
  for (; p < end; ++p) {
    if (byte(*p)) return p;
  }
  return end;
}

// The first byte in [p, end) equal to a, b or c, or end.
inline const char* find_any(const char* p, const char* end, char a, char b, char c) {
  const uint64_t ma = ONES * static_cast<uint8_t>(a);
  const uint64_t mb = ONES * static_cast<uint8_t>(b);
  const uint64_t mc = ONES * static_cast<uint8_t>(c);
  return find_first(
      p, end, [&](const char* q) { return match16(q, a, b, c); },
      [&](uint64_t w) { return zero_bytes(w ^ ma) | zero_bytes(w ^ mb) | zero_bytes(w ^ mc); },
      [&](char ch) { return ch == a || ch == b || ch == c; });
}

// The first byte >= 0x80 in [p, end), or end.
inline const char* find_high(const char* p, const char* end) {
  return find_first(
      p, end, high16, [](uint64_t w) { return w & HIGHS; },
      [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; });
}

// The first NUL byte in [p, end), or end. (memchr in wasm's libc takes 4 bytes a step.)
inline const char* find_nul(const char* p, const char* end) {
  return find_first(p, end, nul16, zero_bytes, [](char ch) { return ch == '\0'; });
}

enum class utf8_check : uint8_t { valid, invalid, cut };

// Whether s starts with a well-formed UTF-8 sequence of two to four bytes (s[0] >= 0x80):
// no overlong forms, surrogates or code points past U+10FFFF. `cut`: s ends before it does.
utf8_check check_sequence(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return utf8_check::invalid;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (k >= s.size()) return utf8_check::cut;
    const auto b = static_cast<unsigned char>(s[k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return utf8_check::invalid;
  }
  return utf8_check::valid;
}

// Windows-1252 bytes 0x80-0x9F; 0xA0-0xFF are U+00A0-U+00FF. The five unassigned bytes map
// to the C1 controls of the same value, as browsers decode them.
constexpr uint16_t CP1252_80_9F[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ---- sniffing ----

// The field count of each non-blank record of `text` split by `d`, quote-aware. The last
// record is left out when the text is only the start of the file (it may be cut).
std::vector<size_t> field_counts(std::string_view text, char d, bool whole_file) {
  std::vector<size_t> counts;
  size_t fields = 1;
  bool field_start = true;
  bool in_quotes = false;
  bool blank = true;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          ++i;
        } else {
          in_quotes = false;
        }
      }
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (!blank) counts.push_back(fields);
      fields = 1;
      field_start = true;
      blank = true;
      continue;
    }
    blank = false;
    if (c == d) {
      ++fields;
      field_start = true;
    } else {
      in_quotes = c == '"' && field_start;
      field_start = false;
    }
  }
  if (!blank && (whole_file || counts.empty())) counts.push_back(fields);
  return counts;
}

// The candidate under which most records have the header's field count (> 1). Ties go to
// more fields, then to the character least likely to appear inside values: a semicolon
// file with decimal commas can split evenly on ',' too.
char sniff_delimiter(std::string_view text, bool whole_file) {
  char best = ',';
  size_t best_hits = 0;
  size_t best_width = 0;
  for (char d : {'\t', ';', '|', ','}) {
    const std::vector<size_t> counts = field_counts(text, d, whole_file);
    if (counts.empty() || counts[0] < 2) continue;
    const size_t hits = static_cast<size_t>(std::count(counts.begin(), counts.end(), counts[0]));
    if (hits > best_hits || (hits == best_hits && counts[0] > best_width)) {
      best = d;
      best_hits = hits;
      best_width = counts[0];
    }
  }
  return best;
}

// A message when the start of the file shows it is not text at all, else empty. Store
// owners often drop the .xlsx itself: tell them what to do instead.
// Signatures of binary files that start with a byte >= 0x80 (read as Windows-1252, they
// would no longer be recognised): checked on the file's first raw bytes.
std::string_view binary_signature_message(std::string_view raw) {
  if (raw.starts_with("\xD0\xCF\x11\xE0")) {
    return "this is an old Excel file (.xls): save it as CSV and drop that";
  }
  if (raw.starts_with("\x1F\x8B")) {
    return "this is a compressed (gzip) file: unpack it and drop the CSV inside";
  }
  return {};
}

std::string_view binary_file_message(std::string_view head) {
  if (head.starts_with("PK\x03\x04")) {
    // An .xlsx is a zip whose first entries are its manifest or its xl/ folder.
    const std::string_view first_entries = head.substr(0, 4096);
    if (first_entries.find("[Content_Types].xml") != std::string_view::npos ||
        first_entries.find("xl/") != std::string_view::npos) {
      return "this is an Excel file (.xlsx): save it as CSV and drop that";
    }
    return "this is a zip archive: unpack it and drop the CSV inside";
  }
  if (std::string_view message = binary_signature_message(head); !message.empty()) return message;
  if (head.starts_with("%PDF-")) return "this is a PDF file, not a CSV export";
  if (head.find('\0') != std::string_view::npos) {
    return "this file contains NUL bytes: it does not look like a CSV text file";
  }
  size_t controls = 0;
  for (unsigned char c : head) {
    controls += c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f';
  }
  if (controls * 32 > head.size()) {
    return "this does not look like a text file: save it as CSV and drop that";
  }
  return {};
}

// ---- the reader ----

enum class text_encoding : uint8_t { undecided, utf8, utf16le, utf16be, windows1252 };

// Where the parser stands; kept across chunks when a record is cut.
enum class scan : uint8_t { record_start, field_start, unquoted, quoted };

enum class field_kind : uint8_t {
  plain,    // the bytes as written (also a quoted field with text after its closing quote)
  quoted,   // the bytes between the quotes
  escaped,  // between the quotes, with "" to undouble
};

// Offsets are relative to the start of the record, so they survive moving a cut record
// into carry_.
struct field_span {
  size_t begin;
  size_t end;
  field_kind kind;
};

class csv_reader final : public reader {
 public:
  explicit csv_reader(table_builder& out) : out_(out) {
    // Its header's columns are the builder's first, field i in column i (end_record).
    if (out.columns() != 0) throw std::logic_error("the CSV reader fills an empty table");
    info_.format = "csv";
    info_.encoding = "utf-8";
    info_.delimiter = ',';
  }

  // A reader of a later part of a file (see make_csv_part_reader).
  csv_reader(table_builder& out, std::string_view spec);

  void feed(std::string_view chunk) override;
  void finish() override;
  const read_info& info() const override { return info_; }
  std::string part_spec() const override;
  std::string part_end() const override;
  uint64_t take_part(std::string_view end) override;

 private:
  bool failed() const { return !info_.error.empty(); }
  // The decoding of the bytes so far, as a part's spec and end carry it: 'a' nothing but
  // ASCII yet (UTF-8 without a BOM, not settled), 'u' UTF-8, 'w' Windows-1252, 0 other.
  char decoding() const;
  void fail(std::string message) {
    if (!failed()) info_.error = std::move(message);
  }
  bool decide_encoding(bool final);
  void decode(std::string_view bytes);
  void decode_unsettled(std::string_view bytes);
  void to_windows1252();
  void decode_windows1252(std::string_view bytes);
  void put_utf16_unit(uint32_t unit);
  void put_code_point(uint32_t cp);
  void feed_text(std::string_view text);
  void start_parsing(bool whole_file);
  void parse_text(std::string_view text);
  size_t parse(const char* buf, size_t n, bool final);
  // Appends a field of the record starting at `rec`; false, with info_.error set, past a
  // limit. Inline: it runs once per field.
  [[gnu::always_inline]] bool push_field(const char* rec, const char* begin, const char* end,
                                         field_kind kind) {
    if (static_cast<size_t>(end - begin) > MAX_FIELD_BYTES || fields_.size() == MAX_COLUMNS)
        [[unlikely]] {
      fail_limit(static_cast<size_t>(end - begin));
      return false;
    }
    fields_.push_back({static_cast<size_t>(begin - rec), static_cast<size_t>(end - rec), kind});
    return true;
  }
  const char* plain_record(const char* rec, const char* end, bool& plain);
  void fail_limit(size_t field_bytes);
  void end_record(const char* rec);
  void take_header(const char* rec);
  std::string_view field_text(const char* rec, const field_span& f) {
    if (f.kind != field_kind::escaped) [[likely]] {
      return {rec + f.begin, f.end - f.begin};
    }
    return unescape({rec + f.begin, f.end - f.begin});
  }
  std::string_view unescape(std::string_view raw);

  table_builder& out_;
  read_info info_;

  // Decoding.
  text_encoding encoding_ = text_encoding::undecided;
  std::string head_;             // the first bytes, until the BOM is known
  int odd_byte_ = -1;            // UTF-16: the first byte of a unit cut by the chunk end
  uint32_t high_surrogate_ = 0;  // UTF-16: waiting for its low half
  std::string utf8_;             // UTF-16 or Windows-1252 converted, reused per chunk
  // UTF-8 without a BOM: settled once a byte >= 0x80 starts a valid sequence. Until then the
  // text is ASCII, which Windows-1252 reads alike; held_ keeps a sequence cut by a chunk's end.
  bool utf8_settled_ = false;
  std::string held_;
  std::string raw_start_;  // the file's first bytes as they came, for binary signatures

  // Sniffing.
  bool sniffed_ = false;
  std::string sniff_;

  // Parsing.
  char delim_ = ',';
  std::string carry_;  // the bytes of the record cut by the end of the last chunk
  pod_vector<field_span> fields_;
  scan state_ = scan::record_start;
  size_t resume_ = 0;       // where to resume scanning carry_
  size_t field_begin_ = 0;  // where the current field starts in carry_
  bool escaped_ = false;
  bool skip_lf_ = false;  // the last record ended with CR: an LF right after belongs to it
  bool warned_after_quote_ = false;
  uint32_t plain_rest_ = 0;  // records left to read without trying plain_record
  uint64_t line_ = 1;  // physical line of the byte being scanned
  uint64_t record_line_ = 1;
  std::string scratch_;  // an escaped field, undoubled

  // Header.
  bool have_header_ = false;
  size_t columns_ = 0;  // the header's: the builder's columns 0 .. columns_ - 1, field i in i
  size_t required_ = 0;  // fields a row needs: up to the last named header column
};

void csv_reader::feed(std::string_view chunk) {
  if (failed() || chunk.empty()) return;
  if (raw_start_.size() < 8) raw_start_.append(chunk.substr(0, 8 - raw_start_.size()));
  if (encoding_ == text_encoding::undecided) {
    const size_t take = std::min(chunk.size(), 3 - head_.size());
    head_.append(chunk.substr(0, take));
    chunk.remove_prefix(take);
    if (!decide_encoding(false)) return;
  }
  decode(chunk);
}

// Looks for a BOM in head_; returns false while head_ could still become one.
bool csv_reader::decide_encoding(bool final) {
  struct bom {
    std::string_view bytes;
    text_encoding encoding;
    const char* name;
  };
  static constexpr bom BOMS[] = {{"\xEF\xBB\xBF", text_encoding::utf8, "utf-8-bom"},
                                 {"\xFF\xFE", text_encoding::utf16le, "utf-16le"},
                                 {"\xFE\xFF", text_encoding::utf16be, "utf-16be"}};
  const std::string_view head = head_;
  for (const bom& b : BOMS) {
    if (head.starts_with(b.bytes)) {
      encoding_ = b.encoding;
      utf8_settled_ = true;  // a UTF-8 BOM says so: no Windows-1252 guess
      info_.encoding = b.name;
      decode(head.substr(b.bytes.size()));
      return true;
    }
    if (!final && b.bytes.starts_with(head)) return false;
  }
  encoding_ = text_encoding::utf8;
  decode(head);
  return true;
}

void csv_reader::put_code_point(uint32_t cp) {
  if (cp < 0x80) {
    utf8_.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    utf8_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    utf8_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    utf8_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    utf8_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    utf8_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    utf8_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    utf8_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    utf8_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    utf8_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Unpaired surrogates become U+FFFD rather than failing the file: one odd character must
// not cost the user every row.
void csv_reader::put_utf16_unit(uint32_t unit) {
  constexpr uint32_t REPLACEMENT = 0xFFFD;
  if (high_surrogate_ != 0) {
    const uint32_t high = high_surrogate_;
    high_surrogate_ = 0;
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      put_code_point(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
      return;
    }
    put_code_point(REPLACEMENT);
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    high_surrogate_ = unit;
  } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
    put_code_point(REPLACEMENT);
  } else {
    put_code_point(unit);
  }
}

// A file without a BOM is read as UTF-8 unless its first byte >= 0x80 does not start a valid
// UTF-8 sequence: then it is Windows-1252 (what Excel on Windows saves as "CSV"), from that
// byte on; everything before it was ASCII, which both read alike. One check per file, made
// on the same bytes however the file is cut into chunks.
void csv_reader::decode_unsettled(std::string_view bytes) {
  if (!held_.empty()) {
    std::string probe = held_;
    probe.append(bytes.substr(0, 3));
    const utf8_check c = check_sequence(probe);
    if (c == utf8_check::cut) {  // still short: every byte of `bytes` is in probe
      held_ = std::move(probe);
      return;
    }
    const std::string held = std::move(held_);
    held_.clear();
    if (c == utf8_check::valid) {
      utf8_settled_ = true;
      feed_text(held);
      feed_text(bytes);
    } else {
      to_windows1252();
      decode_windows1252(held);
      decode_windows1252(bytes);
    }
    return;
  }
  const char* end = bytes.data() + bytes.size();
  const char* high = find_high(bytes.data(), end);
  if (high == end) {
    feed_text(bytes);
    return;
  }
  const size_t at = static_cast<size_t>(high - bytes.data());
  const utf8_check c = check_sequence(bytes.substr(at));
  if (c == utf8_check::valid) {
    utf8_settled_ = true;
    feed_text(bytes);
    return;
  }
  feed_text(bytes.substr(0, at));
  if (c == utf8_check::cut) {
    held_.assign(bytes.substr(at));
    return;
  }
  to_windows1252();
  decode_windows1252(bytes.substr(at));
}

void csv_reader::to_windows1252() {
  encoding_ = text_encoding::windows1252;
  info_.encoding = "windows-1252";
}

void csv_reader::decode_windows1252(std::string_view bytes) {
  utf8_.clear();
  for (const char ch : bytes) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      utf8_.push_back(ch);
    } else {
      put_code_point(b < 0xA0 ? CP1252_80_9F[b - 0x80] : b);
    }
  }
  feed_text(utf8_);
}

void csv_reader::decode(std::string_view bytes) {
  if (bytes.empty()) return;
  if (encoding_ == text_encoding::utf8) {
    if (utf8_settled_) {
      feed_text(bytes);
    } else {
      decode_unsettled(bytes);
    }
    return;
  }
  if (encoding_ == text_encoding::windows1252) {
    decode_windows1252(bytes);
    return;
  }
  const bool le = encoding_ == text_encoding::utf16le;
  auto unit = [le](uint8_t first, uint8_t second) -> uint32_t {
    return le ? first | (second << 8) : (first << 8) | second;
  };
  utf8_.clear();
  size_t i = 0;
  if (odd_byte_ >= 0) {
    put_utf16_unit(unit(static_cast<uint8_t>(odd_byte_), static_cast<uint8_t>(bytes[0])));
    odd_byte_ = -1;
    i = 1;
  }
  for (; i + 1 < bytes.size(); i += 2) {
    put_utf16_unit(unit(static_cast<uint8_t>(bytes[i]), static_cast<uint8_t>(bytes[i + 1])));
  }
  if (i < bytes.size()) odd_byte_ = static_cast<uint8_t>(bytes[i]);
  feed_text(utf8_);
}

void csv_reader::feed_text(std::string_view text) {
  if (failed()) return;
  if (!sniffed_) {
    // Exactly the first SNIFF_BYTES decide, whatever the chunking.
    const size_t take = std::min(text.size(), SNIFF_BYTES - sniff_.size());
    sniff_.append(text.substr(0, take));
    text.remove_prefix(take);
    if (sniff_.size() < SNIFF_BYTES) return;
    start_parsing(false);
  }
  if (text.empty()) return;
  // NUL never occurs in text: stop at the first one, after the rows before it.
  if (const char* nul = find_nul(text.data(), text.data() + text.size());
      nul != text.data() + text.size()) {
    parse_text(text.substr(0, nul - text.data()));
    fail("a NUL byte at line " + std::to_string(line_) +
         ": this does not look like a CSV text file");
    return;
  }
  parse_text(text);
}

void csv_reader::start_parsing(bool whole_file) {
  sniffed_ = true;
  std::string text = std::move(sniff_);
  sniff_ = std::string();
  std::string_view message = encoding_ == text_encoding::windows1252
                                 ? binary_signature_message(raw_start_)
                                 : std::string_view();
  if (message.empty()) message = binary_file_message(text);
  if (!message.empty()) {
    fail(std::string(message));
    return;
  }
  std::string_view body = text;
  // Excel's own hint, "sep=;" on the first line, beats any guess.
  if (body.size() >= 5 && body.starts_with("sep=") &&
      (body.size() == 5 || body[5] == '\n' || body[5] == '\r') && body[4] != '"' &&
      body[4] != '\n' && body[4] != '\r') {
    delim_ = body[4];
    body.remove_prefix(5);
    if (!body.empty()) {
      skip_lf_ = body.front() == '\r';
      body.remove_prefix(1);
      line_ = 2;
    }
  } else {
    delim_ = sniff_delimiter(body, whole_file);
  }
  info_.delimiter = delim_;
  parse_text(body);
}

void csv_reader::parse_text(std::string_view text) {
  if (failed()) return;
  if (!carry_.empty()) {
    // Finish the cut record first, a line at a time, so a short record costs a short copy
    // and the rest of the chunk is parsed in place.
    while (!text.empty()) {
      const void* lf = std::memchr(text.data(), '\n', text.size());
      const size_t take =
          lf != nullptr ? static_cast<const char*>(lf) - text.data() + 1 : text.size();
      carry_.append(text.data(), take);
      text.remove_prefix(take);
      const size_t done = parse(carry_.data(), carry_.size(), false);
      if (failed()) return;
      carry_.erase(0, done);
      if (carry_.empty()) break;
    }
    if (!carry_.empty()) return;
  }
  if (text.empty()) return;
  const size_t done = parse(text.data(), text.size(), false);
  if (failed()) return;
  carry_.assign(text.substr(done));
}

void csv_reader::fail_limit(size_t field_bytes) {
  const std::string where = " at line " + std::to_string(record_line_) + ": is this a CSV file?";
  if (field_bytes > MAX_FIELD_BYTES) {
    fail("a field longer than 64 MB" + where);
  } else {
    fail("more than " + std::to_string(MAX_COLUMNS) + " columns" + where);
  }
}

// The record at rec, read 16 bytes a step, when it is plain: with no quote, ending in LF or
// CRLF (a record of a file without quotes, most of them), and whole at least 16 bytes before
// `end`. Then its fields are in fields_, as the general parser below would push them, and the
// result is where the next record starts. Otherwise nullptr with fields_ empty, and the
// general parser reads the record. When the record is not plain (`plain` set false; not when
// it only came too near the end), the general parser also reads the next PLAIN_REST records:
// a file with quotes would otherwise have each of its records scanned twice.
const char* csv_reader::plain_record(const char* rec, const char* end, bool& plain) {
  const char d = delim_;
  size_t begin = 0;
  // Fields are written into fields_'s room, past its size (kept 0 until the record ends), with
  // no capacity check per field: a step makes at most 16.
  size_t count = 0;
  for (const char* b = rec; end - b >= 16; b += 16) {
    if (count > MAX_COLUMNS - 32) [[unlikely]] {  // near the limit: the general parser decides
      plain = false;
      break;
    }
    if (fields_.capacity() - count < 17) [[unlikely]] {
      fields_.resize(count);
      fields_.reserve(2 * count + 32);
    }
    field_span* const out = fields_.data();
    uint32_t delims, stops;
    record16(b, d, delims, stops);
    const size_t base = static_cast<size_t>(b - rec);
    if (stops == 0) {
      for (; delims != 0; delims &= delims - 1) {
        const size_t at = base + std::countr_zero(delims);
        out[count++] = {begin, at, field_kind::plain};
        begin = at + 1;
      }
      continue;
    }
    const int first = std::countr_zero(stops);
    for (delims &= (1u << first) - 1; delims != 0; delims &= delims - 1) {
      const size_t at = base + std::countr_zero(delims);
      out[count++] = {begin, at, field_kind::plain};
      begin = at + 1;
    }
    const char* stop = b + first;
    const char* next = stop + 1;
    if (*stop == '\r' && next != end && *next == '\n') {
      ++next;
    } else if (*stop != '\n') {
      plain = next == end;  // a quote or a lone CR; at the text's very end only cut
      break;
    }
    if (stop - rec > static_cast<ptrdiff_t>(MAX_FIELD_BYTES)) [[unlikely]] {
      plain = false;
      break;
    }
    out[count++] = {begin, static_cast<size_t>(stop - rec), field_kind::plain};
    fields_.resize(count);
    return next;
  }
  fields_.truncate(0);
  return nullptr;
}

// Parses the records of buf[0, n), resuming the saved state when buf is carry_. Returns
// where the record cut by the end of buf starts (n when none); its state is saved. With
// `final`, the end of buf is the end of the file.
size_t csv_reader::parse(const char* buf, size_t n, bool final) {
  const char* const end = buf + n;
  const char d = delim_;
  const char* rec = buf;
  const char* p = buf + resume_;
  const char* field = buf + field_begin_;
  bool escaped = escaped_;
  scan st = state_;
  resume_ = 0;
  field_begin_ = 0;

  for (;;) {
    switch (st) {
      case scan::record_start:
        if (p == end) goto out_of_data;
        if (skip_lf_) {
          skip_lf_ = false;
          if (*p == '\n') {
            ++p;
            continue;
          }
        }
        rec = p;
        record_line_ = line_;
        fields_.truncate(0);
        if constexpr (VECTORS) {
          if (plain_rest_ == 0) {
            bool plain = true;
            if (const char* next = plain_record(rec, end, plain); next != nullptr) {
              p = next;
              ++line_;
              end_record(rec);
              if (failed()) return n;
              continue;
            }
            if (!plain) plain_rest_ = PLAIN_REST;
          } else {
            --plain_rest_;
          }
        }
        [[fallthrough]];
      case scan::field_start:
        if (p == end) {
          st = scan::field_start;
          field = p;
          goto out_of_data;
        }
        field = p;
        if (*p == '"') {
          ++p;
          escaped = false;
          st = scan::quoted;
          continue;
        }
        [[fallthrough]];
      case scan::unquoted: {
        st = scan::unquoted;
        const char* q = find_any(p, end, d, '\n', '\r');
        if (q == end) {
          p = end;
          goto out_of_data;
        }
        if (!push_field(rec, field, q, field_kind::plain)) return n;
        p = q;
        break;
      }
      case scan::quoted: {
        const char* q = find_any(p, end, '"', '\n', '\r');
        if (q == end) {
          p = end;
          goto out_of_data;
        }
        if (*q != '"') {
          // A line break inside quotes: CRLF counts once, at its CR.
          if (*q == '\r' || q[-1] != '\r') ++line_;
          p = q + 1;
          continue;
        }
        const field_kind kind = escaped ? field_kind::escaped : field_kind::quoted;
        if (q + 1 == end) {
          if (!final) {
            p = q;  // the next byte decides whether this quote closes the field
            goto out_of_data;
          }
          if (!push_field(rec, field + 1, q, kind)) return n;
          goto record_at_eof;
        }
        const char next = q[1];
        if (next == '"') {
          escaped = true;
          p = q + 2;
          continue;
        }
        if (next == d || next == '\n' || next == '\r') {
          if (!push_field(rec, field + 1, q, kind)) return n;
          p = q + 1;
          break;
        }
        // "abc"x: keep the field exactly as written rather than guess what was meant.
        if (!warned_after_quote_) {
          warned_after_quote_ = true;
          info_.warn(line_, "text after a closing quote: the value is kept as written");
        }
        st = scan::unquoted;
        p = q + 1;
        continue;
      }
    }
    // *p is the delimiter or line break that ended the field just pushed.
    if (*p == d) {
      ++p;
      st = scan::field_start;
      continue;
    }
    skip_lf_ = *p == '\r';
    ++p;
    ++line_;
    end_record(rec);
    if (failed()) return n;
    st = scan::record_start;
  }

out_of_data:
  if (!final) {
    if (st == scan::record_start) {
      state_ = st;
      return n;
    }
    // Fail as soon as the field is too long, not when it ends: it may never end. Up to p,
    // not end: a quote waiting at the end is not content yet.
    const char* content = st == scan::quoted ? field + 1 : field;
    if ((st == scan::unquoted || st == scan::quoted) &&
        static_cast<size_t>(p - content) > MAX_FIELD_BYTES) {
      fail_limit(static_cast<size_t>(p - content));
      return n;
    }
    state_ = st;
    resume_ = p - rec;
    field_begin_ = field - rec;
    escaped_ = escaped;
    return rec - buf;
  }
  state_ = scan::record_start;
  if (st == scan::quoted) {
    if (!have_header_) {
      fail("unterminated quote in the header at line " + std::to_string(record_line_));
    } else {
      ++info_.skipped;
      info_.warn(record_line_, "unterminated quote: the row runs to the end of the file");
    }
    return n;
  }
  if (st == scan::unquoted) {
    if (!push_field(rec, field, end, field_kind::plain)) return n;
  } else if (st == scan::field_start && !fields_.empty()) {
    if (!push_field(rec, end, end, field_kind::plain)) return n;  // after a last delimiter
  } else {
    return n;
  }
record_at_eof:
  state_ = scan::record_start;
  end_record(rec);
  return n;
}

// Undoubles the quotes of a quoted field into scratch_, reused for every field.
std::string_view csv_reader::unescape(std::string_view raw) {
  scratch_.clear();
  size_t from = 0;
  for (size_t quote = raw.find('"'); quote != std::string_view::npos; quote = raw.find('"', from)) {
    scratch_.append(raw.substr(from, quote + 1 - from));
    from = quote + 2;  // the quote was doubled
  }
  scratch_.append(raw.substr(from));
  return scratch_;
}

void csv_reader::take_header(const char* rec) {
  have_header_ = true;
  std::unordered_set<std::string> taken;
  // The next suffix to try per repeated name, so a header of 100,000 equal names is linear.
  std::unordered_map<std::string, size_t> next_suffix;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const std::string_view trimmed = trim(field_text(rec, fields_[i]));
    if (!trimmed.empty()) required_ = i + 1;
    std::string name = trimmed.empty() ? "column_" + std::to_string(i + 1) : std::string(trimmed);
    if (taken.contains(name)) {
      size_t& k = next_suffix.try_emplace(name, 2).first->second;
      std::string candidate;
      do {
        candidate = name + "_" + std::to_string(k++);
      } while (taken.contains(candidate));
      name = std::move(candidate);
    }
    out_.add_column(name);
    taken.insert(std::move(name));
  }
  columns_ = fields_.size();
}

void csv_reader::end_record(const char* rec) {
  // Blank lines, and lines of bare delimiters, carry no data.
  if (std::all_of(fields_.begin(), fields_.end(),
                  [](const field_span& f) { return f.begin == f.end; })) {
    return;
  }
  if (!have_header_) {
    take_header(rec);
    return;
  }
  const size_t n = fields_.size();
  const size_t m = columns_;
  if (n != m) {
    // Spreadsheets pad rows (and headers) with empty cells up to the widest row: accept
    // that, but never drop a value or shift one into the wrong column.
    const bool padded = n > m ? std::all_of(fields_.begin() + m, fields_.end(),
                                            [](const field_span& f) { return f.begin == f.end; })
                              : n >= required_;
    if (!padded) {
      ++info_.skipped;
      info_.warn(record_line_,
                 "ragged row: " + std::to_string(n) + " fields, expected " + std::to_string(m));
      return;
    }
  }
  // Field i is column i's: the row in one pass (table_builder::add_row).
  const field_span* const fields = fields_.data();
  out_.add_row(
      std::min(n, m),
      [&](size_t i, const char*& data, size_t& size) {
        const field_span& f = fields[i];
        if (f.kind != field_kind::escaped) [[likely]] {
          data = rec + f.begin;
          size = f.end - f.begin;
        } else {
          const std::string_view v = field_text(rec, f);
          data = v.data();
          size = v.size();
        }
      },
      record_line_);
}

void csv_reader::finish() {
  if (failed()) return;
  if (encoding_ == text_encoding::undecided) decide_encoding(true);
  if (odd_byte_ >= 0 || high_surrogate_ != 0) {
    // The file ends inside a UTF-16 character.
    utf8_.clear();
    put_code_point(0xFFFD);
    odd_byte_ = -1;
    high_surrogate_ = 0;
    feed_text(utf8_);
  }
  if (!held_.empty()) {
    // The file ends inside a UTF-8 sequence: not UTF-8.
    const std::string held = std::move(held_);
    held_.clear();
    to_windows1252();
    decode_windows1252(held);
  }
  if (failed()) return;
  if (!sniffed_) start_parsing(true);
  if (failed() || carry_.empty()) return;
  std::string last = std::move(carry_);
  carry_ = std::string();
  parse(last.data(), last.size(), true);
}

char csv_reader::decoding() const {
  switch (encoding_) {
    case text_encoding::utf8: return utf8_settled_ ? 'u' : held_.empty() ? 'a' : 0;
    case text_encoding::windows1252: return 'w';
    default: return 0;
  }
}

// delimiter, decoding, the encoding's name, then the header: the fields a row needs and the
// column names as added (repeated names already made distinct).
std::string csv_reader::part_spec() const {
  const char d = decoding();
  if (failed() || !have_header_ || d == 0) return {};
  detail::byte_writer w;
  w.put(delim_);
  w.put(d);
  w.put_string(info_.encoding);
  w.put<uint64_t>(required_);
  w.put<uint64_t>(columns_);
  for (size_t col = 0; col < columns_; ++col) w.put_string(out_.column_name(col));
  return w.take();
}

csv_reader::csv_reader(table_builder& out, std::string_view spec) : csv_reader(out) {
  detail::byte_reader r(spec);
  delim_ = r.get<char>();
  info_.delimiter = delim_;
  const char d = r.get<char>();
  info_.encoding = r.get_string();
  encoding_ = d == 'w' ? text_encoding::windows1252 : text_encoding::utf8;
  utf8_settled_ = d != 'a';
  required_ = static_cast<size_t>(r.get<uint64_t>());
  const auto n = r.get<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) out_.add_column(r.get_string());
  columns_ = static_cast<size_t>(n);
  have_header_ = true;
  sniffed_ = true;
  raw_start_ = std::string(8, ' ');  // the file's start was the first part's to check
}

// The part's info, its decoding at the end, and whether it warned of text after a quote.
std::string csv_reader::part_end() const {
  detail::byte_writer w;
  w.put_string(info_.error);
  w.put(decoding());
  w.put_string(info_.encoding);
  w.put(warned_after_quote_);
  info_.save_part(w);
  return w.take();
}

uint64_t csv_reader::take_part(std::string_view end) {
  // Fed exactly up to the part: no record, quote or CR pending, no UTF-8 sequence cut.
  if (failed() || !sniffed_ || !have_header_ || !carry_.empty() ||
      state_ != scan::record_start || skip_lf_ || decoding() == 0) {
    return 0;
  }
  detail::byte_reader r(end);
  if (!r.get_string().empty()) return 0;  // a fatal error in the part: read it here instead
  const char theirs = r.get<char>();
  std::string encoding = r.get_string();
  const char mine = decoding();
  // Decoding settles on the file's first byte >= 0x80: the part's decision stands only when
  // nothing here had decided, and a part that decided otherwise read its bytes wrongly.
  if (theirs == 0 || (mine != 'a' && theirs != 'a' && theirs != mine)) return 0;
  const bool warned = r.get<bool>();
  bool drop_quote_warning = warned && warned_after_quote_;  // warned once per file
  info_.take_part(r, line_ - 1, drop_quote_warning ? 1 : 0,
                  [&](std::string reason) -> std::optional<std::string> {
                    if (drop_quote_warning && reason.starts_with("text after a closing quote")) {
                      drop_quote_warning = false;
                      return std::nullopt;
                    }
                    return reason;
                  });
  warned_after_quote_ = warned_after_quote_ || warned;
  if (mine == 'a' && theirs != 'a') {
    encoding_ = theirs == 'w' ? text_encoding::windows1252 : text_encoding::utf8;
    utf8_settled_ = theirs == 'u';
    info_.encoding = std::move(encoding);
  }
  return line_;
}

}  // namespace

std::unique_ptr<reader> make_csv_reader(table_builder& out) {
  return std::make_unique<csv_reader>(out);
}

std::unique_ptr<reader> make_csv_part_reader(table_builder& out, std::string_view spec) {
  return std::make_unique<csv_reader>(out, spec);
}

}  // namespace kpi
