// A deterministic simulator of BG/NBD purchasing and Gamma-Gamma spend, for the CLV tests and
// benchmark. The samplers are written here rather than taken from <random>: libstdc++ and
// libc++ implement std::gamma_distribution differently, while std::mt19937_64 is specified
// bit for bit, so the same seed gives the same customers natively and in wasm.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kpi/metrics/clv_model.h"

namespace kpi::test_support {

class sampler {
 public:
  explicit sampler(uint64_t seed) : engine_(seed) {}

  // Uniform on the open interval (0, 1) from the top 53 bits.
  double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }

  // Standard normal (Marsaglia's polar method).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double f = std::sqrt(-2 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

  // Exponential with the given rate (infinity for rate 0).
  double exponential(double rate) { return -std::log(uniform()) / rate; }

  // Gamma with shape k and rate (mean k / rate): Marsaglia & Tsang (2000); a shape below 1
  // uses Gamma(k + 1) U^(1/k).
  double gamma(double shape, double rate) {
    if (shape < 1) return gamma(shape + 1, rate) * std::pow(uniform(), 1 / shape);
    const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v / rate;
      if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v / rate;
    }
  }

  double beta(double a, double b) {
    const double x = gamma(a, 1), y = gamma(b, 1);
    return x / (x + y);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// One customer's purchases: times in weeks after the first purchase (which is at 0 and is
// included, with its spend), up to `T` weeks.
struct simulated_history {
  std::vector<double> times;
  std::vector<double> spends;
};

// Draws a customer from BG/NBD (lambda ~ Gamma(r, alpha), p ~ Beta(a, b); purchases at rate
// lambda; after each repeat purchase the customer drops out with probability p) and
// Gamma-Gamma spends (nu ~ Gamma(q, gamma); each spend ~ Gamma(p, nu)), observed for T weeks.
inline simulated_history simulate_history(sampler& s, const bgnbd_params& bg,
                                          const gamma_gamma_params& gg, double T) {
  const double lambda = s.gamma(bg.r, bg.alpha), drop = s.beta(bg.a, bg.b);
  const double nu = s.gamma(gg.q, gg.gamma);
  simulated_history h;
  h.times.push_back(0);
  h.spends.push_back(s.gamma(gg.p, nu));
  double t = 0;
  for (;;) {
    t += s.exponential(lambda);
    if (!(t <= T)) break;
    h.times.push_back(t);
    h.spends.push_back(s.gamma(gg.p, nu));
    if (s.uniform() < drop) break;
  }
  return h;
}

// The exact (continuous-time) summary of a simulated history.
inline customer_rfm summary_of(const simulated_history& h, double T) {
  customer_rfm c;
  c.x = static_cast<double>(h.times.size() - 1);
  c.t_x = h.times.back();
  c.T = T;
  double repeat = 0;
  for (size_t i = 1; i < h.spends.size(); ++i) repeat += h.spends[i];
  c.m = c.x > 0 ? repeat / c.x : 0;
  return c;
}

// n customers with ages T uniform in [T_min, T_max] weeks.
inline std::vector<customer_rfm> simulate_customers(uint64_t seed, size_t n, const bgnbd_params& bg,
                                                    const gamma_gamma_params& gg, double T_min,
                                                    double T_max) {
  sampler s(seed);
  std::vector<customer_rfm> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const double T = T_min + (T_max - T_min) * s.uniform();
    out.push_back(summary_of(simulate_history(s, bg, gg, T), T));
  }
  return out;
}

// n customers as a store records them: dated purchases (whole days since 1970-01-01) of a
// cohort whose first purchases fall in the `cohort_days` days starting at `first_day`,
// observed up to `last_day` inclusive.
inline std::vector<std::vector<dated_purchase>> simulate_daily_purchases(
    uint64_t seed, size_t n, const bgnbd_params& bg, const gamma_gamma_params& gg,
    int64_t first_day, int64_t cohort_days, int64_t last_day) {
  sampler s(seed);
  std::vector<std::vector<dated_purchase>> out(n);
  for (auto& purchases : out) {
    const auto start =
        first_day + static_cast<int64_t>(s.uniform() * static_cast<double>(cohort_days));
    const double T = static_cast<double>(last_day - start) / 7;
    const simulated_history h = simulate_history(s, bg, gg, T);
    for (size_t i = 0; i < h.times.size(); ++i) {
      purchases.push_back({start + static_cast<int64_t>(std::floor(h.times[i] * 7)), h.spends[i]});
    }
  }
  return out;
}

}  // namespace kpi::test_support
