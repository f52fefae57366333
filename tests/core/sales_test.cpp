// Sales, loyalty and CLV KPIs on small hand-made stores; every expected value is worked out
// by hand in the comments (numerator / denominator).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>

#include "kpi/detail/report_parts.h"
#include "kpi/session.h"
#include "kpi/threads.h"
#include "voc_report.h"

namespace {

using kpi::testing_voc::voc_report;

// The boolean at `pointer`; a failure when it is not a boolean.
bool boolean(const voc_report& r, std::string_view pointer) {
  bool b = false;
  if (r.at(pointer).get_bool().get(b)) ADD_FAILURE() << pointer << " is not a boolean";
  return b;
}

// P = [2024-01-01, 2024-04-01), P' = [2023-10-01, 2024-01-01).
// Valid orders in P: 3 (A 80), 4 (C 120), 5 (A 40), 8 (D 30). Order 6 is cancelled, 7 is
// refunded (both invalid); 1, 2 are in P'; 9 is after P.
// First valid orders: A 2023-11-05, B 2023-12-20, C 2024-01-15, D 2024-03-15 (7 is invalid),
// E 2024-04-02.
constexpr const char* STORE = R"(order_id,customer_id,date,total,cost,status,channel
1,A,2023-11-05,100,60,paid,web
2,B,2023-12-20,50,30,paid,email
3,A,2024-01-10,80,40,paid,web
4,C,2024-01-15,120,70,paid,social
5,A,2024-02-01,40,20,paid,web
6,C,2024-03-03,60,30,cancelled,social
7,D,2024-03-31,200,150,refunded,web
8,D,2024-03-15,30,10,paid,email
9,E,2024-04-02,70,35,paid,web
)";

class SalesStore : public ::testing::Test {
 protected:
  voc_report r{{{"orders.csv", STORE}}, "2024-01-01", "2024-04-01"};
};

TEST_F(SalesStore, Period) {
  EXPECT_EQ(r.str("/period/from"), "2024-01-01");
  EXPECT_EQ(r.str("/period/to"), "2024-04-01");
  // Three whole months: P' is the three calendar months before.
  EXPECT_EQ(r.str("/previous/from"), "2023-10-01");
  EXPECT_EQ(r.str("/previous/to"), "2024-01-01");
}

TEST_F(SalesStore, RevenueOrdersAov) {
  // 80 + 120 + 40 + 30 = 270 over 4 orders.
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 270);
  EXPECT_EQ(r.str("/kpis/revenue/status"), "ok");
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders/value"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/aov/value"), 67.5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/aov/numerator"), 270);
  EXPECT_DOUBLE_EQ(r.num("/kpis/aov/denominator"), 4);
  // P': orders 1 and 2, 150 over 2.
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/previous"), 150);
  EXPECT_DOUBLE_EQ(r.num("/kpis/aov/previous"), 75);
}

TEST_F(SalesStore, Customers) {
  // Active in P: A, C, D. New (first valid order in P): C, D. D's refunded order 7 does not
  // make 2024-03-31 its first order; its first valid order 8 is.
  EXPECT_DOUBLE_EQ(r.num("/kpis/active_customers/value"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/new_customers/value"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/new_customers/returning"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/new_customers/previous"), 2);  // A and B
  // 4 orders / 3 customers.
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders_per_active_customer/value"), 4.0 / 3.0);
}

TEST_F(SalesStore, LoyaltyRates) {
  // Repeat customers: only A has >= 2 valid orders in P: 1 / 3.
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/denominator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/value"), 100.0 / 3.0);
  // Returning: A's first order is before P: 1 / 3.
  EXPECT_DOUBLE_EQ(r.num("/kpis/returning_customer_rate/value"), 100.0 / 3.0);
  // Repeat purchases: orders 3 and 5 are not their customer's first; 4 and 8 are: 2 / 4.
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_purchase_rate/numerator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_purchase_rate/value"), 50);
}

TEST_F(SalesStore, DaysBetweenOrders) {
  // Gaps whose later order is in P: A 2023-11-05 -> 2024-01-10 = 66 days, 2024-01-10 ->
  // 2024-02-01 = 22 days. Mean (66 + 22) / 2 = 44.
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_days_between_orders/numerator"), 88);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_days_between_orders/denominator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_days_between_orders/value"), 44);
}

