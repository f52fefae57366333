// Assembles the report: chooses the periods, builds the orders model once, runs every KPI
// family and writes the document in a fixed order.
#include "kpi/report.h"

#include <algorithm>
#include <array>
#include <mutex>

#include "kpi/detail/report_parts.h"
#include "kpi/json_writer.h"
#include "kpi/threads.h"
#include "simdjson.h"

namespace kpi {
namespace detail {

int buckets::index_of(int64_t day) const {
  if (labels.empty() || day < starts.front() || day >= starts.back()) return -1;
  auto it = std::upper_bound(starts.begin(), starts.end(), day);
  return static_cast<int>(it - starts.begin()) - 1;
}

int64_t add_months(int64_t day, int months) {
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  int64_t total = static_cast<int64_t>(y) * 12 + (m - 1) + months;
  int ny = static_cast<int>(total >= 0 ? total / 12 : (total - 11) / 12);
  unsigned nm = static_cast<unsigned>(total - static_cast<int64_t>(ny) * 12) + 1;
  static constexpr std::array<unsigned, 12> LENGTHS = {31, 28, 31, 30, 31, 30,
                                                       31, 31, 30, 31, 30, 31};
  unsigned len = LENGTHS[nm - 1];
  if (nm == 2 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0)) len = 29;
  return days_from_civil(ny, nm, std::min(d, len));
}

int64_t bucket_start(int64_t day, granularity g) {
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  switch (g) {
    case granularity::day: return day;
    case granularity::week: {
      // 1970-01-01 was a Thursday; ISO weeks start on Monday.
      const int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 0 = Monday
      return day - weekday;
    }
    case granularity::month: return days_from_civil(y, m, 1);
    case granularity::quarter: return days_from_civil(y, ((m - 1) / 3) * 3 + 1, 1);
    case granularity::year: return days_from_civil(y, 1, 1);
  }
  return day;
}

namespace {

std::string bucket_label(int64_t start, granularity g) {
  int y;
  unsigned m, d;
  civil_from_days(start, y, m, d);
  char buf[32];
  switch (g) {
    case granularity::day: return format_day(start);
    case granularity::week: {
      // ISO week-numbering year is the year of the week's Thursday.
      const int64_t thursday = start + 3;
      int ty;
      unsigned tm, td;
      civil_from_days(thursday, ty, tm, td);
      const int64_t week = (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
      std::snprintf(buf, sizeof buf, "%04d-W%02d", ty, static_cast<int>(week));
      return buf;
    }
    case granularity::month: std::snprintf(buf, sizeof buf, "%04d-%02u", y, m); return buf;
    case granularity::quarter:
      std::snprintf(buf, sizeof buf, "%04d-Q%u", y, (m - 1) / 3 + 1);
      return buf;
    case granularity::year: std::snprintf(buf, sizeof buf, "%04d", y); return buf;
  }
  return {};
}

int64_t next_bucket(int64_t start, granularity g) {
  switch (g) {
    case granularity::day: return start + 1;
    case granularity::week: return start + 7;
    case granularity::month: return add_months(start, 1);
    case granularity::quarter: return add_months(start, 3);
    case granularity::year: return add_months(start, 12);
  }
  return start + 1;
}

}  // namespace

buckets make_buckets(int64_t first_day, int64_t last_day, granularity g) {
  buckets b;
  if (last_day < first_day) return b;
  // A day-granularity series over decades would be unreadable and huge; cap the count.
  constexpr size_t MAX_BUCKETS = 5000;
  int64_t s = bucket_start(first_day, g);
  while (s <= last_day && b.labels.size() < MAX_BUCKETS) {
    b.starts.push_back(s);
    b.labels.push_back(bucket_label(s, g));
    s = next_bucket(s, g);
  }
  b.starts.push_back(s);
  return b;
}

std::vector<const dataset*> context::of_kind(dataset_kind k) const {
  std::vector<const dataset*> out;
  for (const dataset* d : sets) {
    if (d->usable() && d->kind == k) out.push_back(d);
  }
  return out;
}

void write_ratio(json_writer& w, double num, double den, double scale, std::string_view unit) {
  if (den != 0 && std::isfinite(num) && std::isfinite(den)) {
    w.field("value", num / den * scale);
    w.field("status", "ok");
  } else {
    w.key("value").null();
    w.field("status", "undefined");
  }
  w.field("unit", unit);
  w.field("numerator", num);
  w.field("denominator", den);
}

void write_total(json_writer& w, double value, std::string_view unit) {
  w.field("value", value);
  w.field("status", "ok");
  w.field("unit", unit);
}

void write_unavailable(json_writer& w, std::string_view unit, const std::vector<std::string>& needs) {
  w.key("value").null();
  w.field("status", "unavailable");
  w.field("unit", unit);
  w.key("needs").begin_array();
  for (const std::string& n : needs) w.value(n);
  w.end_array();
}

std::string unavailable_kpi(std::string_view unit, const std::vector<std::string>& needs) {
  json_writer w;
  w.begin_object();
  write_unavailable(w, unit, needs);
  w.end_object();
  return w.take();
}

void write_previous_ratio(json_writer& w, double num, double den, double scale) {
  w.key("previous");
  if (den != 0 && std::isfinite(num) && std::isfinite(den)) {
    w.value(num / den * scale);
  } else {
    w.null();
  }
}

std::string ratio_series(const buckets& b, const std::vector<double>& num,
                         const std::vector<double>& den, double scale) {
  json_writer w;
  w.begin_array();
  for (size_t i = 0; i < b.size(); ++i) {
    w.begin_object().field("bucket", b.labels[i]).key("value");
    if (den[i] != 0) {
      w.value(num[i] / den[i] * scale);
    } else {
      w.null();
    }
    w.end_object();
  }
  w.end_array();
  return w.take();
}

std::string total_series(const buckets& b, const std::vector<double>& values) {
  json_writer w;
  w.begin_array();
  for (size_t i = 0; i < b.size(); ++i) {
    w.begin_object().field("bucket", b.labels[i]).field("value", values[i]).end_object();
  }
  w.end_array();
  return w.take();
}

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NaN;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

namespace {

// Latest and earliest day of every date column of every readable dataset.
void date_range(const std::vector<const dataset*>& sets, int64_t& first, int64_t& last) {
  first = std::numeric_limits<int64_t>::max();
  last = std::numeric_limits<int64_t>::min();
  for (const dataset* d : sets) {
    if (!d->info.error.empty()) continue;
    for (const column& c : d->tbl.columns) {
      if (!c.is_date()) continue;
      // day_of never decreases with the time: the days of the extreme times are the
      // extreme days. MISSING_TIME is the smallest int64_t, so it never wins the max.
      int64_t lo = std::numeric_limits<int64_t>::max(), hi = MISSING_TIME;
      for (int64_t t : c.times) {
        if (t == MISSING_TIME) continue;
        lo = std::min(lo, t);
        hi = std::max(hi, t);
      }
      if (hi == MISSING_TIME) continue;  // no time in the column
      first = std::min(first, day_of(lo));
      last = std::max(last, day_of(hi));
    }
  }
}

bool is_first_of_month(int64_t day) {
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  return d == 1;
}

// Orders from which the report fits the predicted CLV on a second thread where there is one:
// below, the fits take less than starting the thread.
constexpr size_t PARALLEL_REPORT_ORDERS = 20000;

// The fixed order of KPIs in the document, as METRICS.md lists them.
constexpr std::array<std::string_view, 33> KPI_ORDER = {
    "revenue", "orders", "aov", "active_customers", "new_customers",
    "orders_per_active_customer", "repeat_customer_rate", "returning_customer_rate",
    "repeat_purchase_rate", "avg_days_between_orders", "avg_gross_profit_per_customer",
    "avg_net_profit_per_customer", "product_units", "historical_clv", "clv", "predicted_clv",
    "cac", "acquisition_sources", "lead_to_customer_rate", "conversion_rate",
    "member_growth_rate", "customer_churn_rate", "customer_retention_rate",
    "revenue_churn_rate", "membership_renewal_rate", "member_activity_rate",
    "cohort_retention", "nps", "csat", "ces", "first_contact_resolution_rate",
    "avg_resolution_time", "social_sentiment"};

}  // namespace
}  // namespace detail

report_options parse_report_options(std::string_view json, std::string& error) {
  report_options o;
  error.clear();
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return o;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) || !root.is_object()) {
    error = "options must be a JSON object";
    return o;
  }
  simdjson::dom::object obj = root.get_object().value_unsafe();
  for (auto field : obj) {
    std::string_view k = field.key;
    simdjson::dom::element v = field.value;
    if (k == "from" || k == "to") {
      if (v.is_null()) continue;
      std::string_view s;
      std::optional<int64_t> day;
      if (!v.get_string().get(s)) day = parse_day(s);
      if (!day) {
        error = std::string(k) + " must be a date YYYY-MM-DD";
        return o;
      }
      (k == "from" ? o.from : o.to) = day;
    } else if (k == "granularity") {
      std::string_view s;
      std::optional<granularity> g;
      if (!v.get_string().get(s)) g = parse_granularity(s);
      if (!g) {
        error = "granularity must be day, week, month, quarter or year";
        return o;
      }
      o.gran = *g;
    } else if (k == "lifespan_years") {
      double d;
      if (v.get_double().get(d) || !(d > 0)) {
        error = "lifespan_years must be a positive number";
        return o;
      }
      o.lifespan_years = d;
    } else if (k == "customers") {
      bool b;
      if (!v.get_bool().get(b)) o.customers = b;
    } else if (k == "csat_max" || k == "ces_max") {
      int64_t i;
      if (v.get_int64().get(i) || i < 0 || i > 100) {
        error = std::string(k) + " must be a whole number";
        return o;
      }
      (k == "csat_max" ? o.csat_max : o.ces_max) = static_cast<int>(i);
    }
  }
  return o;
}

