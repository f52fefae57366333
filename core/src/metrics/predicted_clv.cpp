// predicted_clv: builds each customer's purchase history from the orders model and hands it
// to the BG/NBD + Gamma-Gamma fit (metrics/clv_model.h).
#include "kpi/detail/report_parts.h"
#include "kpi/metrics/clv_model.h"

namespace kpi::detail {

namespace {

// The summaries of the customers with a valid order dated before `to`, and each summary's
// customer (unless means_only). The orders are sorted by customer and time, so each
// customer's summary is built in one pass, with the same arithmetic as summarize_customer
// (same-day purchases are one, revenue after the first day summed in time order). Room is
// made for `room` summaries: their number, or more.
struct summaries {
  std::vector<uint32_t> ids;  // each summary's customer: 4 bytes, not a string, per customer
  std::vector<customer_rfm> rfm;
};

summaries summarize_until(const model& m, int64_t to, bool means_only, size_t room) {
  summaries out;
  std::vector<uint32_t>& ids = out.ids;
  std::vector<customer_rfm>& rfm = out.rfm;
  const int64_t last_day = to - 1;
  uint32_t current = UINT32_MAX;
  // No regrowth (copies) while reading. Capacity that stays unused is never touched, so it
  // costs no pages, but the block must still find a hole that big in the wasm memory.
  if (!means_only) ids.reserve(room);
  rfm.reserve(room);
  int64_t first = 0, last = 0, days = 0;
  double repeat_revenue = 0;
  auto flush = [&] {
    if (current == UINT32_MAX) return;
    customer_rfm c;
    c.x = static_cast<double>(days - 1);
    c.t_x = static_cast<double>(last - first) / 7;
    c.T = static_cast<double>(last_day - first) / 7;
    c.m = days > 1 ? repeat_revenue / c.x : 0;
    rfm.push_back(c);
  };
  for (const order& o : m.orders) {
    if (!o.valid || o.day >= to) continue;
    if (o.customer != current) {
      flush();
      current = o.customer;
      // People see the id or the e-mail.
      if (!means_only) ids.push_back(current);
      first = last = o.day;
      days = 1;
      repeat_revenue = 0;
    } else if (o.day != last) {
      last = o.day;
      ++days;
    }
    if (o.day != first) repeat_revenue += o.revenue;
  }
  flush();
  return out;
}

// Fits the customers of `s` (see summarize_until).
clv_result fit(const model& m, summaries s, const clv_options& options) {
  const size_t id_count = s.ids.size();
  return fit_predicted_clv(
      id_count, [&](size_t i) { return std::string(m.customers[s.ids[i]].key); },
      std::move(s.rfm), options);
}

}  // namespace

void predicted_clv_work::fit_now(const context& ctx) {
  if (!ctx.m.has_orders) return;
  // The per-customer records are written only in the customer table.
  clv_options options;
  options.all_customers = ctx.options.customers;
  options.fitted = [this](const clv_result& r) {
    hand_over(r.bgnbd_optimum, r.gamma_gamma_optimum);
  };
  try {
    // At most one summary per customer (first_valid_orders, which counts them, may be
    // running beside this).
    now_ = fit(ctx.m, summarize_until(ctx.m, ctx.P.to, false, ctx.m.customers.size()), options);
  } catch (...) {
    hand_over({}, {}, true);
    throw;
  }
  hand_over({}, {});  // nothing once handed over; else the fit was refused: no starts
}

// The previous period's fit: only its mean is shown, so it needs neither standard errors nor
// per-customer records. It starts from this period's optima, which are usually close to its
// own: fewer iterations to the same optimum. It waits for them in clv_options::starts, once
// it has summarized and grouped its customers. It runs after first_valid_orders, whose count
// of the customers with a valid order before P' ends sizes the summaries: at 5M orders,
// 34 MB rather than the 47 MB of one per customer, while this period's fit holds its own.
void predicted_clv_work::fit_previous(const context& ctx) {
  if (!ctx.m.has_orders) return;
  clv_options options;
  options.means_only = true;
  options.starts = [this](fit_start& bgnbd, fit_start& gamma_gamma) {
#if LOUPE_HAS_THREADS
    std::unique_lock lock(m_);
    cv_.wait(lock, [this] { return handed_; });
#endif
    if (failed_) return false;  // fit_now threw: the report fails with its exception
    bgnbd = std::move(bgnbd_start_);
    gamma_gamma = std::move(gamma_gamma_start_);
    return true;
  };
  const size_t customers = static_cast<size_t>(ctx.m.until_prev.customers);
  const clv_result before =
      fit(ctx.m, summarize_until(ctx.m, ctx.prev.to, true, customers), options);
  if (before.ok) previous_ = before.mean_predicted_value;
}

void predicted_clv_work::hand_over(fit_start bgnbd, fit_start gamma_gamma, bool failed) {
  {
#if LOUPE_HAS_THREADS
    std::lock_guard lock(m_);
#endif
    if (handed_) return;
    handed_ = true;
    failed_ = failed;
    bgnbd_start_ = std::move(bgnbd);  // moved, not copied: nothing here throws
    gamma_gamma_start_ = std::move(gamma_gamma);
  }
#if LOUPE_HAS_THREADS
  cv_.notify_all();
#endif
}

void predicted_clv_work::write(const context& ctx, report_parts& out) const {
  if (!ctx.m.has_orders) {
    out.kpis["predicted_clv"] = unavailable_kpi("currency", {"orders"});
    return;
  }
  json_writer w;
  w.begin_object();
  write_predicted_clv(w, now_, ctx.options.customers);
  w.key("previous");
  if (previous_) {
    w.value(*previous_);
  } else {
    w.null();
  }
  w.end_object();
  out.kpis["predicted_clv"] = w.take();
}

}  // namespace kpi::detail
