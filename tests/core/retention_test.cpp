// Retention and churn KPIs, orders-based and subscription-based, on hand-made data; expected
// values worked out by hand in the comments.
#include <gtest/gtest.h>

#include "voc_report.h"

namespace {

using kpi::testing_voc::voc_report;

constexpr const char* ORDERS = R"(order_id,customer_id,date,total,status
1,A,2023-11-05,100,paid
2,B,2023-12-20,50,paid
3,A,2024-01-10,80,paid
4,C,2024-01-15,120,paid
5,A,2024-02-01,40,paid
6,C,2024-03-03,60,cancelled
7,D,2024-03-31,200,refunded
8,D,2024-03-15,30,paid
9,E,2024-04-02,70,paid
)";

TEST(Retention, OrdersBasedChurnAndCrr) {
  // P = [2024-01-01, 2024-04-01), P' = [2023-10-01, 2024-01-01).
  // S = active(P') = {A, B}; B has no valid order in P: churn 1 / 2 = 50%.
  // E = active(P) = {A, C, D} = 3, N = new(P) = {C, D} = 2: CRR (3 - 2) / 2 = 50%.
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/denominator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/value"), 50);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_retention_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_retention_rate/value"), 50);
  EXPECT_EQ(r.str("/kpis/customer_churn_rate/basis"), "orders");
  // Without subscriptions, revenue churn and renewal are unavailable.
  EXPECT_EQ(r.str("/kpis/revenue_churn_rate/status"), "unavailable");
  EXPECT_EQ(r.str("/kpis/membership_renewal_rate/status"), "unavailable");
}

TEST(Retention, ChurnWithNoPreviousCustomers) {
  // P' = [2023-07-01, 2023-10-01) has no customers: churn and CRR are undefined, not 0.
  voc_report r({{"orders.csv", ORDERS}}, "2023-10-01", "2024-01-01");
  EXPECT_EQ(r.str("/kpis/customer_churn_rate/status"), "undefined");
  EXPECT_TRUE(r.is_null("/kpis/customer_churn_rate/value"));
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/denominator"), 0);
  EXPECT_EQ(r.str("/kpis/customer_retention_rate/status"), "undefined");
}

TEST(Retention, ChurnSeriesAgainstThePreviousBucket) {
  // January: active(Dec) = {B}; B does not buy in January: churn 100%.
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.bucket("customer_churn_rate", "2024-01").get_double().value_unsafe(), 100);
  // The first bucket has nothing before it.
  EXPECT_TRUE(r.bucket("customer_churn_rate", "2023-11").is_null());
}

// P = [2024-01-01, 2024-04-01).
// S1 A active all along.                           active at start, active at end
// S2 B ends 2024-02-15.                            active at start, lost, MRR 20
// S3 C ends 2024-01-01 (not active at the start: end > t fails), renewed by S4.
// S4 C starts 2024-01-05, yearly 120 (MRR 10).    started in P, active at end
// S5 D starts and ends in P.                       started in P (counts in N)
// S6 E ends 2024-04-01 = P.to: not ended in P.     active at start and at end, MRR 50
constexpr const char* SUBS = R"(customer_id,start_date,end_date,amount,interval
A,2023-06-01,,10,monthly
B,2023-09-01,2024-02-15,20,monthly
C,2023-01-01,2024-01-01,120,yearly
C,2024-01-05,,120,yearly
D,2024-02-01,2024-03-01,15,monthly
E,2023-12-01,2024-04-01,50,month
)";

TEST(Retention, SubscriptionChurnAndCrr) {
  voc_report r({{"orders.csv", ORDERS}, {"subscriptions.csv", SUBS}}, "2024-01-01", "2024-04-01");
  // S = {S1, S2, S6} = 3; lost = {S2}: 33.3%.
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/denominator"), 3);
  EXPECT_EQ(r.str("/kpis/customer_churn_rate/basis"), "subscriptions");
  // E = active at the end {S1, S4, S6} = 3; N = started in P {S4, S5} = 2: (3 - 2) / 3.
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_retention_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_retention_rate/denominator"), 3);
}

