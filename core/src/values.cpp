// Reading numbers and dates as stores export them. Everything here runs once per distinct
// cell value of files with millions of rows, so the parsers work on the bytes in place:
// no allocation, no regex, no locale (strtod and friends would read "1,5" differently
// depending on the process locale; fast_float takes the decimal mark as an argument).
#include "kpi/values.h"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

namespace kpi {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_letter(char c) { return (c >= 'a' && c <= 'z') || is_upper(c); }
constexpr char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with(const char* p, const char* e, std::string_view s) {
  return static_cast<size_t>(e - p) >= s.size() && std::memcmp(p, s.data(), s.size()) == 0;
}
bool ends_with(const char* b, const char* e, std::string_view s) {
  return static_cast<size_t>(e - b) >= s.size() &&
         std::memcmp(e - s.size(), s.data(), s.size()) == 0;
}

// Exports pad cells with ASCII blanks but also with the no-break spaces that spreadsheets
// put around currency symbols, so those count as blanks too.
constexpr std::string_view NBSP = "\xC2\xA0";
constexpr std::string_view NARROW_NBSP = "\xE2\x80\xAF";
constexpr std::string_view THIN_SPACE = "\xE2\x80\x89";

size_t blank_at(const char* p, const char* e) {
  if (p >= e) return 0;
  const char c = *p;
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return 1;
  if (static_cast<unsigned char>(c) < 0x80) return 0;
  if (starts_with(p, e, NBSP)) return 2;
  if (starts_with(p, e, NARROW_NBSP) || starts_with(p, e, THIN_SPACE)) return 3;
  return 0;
}
size_t blank_before(const char* b, const char* e) {
  if (e <= b) return 0;
  const char c = e[-1];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return 1;
  if (static_cast<unsigned char>(c) < 0x80) return 0;
  if (ends_with(b, e, NBSP)) return 2;
  if (ends_with(b, e, NARROW_NBSP) || ends_with(b, e, THIN_SPACE)) return 3;
  return 0;
}
void skip_blanks(const char*& p, const char* e) {
  while (size_t n = blank_at(p, e)) p += n;
}
void trim(const char*& b, const char*& e) {
  skip_blanks(b, e);
  while (size_t n = blank_before(b, e)) e -= n;
}

// ---- currencies ----

// Symbols as written around amounts. Where one is the tail of another ("$" of "R$") the
// longest match wins, so the order here does not matter.
constexpr std::array<std::string_view, 38> CURRENCY_SYMBOLS = {
    "$",   "€",   "£",   "¥",  "￥",  "₹",   "₽", "₺",  "₩",   "₫",   "₴",    "₪",  "₱",
    "₦",   "฿",   "₸",   "R$", "US$", "CA$", "C$",  "A$", "AU$", "NZ$", "HK$",  "S$", "zł",
    "lei", "Lei", "LEI", "kr", "kr.", "Kr",  "Kč",  "Ft", "元",  "руб", "руб.", "р."};

// ISO 4217 codes in use (plus RMB, which Chinese exports write for CNY), sorted for binary
// search. A list rather than "any three capitals" so that "12 PCS" is not an amount.
constexpr std::array<std::string_view, 159> ISO_CODES = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RMB", "RON", "RSD", "RUB", "RWF", "SAR", "SBD",
    "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD",
    "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWL"};

constexpr size_t CURRENCY_COUNT = CURRENCY_SYMBOLS.size() + ISO_CODES.size();

// Per byte, the symbols (bit i: CURRENCY_SYMBOLS[i]) that start (or end) with it. A value is
// compared with the few symbols its first (last) byte can begin (end), not with all 38: bare
// numbers and words, most values, with none; "C0014469" with "C$" and "CA$". A capital may
// also begin (end) an ISO code.
static_assert(CURRENCY_SYMBOLS.size() <= 64);
constexpr std::array<uint64_t, 256> currency_symbols_by(bool first) {
  std::array<uint64_t, 256> by{};
  for (size_t i = 0; i < CURRENCY_SYMBOLS.size(); ++i) {
    const std::string_view s = CURRENCY_SYMBOLS[i];
    by[static_cast<unsigned char>(first ? s.front() : s.back())] |= uint64_t{1} << i;
  }
  return by;
}
constexpr std::array<uint64_t, 256> SYMBOLS_BY_FIRST = currency_symbols_by(true);
constexpr std::array<uint64_t, 256> SYMBOLS_BY_LAST = currency_symbols_by(false);

