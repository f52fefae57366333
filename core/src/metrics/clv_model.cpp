// BG/NBD and Gamma-Gamma: likelihoods, maximum likelihood fits, per-customer predictions and
// the predicted_clv KPI built from them.
#include "kpi/metrics/clv_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>

#include "kpi/detail/report_parts.h"

namespace kpi {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> distinct_sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

uint32_t index_in(const std::vector<double>& sorted, double v) {
  return static_cast<uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
}

// Day-based summaries hold whole counts (x) and whole days over 7 (t_x and T in weeks). When
// every value is k / 7 for a whole k below SEVENTHS_LIMIT, as there, rank_values numbers them
// by a table indexed by k: no hashing, and the table comes out sorted.
constexpr double SEVENTHS_LIMIT = 1 << 20;

// distinct_sorted(v) and index_in(distinct, v[i]) for every i < n, v[i] = value(i), without
// sorting v: by the table of sevenths above when it applies, else by a hash table on the
// values' bits (+0 for -0, which compares equal), and only the distinct values are sorted.
// False (outputs unspecified) when a value is NaN.
template <class Value>
bool rank_values(size_t n, Value value, std::vector<double>& distinct,
                 std::vector<uint32_t>& rank) {
  distinct.clear();
  rank.resize(n);
  {
    double top = 0;
    size_t i = 0;
    for (; i < n; ++i) {
      // nearbyint, not round: one instruction in wasm where round is a call, and any k
      // that passes the check below is the same.
      const double v = value(i), k = std::nearbyint(v * 7);
      if (!(k >= 0 && k < SEVENTHS_LIMIT) || k / 7 != v) break;
      rank[i] = static_cast<uint32_t>(k);
      top = std::max(top, k);
    }
    if (i == n) {
      std::vector<uint32_t> rank_of(n == 0 ? 0 : static_cast<size_t>(top) + 1, 0);
      for (uint32_t k : rank) rank_of[k] = 1;
      for (size_t k = 0; k < rank_of.size(); ++k) {
        if (rank_of[k] == 0) continue;
        rank_of[k] = static_cast<uint32_t>(distinct.size());
        distinct.push_back(static_cast<double>(k) / 7);
      }
      for (uint32_t& r : rank) r = rank_of[r];
      return true;
    }
  }
  size_t cap = 64;
  std::vector<uint64_t> slot_bits(cap);
  std::vector<uint32_t> slot_id(cap, UINT32_MAX);
  auto bits_of = [](double d) {
    if (d == 0) d = 0;  // -0 -> +0
    uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    return b;
  };
  auto home = [](uint64_t b, size_t mask) {  // mixes every bit into the low ones
    b ^= b >> 32;
    b *= 0x9E3779B97F4A7C15ull;
    b ^= b >> 29;
    return static_cast<size_t>(b) & mask;
  };
  for (size_t i = 0; i < n; ++i) {
    const double v = value(i);
    if (std::isnan(v)) return false;
    const uint64_t b = bits_of(v);
    size_t k = home(b, cap - 1);
    while (slot_id[k] != UINT32_MAX && slot_bits[k] != b) k = (k + 1) & (cap - 1);
    if (slot_id[k] == UINT32_MAX) {
      slot_bits[k] = b;
      slot_id[k] = static_cast<uint32_t>(distinct.size());
      distinct.push_back(v == 0 ? 0.0 : v);
      if (distinct.size() * 2 > cap) {  // grow: rehash the distinct values
        cap *= 2;
        slot_bits.assign(cap, 0);
        slot_id.assign(cap, UINT32_MAX);
        for (uint32_t id = 0; id < distinct.size(); ++id) {
          const uint64_t db = bits_of(distinct[id]);
          size_t j = home(db, cap - 1);
          while (slot_id[j] != UINT32_MAX) j = (j + 1) & (cap - 1);
          slot_bits[j] = db;
          slot_id[j] = id;
        }
        k = home(b, cap - 1);
        while (slot_bits[k] != b) k = (k + 1) & (cap - 1);
      }
    }
    rank[i] = slot_id[k];
  }
  // First-seen ids -> ranks in sorted order.
  std::vector<uint32_t> by_value(distinct.size());
  std::iota(by_value.begin(), by_value.end(), 0);
  std::sort(by_value.begin(), by_value.end(),
            [&](uint32_t a, uint32_t b) { return distinct[a] < distinct[b]; });
  std::vector<uint32_t> rank_of_id(distinct.size());
  std::vector<double> sorted(distinct.size());
  for (uint32_t r = 0; r < by_value.size(); ++r) {
    rank_of_id[by_value[r]] = r;
    sorted[r] = distinct[by_value[r]];
  }
  distinct = std::move(sorted);
  for (uint32_t& r : rank) r = rank_of_id[r];
  return true;
}

// Sorts 64-bit keys whose set bits all lie below bit `bits` (LSD radix, 11-bit digits).
void radix_sort(std::vector<uint64_t>& keys, int bits) {
  std::vector<uint64_t> tmp(keys.size());
  constexpr int DIGIT = 11;
  constexpr size_t RADIX = size_t{1} << DIGIT;
  for (int shift = 0; shift < bits; shift += DIGIT) {
    std::vector<size_t> count(RADIX + 1, 0);
    for (uint64_t k : keys) ++count[((k >> shift) & (RADIX - 1)) + 1];
    for (size_t d = 1; d <= RADIX; ++d) count[d] += count[d - 1];
    for (uint64_t k : keys) tmp[count[(k >> shift) & (RADIX - 1)]++] = k;
    keys.swap(tmp);
  }
}

int bits_for(size_t n) {  // bits to hold 0 .. n - 1
  int b = 0;
  while (b < 64 && (size_t{1} << b) < n) ++b;
  return b;
}

// ---- BG/NBD likelihood ----
//
// ln L = ln A1 + ln A2 + ln(A3 + [x > 0] A4)   (FHL 2005 eq. 6) with
//   A1 = Gamma(r+x) alpha^r / Gamma(r),  A2 = Gamma(a+b) Gamma(b+x) / (Gamma(b) Gamma(a+b+x)),
//   A3 = (alpha+T)^-(r+x),               A4 = a/(b+x-1) (alpha+t_x)^-(r+x).
// ln A1 + ln A2 depends on x alone, so it is computed once per distinct x; the logarithms of
// alpha + T and alpha + t_x once per distinct T and t_x (day-based data has few of each).
struct bgnbd_state {
  std::vector<double> xs, x_weight, ts, txs;
  struct group {  // 16 bytes: at 5M orders there are ~800,000 groups
    uint32_t x, t_x, T;
    uint32_t weight;  // its customers
  };
  std::vector<group> groups;
  double customers = 0;
  // Per customer, with keep_ranks and when the values were ranked by hashing: the index of
  // its x in xs, T in ts and t_x (0 when x = 0) in txs. Empty otherwise.
  std::vector<uint32_t> x_rank, t_rank, tx_rank;
  // Per-evaluation tables.
  std::vector<double> log_t, inv_t, log_tx, inv_tx, log_ratio_x, inv_bx;
};

std::shared_ptr<bgnbd_state> make_bgnbd_state(std::span<const customer_rfm> cs,
                                              bool keep_ranks = false) {
  auto st = std::make_shared<bgnbd_state>();
  auto x_of = [&](size_t i) { return cs[i].x; };
  auto t_of = [&](size_t i) { return cs[i].T; };
  // t_x does not enter the likelihood when x = 0.
  auto tx_of = [&](size_t i) { return cs[i].x > 0 ? cs[i].t_x : 0; };
  // Groups of identical (x, t_x, T) in the order of their value indices. The fast way ranks
  // the values (rank_values) and sorts packed 64-bit keys; the general way (NaN, or indices
  // that do not fit in 64 bits) sorts the values and the key triples.
  std::vector<uint32_t> xr, txr, tr;
  bool fast = rank_values(cs.size(), x_of, st->xs, xr) &&
              rank_values(cs.size(), t_of, st->ts, tr) &&
              rank_values(cs.size(), tx_of, st->txs, txr);
  const int bx = bits_for(st->xs.size()), btx = bits_for(st->txs.size()),
            bt = bits_for(st->ts.size());
  fast = fast && bx + btx + bt <= 63;
  if (fast) {
    st->x_weight.assign(st->xs.size(), 0);
    std::vector<uint64_t> keys(cs.size());
    for (size_t i = 0; i < cs.size(); ++i) {
      keys[i] = (static_cast<uint64_t>(xr[i]) << (btx + bt)) |
                (static_cast<uint64_t>(txr[i]) << bt) | tr[i];
      st->x_weight[xr[i]] += 1;
    }
    if (keep_ranks) {
      st->x_rank = std::move(xr);
      st->t_rank = std::move(tr);
      st->tx_rank = std::move(txr);
    } else {
      std::vector<uint32_t>().swap(xr);
      std::vector<uint32_t>().swap(tr);
      std::vector<uint32_t>().swap(txr);
    }
    radix_sort(keys, bx + btx + bt);
    // Room for exactly the groups: a doubled vector would hold up to twice their size.
    size_t distinct = keys.empty() ? 0 : 1;
    for (size_t i = 1; i < keys.size(); ++i) distinct += keys[i] != keys[i - 1];
    st->groups.reserve(distinct);
    const uint64_t t_mask = bt == 0 ? 0 : (~uint64_t{0} >> (64 - bt));
    const uint64_t tx_mask = btx == 0 ? 0 : (~uint64_t{0} >> (64 - btx));
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0 && keys[i] == keys[i - 1]) {
        st->groups.back().weight += 1;
      } else {
        const uint64_t k = keys[i];
        st->groups.push_back({static_cast<uint32_t>(bx == 0 ? 0 : k >> (btx + bt)),
                              static_cast<uint32_t>((k >> bt) & tx_mask),
                              static_cast<uint32_t>(k & t_mask), 1});
      }
    }
  } else {
    std::vector<uint32_t>().swap(xr);
    std::vector<uint32_t>().swap(tr);
    std::vector<uint32_t>().swap(txr);
    std::vector<double> xv(cs.size()), tv(cs.size()), txv(cs.size());
    for (size_t i = 0; i < cs.size(); ++i) {
      xv[i] = x_of(i);
      tv[i] = t_of(i);
      txv[i] = tx_of(i);
    }
    st->xs = distinct_sorted(xv);
    st->ts = distinct_sorted(tv);
    st->txs = distinct_sorted(txv);
    st->x_weight.assign(st->xs.size(), 0);
    std::vector<bgnbd_state::group> keys(cs.size());
    for (size_t i = 0; i < cs.size(); ++i) {
      keys[i] = {index_in(st->xs, xv[i]), index_in(st->txs, txv[i]), index_in(st->ts, tv[i]), 1};
      st->x_weight[keys[i].x] += 1;
    }
    auto key = [](const bgnbd_state::group& g) { return std::tie(g.x, g.t_x, g.T); };
    std::sort(keys.begin(), keys.end(),
              [&](const auto& u, const auto& v) { return key(u) < key(v); });
    for (const auto& k : keys) {
      if (!st->groups.empty() && key(st->groups.back()) == key(k)) {
        st->groups.back().weight += 1;
      } else {
        st->groups.push_back(k);
      }
    }
  }
  st->customers = static_cast<double>(cs.size());
  st->log_t.resize(st->ts.size());
  st->inv_t.resize(st->ts.size());
  st->log_tx.resize(st->txs.size());
  st->inv_tx.resize(st->txs.size());
  st->log_ratio_x.resize(st->xs.size());
  st->inv_bx.resize(st->xs.size());
  return st;
}