TEST_F(SalesStore, Profit) {
  // (80-40) + (120-70) + (40-20) + (30-10) = 130 over 3 active customers.
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_gross_profit_per_customer/numerator"), 130);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_gross_profit_per_customer/value"), 130.0 / 3.0);
  // Net profit needs spend.
  EXPECT_EQ(r.str("/kpis/avg_net_profit_per_customer/status"), "unavailable");
  EXPECT_EQ(r.str("/kpis/avg_net_profit_per_customer/needs/0"), "spend.amount");
  EXPECT_TRUE(r.is_null("/kpis/avg_net_profit_per_customer/value"));
}

TEST_F(SalesStore, UnitsWithoutProductColumns) {
  // No product or quantity: every valid order in P counts one unit.
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/value"), 4);
}

TEST_F(SalesStore, HistoricalClv) {
  // Valid revenue before 2024-04-01: 100 + 50 + 80 + 120 + 40 + 30 = 420 over A, B, C, D.
  EXPECT_DOUBLE_EQ(r.num("/kpis/historical_clv/numerator"), 420);
  EXPECT_DOUBLE_EQ(r.num("/kpis/historical_clv/denominator"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/historical_clv/value"), 105);
}

TEST_F(SalesStore, ClvFormulaWithAssumedLifespan) {
  // W = [2023-04-01, 2024-04-01): orders 1,2,3,4,5,8: 420 over 6 orders, 4 customers.
  // The data starts 2023-11-05, after W' starts (2022-04-01): lifespan assumed 3 years.
  // aov 70 x frequency 1.5 x 3 = 315 = 420 x 3 / 4.
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/value"), 315);
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/aov"), 70);
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/purchase_frequency"), 1.5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/lifespan_years"), 3);
  EXPECT_TRUE(boolean(r, "/kpis/clv/lifespan_assumed"));
}

TEST(Sales, ClvLifespanFromChurn) {
  // W' = [2022-01-01, 2023-01-01), W = [2023-01-01, 2024-01-01). Active in W': X, Y, Z, V.
  // Of those only X and Z buy in W: churn 2/4 = 0.5, lifespan 2 years. W: X 100, Z 50, N 30:
  // 180 over 3 orders and 3 customers: aov 60 x frequency 1 x 2 = 120.
  voc_report r({{"o.csv", R"(order_id,customer_id,date,total
1,X,2022-01-01,10
2,Y,2022-06-01,10
3,Z,2022-07-01,10
4,V,2022-08-01,10
5,X,2023-05-01,100
6,Z,2023-02-01,50
7,N,2023-03-01,30
)"}},
               "2023-01-01", "2024-01-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/lifespan_years"), 2);
  EXPECT_FALSE(boolean(r, "/kpis/clv/lifespan_assumed"));
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/annual_churn"), 50);
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/value"), 120);
}

TEST(Sales, ClvUsesTheUsersLifespanAssumption) {
  kpi::report_options opts;
  opts.lifespan_years = 5;
  voc_report r({{"orders.csv", STORE}}, "2024-01-01", "2024-04-01", opts);
  // 420 x 5 / 4.
  EXPECT_DOUBLE_EQ(r.num("/kpis/clv/value"), 525);
}

