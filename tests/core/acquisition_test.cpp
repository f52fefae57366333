// Acquisition KPIs on hand-made stores; expected values worked out by hand in the comments.
#include <gtest/gtest.h>

#include "voc_report.h"

namespace {

using kpi::testing_voc::voc_report;

// The same store as the sales tests. P = [2024-01-01, 2024-04-01).
// New customers in P: C (first valid order 4, social), D (first valid order 8, email).
// Acquisition channels: A web (order 1), B email, C social, D email (its first order 7 is
// refunded, so its first valid order 8 decides), E web.
constexpr const char* ORDERS = R"(order_id,customer_id,date,total,cost,status,channel
1,A,2023-11-05,100,60,paid,web
2,B,2023-12-20,50,30,paid,email
3,A,2024-01-10,80,40,paid,web
4,C,2024-01-15,120,70,paid,social
5,A,2024-02-01,40,20,paid,web
6,C,2024-03-03,60,30,cancelled,social
7,D,2024-03-31,200,150,refunded,Web
8,D,2024-03-15,30,10,paid,email
9,E,2024-04-02,70,35,paid,web
)";

// Monthly spend rows ("YYYY-MM"), spread over their days. In P: web 310, email 290,
// social 62 = 662. December is in P'.
constexpr const char* SPEND = R"(month,channel,spend
2023-12,web,100
2024-01,Web ,310
2024-02,email,290
2024-03,social,62
)";

TEST(Acquisition, CacOverallAndByChannel) {
  voc_report r({{"orders.csv", ORDERS}, {"spend.csv", SPEND}}, "2024-01-01", "2024-04-01");
  // 662 / 2 new customers = 331.
  EXPECT_DOUBLE_EQ(r.num("/kpis/cac/numerator"), 662);
  EXPECT_DOUBLE_EQ(r.num("/kpis/cac/denominator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/cac/value"), 331);
  // P': 100 spend / 2 new (A, B) = 50.
  EXPECT_DOUBLE_EQ(r.num("/kpis/cac/previous"), 50);
  // Per channel (names match case-insensitively after trimming, shown as first written in
  // P): "Web " 310 / 0 new: undefined; email 290 / 1 (D); social 62 / 1 (C).
  const std::string web = r.entry("/kpis/cac/by_channel", "channel", "Web");
  EXPECT_TRUE(r.is_null(web + "/value"));
  EXPECT_EQ(r.str(web + "/status"), "undefined");
  EXPECT_DOUBLE_EQ(r.num(web + "/spend"), 310);
  const std::string email = r.entry("/kpis/cac/by_channel", "channel", "email");
  EXPECT_DOUBLE_EQ(r.num(email + "/value"), 290);
  const std::string social = r.entry("/kpis/cac/by_channel", "channel", "social");
  EXPECT_DOUBLE_EQ(r.num(social + "/value"), 62);
}

TEST(Acquisition, SpendSpreadOverTheDaysItCovers) {
  // P = [2024-01-16, 2024-02-15): January's 310 over 31 days, 16 of them in P: 160;
  // February's 290 over 29 days (leap year), 14 in P: 140. Total 300.
  voc_report r({{"orders.csv", ORDERS}, {"spend.csv", SPEND}}, "2024-01-16", "2024-02-15");
  EXPECT_NEAR(r.num("/kpis/cac/numerator"), 300, 1e-9);
}

TEST(Acquisition, SpendWithDailyDatesAndEndDates) {
  // A row with start and end dates covers both ends: 2024-01-01..2024-01-10 = 10 days, 100
  // spend: 10 a day; P = [2024-01-06, 2024-02-01) holds 5 of them = 50, plus the daily row
  // of 2024-01-20 (7): 57.
  voc_report r({{"orders.csv", ORDERS},
                {"spend.csv",
                 "start_date,end_date,channel,amount\n2024-01-01,2024-01-10,web,100\n"
                 "2024-01-20,2024-01-20,web,7\n"}},
               "2024-01-06", "2024-02-01");
  EXPECT_NEAR(r.num("/kpis/cac/numerator"), 57, 1e-9);
}

TEST(Acquisition, NetProfitUsesSpend) {
  voc_report r({{"orders.csv", ORDERS}, {"spend.csv", SPEND}}, "2024-01-01", "2024-04-01");
  // Gross profit 130 - spend 662 = -532 over 3 active customers.
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_net_profit_per_customer/numerator"), -532);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_net_profit_per_customer/value"), -532.0 / 3.0);
}

TEST(Acquisition, CacUnavailableWithoutSpend) {
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  EXPECT_EQ(r.str("/kpis/cac/status"), "unavailable");
  EXPECT_EQ(r.str("/kpis/cac/needs/0"), "spend.amount");
}