// ln(alpha + T) and 1 / (alpha + T) for each distinct T, and the same for t_x.
void fill_alpha_tables(bgnbd_state& st, double alpha) {
  for (size_t i = 0; i < st.ts.size(); ++i) {
    st.log_t[i] = std::log(alpha + st.ts[i]);
    st.inv_t[i] = 1 / (alpha + st.ts[i]);
  }
  for (size_t i = 0; i < st.txs.size(); ++i) {
    st.log_tx[i] = std::log(alpha + st.txs[i]);
    st.inv_tx[i] = 1 / (alpha + st.txs[i]);
  }
}

// Mean negative log-likelihood over log-parameters and its gradient.
double bgnbd_evaluate(bgnbd_state& st, std::span<const double> theta, std::span<double> grad) {
  const double r = std::exp(theta[0]), alpha = std::exp(theta[1]), a = std::exp(theta[2]),
               b = std::exp(theta[3]);
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0) || !std::isfinite(r + alpha + a + b)) return NaN;
  fill_alpha_tables(st, alpha);
  const double log_alpha = std::log(alpha), log_a = std::log(a);
  const double lg_r = std::lgamma(r), lg_b = std::lgamma(b), lg_ab = std::lgamma(a + b);
  const double psi_r = detail::digamma(r), psi_b = detail::digamma(b),
               psi_ab = detail::digamma(a + b);
  double ll = 0, d_r = 0, d_alpha = 0, d_a = 0, d_b = 0;
  for (size_t k = 0; k < st.xs.size(); ++k) {
    const double x = st.xs[k], w = st.x_weight[k];
    if (x == 0) {  // A1 = alpha^r, A2 = 1
      ll += w * r * log_alpha;
      d_r += w * log_alpha;
      d_alpha += w * r / alpha;
      continue;
    }
    const double psi_abx = detail::digamma(a + b + x);
    ll += w * (std::lgamma(r + x) - lg_r + r * log_alpha + lg_ab - lg_b + std::lgamma(b + x) -
               std::lgamma(a + b + x));
    d_r += w * (detail::digamma(r + x) - psi_r + log_alpha);
    d_alpha += w * r / alpha;
    d_a += w * (psi_ab - psi_abx);
    d_b += w * (psi_ab - psi_b + detail::digamma(b + x) - psi_abx);
    st.log_ratio_x[k] = log_a - std::log(b + x - 1);
    st.inv_bx[k] = 1 / (b + x - 1);
  }
  detail::log_product ones;
  for (const auto& g : st.groups) {
    const double x = st.xs[g.x], rx = r + x, w = g.weight;
    const double lt = st.log_t[g.T], u = -rx * lt;  // ln A3
    if (x == 0) {
      ll += w * u;
      d_r -= w * lt;
      d_alpha -= w * rx * st.inv_t[g.T];
      continue;
    }
    const double ltx = st.log_tx[g.t_x], v = st.log_ratio_x[g.x] - rx * ltx;  // ln A4
    // ln(e^u + e^v) = max(u, v) + ln s without overflow, s = 1 + e^-|u-v| in (1, 2]; wv =
    // A4 / (A3 + A4). With 0 < e <= 1, rounding 1 + e errs by at most 1.1e-16 in ln s, below
    // the rounding of the sum over customers; so log1p, five times the cost of log in wasm's
    // musl, would buy nothing. A group of one customer (most groups) multiplies `ones` by its
    // s instead: one log for all of them (log_product).
    double top, s, wv;
    if (u >= v) {
      const double e = std::exp(v - u);
      top = u, s = 1 + e;
      wv = e / s;
    } else {
      const double e = std::exp(u - v);
      top = v, s = 1 + e;
      wv = 1 / s;
    }
    const double wu = 1 - wv;
    if (w == 1) {
      ll += top;
      ones.times(s);
    } else {
      ll += w * (top + std::log(s));
    }
    d_r -= w * (wu * lt + wv * ltx);
    d_alpha -= w * rx * (wu * st.inv_t[g.T] + wv * st.inv_tx[g.t_x]);
    d_a += w * wv / a;
    d_b -= w * wv * st.inv_bx[g.x];
  }
  // Every s is in (1, 2] but a NaN one (u or v NaN), whose log the sum would have been.
  ll += ones.failed ? NaN : ones.log();
  const double scale = -1 / st.customers;
  if (!grad.empty()) {
    grad[0] = scale * r * d_r;
    grad[1] = scale * alpha * d_alpha;
    grad[2] = scale * a * d_a;
    grad[3] = scale * b * d_b;
  }
  return scale * ll;
}

