// libFuzzer target: number and date parsing. Every line of the input is parsed as a number
// with both decimal marks and as a date under every format; then the lines are typed as one
// column (infer_format, the first line being the header) and read back under that format.
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "kpi/values.h"

namespace {

using namespace kpi;

std::vector<value_format> date_formats() {
  std::vector<value_format> out;
  for (date_order order : {date_order::ymd, date_order::mdy, date_order::dmy}) {
    value_format f;
    f.type = value_type::date;
    f.order = order;
    out.push_back(f);
  }
  value_format compact;
  compact.type = value_type::date;
  compact.compact = true;
  out.push_back(compact);
  value_format month;
  month.type = value_type::date;
  month.month_only = true;
  out.push_back(month);
  for (int unit : {1, 1000}) {
    value_format f;
    f.type = value_type::date;
    f.unix_unit = unit;
    out.push_back(f);
  }
  return out;
}

void check_time(int64_t t) {
  // A parsed time names a civil day that converts back to the same day number.
  const int64_t day = day_of(t);
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(day, y, m, d);
  if (m < 1 || m > 12 || d < 1 || d > 31) kpi::fuzz::fail("civil_from_days out of range");
  if (days_from_civil(y, m, d) != day) kpi::fuzz::fail("civil day round trip");
  if (y >= 1 && y <= 9999) {
    const auto back = parse_day(format_day(day));
    if (!back || *back != day) kpi::fuzz::fail("format_day/parse_day round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<value_format> DATES = date_formats();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (size_t at = 0; at <= in.size();) {
    size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) nl = in.size();
    lines.push_back(in.substr(at, nl - at));
    at = nl + 1;
  }
  for (std::string_view s : lines) {
    for (char mark : {'.', ','}) (void)parse_number(s, mark);
    for (const value_format& f : DATES) {
      if (auto t = parse_time(s, f)) check_time(*t);
    }
    (void)parse_day(s);
  }
  // One column: header, then values (each once; repeated lines count more).
  const std::string_view header = lines.front();
  std::vector<std::string_view> values;
  std::vector<uint32_t> counts;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    bool seen = false;
    for (size_t k = 0; k < values.size() && !seen; ++k) {
      if (values[k] == lines[i]) {
        ++counts[k];
        seen = true;
      }
    }
    if (!seen) {
      values.push_back(lines[i]);
      counts.push_back(1);
    }
  }
  const value_format f = infer_format(header, values, counts);
  (void)f.describe();
  (void)f.type_name();
  for (std::string_view v : values) {
    if (f.type == value_type::date) {
      if (auto t = parse_time(v, f)) check_time(*t);
    } else if (f.type == value_type::integer || f.type == value_type::decimal) {
      (void)parse_number(v, f.decimal_mark);
    }
  }
  return 0;
}
