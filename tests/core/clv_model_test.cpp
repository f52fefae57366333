// Tests for metrics/clv_model.h: the optimiser and special functions on their own, the closed
// forms against independent numerical integration over the mixing distributions, parameter
// recovery on simulated customers, the published CDNOW fits, refusals and the JSON object.
#include "kpi/metrics/clv_model.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "clv_simulator.h"
#include "kpi/json_writer.h"
#include "kpi/values.h"

namespace kpi {
namespace {

using detail::hyp2f1;
using detail::minimize_bfgs;
using detail::objective;

constexpr double PI = std::numbers::pi;

// ---- Quadrature written for these tests ----
//
// Double-exponential rules (tanh-sinh, exp-sinh): they converge quickly even with the
// endpoint singularities of gamma and beta densities with shape < 1 (lambda^(r-1), p^(a-1)).

// Nodes and weights of a rule; `complement` is 1 - x computed without cancellation.
struct quadrature_rule {
  std::vector<double> x, complement, w;
};

// tanh-sinh on (0, 1).
quadrature_rule unit_rule(int steps_per_unit = 64, double t_max = 4.2) {
  quadrature_rule q;
  const double h = 1.0 / steps_per_unit;
  const int n = static_cast<int>(t_max * steps_per_unit);
  for (int i = -n; i <= n; ++i) {
    const double t = i * h, u = PI / 2 * std::sinh(t), c = std::cosh(u);
    const double w = h * PI / 4 * std::cosh(t) / (c * c);
    if (!(w > 0) || !std::isfinite(w)) continue;
    q.x.push_back(1 / (1 + std::exp(-2 * u)));
    q.complement.push_back(1 / (1 + std::exp(2 * u)));
    q.w.push_back(w);
  }
  return q;
}

// exp-sinh on (0, infinity).
quadrature_rule positive_rule(int steps_per_unit = 64, double t_lo = -6.3, double t_hi = 4.0) {
  quadrature_rule q;
  const double h = 1.0 / steps_per_unit;
  for (int i = static_cast<int>(t_lo * steps_per_unit);
       i <= static_cast<int>(t_hi * steps_per_unit); ++i) {
    const double t = i * h, x = std::exp(PI / 2 * std::sinh(t));
    if (!(x > 0) || !std::isfinite(x)) continue;
    q.x.push_back(x);
    q.complement.push_back(1 - x);
    q.w.push_back(h * PI / 2 * std::cosh(t) * x);
  }
  return q;
}

template <class F>
double integrate(const quadrature_rule& q, F f) {
  double sum = 0;
  for (size_t i = 0; i < q.x.size(); ++i) sum += q.w[i] * f(q.x[i], q.complement[i]);
  return sum;
}

double log_gamma_density(double v, double shape, double rate) {
  return shape * std::log(rate) + (shape - 1) * std::log(v) - rate * v - std::lgamma(shape);
}

double log_beta_density(double p, double one_minus_p, double a, double b) {
  return (a - 1) * std::log(p) + (b - 1) * std::log(one_minus_p) + std::lgamma(a + b) -
         std::lgamma(a) - std::lgamma(b);
}

// Euler's integral: 2F1(a,b;c;z) = Gamma(c)/(Gamma(b)Gamma(c-b)) int_0^1 t^(b-1) (1-t)^(c-b-1)
// (1-zt)^-a dt, for c > b > 0 and z < 1.
double hyp2f1_by_integral(double a, double b, double c, double z) {
  const double log_norm = std::lgamma(c) - std::lgamma(b) - std::lgamma(c - b);
  return integrate(unit_rule(), [&](double t, double omt) {
    const double one_minus_zt = omt + t * (1 - z);  // = 1 - z t without cancellation near 1
    return std::exp(log_norm + (b - 1) * std::log(t) + (c - b - 1) * std::log(omt) -
                    a * std::log(one_minus_zt));
  });
}

// BG/NBD quantities of one customer by integrating the individual-level model over
// lambda ~ Gamma(r, alpha) and p ~ Beta(a, b): the likelihood of the purchase history
//   (1-p)^x lambda^x e^(-lambda T) + [x > 0] p (1-p)^(x-1) lambda^x e^(-lambda t_x),
// its first term alone ("alive at T"), and that term times the purchases an alive customer
// makes in the next t weeks, (1 - e^(-lambda p t)) / p, for each t in `horizons`.
struct bgnbd_integrals {
  double likelihood = 0, alive = 0;
  std::vector<double> future;
};

bgnbd_integrals integrate_bgnbd(const bgnbd_params& pr, const customer_rfm& c,
                                const std::vector<double>& horizons) {
  static const quadrature_rule over_p = unit_rule(), over_lambda = positive_rule();
  bgnbd_integrals out;
  out.future.assign(horizons.size(), 0);
  for (size_t i = 0; i < over_p.x.size(); ++i) {
    const double p = over_p.x[i], omp = over_p.complement[i];
    const double log_p_density = log_beta_density(p, omp, pr.a, pr.b);
    for (size_t j = 0; j < over_lambda.x.size(); ++j) {
      const double lambda = over_lambda.x[j], w = over_p.w[i] * over_lambda.w[j];
      const double base =
          log_gamma_density(lambda, pr.r, pr.alpha) + log_p_density + c.x * std::log(lambda);
      const double alive = w * std::exp(base + c.x * std::log(omp) - lambda * c.T);
      const double dead =
          c.x > 0 ? w * std::exp(base + std::log(p) + (c.x - 1) * std::log(omp) - lambda * c.t_x)
                  : 0;
      out.likelihood += alive + dead;
      out.alive += alive;
      for (size_t k = 0; k < horizons.size(); ++k) {
        out.future[k] += alive * -std::expm1(-lambda * p * horizons[k]) / p;
      }
    }
  }
  return out;
}

// Gamma-Gamma: the density of the mean m of x spends, and the posterior mean of p / nu.
struct gamma_gamma_integrals {
  double likelihood, mean_numerator;
};

gamma_gamma_integrals integrate_gamma_gamma(const gamma_gamma_params& pr, double x, double m) {
  auto density = [&](double nu) {
    // x m ~ Gamma(p x, nu), so m has density x f(x m).
    return std::exp(std::log(x) + log_gamma_density(x * m, pr.p * x, nu) +
                    log_gamma_density(nu, pr.q, pr.gamma));
  };
  const quadrature_rule q = positive_rule();
  return {integrate(q, [&](double nu, double) { return density(nu); }),
          integrate(q, [&](double nu, double) { return density(nu) * pr.p / nu; })};
}

void expect_relative(double actual, double expected, double tolerance) {
  EXPECT_NEAR(actual, expected, tolerance * std::fabs(expected)) << "expected " << expected;
}

// Checks f's analytic gradient at theta against central differences; returns f(theta).
double expect_gradient_matches(const objective& f, const std::vector<double>& theta) {
  std::vector<double> g(theta.size()), scratch(theta.size());
  const double value = f(theta, g);
  for (size_t i = 0; i < theta.size(); ++i) {
    auto up = theta, down = theta;
    up[i] += 1e-6;
    down[i] -= 1e-6;
    EXPECT_NEAR(g[i], (f(up, scratch) - f(down, scratch)) / 2e-6, 1e-8) << i;
  }
  return value;
}

// ---- Optimiser ----

objective rosenbrock(size_t n) {
  return [n](std::span<const double> x, std::span<double> g) {
    double f = 0;
    std::fill(g.begin(), g.end(), 0);
    for (size_t i = 0; i + 1 < n; ++i) {
      const double u = x[i + 1] - x[i] * x[i], v = 1 - x[i];
      f += 100 * u * u + v * v;
      g[i] += -400 * x[i] * u - 2 * v;
      g[i + 1] += 200 * u;
    }
    return f;
  };
}

TEST(ClvOptimiser, MinimisesRosenbrock) {
  for (size_t n : {2, 4, 6}) {
    std::vector<double> x0;
    for (size_t i = 0; i < n; ++i) x0.push_back(i % 2 == 0 ? -1.2 : 1.0);
    auto res = minimize_bfgs(rosenbrock(n), x0);
    EXPECT_TRUE(res.converged) << n;
    for (double v : res.x) EXPECT_NEAR(v, 1, 1e-7) << n;
    EXPECT_LT(res.f, 1e-14);
  }
}

TEST(ClvOptimiser, MinimisesIllConditionedQuadratic) {
  // f = sum c_i (x_i - i)^2 with curvatures over eight orders of magnitude.
  const std::vector<double> c{1e-4, 1, 1e2, 1e4};
  objective f = [&](std::span<const double> x, std::span<double> g) {
    double v = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      const double d = x[i] - static_cast<double>(i);
      v += c[i] * d * d;
      g[i] = 2 * c[i] * d;
    }
    return v;
  };
  detail::minimize_options opts;
  opts.gradient_tolerance = 1e-12;
  auto res = minimize_bfgs(f, {5, 5, 5, 5}, opts);
  ASSERT_TRUE(res.converged);
  for (size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(res.x[i], static_cast<double>(i), 1e-6);
}

TEST(ClvOptimiser, BacksOffWhereTheObjectiveIsUndefined) {
  // f(x) = x - ln x is NaN for x <= 0; from x = 0.01 the first trial steps land there.
  objective f = [](std::span<const double> x, std::span<double> g) {
    g[0] = 1 - 1 / x[0];
    return x[0] > 0 ? x[0] - std::log(x[0]) : std::numeric_limits<double>::quiet_NaN();
  };
  auto res = minimize_bfgs(f, {0.01});
  ASSERT_TRUE(res.converged);
  EXPECT_NEAR(res.x[0], 1, 1e-8);
}

TEST(ClvOptimiser, ReportsNonConvergence) {
  detail::minimize_options opts;
  opts.max_iterations = 3;
  auto res = minimize_bfgs(rosenbrock(2), {-1.2, 1}, opts);
  EXPECT_FALSE(res.converged);
  EXPECT_EQ(res.iterations, 3);
  // Unbounded below: the line search keeps doubling and gives up.
  objective linear = [](std::span<const double> x, std::span<double> g) {
    g[0] = -1;
    return -x[0];
  };
  EXPECT_FALSE(minimize_bfgs(linear, {0}).converged);
  // Undefined at the start.
  objective undefined = [](std::span<const double>, std::span<double> g) {
    g[0] = 0;
    return std::numeric_limits<double>::quiet_NaN();
  };
  EXPECT_FALSE(minimize_bfgs(undefined, {0}).converged);
}

TEST(ClvOptimiser, HessianAndInverse) {
  // f = x0^2 + 3 x0 x1 + 5 x1^2 + x1^4 at (1, 2): Hessian [[2, 3], [3, 10 + 12 x1^2]].
  objective f = [](std::span<const double> x, std::span<double> g) {
    g[0] = 2 * x[0] + 3 * x[1];
    g[1] = 3 * x[0] + 10 * x[1] + 4 * x[1] * x[1] * x[1];
    return x[0] * x[0] + 3 * x[0] * x[1] + 5 * x[1] * x[1] + std::pow(x[1], 4);
  };
  const std::vector<double> at{1, 2};
  auto h = detail::numerical_hessian(f, at, 1e-5);
  EXPECT_NEAR(h[0], 2, 1e-8);
  EXPECT_NEAR(h[1], 3, 1e-8);
  EXPECT_NEAR(h[2], 3, 1e-8);
  EXPECT_NEAR(h[3], 58, 1e-6);
  std::vector<double> m{4, 2, 0, 2, 5, 1, 0, 1, 3};
  const auto original = m;
  ASSERT_TRUE(detail::invert_spd(m, 3));
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      double v = 0;
      for (size_t k = 0; k < 3; ++k) v += original[i * 3 + k] * m[k * 3 + j];
      EXPECT_NEAR(v, i == j ? 1 : 0, 1e-14);
    }
  }
  std::vector<double> indefinite{1, 2, 2, 1};
  EXPECT_FALSE(detail::invert_spd(indefinite, 2));
}

