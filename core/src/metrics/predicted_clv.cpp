// predicted_clv: builds each customer's purchase history from the orders model and hands it
// to the BG/NBD + Gamma-Gamma fit (metrics/clv_model.h).
#include "kpi/detail/report_parts.h"
#include "kpi/metrics/clv_model.h"

namespace kpi::detail {

namespace {

// Fits on valid orders dated before `to`; customers are those with such an order.
clv_result fit_until(const model& m, int64_t to) {
  std::vector<std::string> ids;
  std::vector<std::vector<dated_purchase>> purchases;
  uint32_t current = UINT32_MAX;
  for (const order& o : m.orders) {
    if (!o.valid || o.day >= to) continue;
    if (o.customer != current) {
      current = o.customer;
      const std::string& key = m.customers[current].key;
      // Keys are "id:..." or "email:..."; people want to see the id or the e-mail.
      ids.push_back(key.substr(key.find(':') + 1));
      purchases.emplace_back();
    }
    purchases.back().push_back({o.day, o.revenue});
  }
  return fit_predicted_clv(std::move(ids), summarize_purchases(purchases, to - 1), clv_options{});
}

}  // namespace

void predicted_clv_kpi(const context& ctx, report_parts& out) {
  if (!ctx.m.has_orders) {
    out.kpis["predicted_clv"] = unavailable_kpi("currency", {"orders"});
    return;
  }
  const clv_result now = fit_until(ctx.m, ctx.P.to);
  const clv_result before = fit_until(ctx.m, ctx.prev.to);
  json_writer w;
  w.begin_object();
  write_predicted_clv(w, now, ctx.options.customers);
  w.key("previous");
  if (before.ok) {
    w.value(before.mean_predicted_value);
  } else {
    w.null();
  }
  w.end_object();
  out.kpis["predicted_clv"] = w.take();
}

}  // namespace kpi::detail
