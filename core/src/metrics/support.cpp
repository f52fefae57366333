// Support KPIs: first_contact_resolution_rate and avg_resolution_time (METRICS.md "Support"
// and "Readings pinned down").
//
// A ticket is resolved in P when its resolved date is in P and its status (if any) is not an
// open one; resolution time is plain (resolved - created) in hours of the wall-clock times as
// written, so nights and month ends need no special case.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "kpi/detail/report_parts.h"
#include "kpi/metrics/voc.h"

namespace kpi::detail {
namespace {

// Zendesk (new, open, pending, hold), Freshdesk (open, pending, waiting on customer / third
// party) and the usual help-desk words for a ticket still being worked on, also in Italian,
// Romanian and Chinese like the other status words of INPUTS.md.
bool open_status(std::string_view status) {
  const std::string s = fold(status);
  if (s.empty()) return false;
  static constexpr std::array<std::string_view, 22> OPEN = {
      "open",       "new",       "pending",   "hold",        "on hold",     "on-hold",
      "onhold",     "reopened",  "re-opened", "in progress", "in-progress", "active",
      "unresolved", "escalated", "aperto",    "in attesa",   "in corso",    "deschis",
      "nou",        "待处理",    "处理中",    "打开"};
  if (std::find(OPEN.begin(), OPEN.end(), s) != OPEN.end()) return true;
  return s.starts_with("waiting") || s.starts_with("awaiting");
}

// Statuses of a finished ticket. One without a resolved date cannot be placed in time, but
// it is not open either: it is rejected rather than inflating the open count.
bool closed_status(std::string_view status) {
  const std::string s = fold(status);
  static constexpr std::array<std::string_view, 14> CLOSED = {
      "solved",   "closed", "resolved", "done",   "completed", "chiuso", "risolto",
      "rezolvat", "închis", "inchis",   "已解决", "已关闭",    "关闭",   "完成"};
  return std::find(CLOSED.begin(), CLOSED.end(), s) != CLOSED.end();
}

// Histogram bin edges in hours: an hour, a morning, a working day, one to three days, a
// week, two weeks, a month. The last bin also takes everything longer (its right edge is
// then the longest time seen, rounded up), so edges always number counts + 1, as numpy's.
constexpr std::array<double, 10> HOUR_EDGES = {0, 1, 4, 8, 24, 48, 72, 168, 336, 720};

// A mean or share summed over P, P' and each trend bucket: num / den.
struct split_ratio {
  double num = 0, den = 0;
  double prev_num = 0, prev_den = 0;
  std::vector<double> bucket_num, bucket_den;

