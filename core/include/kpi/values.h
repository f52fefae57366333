// Reading numbers and dates as stores export them, and deciding a column's type from all
// of its values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kpi {

enum class value_type : uint8_t { empty, text, integer, decimal, date };

enum class date_order : uint8_t { ymd, mdy, dmy };

// How a column's values are written. Decided once per column by infer_format.
struct value_format {
  value_type type = value_type::empty;
  // Numbers: the decimal mark ('.' or ','); the grouping mark is then the other one (or a
  // space / apostrophe). Currency symbols/codes before or after, and "(12.00)" as negative,
  // are always accepted.
  char decimal_mark = '.';
  std::string currency;  // the symbol or ISO code seen most, e.g. "EUR", "$"; empty if none
  // Dates.
  date_order order = date_order::ymd;  // for dd/mm/yyyy-like values
  bool compact = false;                // YYYYMMDD (only when every value of the column is one)
  int unix_unit = 0;                   // 1 = Unix seconds, 1000 = Unix milliseconds
  bool month_only = false;             // YYYY-MM (or MM/YYYY): the value names a whole month
  bool has_time = false;               // some value carries a time of day

  // Short human description, e.g. "decimal (comma mark, EUR)", "date DD/MM/YYYY",
  // "date+time ISO 8601", "Unix milliseconds", "integer", "text".
  std::string describe() const;
  // Stable machine name used in JSON: "empty", "text", "integer", "decimal", "date".
  std::string_view type_name() const;
};

// Parses a number written with `decimal_mark` ('.' or ','): "1234.5", "1,234.50",
// "1.234,50", "1 234,50", "1'234.50", "$12", "12 €", "EUR 12,00", "-3", "(12.00)" (= -12),
// "+5", "1e3". Surrounding spaces are ignored. Returns nullopt for anything else (including
// "", "N/A", "12abc", a grouping mark in the wrong place such as "1,23,4").
std::optional<double> parse_number(std::string_view text, char decimal_mark = '.');

// Parses a date or timestamp under `format` (a value_format of type date). Returns the wall
// clock time as written, as seconds since 1970-01-01T00:00:00, ignoring any UTC offset or
// 'Z' ("2024-03-05T10:00:00+01:00" -> 2024-03-05 10:00:00). Unix seconds/milliseconds are
// converted as UTC. Accepted: ISO 8601 date, date+time (T or space, optional seconds and
// fraction, optional Z/+hh:mm/+hhmm/ +0100), "YYYY-MM-DD HH:MM:SS +0100", "YYYY/MM/DD",
// MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY (with optional time "HH:MM[:SS]" and
// optional AM/PM), compact YYYYMMDD when format.compact, YYYY-MM when format.month_only.
// Returns nullopt for an invalid date (2024-02-30) or anything else.
std::optional<int64_t> parse_time(std::string_view text, const value_format& format);

// Decides the format of one column from all of its distinct non-empty values, each with
// the number of rows that hold it. `header` helps with ambiguous integers: a column named
// like a date/time ("created_at", "timestamp", "date", "time") holding 10-digit or
// 13-digit integers is Unix seconds/milliseconds, and 8-digit YYYYMMDD values are dates.
// Rules:
// - a type wins when at least 90% of the non-empty cells (weighted by counts) parse as it;
//   the rest count as bad values of that type (never silently 0);
// - dates beat numbers for values like 20240105 only when compact applies (see above);
// - decimal mark: ',' when some value is unambiguous for ',' ("1.234,50", "12,5", "0,99")
//   and none is unambiguous for '.'; "1,234" alone is ambiguous and reads as '.' grouping;
// - date order: dmy when some first field > 12, mdy when some second field > 12, else the
//   separator's custom ('.' -> dmy, '/' -> mdy, '-' with year last -> dmy);
// - integer when every parsed value is integral, else decimal;
// - empty when there are no non-empty values; text otherwise.
value_format infer_format(std::string_view header, std::span<const std::string_view> values,
                          std::span<const uint32_t> counts);

// Whether a value counts against every type in infer_format: not blank, neither a number
// (with either decimal mark; E.164 phone numbers are not numbers) nor shaped like a date.
// When such values hold more than a tenth of a column's non-empty rows, the column is text
// whatever its other values are.
bool unreadable_value(std::string_view value);

// Whether y-m-d is a day of the proleptic Gregorian calendar (2024-02-29 is, 2023-02-29 not).
bool valid_date(int y, int m, int d);
// Days since 1970-01-01 for a civil date, and back (proleptic Gregorian).
int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int& y, unsigned& m, unsigned& d);
inline int64_t day_of(int64_t seconds) {
  return seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
}
// "YYYY-MM-DD" for a day number.
std::string format_day(int64_t days);
// Parses exactly "YYYY-MM-DD" (CLI and API period bounds).
std::optional<int64_t> parse_day(std::string_view text);

}  // namespace kpi