TEST(Acquisition, Sources) {
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  // New customers: C social, D email: 2, 50% each.
  EXPECT_DOUBLE_EQ(r.num("/kpis/acquisition_sources/value"), 2);
  const std::string social = r.entry("/kpis/acquisition_sources/by_channel", "channel", "social");
  EXPECT_DOUBLE_EQ(r.num(social + "/new_customers"), 1);
  EXPECT_DOUBLE_EQ(r.num(social + "/share"), 50);
  EXPECT_DOUBLE_EQ(r.num(social + "/revenue"), 120);
  // Revenue(P) by the buyer's acquisition channel: A (web) 80 + 40 = 120, D (email) 30.
  const std::string web = r.entry("/kpis/acquisition_sources/by_channel", "channel", "web");
  EXPECT_DOUBLE_EQ(r.num(web + "/new_customers"), 0);
  EXPECT_DOUBLE_EQ(r.num(web + "/revenue"), 120);
  const std::string email = r.entry("/kpis/acquisition_sources/by_channel", "channel", "email");
  EXPECT_DOUBLE_EQ(r.num(email + "/revenue"), 30);
}

TEST(Acquisition, SourceFromCustomersDatasetWins) {
  // The customers dataset says C came from "partner": that beats C's first order channel.
  voc_report r({{"orders.csv", ORDERS},
                {"customers.csv", "customer_id,signup_date,source\nC,2023-12-01,partner\n"}},
               "2024-01-01", "2024-04-01");
  const std::string partner = r.entry("/kpis/acquisition_sources/by_channel", "channel", "partner");
  EXPECT_DOUBLE_EQ(r.num(partner + "/new_customers"), 1);
}

TEST(Acquisition, LeadToCustomerRate) {
  // Leads created in P: L1..L4.
  // L1 (web, A): A has a valid order on 2024-01-10, after 2024-01-05: converted.
  // L2 (ads, B): B's only order is 2023-12-20, before the lead: not converted.
  // L3 (ads, E): E orders on 2024-04-02, after P but after the lead: converted.
  // L4 (web): converted column says yes.
  // L5 is created in P'. Rate 3 / 4 = 75%; web 2/2, ads 1/2.
  voc_report r(
      {{"orders.csv", ORDERS}, {"leads.csv", R"(lead_id,created_at,source,customer_id,converted
L1,2024-01-05,web,A,
L2,2024-02-10,ads,B,
L3,2024-03-20,ads,E,
L4,2024-03-25,web,,yes
L5,2023-12-01,web,,
)"}},
      "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/lead_to_customer_rate/numerator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/lead_to_customer_rate/denominator"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/lead_to_customer_rate/value"), 75);
  const std::string web = r.entry("/kpis/lead_to_customer_rate/by_channel", "channel", "web");
  EXPECT_DOUBLE_EQ(r.num(web + "/value"), 100);
  const std::string ads = r.entry("/kpis/lead_to_customer_rate/by_channel", "channel", "ads");
  EXPECT_DOUBLE_EQ(r.num(ads + "/value"), 50);
  // P': L5 only, not converted (no customer, no flag): 0 / 1.
  EXPECT_DOUBLE_EQ(r.num("/kpis/lead_to_customer_rate/previous"), 0);
}

TEST(Acquisition, ConversionRateFromSessionsAndVisitors) {
  // Sessions in P: 100 + 200 + 100 = 400; orders(P) = 4: 1%. Visitors 80 + 150 + 70 = 300;
  // buyers = active customers 3 / 300 = 1%.
  voc_report r({{"orders.csv", ORDERS}, {"traffic.csv", R"(date,sessions,visitors
2024-01-15,100,80
2024-02-15,200,150
2024-03-15,100,70
2024-05-01,50,40
)"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/conversion_rate/numerator"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/conversion_rate/denominator"), 400);
  EXPECT_DOUBLE_EQ(r.num("/kpis/conversion_rate/value"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/conversion_rate/buyers/value"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/conversion_rate/buyers/denominator"), 300);
}

TEST(Acquisition, MemberGrowthFromOrdersAlone) {
  // Members join on their first valid order: before 2024-01-01 A, B (2); before 2024-04-01
  // A, B, C, D (4). Growth (4 - 2) / 2 = 100%.
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/numerator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/denominator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/value"), 100);
}

TEST(Acquisition, MemberGrowthUsesSignupDates) {
  // Signups: M1 2023-06-01, M2 2024-02-01, M3 2024-05-01 (after P); plus order customers
  // without a signup: A (2023-11-05), B (2023-12-20), C (2024-01-15), D (2024-03-15), E
  // (after). Start of P: M1, A, B = 3. End of P: M1, M2, A, B, C, D = 6. (6 - 3) / 3 = 100%.
  // New members use the signup date, so M2 joined in P with no order at all.
  voc_report r({{"orders.csv", ORDERS},
                {"customers.csv",
                 "customer_id,signup_date\nM1,2023-06-01\nM2,2024-02-01\n"
                 "M3,2024-05-01\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/denominator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/numerator"), 3);
}

TEST(Acquisition, MemberGrowthSignupsDecadesApart) {
  // As above with M1 in 1990: join days spread over more days than there are members, which
  // sorts them instead of counting them per day; the counts are the same.
  voc_report r({{"orders.csv", ORDERS},
                {"customers.csv",
                 "customer_id,signup_date\nM1,1990-06-01\nM2,2024-02-01\n"
                 "M3,2024-05-01\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/denominator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_growth_rate/numerator"), 3);
}

}  // namespace
