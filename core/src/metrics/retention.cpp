// Retention and churn KPIs (METRICS.md "Retention and churn"): orders-based, or
// subscription-based when a subscriptions/memberships dataset is present.
#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

#include "kpi/detail/report_parts.h"

namespace kpi::detail {

namespace {

struct subscription {
  std::string customer;  // customer key
  int64_t start = 0;
  std::optional<int64_t> end;
  double mrr = NaN;
  std::optional<bool> renewed;  // from a renewed column
};

// MRR of one subscription: amount for monthly plans, amount / 12 for yearly ones.
double monthly_amount(double amount, std::string_view interval) {
  std::string s = fold(interval);
  if (s.empty() || s.find("month") != std::string::npos || s == "mo" || s == "m" ||
      s == "monthly" || s == "lunar" || s == "mensile" || s == "每月" || s == "月") {
    return amount;
  }
  if (s.find("year") != std::string::npos || s.find("annual") != std::string::npos ||
      s == "yr" || s == "y" || s == "anual" || s == "annuale" || s == "每年" || s == "年") {
    return amount / 12;
  }
  if (s.find("quarter") != std::string::npos) return amount / 3;
  if (s.find("week") != std::string::npos) return amount * 52 / 12;
  if (s.find("day") != std::string::npos) return amount * 365 / 12;
  return amount;
}

std::vector<subscription> load_subscriptions(const context& ctx, bool& has_amount,
                                             bool& has_renewed) {
  std::vector<subscription> subs;
  has_amount = has_renewed = false;
  for (const dataset* d : ctx.of_kind(dataset_kind::subscriptions)) {
    const column* cid = d->column_of("customer_id");
    const column* email = d->column_of("email");
    const column* start = d->column_of("start");
    const column* end = d->column_of("end");
    const column* amount = d->column_of("amount");
    const column* interval = d->column_of("interval");
    const column* renewed = d->column_of("renewed");
    if (!start || !start->is_date()) continue;
    has_amount = has_amount || amount;
    has_renewed = has_renewed || renewed;
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      if (start->time(r) == MISSING_TIME) continue;
      subscription s;
      s.customer = ctx.m.customer_key(cid ? cid->text(r) : std::string_view(),
                                      email ? email->text(r) : std::string_view());
      s.start = day_of(start->time(r));
      if (end && end->is_date() && end->time(r) != MISSING_TIME) s.end = day_of(end->time(r));
      if (amount) {
        const double a = amount->number(r);
        if (!std::isnan(a)) s.mrr = monthly_amount(a, interval ? interval->text(r) : "");
      }
      if (renewed && !renewed->empty_at(r)) s.renewed = truthy(renewed->text(r));
      subs.push_back(std::move(s));
    }
  }
  return subs;
}

// A subscription is active at t if start <= t and (no end or end > t); "at the end of P" is
// the last instant inside P, so a subscription ending on P.to is still active then.
bool active_at(const subscription& s, int64_t t) { return s.start <= t && (!s.end || *s.end > t); }
bool active_at_end(const subscription& s, int64_t to) {
  return s.start < to && (!s.end || *s.end >= to);
}

struct sub_counts {
  double start_active = 0, lost = 0, end_active = 0, started = 0;
  double mrr_start = 0, mrr_lost = 0;
};

sub_counts count_subs(const std::vector<subscription>& subs, period p) {
  sub_counts c;
  for (const subscription& s : subs) {
    const bool at_start = active_at(s, p.from);
    const bool ended = s.end && p.contains(*s.end);
    if (at_start) {
      c.start_active += 1;
      if (!std::isnan(s.mrr)) c.mrr_start += s.mrr;
      if (ended) {
        c.lost += 1;
        if (!std::isnan(s.mrr)) c.mrr_lost += s.mrr;
      }
    }
    if (active_at_end(s, p.to)) c.end_active += 1;
    if (p.contains(s.start)) c.started += 1;
  }
  return c;
}

std::string ratio_object(double num, double den, double pnum, double pden, std::string_view basis) {
  json_writer w;
  w.begin_object();
  write_ratio(w, num, den, 100, "%");
  write_previous_ratio(w, pnum, pden, 100);
  w.field("basis", basis);
  w.end_object();
  return w.take();
}

void renewal_kpi(const context& ctx, const std::vector<subscription>& subs, report_parts& out) {
  // Renewed: the renewed column, else another membership of the same customer starting
  // within 30 days after this one's end (and after this one's start).
  std::unordered_map<std::string, std::vector<int64_t>> starts;
  for (const subscription& s : subs) {
    if (!s.customer.empty()) starts[s.customer].push_back(s.start);
  }
  for (auto& [k, v] : starts) std::sort(v.begin(), v.end());
  auto renewed = [&](const subscription& s) {
    if (s.renewed) return *s.renewed;
    if (s.customer.empty() || !s.end) return false;
    const std::vector<int64_t>& v = starts[s.customer];
    auto it = std::upper_bound(v.begin(), v.end(), s.start);
    return it != v.end() && *it <= *s.end + 30;
  };
  auto count = [&](period p, double& ended, double& kept) {
    ended = kept = 0;
    for (const subscription& s : subs) {
      if (!s.end || !p.contains(*s.end)) continue;
      ended += 1;
      kept += renewed(s);
    }
  };
  double e, k, pe, pk;
  count(ctx.P, e, k);
  count(ctx.prev, pe, pk);
  out.kpis["membership_renewal_rate"] = ratio_object(k, e, pk, pe, "subscriptions");
  if (ctx.series.size() > 0) {
    std::vector<double> num(ctx.series.size()), den(ctx.series.size());
    for (size_t i = 0; i < ctx.series.size(); ++i) {
      count({ctx.series.starts[i], ctx.series.starts[i + 1]}, den[i], num[i]);
    }
    out.series["membership_renewal_rate"] = ratio_series(ctx.series, num, den, 100);
  }
}

// Members with any activity event or valid order in p / members at the end of p.
struct activity_counts {
  double active = 0, members = 0, events = 0;
};

// The counts of P and of P' together: one pass over the activity rows (a customer lookup
// per row, not per row and period), the orders and the customers.
std::array<activity_counts, 2> count_activity(const context& ctx, const std::array<period, 2>& ps,
                                              bool& has_activity) {
  const model& m = ctx.m;
  std::vector<uint8_t> active(m.customers.size(), 0);  // bit k: active in ps[k]
  std::array<activity_counts, 2> c;
  has_activity = false;
  for (const dataset* d : ctx.of_kind(dataset_kind::activity)) {
    has_activity = true;
    const column* cid = d->column_of("customer_id");
    const column* email = d->column_of("email");
    const column* date = d->column_of("date");
    if (!date || !date->is_date()) continue;
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      if (date->time(r) == MISSING_TIME) continue;
      const int64_t day = day_of(date->time(r));
      const uint8_t in = (ps[0].contains(day) ? 1 : 0) | (ps[1].contains(day) ? 2 : 0);
      if (!in) continue;
      for (int k = 0; k < 2; ++k) c[k].events += (in >> k) & 1;
      const int64_t ci = m.find_customer(cid ? cid->text(r) : std::string_view(),
                                         email ? email->text(r) : std::string_view());
      if (ci >= 0) active[ci] |= in;
    }
  }
  for (const order& o : m.orders) {
    if (!o.valid) continue;
    const uint8_t in = (ps[0].contains(o.day) ? 1 : 0) | (ps[1].contains(o.day) ? 2 : 0);
    if (!in) continue;
    active[o.customer] |= in;
    if (!has_activity) {
      for (int k = 0; k < 2; ++k) c[k].events += (in >> k) & 1;
    }
  }
  for (uint32_t i = 0; i < m.customers.size(); ++i) {
    const customer_info& ci = m.customers[i];
    int64_t joined;
    if (const std::optional<int64_t> signup = m.signup_day(ci)) {
      joined = *signup;
    } else if (ci.first_order != UINT32_MAX) {
      joined = ci.first_day;
    } else {
      continue;
    }
    for (int k = 0; k < 2; ++k) {
      if (joined >= ps[k].to) continue;
      c[k].members += 1;
      c[k].active += (active[i] >> k) & 1;
    }
  }
  return c;
}

