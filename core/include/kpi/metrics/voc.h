// Pieces shared by the voice-of-customer families (surveys, support, social): placing a dated
// row in the period, grouping rows by a free-text label, and reporting rejected rows inside a
// KPI object (the families cannot change a dataset's own warnings).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/detail/report_parts.h"
#include "kpi/json_writer.h"
#include "kpi/table.h"
#include "kpi/values.h"

namespace kpi::detail {

// Where one row falls by its date: in P, in P', in which trend bucket. A dataset without a
// date column has every row in P (and none in P' or any bucket: there is nothing to compare
// with); a row whose date is empty or bad is `undated` and counts nowhere.
struct row_place {
  bool undated = false;
  bool in_p = false;
  bool in_prev = false;
  int bucket = -1;
};

inline row_place place_row(const context& ctx, const column* date, size_t row) {
  row_place r;
  if (date == nullptr) {
    r.in_p = true;
    return r;
  }
  const int64_t t = date->time(row);
  if (t == MISSING_TIME) {
    r.undated = true;
    return r;
  }
  const int64_t day = day_of(t);
  r.in_p = ctx.P.contains(day);
  r.in_prev = ctx.prev.contains(day);
  r.bucket = ctx.series.index_of(day);
  return r;
}

// Rows a KPI could not use, with the first few line numbers and a count per reason, written
// as "rejected", "rejected_lines" and "rejected_reasons".
struct rejections {
  static constexpr size_t MAX_LINES = 10;
  uint64_t count = 0;
  std::vector<uint64_t> lines;
  std::map<std::string, uint64_t> reasons;

  void add(uint64_t line, std::string_view reason) {
    ++count;
    if (lines.size() < MAX_LINES) lines.push_back(line);
    ++reasons[std::string(reason)];
  }
  void write(json_writer& w) const {
    w.field("rejected", count);
    w.key("rejected_lines").begin_array();
    for (uint64_t l : lines) w.value(l);
    w.end_array();
    w.key("rejected_reasons").begin_object();
    for (const auto& [reason, n] : reasons) w.field(reason, n);
    w.end_object();
  }
};

// Labels such as channels, platforms or segment values, matched case-insensitively after
// trimming ("Email", " email" are one group) and shown as first written; an empty value is
// the group "(unknown)", as METRICS.md names a missing acquisition channel.
class label_index {
 public:
  size_t of(std::string_view label) {
    std::string key = fold(label);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return it->second;
    const size_t idx = names_.size();
    names_.push_back(key.empty() ? std::string("(unknown)") : std::string(trim(label)));
    by_key_.emplace(std::move(key), idx);
    return idx;
  }
  const std::string& name(size_t i) const { return names_[i]; }
  size_t size() const { return names_.size(); }

 private:
  std::map<std::string, size_t> by_key_;
  std::vector<std::string> names_;
};

// Share x / n in percent, NaN (written as null) when n is 0.
inline double percent_of(double x, double n) { return n > 0 ? x / n * 100 : NaN; }

}  // namespace kpi::detail