// The second derivatives of bgnbd_evaluate's objective (see detail::second_derivatives).
// Per distinct x, those of ln A1 + ln A2 (trigamma); per group, with lse = ln(e^u + e^v)
// for x > 0, d2 lse = wu d2u + wv d2v + wu wv (du - dv)(du - dv)', where wv = A4 / (A3 + A4),
// u = -(r+x) ln(alpha+T) and v = ln a - ln(b+x-1) - (r+x) ln(alpha+t_x). One exp per group,
// no log.
void bgnbd_second(bgnbd_state& st, std::span<const double> theta, std::span<double> out) {
  const double p[4] = {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]),
                       std::exp(theta[3])};
  const double r = p[0], alpha = p[1], a = p[2], b = p[3];
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0) || !std::isfinite(r + alpha + a + b)) {
    std::fill(out.begin(), out.end(), NaN);
    return;
  }
  fill_alpha_tables(st, alpha);
  const double log_a = std::log(a);
  const double t1_r = detail::trigamma(r), t1_b = detail::trigamma(b),
               t1_ab = detail::trigamma(a + b);
  double h[4][4] = {};  // of the log-likelihood over (r, alpha, a, b); upper triangle
  for (size_t k = 0; k < st.xs.size(); ++k) {
    const double x = st.xs[k], w = st.x_weight[k];
    h[0][1] += w / alpha;  // r ln alpha
    h[1][1] -= w * r / (alpha * alpha);
    if (x == 0) continue;
    const double t1_abx = detail::trigamma(a + b + x);
    h[0][0] += w * (detail::trigamma(r + x) - t1_r);
    h[2][2] += w * (t1_ab - t1_abx);
    h[2][3] += w * (t1_ab - t1_abx);
    h[3][3] += w * (t1_ab - t1_b + detail::trigamma(b + x) - t1_abx);
    st.log_ratio_x[k] = log_a - std::log(b + x - 1);
    st.inv_bx[k] = 1 / (b + x - 1);
  }
  for (const auto& g : st.groups) {
    const double x = st.xs[g.x], rx = r + x, w = g.weight;
    const double lt = st.log_t[g.T], it = st.inv_t[g.T];
    if (x == 0) {  // u alone
      h[0][1] -= w * it;
      h[1][1] += w * rx * it * it;
      continue;
    }
    const double ltx = st.log_tx[g.t_x], itx = st.inv_tx[g.t_x], ib = st.inv_bx[g.x];
    const double u = -rx * lt, v = st.log_ratio_x[g.x] - rx * ltx;
    double wv;
    if (u >= v) {
      const double e = std::exp(v - u);
      wv = e / (1 + e);
    } else {
      wv = 1 / (1 + std::exp(u - v));
    }
    const double wu = 1 - wv;
    h[0][1] -= w * (wu * it + wv * itx);
    h[1][1] += w * rx * (wu * it * it + wv * itx * itx);
    h[2][2] -= w * wv / (a * a);
    h[3][3] += w * wv * ib * ib;
    const double d[4] = {ltx - lt, rx * (itx - it), -1 / a, ib};  // du - dv
    const double c = w * wu * wv;
    for (int i = 0; i < 4; ++i) {
      for (int j = i; j < 4; ++j) h[i][j] += c * d[i] * d[j];
    }
  }
  const double scale = -1 / st.customers;
  for (int i = 0; i < 4; ++i) {
    for (int j = i; j < 4; ++j) out[i * 4 + j] = out[j * 4 + i] = scale * p[i] * p[j] * h[i][j];
  }
}

// ---- Gamma-Gamma likelihood ----
//
// ln f(m_x | p, q, gamma, x) = ln Gamma(px+q) - ln Gamma(px) - ln Gamma(q) + q ln gamma
//                              + (px-1) ln m_x + px ln x - (px+q) ln(gamma + x m_x),
// the density of the mean of x spends z ~ Gamma(p, nu) mixed over nu ~ Gamma(q, gamma). The
// gamma functions depend on x alone and are computed once per distinct x.
struct gamma_gamma_state {
  std::vector<double> xs, weight, log_x, sum_log_m;  // per distinct x
  std::vector<double> xm;      // x m_x per customer, by x: those of xs[k] from starts[k]
  std::vector<size_t> starts;  // xs.size() + 1 entries
  double customers = 0;
};

std::shared_ptr<gamma_gamma_state> make_gamma_gamma_state(std::span<const customer_rfm> cs) {
  auto st = std::make_shared<gamma_gamma_state>();
  std::vector<double> x, xm;  // per repeat customer, in their order
  for (const auto& c : cs) {
    if (c.x > 0 && c.m > 0 && std::isfinite(c.m)) {
      x.push_back(c.x);
      xm.push_back(c.x * c.m);
    }
  }
  std::vector<uint32_t> xr;
  const bool ranked = rank_values(x.size(), [&](size_t i) { return x[i]; }, st->xs, xr);
  if (!ranked) st->xs = distinct_sorted(x);
  st->weight.assign(st->xs.size(), 0);
  st->sum_log_m.assign(st->xs.size(), 0);
  st->log_x.resize(st->xs.size());
  for (size_t k = 0; k < st->xs.size(); ++k) st->log_x[k] = std::log(st->xs[k]);
  if (!ranked) xr.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (!ranked) xr[i] = index_in(st->xs, x[i]);
    const uint32_t k = xr[i];
    st->weight[k] += 1;
    st->sum_log_m[k] += std::log(xm[i] / x[i]);
  }
  // The customers grouped by x, in their order within each group.
  st->starts.assign(st->xs.size() + 1, 0);
  for (uint32_t k : xr) ++st->starts[k + 1];
  for (size_t k = 1; k < st->starts.size(); ++k) st->starts[k] += st->starts[k - 1];
  std::vector<size_t> next(st->starts.begin(), st->starts.end() - 1);
  st->xm.resize(xm.size());
  for (size_t i = 0; i < xr.size(); ++i) st->xm[next[xr[i]]++] = xm[i];
  st->customers = static_cast<double>(x.size());
  return st;
}

