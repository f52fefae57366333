// Predicted CLV on 100,000 simulated customers: the whole KPI (both fits, standard errors,
// per-customer predictions) and its parts. The customers are drawn from CDNOW-like BG/NBD and
// Gamma-Gamma parameters as dated purchases over a year, as a store's orders would give them.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "../core/clv_simulator.h"
#include "kpi/metrics/clv_model.h"

namespace {

using namespace kpi;

constexpr size_t CUSTOMERS = 100'000;
constexpr int64_t FIRST_DAY = 19358;  // 2023-01-01
constexpr int64_t LAST_DAY = FIRST_DAY + 364;

const std::vector<std::vector<dated_purchase>>& purchases() {
  static const auto p = test_support::simulate_daily_purchases(
      42, CUSTOMERS, {0.243, 4.414, 0.793, 2.426}, {6.25, 3.74, 15.44}, FIRST_DAY, 91, LAST_DAY);
  return p;
}

const std::vector<customer_rfm>& summaries() {
  static const auto s = summarize_purchases(purchases(), LAST_DAY);
  return s;
}

const std::vector<std::string>& ids() {
  static const auto v = [] {
    std::vector<std::string> out;
    for (size_t i = 0; i < CUSTOMERS; ++i)
      out.push_back(std::string("customer-").append(std::to_string(i)));
    return out;
  }();
  return v;
}

void BM_clv_summarize(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(summarize_purchases(purchases(), LAST_DAY));
}
BENCHMARK(BM_clv_summarize)->Unit(benchmark::kMillisecond);

void BM_clv_fit_bgnbd(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fit_bgnbd(summaries()));
}
BENCHMARK(BM_clv_fit_bgnbd)->Unit(benchmark::kMillisecond);

void BM_clv_fit_gamma_gamma(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(fit_gamma_gamma(summaries()));
}
BENCHMARK(BM_clv_fit_gamma_gamma)->Unit(benchmark::kMillisecond);

// The call the engine makes: both fits, refusal checks and every customer's prediction.
void BM_clv_fit_predicted_clv(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto id_copy = ids();
    auto rfm_copy = summaries();
    state.ResumeTiming();
    clv_result res = fit_predicted_clv(std::move(id_copy), std::move(rfm_copy), clv_options{});
    if (!res.ok) state.SkipWithError(res.reason.c_str());
    benchmark::DoNotOptimize(res);
  }
}
BENCHMARK(BM_clv_fit_predicted_clv)->Unit(benchmark::kMillisecond);

}  // namespace