TEST(Sales, EmptyPeriod) {
  // Nothing in 2030: sums are 0 and ok, ratios undefined with null values.
  voc_report r({{"orders.csv", STORE}}, "2030-01-01", "2030-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 0);
  EXPECT_EQ(r.str("/kpis/revenue/status"), "ok");
  EXPECT_DOUBLE_EQ(r.num("/kpis/active_customers/value"), 0);
  EXPECT_EQ(r.str("/kpis/aov/status"), "undefined");
  EXPECT_TRUE(r.is_null("/kpis/aov/value"));
  EXPECT_DOUBLE_EQ(r.num("/kpis/aov/denominator"), 0);
  EXPECT_EQ(r.str("/kpis/repeat_customer_rate/status"), "undefined");
}

TEST(Sales, OneCustomer) {
  // One customer, two orders in P: repeat rate 1/1, returning 0/1, gap 10 days.
  voc_report r(
      {{"o.csv", "order_id,customer_id,date,total\n1,A,2024-01-01,10\n2,A,2024-01-11,30\n"}},
      "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/value"), 100);
  EXPECT_DOUBLE_EQ(r.num("/kpis/returning_customer_rate/value"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_days_between_orders/value"), 10);
  EXPECT_DOUBLE_EQ(r.num("/kpis/aov/value"), 20);
}

TEST(Sales, AllOrdersCancelled) {
  voc_report r({{"o.csv", R"(order_id,customer_id,date,total,status
1,A,2024-01-02,10,cancelled
2,B,2024-01-03,20,Canceled
3,C,2024-01-04,30, VOIDED
4,D,2024-01-05,40,annullato
5,E,2024-01-06,50,已取消
6,F,2024-01-07,60,anulată
)"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders/value"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/new_customers/value"), 0);
  EXPECT_EQ(r.str("/kpis/aov/status"), "undefined");
}

TEST(Sales, RefundedAmountAndPartialRefunds) {
  // Order 1 is partially refunded: valid, revenue 100 - 30 = 70. Order 2 is refunded: invalid.
  voc_report r({{"o.csv", R"(order_id,customer_id,date,total,refunded_amount,status
1,A,2024-01-02,100,30,partially_refunded
2,B,2024-01-03,50,50,refunded
)"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 70);
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders/value"), 1);
}

TEST(Sales, CustomerIdentifiedByEmail) {
  // No customer id: " Ann@X.com " and "ann@x.com" are one customer after trimming and
  // lower-casing. No order id: each row is an order. Active 2, repeat 1 (ann): 50%.
  voc_report r({{"o.csv",
                 "email,date,total\n Ann@X.com ,2024-01-02,10\nann@x.com,2024-02-02,20\n"
                 "bob@x.com,2024-01-03,5\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders/value"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/active_customers/value"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/value"), 50);
}

TEST(Sales, LineItemExport) {
  // Order 1001 has two line rows; its total counts once (the first non-empty). Units: Mug
  // 2 + 1 = 3, Tee 1: 4. Product revenue = unit price x quantity: Mug 2x10 + 1x15 = 35,
  // Tee 1x30 = 30.
  voc_report r({{"o.csv", R"(order_id,customer_id,date,total,product,quantity,unit_price
1001,A,2024-01-05,50,Mug,2,10
1001,A,2024-01-05,,Tee,1,30
1002,B,2024-01-06,15,Mug,1,15
)"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders/value"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 65);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/value"), 4);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_units/0/product"), "Mug");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_units/0/units"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/0/revenue"), 35);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_revenue/1/product"), "Tee");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/1/revenue"), 30);
}

TEST(Sales, LineItemOrderFieldsFromLaterRowsAndSkippedRows) {
  // Order 1's first row has no date, total, refund or status: later rows give them (40 - 5
  // refunded = 35). Order 2 is refunded 5 in a row without a product (no line): 20 - 5 = 15,
  // and being a one-line order without unit price, that is Tee's revenue. The row without an
  // order id is an order of its own (C, 7). Order 3 has no date in any row: dropped, both
  // rows skipped, the warning at its first row. Units: Mug 2, Tee 1 + 1, Cap 1.
  voc_report r({{"o.csv",
                 R"(order_id,customer_id,date,total,refunded_amount,status,channel,product,quantity,unit_price
1,A,,,,,,Mug,2,10
2,B,2024-01-06,20,,,web,Tee,1,
1,A,2024-01-05,40,5,paid,shop,Tee,1,
,C,2024-01-07,7,,,,Cap,1,
3,D,,30,,,,Mug,1,10
3,D,,,,,,Cap,1,
2,B,,,5,,,,,
)"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/orders/value"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 57);
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/skipped"), 2);
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/warnings/0/line"), 6);
  EXPECT_EQ(r.str("/datasets/0/warnings/0/reason"), "order without a readable date: skipped");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/value"), 5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/products"), 3);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_revenue/0/product"), "Mug");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/0/revenue"), 20);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_revenue/1/product"), "Tee");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/1/units"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/1/revenue"), 15);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_revenue/2/product"), "Cap");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/2/revenue"), 7);
}

