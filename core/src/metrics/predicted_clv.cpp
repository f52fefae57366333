// predicted_clv: builds each customer's purchase history from the orders model and hands it
// to the BG/NBD + Gamma-Gamma fit (metrics/clv_model.h).
#include "kpi/detail/report_parts.h"
#include "kpi/metrics/clv_model.h"

namespace kpi::detail {

namespace {

// Fits on valid orders dated before `to`; customers are those with such an order. The orders
// are sorted by customer and time, so each customer's summary is built in one pass, with the
// same arithmetic as summarize_customer (same-day purchases are one, revenue after the first
// day summed in time order).
clv_result fit_until(const model& m, int64_t to, const clv_options& options) {
  std::vector<uint32_t> ids;  // each summary's customer: 4 bytes, not a string, per customer
  std::vector<customer_rfm> rfm;
  const int64_t last_day = to - 1;
  uint32_t current = UINT32_MAX;
  // At most one entry per customer: no regrowth (copies) while reading. Capacity that stays
  // unused is never touched, so it costs address space, not memory.
  if (!options.means_only) ids.reserve(m.customers.size());
  rfm.reserve(m.customers.size());
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
      if (!options.means_only) ids.push_back(current);
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
  const size_t id_count = ids.size();
  return fit_predicted_clv(
      id_count, [&](size_t i) { return std::string(m.customers[ids[i]].key); }, std::move(rfm),
      options);
}

}  // namespace

void predicted_clv_kpi(const context& ctx, report_parts& out) {
  if (!ctx.m.has_orders) {
    out.kpis["predicted_clv"] = unavailable_kpi("currency", {"orders"});
    return;
  }
  // The per-customer records are written only in the customer table.
  clv_options now_options;
  now_options.all_customers = ctx.options.customers;
  const clv_result now = fit_until(ctx.m, ctx.P.to, now_options);
  // The previous period's fit: only its mean is shown, so it needs neither standard errors
  // nor per-customer records. It starts from this period's parameters, which are usually
  // close to its own: fewer iterations to the same optimum.
  std::optional<double> previous;
  {
    clv_options before_options;
    before_options.means_only = true;
    if (now.ok) {
      before_options.bgnbd_start = now.bgnbd_optimum;
      before_options.gamma_gamma_start = now.gamma_gamma_optimum;
    }
    const clv_result before = fit_until(ctx.m, ctx.prev.to, before_options);
    if (before.ok) previous = before.mean_predicted_value;
  }
  json_writer w;
  w.begin_object();
  write_predicted_clv(w, now, ctx.options.customers);
  w.key("previous");
  if (previous) {
    w.value(*previous);
  } else {
    w.null();
  }
  w.end_object();
  out.kpis["predicted_clv"] = w.take();
}

}  // namespace kpi::detail