// ---- Special functions ----

TEST(ClvDigamma, KnownValues) {
  constexpr double EULER = 0.57721566490153286061;
  // The recurrence down from x >= 10 costs a few ulps of psi(10) ~ 2.25.
  EXPECT_NEAR(detail::digamma(1), -EULER, 4e-15);
  EXPECT_NEAR(detail::digamma(0.5), -EULER - 2 * std::log(2.0), 4e-15);
  EXPECT_NEAR(detail::digamma(0.25), -EULER - PI / 2 - 3 * std::log(2.0), 1e-14);
  EXPECT_NEAR(detail::digamma(100), 4.600161852738087, 1e-14);
  EXPECT_NEAR(detail::digamma(-0.5), 2 - EULER - 2 * std::log(2.0), 1e-14);  // reflection
  for (double x : {1e-6, 0.3, 2.7, 9.99, 10.5, 1234.5, -2.5}) {
    EXPECT_NEAR(detail::digamma(x + 1) - detail::digamma(x), 1 / x, 1e-13 * (1 + 1 / std::fabs(x)))
        << x;
  }
  EXPECT_TRUE(std::isnan(detail::digamma(0)));
  EXPECT_TRUE(std::isnan(detail::digamma(-3)));
}

TEST(ClvTrigamma, KnownValuesAndRecurrence) {
  constexpr double CATALAN = 0.91596559417721901505;
  // The recurrence up to x >= 10 sums a few terms of ~1: a few ulps.
  EXPECT_NEAR(detail::trigamma(1), PI * PI / 6, 4e-15);
  EXPECT_NEAR(detail::trigamma(2), PI * PI / 6 - 1, 4e-15);
  EXPECT_NEAR(detail::trigamma(0.5), PI * PI / 2, 1e-14);
  EXPECT_NEAR(detail::trigamma(0.25), PI * PI + 8 * CATALAN, 4e-14);
  for (double x : {1e-6, 0.3, 2.7, 9.99, 10.5, 1234.5, 1e9}) {
    const double step = detail::trigamma(x) - detail::trigamma(x + 1);
    EXPECT_NEAR(step, 1 / (x * x), 1e-13 * (1 + 1 / (x * x))) << x;
    // The derivative of digamma, by central differences (error ~1e-10 relative).
    const double h = 1e-4 * x;
    expect_relative((detail::digamma(x + h) - detail::digamma(x - h)) / (2 * h),
                    detail::trigamma(x), x < 1e6 ? 1e-7 : 1e-4);
  }
  EXPECT_TRUE(std::isnan(detail::trigamma(0)));
  EXPECT_TRUE(std::isnan(detail::trigamma(-1.5)));
}

struct hyp2f1_case {
  double a, b, c, z, expected;
};

TEST(ClvHypergeometric, ClosedForms) {
  std::vector<hyp2f1_case> cases;
  for (double z : {0.3, 0.5, 0.95, 0.999, 0.999999, -0.5, -0.99, -5.0, -200.0}) {
    cases.push_back({1, 1, 2, z, -std::log1p(-z) / z});          // -ln(1-z)/z
    cases.push_back({1.7, 0.6, 0.6, z, std::pow(1 - z, -1.7)});  // (1-z)^-a
    // A terminating series: 1 - 5z + 7z^2 - 3z^3 = (1-z)^2 (1-3z). Near its double root at
    // z = 1 the value is tiny and the terms cancel, so it is checked to an absolute 1e-13.
    EXPECT_NEAR(hyp2f1(-3, 2.5, 1.5, z), (1 - z) * (1 - z) * (1 - 3 * z),
                1e-13 * (1 + std::fabs(z * z * z)))
        << z;
  }
  for (double x : {0.5, 2.0, 30.0}) cases.push_back({0.5, 1, 1.5, -x * x, std::atan(x) / x});
  // Gauss's theorem at z = 1: Gamma(c)Gamma(c-a-b)/(Gamma(c-a)Gamma(c-b)).
  cases.push_back({0.5, 0.25, 2, 1,
                   std::tgamma(2) * std::tgamma(1.25) / (std::tgamma(1.5) * std::tgamma(1.75))});
  for (const auto& k : cases) {
    expect_relative(hyp2f1(k.a, k.b, k.c, k.z), k.expected, 1e-12);
  }
  EXPECT_TRUE(std::isnan(hyp2f1(1, 1, -2, 0.5)));  // c a pole
  EXPECT_TRUE(std::isnan(hyp2f1(1, 1, 2, 1.5)));   // outside the domain
  EXPECT_TRUE(std::isnan(hyp2f1(1, 1, 1.5, 1)));   // diverges at z = 1
}

TEST(ClvHypergeometric, MatchesEulerIntegral) {
  // Every branch: the series, Euler's transformation (c - a - b < 0), the 1 - z
  // transformation (z > 0.9, c - a - b far from an integer), near-integer c - a - b near 1,
  // and Pfaff for z < 0 and z < -1.
  const std::vector<hyp2f1_case> cases{
      {0.5, 1.5, 3, 0.3, 0},
      {2.3, 1.2, 2.9, 0.5, 0},
      {2.3, 1.2, 2.9, 0.95, 0},
      {2.3, 1.2, 2.9, 0.9999, 0},
      {0.4, 0.7, 3.6, 0.97, 0},
      {1.7, 0.6, 3.3, 0.97, 0},
      {1.7, 0.6, 3.3, 0.9999, 0},
      {30, 2.5, 40, 0.5, 0},
      {30, 2.5, 40, 0.95, 0},
      {1.5, 2, 4, -3, 0},
      {0.3, 0.8, 1.9, -50, 0},
      {-2.5, 1.5, 2.2, 0.93, 0},
      {12.3, 10.2, 11.5, 0.7, 0},
      {0.243, 2.426, 3.2, 0.9, 0},
      // exact-integer gaps c - a - b = 0, -1, 2 near z = 1 (A&S 15.3.10-11)
      {1, 1, 2, 0.95, 0},
      {0.7, 1.3, 2, 0.9999999, 0},
      {2.5, 1.5, 3, 0.999, 0},
      {3.5, 1.5, 4, 0.99, 0},
      {-1.5, 1.5, 2, 0.97, 0},
      // near-integer gaps keep the series in z
      {1.2, 0.8, 3.002, 0.99, 0},
      {1.2, 0.8, 3.0002, 0.9999, 0},
      // large parameters: the transformations would cancel; the series in z is used
      {327, 299, 629, 0.9075, 0},
      {40, 3, 45, 0.999, 0}};
  for (const auto& k : cases) {
    expect_relative(hyp2f1(k.a, k.b, k.c, k.z), hyp2f1_by_integral(k.a, k.b, k.c, k.z), 1e-10);
  }
}