  explicit split_ratio(size_t buckets) : bucket_num(buckets, 0), bucket_den(buckets, 0) {}
  void add(const row_place& at, double x) {
    if (at.in_p) {
      num += x;
      den += 1;
    }
    if (at.in_prev) {
      prev_num += x;
      prev_den += 1;
    }
    if (at.bucket >= 0) {
      bucket_num[at.bucket] += x;
      bucket_den[at.bucket] += 1;
    }
  }
};

struct channel_stats {
  std::vector<double> hours;
  double one = 0;    // first-contact tickets
  double known = 0;  // tickets with a contacts count or flag
};

}  // namespace

void support_kpis(const context& ctx, report_parts& out) {
  const std::vector<const dataset*> sets = ctx.of_kind(dataset_kind::tickets);
  if (sets.empty()) {
    out.kpis["first_contact_resolution_rate"] =
        unavailable_kpi("%", {"tickets.resolved_at", "tickets.contacts|first_contact"});
    out.kpis["avg_resolution_time"] = unavailable_kpi("hours", {"tickets.resolved_at"});
    return;
  }
  bool any_resolved_col = false, any_contacts_col = false;
  for (const dataset* d : sets) {
    const bool resolved = d->column_of("resolved_at") != nullptr;
    any_resolved_col = any_resolved_col || resolved;
    any_contacts_col = any_contacts_col ||
                       (resolved && (d->column_of("contacts") || d->column_of("first_contact")));
  }

  const size_t nb = ctx.series.size();
  std::vector<double> hours;  // resolution times of tickets resolved in P
  split_ratio time(nb), fcr(nb);
  label_index channels;
  std::vector<channel_stats> by_channel;
  uint64_t open = 0, open_by_status = 0;
  rejections time_rejected, fcr_rejected;
  std::string fcr_source;

  for (const dataset* dp : sets) {
    const dataset& d = *dp;
    const column& created = d.tbl.columns[d.col("created_at")];
    const column* resolved = d.column_of("resolved_at");
    const column* contacts = d.column_of("contacts");
    const column* flag = d.column_of("first_contact");
    const column* status = d.column_of("status");
    const column* channel = d.column_of("channel");
    if (resolved && (flag || contacts)) {
      const std::string src = flag ? "the first-contact flag column \"" + flag->name + "\""
                                   : "the replies count column \"" + contacts->name + "\"";
      if (fcr_source.find(src) == std::string::npos) {
        fcr_source += (fcr_source.empty() ? "" : ", ") + src;
      }
    }
    for (size_t r = 0; r < d.tbl.rows(); ++r) {
      const uint64_t line = d.tbl.lines[r];
      const int64_t t0 = created.time(r);
      const int64_t t1 = resolved ? resolved->time(r) : MISSING_TIME;
      const bool is_open_status = status && open_status(status->text(r));
      if (t1 == MISSING_TIME && resolved && !resolved->empty_at(r)) {
        // A resolved date that does not read as a date: neither open nor resolved.
        time_rejected.add(line, "bad resolved date");
        fcr_rejected.add(line, "bad resolved date");
        continue;
      }
      if (t1 == MISSING_TIME && status && closed_status(status->text(r))) {
        time_rejected.add(line, "closed without a resolved date");
        fcr_rejected.add(line, "closed without a resolved date");
        continue;
      }
      if (t1 == MISSING_TIME || is_open_status) {
        if (t0 != MISSING_TIME && day_of(t0) < ctx.P.to) {
          ++open;
          if (t1 != MISSING_TIME) ++open_by_status;
        }
        continue;
      }
      const row_place at = place_row(ctx, resolved, r);
      const size_t ch = channel ? channels.of(channel->text(r)) : 0;
      if (channel && ch >= by_channel.size()) by_channel.resize(ch + 1);

      // First contact: the flag when it has a value, else the replies count (0 or 1).
      int one = -1;
      if (flag && !flag->empty_at(r)) {
        one = truthy(flag->text(r)) ? 1 : 0;
      } else if (contacts && std::isfinite(contacts->number(r))) {
        one = contacts->number(r) <= 1 ? 1 : 0;
      } else if (flag || contacts) {
        fcr_rejected.add(line, "missing contacts");
      }
      if (one >= 0) {
        fcr.add(at, one);
        if (channel && at.in_p) {
          by_channel[ch].one += one;
          by_channel[ch].known += 1;
        }
      }

      if (t0 == MISSING_TIME) {
        time_rejected.add(line, created.empty_at(r) ? "missing created date" : "bad created date");
        continue;
      }
      if (t1 < t0) {
        time_rejected.add(line, "resolved before created");
        continue;
      }
      const double h = static_cast<double>(t1 - t0) / 3600.0;
      time.add(at, h);
      if (at.in_p) {
        hours.push_back(h);
        if (channel) by_channel[ch].hours.push_back(h);
      }
    }
  }

  // Channels by volume (resolved tickets), then name, for a deterministic document.
  std::vector<size_t> channel_order(by_channel.size());
  for (size_t i = 0; i < channel_order.size(); ++i) channel_order[i] = i;
  std::sort(channel_order.begin(), channel_order.end(), [&](size_t a, size_t b) {
    const double va = std::max<double>(by_channel[a].hours.size(), by_channel[a].known);
    const double vb = std::max<double>(by_channel[b].hours.size(), by_channel[b].known);
    if (va != vb) return va > vb;
    return channels.name(a) < channels.name(b);
  });

  const std::string open_rule =
      " Open tickets (no resolved date, or an open/pending status) created before the end of "
      "the period are counted in \"open\", not averaged.";

  // ---- avg_resolution_time
  if (!any_resolved_col) {
    out.kpis["avg_resolution_time"] = unavailable_kpi("hours", {"tickets.resolved_at"});
  } else {
    std::sort(hours.begin(), hours.end());
    json_writer w;
    w.begin_object();
    write_ratio(w, time.num, time.den, 1, "hours");
    write_previous_ratio(w, time.prev_num, time.prev_den, 1);
    w.field("median", percentile_sorted(hours, 0.5));
    w.field("p90", percentile_sorted(hours, 0.9));
    w.field("resolved", static_cast<uint64_t>(hours.size()));
    w.field("open", open);
    w.key("by_channel").begin_array();
    for (size_t i : channel_order) {
      const std::vector<double>& hs = by_channel[i].hours;
      if (hs.empty()) continue;
      double s = 0;
      for (double h : hs) s += h;
      w.begin_object();
      w.field("channel", channels.name(i));
      w.field("value", s / static_cast<double>(hs.size()));
      w.field("resolved", static_cast<uint64_t>(hs.size()));
      w.end_object();
    }
    w.end_array();
    std::vector<double> edges(HOUR_EDGES.begin(), HOUR_EDGES.end());
    if (!hours.empty() && hours.back() > edges.back()) edges.push_back(std::ceil(hours.back()));
    std::vector<uint64_t> counts(edges.size() - 1, 0);
    for (double h : hours) {
      // Bin i is [edges[i], edges[i+1]); the last bin is closed on the right, as numpy's.
      size_t i =
          static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), h) - edges.begin());
      i = std::min(i == 0 ? 0 : i - 1, counts.size() - 1);
      ++counts[i];
    }
    w.key("histogram").begin_object();
    w.key("edges").begin_array();
    for (double e : edges) w.value(e);
    w.end_array();
    w.key("counts").begin_array();
    for (uint64_t c : counts) w.value(c);
    w.end_array();
    w.end_object();
    time_rejected.write(w);
    std::string rule =
        "Mean hours from created to resolved (wall-clock times as written) of tickets whose "
        "resolved date is in the period; median and 90th percentile interpolate linearly." +
        open_rule;
    if (open_by_status > 0) {
      rule += " " + std::to_string(open_by_status) +
              " of them have a resolved date but an open status (reopened).";
    }
    w.field("rule", rule);
    w.end_object();
    out.kpis["avg_resolution_time"] = w.take();
    out.series["avg_resolution_time"] =
        ratio_series(ctx.series, time.bucket_num, time.bucket_den, 1);
  }

  // ---- first_contact_resolution_rate
  if (!any_resolved_col || !any_contacts_col) {
    std::vector<std::string> needs;
    if (!any_resolved_col) needs.push_back("tickets.resolved_at");
    if (!any_contacts_col) needs.push_back("tickets.contacts|first_contact");
    out.kpis["first_contact_resolution_rate"] = unavailable_kpi("%", needs);
  } else {
    json_writer w;
    w.begin_object();
    write_ratio(w, fcr.num, fcr.den, 100, "%");
    write_previous_ratio(w, fcr.prev_num, fcr.prev_den, 100);
    w.key("by_channel").begin_array();
    for (size_t i : channel_order) {
      const channel_stats& c = by_channel[i];
      if (c.known == 0) continue;
      w.begin_object();
      w.field("channel", channels.name(i));
      w.field("value", c.one / c.known * 100);
      w.field("numerator", c.one);
      w.field("denominator", c.known);
      w.end_object();
    }
    w.end_array();
    fcr_rejected.write(w);
    w.field("rule",
            "Tickets resolved in the period with one contact / tickets resolved in the "
            "period x 100. One contact from " +
                fcr_source +
                " (a flag that reads true, else 0 or 1 replies); tickets with neither "
                "value are rejected." +
                open_rule);
    w.end_object();
    out.kpis["first_contact_resolution_rate"] = w.take();
    out.series["first_contact_resolution_rate"] =
        ratio_series(ctx.series, fcr.bucket_num, fcr.bucket_den, 100);
  }
}

}  // namespace kpi::detail
