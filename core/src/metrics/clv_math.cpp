// Numerics for the CLV models: digamma, the Gauss hypergeometric function and a small BFGS
// minimiser.
//
// Why our own optimiser rather than a library: the engine is also compiled to WebAssembly,
// where we want no dependency beyond the standard library (Boost/Eigen/NLopt/Ceres are large
// or need porting), and the problems are tiny (3-4 parameters, smooth, with analytic
// gradients), which BFGS solves in a few dozen iterations. Keeping it to ~100 lines lets the
// tests exercise it on its own (Rosenbrock, quadratics, functions undefined in places).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "kpi/metrics/clv_model.h"

namespace kpi::detail {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

bool is_nonpositive_integer(double v) { return v <= 0 && v == std::floor(v); }

// log |Gamma(v)| and its sign; sign 0 at the poles (v a non-positive integer), where
// 1 / Gamma(v) = 0.
double log_abs_gamma(double v, int& sign) {
  if (is_nonpositive_integer(v)) {
    sign = 0;
    return std::numeric_limits<double>::infinity();
  }
  sign = (v > 0 || static_cast<int64_t>(std::ceil(-v)) % 2 == 0) ? 1 : -1;
  return std::lgamma(v);
}

// Gamma(c) Gamma(s) / (Gamma(c - a) Gamma(c - b)) style ratios: Gamma(n1) Gamma(n2) /
// (Gamma(d1) Gamma(d2)), 0 when a denominator has a pole.
double gamma_ratio(double n1, double n2, double d1, double d2) {
  int s1, s2, s3, s4;
  double l = log_abs_gamma(n1, s1) + log_abs_gamma(n2, s2);
  double m = log_abs_gamma(d1, s3) + log_abs_gamma(d2, s4);
  if (s3 == 0 || s4 == 0) return 0;
  if (s1 == 0 || s2 == 0) return NaN;
  return s1 * s2 * s3 * s4 * std::exp(l - m);
}

double series_value(const scaled_sum& s) {
  if (!s.converged) return NaN;
  return s.log_scale == 0 ? s.value : s.value * std::exp(s.log_scale);
}

// 2F1(a, b; a + b + m; z) for an integer m >= 0 and w = 1 - z < 1 (Abramowitz & Stegun
// 15.3.10-11), the limit of the 1 - z transformation where its two gamma factors blow up.
double hyp2f1_integer_gap(double a, double b, int m, double w) {
  double finite = 0;
  if (m > 0) {
    double term = 1, sum = 1;
    for (int n = 1; n < m; ++n) {
      term *= (a + n - 1) * (b + n - 1) / (n * (n - m)) * w;  // (1-m)_n grows by (n - m)
      sum += term;
    }
    finite = gamma_ratio(m, a + b + m, a + m, b + m) * sum;
  }
  // The factor (z-1)^m Gamma(a+b+m) / (Gamma(a) Gamma(b) m!) in logs: m! and the gamma
  // functions overflow long before the product does.
  int s1, s2, s3;
  const double log_coef = m * std::log(w) + log_abs_gamma(a + b + m, s1) - log_abs_gamma(a, s2) -
                          log_abs_gamma(b, s3) - std::lgamma(m + 1.0);
  if (s2 == 0 || s3 == 0) return finite;
  const double coef = (m % 2 == 0 ? 1 : -1) * s1 * s2 * s3 * std::exp(log_coef);
  const double log_w = std::log(w);
  double psi_1 = digamma(1), psi_m1 = digamma(m + 1.0), psi_a = digamma(a + m),
         psi_b = digamma(b + m);
  double term = 1, sum = 0;
  for (int n = 0; n < 100000; ++n) {
    const double contribution = term * (log_w - psi_1 - psi_m1 + psi_a + psi_b);
    sum += contribution;
    if (n > 2 && std::fabs(contribution) <= 1e-17 * std::fabs(sum)) break;
    term *= (a + m + n) * (b + m + n) / ((n + 1.0) * (n + m + 1.0)) * w;
    psi_1 += 1 / (n + 1.0);
    psi_m1 += 1 / (n + m + 1.0);
    psi_a += 1 / (a + m + n);
    psi_b += 1 / (b + m + n);
  }
  const double infinite = coef * sum, result = finite - infinite;
  // With large a and b both parts are huge and cancel: say so, and let the caller sum the
  // series in z instead.
  if (!std::isfinite(result) ||
      std::fabs(result) < 1e-3 * std::max(std::fabs(finite), std::fabs(infinite))) {
    return NaN;
  }
  return result;
}

}  // namespace