TEST(ClvHypergeometric, ContinuousAcrossBranches) {
  for (double z : {0.9, -1.0, 0.0}) {
    const double below = hyp2f1(2.3, 1.2, 2.9, std::nextafter(z, -1.0));
    const double above = hyp2f1(2.3, 1.2, 2.9, std::nextafter(z, 1.0));
    expect_relative(above, below, 1e-12);
  }
}

// ---- BG/NBD closed forms ----

const bgnbd_params CDNOW_BGNBD{0.243, 4.414, 0.793, 2.426};
const bgnbd_params STEADY_BGNBD{2.1, 7.5, 3.4, 1.3};  // a > 1, few early dropouts

const std::vector<customer_rfm> POINTS{{0, 0, 38.86, 0},   {1, 5.2, 30.1, 0},  {2, 30.43, 38.86, 0},
                                       {5, 12.0, 36.0, 0}, {9, 35.3, 36.1, 0}, {1, 0.3, 0.4, 0}};

class ClvBgnbdClosedForms : public ::testing::TestWithParam<bgnbd_params> {};

TEST_P(ClvBgnbdClosedForms, MatchNumericalIntegration) {
  const bgnbd_params pr = GetParam();
  const std::vector<double> horizons{1, 52, 520};
  for (const auto& c : POINTS) {
    const bgnbd_integrals in = integrate_bgnbd(pr, c, horizons);
    SCOPED_TRACE(::testing::Message() << "x=" << c.x << " t_x=" << c.t_x << " T=" << c.T);
    EXPECT_NEAR(bgnbd_log_likelihood(pr, c), std::log(in.likelihood), 1e-9);
    expect_relative(bgnbd_p_alive(pr, c), in.alive / in.likelihood, 1e-9);
    for (size_t k = 0; k < horizons.size(); ++k) {
      expect_relative(bgnbd_expected_purchases(pr, c, horizons[k]), in.future[k] / in.likelihood,
                      1e-9);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ClvParams, ClvBgnbdClosedForms,
                         ::testing::Values(CDNOW_BGNBD, STEADY_BGNBD));

TEST(ClvBgnbd, ExpectationMatchesPaperFormulaWithHyp2f1) {
  // FHL 2005 eq. 10 and eq. 7 written literally with 2F1 (valid for a != 1).
  for (const auto& pr : {CDNOW_BGNBD, STEADY_BGNBD}) {
    for (const auto& c : POINTS) {
      for (double t : {1.0, 39.0, 52.0, 260.0}) {
        const double z = t / (pr.alpha + c.T + t);
        const double f = hyp2f1(pr.r + c.x, pr.b + c.x, pr.a + pr.b + c.x - 1, z);
        const double bracket =
            1 - std::pow((pr.alpha + c.T) / (pr.alpha + c.T + t), pr.r + c.x) * f;
        const double paper = (pr.a + pr.b + c.x - 1) / (pr.a - 1) * bracket * bgnbd_p_alive(pr, c);
        expect_relative(bgnbd_expected_purchases(pr, c, t), paper, 1e-10);
      }
    }
    for (double t : {1.0, 52.0, 520.0}) {
      const double z = t / (pr.alpha + t);
      const double paper =
          (pr.a + pr.b - 1) / (pr.a - 1) *
          (1 - std::pow(pr.alpha / (pr.alpha + t), pr.r) * hyp2f1(pr.r, pr.b, pr.a + pr.b - 1, z));
      expect_relative(bgnbd_expected_purchases(pr, t), paper, 1e-10);
    }
  }
}

TEST(ClvBgnbd, ExpectationIsSmoothAtAEqualsOne) {
  // Eq. 10 is 0/0 at a = 1; the implementation cancels the factor analytically.
  bgnbd_params at_one{0.5, 3, 1, 2};
  const customer_rfm c{3, 20, 30, 0};
  bgnbd_params below = at_one, above = at_one;
  below.a = 1 - 1e-7;
  above.a = 1 + 1e-7;
  const double mid = bgnbd_expected_purchases(at_one, c, 52);
  ASSERT_TRUE(std::isfinite(mid));
  expect_relative(mid, bgnbd_expected_purchases(below, c, 52), 1e-6);
  expect_relative(mid, bgnbd_expected_purchases(above, c, 52), 1e-6);
  const bgnbd_integrals in = integrate_bgnbd(at_one, c, {52});
  expect_relative(mid, in.future[0] / in.likelihood, 1e-9);
}

TEST(ClvBgnbd, LimitsAndExtremes) {
  const customer_rfm c{4, 20, 30, 0};
  EXPECT_EQ(bgnbd_expected_purchases(CDNOW_BGNBD, c, 0), 0);
  EXPECT_EQ(bgnbd_p_alive(CDNOW_BGNBD, {0, 0, 30, 0}), 1);
  // Short horizons: E ~ P(alive) (r + x) / (alpha + T) t.
  const double t = 1e-6;
  expect_relative(
      bgnbd_expected_purchases(CDNOW_BGNBD, c, t),
      bgnbd_p_alive(CDNOW_BGNBD, c) * (CDNOW_BGNBD.r + c.x) / (CDNOW_BGNBD.alpha + c.T) * t, 1e-5);
  // A heavy buyer who went quiet long ago: no overflow in P(alive) or the series.
  const customer_rfm heavy{300, 1, 300, 0};
  EXPECT_GE(bgnbd_p_alive(CDNOW_BGNBD, heavy), 0);
  EXPECT_LT(bgnbd_p_alive(CDNOW_BGNBD, heavy), 1e-100);
  EXPECT_TRUE(std::isfinite(bgnbd_expected_purchases(CDNOW_BGNBD, heavy, 52)));
}

TEST(ClvBgnbd, ExtremeParametersMatchPaperFormula) {
  // Large a (the series terms first grow like (1-z)^-(a-1)), tiny alpha (z near 1) and heavy
  // buyers (huge 2F1 values), against eq. 10 evaluated with hyp2f1.
  for (const bgnbd_params& pr :
       {bgnbd_params{0.243, 0.5, 400, 4000}, bgnbd_params{0.243, 0.05, 800, 4000},
        bgnbd_params{2, 1, 300, 30}, bgnbd_params{0.3, 0.01, 0.7, 2}}) {
    for (const customer_rfm& c :
         {customer_rfm{0, 0, 0, 0}, customer_rfm{3, 2, 2.5, 0}, customer_rfm{300, 52, 52, 0}}) {
      const double t = 520, z = t / (pr.alpha + c.T + t);
      const double f = hyp2f1(pr.r + c.x, pr.b + c.x, pr.a + pr.b + c.x - 1, z);
      const double paper = (pr.a + pr.b + c.x - 1) / (pr.a - 1) *
                           -std::expm1((pr.r + c.x) * std::log1p(-z) + std::log(f)) *
                           bgnbd_p_alive(pr, c);
      const double e = bgnbd_expected_purchases(pr, c, t);
      ASSERT_TRUE(std::isfinite(e)) << pr.a << " " << c.x;
      expect_relative(e, paper, 1e-9);
    }
  }
}

TEST(ClvBgnbd, PaperExample) {
  // FHL 2005 section 5: with the CDNOW estimates, a customer with x = 2, t_x = 30.43,
  // T = 38.86 is expected to make 1.226 purchases in the next 39 weeks.
  EXPECT_NEAR(bgnbd_expected_purchases(CDNOW_BGNBD, {2, 30.43, 38.86, 0}, 39), 1.226, 5e-4);
}

TEST(ClvBgnbd, GradientMatchesFiniteDifferences) {
  const std::vector<customer_rfm> cs{{0, 0, 38.86, 0},     {1, 5.2, 30.1, 0},  {2, 30.43, 38.86, 0},
                                     {2, 30.43, 38.86, 0}, {9, 35.3, 36.1, 0}, {0, 0, 12.0, 0}};
  auto f = detail::bgnbd_objective(cs);
  const std::vector<double> theta{std::log(0.3), std::log(5.0), std::log(0.7), std::log(2.2)};
  // The objective is the mean negative log-likelihood.
  double ll = 0;
  for (const auto& c : cs) ll += bgnbd_log_likelihood({0.3, 5, 0.7, 2.2}, c);
  EXPECT_NEAR(expect_gradient_matches(f, theta), -ll / static_cast<double>(cs.size()), 1e-12);
}

// The summaries as whole days give them: T and t_x in whole sevenths of a week.
std::vector<customer_rfm> whole_days(std::vector<customer_rfm> cs) {
  for (auto& c : cs) {
    c.T = std::round(c.T * 7) / 7;
    c.t_x = std::min(std::round(c.t_x * 7) / 7, c.T);
  }
  return cs;
}

TEST(ClvBgnbd, WholeDaysAndOtherValuesGroupAlike) {
  // Day-based summaries (whole counts, t_x and T whole days over 7) are grouped by a table of
  // sevenths; any other value by hashing. One customer with other values sends the whole set
  // down the hashing path: the sums must agree with the day-based set's plus that customer's.
  const std::vector<customer_rfm> days = whole_days(
      test_support::simulate_customers(11, 3000, {0.5, 4, 0.8, 2.5}, {6, 4, 15}, 2, 60));
  const customer_rfm other{2, 5.5, 10.123456789, 0};  // 38.5 and 70.86... days
  std::vector<customer_rfm> mixed = days;
  mixed.push_back(other);
  const std::vector<double> theta{std::log(0.4), std::log(3.0), std::log(0.9), std::log(2.0)};
  std::vector<double> g_days(4), g_mixed(4), g_other(4);
  const double n = static_cast<double>(days.size());
  const double f_days = detail::bgnbd_objective(days)(theta, g_days);
  const double f_mixed = detail::bgnbd_objective(mixed)(theta, g_mixed);
  const double f_other = detail::bgnbd_objective(std::span(&other, 1))(theta, g_other);
  expect_relative((n + 1) * f_mixed, n * f_days + f_other, 1e-12);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR((n + 1) * g_mixed[i], n * g_days[i] + g_other[i], 1e-9 * (1 + std::fabs(n * g_days[i])))
        << i;
  }
}

// ---- Gamma-Gamma closed forms ----

TEST(ClvGammaGamma, MatchesNumericalIntegration) {
  for (const gamma_gamma_params& pr :
       {gamma_gamma_params{6.25, 3.74, 15.44}, gamma_gamma_params{0.8, 2.2, 40.0}}) {
    for (auto [x, m] : std::vector<std::pair<double, double>>{{1, 9.5}, {2, 35.2}, {7, 120.0}}) {
      const auto in = integrate_gamma_gamma(pr, x, m);
      EXPECT_NEAR(gamma_gamma_log_likelihood(pr, x, m), std::log(in.likelihood), 1e-9);
      expect_relative(gamma_gamma_expected_spend(pr, x, m), in.mean_numerator / in.likelihood,
                      1e-9);
    }
    expect_relative(gamma_gamma_expected_spend(pr, 0, 0), pr.p * pr.gamma / (pr.q - 1), 1e-15);
  }
  EXPECT_TRUE(std::isnan(gamma_gamma_expected_spend({6, 0.9, 10}, 2, 30)));
  EXPECT_TRUE(std::isnan(gamma_gamma_log_likelihood({6, 2, 10}, 0, 30)));
}

TEST(ClvGammaGamma, GradientMatchesFiniteDifferences) {
  const std::vector<customer_rfm> cs{
      {1, 1, 2, 9.5}, {2, 1, 2, 35.2}, {2, 1, 2, 17.0}, {7, 1, 9, 120}, {0, 0, 3, 0}};
  auto f = detail::gamma_gamma_objective(cs);
  const std::vector<double> theta{std::log(4.0), std::log(3.0), std::log(20.0)};
  double ll = 0;
  for (const auto& c : cs) {
    if (c.x > 0) ll += gamma_gamma_log_likelihood({4, 3, 20}, c.x, c.m);
  }
  // The mean is over the four repeat customers: the one-time buyer does not count.
  EXPECT_NEAR(expect_gradient_matches(f, theta), -ll / 4, 1e-12);
}

// The objectives take the logs of many factors as the log of their product (log_product).
TEST(ClvModel, LogOfAProductIsTheSumOfTheFactorsLogs) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> near_one(1, 2), wide(-7, 14);
  for (const bool spread : {false, true}) {
    detail::log_product product;
    long double sum = 0;
    for (int i = 0; i < 1000000; ++i) {
      // (1, 2] as BG/NBD's 1 + e^-|u-v|; or 1e-7 to 1e14 as Gamma-Gamma's gamma + x m_x.
      const double f = spread ? std::pow(10.0, wide(rng)) : 1 + (2 - near_one(rng));
      product.times(f);
      sum += std::log(static_cast<long double>(f));
    }
    ASSERT_FALSE(product.failed);
    expect_relative(product.log(), static_cast<double>(sum), 1e-12);
  }
  // Tiny and huge factors, while the product stays within the doubles.
  detail::log_product small;
  for (double f : {1e-300, 1e-300, 1e300, 1e300, 1e-200}) small.times(f);
  ASSERT_FALSE(small.failed);
  expect_relative(small.log(), -200 * std::log(10.0), 1e-14);
  // Not a positive normal number, or a product past the doubles: the caller takes each log.
  const double max = std::numeric_limits<double>::max();
  for (const std::vector<double>& factors : std::vector<std::vector<double>>{
           {3, 0}, {3, -2}, {3, std::numeric_limits<double>::infinity()}, {3, std::nan("")},
           {std::numeric_limits<double>::denorm_min()}, {max, max}}) {
    detail::log_product p;
    for (double f : factors) p.times(f);
    EXPECT_TRUE(p.failed) << factors.back();
  }
}

