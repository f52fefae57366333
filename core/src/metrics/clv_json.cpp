// The predicted_clv KPI object of the report.
#include <cstdint>

#include "kpi/json_writer.h"
#include "kpi/metrics/clv_model.h"

namespace kpi {

namespace {

void write_params(json_writer& w, const std::array<double, 4>& bg,
                  const std::array<double, 3>& gg) {
  w.begin_object();
  w.field("r", bg[0]).field("alpha", bg[1]).field("a", bg[2]).field("b", bg[3]);
  w.field("p", gg[0]).field("q", gg[1]).field("gamma", gg[2]);
  w.end_object();
}

// One record serves the top list, the at-risk list and the full customer table.
void write_customer(json_writer& w, const clv_customer& c) {
  const bool repeat = c.rfm.x > 0;
  w.begin_object();
  w.field("id", c.id);
  w.field("x", c.rfm.x).field("t_x", c.rfm.t_x).field("T", c.rfm.T);
  w.key("m");
  repeat ? w.value(c.rfm.m) : w.null();
  w.key("historical_value");  // (x + 1) m: only known for repeat customers
  repeat ? w.value((c.rfm.x + 1) * c.rfm.m) : w.null();
  w.field("expected_purchases", c.expected_purchases);
  w.field("p_alive", c.p_alive);
  w.field("expected_spend", c.expected_spend);
  w.field("predicted_value", c.predicted_value);
  w.end_object();
}

void write_customers(json_writer& w, const clv_result& res, const std::vector<size_t>& which) {
  w.begin_array();
  for (size_t i : which) write_customer(w, res.per_customer[i]);
  w.end_array();
}

}  // namespace

void write_predicted_clv(json_writer& w, const clv_result& res, bool with_customers) {
  w.key("value");
  res.ok ? w.value(res.mean_predicted_value) : w.null();
  w.field("status", res.ok ? "ok" : "undefined");
  w.field("unit", "currency");
  if (!res.ok) w.field("reason", res.reason);
  w.field("horizon_weeks", res.options.horizon_weeks);
  w.key("params");
  write_params(w, {res.r, res.alpha, res.a, res.b}, {res.p, res.q, res.gamma});
  w.key("std_errors");
  write_params(w, res.se_bgnbd, res.se_gg);
  w.key("log_likelihood").begin_object();
  w.field("bgnbd", res.ll_bgnbd).field("gamma_gamma", res.ll_gg);
  w.end_object();
  w.key("converged").begin_object();
  w.field("bgnbd", res.converged_bgnbd).field("gamma_gamma", res.converged_gg);
  w.end_object();
  w.field("customers", static_cast<uint64_t>(res.customers));
  w.field("repeat_customers", static_cast<uint64_t>(res.repeat_customers));
  if (!res.ok) return;

  w.key("means").begin_object();
  w.field("expected_purchases", res.mean_expected_purchases);
  w.field("p_alive", res.mean_p_alive);
  w.field("expected_spend", res.mean_expected_spend);
  w.field("predicted_value", res.mean_predicted_value);
  w.end_object();
  w.key("top");
  write_customers(w, res, res.top);
  w.field("at_risk_threshold", res.at_risk_threshold);
  w.key("at_risk");
  write_customers(w, res, res.at_risk);
  w.key("distribution").begin_object();
  w.key("edges").begin_array();
  for (double e : res.distribution.edges) w.value(e);
  w.end_array();
  w.key("counts").begin_array();
  for (uint64_t c : res.distribution.counts) w.value(c);
  w.end_array();
  w.field("above", res.distribution.above);
  w.end_object();
  if (with_customers) {
    // Not "customers": that key already holds the count.
    w.key("per_customer").begin_array();
    for (const auto& c : res.per_customer) write_customer(w, c);
    w.end_array();
  }
}

}  // namespace kpi
