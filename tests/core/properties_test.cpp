// Invariants of the report over generated stores (METRICS.md): shares stay in 0..100, counts
// are non-negative integers, numerator / denominator reproduce every ok value, and the
// report does not depend on how the orders are split into files, on their row order, or on
// cancelled orders. The generator is deterministic (its own PRNG), so a failure names the
// seed that reproduces it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/session.h"
#include "kpi/values.h"
#include "simdjson.h"

namespace kpi {
namespace {

// splitmix64: tiny, and the same sequence everywhere.
class prng {
 public:
  explicit prng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  uint64_t below(uint64_t n) { return next() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

 private:
  uint64_t state_;
};

struct order_row {
  int id;
  int customer;
  int64_t day;  // day number
  int seconds;  // time of day
  int cents;
  int cost_cents;
  std::string status;
  std::string channel;
  std::string product;
  int quantity;
};

const int64_t FIRST_DAY = *parse_day("2022-11-01");
const int64_t LAST_DAY = *parse_day("2024-12-31");

std::vector<order_row> generate_orders(uint64_t seed, int count) {
  prng rng(seed);
  static const char* STATUSES[] = {"paid", "paid", "paid", "paid", "paid", "fulfilled",
                                   "partially_refunded", "pending", "cancelled", "refunded",
                                   "Annullato", "已取消"};
  static const char* CHANNELS[] = {"web", "email", "social", "marketplace"};
  const int customers = std::max(3, count / 3);
  std::vector<order_row> out;
  for (int i = 0; i < count; ++i) {
    order_row o;
    o.id = 1000 + i;
    // A few customers buy often, most rarely: repeat rates well away from 0 and 100.
    o.customer = rng.chance(30) ? static_cast<int>(rng.below(5)) : static_cast<int>(rng.below(customers));
    o.day = FIRST_DAY + static_cast<int64_t>(rng.below(LAST_DAY - FIRST_DAY + 1));
    o.seconds = static_cast<int>(rng.below(86400));
    o.cents = 100 + static_cast<int>(rng.below(30000));
    o.cost_cents = o.cents * static_cast<int>(20 + rng.below(50)) / 100;
    o.status = STATUSES[rng.below(std::size(STATUSES))];
    o.channel = CHANNELS[rng.below(std::size(CHANNELS))];
    o.product = "P" + std::to_string(rng.below(12));
    o.quantity = 1 + static_cast<int>(rng.below(4));
    out.push_back(o);
  }
  return out;
}

std::string money(int cents) {
  std::string s = std::to_string(cents / 100) + ".";
  const int rest = cents % 100;
  if (rest < 10) s += "0";
  return s + std::to_string(rest);
}

std::string orders_csv(const std::vector<order_row>& rows) {
  std::string out = "order_id,customer_id,created_at,total,cost,status,channel,product,quantity\n";
  for (const order_row& o : rows) {
    char time[16];
    std::snprintf(time, sizeof time, "%02d:%02d:%02d", o.seconds / 3600, o.seconds / 60 % 60,
                  o.seconds % 60);
    out += std::to_string(o.id) + ",C" + std::to_string(o.customer) + "," + format_day(o.day) +
           " " + time + "," + money(o.cents) + "," + money(o.cost_cents) + "," + o.status + "," +
           o.channel + "," + o.product + "," + std::to_string(o.quantity) + "\n";
  }
  return out;
}

// Marketing spend per channel and month, and NPS answers: more KPIs get a value.
std::string spend_csv(uint64_t seed) {
  prng rng(seed ^ 0x5bd1e995);
  std::string out = "month,channel,amount\n";
  for (const char* month : {"2023-01", "2023-06", "2024-01", "2024-03", "2024-07", "2024-11"}) {
    for (const char* channel : {"web", "email", "social"}) {
      out += std::string(month) + "," + channel + "," + std::to_string(50 + rng.below(500)) + "\n";
    }
  }
  return out;
}

std::string surveys_csv(uint64_t seed) {
  prng rng(seed ^ 0x27d4eb2f);
  std::string out = "date,customer_id,score\n";
  for (int i = 0; i < 60; ++i) {
    const int64_t day = FIRST_DAY + static_cast<int64_t>(rng.below(LAST_DAY - FIRST_DAY + 1));
    out += format_day(day) + ",C" + std::to_string(rng.below(20)) + "," +
           std::to_string(rng.below(11)) + "\n";
  }
  return out;
}

struct file {
  std::string name;
  std::string text;
};

// The report's "kpis" member, as parsed JSON kept alive with its parser.
class kpis_doc {
 public:
  explicit kpis_doc(const std::vector<file>& files, const report_options& options) {
    session s;
    for (const file& f : files) {
      s.add(f.name, f.text);
      const dataset* d = s.get(s.ids().back());
      EXPECT_TRUE(d && d->usable()) << f.name << " is not usable: " << s.inspect_json();
    }
    json_ = s.report_json(options);
    simdjson::dom::element root;
    if (parser_.parse(json_).get(root) || root["kpis"].get_object().get(kpis_)) {
      ADD_FAILURE() << "not a report: " << json_.substr(0, 500);
    }
  }
  simdjson::dom::object kpis() const { return kpis_; }