// And with thousands of customers, those of one x and those grouped alike, each objective must
// still be the mean of the customers' own log-likelihoods, summed here in long double; also
// when two spends are so large that their product leaves the doubles, and the Gamma-Gamma sum
// takes those customers' logs one by one.
TEST(ClvModel, ObjectivesOfManyCustomersAreTheMeanOfTheirOwnLikelihoods) {
  std::vector<customer_rfm> cs =
      whole_days(test_support::simulate_customers(5, 20000, {0.5, 4, 0.8, 2.5}, {6, 4, 15}, 2, 60));
  const bgnbd_params bg{0.4, 3.0, 0.9, 2.0};
  const gamma_gamma_params gg{4, 3, 20};
  for (const bool huge : {false, true}) {
    SCOPED_TRACE(huge);
    if (huge) {
      int made = 0;
      for (auto& c : cs) {
        if (c.x == 1 && made < 2) c.m = std::numeric_limits<double>::max(), ++made;
      }
      ASSERT_EQ(made, 2);
    }
    long double ll_bg = 0, ll_gg = 0;
    size_t repeat = 0;
    for (const auto& c : cs) {
      ll_bg += bgnbd_log_likelihood(bg, c);
      if (c.x > 0 && c.m > 0) {
        ll_gg += gamma_gamma_log_likelihood(gg, c.x, c.m);
        ++repeat;
      }
    }
    ASSERT_GT(repeat, 5000u);
    ASSERT_TRUE(std::isfinite(static_cast<double>(ll_gg)));
    std::vector<double> grad_bg(4), grad_gg(3);
    const double f_bg = detail::bgnbd_objective(cs)(
        std::vector<double>{std::log(bg.r), std::log(bg.alpha), std::log(bg.a), std::log(bg.b)},
        grad_bg);
    const double f_gg = detail::gamma_gamma_objective(cs)(
        std::vector<double>{std::log(gg.p), std::log(gg.q), std::log(gg.gamma)}, grad_gg);
    expect_relative(f_bg, static_cast<double>(-ll_bg / static_cast<long double>(cs.size())),
                    1e-13);
    expect_relative(f_gg, static_cast<double>(-ll_gg / static_cast<long double>(repeat)), 1e-13);
  }
}

// The standard errors come from analytic second derivatives: the Hessian they give must be
// that of central differences of the analytic gradient, away from the optimum too (where the
// gradient's share of the Hessian's diagonal is not ~0), on customers grouped by whole days
// and on ones that are not.
void expect_hessians_agree(const detail::objective& f, const detail::second_derivatives& second,
                           const std::vector<double>& theta) {
  const std::vector<double> numerical = detail::numerical_hessian(f, theta, 1e-5);
  std::vector<double> gradient(theta.size());
  f(theta, gradient);
  const std::vector<double> analytic = detail::analytic_hessian(second, theta, gradient);
  ASSERT_EQ(analytic.size(), numerical.size());
  double largest = 0;
  for (double v : numerical) largest = std::max(largest, std::fabs(v));
  for (size_t i = 0; i < analytic.size(); ++i) {
    EXPECT_NEAR(analytic[i], numerical[i], 1e-7 * largest) << "entry " << i;
  }
}