double digamma(double x) {
  if (std::isnan(x) || is_nonpositive_integer(x)) return NaN;
  // Reflection: psi(x) = psi(1 - x) - pi / tan(pi x).
  if (x < 0) return digamma(1 - x) - std::numbers::pi / std::tan(std::numbers::pi * x);
  // psi(x) = psi(x + 1) - 1/x moves x to where the asymptotic series is accurate to ~1e-16.
  double result = 0;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  double f = 1 / (x * x);
  double tail =
      f *
      (1.0 / 12 -
       f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * 691.0 / 32760)))));
  return result + std::log(x) - 0.5 / x - tail;
}

double trigamma(double x) {
  if (!(x > 0)) return NaN;
  // psi'(x) = psi'(x + 1) + 1/x^2 moves x to where the asymptotic series
  // 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1) is accurate to ~1e-16.
  double result = 0;
  while (x < 10) {
    result += 1 / (x * x);
    x += 1;
  }
  const double z = 1 / x, f = z * z;
  const double tail =
      z * f *
      (1.0 / 6 -
       f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * (5.0 / 66 - f * 691.0 / 2730)))));
  return result + z + f / 2 + tail;
}

scaled_sum hypergeometric_series(double a, double b, double c, double z, int k0, double first) {
  scaled_sum out;
  if (!(z >= 0 && z < 1) || !std::isfinite(first)) {
    out.value = NaN;
    out.converged = false;
    return out;
  }
  out.value = first;
  if (first == 0 || z == 0) return out;
  // Past k_check every factor (a+k), (b+k), (c+k) is positive and far from 0, so the term
  // ratio varies slowly towards z and max(next ratio, z) bounds the rest of the tail.
  const double k_check = 2 * (std::fabs(a) + std::fabs(b) + std::fabs(c)) + 2;
  constexpr double RESCALE = 1e250;
  constexpr double MAX_TERMS = 1e7;
  const bool positive = a > 0 && b > 0 && c > 0;
  // Neumaier's compensated sum: near z = 1 the series runs to 10^5+ terms.
  double sum = first, compensation = 0, term = first;
  // k is a double: exact for every count reached here, and no int-to-double conversions.
  for (double k = k0; k < k0 + MAX_TERMS; ++k) {
    term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
    const double next_sum = sum + term;
    compensation +=
        std::fabs(sum) >= std::fabs(term) ? (sum - next_sum) + term : (term - next_sum) + sum;
    sum = next_sum;
    if (term == 0) break;  // a terminating (polynomial) series
    if (std::fabs(sum) > RESCALE || std::fabs(term) > RESCALE) {
      sum /= RESCALE;
      term /= RESCALE;
      compensation /= RESCALE;
      out.log_scale += std::log(RESCALE);
    }
    if (positive && z > 0) {
      // With a, b, c > 0 each of (a+j)/(j+1) and (b+j)/(c+j) is monotone in j, so
      // z * max(., 1) * max(., 1) at j = k+1 bounds every later term ratio (pair a with c
      // instead and take the smaller bound). This ends the sum early when a or b is huge,
      // where waiting for k_check would take millions of terms.
      const double j = k + 1;
      const double b1 = z * std::max((a + j) / (j + 1), 1.0) * std::max((b + j) / (c + j), 1.0);
      const double b2 = z * std::max((b + j) / (j + 1), 1.0) * std::max((a + j) / (c + j), 1.0);
      const double bound = std::min(b1, b2);
      if (bound < 1 && std::fabs(term) * bound / (1 - bound) <= 1e-17 * std::fabs(sum)) break;
    }
    if (k >= k_check) {
      double next = (a + k + 1) * (b + k + 1) / ((c + k + 1) * (k + 2)) * z;
      double bound = std::max(next, z);
      if (bound < 1 && std::fabs(term) * bound / (1 - bound) <= 1e-17 * std::fabs(sum)) break;
    }
    if (k + 1 == k0 + MAX_TERMS) out.converged = false;
  }
  out.value = sum + compensation;
  return out;
}