TEST(Sales, RepeatedTotalWarningsBeforeSkippedOrders) {
  // Both orders repeat with another total, order 2 (no customer) is also dropped: the
  // repeated totals are warned in row order, then the skipped order, whose two rows count.
  voc_report r({{"o.csv",
                 "order_id,customer_id,date,total\n1,A,2024-01-05,10\n2,,2024-01-06,20\n"
                 "1,A,2024-01-05,12\n2,,2024-01-06,25\n"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue/value"), 10);
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/skipped"), 2);
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/warning_count"), 4);
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/warnings/0/line"), 4);
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/warnings/1/line"), 5);
  EXPECT_EQ(r.str("/datasets/0/warnings/1/reason"),
            "order 2 repeated with another total: the first one counts");
  EXPECT_DOUBLE_EQ(r.num("/datasets/0/warnings/2/line"), 3);
  EXPECT_EQ(r.str("/datasets/0/warnings/2/reason"), "order without customer id or e-mail: skipped");
}

TEST(Sales, ProductUnitsWhenEveryOrderHasOneRow) {
  // One row per order: the model sums the line rows while reading the orders' values. Tee's
  // revenue is its one-line order's total less the refund (40 - 5); order 3 is cancelled,
  // order 4 has no date (dropped), order 5 is in P' (3 units, no product entry), order 6 has
  // no product (no line row: it counts 1).
  voc_report r({{"o.csv",
                 "order_id,customer_id,date,total,refunded_amount,status,product,quantity,"
                 "unit_price\n1,A,2024-01-05,40,5,paid,Tee,1,\n2,B,2024-01-06,20,,,Mug,2,10\n"
                 "3,C,2024-01-07,30,,cancelled,Mug,1,10\n4,D,,15,,,Cap,1,\n"
                 "5,E,2023-12-20,12,,,Cap,3,\n6,F,2024-01-08,9,,,,,\n"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/value"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/previous"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/products"), 2);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_revenue/0/product"), "Tee");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/0/revenue"), 35);
  EXPECT_EQ(r.str("/kpis/product_units/top_by_revenue/1/product"), "Mug");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/1/units"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/top_by_revenue/1/revenue"), 20);
}

TEST(Sales, MissingQuantityCountsOne) {
  voc_report r({{"o.csv",
                 "order_id,customer_id,date,total,product,quantity\n"
                 "1,A,2024-01-05,10,Mug,\n2,B,2024-01-06,10,Mug,3\n"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/product_units/value"), 4);
}

TEST(Sales, FirstOrderTieBreaksOnLowerOrderId) {
  // Two orders at the same timestamp: the lower id (9 < 10, numerically) is the first, so
  // order 10 is a repeat purchase.
  voc_report r({{"o.csv",
                 "order_id,customer_id,date,total\n10,A,2024-01-05 10:00,5\n"
                 "9,A,2024-01-05 10:00,7\n"}},
               "2024-01-01", "2024-02-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_purchase_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_days_between_orders/value"), 0);
}

TEST(Sales, FirstOrderOverMoreThan136Years) {
  // Orders 144 years apart, more seconds than 32 bits hold (cut to 32 bits, A's 2024 order
  // would come 8 years after Z's of 1880, before A's of 1900). A's first order is the one of
  // 1900, so A returns in 2024 and only B is new.
  voc_report r({{"o.csv",
                 "order_id,customer_id,date,total\n1,A,2024-03-01,10\n2,A,1900-01-01,20\n"
                 "3,Z,1880-01-01,1\n4,B,2024-04-01,30\n5,B,2024-04-01 08:00,5\n"}},
               "2024-01-01", "2025-01-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/new_customers/value"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/new_customers/returning"), 1);
  // B's second order is 8 hours after the first, A's 2024 order follows 1900's.
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_purchase_rate/numerator"), 2);
  EXPECT_EQ(r.str("/range/from"), "1880-01-01");
}

TEST(Sales, UnavailableWithoutOrders) {
  voc_report r({{"s.csv", "score,date\n9,2024-01-05\n"}}, "2024-01-01", "2024-02-01");
  EXPECT_EQ(r.str("/kpis/revenue/status"), "unavailable");
  EXPECT_EQ(r.str("/kpis/revenue/needs/0"), "orders");
  EXPECT_FALSE(r.has("/kpis/revenue/previous"));
}

TEST(Sales, MonthlySeries) {
  // Series over the data's range at month granularity; January holds orders 3 and 4.
  voc_report r({{"orders.csv", STORE}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.bucket("revenue", "2024-01").get_double().value_unsafe(), 200);
  EXPECT_DOUBLE_EQ(r.bucket("orders", "2024-03").get_double().value_unsafe(), 1);
  EXPECT_DOUBLE_EQ(r.bucket("new_customers", "2024-03").get_double().value_unsafe(), 1);
  EXPECT_EQ(r.str("/series/revenue/0/bucket"), "2023-11");
}

TEST(Sales, DefaultPeriodIsTwelveMonthsEndingWithTheLatestMonth) {
  kpi::session s;
  s.add("orders.csv", STORE);
  const std::string json = s.report_json({});
  // Latest date 2024-04-02: P = [2023-05-01, 2024-05-01).
  EXPECT_NE(json.find(R"("period":{"from":"2023-05-01","to":"2024-05-01"})"), std::string::npos)
      << json.substr(0, 200);
}

TEST(Sales, WeeklyBucketsAreIsoWeeks) {
  kpi::report_options opts;
  opts.gran = kpi::granularity::week;
  // 2024-01-01 is a Monday (ISO week 1); 2023-01-01 is a Sunday in ISO week 2022-W52.
  voc_report r({{"o.csv", "order_id,customer_id,date,total\n1,A,2023-01-01,5\n2,A,2024-01-01,7\n"}},
               "2023-01-01", "2024-02-01", opts);
  EXPECT_EQ(r.str("/series/revenue/0/bucket"), "2022-W52");
  EXPECT_DOUBLE_EQ(r.bucket("revenue", "2024-W01").get_double().value_unsafe(), 7);
}

// Customers are matched by id even when their ids do not first appear in the order the model
// meets them: B first shows on the second row of order 1 (which already has A), and the
// e-mail-only customer of order 2 has no id. A 1+5, x 2, C 3+6, B 4: four active customers,
// two of them (A, C) repeat.
TEST(SalesCustomers, IdsOutOfOrderAndEmailOnly) {
  constexpr const char* ORDERS = R"(order_id,customer_id,email,date,total
1,A,,2024-01-05,10
1,B,,2024-01-05,10
2,,x@example.com,2024-01-06,20
3,C,,2024-01-07,30
4,B,,2024-01-08,40
5,A,,2024-01-09,50
6,C,,2024-01-10,60
)";
  voc_report r{{{"orders.csv", ORDERS}}, "2024-01-01", "2024-02-01"};
  EXPECT_DOUBLE_EQ(r.num("/kpis/active_customers/value"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/numerator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/repeat_customer_rate/denominator"), 4);
  // Without the e-mail-only order, the first id out of order (C, met before B) alone.
  constexpr const char* NO_EMAIL = R"(order_id,customer_id,date,total
1,A,2024-01-05,10
1,B,2024-01-05,10
3,C,2024-01-07,30
4,B,2024-01-08,40
5,A,2024-01-09,50
6,C,2024-01-10,60
7,B,2024-01-11,70
)";
  voc_report n{{{"orders.csv", NO_EMAIL}}, "2024-01-01", "2024-02-01"};
  EXPECT_DOUBLE_EQ(n.num("/kpis/active_customers/value"), 3);
  EXPECT_DOUBLE_EQ(n.num("/kpis/repeat_customer_rate/numerator"), 3);
  EXPECT_DOUBLE_EQ(n.num("/kpis/revenue/value"), 260);
}

// A store with what build_model's paths must agree on: a channel first met late in the file
// (channels are numbered by first use), statuses, refunds, costs, product lines (summed in the
// rows' order), orders dropped for want of a customer, date or total, rows without a
// customer, products met late, a customer with hundreds of orders, and orders of a customer
// at one time. With `blank_first_id` the first order id is written " 1000".
std::string mixed_store(int rows, bool blank_first_id = false) {
  std::mt19937 rng(17);
  auto pick = [&](unsigned n) { return static_cast<int>(rng() % n); };
  static const char* const CHANNELS[] = {"web", "Web", "marketplace", "retail", ""};
  static const char* const STATUSES[] = {"paid", "paid", "Paid", "cancelled", "refunded", ""};
  std::ostringstream csv;
  csv << "order_id,customer_id,created_at,total,cost,refunded_amount,channel,status,product,"
         "quantity,unit_price\n";
  for (int i = 0; i < rows; ++i) {
    // From 2022 to 2025, around P (2024) and the period before (2023); some at their edges.
    static const char* const EDGES[] = {"2022-12-31T23:59:59", "2023-01-01T00:00:00",
                                        "2024-12-31T23:59:59", "2025-01-01T00:00:00"};
    char date[40];
    std::snprintf(date, sizeof date, "%d-%02d-%02dT%02d:00:00", 2022 + pick(4), 1 + pick(12),
                  1 + pick(28), pick(3));
    if (i % 101 == 50) std::snprintf(date, sizeof date, "%s", EDGES[(i / 101) % 4]);
    csv << (i == 0 && blank_first_id ? " " : "") << 1000 + i << ',';
    if (i % 1009 != 5 && i % 211 != 3) csv << 'C' << (i % 97 == 0 ? 0 : 1 + pick(4000));
    csv << ',' << (i % 1013 == 7 ? "someday" : date) << ',';
    if (i % 1019 != 9) csv << 5 + pick(20000) / 100.0;
    csv << ',';
    if (pick(4) != 0) csv << 2 + pick(500) / 100.0;
    csv << ',';
    if (pick(40) == 0) csv << 1 + pick(300) / 100.0;
    csv << ',' << (i >= rows * 3 / 4 && pick(5) == 0 ? "tiktok" : CHANNELS[pick(5)]) << ','
        << STATUSES[pick(6)] << ',';
    if (pick(8) != 0) csv << 'P' << pick(i < rows / 2 ? 50 : 60);
    csv << ',';
    if (pick(6) != 0) csv << 1 + pick(3);
    csv << ',';
    if (pick(3) != 0) csv << 1 + pick(900) / 100.0;
    csv << '\n';
  }
  return csv.str();
}

std::string report_of(const std::string& csv) {
  kpi::session s;
  s.add("orders.csv", csv);
  kpi::report_options o;
  o.from = kpi::parse_day("2024-01-01");
  o.to = kpi::parse_day("2025-01-01");
  return s.report_json(o);
}

// Most rows of an export are the first of a new order numbered by its id's code, of a customer
// known by code or new: build_model reads them in a loop of their own (model.cpp, usual_rows),
// and every other row through its general body. With a blank before the first order id no
// row is read by code, so every row goes the general way: the same report to the byte (the
// warnings' lines included).
TEST(Sales, UsualRowsReadAsEveryOtherRow) {
  const std::string usual = report_of(mixed_store(3000));
  EXPECT_EQ(usual, report_of(mixed_store(3000, true)));
  for (const char* part : {"\"product_units\":{\"value\":", "order without a readable date"}) {
    EXPECT_NE(usual.find(part), std::string::npos) << part;
  }
}

// From 20,000 orders build_model sorts the orders, and writes those of an orders file, on two
// threads (model.cpp, PARALLEL_MODEL_ROWS): the same report to the byte as on one, on the
// store above.
TEST(Sales, OnTwoThreadsTheSameModelAsOnOne) {
  const std::string csv = mixed_store(70000);  // two chunks of rows (model.cpp)
  const unsigned before = kpi::threads();
  std::string reports[2];
  for (unsigned n : {1u, 2u}) {
    kpi::set_threads(n);
    ASSERT_EQ(kpi::threads(), n);
    reports[n - 1] = report_of(csv);
  }
  kpi::set_threads(before);
  EXPECT_EQ(reports[0], reports[1]);
  for (const char* part : {"\"tiktok\"", "\"product_units\":{\"value\":", "order without"}) {
    EXPECT_NE(reports[1].find(part), std::string::npos) << part;
  }
}

// Every row the first of a new order, numbered by its id's code, with a customer id: on two
// threads build_model reads such rows in chunks, and makes their customers and products in
// the order of their codes (model.cpp, pass 1). The same report to the byte as on one thread,
// with orders dropped for want of a date or a total, rows without a product, a channel met
// late; and when one row late in the file is not usual (no customer id, or an order id met
// before), which sends the whole file the usual way.
std::string usual_store(int rows, int odd_row, int odd) {
  std::mt19937 rng(23);
  auto pick = [&](unsigned n) { return static_cast<int>(rng() % n); };
  static const char* const CHANNELS[] = {"web", "Web", "marketplace", ""};
  std::ostringstream csv;
  csv << "order_id,customer_id,created_at,total,channel,product,quantity\n";
  for (int i = 0; i < rows; ++i) {
    char date[40];
    std::snprintf(date, sizeof date, "%d-%02d-%02dT%02d:00:00", 2023 + pick(2), 1 + pick(12),
                  1 + pick(28), pick(24));
    csv << (i == odd_row && odd == 2 ? 1000 + i - 7 : 1000 + i) << ',';
    if (i != odd_row || odd != 1) csv << 'C' << pick(i < rows / 2 ? 3000 : 6000);
    csv << ',' << (i % 1013 == 7 ? "someday" : date) << ',';
    if (i % 1019 != 9) csv << 5 + pick(20000) / 100.0;
    csv << ',' << (i >= rows * 3 / 4 && pick(7) == 0 ? "tiktok" : CHANNELS[pick(4)]) << ',';
    if (pick(9) != 0) csv << 'P' << pick(i < rows / 2 ? 40 : 50);
    csv << ',' << 1 + pick(3) << '\n';
  }
  return csv.str();
}

// Order statistics for several sets of bounds in one pass: bounds that run inside longer
// ones take those ones' statistics (sales.cpp, stats_pass). Each set must still get what it
// gets alone, field for field, to the bit: with a bucket before its first in the longer
// bounds (so `retained` there differs), at either end of them, inside bounds that are inside
// others, inside bounds out of order (whose buckets hold other days), and no such run.
TEST(Sales, OrderStatisticsOfBoundsWithinLongerOnesAsAlone) {
  kpi::session s;
  s.add("orders.csv", mixed_store(3000));
  const std::vector<const kpi::dataset*> sets{s.get(s.ids().at(0))};
  namespace d = kpi::detail;
  auto day = [](const char* text) { return *kpi::parse_day(text); };
  const d::period P{day("2024-01-01"), day("2025-01-01")};
  const d::period prev{day("2023-01-01"), day("2024-01-01")};
  d::model m = d::build_model(sets, P, prev);
  kpi::report_options options;
  const d::context ctx{sets, options, m, P, prev, true, {}, {}};
  d::first_valid_orders(m, ctx, {});
  const std::vector<int64_t> years = {day("2022-01-01"), day("2023-01-01"), day("2024-01-01"),
                                      day("2025-01-01"), day("2026-01-01")};
  const std::vector<std::vector<int64_t>> all = {
      {years[1], years[2], years[3]},  // inside: P' and P
      years,
      {years[0], years[1]},            // at the start
      {years[2], years[3], years[4]},  // at the end
      {years[1], day("2023-07-01"), years[3]},  // no run of the years
      {years[1], years[2], years[3], years[4]},  // a run of the years, with runs of its own
      {years[0], years[2], years[1]},            // out of order, and a run in it:
      {years[0], years[2]}};                     // other days than its own buckets
  const std::vector<std::vector<d::bucket_stats>> together = d::order_stats(m, all);
  ASSERT_EQ(together.size(), all.size());
  for (size_t k = 0; k < all.size(); ++k) {
    SCOPED_TRACE(k);
    const std::vector<d::bucket_stats> alone = d::order_stats(m, all[k]);
    ASSERT_EQ(together[k].size(), alone.size());
    for (size_t b = 0; b < alone.size(); ++b) {
      const d::bucket_stats &x = together[k][b], &y = alone[b];
      for (double d::bucket_stats::*f :
           {&d::bucket_stats::revenue, &d::bucket_stats::orders, &d::bucket_stats::active,
            &d::bucket_stats::new_customers, &d::bucket_stats::returning,
            &d::bucket_stats::repeat_customers, &d::bucket_stats::repeat_orders,
            &d::bucket_stats::gap_sum, &d::bucket_stats::gap_count,
            &d::bucket_stats::gross_profit, &d::bucket_stats::retained}) {
        EXPECT_EQ(std::memcmp(&(x.*f), &(y.*f), sizeof(double)), 0) << b << ": " << x.*f
                                                                     << " against " << y.*f;
      }
    }
    if (k != 5) EXPECT_GT(alone.front().orders, 0);
  }
  // The inside set's first bucket has customers retained from the bucket before it.
  EXPECT_GT(together[1][1].retained, 0);
}

TEST(Sales, UsualRowsOnTwoThreadsTheSameModelAsOnOne) {
  const unsigned before = kpi::threads();
  for (int odd : {0, 1, 2}) {
    SCOPED_TRACE(odd);
    const std::string csv = usual_store(70000, 69000, odd);  // two chunks of rows (model.cpp)
    std::string reports[2];
    for (unsigned n : {1u, 2u}) {
      kpi::set_threads(n);
      reports[n - 1] = report_of(csv);
    }
    EXPECT_EQ(reports[0], reports[1]);
    for (const char* part : {"\"tiktok\"", "\"product_units\":{\"value\":", "order without"}) {
      EXPECT_NE(reports[1].find(part), std::string::npos) << part;
    }
  }
  kpi::set_threads(before);
}

}  // namespace