std::string_view currency_name(int id) {
  const auto i = static_cast<size_t>(id);
  return i < CURRENCY_SYMBOLS.size() ? CURRENCY_SYMBOLS[i] : ISO_CODES[i - CURRENCY_SYMBOLS.size()];
}

int iso_code_id(const char* p) {
  const std::string_view code(p, 3);
  const auto it = std::lower_bound(ISO_CODES.begin(), ISO_CODES.end(), code);
  if (it == ISO_CODES.end() || *it != code) return -1;
  return static_cast<int>(CURRENCY_SYMBOLS.size() + (it - ISO_CODES.begin()));
}

// The currency written at the start of [b, e): its id and byte length, or -1.
int currency_prefix(const char* b, const char* e, size_t& len) {
  if (b >= e) return -1;
  const uint64_t symbols = SYMBOLS_BY_FIRST[static_cast<unsigned char>(*b)];
  if (symbols == 0 && !is_upper(*b)) return -1;
  int best = -1;
  len = 0;
  // In the symbols' order, as the longest match wins and the first of equal length.
  for (uint64_t m = symbols; m != 0; m &= m - 1) {
    const auto i = static_cast<size_t>(std::countr_zero(m));
    const auto s = CURRENCY_SYMBOLS[i];
    if (s.size() > len && starts_with(b, e, s)) best = static_cast<int>(i), len = s.size();
  }
  // A symbol made of letters must not run into more letters ("lei" is not "leis").
  if (best >= 0 && b + len < e && is_letter(b[len]) && is_letter(b[len - 1])) best = -1;
  if (best < 0 && e - b >= 3 && is_upper(b[0]) && is_upper(b[1]) && is_upper(b[2]) &&
      (e - b == 3 || !is_letter(b[3]))) {
    best = iso_code_id(b);
    len = 3;
  }
  return best;
}

// The currency written at the end of [b, e): its id and byte length, or -1.
int currency_suffix(const char* b, const char* e, size_t& len) {
  if (b >= e) return -1;
  const uint64_t symbols = SYMBOLS_BY_LAST[static_cast<unsigned char>(e[-1])];
  if (symbols == 0 && !is_upper(e[-1])) return -1;
  int best = -1;
  len = 0;
  for (uint64_t m = symbols; m != 0; m &= m - 1) {
    const auto i = static_cast<size_t>(std::countr_zero(m));
    const auto s = CURRENCY_SYMBOLS[i];
    if (s.size() > len && ends_with(b, e, s)) best = static_cast<int>(i), len = s.size();
  }
  if (best >= 0 && e - len > b && is_letter(e[-static_cast<ptrdiff_t>(len) - 1]) &&
      is_letter(e[-static_cast<ptrdiff_t>(len)]))
    best = -1;
  if (best < 0 && e - b >= 3 && is_upper(e[-1]) && is_upper(e[-2]) && is_upper(e[-3]) &&
      (e - b == 3 || !is_letter(e[-4]))) {
    best = iso_code_id(e - 3);
    len = 3;
  }
  return best;
}

// ---- numbers ----

// The grouping mark at p for a number whose decimal mark is `mark`: an id (so that one
// number may use only one kind) and its byte length, or -1.
int group_mark_at(const char* p, const char* e, char mark, size_t& len) {
  const char c = *p;
  len = 1;
  if (c == (mark == ',' ? '.' : ',')) return 0;
  if (c == ' ') return 1;
  if (c == '\'') return 2;
  if (static_cast<unsigned char>(c) < 0x80) return -1;
  if (starts_with(p, e, NBSP)) return len = 2, 3;
  if (starts_with(p, e, NARROW_NBSP)) return len = 3, 4;
  if (starts_with(p, e, THIN_SPACE)) return len = 3, 5;
  if (starts_with(p, e, "\xE2\x80\x99")) return len = 3, 6;  // ’ typographic apostrophe
  return -1;
}