double hyp2f1(double a, double b, double c, double z) {
  if (std::isnan(a) || std::isnan(b) || std::isnan(c) || std::isnan(z)) return NaN;
  if (is_nonpositive_integer(c)) return NaN;
  if (z == 0 || a == 0 || b == 0) return 1;
  if (z > 1) return NaN;
  const bool terminates = is_nonpositive_integer(a) || is_nonpositive_integer(b);
  if (z == 1) {
    // Gauss's summation theorem.
    if (!(c - a - b > 0)) return NaN;
    return gamma_ratio(c, c - a - b, c - a, c - b);
  }
  if (z < 0) {
    // Pfaff: 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)) maps z < 0 (including z < -1,
    // where the series diverges) into (0, 1). Keep a terminating parameter terminating.
    if (is_nonpositive_integer(b) && !is_nonpositive_integer(a)) std::swap(a, b);
    return std::pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1));
  }
  if (terminates) return series_value(hypergeometric_series(a, b, c, z, 0, 1));

  const double s = c - a - b;
  // The transformations trade the slow series in z for gamma-function factors and series
  // in 1 - z that cancel badly once a, b or c is large (there the series in z, with terms of
  // one sign, is both accurate and quick enough), so they are kept to moderate parameters.
  const bool moderate = std::max({std::fabs(a), std::fabs(b), std::fabs(c)}) <= 20;
  if (moderate && z > 0.9 && s == std::round(s)) {
    // Exact-integer gaps c - a - b: the logarithmic limit of the 1 - z transformation.
    if (s < 0) return std::pow(1 - z, s) * hyp2f1(c - a, c - b, c, z);  // Euler: gap becomes -s
    const double v = hyp2f1_integer_gap(a, b, static_cast<int>(s), 1 - z);
    if (!std::isnan(v)) return v;
  } else if (moderate && z > 0.9 && std::fabs(s - std::round(s)) > 0.05) {
    // 1 - z transformation (Abramowitz & Stegun 15.3.6): two series in 1 - z < 0.1, which
    // converge fast where the series in z needs thousands of terms. Near-integer s makes the
    // gamma factors huge and opposite, so those cases keep the series in z.
    double w = 1 - z;
    double t1 = gamma_ratio(c, s, c - a, c - b);
    if (t1 != 0) t1 *= hyp2f1(a, b, 1 - s, w);
    double t2 = gamma_ratio(c, -s, a, b);
    if (t2 != 0) t2 *= std::pow(w, s) * hyp2f1(c - a, c - b, 1 + s, w);
    double sum = t1 + t2;
    // Heavy cancellation between the two halves (large parameters) loses digits; the series
    // in z, all of whose terms share a sign there, does not.
    if (std::isfinite(sum) && std::fabs(sum) >= 1e-3 * std::max(std::fabs(t1), std::fabs(t2))) {
      return sum;
    }
  }
  if (s < 0) {
    // Euler: 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z). The new series converges at
    // z = 1 and its terms stay bounded, instead of growing like (1-z)^(c-a-b).
    scaled_sum t = hypergeometric_series(c - a, c - b, c, z, 0, 1);
    if (!t.converged) return NaN;
    double log_prefix = s * std::log1p(-z) + t.log_scale;
    return t.value * std::exp(log_prefix);
  }
  return series_value(hypergeometric_series(a, b, c, z, 0, 1));
}

// ---- BFGS ----

namespace {

double dot(std::span<const double> u, std::span<const double> v) {
  double s = 0;
  for (size_t i = 0; i < u.size(); ++i) s += u[i] * v[i];
  return s;
}

double max_abs(std::span<const double> v) {
  double m = 0;
  for (double e : v) m = std::max(m, std::fabs(e));
  return std::isnan(m) ? NaN : m;
}

}  // namespace