void activity_kpi(const context& ctx, report_parts& out) {
  if (!ctx.m.has_orders && ctx.of_kind(dataset_kind::activity).empty()) {
    out.kpis["member_activity_rate"] = unavailable_kpi("%", {"activity"});
    return;
  }
  bool has_activity;
  const std::array<activity_counts, 2> counts = count_activity(ctx, {ctx.P, ctx.prev}, has_activity);
  const activity_counts& c = counts[0];
  const activity_counts& q = counts[1];
  json_writer w;
  w.begin_object();
  write_ratio(w, c.active, c.members, 100, "%");
  write_previous_ratio(w, q.active, q.members, 100);
  w.key("events_per_active_member");
  if (c.active > 0) {
    w.value(c.events / c.active);
  } else {
    w.null();
  }
  w.field("events", c.events);
  w.field("basis", has_activity ? "activity events and orders" : "orders");
  w.end_object();
  out.kpis["member_activity_rate"] = w.take();
}

}  // namespace

void cohort_kpis(const context& ctx, report_parts& out) {
  const model& m = ctx.m;
  if (!m.has_orders) {
    out.kpis["cohort_retention"] = unavailable_kpi("%", {"orders"});
    return;
  }
  // Month index of a day: months since year 0.
  auto month_of = [](int64_t day) {
    int y;
    unsigned mo, d;
    civil_from_days(day, y, mo, d);
    return static_cast<int64_t>(y) * 12 + (mo - 1);
  };
  const int64_t first_cohort = month_of(ctx.P.from);
  const int64_t last_cohort = month_of(ctx.P.to - 1);
  // Columns run to the last month with orders (at least to the last cohort of P).
  int64_t last_month = last_cohort;
  const int64_t min_day = m.first_valid_day, max_day = m.last_valid_day;
  if (min_day <= max_day) last_month = std::max(last_month, month_of(max_day));  // monotone
  // Month of every day the orders span, looked up rather than computed per order.
  std::vector<int64_t> month_table;
  if (min_day <= max_day && max_day - min_day < (int64_t{1} << 20)) {
    month_table.resize(static_cast<size_t>(max_day - min_day + 1));
    for (size_t i = 0; i < month_table.size(); ++i) {
      month_table[i] = month_of(min_day + static_cast<int64_t>(i));
    }
  }
  auto order_month = [&](int64_t day) {
    return month_table.empty() ? month_of(day) : month_table[static_cast<size_t>(day - min_day)];
  };
  std::vector<std::string> labels;
  std::vector<double> sizes;
  std::vector<std::vector<double>> hits;
  for (int64_t mo = first_cohort; mo <= last_cohort; ++mo) {
    char buf[16];
    const int64_t y = mo >= 0 ? mo / 12 : (mo - 11) / 12;
    std::snprintf(buf, sizeof buf, "%04d-%02d", static_cast<int>(y), static_cast<int>(mo - y * 12 + 1));
    labels.push_back(buf);
    sizes.push_back(0);
    hits.emplace_back(std::max<int64_t>(0, last_month - mo + 1), 0.0);
  }
  // Orders are sorted by customer then time: count each (customer, month offset) once.
  uint32_t current = UINT32_MAX;
  int64_t cohort = 0, last_offset = -1;
  bool in_range = false;
  for (const order& o : m.orders) {
    if (!o.valid) continue;
    if (o.customer != current) {
      current = o.customer;
      const customer_info& c = m.customers[current];
      cohort = order_month(c.first_day);
      in_range = ctx.P.contains(c.first_day) && cohort >= first_cohort && cohort <= last_cohort;
      last_offset = -1;
      if (in_range) sizes[static_cast<size_t>(cohort - first_cohort)] += 1;
    }
    if (!in_range) continue;
    const int64_t offset = order_month(o.day) - cohort;
    if (offset == last_offset) continue;
    last_offset = offset;
    std::vector<double>& row = hits[static_cast<size_t>(cohort - first_cohort)];
    if (offset >= 0 && offset < static_cast<int64_t>(row.size())) row[offset] += 1;
  }
  double total = 0, retained = 0;
  json_writer w;
  w.begin_object();
  // Headline: share of the period's cohorts that came back in the month after their first.
  for (size_t i = 0; i < labels.size(); ++i) {
    if (hits[i].size() > 1) {
      total += sizes[i];
      retained += hits[i][1];
    }
  }
  write_ratio(w, retained, total, 100, "%");
  w.field("headline", "share of the period's cohorts with an order in month 1");
  w.key("matrix").begin_object();
  w.key("cohorts").begin_array();
  for (const std::string& l : labels) w.value(l);
  w.end_array();
  w.key("sizes").begin_array();
  for (double s : sizes) w.value(s);
  w.end_array();
  w.key("cells").begin_array();
  for (size_t i = 0; i < labels.size(); ++i) {
    w.begin_array();
    for (double h : hits[i]) {
      if (sizes[i] > 0) {
        w.value(h / sizes[i] * 100);
      } else {
        w.null();
      }
    }
    w.end_array();
  }
  w.end_array();
  w.end_object();
  w.end_object();
  out.kpis["cohort_retention"] = w.take();
}

