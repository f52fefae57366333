// Predicted customer lifetime value: the BG/NBD model of repeat purchases (Fader, Hardie & Lee
// 2005, "Counting your customers the easy way") and the Gamma-Gamma model of spend per purchase
// (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"), both fitted by maximum
// likelihood. Time is in weeks, as in the paper, so fitted alpha is comparable with published
// values. Everything here is self-contained numerics so the wasm build needs no library.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <vector>

namespace kpi {

class json_writer;

// One customer's summary in the calibration period.
struct customer_rfm {
  double x = 0;    // repeat purchase days: distinct purchase days after the first one
  double t_x = 0;  // weeks from the first to the last purchase day
  double T = 0;    // weeks from the first purchase day to the last day of the period
  double m = 0;    // mean revenue per repeat purchase day (unused when x = 0)
};

struct dated_purchase {
  int64_t day = 0;  // days since 1970-01-01
  double revenue = 0;
};

// Summarises one customer's purchases up to and including `last_day` (the period's end - 1
// day). Same-day purchases are one purchase with their revenue summed; purchases after
// `last_day` are ignored; the list need not be sorted. A customer with no purchase on or
// before `last_day` has no summary: every field is NaN, which fit_predicted_clv refuses.
customer_rfm summarize_customer(std::span<const dated_purchase> purchases, int64_t last_day);

// summarize_customer for each customer, in order.
std::vector<customer_rfm> summarize_purchases(
    const std::vector<std::vector<dated_purchase>>& purchases, int64_t last_day);

// ---- BG/NBD ----

struct bgnbd_params {
  double r = 0, alpha = 0, a = 0, b = 0;
};

// log L(r, alpha, a, b | x, t_x, T) of one customer with every constant kept (FHL 2005 eq. 6).
double bgnbd_log_likelihood(const bgnbd_params& params, const customer_rfm& c);

// P(alive | x, t_x, T): 1 for x = 0, else 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
double bgnbd_p_alive(const bgnbd_params& params, const customer_rfm& c);

// E[X(T, T + t) | x, t_x, T]: expected purchases in the next t weeks (FHL 2005 eq. 10).
double bgnbd_expected_purchases(const bgnbd_params& params, const customer_rfm& c, double t);

// E[X(t)]: expected purchases of a new customer in their first t weeks (FHL 2005 eq. 7).
double bgnbd_expected_purchases(const bgnbd_params& params, double t);

// Where a fit can start from: another fit's optimum and the curvature there, e.g. of the
// same store in another period. From a start near the optimum, with the curvature known,
// the fit takes a few Newton-like steps; it reaches the same optimum within the gradient
// tolerance, not to the last digit.
struct fit_start {
  std::vector<double> params;  // r, alpha, a, b or p, q, gamma; empty: no start
  // Inverse Hessian of the mean negative log-likelihood over the log-parameters (n x n,
  // row-major); empty: unknown.
  std::vector<double> inverse_hessian;
};

// How a fit runs (both models).
struct fit_options {
  // False: std_errors stay NaN, and the numerical Hessian (two gradient evaluations per
  // parameter) is not computed.
  bool standard_errors = true;
  fit_start start;  // tried before the usual starts
  // A fit of 80,000 customers or more first fits a sample of about 20,000 (from `start`,
  // when given) and starts from the sample's optimum: the same optimum (to the gradient
  // tolerance) for a fraction of the work. From another period's optimum, the whole took 11
  // iterations where it takes 8 from the sample's (5M-row orders file, the previous year).
  // False: straight from `start` and the usual starts.
  bool sample_first = true;
};

struct bgnbd_fit {
  bgnbd_params params;
  std::array<double, 4> std_errors{};  // r, alpha, a, b; NaN when the Hessian is not definite
  double log_likelihood = 0;
  bool converged = false;
  int iterations = 0;
  fit_start optimum;  // params, and with standard errors their inverse Hessian
};

// Maximum likelihood fit over all customers. Never throws; check `converged`.
bgnbd_fit fit_bgnbd(std::span<const customer_rfm> customers, const fit_options& options = {});

// ---- Gamma-Gamma ----

struct gamma_gamma_params {
  double p = 0, q = 0, gamma = 0;
};

// log f(m_x | p, q, gamma, x) of one customer whose x purchases had mean spend m_x, with every
// constant kept (the density of the mean, as in the note).
double gamma_gamma_log_likelihood(const gamma_gamma_params& params, double x, double m_x);

// E[M | m_x, x] = (q-1)/(p x+q-1) * p gamma/(q-1) + p x/(p x+q-1) * m_x; for x = 0 the
// population mean p gamma / (q - 1). NaN when q <= 1 (the mean spend does not exist).
double gamma_gamma_expected_spend(const gamma_gamma_params& params, double x, double m_x);

struct gamma_gamma_fit {
  gamma_gamma_params params;
  std::array<double, 3> std_errors{};  // p, q, gamma
  double log_likelihood = 0;
  bool converged = false;
  int iterations = 0;
  size_t customers = 0;  // customers used: x > 0 and m > 0
  fit_start optimum;     // params, and with standard errors their inverse Hessian
};

// Maximum likelihood fit over the customers with x > 0 and a positive m.
gamma_gamma_fit fit_gamma_gamma(std::span<const customer_rfm> customers,
                                const fit_options& options = {});

// ---- The predicted_clv KPI ----

struct clv_result;

struct clv_options {
  double horizon_weeks = 52;
  size_t top_n = 10;
  int min_repeat_customers = 30;
  // False: clv_result::per_customer holds only the top and at-risk customers (top first),
  // which is all a report without its customer table reads; ~100 bytes per customer fewer.
  bool all_customers = true;
  // True: only ok, the reason, the parameters, log-likelihoods, counts and the means; no
  // standard errors, per-customer records, top, at-risk or distribution, and the ids may be
  // empty (refusals then name no customer). For a value shown only as "previous".
  bool means_only = false;
  // Where to start each fit first (see fit_start), e.g. from another period's fit of the
  // same store (clv_result::bgnbd_optimum); empty: the usual starts only.
  fit_start bgnbd_start, gamma_gamma_start;
  // Called once the customers are checked and grouped for the fit, before any fitting, with
  // the two starts above to change: so that a fit on another thread can wait there for
  // another period's optima while this one gets ready. False calls the fit off: the result
  // is then not ok.
  std::function<bool(fit_start& bgnbd, fit_start& gamma_gamma)> starts;
  // Called once both models are fitted and accepted (the parameters and optima set), before
  // the predictions: so that another period's fit, on another thread, can start from the
  // optima meanwhile. Not called when a fit is refused (the predictions may still refuse the
  // result after it, when one is not finite).
  std::function<void(const clv_result&)> fitted;
};

struct clv_customer {
  std::string id;
  customer_rfm rfm;
  double expected_purchases = 0;  // over the horizon
  double p_alive = 0;
  double expected_spend = 0;   // per purchase
  double predicted_value = 0;  // expected_purchases x expected_spend, undiscounted
};

struct clv_histogram {
  std::vector<double> edges;     // bins + 1 increasing edges
  std::vector<uint64_t> counts;  // bins
  uint64_t above = 0;            // values above the last edge (the top 1%)
};

struct clv_result {
  bool ok = false;
  std::string reason;  // why the fit was refused, when !ok
  clv_options options;
  // Parameters, log-likelihoods and standard errors; NaN when not fitted.
  static constexpr double NOT_FITTED = std::numeric_limits<double>::quiet_NaN();
  double r = NOT_FITTED, alpha = NOT_FITTED, a = NOT_FITTED, b = NOT_FITTED;
  double p = NOT_FITTED, q = NOT_FITTED, gamma = NOT_FITTED;
  double ll_bgnbd = NOT_FITTED, ll_gg = NOT_FITTED;
  bool converged_bgnbd = false, converged_gg = false;
  std::array<double, 4> se_bgnbd{NOT_FITTED, NOT_FITTED, NOT_FITTED, NOT_FITTED};
  std::array<double, 3> se_gg{NOT_FITTED, NOT_FITTED, NOT_FITTED};
  size_t customers = 0, repeat_customers = 0;
  // In input order; empty when !ok. Only the top and at-risk ones without
  // options.all_customers.
  std::vector<clv_customer> per_customer;
  double mean_expected_purchases = 0, mean_p_alive = 0, mean_expected_spend = 0,
         mean_predicted_value = 0;  // the headline value
  // Indices into per_customer.
  std::vector<size_t> top;      // the top_n by predicted value
  std::vector<size_t> at_risk;  // see at_risk_threshold
  // At risk: a repeat customer whose historical value (x + 1) m is at least this threshold
  // (the top 20% of repeat customers by that value) and whose P(alive) < 0.5; sorted by
  // historical value, descending, at most top_n. One-time buyers are never at risk: BG/NBD
  // gives them P(alive) = 1.
  double at_risk_threshold = 0;
  clv_histogram distribution;  // of predicted values
  // The fits' optima, to start another period's fits from (see fit_start).
  fit_start bgnbd_optimum, gamma_gamma_optimum;
};

// Fits BG/NBD and Gamma-Gamma to the customers' summaries (ids[i] belongs to rfm[i]) and
// predicts each customer's purchases, spend and value over options.horizon_weeks. Refuses
// (ok = false with a reason for people) when: ids and summaries differ in number or a summary
// is invalid; every customer bought once; fewer than min_repeat_customers bought again; a fit
// does not converge; or the Gamma-Gamma q <= 1 (no finite mean spend). Customers with x = 0 get
// the Gamma-Gamma population mean as expected spend.
clv_result fit_predicted_clv(std::vector<std::string> ids, std::vector<customer_rfm> rfm,
                             const clv_options& options);

// Writes the fields of the predicted_clv KPI object (the caller opens and closes the object):
// value, status, unit, reason, horizon_weeks, params, std_errors, log_likelihood, converged,
// customers, repeat_customers, then when ok means, top, at_risk (with at_risk_threshold),
// distribution and, with `with_customers`, every customer as "per_customer" ("customers" is
// the count; needs a result fitted with options.all_customers).
void write_predicted_clv(json_writer& w, const clv_result& result, bool with_customers);

namespace detail {

// The log of a product of positive factors, which the fits' likelihoods take in place of the
// sum of the factors' logs: one log in all rather than one per factor (in wasm a log is most
// of what a factor costs). The product is kept in [1, 2) by moving its binary exponent into an
// integer after each factor, which is exact; so it rounds by about one ulp per factor, as each
// log would, and the exponents add up exactly where a sum of logs rounds at every term. A
// factor that is not a positive normal number, or one so large that the product leaves the
// doubles, sets `failed`: the caller then takes the logs one by one.
struct log_product {
  double mantissa = 1;
  int64_t exponent = 0;
  bool failed = false;
  [[gnu::always_inline]] void times(double factor) {
    const double product = mantissa * factor;
    uint64_t bits;  // std::bit_cast: not in libc++ 14
    std::memcpy(&bits, &product, 8);
    // The sign bit and the exponent: 1 to 0x7fe for a positive normal number.
    const uint64_t top = bits >> 52;
    if (top - 1 >= 0x7fe) {
      failed = true;
      return;
    }
    exponent += static_cast<int64_t>(top) - 1023;
    bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
    std::memcpy(&mantissa, &bits, 8);
  }
  double log() const {
    return std::log(mantissa) + static_cast<double>(exponent) * std::numbers::ln2;
  }
};

// The k-th smallest of `values` (k from 0, below their count; no NaN among them): the value
// std::nth_element would put at k, found without reordering or copying them all.
double kth_smallest(std::span<const double> values, size_t k);

// psi(x) = d/dx log Gamma(x), for x > 0.
double digamma(double x);
// psi'(x) = d2/dx2 log Gamma(x), for x > 0 (NaN otherwise).
double trigamma(double x);

// A power series sum_{k >= k0} t_k with t_{k0} = first and
// t_{k+1} / t_k = (a + k)(b + k) / ((c + k)(k + 1)) z, for 0 <= z < 1 (the series of 2F1 and
// its tails). The sum is value * exp(log_scale) so that huge intermediate terms cannot
// overflow. `converged` is false when 10^7 terms were not enough (z extremely close to 1).
struct scaled_sum {
  double value = 0;
  double log_scale = 0;
  bool converged = true;
};
scaled_sum hypergeometric_series(double a, double b, double c, double z, int k0, double first);

// The Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z <= 1 (z = 1 only
// when c - a - b > 0). The Pfaff transformation maps z < 0 (including z < -1) into (0, 1).
// For z > 0.9 and moderate parameters (|a|, |b|, |c| <= 20) it uses the 1 - z transformation
// (A&S 15.3.6; 15.3.10-11 when c - a - b is an integer), unless c - a - b is within 0.05 of
// an integer without being one. Otherwise it sums the series in z, after Euler's
// transformation when c - a - b < 0 so the terms never grow like (1 - z)^(c-a-b). NaN
// outside the domain, for c a non-positive integer, or when the series in z would need more
// than 10^7 terms (c - a - b within 0.05 of an integer and 1 - z below ~1e-6).
double hyp2f1(double a, double b, double c, double z);

// f(x, grad) returns the objective at x and writes its gradient into grad.
using objective = std::function<double(std::span<const double> x, std::span<double> grad)>;

struct minimize_options {
  int max_iterations = 500;
  double gradient_tolerance = 1e-9;  // on max |grad_i|
  // The first approximation of the inverse Hessian (n x n, row-major), e.g. that of a
  // similar problem at its optimum: from a good one the first steps are Newton steps. Empty:
  // the identity, rescaled after the first step.
  std::vector<double> inverse_hessian;
};

struct minimize_result {
  std::vector<double> x;
  double f = 0;
  double gradient_norm = 0;  // max |grad_i| at x
  std::vector<double> gradient;  // at x (as f gave it there)
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;  // max |grad_i| <= gradient_tolerance
};

// Unconstrained minimisation by BFGS with a weak-Wolfe bisection line search (plus Hager &
// Zhang's approximate Wolfe test once f stops resolving the decrease). A non-finite objective
// counts as "too far" to the line search, so callers may return NaN/inf outside their domain.
minimize_result minimize_bfgs(const objective& f, std::vector<double> x0,
                              const minimize_options& options = {});

// Hessian of f at x by central differences of its analytic gradient (step h), symmetrised;
// row-major n x n.
std::vector<double> numerical_hessian(const objective& f, std::span<const double> x, double h);

// For an objective F over log-parameters theta = ln p: second(theta, out) writes
// p_i p_j d2F/dp_i dp_j (row-major n x n), the Hessian over theta but for dF/dtheta_i on its
// diagonal. analytic_hessian adds that from F's gradient at x (minimize_result::gradient at
// the optimum).
using second_derivatives = std::function<void(std::span<const double> x, std::span<double> out)>;
std::vector<double> analytic_hessian(const second_derivatives& second, std::span<const double> x,
                                     std::span<const double> gradient);

// The mean negative log-likelihood per customer of BG/NBD over (ln r, ln alpha, ln a, ln b),
// with its analytic gradient. Customers with identical (x, t_x, T) are evaluated once, and
// the terms that depend on x alone once per distinct x. The returned function keeps scratch
// tables: copies share them, so do not call it from two threads at once.
objective bgnbd_objective(std::span<const customer_rfm> customers);

// The mean negative log-likelihood of Gamma-Gamma over (ln p, ln q, ln gamma) and its
// gradient, on the customers with x > 0 and m > 0 (NaN when there are none).
objective gamma_gamma_objective(std::span<const customer_rfm> customers);

// The second derivatives of those two objectives (see second_derivatives). The standard
// errors come from them: a pass over the customers in place of the 8 (BG/NBD) and 6
// (Gamma-Gamma) evaluations of central differences.
second_derivatives bgnbd_second_derivatives(std::span<const customer_rfm> customers);
second_derivatives gamma_gamma_second_derivatives(std::span<const customer_rfm> customers);

// Inverts a symmetric positive definite n x n matrix in place (Cholesky). False (matrix left
// unspecified) when it is not positive definite.
bool invert_spd(std::vector<double>& m, size_t n);

}  // namespace detail
}  // namespace kpi