minimize_result minimize_bfgs(const objective& f, std::vector<double> x0,
                              const minimize_options& options) {
  const size_t n = x0.size();
  minimize_result res;
  res.x = std::move(x0);
  std::vector<double> g(n), x_new(n), g_new(n), d(n), s(n), y(n), hy(n);
  std::vector<double> h(n * n, 0);  // inverse Hessian approximation, row-major
  auto reset_h = [&](double scale) {
    std::fill(h.begin(), h.end(), 0);
    for (size_t i = 0; i < n; ++i) h[i * n + i] = scale;
  };
  // A given first approximation is used as it is: no rescaling after the first step.
  bool first_step = true;
  if (options.inverse_hessian.size() == n * n) {
    h = options.inverse_hessian;
    first_step = false;
  } else {
    reset_h(1);
  }
  double fx = f(res.x, g);
  res.evaluations = 1;
  if (!std::isfinite(fx)) {
    res.f = fx;
    res.gradient_norm = NaN;
    res.gradient = std::move(g);
    return res;
  }
  for (res.iterations = 0; res.iterations < options.max_iterations; ++res.iterations) {
    if (max_abs(g) <= options.gradient_tolerance) break;
    for (size_t i = 0; i < n; ++i) {
      d[i] = 0;
      for (size_t j = 0; j < n; ++j) d[i] -= h[i * n + j] * g[j];
    }
    double gd = dot(g, d);
    if (!(gd < 0)) {  // lost positive definiteness to rounding: restart from steepest descent
      reset_h(1);
      for (size_t i = 0; i < n; ++i) d[i] = -g[i];
      gd = -dot(g, g);
    }
    // Weak Wolfe conditions by bisection/doubling (Lewis & Overton): the accepted step always
    // has s'y > 0, so the BFGS update keeps h positive definite.
    constexpr double C1 = 1e-4, C2 = 0.9;
    double t = first_step ? std::min(1.0, 1 / max_abs(d)) : 1;
    double lo = 0, hi = std::numeric_limits<double>::infinity(), f_new = 0;
    bool found = false;
    for (int ls = 0; ls < 80 && t < 1e12; ++ls) {
      for (size_t i = 0; i < n; ++i) x_new[i] = res.x[i] + t * d[i];
      f_new = f(x_new, g_new);
      ++res.evaluations;
      const double slope = dot(g_new, d);
      const bool armijo = f_new <= fx + C1 * t * gd;
      // Near the optimum the decrease t*gd falls below the rounding error of f and Armijo is
      // decided by noise; then accept on the (accurate) slope, Hager & Zhang's approximate
      // Wolfe condition, as long as f did not rise beyond its rounding error.
      const bool approximate = f_new <= fx + 1e-12 * std::fabs(fx) && slope <= (2 * C1 - 1) * gd;
      if (!std::isfinite(f_new) || !(armijo || approximate)) {
        hi = t;
      } else if (slope < C2 * gd) {
        lo = t;
      } else {
        found = true;
        break;
      }
      t = std::isinf(hi) ? 2 * lo : (lo + hi) / 2;
    }
    if (!found) break;  // no acceptable step: at the limit of the arithmetic, or unbounded
    for (size_t i = 0; i < n; ++i) {
      s[i] = x_new[i] - res.x[i];
      y[i] = g_new[i] - g[i];
    }
    double sy = dot(s, y);
    if (first_step) reset_h(sy / dot(y, y));  // Nocedal & Wright (6.20): match the curvature
    first_step = false;
    if (sy > 0) {
      // h <- (I - rho s y') h (I - rho y s') + rho s s'
      double rho = 1 / sy;
      for (size_t i = 0; i < n; ++i) {
        hy[i] = 0;
        for (size_t j = 0; j < n; ++j) hy[i] += h[i * n + j] * y[j];
      }
      double yhy = dot(y, hy);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
          h[i * n + j] +=
              -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
      }
    }
    res.x = x_new;
    g = g_new;
    fx = f_new;
  }
  res.f = fx;
  res.gradient_norm = max_abs(g);
  res.converged = res.gradient_norm <= options.gradient_tolerance;
  res.gradient = std::move(g);
  return res;
}

std::vector<double> numerical_hessian(const objective& f, std::span<const double> x, double h) {
  const size_t n = x.size();
  std::vector<double> hess(n * n), xp(x.begin(), x.end()), gp(n), gm(n);
  for (size_t j = 0; j < n; ++j) {
    xp[j] = x[j] + h;
    f(xp, gp);
    xp[j] = x[j] - h;
    f(xp, gm);
    xp[j] = x[j];
    for (size_t i = 0; i < n; ++i) hess[i * n + j] = (gp[i] - gm[i]) / (2 * h);
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      double v = (hess[i * n + j] + hess[j * n + i]) / 2;
      hess[i * n + j] = hess[j * n + i] = v;
    }
  }
  return hess;
}

std::vector<double> analytic_hessian(const second_derivatives& second, std::span<const double> x,
                                     std::span<const double> gradient) {
  const size_t n = x.size();
  std::vector<double> hess(n * n, 0);
  second(x, hess);
  for (size_t i = 0; i < n; ++i) hess[i * n + i] += gradient[i];
  return hess;
}

bool invert_spd(std::vector<double>& m, size_t n) {
  // Cholesky m = L L', then m^-1 = L^-T L^-1.
  std::vector<double> l(n * n, 0), li(n * n, 0);
  for (size_t j = 0; j < n; ++j) {
    double diag = m[j * n + j];
    for (size_t k = 0; k < j; ++k) diag -= l[j * n + k] * l[j * n + k];
    if (!(diag > 0) || !std::isfinite(diag)) return false;
    l[j * n + j] = std::sqrt(diag);
    for (size_t i = j + 1; i < n; ++i) {
      double v = m[i * n + j];
      for (size_t k = 0; k < j; ++k) v -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = v / l[j * n + j];
    }
  }
  for (size_t j = 0; j < n; ++j) {
    li[j * n + j] = 1 / l[j * n + j];
    for (size_t i = j + 1; i < n; ++i) {
      double v = 0;
      for (size_t k = j; k < i; ++k) v -= l[i * n + k] * li[k * n + j];
      li[i * n + j] = v / l[i * n + i];
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double v = 0;
      for (size_t k = std::max(i, j); k < n; ++k) v += li[k * n + i] * li[k * n + j];
      m[i * n + j] = v;
    }
  }
  return true;
}

}  // namespace kpi::detail