 private:
  std::string json_;
  simdjson::dom::parser parser_;
  simdjson::dom::object kpis_;
};

report_options period(std::string_view from, std::string_view to) {
  report_options o;
  o.from = parse_day(from);
  o.to = parse_day(to);
  return o;
}

// The periods every property is checked over: the default (the last twelve months), a
// calendar year, a quarter, and a short odd span.
std::vector<report_options> periods() {
  return {report_options(), period("2024-01-01", "2025-01-01"), period("2024-04-01", "2024-07-01"),
          period("2023-03-15", "2023-05-02")};
}

constexpr uint64_t SEEDS[] = {1, 7, 42, 2024, 99991};

// Relative tolerance of numbers at `at`: sums may add in another order (1e-9). The
// predicted CLV model is fitted by an optimiser that stops within its own tolerance, and its
// standard errors come from finite differences, which amplify the last bits: 1e-5 there.
double tolerance(const std::string& at) {
  return at.starts_with("/kpis/predicted_clv/") ? 1e-5 : 1e-9;
}

// Two JSON values are equal, numbers to their tolerance.
void expect_same_json(simdjson::dom::element a, simdjson::dom::element b, const std::string& at) {
  if (a.type() != b.type()) {
    // Integers and doubles are both numbers.
    double x = 0;
    double y = 0;
    if (!a.get_double().get(x) && !b.get_double().get(y)) {
      EXPECT_NEAR(x, y, tolerance(at) * std::max(1.0, std::fabs(x))) << at;
    } else {
      ADD_FAILURE() << at << ": " << simdjson::to_string(a) << " vs " << simdjson::to_string(b);
    }
    return;
  }
  switch (a.type()) {
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array x = a.get_array().value_unsafe();
      simdjson::dom::array y = b.get_array().value_unsafe();
      ASSERT_EQ(x.size(), y.size()) << at << ": " << simdjson::to_string(a) << " vs "
                                    << simdjson::to_string(b);
      for (size_t i = 0; i < x.size(); ++i) {
        expect_same_json(x.at(i).value_unsafe(), y.at(i).value_unsafe(),
                         at + "/" + std::to_string(i));
      }
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object x = a.get_object().value_unsafe();
      simdjson::dom::object y = b.get_object().value_unsafe();
      ASSERT_EQ(x.size(), y.size()) << at;
      for (auto [key, value] : x) {
        simdjson::dom::element other;
        if (y[key].get(other)) {
          ADD_FAILURE() << at << "/" << key << " missing";
          continue;
        }
        expect_same_json(value, other, at + "/" + std::string(key));
      }
      return;
    }
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: {
      const double x = a.get_double().value_unsafe();
      const double y = b.get_double().value_unsafe();
      EXPECT_NEAR(x, y, tolerance(at) * std::max(1.0, std::fabs(x))) << at;
      return;
    }
    default:
      EXPECT_EQ(simdjson::to_string(a), simdjson::to_string(b)) << at;
  }
}

// The same KPIs: every ok KPI entirely (value, numerator, denominator, breakdowns); of the
// others, their status. An undefined KPI's details may describe a model fit that ran off
// (predicted_clv on data without spend heterogeneity), and where an optimiser runs off to
// infinity depends on the order of its sums.
void expect_same_kpis(const kpis_doc& a, const kpis_doc& b, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(a.kpis().size(), b.kpis().size());
  for (auto [id, x] : a.kpis()) {
    simdjson::dom::element y;
    ASSERT_FALSE(b.kpis()[id].get(y)) << id << " missing";
    std::string_view sx;
    std::string_view sy;
    ASSERT_FALSE(x["status"].get_string().get(sx)) << id;
    ASSERT_FALSE(y["status"].get_string().get(sy)) << id;
    EXPECT_EQ(sx, sy) << id;
    if (sx == "ok" && sy == "ok") {
      expect_same_json(x, y, "/kpis/" + std::string(id));
    } else {
      EXPECT_TRUE(x["value"].is_null() && y["value"].is_null()) << id;
    }
  }
}

bool number(simdjson::dom::element e, std::string_view key, double& out) {
  return !e[key].get_double().get(out);
}

// KPIs whose value is a share of a whole (METRICS.md): the numerator counts a subset of
// what the denominator counts. Retention (E - N) / S and conversion (orders / sessions) are
// not shares: they can pass 100.
const std::set<std::string_view> SHARES = {
    "repeat_customer_rate", "returning_customer_rate", "repeat_purchase_rate",
    "customer_churn_rate",  "member_activity_rate",    "cohort_retention",
    "lead_to_customer_rate", "membership_renewal_rate", "csat", "first_contact_resolution_rate"};

// Every "share" member anywhere below `e` (e.g. acquisition_sources' channels) is in 0..100.
void expect_shares_in_range(simdjson::dom::element e, const std::string& at) {
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (!e.get_array().get(array)) {
    size_t i = 0;
    for (simdjson::dom::element x : array) {
      expect_shares_in_range(x, at + "/" + std::to_string(i++));
    }
  } else if (!e.get_object().get(object)) {
    for (auto [key, value] : object) {
      double v = 0;
      if (key == "share" && !value.get_double().get(v)) {
        EXPECT_GE(v, 0) << at;
        EXPECT_LE(v, 100) << at;
      }
      expect_shares_in_range(value, at + "/" + std::string(key));
    }
  }
}

void check_contract(const kpis_doc& doc, const std::string& what) {
  SCOPED_TRACE(what);
  int ok = 0;
  for (auto [id, k] : doc.kpis()) {
    std::string_view status;
    ASSERT_FALSE(k["status"].get_string().get(status)) << id;
    std::string_view unit;
    if (k["unit"].get_string().get(unit)) unit = "";
    double value = 0;
    const bool has_value = number(k, "value", value);
    if (status != "ok") {
      EXPECT_TRUE(k["value"].is_null()) << id << " is " << status << " but has a value";
      continue;
    }
    ++ok;
    expect_shares_in_range(k, std::string(id));
    if (!has_value) continue;
    EXPECT_TRUE(std::isfinite(value)) << id;
    if (SHARES.contains(id)) {
      EXPECT_GE(value, 0) << id;
      EXPECT_LE(value, 100) << id;
    }
    if (unit == "count") {
      EXPECT_GE(value, 0) << id;
      EXPECT_EQ(value, std::floor(value)) << id << " is a count";
    }
    double num = 0;
    double den = 0;
    if (number(k, "numerator", num) && number(k, "denominator", den)) {
      EXPECT_NE(den, 0) << id << ": ok with a zero denominator";
      // Percentages and scores (NPS: % promoters - % detractors) are ratios x 100.
      const double scale = unit == "%" || unit == "score" ? 100 : 1;
      EXPECT_NEAR(num / den * scale, value, 1e-9 * std::max(1.0, std::fabs(value)))
          << id << ": " << num << " / " << den;
      if (SHARES.contains(id)) {
        // Shares count customers, orders or answers: whole numbers, the part within the whole.
        EXPECT_EQ(num, std::floor(num)) << id;
        EXPECT_EQ(den, std::floor(den)) << id;
        EXPECT_GE(num, 0) << id;
        EXPECT_LE(num, den) << id;
      }
    }
  }
  EXPECT_GE(ok, 15) << "too few KPIs computed to check anything";
}

std::vector<file> store(const std::vector<order_row>& orders, uint64_t seed) {
  return {{"orders.csv", orders_csv(orders)},
          {"spend.csv", spend_csv(seed)},
          {"surveys.csv", surveys_csv(seed)}};
}

class Properties : public ::testing::TestWithParam<uint64_t> {};

TEST_P(Properties, KpiContract) {
  const uint64_t seed = GetParam();
  const std::vector<order_row> orders = generate_orders(seed, 400);
  for (const report_options& p : periods()) {
    check_contract(kpis_doc(store(orders, seed), p), "seed " + std::to_string(seed));
  }
}

TEST_P(Properties, SplittingTheOrdersChangesNothing) {
  const uint64_t seed = GetParam();
  const std::vector<order_row> orders = generate_orders(seed, 400);
  prng rng(seed);
  const size_t cut = 1 + rng.below(orders.size() - 1);
  const std::vector<order_row> first(orders.begin(), orders.begin() + cut);
  const std::vector<order_row> second(orders.begin() + cut, orders.end());
  std::vector<file> split = store(orders, seed);
  split[0] = {"orders_part1.csv", orders_csv(first)};
  split.push_back({"orders_part2.csv", orders_csv(second)});
  for (const report_options& p : periods()) {
    expect_same_kpis(kpis_doc(store(orders, seed), p), kpis_doc(split, p),
                     "seed " + std::to_string(seed) + ", cut at " + std::to_string(cut));
  }
}

TEST_P(Properties, ShufflingTheRowsChangesNothing) {
  const uint64_t seed = GetParam();
  const std::vector<order_row> orders = generate_orders(seed, 400);
  std::vector<order_row> shuffled = orders;
  prng rng(seed * 31 + 1);
  for (size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.below(i + 1)]);
  for (const report_options& p : periods()) {
    expect_same_kpis(kpis_doc(store(orders, seed), p), kpis_doc(store(shuffled, seed), p),
                     "seed " + std::to_string(seed));
  }
}

TEST_P(Properties, ACancelledOrderChangesNoKpi) {
  const uint64_t seed = GetParam();
  const std::vector<order_row> orders = generate_orders(seed, 400);
  prng rng(seed + 5);
  for (const char* status : {"cancelled", "Canceled", "voided", "refunded", "annullato", "已取消"}) {
    std::vector<order_row> more = orders;
    order_row o = orders[rng.below(orders.size())];
    o.id = 99000 + static_cast<int>(more.size());
    // An existing customer, or one who never bought: neither becomes a customer, a member
    // or a repeat buyer through a cancelled order. Its date stays inside the data's range
    // (the default period follows the latest date).
    o.customer = rng.chance(50) ? o.customer : 5000;
    o.cents = 1 + static_cast<int>(rng.below(100000));
    o.status = status;
    more.insert(more.begin() + static_cast<std::ptrdiff_t>(rng.below(more.size() + 1)), o);
    for (const report_options& p : periods()) {
      expect_same_kpis(kpis_doc(store(orders, seed), p), kpis_doc(store(more, seed), p),
                       "seed " + std::to_string(seed) + ", status " + status);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, Properties, ::testing::ValuesIn(SEEDS));

}  // namespace
}  // namespace kpi