TEST(Retention, RevenueChurn) {
  // MRR at the start of subscriptions active then: 10 + 20 + 50 = 80; of those ended in P:
  // S2 20. 20 / 80 = 25%.
  voc_report r({{"subscriptions.csv", SUBS}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue_churn_rate/numerator"), 20);
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue_churn_rate/denominator"), 80);
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue_churn_rate/value"), 25);
}

TEST(Retention, YearlyPlansCountATwelfth) {
  // One yearly plan of 1200 (MRR 100) and one monthly of 100, both active at the start;
  // the yearly one ends in P: 100 / 200 = 50%.
  voc_report r({{"subscriptions.csv",
                 "customer_id,start,end,amount,interval\n"
                 "A,2023-01-01,2024-02-01,1200,year\n"
                 "B,2023-01-01,,100,month\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/revenue_churn_rate/value"), 50);
}

TEST(Retention, RenewalByNextMembership) {
  // Terms ending in P: S2 (not renewed), S3 (C starts S4 4 days after: renewed), S5 (not):
  // 1 / 3.
  voc_report r({{"subscriptions.csv", SUBS}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/membership_renewal_rate/numerator"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/membership_renewal_rate/denominator"), 3);
}

TEST(Retention, RenewalByColumn) {
  // The renewed column decides when present: 2 of 3 terms ending in P.
  voc_report r({{"memberships.csv",
                 "customer_id,start,end,renewed\nA,2023-01-01,2024-01-10,yes\n"
                 "B,2023-01-01,2024-02-10,no\nC,2023-02-01,2024-03-10,true\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/membership_renewal_rate/value"), 200.0 / 3.0);
}

TEST(Retention, SubscriptionActiveAcrossTheBoundary) {
  // Starts before P and ends after it: active at start and end, neither lost nor new.
  voc_report r({{"subscriptions.csv", "customer_id,start,end\nA,2023-12-15,2024-05-01\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_churn_rate/value"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/customer_retention_rate/value"), 100);
}

TEST(Retention, MemberActivityFromOrders) {
  // Members at the end of P: A, B, C, D (joined on their first valid order). Active in P
  // (a valid order): A, C, D: 75%. Events per active member: 4 orders / 3.
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/value"), 75);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/events_per_active_member"), 4.0 / 3.0);
}

TEST(Retention, MemberActivityWithEvents) {
  // Activity events in P: B logs in twice (B has no order in P). Active members: A, C, D by
  // orders + B by events = 4 of 4. Events per active member: 2 events / 4.
  voc_report r({{"orders.csv", ORDERS},
                {"activity.csv",
                 "customer_id,event_date,event_type\nB,2024-02-01,login\n"
                 "B,2024-02-03,login\nB,2023-12-01,login\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/value"), 100);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/events_per_active_member"), 0.5);
}

TEST(Retention, MemberActivityWithEventsInBothPeriods) {
  // P = [2024-01-01, 2024-04-01), P' = [2023-10-01, 2024-01-01); both are counted in one pass
  // over the events and the orders. Members at the end of P: A, B, C, E; active in P: A and C
  // by orders, B by an event: 75%. Events in P: B's and Z's (Z is no customer): 2 / 3.
  // Members at the end of P': B, E (A and C join later); active in P': B: 50%.
  voc_report r({{"orders.csv",
                 "order_id,customer_id,date,total,status\n1,A,2024-01-10,100,paid\n"
                 "2,B,2023-11-20,50,paid\n3,C,2024-02-10,70,paid\n4,E,2023-09-01,20,paid\n"},
                {"activity.csv",
                 "customer_id,event_date,event_type\nB,2023-12-01,login\nB,2024-02-05,login\n"
                 "C,2023-12-15,login\nZ,2024-03-01,login\n"}},
               "2024-01-01", "2024-04-01");
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/value"), 75);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/previous"), 50);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/events"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/member_activity_rate/events_per_active_member"), 2.0 / 3.0);
}

TEST(Retention, CohortMatrix) {
  // Cohorts with a first order in P: 2024-01 {C}, 2024-02 {}, 2024-03 {D}. Columns run to
  // the last month with orders (2024-04). C buys again only in March, and that order is
  // cancelled: [100, 0, 0, 0]. D: [100, 0].
  voc_report r({{"orders.csv", ORDERS}}, "2024-01-01", "2024-04-01");
  EXPECT_EQ(r.str("/kpis/cohort_retention/matrix/cohorts/0"), "2024-01");
  EXPECT_EQ(r.size("/kpis/cohort_retention/matrix/cohorts"), 3u);
  EXPECT_EQ(r.nums("/kpis/cohort_retention/matrix/sizes"), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(r.nums("/kpis/cohort_retention/matrix/cells/0"), (std::vector<double>{100, 0, 0, 0}));
  EXPECT_EQ(r.size("/kpis/cohort_retention/matrix/cells/1"), 3u);
  EXPECT_TRUE(r.is_null("/kpis/cohort_retention/matrix/cells/1/0"));
  EXPECT_EQ(r.nums("/kpis/cohort_retention/matrix/cells/2"), (std::vector<double>{100, 0}));
}

TEST(Retention, CohortRetentionCountsReturningCustomers) {
  // January cohort {A, B}: A returns in February and April, B in March.
  voc_report r({{"o.csv",
                 "order_id,customer_id,date,total\n1,A,2024-01-02,1\n2,B,2024-01-09,1\n"
                 "3,A,2024-02-02,1\n4,B,2024-03-05,1\n5,A,2024-04-01,1\n"}},
               "2024-01-01", "2024-02-01");
  EXPECT_EQ(r.nums("/kpis/cohort_retention/matrix/cells/0"),
            (std::vector<double>{100, 50, 50, 50}));
}

}  // namespace