double gamma_gamma_evaluate(const gamma_gamma_state& st, std::span<const double> theta,
                            std::span<double> grad) {
  const double p = std::exp(theta[0]), q = std::exp(theta[1]), g = std::exp(theta[2]);
  if (!(p > 0 && q > 0 && g > 0) || !std::isfinite(p + q + g) || st.customers == 0) return NaN;
  const double lg_q = std::lgamma(q), psi_q = detail::digamma(q), log_g = std::log(g);
  double ll = 0, d_p = 0, d_q = 0, d_g = 0;
  for (size_t k = 0; k < st.xs.size(); ++k) {
    const double x = st.xs[k], w = st.weight[k], px = p * x;
    const double psi_pxq = detail::digamma(px + q);
    ll += w * (std::lgamma(px + q) - std::lgamma(px) - lg_q + q * log_g + px * st.log_x[k]) +
          (px - 1) * st.sum_log_m[k];
    d_p += w * x * (psi_pxq - detail::digamma(px) + st.log_x[k]) + x * st.sum_log_m[k];
    d_q += w * (psi_pxq - psi_q + log_g);
    d_g += w * q / g;
  }
  // Per x: the sum of ln(gamma + x m_x) over its customers, as the log of their product.
  double sum_l = 0, sum_xl = 0, sum_inv = 0, sum_xinv = 0;
  for (size_t k = 0; k < st.xs.size(); ++k) {
    detail::log_product product;
    double l = 0, inv = 0;
    for (size_t i = st.starts[k]; i < st.starts[k + 1]; ++i) {
      const double f = g + st.xm[i];
      product.times(f);
      inv += 1 / f;
    }
    if (!product.failed) {
      l = product.log();
    } else {
      for (size_t i = st.starts[k]; i < st.starts[k + 1]; ++i) l += std::log(g + st.xm[i]);
    }
    sum_l += l;
    sum_xl += st.xs[k] * l;
    sum_inv += inv;
    sum_xinv += st.xs[k] * inv;
  }
  ll -= p * sum_xl + q * sum_l;
  d_p -= sum_xl;
  d_q -= sum_l;
  d_g -= p * sum_xinv + q * sum_inv;
  const double scale = -1 / st.customers;
  if (!grad.empty()) {
    grad[0] = scale * p * d_p;
    grad[1] = scale * q * d_q;
    grad[2] = scale * g * d_g;
  }
  return scale * ll;
}

// The second derivatives of gamma_gamma_evaluate's objective (see
// detail::second_derivatives): trigamma per distinct x, a division per customer.
void gamma_gamma_second(const gamma_gamma_state& st, std::span<const double> theta,
                        std::span<double> out) {
  const double pv[3] = {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2])};
  const double p = pv[0], q = pv[1], g = pv[2];
  if (!(p > 0 && q > 0 && g > 0) || !std::isfinite(p + q + g) || st.customers == 0) {
    std::fill(out.begin(), out.end(), NaN);
    return;
  }
  const double t1_q = detail::trigamma(q);
  double h[3][3] = {};  // of the log-likelihood over (p, q, gamma); upper triangle
  double weight = 0;
  for (size_t k = 0; k < st.xs.size(); ++k) {
    const double x = st.xs[k], w = st.weight[k], px = p * x;
    const double t1_pxq = detail::trigamma(px + q);
    h[0][0] += w * x * x * (t1_pxq - detail::trigamma(px));
    h[0][1] += w * x * t1_pxq;
    h[1][1] += w * (t1_pxq - t1_q);
    weight += w;
  }
  // -(p x + q) ln(gamma + x m) per customer, by x.
  double sum_inv = 0, sum_xinv = 0, sum_inv2 = 0, sum_xinv2 = 0;
  for (size_t k = 0; k < st.xs.size(); ++k) {
    double inv_k = 0, inv2_k = 0;
    for (size_t i = st.starts[k]; i < st.starts[k + 1]; ++i) {
      const double inv = 1 / (g + st.xm[i]);
      inv_k += inv;
      inv2_k += inv * inv;
    }
    sum_inv += inv_k;
    sum_xinv += st.xs[k] * inv_k;
    sum_inv2 += inv2_k;
    sum_xinv2 += st.xs[k] * inv2_k;
  }
  h[0][2] = -sum_xinv;
  h[1][2] = weight / g - sum_inv;  // with q ln gamma
  h[2][2] = -weight * q / (g * g) + p * sum_xinv2 + q * sum_inv2;
  const double scale = -1 / st.customers;
  for (int i = 0; i < 3; ++i) {
    for (int j = i; j < 3; ++j) out[i * 3 + j] = out[j * 3 + i] = scale * pv[i] * pv[j] * h[i][j];
  }
}

// ---- Fitting ----

template <size_t N>
struct log_param_fit {
  fit_start optimum;
  std::array<double, N> params{}, std_errors{};
  double log_likelihood = NaN;
  bool converged = false;
  int iterations = 0;
};

// Minimises a mean negative log-likelihood over log-parameters from each start in turn until
// one converges to an interior point. Standard errors come from the inverse of the analytic
// Hessian of -LL on the log scale: se(theta_i) = theta_i se(ln theta_i) (delta method, exact
// at the optimum where the gradient vanishes).
template <size_t N>
log_param_fit<N> fit_log_params(const detail::objective& f,
                                const detail::second_derivatives& second, double customers,
                                std::vector<std::array<double, N>> starts,
                                const fit_options& options) {
  // A given start goes first when the fit can use it (positive finite parameters), with its
  // inverse Hessian when that is finite.
  const std::vector<double>& warm = options.start.params;
  bool warm_start = warm.size() == N && std::all_of(warm.begin(), warm.end(), [](double v) {
                      return v > 0 && std::isfinite(v);
                    });
  if (warm_start) {
    std::array<double, N> start;
    std::copy(warm.begin(), warm.end(), start.begin());
    starts.insert(starts.begin(), start);
  }
  const std::vector<double>& warm_h = options.start.inverse_hessian;
  const bool warm_curvature =
      warm_start && warm_h.size() == N * N &&
      std::all_of(warm_h.begin(), warm_h.end(), [](double v) { return std::isfinite(v); });
  // On the mean log-likelihood, 1e-9 is far below what changes the third significant digit
  // of a parameter and well above the rounding noise of the sums.
  detail::minimize_options opts;
  opts.max_iterations = 500;
  opts.gradient_tolerance = 1e-9;
  log_param_fit<N> out;
  detail::minimize_result best;
  bool have = false;
  for (const auto& start : starts) {
    std::vector<double> x0(start.begin(), start.end());
    for (double& v : x0) v = std::log(v);
    opts.inverse_hessian.clear();
    if (warm_curvature && &start == &starts.front()) opts.inverse_hessian = warm_h;
    auto res = detail::minimize_bfgs(f, std::move(x0), opts);
    // A parameter running to 0 or infinity means the likelihood has no interior maximum; the
    // gradient there can be tiny without the fit meaning anything.
    for (double v : res.x) res.converged = res.converged && std::fabs(v) < 20;
    out.iterations += res.iterations;
    if (!have || (res.converged && !best.converged) ||
        (res.converged == best.converged && res.f < best.f)) {
      best = std::move(res);
      have = true;
    }
    if (best.converged) break;
  }
  out.converged = best.converged;
  for (size_t i = 0; i < N; ++i) out.params[i] = std::exp(best.x[i]);
  out.log_likelihood = -best.f * customers;
  out.optimum.params.assign(out.params.begin(), out.params.end());
  out.std_errors.fill(NaN);
  if (!options.standard_errors) return out;
  // The gradient is the one the minimiser last evaluated at the optimum: no evaluation again.
  std::vector<double> hess = detail::analytic_hessian(second, best.x, best.gradient);
  for (double& v : hess) v *= customers;
  bool definite = detail::invert_spd(hess, N);
  for (size_t i = 0; i < N; ++i) {
    out.std_errors[i] = definite ? out.params[i] * std::sqrt(hess[i * N + i]) : NaN;
  }
  if (definite) {
    // The inverse of the mean's Hessian: the covariance times the customers.
    out.optimum.inverse_hessian = hess;
    for (double& v : out.optimum.inverse_hessian) v *= customers;
  }
  return out;
}