int64_t before_previous(const context& ctx) {
  // The period before P' has P's length too, for the previous value of churn.
  int64_t before = ctx.prev.from - ctx.prev.days();
  if (ctx.whole_months) {
    int y1, y2;
    unsigned m1, m2, d;
    civil_from_days(ctx.prev.from, y1, m1, d);
    civil_from_days(ctx.prev.to, y2, m2, d);
    before = add_months(ctx.prev.from, -((y2 - y1) * 12 + static_cast<int>(m2) - static_cast<int>(m1)));
  }
  return before;
}

void retention_kpis(const context& ctx, report_parts& out) {
  const model& m = ctx.m;
  bool has_amount = false, has_renewed = false;
  const std::vector<subscription> subs = load_subscriptions(ctx, has_amount, has_renewed);
  const bool by_subs = !ctx.of_kind(dataset_kind::subscriptions).empty();

  if (by_subs) {
    const sub_counts c = count_subs(subs, ctx.P), q = count_subs(subs, ctx.prev);
    out.kpis["customer_churn_rate"] =
        ratio_object(c.lost, c.start_active, q.lost, q.start_active, "subscriptions");
    out.kpis["customer_retention_rate"] =
        ratio_object(c.end_active - c.started, c.start_active, q.end_active - q.started,
                     q.start_active, "subscriptions");
    if (has_amount) {
      out.kpis["revenue_churn_rate"] =
          ratio_object(c.mrr_lost, c.mrr_start, q.mrr_lost, q.mrr_start, "subscriptions");
    } else {
      out.kpis["revenue_churn_rate"] = unavailable_kpi("%", {"subscriptions.amount"});
    }
    renewal_kpi(ctx, subs, out);
    if (ctx.series.size() > 0) {
      const size_t n = ctx.series.size();
      std::vector<double> lost(n), start(n), kept(n), rlost(n), rstart(n);
      for (size_t i = 0; i < n; ++i) {
        const sub_counts s = count_subs(subs, {ctx.series.starts[i], ctx.series.starts[i + 1]});
        lost[i] = s.lost;
        start[i] = s.start_active;
        kept[i] = s.end_active - s.started;
        rlost[i] = s.mrr_lost;
        rstart[i] = s.mrr_start;
      }
      out.series["customer_churn_rate"] = ratio_series(ctx.series, lost, start, 100);
      out.series["customer_retention_rate"] = ratio_series(ctx.series, kept, start, 100);
      if (has_amount) out.series["revenue_churn_rate"] = ratio_series(ctx.series, rlost, rstart, 100);
    }
  } else if (m.has_orders) {
    const int64_t before = before_previous(ctx);
    const std::vector<bucket_stats>& s = ctx.stats({before, ctx.prev.from, ctx.P.from, ctx.P.to});
    // s[0] = the period before P', s[1] = P', s[2] = P.
    const bucket_stats& p = s[2];
    const bucket_stats& q = s[1];
    const bucket_stats& qq = s[0];
    out.kpis["customer_churn_rate"] =
        ratio_object(q.active - p.retained, q.active, qq.active - q.retained, qq.active, "orders");
    out.kpis["customer_retention_rate"] = ratio_object(
        p.active - p.new_customers, q.active, q.active - q.new_customers, qq.active, "orders");
    out.kpis["revenue_churn_rate"] = unavailable_kpi("%", {"subscriptions.amount"});
    out.kpis["membership_renewal_rate"] = unavailable_kpi("%", {"subscriptions.end"});
    if (ctx.series.size() > 0) {
      const std::vector<bucket_stats>& b = ctx.stats(ctx.series.starts);
      const size_t n = b.size();
      std::vector<double> lost(n, 0), base(n, 0), kept(n, 0);
      for (size_t i = 1; i < n; ++i) {
        base[i] = b[i - 1].active;
        lost[i] = b[i - 1].active - b[i].retained;
        kept[i] = b[i].active - b[i].new_customers;
      }
      out.series["customer_churn_rate"] = ratio_series(ctx.series, lost, base, 100);
      out.series["customer_retention_rate"] = ratio_series(ctx.series, kept, base, 100);
    }
  } else {
    out.kpis["customer_churn_rate"] = unavailable_kpi("%", {"orders"});
    out.kpis["customer_retention_rate"] = unavailable_kpi("%", {"orders"});
    out.kpis["revenue_churn_rate"] = unavailable_kpi("%", {"subscriptions.amount"});
    out.kpis["membership_renewal_rate"] = unavailable_kpi("%", {"subscriptions.end"});
  }
  activity_kpi(ctx, out);
}

}  // namespace kpi::detail
