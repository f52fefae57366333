// Internals shared by the KPI families: periods and buckets, the orders model, and the
// helpers that write a KPI object the same way everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kpi/json_writer.h"
#include "kpi/metrics/clv_model.h"
#include "kpi/session.h"
#include "kpi/table.h"
#include "kpi/threads.h"

#if LOUPE_HAS_THREADS
#include <condition_variable>
#include <mutex>
#endif

namespace kpi::detail {

inline constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// A half-open range of day numbers [from, to).
struct period {
  int64_t from = 0;
  int64_t to = 0;
  bool contains(int64_t day) const { return day >= from && day < to; }
  int64_t days() const { return to - from; }
};

// Series buckets: bucket i is [starts[i], starts[i+1]); labels like "2024-01", "2024-W05",
// "2024-Q1", "2024", "2024-01-05".
struct buckets {
  std::vector<int64_t> starts;  // size() + 1 boundaries
  std::vector<std::string> labels;
  size_t size() const { return labels.size(); }
  // Index of the bucket holding `day`, or -1.
  int index_of(int64_t day) const;
};

// Bucket boundaries covering [first_day, last_day] (inclusive) at granularity g.
buckets make_buckets(int64_t first_day, int64_t last_day, granularity g);
// The first day of the bucket of granularity g that holds `day`.
int64_t bucket_start(int64_t day, granularity g);
// Adds calendar months to a day that is the 1st of a month (or clamps the day of month).
int64_t add_months(int64_t day, int months);

// ---- The orders model: every valid and invalid order of all orders datasets, with the
// customers matched across files. Built once per report.
// 28 bytes: the KPI passes stream over a million of these. What only the model's build
// needs (the time of day that orders a customer's orders, the first row) stays there.
// Packed to 4 bytes (x86 and wasm read doubles at any address) rather than padded to 32. So
// its doubles are read and written by value: never bind a double& or const double& to one
// (std::max(o.revenue, x) included), which UBSan rightly reports as misaligned.
// The day fits 32 bits: dates are read with years of at most four digits and Unix times
// below 10^10 seconds (see values.cpp), days within +-3 million of 1970.
#pragma pack(push, 4)
struct order {
  uint32_t customer = 0;      // index into model::customers
  uint32_t channel : 31 = 0;  // index into model::channels; 0 = none
  uint32_t valid : 1 = 1;
  int32_t day = 0;
  double revenue = 0;         // total - refunded amount
  double cost = NaN;          // NaN when the order has no cost
};
#pragma pack(pop)
static_assert(sizeof(order) == 28);

// product_units as the model's build sums it (see build_model): valid orders' line quantities
// (1 per order without a line row) in P and in P', and per product, in order of first line in
// P, its units and revenue in P.
struct product_total {
  std::string name;
  double units = 0;
  double revenue = 0;
};
struct product_units_sums {
  double total = 0;
  double previous = 0;
  std::vector<product_total> items;
};

// How the model keys a customer: by id, else by lower-cased e-mail. The text is a view into
// a dataset's pool or the model's own store, so a key costs no allocation.
struct customer_ref {
  std::string_view text;  // the trimmed id, or the lower-cased e-mail when by_email
  bool by_email = false;
  bool empty() const { return text.empty(); }
  bool operator==(const customer_ref&) const = default;
  // Orders as the texts "email:..." < "id:..." would.
  bool operator<(const customer_ref& o) const {
    return by_email != o.by_email ? by_email : text < o.text;
  }
};
struct customer_ref_hash {
  size_t operator()(const customer_ref& k) const {
    return std::hash<std::string_view>()(k.text) ^ static_cast<size_t>(k.by_email);
  }
};

// 32 bytes (24 in wasm32): there is one per customer. What a customers dataset adds lives
// apart (most stores have no such file).
struct customer_info {
  std::string_view key;  // the id, or the lower-cased e-mail when by_email (see customer_ref)
  int64_t first_day = std::numeric_limits<int64_t>::max();  // first valid order's day, and
  uint32_t first_order = UINT32_MAX;  // its index (both set by first_valid_orders)
  uint32_t profile : 31 = 0;  // 1 + index into model::profiles; 0 = in no customers dataset
  uint32_t by_email : 1 = 0;
  customer_ref ref() const { return {key, by_email != 0}; }
};

// What customers datasets say of a customer.
struct customer_profile {
  std::optional<int64_t> signup_day;
  std::string source;  // acquisition channel
};

struct model {
  bool has_orders = false;
  bool has_cost = false;
  bool has_channel = false;
  bool has_product = false;
  bool has_customers_dataset = false;
  // Sorted by (customer, time, id). Not value-initialized: build_model writes each order
  // whole, on two threads (a pod_vector, from kpi/table.h).
  pod_vector<order> orders;
  product_units_sums product_units;   // over the orders' line rows (product, SKU, quantity)
  // Summed by first_valid_orders over the valid orders, in their order: the first and last
  // day (INT64_MAX and INT64_MIN when none), and historical_clv's realised revenue and
  // customers with a valid order before the end of P (until_P) and of P' (until_prev).
  int64_t first_valid_day = std::numeric_limits<int64_t>::max();
  int64_t last_valid_day = std::numeric_limits<int64_t>::min();
  struct realised {
    double revenue = 0;
    double customers = 0;
  };
  realised until_P, until_prev;
  std::vector<customer_info> customers;
  std::vector<customer_profile> profiles;  // see customer_info::profile
  std::vector<std::string> channels;  // display names; [0] = ""
  std::vector<std::string> products;  // trimmed product (or SKU) names; [0] = ""
  // key -> index; built lazily (index_customers) when customers were added without it.
  mutable std::unordered_map<customer_ref, uint32_t, customer_ref_hash> customer_index;
  // The texts of keys that no dataset holds as they are (lower-cased e-mails); stable.
  std::deque<std::string> key_texts;
  mutable size_t indexed_customers = 0;  // customers[0, indexed_customers) are in the index
  void index_customers() const;
  std::map<std::string, std::string> email_to_id;  // lower-cased e-mail -> customer id
  // Per dataset (same index as the report's dataset list): order rows dropped for a missing
  // or unreadable customer, date or total, and repeated order ids with another total.
  struct dataset_issues {
    uint64_t skipped = 0;
    uint64_t conflicts = 0;
    std::vector<warning> warnings;  // the first few, with line numbers
  };
  std::vector<dataset_issues> issues;