// ---- Prediction ----

// E[purchases in (T, T + t] | alive at T, x] (FHL 2005 eq. 10 without the P(alive) factor).
// Eq. 10 reads (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] with
// z = t/(alpha+T+t). Euler's transformation turns (1-z)^(r+x) 2F1(..) into
// (1-z)^(a-1) 2F1(A, B; C; z) with A = a+b-1-r, B = a-1, C = a+b+x-1, whose series converges
// even at z = 1, and writing 2F1(A,B;C;z) = 1 + (B/C) S with
// S = sum_{k>=1} (A)_k (B+1)_{k-1} / ((C+1)_{k-1} k!) z^k cancels the 1/(a-1):
//   E = C (1 - (1-z)^B) / B - (1-z)^B S,
// which is smooth at a = 1 (where eq. 10 is 0/0) and at a + b + x = 1.
// The series terms grow while k < ~(a-1) z/(1-z) and then fall like z^k, so a large a with
// z near 1 (a tiny alpha + T against t) would need millions of terms; there eq. 10 itself is
// evaluated with hyp2f1 and its 1 - z transformation, as 1 - (1-z)^(r+x) 2F1 in logs.
double alive_expected_purchases(const bgnbd_params& p, double x, double T, double t) {
  if (t == 0) return 0;
  if (!(t > 0)) return NaN;
  const double base = p.alpha + T;
  const double z = t / (base + t);
  const double log_1mz = -std::log1p(t / base);
  const double A = p.a + p.b - 1 - p.r, B = p.a - 1, C = p.a + p.b + x - 1;
  const double estimated_terms = (std::fabs(B) + 40) * (base + t) / base;
  if (estimated_terms <= 1e6 || std::fabs(B) < 1e-3) {
    const double bl = B * log_1mz;
    const double head = B == 0 ? -C * log_1mz : -C * std::expm1(bl) / B;
    detail::scaled_sum s = detail::hypergeometric_series(A, B, C, z, 1, A * z);
    if (s.converged) return head - s.value * std::exp(bl + s.log_scale);
  }
  if (std::fabs(B) < 1e-3) return NaN;  // eq. 10 would be 0/0
  const double f = detail::hyp2f1(p.r + x, p.b + x, C, z);
  if (!(f > 0)) return NaN;  // 2F1 with these positive parameters is positive
  return C / B * -std::expm1((p.r + x) * log_1mz + std::log(f));
}

// P(alive) for x > 0 from its logarithms: 1 / (1 + e^v) with
// v = ln(a/(b+x-1)) + (r+x) (ln(alpha+T) - ln(alpha+t_x)), written so that neither branch
// overflows. The logarithms are arguments so that a caller can take each once per distinct
// value.
double p_alive_of(double log_ratio, double r_plus_x, double log_t, double log_tx) {
  const double v = log_ratio + r_plus_x * (log_t - log_tx);
  if (v > 0) {
    double e = std::exp(-v);
    return e / (1 + e);
  }
  return 1 / (1 + std::exp(v));
}

// The 80th percentile cut: the smallest of the top ceil(20%) values.
double top_fifth_threshold(std::span<const double> values) {
  if (values.empty()) return NaN;
  const size_t k = (values.size() + 4) / 5;
  return detail::kth_smallest(values, values.size() - k);
}

// Percentile with linear interpolation between order statistics (numpy's default).
double percentile(std::span<const double> values, double pct) {
  double pos = pct / 100 * static_cast<double>(values.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, values.size() - 1);
  const double v_lo = detail::kth_smallest(values, lo);
  const double v_hi = hi == lo ? v_lo : detail::kth_smallest(values, hi);
  return v_lo + (pos - static_cast<double>(lo)) * (v_hi - v_lo);
}

// 20 equal bins from the minimum to the 99th percentile, so one extreme customer does not
// squeeze everyone else into the first bin; the rest is counted in `above`.
clv_histogram histogram_of(std::span<const double> values) {
  constexpr size_t BINS = 20;
  clv_histogram h;
  double lo = *std::min_element(values.begin(), values.end());
  double hi = percentile(values, 99);
  if (!(hi > lo)) hi = *std::max_element(values.begin(), values.end());
  if (!(hi > lo)) hi = lo + 1;
  h.edges.resize(BINS + 1);
  for (size_t i = 0; i <= BINS; ++i) h.edges[i] = lo + (hi - lo) * static_cast<double>(i) / BINS;
  h.edges[BINS] = hi;
  h.counts.assign(BINS, 0);
  for (double v : values) {
    if (v > hi) {
      ++h.above;
      continue;
    }
    auto bin = static_cast<size_t>((v - lo) / (hi - lo) * BINS);
    ++h.counts[std::min(bin, BINS - 1)];
  }
  return h;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// " (p runs off to 2.6e+13)" for the parameters a fit sent to 0 or infinity (see
// fit_log_params), so a refusal says what went wrong.
std::string runaway(std::initializer_list<std::pair<const char*, double>> params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!(std::fabs(std::log(value)) < 20)) {
      out +=
          (out.empty() ? " (" : ", ") + std::string(name) + " runs off to " + format_number(value);
    }
  }
  return out.empty() ? out : out + ")";
}

// Why a summary cannot be modelled, or "" when it can.
std::string invalid_summary(const customer_rfm& c) {
  if (!std::isfinite(c.x) || !std::isfinite(c.t_x) || !std::isfinite(c.T)) {
    return "has no purchase in the period";
  }
  if (c.x < 0 || c.x != std::floor(c.x)) return "has a repeat purchase count that is not a count";
  if (c.T < 0) return "has its first purchase after the period";
  if (c.t_x < 0 || c.t_x > c.T * (1 + 1e-12)) return "has a recency t_x outside [0, T]";
  if (c.x > 0 && !std::isfinite(c.m)) return "has no valid spend";
  return "";
}

}  // namespace

namespace detail {

double kth_smallest(std::span<const double> values, size_t k) {
  // Doubles in the order of unsigned keys: the sign bit set for a positive one, every bit
  // flipped for a negative one (-0 then comes before +0, which compares equal to it). The
  // values whose keys share the k-th's top 16 bits are kept, then those sharing its next 16
  // bits, and so on until few are left (nth_element then), or the keys, so the values, are
  // all the same.
  auto key = [](double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return bits >> 63 ? ~bits : bits | (uint64_t{1} << 63);
  };
  constexpr size_t FEW = 4096;
  std::vector<double> kept;
  std::span<const double> in = values;
  std::vector<uint32_t> count(size_t{1} << 16);
  for (int shift = 48; in.size() > FEW; shift -= 16) {
    if (shift < 0) return in[0];  // every key, so every value, is the same
    std::fill(count.begin(), count.end(), 0);
    for (double v : in) ++count[(key(v) >> shift) & 0xFFFF];
    uint32_t digit = 0;
    while (k >= count[digit]) k -= count[digit++];
    std::vector<double> next;
    next.reserve(count[digit]);
    for (double v : in) {
      if (((key(v) >> shift) & 0xFFFF) == digit) next.push_back(v);
    }
    kept = std::move(next);
    in = kept;
  }
  if (in.data() != kept.data()) kept.assign(in.begin(), in.end());
  std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(k), kept.end());
  return kept[k];
}

}  // namespace detail