std::string build_report(const std::vector<const dataset*>& sets, const report_options& options,
                         bool pretty) {
  using namespace detail;
  int64_t first_day, last_day;
  date_range(sets, first_day, last_day);
  const bool any_date = first_day <= last_day;

  // P: the user's range, else the twelve calendar months ending with the latest month.
  period P;
  if (options.to) {
    P.to = *options.to;
  } else if (any_date) {
    P.to = add_months(bucket_start(last_day, granularity::month), 1);
  } else {
    P.to = 0;
  }
  if (options.from) {
    P.from = *options.from;
  } else {
    P.from = is_first_of_month(P.to) ? add_months(P.to, -12) : P.to - 365;
  }
  if (P.from > P.to) std::swap(P.from, P.to);
  const bool whole_months = is_first_of_month(P.from) && is_first_of_month(P.to);
  period prev;
  prev.to = P.from;
  if (whole_months) {
    int y1, y2;
    unsigned m1, m2, d;
    civil_from_days(P.from, y1, m1, d);
    civil_from_days(P.to, y2, m2, d);
    const int months = (y2 - y1) * 12 + static_cast<int>(m2) - static_cast<int>(m1);
    prev.from = add_months(P.from, -months);
  } else {
    prev.from = P.from - P.days();
  }

  model m = build_model(sets, P, prev);
  context ctx{sets, options, m, P, prev, whole_months, {}, {}};
  if (any_date) ctx.series = make_buckets(first_day, last_day, options.gran);

  // The predicted CLV's fits read only the model's orders and customers' keys, nothing the
  // other families fill in as they go (the customers' first orders, the order statistics'
  // memo, the customer index): so with many orders the fits run beside the other families
  // where there is a second thread (kpi/threads.h). The pieces go to the two threads in this
  // order, each taking the next: this period's fit (the longest), the customers' first orders
  // and the order statistics, the previous period's fit (which waits for this period's optima
  // once it has summarized its customers, and reads the count of them that the first orders'
  // pass made), the families, which need the statistics, and the cohorts, which need the
  // first orders. The cohorts read only those and the orders, so they can run beside the
  // families (which fill in the statistics' memo and the customer index as they go): at 5M
  // rows the thread of this period's fit, done first, writes the families while the other
  // finishes the previous period's fit and then writes the cohorts. Each writes its own
  // parts; the CLV is written once both threads are done.
  report_parts parts, cohort_parts;
  predicted_clv_work clv;
  // What the families read besides the model as built: the customers' first orders and the
  // order statistics.
  auto prepare = [&] {
    // Every set of buckets the KPI families ask order statistics for, in the same pass.
    std::vector<std::vector<int64_t>> bounds;
    if (m.has_orders) {
      bounds = {{prev.from, P.from, P.to},
                {before_previous(ctx), prev.from, P.from, P.to},
                clv_window_bounds(P.to),
                clv_window_bounds(prev.to)};
      if (ctx.series.size() > 0) bounds.push_back(ctx.series.starts);
    }
    first_valid_orders(m, ctx, bounds);
  };
  auto families = [&] {
    sales_kpis(ctx, parts);
    acquisition_kpis(ctx, parts);
    retention_kpis(ctx, parts);
    survey_kpis(ctx, parts);
    support_kpis(ctx, parts);
    social_kpis(ctx, parts);
  };
  if (m.orders.size() >= PARALLEL_REPORT_ORDERS) {
    std::once_flag prepared;
    for_each_index(5, [&](size_t i) {
      if (i == 0) {
        clv.fit_now(ctx);  // first: fit_previous waits for it
      } else if (i == 1) {
        std::call_once(prepared, prepare);
      } else {
        std::call_once(prepared, prepare);  // waits for the other thread's, if it is at it
        if (i == 2) clv.fit_previous(ctx);
        if (i == 3) families();
        if (i == 4) cohort_kpis(ctx, cohort_parts);
      }
    });
  } else {
    prepare();
    families();
    cohort_kpis(ctx, cohort_parts);
    clv.fit_now(ctx);
    clv.fit_previous(ctx);
  }
  parts.kpis.merge(cohort_parts.kpis);
  clv.write(ctx, parts);

  json_writer w(pretty);
  w.begin_object();
  w.key("period").begin_object();
  w.field("from", format_day(P.from)).field("to", format_day(P.to));
  w.end_object();
  w.key("previous").begin_object();
  w.field("from", format_day(prev.from)).field("to", format_day(prev.to));
  w.end_object();
  w.field("granularity", granularity_name(options.gran));
  w.key("range");
  if (any_date) {
    w.begin_object();
    w.field("from", format_day(first_day)).field("to", format_day(last_day));
    w.end_object();
  } else {
    w.null();
  }
  // The store's currency, so the page can format money: the orders' currency column (its
  // most common value), else the symbol or code written in their totals.
  std::string currency;
  for (const dataset* d : sets) {
    if (!d->usable() || d->kind != dataset_kind::orders || !currency.empty()) continue;
    if (const column* c = d->column_of("currency")) {
      std::vector<uint32_t> counts(c->pool.size(), 0);
      for (uint32_t code : c->codes) ++counts[code];
      uint32_t best = 0;
      for (uint32_t code = 1; code < counts.size(); ++code) {
        if (counts[code] > counts[best] || best == 0) best = counts[code] ? code : best;
      }
      if (best) currency = std::string(trim(c->pool.get(best)));
    }
    if (currency.empty()) {
      if (const column* t = d->column_of("total")) currency = t->format.currency;
    }
  }
  w.key("currency");
  if (currency.empty()) {
    w.null();
  } else {
    w.value(currency);
  }
  w.key("datasets").begin_array();
  for (const dataset* const& d : sets) {
    w.begin_object();
    w.field("file", d->file);
    w.field("kind", kind_name(d->kind));
    const size_t di = &d - sets.data();
    const model::dataset_issues& issues = m.issues[di];
    w.field("rows", static_cast<uint64_t>(d->tbl.rows()));
    w.field("skipped", d->info.skipped + issues.skipped);
    w.field("usable", d->usable());
    w.field("error", d->info.error);
    w.key("missing").begin_array();
    for (const std::string& s : d->missing) w.value(s);
    w.end_array();
    w.key("roles").begin_object();
    for (const auto& [role, idx] : d->roles) w.field(role, d->tbl.columns[idx].name);
    w.end_object();
    w.field("warning_count", d->info.warning_count + issues.skipped + issues.conflicts);
    w.key("warnings").begin_array();
    size_t shown = 0;
    for (const auto* list : {&d->info.warnings, &issues.warnings}) {
      for (const warning& wr : *list) {
        if (shown++ == MAX_WARNINGS) break;
        w.begin_object().field("line", wr.line).field("reason", wr.reason).end_object();
      }
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("kpis").begin_object();
  for (std::string_view id : KPI_ORDER) {
    auto it = parts.kpis.find(std::string(id));
    if (it == parts.kpis.end()) continue;
    w.key(id).raw(it->second);
  }
  w.end_object();
  w.key("series").begin_object();
  for (const auto& [id, text] : parts.series) w.key(id).raw(text);
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace kpi
