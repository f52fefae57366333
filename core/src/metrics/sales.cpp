// Sales and loyalty KPIs, historical CLV and the CLV formula (METRICS.md "Sales and loyalty",
// "Customer lifetime value").
#include <algorithm>
#include <functional>
#include <type_traits>
#include <unordered_map>

#include "kpi/detail/report_parts.h"

namespace kpi::detail {

namespace {

// The bucket of a day among contiguous buckets [bounds[i], bounds[i+1]): a table of the
// buckets' days when the bounds increase and span few days (a load per order rather than a
// search, for P and P' and the CLV windows too), else a binary search.
struct bucket_finder {
  const std::vector<int64_t>* bounds = nullptr;
  std::vector<int32_t> table;  // per day from bounds.front()
  explicit bucket_finder(const std::vector<int64_t>& b) : bounds(&b) {
    const int64_t span = b.back() - b.front();
    bool increasing = true;
    for (size_t i = 1; i < b.size(); ++i) increasing = increasing && b[i] > b[i - 1];
    if (b.size() >= 2 && increasing && span <= (int64_t{1} << 20)) {
      table.resize(static_cast<size_t>(span));
      for (size_t i = 0; i + 1 < b.size(); ++i) {
        std::fill(table.begin() + (b[i] - b.front()), table.begin() + (b[i + 1] - b.front()),
                  static_cast<int32_t>(i));
      }
    }
  }
  int operator()(int64_t day) const {
    const std::vector<int64_t>& b = *bounds;
    if (day < b.front() || day >= b.back()) return -1;
    if (!table.empty()) return table[static_cast<size_t>(day - b.front())];
    return static_cast<int>(std::upper_bound(b.begin(), b.end(), day) - b.begin()) - 1;
  }
};

// order_stats' pass. With a `model` (not const) it also does first_valid_orders' work in the
// same pass, with the same arithmetic in the same order: set the customer's first valid order
// at the first one met (its orders are sorted by time, so before the statistics read it) and
// sum over the valid orders what the model keeps (P and prev are for those sums only).
template <typename Model>
std::vector<std::vector<bucket_stats>> stats_pass(Model& m,
                                                  const std::vector<std::vector<int64_t>>& all,
                                                  period P = {}, period prev = {}) {
  constexpr bool first_valid = !std::is_const_v<Model>;
  struct state {
    const std::vector<int64_t>* bounds;
    bucket_finder find;
    std::vector<bucket_stats>* out;
    int last_bucket = -1;
    int count_in_bucket = 0;
  };
  std::vector<std::vector<bucket_stats>> out(all.size());
  // Bounds that run, one for one, inside longer increasing bounds (as P' and P do inside the
  // year before P' and both, and the CLV windows) take the longest such one's statistics for
  // their buckets: the same orders in the same order, each customer's orders met in the same
  // buckets. All but `retained` of their first bucket, which has no bucket before it there.
  // (At 5M orders, in wasm, the report's pass of five sets took 105 ms; with the two that run
  // inside another taken from it, 77 ms.)
  auto increasing = [](const std::vector<int64_t>& b) {
    return std::adjacent_find(b.begin(), b.end(), std::greater_equal<int64_t>()) == b.end();
  };
  constexpr size_t OWN = SIZE_MAX;
  std::vector<size_t> source(all.size(), OWN), offset(all.size(), 0);
  for (size_t k = 0; k < all.size(); ++k) {
    const std::vector<int64_t>& b = all[k];
    if (b.size() < 2) continue;  // (a run of increasing bounds increases)
    for (size_t j = 0; j < all.size(); ++j) {
      const std::vector<int64_t>& longer = all[j];
      if (longer.size() <= b.size() || !increasing(longer)) continue;
      if (source[k] != OWN && all[source[k]].size() >= longer.size()) continue;
      const auto at = std::search(longer.begin(), longer.end(), b.begin(), b.end());
      if (at == longer.end()) continue;
      source[k] = j;  // the longest: so never one that takes another's statistics itself
      offset[k] = static_cast<size_t>(at - longer.begin());
    }
  }
  std::vector<state> sets;
  for (size_t k = 0; k < all.size(); ++k) {
    const std::vector<int64_t>& bounds = all[k];
    const size_t n = bounds.size() < 2 ? 0 : bounds.size() - 1;
    out[k].resize(n);
    if (n > 0 && source[k] == OWN) sets.push_back({&bounds, bucket_finder(bounds), &out[k]});
  }
  if (sets.empty() && !first_valid) return out;
  int64_t first_day = m.first_valid_day, last_day = m.last_valid_day;
  model::realised until_P = m.until_P, until_prev = m.until_prev;
  bool counted = false, prev_counted = false;
  uint32_t current = UINT32_MAX;
  int64_t prev_day = 0;
  bool has_prev = false;
  for (uint32_t i = 0; i < m.orders.size(); ++i) {
    const order& o = m.orders[i];
    if (!o.valid) continue;
    auto& c = m.customers[o.customer];
    if constexpr (first_valid) {
      if (c.first_order == UINT32_MAX) {
        c.first_order = i;
        c.first_day = o.day;
      }
      first_day = std::min<int64_t>(first_day, o.day);
      last_day = std::max<int64_t>(last_day, o.day);
    }
    if (o.customer != current) {
      current = o.customer;
      for (state& st : sets) {
        st.last_bucket = -1;
        st.count_in_bucket = 0;
      }
      has_prev = false;
      counted = prev_counted = false;
    }
    if constexpr (first_valid) {
      if (o.day < P.to) {
        until_P.revenue += o.revenue;
        if (!counted) until_P.customers += 1, counted = true;
      }
      if (o.day < prev.to) {
        until_prev.revenue += o.revenue;
        if (!prev_counted) until_prev.customers += 1, prev_counted = true;
      }
    }
    for (state& st : sets) {
      const int b = st.find(o.day);
      if (b < 0) continue;
      const std::vector<int64_t>& bounds = *st.bounds;
      bucket_stats& s = (*st.out)[b];
      s.revenue += o.revenue;
      s.orders += 1;
      s.gross_profit += o.revenue - (std::isnan(o.cost) ? 0 : o.cost);
      if (c.first_order != i) s.repeat_orders += 1;
      if (has_prev) {
        s.gap_sum += static_cast<double>(o.day - prev_day);
        s.gap_count += 1;
      }
      if (b != st.last_bucket) {
        s.active += 1;
        if (c.first_day >= bounds[b] && c.first_day < bounds[b + 1]) s.new_customers += 1;
        if (c.first_day < bounds[b]) s.returning += 1;
        if (st.last_bucket >= 0 && st.last_bucket == b - 1) s.retained += 1;
        st.last_bucket = b;
        st.count_in_bucket = 1;
      } else if (++st.count_in_bucket == 2) {
        s.repeat_customers += 1;
      }
    }
    prev_day = o.day;
    has_prev = true;
  }
  if constexpr (first_valid) {
    m.first_valid_day = first_day;
    m.last_valid_day = last_day;
    m.until_P = until_P;
    m.until_prev = until_prev;
  }
  for (size_t k = 0; k < all.size(); ++k) {
    if (source[k] == OWN) continue;
    const std::vector<bucket_stats>& longer = out[source[k]];
    std::copy_n(longer.begin() + static_cast<std::ptrdiff_t>(offset[k]), out[k].size(),
                out[k].begin());
    out[k].front().retained = 0;
  }
  return out;
}

// The bounds among `all` whose statistics ctx has not computed yet, each once.
std::vector<std::vector<int64_t>> new_bounds(const context& ctx,
                                             const std::vector<std::vector<int64_t>>& all) {
  std::vector<std::vector<int64_t>> missing;
  for (const std::vector<int64_t>& b : all) {
    bool known = std::find(missing.begin(), missing.end(), b) != missing.end();
    for (const auto& [bounds, stats] : ctx.stats_memo) known = known || bounds == b;
    if (!known) missing.push_back(b);
  }
  return missing;
}

void remember(const context& ctx, std::vector<std::vector<int64_t>>& bounds,
              std::vector<std::vector<bucket_stats>>& stats) {
  for (size_t k = 0; k < bounds.size(); ++k) {
    ctx.stats_memo.emplace_back(std::move(bounds[k]), std::move(stats[k]));
  }
}

}  // namespace

std::vector<std::vector<bucket_stats>> order_stats(const model& m,
                                                   const std::vector<std::vector<int64_t>>& all) {
  return stats_pass(m, all);
}

std::vector<bucket_stats> order_stats(const model& m, const std::vector<int64_t>& bounds) {
  return std::move(order_stats(m, std::vector<std::vector<int64_t>>{bounds})[0]);
}

void context::prepare_stats(const std::vector<std::vector<int64_t>>& all_bounds) const {
  std::vector<std::vector<int64_t>> missing = new_bounds(*this, all_bounds);
  if (missing.empty()) return;
  std::vector<std::vector<bucket_stats>> computed = order_stats(m, missing);
  remember(*this, missing, computed);
}

void first_valid_orders(model& m, const context& ctx,
                        const std::vector<std::vector<int64_t>>& stats_bounds) {
  std::vector<std::vector<int64_t>> missing = new_bounds(ctx, stats_bounds);
  std::vector<std::vector<bucket_stats>> computed = stats_pass(m, missing, ctx.P, ctx.prev);
  remember(ctx, missing, computed);
}

const std::vector<bucket_stats>& context::stats(const std::vector<int64_t>& bounds) const {
  for (const auto& [b, stats] : stats_memo) {
    if (b == bounds) return stats;
  }
  prepare_stats({bounds});
  return stats_memo.back().second;
}

std::vector<int64_t> clv_window_bounds(int64_t to) {
  return {add_months(to, -24), add_months(to, -12), to};
}

namespace {

std::vector<double> pick(const std::vector<bucket_stats>& s, double bucket_stats::*field) {
  std::vector<double> v;
  v.reserve(s.size());
  for (const bucket_stats& b : s) v.push_back(b.*field);
  return v;
}

std::string ratio_kpi(double num, double den, double pnum, double pden, double scale,
                      std::string_view unit) {
  json_writer w;
  w.begin_object();
  write_ratio(w, num, den, scale, unit);
  write_previous_ratio(w, pnum, pden, scale);
  w.end_object();
  return w.take();
}

std::string total_kpi(double value, double previous, std::string_view unit) {
  json_writer w;
  w.begin_object();
  write_total(w, value, unit);
  w.field("previous", previous);
  w.end_object();
  return w.take();
}

void write_products(json_writer& w, std::string_view key, std::vector<product_total> items,
                    bool by_units) {
  std::sort(items.begin(), items.end(), [&](const product_total& a, const product_total& b) {
    const double x = by_units ? a.units : a.revenue, y = by_units ? b.units : b.revenue;
    if (x != y) return x > y;
    return a.name < b.name;
  });
  if (items.size() > 10) items.resize(10);
  w.key(key).begin_array();
  for (const product_total& p : items) {
    w.begin_object().field("product", p.name).field("units", p.units).field("revenue", p.revenue);
    w.end_object();
  }
  w.end_array();
}

std::string product_units_kpi(const context& ctx) {
  // Summed while the model was built, over the line rows in their order (see build_model).
  const model& m = ctx.m;
  const product_units_sums& pu = m.product_units;
  const double total = pu.total, prev_total = pu.previous;
  const std::vector<product_total>& items = pu.items;
  json_writer w;
  w.begin_object();
  write_total(w, total, "count");
  w.field("previous", prev_total);
  w.field("products", static_cast<uint64_t>(items.size()));
  write_products(w, "top_by_units", items, true);
  write_products(w, "top_by_revenue", items, false);
  if (!m.has_product) {
    w.key("needs").begin_array().value("orders.product").end_array();
  }
  w.end_object();
  return w.take();
}

}  // namespace

std::string acquisition_channel(const model& m, uint32_t customer) {
  const customer_info& c = m.customers[customer];
  if (const std::string_view source = m.source(c); !source.empty()) return std::string(source);
  if (c.first_order != UINT32_MAX) {
    const uint32_t ch = m.orders[c.first_order].channel;
    if (ch != 0) return m.channels[ch];
  }
  return "(unknown)";
}

void sales_kpis(const context& ctx, report_parts& out) {
  const model& m = ctx.m;
  static const char* SALES[] = {"revenue", "orders", "aov", "active_customers", "new_customers",
                                "orders_per_active_customer", "repeat_customer_rate",
                                "returning_customer_rate", "repeat_purchase_rate",
                                "avg_days_between_orders", "avg_gross_profit_per_customer",
                                "avg_net_profit_per_customer", "product_units",
                                "historical_clv", "clv"};
  if (!m.has_orders) {
    for (const char* id : SALES) {
      const bool money = std::string_view(id) == "revenue" || std::string_view(id) == "aov";
      out.kpis[id] = unavailable_kpi(money ? "currency" : "count", {"orders"});
    }
    return;
  }
  const std::vector<bucket_stats>& pp = ctx.stats({ctx.prev.from, ctx.P.from, ctx.P.to});
  const bucket_stats& p = pp[1];
  const bucket_stats& q = pp[0];

  out.kpis["revenue"] = total_kpi(p.revenue, q.revenue, "currency");
  out.kpis["orders"] = total_kpi(p.orders, q.orders, "count");
  out.kpis["aov"] = ratio_kpi(p.revenue, p.orders, q.revenue, q.orders, 1, "currency");
  out.kpis["active_customers"] = total_kpi(p.active, q.active, "count");
  {
    json_writer w;
    w.begin_object();
    write_total(w, p.new_customers, "count");
    w.field("previous", q.new_customers);
    w.field("returning", p.active - p.new_customers);
    w.end_object();
    out.kpis["new_customers"] = w.take();
  }
  out.kpis["orders_per_active_customer"] =
      ratio_kpi(p.orders, p.active, q.orders, q.active, 1, "ratio");
  out.kpis["repeat_customer_rate"] =
      ratio_kpi(p.repeat_customers, p.active, q.repeat_customers, q.active, 100, "%");
  out.kpis["returning_customer_rate"] =
      ratio_kpi(p.returning, p.active, q.returning, q.active, 100, "%");
  out.kpis["repeat_purchase_rate"] =
      ratio_kpi(p.repeat_orders, p.orders, q.repeat_orders, q.orders, 100, "%");
  out.kpis["avg_days_between_orders"] =
      ratio_kpi(p.gap_sum, p.gap_count, q.gap_sum, q.gap_count, 1, "days");
  if (m.has_cost) {
    out.kpis["avg_gross_profit_per_customer"] =
        ratio_kpi(p.gross_profit, p.active, q.gross_profit, q.active, 1, "currency");
  } else {
    out.kpis["avg_gross_profit_per_customer"] = unavailable_kpi("currency", {"orders.cost"});
  }
  const double spend = spend_in(ctx, ctx.P);
  const double prev_spend = spend_in(ctx, ctx.prev);
  if (!m.has_cost || std::isnan(spend)) {
    std::vector<std::string> needs;
    if (!m.has_cost) needs.push_back("orders.cost");
    if (std::isnan(spend)) needs.push_back("spend.amount");
    out.kpis["avg_net_profit_per_customer"] = unavailable_kpi("currency", needs);
  } else {
    json_writer w;
    w.begin_object();
    write_ratio(w, p.gross_profit - spend, p.active, 1, "currency");
    write_previous_ratio(w, q.gross_profit - prev_spend, q.active, 1);
    w.field("gross_profit", p.gross_profit).field("spend", spend);
    w.end_object();
    out.kpis["avg_net_profit_per_customer"] = w.take();
  }
  out.kpis["product_units"] = product_units_kpi(ctx);

  // historical_clv: realised revenue per customer up to the end of P (and of P'), summed
  // while the model was built.
  out.kpis["historical_clv"] =
      ratio_kpi(m.until_P.revenue, m.until_P.customers, m.until_prev.revenue,
                m.until_prev.customers, 1, "currency");

  // clv formula over W = the 12 months ending at the end of P.
  auto clv_for = [&](int64_t to, json_writer* w) -> double {
    const std::vector<int64_t> bounds = clv_window_bounds(to);
    const int64_t wp_from = bounds[0], w_from = bounds[1];
    const std::vector<bucket_stats>& ww = ctx.stats(bounds);
    const bucket_stats& cur = ww[1];
    const bucket_stats& before = ww[0];
    int64_t earliest = std::numeric_limits<int64_t>::max();
    for (const customer_info& c : m.customers) earliest = std::min(earliest, c.first_day);
    const bool covered = earliest <= wp_from;
    double lifespan = ctx.options.lifespan_years;
    bool assumed = true;
    double churn = NaN;
    if (covered && before.active > 0) {
      churn = (before.active - cur.retained) / before.active;
      if (churn > 0) {
        lifespan = 1 / churn;
        assumed = false;
      }
    }
    const double aov = cur.orders > 0 ? cur.revenue / cur.orders : NaN;
    const double frequency = cur.active > 0 ? cur.orders / cur.active : NaN;
    const double value = cur.active > 0 ? cur.revenue / cur.active * lifespan : NaN;
    if (w) {
      write_ratio(*w, cur.revenue * lifespan, cur.active, 1, "currency");
      w->key("window").begin_object();
      w->field("from", format_day(w_from)).field("to", format_day(to));
      w->end_object();
      w->field("aov", aov).field("purchase_frequency", frequency);
      w->field("lifespan_years", lifespan).field("lifespan_assumed", assumed);
      w->field("annual_churn", std::isnan(churn) ? NaN : churn * 100);
      if (assumed) {
        w->field("note", covered ? "annual churn is 0 or undefined: lifespan assumed"
                                 : "data covers less than two years: lifespan assumed");
      }
    }
    return value;
  };
  {
    json_writer w;
    w.begin_object();
    clv_for(ctx.P.to, &w);
    w.field("previous", clv_for(ctx.prev.to, nullptr));
    w.end_object();
    out.kpis["clv"] = w.take();
  }

  // Trend series over the data's range.
  if (ctx.series.size() > 0) {
    const std::vector<bucket_stats>& s = ctx.stats(ctx.series.starts);
    const buckets& b = ctx.series;
    const auto revenue = pick(s, &bucket_stats::revenue);
    const auto orders = pick(s, &bucket_stats::orders);
    const auto active = pick(s, &bucket_stats::active);
    out.series["revenue"] = total_series(b, revenue);
    out.series["orders"] = total_series(b, orders);
    out.series["aov"] = ratio_series(b, revenue, orders, 1);
    out.series["active_customers"] = total_series(b, active);
    out.series["new_customers"] = total_series(b, pick(s, &bucket_stats::new_customers));
    out.series["returning_customers"] = total_series(b, pick(s, &bucket_stats::returning));
    out.series["orders_per_active_customer"] = ratio_series(b, orders, active, 1);
    out.series["repeat_customer_rate"] =
        ratio_series(b, pick(s, &bucket_stats::repeat_customers), active, 100);
    out.series["returning_customer_rate"] =
        ratio_series(b, pick(s, &bucket_stats::returning), active, 100);
    out.series["repeat_purchase_rate"] =
        ratio_series(b, pick(s, &bucket_stats::repeat_orders), orders, 100);
    out.series["avg_days_between_orders"] = ratio_series(
        b, pick(s, &bucket_stats::gap_sum), pick(s, &bucket_stats::gap_count), 1);
    if (m.has_cost) {
      out.series["avg_gross_profit_per_customer"] =
          ratio_series(b, pick(s, &bucket_stats::gross_profit), active, 1);
    }
  }
}

}  // namespace kpi::detail