// ---- Public functions ----

customer_rfm summarize_customer(std::span<const dated_purchase> purchases, int64_t last_day) {
  std::vector<dated_purchase> sorted;
  if (!std::is_sorted(purchases.begin(), purchases.end(),
                      [](const auto& u, const auto& v) { return u.day < v.day; })) {
    sorted.assign(purchases.begin(), purchases.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& u, const auto& v) { return u.day < v.day; });
    purchases = sorted;
  }
  customer_rfm c;
  int64_t first = 0, last = 0;
  double repeat_revenue = 0;
  int64_t days = 0;
  for (const auto& p : purchases) {
    if (p.day > last_day) break;
    if (days == 0) {
      first = last = p.day;
      days = 1;
    } else if (p.day != last) {
      last = p.day;
      ++days;
    }
    if (p.day != first) repeat_revenue += p.revenue;
  }
  if (days == 0) return {NaN, NaN, NaN, NaN};
  c.x = static_cast<double>(days - 1);
  c.t_x = static_cast<double>(last - first) / 7;
  c.T = static_cast<double>(last_day - first) / 7;
  c.m = days > 1 ? repeat_revenue / c.x : 0;
  return c;
}

std::vector<customer_rfm> summarize_purchases(
    const std::vector<std::vector<dated_purchase>>& purchases, int64_t last_day) {
  std::vector<customer_rfm> out;
  out.reserve(purchases.size());
  for (const auto& p : purchases) out.push_back(summarize_customer(p, last_day));
  return out;
}

double bgnbd_log_likelihood(const bgnbd_params& params, const customer_rfm& c) {
  auto st = make_bgnbd_state(std::span(&c, 1));
  const std::array<double, 4> theta{std::log(params.r), std::log(params.alpha), std::log(params.a),
                                    std::log(params.b)};
  return -bgnbd_evaluate(*st, theta, {});
}

double bgnbd_p_alive(const bgnbd_params& p, const customer_rfm& c) {
  if (c.x == 0) return 1;
  return p_alive_of(std::log(p.a / (p.b + c.x - 1)), p.r + c.x, std::log(p.alpha + c.T),
                    std::log(p.alpha + c.t_x));
}

double bgnbd_expected_purchases(const bgnbd_params& params, const customer_rfm& c, double t) {
  return bgnbd_p_alive(params, c) * alive_expected_purchases(params, c.x, c.T, t);
}

double bgnbd_expected_purchases(const bgnbd_params& params, double t) {
  // A new customer (x = 0, T = 0) is alive: eq. 10 reduces to eq. 7.
  return alive_expected_purchases(params, 0, 0, t);
}

double gamma_gamma_log_likelihood(const gamma_gamma_params& params, double x, double m_x) {
  if (!(x > 0 && m_x > 0)) return NaN;
  customer_rfm c{x, 0, 0, m_x};
  auto st = make_gamma_gamma_state(std::span(&c, 1));
  const std::array<double, 3> theta{std::log(params.p), std::log(params.q), std::log(params.gamma)};
  return -gamma_gamma_evaluate(*st, theta, {});
}

double gamma_gamma_expected_spend(const gamma_gamma_params& params, double x, double m_x) {
  if (!(params.q > 1)) return NaN;
  // (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * m_x, with the (q-1) cancelled.
  const double px = params.p * x;
  return params.p * (params.gamma + (x > 0 ? x * m_x : 0)) / (px + params.q - 1);
}

namespace detail {

objective bgnbd_objective(std::span<const customer_rfm> customers) {
  auto st = make_bgnbd_state(customers);
  return [st](std::span<const double> theta, std::span<double> grad) {
    return bgnbd_evaluate(*st, theta, grad);
  };
}

objective gamma_gamma_objective(std::span<const customer_rfm> customers) {
  std::shared_ptr<const gamma_gamma_state> st = make_gamma_gamma_state(customers);
  return [st](std::span<const double> theta, std::span<double> grad) {
    return gamma_gamma_evaluate(*st, theta, grad);
  };
}

second_derivatives bgnbd_second_derivatives(std::span<const customer_rfm> customers) {
  auto st = make_bgnbd_state(customers);
  return [st](std::span<const double> theta, std::span<double> out) {
    bgnbd_second(*st, theta, out);
  };
}

second_derivatives gamma_gamma_second_derivatives(std::span<const customer_rfm> customers) {
  std::shared_ptr<const gamma_gamma_state> st = make_gamma_gamma_state(customers);
  return [st](std::span<const double> theta, std::span<double> out) {
    gamma_gamma_second(*st, theta, out);
  };
}

}  // namespace detail

namespace {

// A fit without a start on many customers first fits a sample of them, every k-th customer,
// about SAMPLE_SIZE in all, and then all of them from the sample's optimum and curvature.
// Most iterations then run on the sample; from its optimum, within sampling error of the full
// one, the full data needs a few Newton-like steps (at 1M orders, 268k customers: 39 BG/NBD
// evaluations on all customers become 39 on the sample and 11 on all). The result is the
// same optimum, to the gradient tolerance. When the sample's fit fails, the full fit runs
// from its usual starts, as it would have anyway.
constexpr size_t SAMPLE_SIZE = 20'000;

// The sampling step k for a fit of n customers, or 0 for no sample.
size_t sample_step(const fit_options& options, size_t n) {
  if (!options.sample_first || n < 4 * SAMPLE_SIZE) return 0;
  return n / SAMPLE_SIZE;
}

std::vector<customer_rfm> every_kth(std::span<const customer_rfm> customers, size_t k) {
  std::vector<customer_rfm> out;
  out.reserve(customers.size() / k + 1);
  for (size_t i = 0; i < customers.size(); i += k) out.push_back(customers[i]);
  return out;
}

// The sample's fit, from the whole's given start if any: its optimum and inverse Hessian are
// what the whole's fit starts with.
fit_options sample_options(const fit_options& whole) {
  fit_options o;
  o.standard_errors = true;
  o.start = whole.start;
  return o;
}

// fit_bgnbd on the state of `customers` (which make_bgnbd_state built).
bgnbd_fit fit_bgnbd_state(const std::shared_ptr<bgnbd_state>& st,
                          std::span<const customer_rfm> customers, const fit_options& options) {
  bgnbd_fit out;
  if (customers.empty()) return out;
  // Start with the mean purchase rate per week right: r / alpha = sum x / sum T.
  double sum_x = 0, sum_t = 0;
  for (const auto& c : customers) {
    sum_x += c.x;
    sum_t += c.T;
  }
  double rate = sum_x > 0 && sum_t > 0 ? sum_x / sum_t : 1;
  std::vector<std::array<double, 4>> starts{
      {1, 1 / rate, 1, 1}, {0.5, 0.5 / rate, 0.5, 3}, {2, 2 / rate, 3, 3}};
  const detail::objective f = [st](std::span<const double> theta, std::span<double> grad) {
    return bgnbd_evaluate(*st, theta, grad);
  };
  const detail::second_derivatives second = [st](std::span<const double> theta,
                                                 std::span<double> out) {
    bgnbd_second(*st, theta, out);
  };
  fit_options full = options;
  if (const size_t k = sample_step(options, customers.size()); k > 0) {
    const std::vector<customer_rfm> sample = every_kth(customers, k);
    const bgnbd_fit coarse =
        fit_bgnbd_state(make_bgnbd_state(sample), sample, sample_options(options));
    if (coarse.converged) full.start = coarse.optimum;
  }
  auto fit = fit_log_params<4>(f, second, static_cast<double>(customers.size()),
                               std::move(starts), full);
  out.params = {fit.params[0], fit.params[1], fit.params[2], fit.params[3]};
  out.std_errors = fit.std_errors;
  out.log_likelihood = fit.log_likelihood;
  out.converged = fit.converged;
  out.iterations = fit.iterations;
  out.optimum = std::move(fit.optimum);
  return out;
}

}  // namespace