// Takes a leading sign: '-', '+' or U+2212 MINUS SIGN (typeset exports).
bool take_sign(const char*& p, const char* e, bool& negative) {
  if (p >= e) return false;
  if (*p == '-' || *p == '+') {
    negative = *p == '-';
    ++p;
    return true;
  }
  if (starts_with(p, e, "\xE2\x88\x92")) {
    negative = true;
    p += 3;
    return true;
  }
  return false;
}

struct number_scan {
  double value = 0;
  int currency = -1;      // id of the currency written with the number, or -1
  bool fraction = false;  // written with a decimal mark: "0.00" is an amount, not a count
  bool phone = false;     // "+16135550114": a number by syntax, a phone number in practice
};

// The longest number body (digits and marks) that can be copied to strip grouping marks.
// Longer grouped numbers do not occur in store data.
constexpr size_t MAX_GROUPED_LENGTH = 128;

bool scan_number(std::string_view text, char mark, number_scan& out) {
  const char* b = text.data();
  const char* e = b + text.size();
  // Plain digits (ids, counts), the most common number by far: the value is exact below
  // 10^15, and every rule below would give the same reading, whatever the mark.
  if (!text.empty() && text.size() <= 15) {
    uint64_t v = 0;
    const char* p = b;
    while (p < e && is_digit(*p)) v = v * 10 + static_cast<uint64_t>(*p++ - '0');
    if (p == e) {
      out.value = static_cast<double>(v);
      out.currency = -1;
      out.fraction = false;
      out.phone = false;
      return true;
    }
  }
  trim(b, e);
  if (b >= e) return false;

  bool negative = false, signed_ = false, paren = false;
  if (*b == '(' && e[-1] == ')') {
    paren = true;
    ++b, --e;
    trim(b, e);
  }
  if (take_sign(b, e, negative)) signed_ = true, skip_blanks(b, e);
  size_t len = 0;
  int currency = currency_prefix(b, e, len);
  if (currency >= 0) {
    b += len;
    skip_blanks(b, e);
    if (!signed_ && take_sign(b, e, negative)) signed_ = true, skip_blanks(b, e);
  } else {
    currency = currency_suffix(b, e, len);
    if (currency >= 0) {
      e -= len;
      while (size_t n = blank_before(b, e)) e -= n;
    }
  }
  // "$(12.00)" and "(12.00) €": the parentheses inside the currency.
  if (!paren && !signed_ && b < e && *b == '(' && e[-1] == ')') {
    paren = true;
    ++b, --e;
    trim(b, e);
  }
  if (paren && signed_) return false;  // "(-12)" says minus twice
  if (b >= e) return false;

  // Validate the body: [int digits with grouping] [mark fraction] [e exponent].
  const char* p = b;
  int groups = 0, group_digits = 0, group_kind = -1;
  size_t digits = 0;
  while (p < e && is_digit(*p)) {
    ++p, ++group_digits, ++digits;
    if (p < e && !is_digit(*p) && *p != mark && *p != 'e' && *p != 'E') {
      size_t glen = 0;
      const int kind = group_mark_at(p, e, mark, glen);
      if (kind < 0) return false;
      // Only real thousands groups: 1-3 digits first (not starting with 0), then threes.
      if (groups == 0 ? (group_digits > 3 || *b == '0') : group_digits != 3) return false;
      if (group_kind >= 0 && kind != group_kind) return false;
      group_kind = kind;
      ++groups;
      group_digits = 0;
      p += glen;
      if (p >= e || !is_digit(*p)) return false;
    }
  }
  if (groups > 0 && group_digits != 3) return false;
  const bool fraction = p < e && *p == mark;
  if (fraction) {
    ++p;
    while (p < e && is_digit(*p)) ++p, ++digits;
  }
  if (digits == 0) return false;
  const bool exponent = p < e && (*p == 'e' || *p == 'E');
  if (exponent) {
    ++p;
    if (p < e && (*p == '+' || *p == '-')) ++p;
    if (p >= e || !is_digit(*p)) return false;
    while (p < e && is_digit(*p)) ++p;
  }
  if (p != e) return false;

  const fast_float::parse_options options(fast_float::chars_format::general, mark);
  double value = 0;
  if (groups == 0) {
    const auto r = fast_float::from_chars_advanced(b, e, value, options);
    if (r.ec != std::errc() || r.ptr != e) return false;
  } else {
    if (static_cast<size_t>(e - b) > MAX_GROUPED_LENGTH) return false;
    char buffer[MAX_GROUPED_LENGTH];
    size_t n = 0;
    for (const char* q = b; q < e;) {
      size_t glen = 0;
      if (is_digit(*q) || *q == mark || *q == 'e' || *q == 'E' || *q == '+' || *q == '-') {
        buffer[n++] = *q++;
      } else if (group_mark_at(q, e, mark, glen) >= 0) {
        q += glen;
      } else {
        return false;
      }
    }
    const auto r = fast_float::from_chars_advanced(buffer, buffer + n, value, options);
    if (r.ec != std::errc() || r.ptr != buffer + n) return false;
  }
  if (!std::isfinite(value)) return false;
  if ((negative || paren) && value != 0) value = -value;
  out.value = value;
  out.currency = currency;
  out.fraction = fraction;
  out.phone = signed_ && !negative && !paren && currency < 0 && groups == 0 && !fraction &&
              !exponent && digits >= 7;
  return true;
}