TEST(ClvBgnbd, AnalyticHessianMatchesFiniteDifferences) {
  std::vector<customer_rfm> days = whole_days(
      test_support::simulate_customers(17, 5000, {0.5, 4, 0.8, 2.5}, {6, 4, 15}, 2, 60));
  std::vector<customer_rfm> raw =
      test_support::simulate_customers(18, 3000, {1.5, 9, 0.4, 4}, {6, 4, 15}, 2, 80);
  for (const auto* cs : {&days, &raw}) {
    for (const std::vector<double>& theta : {std::vector<double>{std::log(0.4), std::log(3.0), std::log(0.9), std::log(2.0)},
                                            std::vector<double>{std::log(2.0), std::log(12.0), std::log(0.2), std::log(6.0)},
                                            std::vector<double>{std::log(0.05), std::log(0.5), std::log(3.0), std::log(0.7)}}) {
      SCOPED_TRACE(theta[0]);
      expect_hessians_agree(detail::bgnbd_objective(*cs), detail::bgnbd_second_derivatives(*cs),
                            theta);
    }
  }
}

TEST(ClvGammaGamma, AnalyticHessianMatchesFiniteDifferences) {
  const std::vector<customer_rfm> cs =
      test_support::simulate_customers(19, 5000, {0.5, 4, 0.8, 2.5}, {6, 4, 15}, 2, 60);
  for (const std::vector<double>& theta : {std::vector<double>{std::log(6.0), std::log(4.0), std::log(15.0)},
                                          std::vector<double>{std::log(0.7), std::log(1.5), std::log(80.0)},
                                          std::vector<double>{std::log(20.0), std::log(9.0), std::log(2.0)}}) {
    SCOPED_TRACE(theta[0]);
    expect_hessians_agree(detail::gamma_gamma_objective(cs),
                          detail::gamma_gamma_second_derivatives(cs), theta);
  }
}

// ---- Summaries ----

TEST(ClvSummarize, MergesSameDayAndCutsAtTheLastDay) {
  // Days 100 (two orders), 107, 107, 121, and 200 after the period.
  const std::vector<dated_purchase> p{{100, 10}, {100, 5},  {107, 20},
                                      {107, 4},  {121, 30}, {200, 99}};
  const customer_rfm c = summarize_customer(p, 134);
  EXPECT_EQ(c.x, 2);
  EXPECT_DOUBLE_EQ(c.t_x, 21.0 / 7);
  EXPECT_DOUBLE_EQ(c.T, 34.0 / 7);
  EXPECT_DOUBLE_EQ(c.m, (24.0 + 30.0) / 2);
  // Order does not matter.
  const std::vector<dated_purchase> shuffled{{121, 30}, {100, 5},  {200, 99},
                                             {107, 4},  {100, 10}, {107, 20}};
  const customer_rfm d = summarize_customer(shuffled, 134);
  EXPECT_EQ(d.x, c.x);
  EXPECT_EQ(d.t_x, c.t_x);
  EXPECT_EQ(d.m, c.m);
  // One purchase day; none in the period.
  const customer_rfm once =
      summarize_customer(std::vector<dated_purchase>{{130, 3}, {130, 4}}, 134);
  EXPECT_EQ(once.x, 0);
  EXPECT_EQ(once.t_x, 0);
  EXPECT_DOUBLE_EQ(once.T, 4.0 / 7);
  EXPECT_TRUE(std::isnan(summarize_customer(std::vector<dated_purchase>{{140, 3}}, 134).T));
  const auto all = summarize_purchases({p, {{134, 1}}}, 134);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].T, 0);
}

// ---- Parameter recovery ----

TEST(ClvRecovery, FitsSimulatedCustomersWithinThreeStandardErrors) {
  const bgnbd_params bg{0.35, 5.0, 0.9, 2.6};
  const gamma_gamma_params gg{5.0, 4.0, 20.0};
  const auto cs = test_support::simulate_customers(20240611, 20000, bg, gg, 8, 60);
  const bgnbd_fit fb = fit_bgnbd(cs);
  ASSERT_TRUE(fb.converged);
  const std::array<double, 4> truth_b{bg.r, bg.alpha, bg.a, bg.b};
  const std::array<double, 4> got_b{fb.params.r, fb.params.alpha, fb.params.a, fb.params.b};
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(std::isfinite(fb.std_errors[i]));
    EXPECT_LT(fb.std_errors[i], 0.25 * truth_b[i]) << i;  // the data pins the parameter down
    EXPECT_NEAR(got_b[i], truth_b[i], 3 * fb.std_errors[i]) << i;
  }
  const gamma_gamma_fit fg = fit_gamma_gamma(cs);
  ASSERT_TRUE(fg.converged);
  const std::array<double, 3> truth_g{gg.p, gg.q, gg.gamma};
  const std::array<double, 3> got_g{fg.params.p, fg.params.q, fg.params.gamma};
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(std::isfinite(fg.std_errors[i]));
    EXPECT_NEAR(got_g[i], truth_g[i], 3 * fg.std_errors[i]) << i;
  }
}

TEST(ClvRecovery, ASampleFirstReachesTheSameOptimumWithFewerFullIterations) {
  // 100,000 customers, most of them repeat buyers: both fits start from the optimum of a
  // fit of every fifth (BG/NBD) or fourth (Gamma-Gamma) customer.
  const auto cs = test_support::simulate_customers(20261123, 100000, {0.8, 3.0, 0.6, 3.0},
                                                   {5.0, 4.0, 20.0}, 30, 80);
  fit_options direct;
  direct.sample_first = false;
  const bgnbd_fit cold = fit_bgnbd(cs, direct);
  const bgnbd_fit sampled = fit_bgnbd(cs);
  ASSERT_TRUE(cold.converged);
  ASSERT_TRUE(sampled.converged);
  EXPECT_LT(sampled.iterations, cold.iterations / 2);
  expect_relative(sampled.params.r, cold.params.r, 1e-6);
  expect_relative(sampled.params.alpha, cold.params.alpha, 1e-6);
  expect_relative(sampled.params.a, cold.params.a, 1e-6);
  expect_relative(sampled.params.b, cold.params.b, 1e-6);
  expect_relative(sampled.log_likelihood, cold.log_likelihood, 1e-12);
  for (size_t i = 0; i < 4; ++i) expect_relative(sampled.std_errors[i], cold.std_errors[i], 1e-3);

  const gamma_gamma_fit gg_cold = fit_gamma_gamma(cs, direct);
  const gamma_gamma_fit gg_sampled = fit_gamma_gamma(cs);
  ASSERT_GE(gg_cold.customers, 80000u);  // the Gamma-Gamma fit's customers: repeat buyers
  ASSERT_TRUE(gg_cold.converged);
  ASSERT_TRUE(gg_sampled.converged);
  EXPECT_LT(gg_sampled.iterations, gg_cold.iterations / 2);
  expect_relative(gg_sampled.params.p, gg_cold.params.p, 1e-6);
  expect_relative(gg_sampled.params.q, gg_cold.params.q, 1e-6);
  expect_relative(gg_sampled.params.gamma, gg_cold.params.gamma, 1e-6);
  expect_relative(gg_sampled.log_likelihood, gg_cold.log_likelihood, 1e-12);
  for (size_t i = 0; i < 3; ++i) {
    expect_relative(gg_sampled.std_errors[i], gg_cold.std_errors[i], 1e-3);
  }

  // From a given start (another period's optimum: here this one's, moved by a fifth), the
  // sample is fitted from it first, and the whole from the sample's optimum: fewer full
  // iterations than from the start itself, to the same optimum.
  fit_options moved, moved_direct;
  for (double v : cold.optimum.params) moved.start.params.push_back(1.2 * v);
  moved_direct.start = moved.start;
  moved_direct.sample_first = false;
  const bgnbd_fit from_start = fit_bgnbd(cs, moved_direct), via_sample = fit_bgnbd(cs, moved);
  ASSERT_TRUE(from_start.converged);
  ASSERT_TRUE(via_sample.converged);
  EXPECT_LT(via_sample.iterations, from_start.iterations);
  expect_relative(via_sample.params.r, cold.params.r, 1e-6);
  expect_relative(via_sample.params.b, cold.params.b, 1e-6);
  expect_relative(via_sample.log_likelihood, cold.log_likelihood, 1e-12);
  moved.start.params.clear();
  for (double v : gg_cold.optimum.params) moved.start.params.push_back(1.2 * v);
  moved_direct.start = moved.start;
  const gamma_gamma_fit gg_from_start = fit_gamma_gamma(cs, moved_direct);
  const gamma_gamma_fit gg_via_sample = fit_gamma_gamma(cs, moved);
  ASSERT_TRUE(gg_from_start.converged);
  ASSERT_TRUE(gg_via_sample.converged);
  EXPECT_LT(gg_via_sample.iterations, gg_from_start.iterations);
  expect_relative(gg_via_sample.params.q, gg_cold.params.q, 1e-6);
  expect_relative(gg_via_sample.log_likelihood, gg_cold.log_likelihood, 1e-12);

  // Below 80,000 customers there is no sample: the fit is the direct one, to the bit.
  const std::vector<customer_rfm> fewer(cs.begin(), cs.begin() + 79999);
  const bgnbd_fit small = fit_bgnbd(fewer), small_direct = fit_bgnbd(fewer, direct);
  EXPECT_EQ(small.params.r, small_direct.params.r);
  EXPECT_EQ(small.iterations, small_direct.iterations);
}