bgnbd_fit fit_bgnbd(std::span<const customer_rfm> customers, const fit_options& options) {
  if (customers.empty()) return {};
  return fit_bgnbd_state(make_bgnbd_state(customers), customers, options);
}

gamma_gamma_fit fit_gamma_gamma(std::span<const customer_rfm> customers,
                                const fit_options& options) {
  gamma_gamma_fit out;
  double sum_m = 0;
  for (const auto& c : customers) {
    if (c.x > 0 && c.m > 0 && std::isfinite(c.m)) {
      sum_m += c.m;
      ++out.customers;
    }
  }
  if (out.customers == 0) return out;
  // Starts whose population mean p gamma / (q - 1) equals the sample mean of m.
  const double mean_m = sum_m / static_cast<double>(out.customers);
  std::vector<std::array<double, 3>> starts{
      {1, 3, 2 * mean_m}, {5, 5, 0.8 * mean_m}, {0.5, 2, 2 * mean_m}};
  fit_options full = options;
  if (const size_t k = sample_step(options, out.customers); k > 0) {
    const gamma_gamma_fit coarse =
        fit_gamma_gamma(every_kth(customers, k), sample_options(options));
    if (coarse.converged) full.start = coarse.optimum;
  }
  std::shared_ptr<const gamma_gamma_state> st = make_gamma_gamma_state(customers);
  const detail::objective f = [st](std::span<const double> theta, std::span<double> grad) {
    return gamma_gamma_evaluate(*st, theta, grad);
  };
  const detail::second_derivatives second = [st](std::span<const double> theta,
                                                 std::span<double> out) {
    gamma_gamma_second(*st, theta, out);
  };
  auto fit = fit_log_params<3>(f, second, static_cast<double>(out.customers), std::move(starts),
                               full);
  out.params = {fit.params[0], fit.params[1], fit.params[2]};
  out.std_errors = fit.std_errors;
  out.log_likelihood = fit.log_likelihood;
  out.converged = fit.converged;
  out.iterations = fit.iterations;
  out.optimum = std::move(fit.optimum);
  return out;
}

clv_result fit_predicted_clv(std::vector<std::string> ids, std::vector<customer_rfm> rfm,
                             const clv_options& options) {
  const size_t id_count = ids.size();
  return detail::fit_predicted_clv(
      id_count, [&ids](size_t i) { return std::move(ids[i]); }, std::move(rfm), options);
}