// ---- dates ----

// A date-like value split into its fields before the day/month order is known.
struct date_scan {
  enum class shape : uint8_t { year_first, year_last, year_month, month_year, digits8 };
  shape kind = shape::year_first;
  int f1 = 0, f2 = 0, f3 = 0;  // the numeric fields in written order
  char sep = 0;
  bool has_time = false;
  int32_t time_of_day = 0;  // seconds
};

// Reads 1..max_digits digits (and not more) into value.
bool read_int(const char*& p, const char* e, int min_digits, int max_digits, int& value) {
  int n = 0, v = 0;
  while (p < e && is_digit(*p)) {
    if (++n > max_digits) return false;
    v = v * 10 + (*p++ - '0');
  }
  value = v;
  return n >= min_digits;
}

// Reads the optional time of day after a date: "T10:00", " 10:00:05.123", " 3:04 PM",
// then an ignored UTC offset ("Z", "+01:00", "+0100", " -05", " UTC").
bool scan_time(const char* p, const char* e, date_scan& out) {
  if (p == e) return true;
  if (*p == 'T') {
    ++p;
  } else {
    const char* before = p;
    skip_blanks(p, e);
    if (p == before) return false;
    if (p == e) return true;
  }
  int hour = 0, minute = 0, second = 0;
  if (!read_int(p, e, 1, 2, hour) || p == e || *p != ':') return false;
  ++p;
  if (!read_int(p, e, 2, 2, minute)) return false;
  if (p < e && *p == ':') {
    ++p;
    if (!read_int(p, e, 2, 2, second)) return false;
    if (p < e && (*p == '.' || *p == ',')) {  // fractions of a second: dropped
      ++p;
      if (p == e || !is_digit(*p)) return false;
      while (p < e && is_digit(*p)) ++p;
    }
  }
  skip_blanks(p, e);
  if (p < e && (to_lower(*p) == 'a' || to_lower(*p) == 'p')) {
    const bool pm = to_lower(*p) == 'p';
    ++p;
    if (p < e && *p == '.') ++p;
    if (p == e || to_lower(*p) != 'm') return false;
    ++p;
    if (p < e && *p == '.') ++p;
    if (hour < 1 || hour > 12) return false;
    hour = hour % 12 + (pm ? 12 : 0);
    skip_blanks(p, e);
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  // The offset is ignored: times are bucketed by the wall clock as written.
  if (p < e && *p == 'Z') {
    ++p;
  } else if (starts_with(p, e, "UTC") || starts_with(p, e, "GMT")) {
    p += 3;
  }
  if (p < e && (*p == '+' || *p == '-')) {
    ++p;
    int oh = 0, om = 0;
    const char* start = p;
    if (!read_int(p, e, 2, 4, oh)) return false;
    if (p - start == 2 && p < e && *p == ':') {
      ++p;
      if (!read_int(p, e, 2, 2, om)) return false;
    } else if (p - start == 3) {
      return false;
    }
  }
  skip_blanks(p, e);
  if (p != e) return false;
  out.has_time = true;
  out.time_of_day = hour * 3600 + minute * 60 + second;
  return true;
}

// Splits a date-like value into fields; no calendar check yet.
bool scan_date(const char* p, const char* e, date_scan& out) {
  trim(p, e);
  if (e - p == 8 && std::all_of(p, e, is_digit)) {
    out.kind = date_scan::shape::digits8;
    out.f1 = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    out.f2 = (p[4] - '0') * 10 + (p[5] - '0');
    out.f3 = (p[6] - '0') * 10 + (p[7] - '0');
    return true;
  }
  const char* start = p;
  int first = 0;
  if (!read_int(p, e, 1, 4, first) || p == e) return false;
  const auto first_digits = p - start;
  const char sep = *p;
  if (sep != '-' && sep != '/' && sep != '.') return false;
  ++p;
  out.sep = sep;
  out.f1 = first;
  if (first_digits == 4) {
    if (!read_int(p, e, 1, 2, out.f2)) return false;
    if (p == e) {
      // "2024.03" is a number, not a month.
      if (sep == '.') return false;
      out.kind = date_scan::shape::year_month;
      return true;
    }
    if (*p != sep) return false;
    ++p;
    if (!read_int(p, e, 1, 2, out.f3)) return false;
    out.kind = date_scan::shape::year_first;
    return scan_time(p, e, out);
  }
  if (first_digits > 2) return false;
  const char* second_start = p;
  if (!read_int(p, e, 1, 4, out.f2)) return false;
  if (p - second_start == 4) {
    if (p != e || sep != '/') return false;
    out.kind = date_scan::shape::month_year;
    return true;
  }
  if (p - second_start > 2 || p == e || *p != sep) return false;
  ++p;
  if (!read_int(p, e, 4, 4, out.f3)) return false;
  out.kind = date_scan::shape::year_last;
  return scan_time(p, e, out);
}

constexpr bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

bool valid_date(int y, int m, int d) {
  static constexpr std::array<int, 12> DAYS = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= DAYS[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

namespace {

// Compact dates outside this range are more likely 8-digit ids or amounts.
bool valid_compact(int y, int m, int d) { return y >= 1900 && y <= 2100 && valid_date(y, m, d); }

// Applies the column's format to a scanned value: seconds since 1970, or nullopt.
std::optional<int64_t> resolve_date(const date_scan& s, const value_format& f) {
  int y = 0, m = 0, d = 1;
  switch (s.kind) {
    case date_scan::shape::digits8:
      if (!f.compact || !valid_compact(s.f1, s.f2, s.f3)) return std::nullopt;
      y = s.f1, m = s.f2, d = s.f3;
      break;
    case date_scan::shape::year_first:
      y = s.f1, m = s.f2, d = s.f3;
      break;
    case date_scan::shape::year_last: {
      date_order order = f.order;
      // A format that never saw day-first or month-first values: the separator's custom.
      if (order == date_order::ymd) order = s.sep == '/' ? date_order::mdy : date_order::dmy;
      y = s.f3;
      m = order == date_order::dmy ? s.f2 : s.f1;
      d = order == date_order::dmy ? s.f1 : s.f2;
      break;
    }
    case date_scan::shape::year_month:
      if (!f.month_only) return std::nullopt;
      y = s.f1, m = s.f2;
      break;
    case date_scan::shape::month_year:
      if (!f.month_only) return std::nullopt;
      y = s.f2, m = s.f1;
      break;
  }
  if (!valid_date(y, m, d)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 +
         s.time_of_day;
}

// Plausible Unix timestamps: 1973-03-03 .. 2286-11-20, in seconds and in milliseconds.
constexpr int64_t UNIX_MIN_SECONDS = 100'000'000;
constexpr int64_t UNIX_END_SECONDS = 10'000'000'000;

std::optional<int64_t> parse_unix(const char* p, const char* e, int unit) {
  trim(p, e);
  int64_t v = 0;
  int n = 0;
  while (p < e && is_digit(*p)) {
    if (++n > 15) return std::nullopt;
    v = v * 10 + (*p++ - '0');
  }
  if (n == 0) return std::nullopt;
  if (p < e && *p == '.') {  // fractional seconds: dropped
    ++p;
    if (p == e) return std::nullopt;
    while (p < e && is_digit(*p)) ++p;
  }
  if (p != e) return std::nullopt;
  const int64_t scale = unit == 1000 ? 1000 : 1;
  if (v < UNIX_MIN_SECONDS * scale || v >= UNIX_END_SECONDS * scale) return std::nullopt;
  return v / scale;
}

// ---- inference ----

// Whether a header names a date or time, in English and in the other languages of the
// role names (Italian/Romanian "data", Chinese 日期/时间).
bool date_like_header(std::string_view header) {
  std::string h;
  h.reserve(header.size());
  for (char c : header)
    if (c != '_' && c != '-' && c != ' ') h += to_lower(c);
  for (std::string_view word :
       {"date", "time", "created", "updated", "timestamp", "data", "day", "fecha", "datum",
        "\xE6\x97\xA5\xE6\x9C\x9F" /* 日期 */, "\xE6\x97\xB6\xE9\x97\xB4" /* 时间 */}) {
    if (h.find(word) != std::string::npos) return true;
  }
  // "created_at", "paid at", "createdAt", but not "format" or "vat".
  const size_t n = header.size();
  if (n >= 3 && to_lower(header[n - 2]) == 'a' && to_lower(header[n - 1]) == 't') {
    const char before = header[n - 3];
    if (before == '_' || before == '-' || before == ' ') return true;
    if (header[n - 2] == 'A' && before >= 'a' && before <= 'z') return true;
  }
  return false;
}

// Integral as written: a column of "0.00" is money and stays decimal, so that its type
// does not change with the amounts a particular export happens to hold.
bool is_integral(const number_scan& s) { return !s.fraction && s.value == std::trunc(s.value); }

// True when `good` is at least 90% of `total`.
constexpr bool most(uint64_t good, uint64_t total) { return total > 0 && good * 10 >= total * 9; }

}  // namespace

// ---- public API ----

std::optional<double> parse_number(std::string_view text, char decimal_mark) {
  number_scan s;
  if (!scan_number(text, decimal_mark == ',' ? ',' : '.', s)) return std::nullopt;
  return s.value;
}

std::optional<int64_t> parse_time(std::string_view text, const value_format& format) {
  const char* b = text.data();
  const char* e = b + text.size();
  if (format.unix_unit != 0) return parse_unix(b, e, format.unix_unit);
  date_scan s;
  if (!scan_date(b, e, s)) return std::nullopt;
  return resolve_date(s, format);
}

bool unreadable_value(std::string_view value) {
  const char* b = value.data();
  const char* e = b + value.size();
  trim(b, e);
  if (b == e) return false;
  const std::string_view v(b, static_cast<size_t>(e - b));
  number_scan dot, comma;
  if (scan_number(v, '.', dot) && !dot.phone) return false;
  if (scan_number(v, ',', comma) && !comma.phone) return false;
  date_scan s;
  return !scan_date(b, e, s);
}

value_format infer_format(std::string_view header, std::span<const std::string_view> values,
                          std::span<const uint32_t> counts) {
  const bool date_header = date_like_header(header);
  uint64_t total = 0;
  // Numbers, for each decimal mark.
  uint64_t num_dot = 0, num_comma = 0, only_dot = 0, only_comma = 0;
  bool integral_dot = true, integral_comma = true;
  std::array<uint64_t, CURRENCY_COUNT> currency_weight{};
  // Dates.
  uint64_t year_first = 0, year_last_dmy = 0, year_last_mdy = 0, months = 0;
  uint64_t first_above_12 = 0, second_above_12 = 0, sep_slash = 0, sep_other = 0;
  uint64_t eight_digits = 0, compact = 0, unix_s = 0, unix_ms = 0;
  bool time_iso = false, time_dmy = false, time_mdy = false;

  auto count_of = [&](size_t i) -> uint64_t { return i < counts.size() ? counts[i] : 1; };
  for (size_t i = 0; i < values.size(); ++i) {
    const char* b = values[i].data();
    const char* e = b + values[i].size();
    trim(b, e);
    if (b != e) total += count_of(i);
  }
  // Weight of values that are neither numbers nor date-shaped: past 10% of the rows no
  // type can win, which decides text columns (names, e-mails) after a few values.
  uint64_t unreadable = 0;

  for (size_t i = 0; i < values.size(); ++i) {
    const uint64_t c = count_of(i);
    const char* b = values[i].data();
    const char* e = b + values[i].size();
    trim(b, e);
    if (b == e || c == 0) continue;
    const std::string_view v(b, static_cast<size_t>(e - b));

    // Phone numbers in E.164 form would make a phone column numeric: they count as text.
    // (What counts as unreadable below is what unreadable_value says.)
    number_scan dot, comma;
    const bool ok_dot = scan_number(v, '.', dot) && !dot.phone;
    const bool ok_comma = scan_number(v, ',', comma) && !comma.phone;
    if (ok_dot) {
      num_dot += c;
      integral_dot = integral_dot && is_integral(dot);
      if (!ok_comma) only_dot += c;
    }
    if (ok_comma) {
      num_comma += c;
      integral_comma = integral_comma && is_integral(comma);
      if (!ok_dot) only_comma += c;
    }
    const int currency = ok_dot ? dot.currency : ok_comma ? comma.currency : -1;
    if (currency >= 0) currency_weight[static_cast<size_t>(currency)] += c;

    if (date_header && ok_dot) {
      if (parse_unix(b, e, 1)) unix_s += c;
      if (parse_unix(b, e, 1000)) unix_ms += c;
    }
    date_scan s;
    if (!scan_date(b, e, s)) {
      if (!ok_dot && !ok_comma) {
        unreadable += c;
        if (unreadable * 10 > total) break;
      }
      continue;
    }
    switch (s.kind) {
      case date_scan::shape::digits8:
        eight_digits += c;
        if (valid_compact(s.f1, s.f2, s.f3)) compact += c;
        break;
      case date_scan::shape::year_first:
        if (valid_date(s.f1, s.f2, s.f3)) year_first += c, time_iso |= s.has_time;
        break;
      case date_scan::shape::year_last:
        if (s.f1 > 12) first_above_12 += c;
        if (s.f2 > 12) second_above_12 += c;
        (s.sep == '/' ? sep_slash : sep_other) += c;
        if (valid_date(s.f3, s.f2, s.f1)) year_last_dmy += c, time_dmy |= s.has_time;
        if (valid_date(s.f3, s.f1, s.f2)) year_last_mdy += c, time_mdy |= s.has_time;
        break;
      case date_scan::shape::year_month:
        if (valid_date(s.f1, s.f2, 1)) months += c;
        break;
      case date_scan::shape::month_year:
        if (valid_date(s.f2, s.f1, 1)) months += c;
        break;
    }
  }

  value_format f;
  if (total == 0) return f;
  if (unreadable * 10 > total) {
    f.type = value_type::text;
    return f;
  }

  // Dates first: their shapes are never numbers, except compact and Unix values, which
  // win only under the conditions documented in the header.
  f.type = value_type::date;
  if (date_header && most(std::max(unix_s, unix_ms), total)) {
    f.unix_unit = unix_ms > unix_s ? 1000 : 1;
    return f;
  }
  if (compact > 0 && compact == eight_digits &&
      (date_header ? most(compact, total) : compact == total)) {
    f.compact = true;
    return f;
  }
  if (most(months, total)) {
    f.month_only = true;
    return f;
  }
  if (year_first + year_last_dmy + year_last_mdy > 0) {
    if (first_above_12 > second_above_12) {
      f.order = date_order::dmy;
    } else if (second_above_12 > 0) {
      f.order = date_order::mdy;
    } else if (sep_slash + sep_other > 0) {
      f.order = sep_slash > sep_other ? date_order::mdy : date_order::dmy;
    }
    const bool dmy = f.order == date_order::dmy;
    const bool mdy = f.order == date_order::mdy;
    const uint64_t dates = year_first + (dmy ? year_last_dmy : mdy ? year_last_mdy : 0);
    if (most(dates, total)) {
      f.has_time = time_iso || (dmy && time_dmy) || (mdy && time_mdy);
      return f;
    }
    f.order = date_order::ymd;
  }

  // Numbers: ',' when values that only read with ',' outweigh those that only read with '.'.
  const bool use_comma = only_comma > only_dot;
  if (most(use_comma ? num_comma : num_dot, total)) {
    f.decimal_mark = use_comma ? ',' : '.';
    f.type =
        (use_comma ? integral_comma : integral_dot) ? value_type::integer : value_type::decimal;
    const auto top = std::max_element(currency_weight.begin(), currency_weight.end());
    if (*top > 0) f.currency = currency_name(static_cast<int>(top - currency_weight.begin()));
    return f;
  }
  f.type = value_type::text;
  return f;
}

std::string_view value_format::type_name() const {
  switch (type) {
    case value_type::empty:
      return "empty";
    case value_type::text:
      return "text";
    case value_type::integer:
      return "integer";
    case value_type::decimal:
      return "decimal";
    case value_type::date:
      return "date";
  }
  return "text";
}

std::string value_format::describe() const {
  switch (type) {
    case value_type::empty:
    case value_type::text:
      return std::string(type_name());
    case value_type::integer:
    case value_type::decimal: {
      std::string s(type_name());
      if (decimal_mark == ',' || !currency.empty()) {
        s += " (";
        if (decimal_mark == ',') s += currency.empty() ? "comma mark" : "comma mark, ";
        s += currency;
        s += ')';
      }
      return s;
    }
    case value_type::date:
      break;
  }
  if (unix_unit == 1000) return "Unix milliseconds";
  if (unix_unit != 0) return "Unix seconds";
  if (compact) return "date YYYYMMDD";
  if (month_only) return "month YYYY-MM";
  std::string s = has_time ? "date+time " : "date ";
  switch (order) {
    case date_order::ymd:
      return s + "ISO 8601";
    case date_order::dmy:
      return s + "DD/MM/YYYY";
    case date_order::mdy:
      return s + "MM/DD/YYYY";
  }
  return s;
}

// Howard Hinnant's days_from_civil (http://howardhinnant.github.io/date_algorithms.html).
int64_t days_from_civil(int y, unsigned m, unsigned d) {
  const int64_t yy = static_cast<int64_t>(y) - (m <= 2 ? 1 : 0);
  const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const auto yoe = static_cast<unsigned>(yy - era * 400);                // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Howard Hinnant's civil_from_days.
void civil_from_days(int64_t days, int& y, unsigned& m, unsigned& d) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
}

std::string format_day(int64_t days) {
  int y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buffer[24];
  size_t n = 0;
  if (y < 0) buffer[n++] = '-';
  const auto year = static_cast<unsigned>(y < 0 ? -static_cast<int64_t>(y) : y);
  char digits[12];
  size_t k = 0;
  for (unsigned v = year; v > 0 || k < 4; v /= 10) digits[k++] = static_cast<char>('0' + v % 10);
  while (k > 0) buffer[n++] = digits[--k];
  buffer[n++] = '-';
  buffer[n++] = static_cast<char>('0' + m / 10);
  buffer[n++] = static_cast<char>('0' + m % 10);
  buffer[n++] = '-';
  buffer[n++] = static_cast<char>('0' + d / 10);
  buffer[n++] = static_cast<char>('0' + d % 10);
  return std::string(buffer, n);
}

std::optional<int64_t> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(text[i])) return std::nullopt;
  const int y =
      (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  const int m = (text[5] - '0') * 10 + (text[6] - '0');
  const int d = (text[8] - '0') * 10 + (text[9] - '0');
  if (!valid_date(y, m, d)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

}  // namespace kpi