TEST(ClvRecovery, StandardErrorsMatchTheSpreadAcrossSamples) {
  // Refit 30 independent samples: the standard deviation of the estimates should agree with
  // the reported standard error (within sampling noise of a 30-sample SD, ~+-40%).
  const bgnbd_params bg{0.5, 4.0, 1.2, 3.0};
  const gamma_gamma_params gg{4.0, 5.0, 25.0};
  std::vector<double> r_hat;
  double se_sum = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    auto fit = fit_bgnbd(test_support::simulate_customers(seed, 2000, bg, gg, 10, 50));
    ASSERT_TRUE(fit.converged);
    r_hat.push_back(fit.params.r);
    se_sum += fit.std_errors[0];
  }
  double mean = 0, var = 0;
  for (double v : r_hat) mean += v / 30;
  for (double v : r_hat) var += (v - mean) * (v - mean) / 29;
  const double se_mean = se_sum / 30;
  EXPECT_GT(std::sqrt(var), 0.6 * se_mean);
  EXPECT_LT(std::sqrt(var), 1.4 * se_mean);
}

TEST(ClvRecovery, SimulatorIsDeterministic) {
  const auto a = test_support::simulate_customers(7, 50, {0.3, 4, 0.8, 2.5}, {6, 4, 15}, 1, 39);
  const auto b = test_support::simulate_customers(7, 50, {0.3, 4, 0.8, 2.5}, {6, 4, 15}, 1, 39);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].x, b[i].x);
    EXPECT_EQ(a[i].t_x, b[i].t_x);
    EXPECT_EQ(a[i].m, b[i].m);
  }
  // Sampler moments: Gamma(0.4, 2) has mean 0.2 and variance 0.1; Beta(0.8, 2.4) mean 0.25.
  test_support::sampler s(99);
  double sum = 0, sum2 = 0, beta_sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double g = s.gamma(0.4, 2);
    sum += g;
    sum2 += g * g;
    beta_sum += s.beta(0.8, 2.4);
  }
  EXPECT_NEAR(sum / n, 0.2, 0.003);
  EXPECT_NEAR(sum2 / n - (sum / n) * (sum / n), 0.1, 0.004);
  EXPECT_NEAR(beta_sum / n, 0.25, 0.002);
}

// ---- CDNOW reference ----

struct cdnow_data {
  std::vector<std::string> ids;
  std::vector<customer_rfm> rfm;
};

// Reads the CDNOW sample (master id, sample id, YYYYMMDD, CDs, dollars) and summarises each
// customer's purchases up to `last_day`, by default 1997-09-30, the end of the 39-week
// calibration period.
cdnow_data read_cdnow(int64_t last_day = days_from_civil(1997, 9, 30)) {
  std::ifstream in(std::string(LOUPE_TEST_DATA) + "/cdnow/CDNOW_sample.txt");
  EXPECT_TRUE(in.good()) << "missing tests/data/cdnow/CDNOW_sample.txt";
  std::map<std::string, std::vector<dated_purchase>> by_id;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string master, id;
    int64_t date = 0;
    int cds = 0;
    double dollars = 0;
    if (!(row >> master >> id >> date >> cds >> dollars)) continue;
    const int64_t day =
        days_from_civil(static_cast<int>(date / 10000), static_cast<unsigned>(date / 100 % 100),
                        static_cast<unsigned>(date % 100));
    by_id[id].push_back({day, dollars});
  }
  cdnow_data out;
  for (auto& [id, purchases] : by_id) {
    out.ids.push_back(id);
    out.rfm.push_back(summarize_customer(purchases, last_day));
  }
  return out;
}

// |actual - published| within half a unit of the published value's third significant digit.
void expect_three_significant(double actual, double published) {
  const double unit = std::pow(10.0, std::floor(std::log10(std::fabs(published))) - 2);
  EXPECT_NEAR(actual, published, 0.5 * unit);
}

TEST(ClvCdnow, ReproducesPublishedFits) {
  const cdnow_data d = read_cdnow();
  ASSERT_EQ(d.rfm.size(), 2357u);
  const bgnbd_fit bg = fit_bgnbd(d.rfm);
  ASSERT_TRUE(bg.converged);
  expect_three_significant(bg.params.r, 0.243);
  expect_three_significant(bg.params.alpha, 4.414);
  expect_three_significant(bg.params.a, 0.793);
  expect_three_significant(bg.params.b, 2.426);
  EXPECT_NEAR(bg.log_likelihood, -9582.4, 0.05);
  const gamma_gamma_fit gg = fit_gamma_gamma(d.rfm);
  ASSERT_TRUE(gg.converged);
  EXPECT_EQ(gg.customers, 946u);
  expect_three_significant(gg.params.p, 6.25);
  expect_three_significant(gg.params.q, 3.74);
  expect_three_significant(gg.params.gamma, 15.44);
}

TEST(ClvCdnow, PredictsEveryCustomer) {
  cdnow_data d = read_cdnow();
  const clv_result res = fit_predicted_clv(d.ids, d.rfm, clv_options{});
  ASSERT_TRUE(res.ok) << res.reason;
  EXPECT_EQ(res.customers, 2357u);
  EXPECT_EQ(res.repeat_customers, 946u);
  ASSERT_EQ(res.per_customer.size(), 2357u);
  double sum = 0;
  for (const auto& c : res.per_customer) {
    EXPECT_GE(c.p_alive, 0);
    EXPECT_LE(c.p_alive, 1);
    EXPECT_GE(c.expected_purchases, 0);
    EXPECT_GT(c.expected_spend, 0);
    EXPECT_DOUBLE_EQ(c.predicted_value, c.expected_purchases * c.expected_spend);
    sum += c.predicted_value;
  }
  EXPECT_NEAR(res.mean_predicted_value, sum / 2357, 1e-9);
  // One-time buyers are alive and get the population mean spend.
  for (const auto& c : res.per_customer) {
    if (c.rfm.x == 0) {
      EXPECT_EQ(c.p_alive, 1);
      EXPECT_NEAR(c.expected_spend, res.p * res.gamma / (res.q - 1), 1e-9);
    }
  }
  ASSERT_EQ(res.top.size(), 10u);
  for (size_t i = 1; i < res.top.size(); ++i) {
    EXPECT_GE(res.per_customer[res.top[i - 1]].predicted_value,
              res.per_customer[res.top[i]].predicted_value);
  }
  for (size_t i : res.at_risk) {
    const auto& c = res.per_customer[i];
    EXPECT_LT(c.p_alive, 0.5);
    EXPECT_GE((c.rfm.x + 1) * c.rfm.m, res.at_risk_threshold);
  }
  EXPECT_FALSE(res.at_risk.empty());
  uint64_t counted = res.distribution.above;
  for (uint64_t c : res.distribution.counts) counted += c;
  EXPECT_EQ(counted, 2357u);
  EXPECT_EQ(res.distribution.edges.size(), 21u);
}

// ---- Refusals ----

std::vector<std::string> numbered_ids(size_t n) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back(std::string("c").append(std::to_string(i)));
  return ids;
}

// ---- Lists ----