  // The customer index for a row that has a customer id and/or e-mail, or -1 when the
  // customer never appears in orders or customers datasets.
  int64_t find_customer(std::string_view id, std::string_view email) const;
  // The signup day and source a customers dataset gives `c` (none and "" when none does).
  std::optional<int64_t> signup_day(const customer_info& c) const {
    return c.profile ? profiles[c.profile - 1].signup_day : std::nullopt;
  }
  std::string_view source(const customer_info& c) const {
    return c.profile ? std::string_view(profiles[c.profile - 1].source) : std::string_view();
  }
  // "id:<id>" / "email:<lower-cased e-mail>" as the model keys customers.
  std::string customer_key(std::string_view id, std::string_view email) const;
  // The same key as a reference; a lower-cased e-mail is written into `folded`, which the
  // result then points into.
  customer_ref customer_ref_of(std::string_view id, std::string_view email,
                               std::string& folded) const;
};

// Builds the model from every usable orders and customers dataset in `sets`; product_units
// is summed over P and `prev`. The customers' first valid orders and the sums over the valid
// orders are left to first_valid_orders.
model build_model(const std::vector<const dataset*>& sets, period P, period prev);

// True for status values that make an order invalid (METRICS.md + INPUTS.md).
bool invalid_status(std::string_view status);
// yes/y/true/1/si/da/是 (trimmed, case-insensitive).
bool truthy(std::string_view value);
// Trimmed, lower-cased copy (ASCII), for matching channel names.
std::string fold(std::string_view s);
// Without surrounding spaces and tabs.
std::string_view trim(std::string_view s);

// ---- Per-bucket order statistics in one pass over the orders, for contiguous buckets
// [bounds[i], bounds[i+1]). Used for P against P', W against W', and every trend series.
struct bucket_stats {
  double revenue = 0;
  double orders = 0;            // distinct valid orders
  double active = 0;            // distinct customers with a valid order
  double new_customers = 0;     // customers whose first valid order is in the bucket
  double returning = 0;         // active customers whose first order is before the bucket
  double repeat_customers = 0;  // customers with >= 2 valid orders in the bucket
  double repeat_orders = 0;     // valid orders that are not their customer's first
  double gap_sum = 0;           // days between consecutive valid orders, later one here
  double gap_count = 0;
  double gross_profit = 0;      // revenue - cost
  double retained = 0;          // active here and in the bucket before
};

// ---- Everything a KPI family needs.
struct context {
  const std::vector<const dataset*>& sets;
  const report_options& options;
  const model& m;
  period P;
  period prev;
  bool whole_months = false;
  buckets series;  // trend buckets over the data's range
  // The first usable dataset of a kind, or all of them.
  std::vector<const dataset*> of_kind(dataset_kind k) const;
  // order_stats(m, bounds), computed once per distinct bounds (see prepare_stats).
  const std::vector<bucket_stats>& stats(const std::vector<int64_t>& bounds) const;
  // Computes the order statistics of every bounds in one pass over the orders, for stats().
  void prepare_stats(const std::vector<std::vector<int64_t>>& all_bounds) const;
  mutable std::deque<std::pair<std::vector<int64_t>, std::vector<bucket_stats>>> stats_memo;
};

// The start of the period before P' (of P's length, in whole months when P is), for the
// previous value of churn.
int64_t before_previous(const context& ctx);
// The bounds {W' from, W from, to} of the CLV formula's windows ending at `to`.
std::vector<int64_t> clv_window_bounds(int64_t to);

// Collected KPI objects and series, assembled into the report in a fixed order.
struct report_parts {
  std::map<std::string, std::string> kpis;    // id -> JSON object text
  std::map<std::string, std::string> series;  // id -> JSON array text
};

// ---- Writing KPI objects. Each writes fields into an object the caller has opened.
// A ratio num/den x scale; den == 0 gives status undefined with value null.
void write_ratio(json_writer& w, double num, double den, double scale, std::string_view unit);
// A plain total (sums over an empty period are 0 with status ok).
void write_total(json_writer& w, double value, std::string_view unit);
// An unavailable KPI: value null, the datasets/columns it needs, no previous.
void write_unavailable(json_writer& w, std::string_view unit, const std::vector<std::string>& needs);
// "previous": num/den x scale or null.
void write_previous_ratio(json_writer& w, double num, double den, double scale);
// The whole unavailable KPI object as text.
std::string unavailable_kpi(std::string_view unit, const std::vector<std::string>& needs);

// A series of ratios: per bucket num/den x scale (null when den == 0).
std::string ratio_series(const buckets& b, const std::vector<double>& num,
                         const std::vector<double>& den, double scale);
// A series of totals.
std::string total_series(const buckets& b, const std::vector<double>& values);

// Linear-interpolated percentile (numpy's default) of sorted values, q in [0, 1].
double percentile_sorted(const std::vector<double>& sorted, double q);

std::vector<bucket_stats> order_stats(const model& m, const std::vector<int64_t>& bounds);
// order_stats for several sets of bounds in a single pass; each result is the same, to the
// bit, as order_stats of its bounds alone.
std::vector<std::vector<bucket_stats>> order_stats(const model& m,
                                                   const std::vector<std::vector<int64_t>>& all);

// Sets each customer's first_order and first_day, and the model's first_valid_day,
// last_valid_day, until_P and until_prev (over the valid orders, in their order), and computes
// ctx's order statistics of every `stats_bounds` (see context::prepare_stats): all in one pass
// over the orders, which the statistics need the first orders of. `ctx` is over `m`, and this
// runs once, before any family. Apart from build_model so that the report can run it beside
// the CLV fits, which read none of these (and write nothing it reads).
void first_valid_orders(model& m, const context& ctx,
                        const std::vector<std::vector<int64_t>>& stats_bounds);

// Marketing spend in `p`, rows spread evenly over the days they cover; optionally per folded
// channel name (with display names). Returns NaN when there is no usable spend dataset.
double spend_in(const context& ctx, period p, std::map<std::string, double>* by_channel = nullptr,
                std::map<std::string, std::string>* channel_names = nullptr);

// A customer's acquisition channel: customers-dataset source, else the channel of their first
// valid order, else "(unknown)".
std::string acquisition_channel(const model& m, uint32_t customer);

// ---- KPI families. Each adds its KPI objects and series to `out`.
void sales_kpis(const context& ctx, report_parts& out);        // sales, loyalty, CLV formula
void acquisition_kpis(const context& ctx, report_parts& out);  // cac, sources, leads, traffic,
                                                                // member growth
void retention_kpis(const context& ctx, report_parts& out);    // churn, CRR, subscriptions,
                                                                // activity
void cohort_kpis(const context& ctx, report_parts& out);       // cohort retention
void survey_kpis(const context& ctx, report_parts& out);       // nps, csat, ces
void support_kpis(const context& ctx, report_parts& out);      // fcr, resolution time
void social_kpis(const context& ctx, report_parts& out);       // social_sentiment

// predicted_clv, in steps so that the report can run the two periods' fits on two threads:
// fit_now on one, fit_previous on the other (which summarizes and groups its customers, then
// waits for fit_now's optima to start from), then write. Or all three in that order on one
// thread. fit_previous runs after first_valid_orders (it reads model::until_prev).
class predicted_clv_work {
 public:
  void fit_now(const context& ctx);
  void fit_previous(const context& ctx);
  void write(const context& ctx, report_parts& out) const;

 private:
  // Gives fit_previous its starts (empty: none), once; `failed`: fit_now threw. Taken by
  // value, so that copying them (which may throw) is done before anything is handed over.
  void hand_over(fit_start bgnbd, fit_start gamma_gamma, bool failed = false);

  clv_result now_;
  std::optional<double> previous_;
  bool handed_ = false, failed_ = false;
  fit_start bgnbd_start_, gamma_gamma_start_;
#if LOUPE_HAS_THREADS
  std::mutex m_;
  std::condition_variable cv_;
#endif
};

// fit_predicted_clv with the customer ids given one at a time, by position (each asked for at
// most once besides the error message), rather than a string per customer held throughout.
clv_result fit_predicted_clv(size_t id_count, const std::function<std::string(size_t)>& take_id,
                             std::vector<customer_rfm> rfm, const clv_options& options);

}  // namespace kpi::detail