namespace detail {

clv_result fit_predicted_clv(size_t id_count, const std::function<std::string(size_t)>& take_id,
                             std::vector<customer_rfm> rfm, const clv_options& options) {
  clv_result res;
  res.options = options;
  res.customers = rfm.size();
  auto refuse = [&res](std::string why) {
    res.ok = false;
    res.reason = std::move(why);
    return std::move(res);
  };
  if (id_count != rfm.size() && !(options.means_only && id_count == 0)) {
    return refuse(std::to_string(id_count) + " customer ids for " + std::to_string(rfm.size()) +
                  " purchase summaries");
  }
  if (!(options.horizon_weeks > 0) || !std::isfinite(options.horizon_weeks)) {
    return refuse("the prediction horizon must be a positive number of weeks");
  }
  if (rfm.empty()) return refuse("no customer has a valid order");
  for (size_t i = 0; i < rfm.size(); ++i) {
    std::string why = invalid_summary(rfm[i]);
    if (!why.empty()) return refuse((id_count == 0 ? "a customer " : "customer " + take_id(i) + " ") + why);
    res.repeat_customers += rfm[i].x > 0;
  }
  if (res.repeat_customers == 0) {
    return refuse("every customer bought only once, so there is no repeat buying to model");
  }
  const size_t needed = static_cast<size_t>(std::max(options.min_repeat_customers, 1));
  if (res.repeat_customers < needed) {
    return refuse("only " + std::to_string(res.repeat_customers) +
                  (res.repeat_customers == 1 ? " customer" : " customers") +
                  " bought again; the model needs at least " + std::to_string(needed));
  }

  // The BG/NBD state keeps each customer's ranks of x, T and t_x: the predictions below
  // reuse them rather than ranking the values again.
  const std::shared_ptr<bgnbd_state> st = make_bgnbd_state(rfm, true);
  fit_start bgnbd_start = options.bgnbd_start, gamma_gamma_start = options.gamma_gamma_start;
  if (options.starts && !options.starts(bgnbd_start, gamma_gamma_start)) {
    return refuse("the fit was called off");
  }
  fit_options fit;
  fit.standard_errors = !options.means_only;
  fit.start = std::move(bgnbd_start);
  bgnbd_fit bg = fit_bgnbd_state(st, rfm, fit);
  std::vector<bgnbd_state::group>().swap(st->groups);  // the fit's: the ranks stay
  res.r = bg.params.r;
  res.alpha = bg.params.alpha;
  res.a = bg.params.a;
  res.b = bg.params.b;
  res.ll_bgnbd = bg.log_likelihood;
  res.se_bgnbd = bg.std_errors;
  res.converged_bgnbd = bg.converged;
  res.bgnbd_optimum = std::move(bg.optimum);
  if (!bg.converged) {
    return refuse("the BG/NBD model of repeat purchases did not converge on this data" +
                  runaway({{"r", res.r}, {"alpha", res.alpha}, {"a", res.a}, {"b", res.b}}));
  }
  fit.start = std::move(gamma_gamma_start);
  gamma_gamma_fit gg = fit_gamma_gamma(rfm, fit);
  res.p = gg.params.p;
  res.q = gg.params.q;
  res.gamma = gg.params.gamma;
  res.ll_gg = gg.log_likelihood;
  res.se_gg = gg.std_errors;
  res.converged_gg = gg.converged;
  res.gamma_gamma_optimum = std::move(gg.optimum);
  if (!gg.converged) {
    // Typically spend that barely varies (one price for everything) sends p or q to infinity.
    return refuse("the Gamma-Gamma model of spend per purchase did not converge on this data" +
                  runaway({{"p", res.p}, {"q", res.q}, {"gamma", res.gamma}}));
  }
  if (!(gg.params.q > 1)) {
    return refuse("the Gamma-Gamma fit gives q = " + format_number(gg.params.q) +
                  " <= 1: spend per purchase varies so much between customers that its mean is "
                  "not finite (tools that print it anyway show a negative spend)");
  }
  if (options.fitted) options.fitted(res);

  // Expected purchases while alive depend on (x, T) only: compute them once per pair, in a
  // table indexed by the ranks of x and T (a sort by (x, T) when the table would be huge).
  // P(alive) takes the logarithms of alpha + T and alpha + t_x and the ratio a / (b + x - 1):
  // once per distinct value, with the ranks. With the ranks, nothing is kept per customer:
  // at a million customers, the two arrays of the general way would hold 16 MB.
  const size_t n = rfm.size();
  const bool ranked = !st->x_rank.empty() && st->xs.size() * st->ts.size() <= (size_t{1} << 22);
  std::vector<double> table, log_t, log_tx, log_ratio;  // with the ranks
  std::vector<double> alive_purchases, p_alive;         // the general way: per customer
  if (ranked) {
    const std::vector<double>&xs = st->xs, &ts = st->ts, &txs = st->txs;
    const std::vector<uint32_t>&xr = st->x_rank, &tr = st->t_rank;
    table.resize(xs.size() * ts.size());
    std::vector<uint8_t> known(table.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      const size_t k = static_cast<size_t>(xr[i]) * ts.size() + tr[i];
      if (!known[k]) {
        table[k] = alive_expected_purchases(bg.params, rfm[i].x, rfm[i].T, options.horizon_weeks);
        known[k] = 1;
      }
    }
    log_t.resize(ts.size());
    log_tx.resize(txs.size());
    log_ratio.resize(xs.size());
    for (size_t k = 0; k < ts.size(); ++k) log_t[k] = std::log(bg.params.alpha + ts[k]);
    for (size_t k = 0; k < txs.size(); ++k) log_tx[k] = std::log(bg.params.alpha + txs[k]);
    for (size_t k = 0; k < xs.size(); ++k) {
      if (xs[k] != 0) log_ratio[k] = std::log(bg.params.a / (bg.params.b + xs[k] - 1));
    }
  } else {
    alive_purchases.resize(n);
    p_alive.resize(n);
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t i, size_t j) {
      return std::tie(rfm[i].x, rfm[i].T) < std::tie(rfm[j].x, rfm[j].T);
    });
    for (size_t k = 0; k < n; ++k) {
      const auto& c = rfm[order[k]];
      if (k > 0 && c.x == rfm[order[k - 1]].x && c.T == rfm[order[k - 1]].T) {
        alive_purchases[order[k]] = alive_purchases[order[k - 1]];
      } else {
        alive_purchases[order[k]] =
            alive_expected_purchases(bg.params, c.x, c.T, options.horizon_weeks);
      }
    }
    for (size_t i = 0; i < n; ++i) p_alive[i] = bgnbd_p_alive(bg.params, rfm[i]);
  }
  auto p_alive_at = [&](size_t i) {
    if (!ranked) return p_alive[i];
    return rfm[i].x == 0 ? 1.0
                         : p_alive_of(log_ratio[st->x_rank[i]], bg.params.r + rfm[i].x,
                                      log_t[st->t_rank[i]], log_tx[st->tx_rank[i]]);
  };
  auto alive_purchases_at = [&](size_t i) {
    if (!ranked) return alive_purchases[i];
    return table[static_cast<size_t>(st->x_rank[i]) * st->ts.size() + st->t_rank[i]];
  };

  auto predict = [&](size_t i) {
    clv_customer cc;
    cc.rfm = rfm[i];
    cc.p_alive = p_alive_at(i);
    cc.expected_purchases = cc.p_alive * alive_purchases_at(i);
    // A repeat customer whose repeat purchases netted to nothing (refunds) counts as m = 0.
    cc.expected_spend =
        gamma_gamma_expected_spend(gg.params, rfm[i].x, rfm[i].x > 0 ? std::max(rfm[i].m, 0.0) : 0);
    cc.predicted_value = cc.expected_purchases * cc.expected_spend;
    return cc;
  };
  const bool records = options.all_customers && !options.means_only;
  if (records) res.per_customer.resize(n);
  std::vector<double> values(options.means_only ? 0 : n);
  double sum_purchases = 0, sum_alive = 0, sum_spend = 0, sum_value = 0;
  for (size_t i = 0; i < n; ++i) {
    const clv_customer cc = predict(i);
    if (!options.means_only) values[i] = cc.predicted_value;
    sum_purchases += cc.expected_purchases;
    sum_alive += cc.p_alive;
    sum_spend += cc.expected_spend;
    sum_value += cc.predicted_value;
    if (records) {
      res.per_customer[i] = cc;
      res.per_customer[i].id = take_id(i);
    }
  }
  if (!std::isfinite(sum_value + sum_purchases + sum_spend)) {
    res.per_customer.clear();
    return refuse("the fitted models gave a non-finite prediction for some customer");
  }
  const double dn = static_cast<double>(n);
  res.mean_expected_purchases = sum_purchases / dn;
  res.mean_p_alive = sum_alive / dn;
  res.mean_expected_spend = sum_spend / dn;
  res.mean_predicted_value = sum_value / dn;
  res.ok = true;  // nothing refuses past this point
  if (options.means_only) return res;

  // Top customers by predicted value (ties: input order, so the output is deterministic):
  // the best top_n met so far in a heap whose first is the worst of them, rather than an
  // index per customer (6 MB at 5M orders) partly sorted. The order is total, so the list is
  // that of sorting every customer.
  {
    auto better = [&](size_t i, size_t j) {
      return values[i] != values[j] ? values[i] > values[j] : i < j;
    };
    std::vector<size_t>& top = res.top;
    top.reserve(std::min(options.top_n, n));
    for (size_t i = 0; i < n && options.top_n > 0; ++i) {
      if (top.size() < options.top_n) {
        top.push_back(i);
        std::push_heap(top.begin(), top.end(), better);
      } else if (better(i, top.front())) {
        std::pop_heap(top.begin(), top.end(), better);
        top.back() = i;
        std::push_heap(top.begin(), top.end(), better);
      }
    }
    std::sort_heap(top.begin(), top.end(), better);
  }

  // At risk: valuable repeat customers who have probably stopped buying.
  {
    std::vector<double> historical;
    std::vector<uint32_t> repeaters;
    historical.reserve(res.repeat_customers);
    repeaters.reserve(res.repeat_customers);
    for (size_t i = 0; i < n; ++i) {
      if (rfm[i].x > 0) {
        historical.push_back((rfm[i].x + 1) * rfm[i].m);
        repeaters.push_back(i);
      }
    }
    res.at_risk_threshold = top_fifth_threshold(historical);
    std::vector<size_t> risk;  // positions in repeaters
    for (size_t k = 0; k < repeaters.size(); ++k) {
      const size_t i = repeaters[k];
      if (historical[k] >= res.at_risk_threshold && p_alive_at(i) < 0.5) risk.push_back(k);
    }
    std::sort(risk.begin(), risk.end(), [&](size_t u, size_t v) {
      return historical[u] != historical[v] ? historical[u] > historical[v] : u < v;
    });
    if (risk.size() > options.top_n) risk.resize(options.top_n);
    for (size_t k : risk) res.at_risk.push_back(repeaters[k]);
  }
  if (!options.all_customers) {
    // Records for the listed customers only (the same arithmetic, so the same values), and
    // the lists re-pointed at them.
    std::vector<size_t> listed;  // input index of each record
    for (std::vector<size_t>* list : {&res.top, &res.at_risk}) {
      for (size_t& i : *list) {
        const size_t at = static_cast<size_t>(std::find(listed.begin(), listed.end(), i) -
                                              listed.begin());
        if (at == listed.size()) {
          listed.push_back(i);
          res.per_customer.push_back(predict(i));
          res.per_customer.back().id = take_id(i);
        }
        i = at;
      }
    }
  }

  res.distribution = histogram_of(values);
  return res;
}

}  // namespace detail

}  // namespace kpi