// The lists and cuts of a result, worked out again by sorting every value: the top customers
// by predicted value (ties by position), the at-risk cut (the smallest of the top fifth of the
// repeat customers' historical values) and list, and the histogram's upper edge (numpy's 99th
// percentile, or the largest value when that is not above the smallest).
void expect_lists_by_sorting(const clv_result& res) {
  const size_t n = res.per_customer.size();
  ASSERT_EQ(n, res.customers);
  std::vector<double> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = res.per_customer[i].predicted_value;
  std::vector<size_t> by_value(n);
  std::iota(by_value.begin(), by_value.end(), 0);
  std::stable_sort(by_value.begin(), by_value.end(),
                   [&](size_t i, size_t j) { return values[i] > values[j]; });
  by_value.resize(std::min<size_t>(n, 10));
  EXPECT_EQ(res.top, by_value);

  std::vector<double> historical;
  std::vector<size_t> repeaters;
  for (size_t i = 0; i < n; ++i) {
    const customer_rfm& c = res.per_customer[i].rfm;
    if (c.x > 0) {
      historical.push_back((c.x + 1) * c.m);
      repeaters.push_back(i);
    }
  }
  std::vector<double> descending = historical;
  std::sort(descending.begin(), descending.end(), std::greater<>());
  const double cut = descending[(descending.size() + 4) / 5 - 1];
  EXPECT_EQ(res.at_risk_threshold, cut);
  std::vector<size_t> risk;
  for (size_t k = 0; k < repeaters.size(); ++k) {
    if (historical[k] >= cut && res.per_customer[repeaters[k]].p_alive < 0.5) risk.push_back(k);
  }
  std::stable_sort(risk.begin(), risk.end(),
                   [&](size_t u, size_t v) { return historical[u] > historical[v]; });
  risk.resize(std::min<size_t>(risk.size(), 10));
  std::vector<size_t> at_risk;
  for (size_t k : risk) at_risk.push_back(repeaters[k]);
  EXPECT_EQ(res.at_risk, at_risk);

  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double pos = 0.99 * static_cast<double>(n - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(lo + 1, n - 1);
  double top = sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
  if (!(top > sorted.front())) top = sorted.back();
  ASSERT_EQ(res.distribution.edges.size(), 21u);
  EXPECT_EQ(res.distribution.edges.front(), sorted.front());
  EXPECT_EQ(res.distribution.edges.back(), top);
  EXPECT_EQ(res.distribution.above,
            static_cast<uint64_t>(sorted.end() - std::upper_bound(sorted.begin(), sorted.end(), top)));
}

TEST(ClvLists, AreThoseOfSortingEveryValue) {
  // 20,000 simulated customers (their values nearly all distinct), then each of them three
  // times (values tie, at every cut too).
  const std::vector<customer_rfm> simulated = test_support::simulate_customers(
      20261124, 20000, {0.6, 4.0, 0.8, 2.5}, {5.0, 4.0, 20.0}, 8, 60);
  std::vector<customer_rfm> tripled;
  for (const customer_rfm& c : simulated) tripled.insert(tripled.end(), 3, c);
  clv_options options;
  options.all_customers = true;
  const std::vector<customer_rfm>* const both[] = {&simulated, &tripled};
  for (const std::vector<customer_rfm>* cs : both) {
    const clv_result res = fit_predicted_clv(numbered_ids(cs->size()), *cs, options);
    ASSERT_TRUE(res.ok) << res.reason;
    expect_lists_by_sorting(res);
  }
}

// kth_smallest (the at-risk cut and the histogram's 99th percentile) against sorting: values
// spread over many magnitudes and signs, values that tie in their top bits or in all of them,
// both zeros, and counts on either side of the size it hands to nth_element.
TEST(ClvSelect, KthSmallestIsTheValueSortingPutsThere) {
  std::mt19937_64 rng(20261125);
  std::vector<std::vector<double>> sets;
  for (size_t n : {1, 2, 7, 4096, 4097, 50000, 300000}) {
    std::vector<double> spread(n), money(n), close(n), few(n), zeros(n);
    std::uniform_real_distribution<double> u(0, 1);
    for (size_t i = 0; i < n; ++i) {
      const double sign = u(rng) < 0.3 ? -1 : 1;
      spread[i] = sign * std::exp(u(rng) * 60 - 30);
      money[i] = std::round(u(rng) * 100000) / 100;  // cents: many ties
      close[i] = 1000 + u(rng) * 1e-9;                // alike in their top 32 bits
      few[i] = static_cast<double>(rng() % 3) - 1;    // -1, 0, 1
      zeros[i] = i % 2 ? 0.0 : -0.0;
    }
    for (auto* v : {&spread, &money, &close, &few, &zeros}) sets.push_back(std::move(*v));
  }
  for (const std::vector<double>& values : sets) {
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = values.size();
    std::vector<size_t> ks = {0, n - 1, n / 2, n / 5, n - (n + 4) / 5, (n * 99) / 100};
    for (int i = 0; i < 20; ++i) ks.push_back(rng() % n);
    for (size_t k : ks) {
      const double got = detail::kth_smallest(values, k);
      EXPECT_EQ(got, sorted[k]) << "k " << k << " of " << n;
    }
  }
}

TEST(ClvRefusal, TooFewRepeatCustomers) {
  std::vector<customer_rfm> cs(200, customer_rfm{0, 0, 30, 0});
  for (size_t i = 0; i < 10; ++i) cs[i] = {2, 10 + static_cast<double>(i), 30, 25};
  const clv_result res = fit_predicted_clv(numbered_ids(cs.size()), cs, clv_options{});
  EXPECT_FALSE(res.ok);
  EXPECT_NE(res.reason.find("only 10 customers bought again"), std::string::npos) << res.reason;
  EXPECT_NE(res.reason.find("30"), std::string::npos);
  EXPECT_EQ(res.repeat_customers, 10u);
  EXPECT_TRUE(std::isnan(res.r));
}

TEST(ClvRefusal, AllOneTimeBuyers) {
  std::vector<customer_rfm> cs(500, customer_rfm{0, 0, 20, 0});
  const clv_result res = fit_predicted_clv(numbered_ids(cs.size()), cs, clv_options{});
  EXPECT_FALSE(res.ok);
  EXPECT_NE(res.reason.find("only once"), std::string::npos) << res.reason;
}

TEST(ClvRefusal, SpendWithoutAFiniteMean) {
  // True q = 0.6: mean spend per customer has no finite population mean.
  const auto cs =
      test_support::simulate_customers(31, 6000, {0.5, 4, 0.8, 2.5}, {3, 0.6, 10}, 10, 40);
  const clv_result res = fit_predicted_clv(numbered_ids(cs.size()), cs, clv_options{});
  EXPECT_FALSE(res.ok);
  EXPECT_TRUE(res.converged_gg);
  EXPECT_LE(res.q, 1);
  EXPECT_NE(res.reason.find("q = "), std::string::npos) << res.reason;
  EXPECT_TRUE(res.per_customer.empty());
}

TEST(ClvRefusal, OnePriceForEverything) {
  // Every repeat purchase costs the same: Gamma-Gamma has no finite maximum (p, q -> inf).
  auto cs = test_support::simulate_customers(3, 2000, {0.5, 4, 0.8, 2.5}, {6, 4, 15}, 10, 40);
  for (auto& c : cs) c.m = 30;
  const clv_result res = fit_predicted_clv(numbered_ids(cs.size()), cs, clv_options{});
  EXPECT_FALSE(res.ok);
  EXPECT_TRUE(res.converged_bgnbd);
  EXPECT_FALSE(res.converged_gg);
  EXPECT_NE(res.reason.find("Gamma-Gamma"), std::string::npos) << res.reason;
  EXPECT_NE(res.reason.find("runs off to"), std::string::npos) << res.reason;
}

TEST(ClvRefusal, InvalidInput) {
  auto cs = test_support::simulate_customers(5, 300, {0.5, 4, 0.8, 2.5}, {6, 4, 15}, 10, 40);
  EXPECT_FALSE(fit_predicted_clv(numbered_ids(299), cs, clv_options{}).ok);
  auto bad = cs;
  bad[7].t_x = bad[7].T + 1;
  bad[7].x = 1;
  const clv_result res = fit_predicted_clv(numbered_ids(bad.size()), bad, clv_options{});
  EXPECT_FALSE(res.ok);
  EXPECT_NE(res.reason.find("customer c7"), std::string::npos) << res.reason;
  bad = cs;
  bad[3] = summarize_customer(std::vector<dated_purchase>{}, 10);
  EXPECT_FALSE(fit_predicted_clv(numbered_ids(bad.size()), bad, clv_options{}).ok);
  EXPECT_FALSE(fit_predicted_clv({}, {}, clv_options{}).ok);
  clv_options zero_horizon;
  zero_horizon.horizon_weeks = 0;
  EXPECT_FALSE(fit_predicted_clv(numbered_ids(cs.size()), cs, zero_horizon).ok);
}

// ---- JSON ----

// The value of a simdjson lookup (the build has no exceptions), failing the test on an error.
template <class T>
T got(simdjson::simdjson_result<T> r) {
  T v{};
  EXPECT_EQ(std::move(r).get(v), simdjson::SUCCESS);
  return v;
}

size_t array_size(simdjson::simdjson_result<simdjson::dom::element> e) {
  simdjson::dom::array a;
  return std::move(e).get(a) == simdjson::SUCCESS ? a.size() : SIZE_MAX;
}

std::string kpi_json(const clv_result& res, bool with_customers) {
  json_writer w;
  w.begin_object();
  write_predicted_clv(w, res, with_customers);
  w.end_object();
  return w.take();
}

TEST(ClvJson, WritesTheKpiObject) {
  cdnow_data d = read_cdnow();
  const clv_result res = fit_predicted_clv(d.ids, d.rfm, clv_options{});
  ASSERT_TRUE(res.ok);
  const std::string text = kpi_json(res, true);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text.substr(0, 200);
  EXPECT_EQ(got(doc["status"].get_string()), "ok");
  EXPECT_EQ(got(doc["unit"].get_string()), "currency");
  EXPECT_DOUBLE_EQ(got(doc["value"].get_double()), res.mean_predicted_value);
  EXPECT_DOUBLE_EQ(got(doc["params"]["alpha"].get_double()), res.alpha);
  EXPECT_DOUBLE_EQ(got(doc["params"]["gamma"].get_double()), res.gamma);
  EXPECT_DOUBLE_EQ(got(doc["std_errors"]["r"].get_double()), res.se_bgnbd[0]);
  EXPECT_DOUBLE_EQ(got(doc["log_likelihood"]["bgnbd"].get_double()), res.ll_bgnbd);
  EXPECT_TRUE(got(doc["converged"]["gamma_gamma"].get_bool()));
  EXPECT_EQ(got(doc["customers"].get_uint64()), 2357u);
  EXPECT_EQ(got(doc["repeat_customers"].get_uint64()), 946u);
  EXPECT_DOUBLE_EQ(got(doc["means"]["p_alive"].get_double()), res.mean_p_alive);
  ASSERT_EQ(array_size(doc["top"]), 10u);
  simdjson::dom::array top = got(doc["top"].get_array());
  const auto& best = res.per_customer[res.top[0]];
  EXPECT_EQ(got(top.at(0)["id"].get_string()), best.id);
  EXPECT_DOUBLE_EQ(got(top.at(0)["predicted_value"].get_double()), best.predicted_value);
  EXPECT_EQ(array_size(doc["at_risk"]), res.at_risk.size());
  EXPECT_EQ(array_size(doc["distribution"]["edges"]), 21u);
  EXPECT_EQ(array_size(doc["distribution"]["counts"]), 20u);
  EXPECT_EQ(array_size(doc["per_customer"]), 2357u);
  EXPECT_EQ(doc["error"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(doc["reason"].error(), simdjson::NO_SUCH_FIELD);
  // Without the customer table.
  ASSERT_EQ(parser.parse(kpi_json(res, false)).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(doc["per_customer"].error(), simdjson::NO_SUCH_FIELD);
}

TEST(ClvCdnow, MeansOnlyKeepsTheFitAndTheMeans) {
  cdnow_data d = read_cdnow();
  const clv_result all = fit_predicted_clv(d.ids, d.rfm, clv_options{});
  clv_options means_only;
  means_only.means_only = true;
  const clv_result lean = fit_predicted_clv({}, d.rfm, means_only);
  ASSERT_TRUE(lean.ok) << lean.reason;
  EXPECT_EQ(lean.r, all.r);
  EXPECT_EQ(lean.alpha, all.alpha);
  EXPECT_EQ(lean.q, all.q);
  EXPECT_EQ(lean.ll_bgnbd, all.ll_bgnbd);
  EXPECT_EQ(lean.mean_predicted_value, all.mean_predicted_value);
  EXPECT_EQ(lean.mean_p_alive, all.mean_p_alive);
  EXPECT_TRUE(std::isnan(lean.se_bgnbd[0]));
  EXPECT_TRUE(std::isnan(lean.se_gg[2]));
  EXPECT_TRUE(lean.per_customer.empty());
  EXPECT_TRUE(lean.top.empty());
  EXPECT_TRUE(lean.distribution.counts.empty());
}

TEST(ClvCdnow, AnotherPeriodsOptimumStartsAShorterFitToTheSameOptimum) {
  // The fit of the calibration period, as the report's current period; the earlier period
  // (to the end of June 1997) started from it, as the report's previous one.
  cdnow_data d = read_cdnow();
  const clv_result now = fit_predicted_clv(d.ids, d.rfm, clv_options{});
  ASSERT_TRUE(now.ok) << now.reason;
  ASSERT_EQ(now.bgnbd_optimum.inverse_hessian.size(), 16u);
  ASSERT_EQ(now.gamma_gamma_optimum.inverse_hessian.size(), 9u);
  const cdnow_data before = read_cdnow(days_from_civil(1997, 6, 30));
  ASSERT_EQ(before.rfm.size(), 2357u);

  const bgnbd_fit cold = fit_bgnbd(before.rfm);
  fit_options warm_options;
  warm_options.start = now.bgnbd_optimum;
  const bgnbd_fit warm = fit_bgnbd(before.rfm, warm_options);
  ASSERT_TRUE(cold.converged);
  ASSERT_TRUE(warm.converged);
  EXPECT_LT(warm.iterations, cold.iterations / 2);
  expect_relative(warm.params.r, cold.params.r, 1e-6);
  expect_relative(warm.params.alpha, cold.params.alpha, 1e-6);
  expect_relative(warm.params.a, cold.params.a, 1e-6);
  expect_relative(warm.params.b, cold.params.b, 1e-6);
  expect_relative(warm.log_likelihood, cold.log_likelihood, 1e-12);

  const gamma_gamma_fit gg_cold = fit_gamma_gamma(before.rfm);
  warm_options.start = now.gamma_gamma_optimum;
  const gamma_gamma_fit gg_warm = fit_gamma_gamma(before.rfm, warm_options);
  ASSERT_TRUE(gg_warm.converged);
  EXPECT_LT(gg_warm.iterations, gg_cold.iterations / 2);
  expect_relative(gg_warm.params.p, gg_cold.params.p, 1e-6);
  expect_relative(gg_warm.params.q, gg_cold.params.q, 1e-6);
  expect_relative(gg_warm.params.gamma, gg_cold.params.gamma, 1e-6);

  clv_options lean;
  lean.means_only = true;
  const clv_result from_scratch = fit_predicted_clv({}, before.rfm, lean);
  lean.bgnbd_start = now.bgnbd_optimum;
  lean.gamma_gamma_start = now.gamma_gamma_optimum;
  const clv_result started = fit_predicted_clv({}, before.rfm, lean);
  ASSERT_TRUE(started.ok) << started.reason;
  expect_relative(started.mean_predicted_value, from_scratch.mean_predicted_value, 1e-7);
}

TEST(ClvCdnow, StartsGivenByTheHookAreTheStartsOfTheFit) {
  // The report's previous period gets this period's optima through clv_options::starts, once
  // its customers are grouped: the same result, to the bit, as with the starts in the options.
  cdnow_data d = read_cdnow();
  const clv_result now = fit_predicted_clv(d.ids, d.rfm, clv_options{});
  ASSERT_TRUE(now.ok) << now.reason;
  const cdnow_data before = read_cdnow(days_from_civil(1997, 6, 30));
  clv_options given;
  given.means_only = true;
  given.bgnbd_start = now.bgnbd_optimum;
  given.gamma_gamma_start = now.gamma_gamma_optimum;
  const clv_result direct = fit_predicted_clv({}, before.rfm, given);
  ASSERT_TRUE(direct.ok) << direct.reason;

  clv_options hooked;
  hooked.means_only = true;
  int calls = 0;
  hooked.starts = [&](fit_start& bgnbd, fit_start& gamma_gamma) {
    ++calls;
    EXPECT_TRUE(bgnbd.params.empty());  // the options' own: none here
    bgnbd = now.bgnbd_optimum;
    gamma_gamma = now.gamma_gamma_optimum;
    return true;
  };
  const clv_result via_hook = fit_predicted_clv({}, before.rfm, hooked);
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(via_hook.ok) << via_hook.reason;
  EXPECT_EQ(via_hook.r, direct.r);
  EXPECT_EQ(via_hook.q, direct.q);
  EXPECT_EQ(via_hook.mean_predicted_value, direct.mean_predicted_value);
  // Without them (the hook changes nothing), the fit from the usual starts.
  hooked.starts = [&](fit_start&, fit_start&) { return ++calls > 0; };
  clv_options plain;
  plain.means_only = true;
  EXPECT_EQ(fit_predicted_clv({}, before.rfm, hooked).r, fit_predicted_clv({}, before.rfm, plain).r);

  // False calls the fit off: not ok, nothing fitted.
  hooked.starts = [](fit_start&, fit_start&) { return false; };
  const clv_result off = fit_predicted_clv({}, before.rfm, hooked);
  EXPECT_FALSE(off.ok);
  EXPECT_EQ(off.reason, "the fit was called off");
  EXPECT_TRUE(std::isnan(off.r));
  // Not called when the data is refused before any fitting.
  calls = 0;
  hooked.starts = [&](fit_start&, fit_start&) { return ++calls > 0; };
  std::vector<customer_rfm> once(100, customer_rfm{0, 0, 20, 0});
  EXPECT_FALSE(fit_predicted_clv({}, once, hooked).ok);
  EXPECT_EQ(calls, 0);
}

TEST(ClvJson, ListedCustomersOnlyWriteTheSameKpi) {
  // Without all_customers the result keeps only the top and at-risk records; the KPI object
  // without the customer table is the same, byte for byte.
  cdnow_data d = read_cdnow();
  const clv_result all = fit_predicted_clv(d.ids, d.rfm, clv_options{});
  clv_options listed_only;
  listed_only.all_customers = false;
  const clv_result listed = fit_predicted_clv(d.ids, d.rfm, listed_only);
  ASSERT_TRUE(listed.ok);
  EXPECT_LE(listed.per_customer.size(), listed.top.size() + listed.at_risk.size());
  EXPECT_FALSE(listed.at_risk.empty());
  EXPECT_EQ(kpi_json(listed, false), kpi_json(all, false));
}

TEST(ClvJson, WritesUndefinedWithItsReason) {
  std::vector<customer_rfm> cs(100, customer_rfm{0, 0, 20, 0});
  const clv_result res = fit_predicted_clv(numbered_ids(cs.size()), cs, clv_options{});
  const std::string text = kpi_json(res, true);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  EXPECT_TRUE(doc["value"].is_null());
  EXPECT_EQ(got(doc["status"].get_string()), "undefined");
  EXPECT_EQ(got(doc["reason"].get_string()), res.reason);
  EXPECT_TRUE(doc["params"]["r"].is_null());
  EXPECT_EQ(doc["top"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(got(doc["customers"].get_uint64()), 100u);
}

}  // namespace
}  // namespace kpi
