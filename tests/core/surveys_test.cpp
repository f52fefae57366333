// Tests for the survey KPIs (nps, csat, ces) in the report: typing, scales, rejections,
// segments, the cross-dataset breakdowns and the trend. Expected values are worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "voc_report.h"

namespace kpi {
namespace {

using testing_voc::voc_report;

// P = Q1 2024 in every test below, so P' = Q4 2023 (three whole months).
constexpr const char* FROM = "2024-01-01";
constexpr const char* TO = "2024-04-01";

TEST(Surveys, NpsAllPromoters) {
  voc_report r({{"nps.csv", R"(date,type,score
2024-01-05,NPS,9
2024-02-10,NPS,10
2024-03-31,NPS,10
2024-04-01,NPS,0
)"}},
               FROM, TO);
  // 3 promoters of 3 in P (2024-04-01 is outside: `to` is exclusive): 100 - 0 = 100.
  EXPECT_EQ(r.str("/kpis/nps/status"), "ok");
  EXPECT_EQ(r.str("/kpis/nps/unit"), "score");
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/value"), 100);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/numerator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/denominator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/promoters"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/promoters_pct"), 100);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/detractors_pct"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/responses"), 3);
  // p = 1, d = 0: p + d - (p - d)^2 = 0, no uncertainty left.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/margin_of_error"), 0);
  EXPECT_EQ(r.nums("/kpis/nps/histogram"), (std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2}));
  EXPECT_TRUE(r.is_null("/kpis/nps/previous"));
}

TEST(Surveys, NpsAllDetractors) {
  voc_report r({{"nps.csv", R"(date,type,score
2024-01-05,nps,0
2024-02-10,Net Promoter Score,3
2024-03-01,NPS,6
)"}},
               FROM, TO);
  // 0, 3 and 6 are all detractors: 0 - 100 = -100.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/value"), -100);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/numerator"), -3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/detractors"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/detractors_pct"), 100);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/margin_of_error"), 0);
  EXPECT_EQ(r.nums("/kpis/nps/histogram"), (std::vector<double>{1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(Surveys, NpsWithoutResponsesInPeriodIsUndefined) {
  voc_report r({{"nps.csv", R"(date,type,score
2023-06-05,NPS,9
2023-07-10,NPS,2
)"}},
               FROM, TO);
  // Responses exist, but none in P (nor in P'): 0 / 0 is undefined, never 0.
  EXPECT_EQ(r.str("/kpis/nps/status"), "undefined");
  EXPECT_TRUE(r.is_null("/kpis/nps/value"));
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/numerator"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/denominator"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/responses"), 0);
  EXPECT_TRUE(r.is_null("/kpis/nps/promoters_pct"));
  EXPECT_TRUE(r.is_null("/kpis/nps/margin_of_error"));
  EXPECT_TRUE(r.is_null("/kpis/nps/previous"));
}

TEST(Surveys, NpsMixedWithMarginPreviousAndTrend) {
  voc_report r({{"nps.csv", R"(date,type,score
2023-11-15,NPS,10
2023-12-01,NPS,2
2024-01-02,NPS,10
2024-01-09,NPS,10
2024-01-20,NPS,9
2024-02-03,NPS,9
2024-02-04,NPS,9
2024-02-05,NPS,8
2024-03-06,NPS,7
2024-03-07,NPS,6
2024-03-08,NPS,3
2024-03-09,NPS,0
)"}},
               FROM, TO);
  // In P: promoters 10,10,9,9,9 (5), passives 8,7 (2), detractors 6,3,0 (3) of 10.
  // NPS = (5 - 3) / 10 x 100 = 20.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/value"), 20);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/numerator"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/denominator"), 10);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/promoters"), 5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/passives"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/detractors"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/promoters_pct"), 50);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/passives_pct"), 20);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/detractors_pct"), 30);
  // p = 0.5, d = 0.3: 1.96 x sqrt((0.8 - 0.04) / 10) x 100 = 1.96 x 0.275681 x 100 = 54.0335.
  EXPECT_NEAR(r.num("/kpis/nps/margin_of_error"), 54.0335, 1e-4);
  EXPECT_EQ(r.nums("/kpis/nps/histogram"), (std::vector<double>{1, 0, 0, 1, 0, 0, 1, 1, 1, 3, 2}));
  // P' = Q4 2023: one promoter, one detractor -> 0.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/previous"), 0);
  // Monthly trend: 2023-11 = 100, 2023-12 = -100, 2024-01 = 3 promoters = 100,
  // 2024-02 = 2 promoters + 1 passive = 66.67, 2024-03 = 1 passive + 3 detractors = -75.
  double v;
  ASSERT_FALSE(r.bucket("nps", "2023-11").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 100);
  ASSERT_FALSE(r.bucket("nps", "2023-12").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, -100);
  ASSERT_FALSE(r.bucket("nps", "2024-02").get_double().get(v));
  EXPECT_NEAR(v, 200.0 / 3, 1e-9);
  ASSERT_FALSE(r.bucket("nps", "2024-03").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, -75);
  ASSERT_FALSE(r.bucket("nps_detractors_pct", "2024-03").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 75);
  ASSERT_FALSE(r.bucket("nps_passives_pct", "2024-02").get_double().get(v));
  EXPECT_NEAR(v, 100.0 / 3, 1e-9);
  ASSERT_FALSE(r.bucket("nps_promoters_pct", "2024-01").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 100);
}

TEST(Surveys, OutOfScaleAndBadScoresAreRejectedNotClamped) {
  voc_report r({{"nps.csv", R"(date,type,score
2024-01-05,NPS,9
2024-01-06,NPS,11
2024-01-07,NPS,7.5
2024-01-08,NPS,-1
2024-01-09,NPS,
2024-01-10,NPS,3
)"}},
               FROM, TO);
  // Kept: 9 and 3 -> (1 - 1) / 2 = 0. Rejected: 11 and -1 (out of scale, line 3 and 5),
  // 7.5 (line 4), the empty score (line 6).
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/value"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/responses"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/rejected"), 4);
  EXPECT_EQ(r.nums("/kpis/nps/rejected_lines"), (std::vector<double>{3, 4, 5, 6}));
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/rejected_reasons/out of scale"), 2);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/rejected_reasons/not a whole number"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/rejected_reasons/missing score"), 1);
}

TEST(Surveys, CsatOnATenPointScale) {
  voc_report r({{"csat.csv", R"(date,type,score
2024-01-05,CSAT,10
2024-01-06,CSAT,9
2024-02-07,CSAT,8
2024-02-08,CSAT,5
2024-03-09,CSAT,10
2024-03-10,CSAT,12
)"}},
               FROM, TO);
  // Highest whole score seen in 1..10 is 10: scale 1-10, top two boxes 9-10.
  // Satisfied 10, 9, 10 of 5 -> 60%; mean (10+9+8+5+10) / 5 = 8.4; 12 is rejected.
  EXPECT_EQ(r.str("/kpis/csat/unit"), "%");
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/value"), 60);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/numerator"), 3);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/denominator"), 5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/mean"), 8.4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/responses"), 5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/scale/min"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/scale/max"), 10);
  EXPECT_EQ(r.nums("/kpis/csat/histogram"), (std::vector<double>{0, 0, 0, 0, 1, 0, 0, 1, 1, 2}));
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/rejected"), 1);
  EXPECT_EQ(r.nums("/kpis/csat/rejected_lines"), (std::vector<double>{7}));
  EXPECT_NE(r.str("/kpis/csat/rule").find("1-10 detected"), std::string::npos);
  // No NPS or CES rows: those KPIs have no input, which is not the same as no responses.
  EXPECT_EQ(r.str("/kpis/nps/status"), "unavailable");
  EXPECT_EQ(r.str("/kpis/ces/status"), "unavailable");
}

TEST(Surveys, CsatScaleSetByTheUser) {
  report_options opts;
  opts.csat_max = 5;
  voc_report r({{"csat.csv", R"(date,type,score
2024-01-05,CSAT,5
2024-01-06,CSAT,4
2024-02-07,CSAT,3
2024-02-08,CSAT,9
)"}},
               FROM, TO, opts);
  // The user says 1-5: 9 is out of scale. Satisfied (4-5) 2 of 3 = 66.67%; mean 4.
  EXPECT_NEAR(r.num("/kpis/csat/value"), 200.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/mean"), 4);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/rejected"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/scale/max"), 5);
  EXPECT_NE(r.str("/kpis/csat/rule").find("set by the user"), std::string::npos);
}

TEST(Surveys, CesOnTheDefaultSevenPointScale) {
  voc_report r({{"ces.csv", R"(date,type,score
2024-01-05,CES,7
2024-01-06,CES,6
2024-02-07,CES,5
2024-03-08,CES,2
2024-03-09,CES,0
2023-12-09,CES,7
)"}},
               FROM, TO);
  // Sum 7+6+5+2 = 20 over 4 responses x 7 options = 28: 71.43%; mean score 5.
  // 0 is off the 1-7 scale. P' holds one 7 -> 7 / 7 = 100%.
  EXPECT_NEAR(r.num("/kpis/ces/value"), 2000.0 / 28, 1e-9);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/numerator"), 20);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/denominator"), 28);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/mean"), 5);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/scale/max"), 7);
  EXPECT_EQ(r.nums("/kpis/ces/histogram"), (std::vector<double>{0, 1, 0, 0, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/rejected"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/previous"), 100);
}

TEST(Surveys, CesOnAFivePointScaleIsDetected) {
  voc_report r({{"ces.csv", R"(date,type,score
2024-01-05,Customer Effort Score,5
2024-01-06,CES,4
2024-02-07,CES,1
)"}},
               FROM, TO);
  // Highest score 5 -> 1-5: sum 10 / (3 x 5) = 66.67%.
  EXPECT_NEAR(r.num("/kpis/ces/value"), 1000.0 / 15, 1e-9);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/denominator"), 15);
  EXPECT_DOUBLE_EQ(r.num("/kpis/ces/scale/max"), 5);
}

TEST(Surveys, SeveralTypesInOneFileByTypeQuestionAndScale) {
  // Rows typed by the type column, by the question text (whole words only: "process" does
  // not name CES), and by the scale of the rows left (two questions, two scales).
  voc_report r({{"survey.csv", R"(date,type,question,score
2024-01-05,NPS,How likely are you to recommend us?,10
2024-01-06,,Your CSAT rating for the delivery,5
2024-01-07,,Your CSAT rating for the delivery,2
2024-01-08,,How easy was the return process?,7
2024-01-09,,How easy was the return process?,3
2024-01-10,,Would you tell a friend about us?,0
2024-01-11,,Would you tell a friend about us?,9
)"}},
               FROM, TO);
  // NPS: 10 (type) and 0, 9 (scale 0-9 -> 0-10): 2 promoters, 1 detractor of 3 -> 33.33.
  EXPECT_NEAR(r.num("/kpis/nps/value"), 100.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/responses"), 3);
  // CSAT: 5 and 2 by the question text -> 1 of 2 = 50%.
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/value"), 50);
  // CES: 7 and 3 (scale 3-7 -> 1-7): 10 / 14 = 71.43%.
  EXPECT_NEAR(r.num("/kpis/ces/value"), 1000.0 / 14, 1e-9);
  EXPECT_NE(r.str("/kpis/ces/rule").find("by the scale: 2"), std::string::npos);
  EXPECT_NE(r.str("/kpis/csat/rule").find("by the question text: 2"), std::string::npos);
}

TEST(Surveys, FiveValueScaleWithoutTypeIsCsat) {
  voc_report r({{"ratings.csv", R"(date,score
2024-01-05,5
2024-01-06,4
2024-01-07,3
2024-01-08,1
)"}},
               FROM, TO);
  // Scores 1-5 and nothing naming a type: CSAT, satisfied 5 and 4 of 4 -> 50%.
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/value"), 50);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/mean"), 3.25);
  EXPECT_EQ(r.str("/kpis/nps/status"), "unavailable");
}

TEST(Surveys, SegmentsFromTheSegmentRoleAndLowCardinalityColumns) {
  voc_report r({{"nps.csv", R"(date,type,score,channel,country,comment,name,product name
2024-01-05,NPS,10,email,IT,Loved the packaging,Ann,Mug
2024-01-06,NPS,9,Email,RO,Fast delivery,Bob,Mug
2024-01-07,NPS,2,chat,IT,Rude support agent,Cy,Tee
2024-02-08,NPS,8,chat,IT,Okay overall,Di,Tee
2024-02-09,NPS,10,chat,,Great,Ed,Mug
)"}},
               FROM, TO);
  // channel: email (10, 9; "Email" folds into it) -> 100, n 2; chat (2, 8, 10) -> 0, n 3.
  const std::string chat = r.entry("/kpis/nps/by_segment/channel", "segment", "chat");
  EXPECT_DOUBLE_EQ(r.num(chat + "/value"), 0);
  EXPECT_DOUBLE_EQ(r.num(chat + "/responses"), 3);
  // chat: p = d = 1/3: 1.96 x sqrt((2/3 - 0) / 3) x 100 = 92.39.
  EXPECT_NEAR(r.num(chat + "/margin_of_error"), 1.96 * std::sqrt(2.0 / 9) * 100, 1e-9);
  const std::string email = r.entry("/kpis/nps/by_segment/channel", "segment", "email");
  EXPECT_DOUBLE_EQ(r.num(email + "/value"), 100);
  EXPECT_DOUBLE_EQ(r.num(email + "/responses"), 2);
  // Biggest segment first.
  EXPECT_EQ(chat, "/kpis/nps/by_segment/channel/0");
  // country: IT (10, 2, 8) -> 0; RO (9) -> 100; the empty value is "(unknown)" (10) -> 100.
  EXPECT_DOUBLE_EQ(r.num(r.entry("/kpis/nps/by_segment/country", "segment", "IT") + "/value"), 0);
  EXPECT_DOUBLE_EQ(
      r.num(r.entry("/kpis/nps/by_segment/country", "segment", "(unknown)") + "/value"), 100);
  // product name: Mug (10, 9, 10) -> 100; Tee (2, 8) -> -50.
  EXPECT_DOUBLE_EQ(r.num(r.entry("/kpis/nps/by_segment/product name", "segment", "Tee") + "/value"),
                   -50);
  // Free-text comments and people's names are not segments.
  EXPECT_FALSE(r.has("/kpis/nps/by_segment/comment"));
  EXPECT_FALSE(r.has("/kpis/nps/by_segment/name"));
}

// Orders of ten customers, c01 the biggest spender (1000) down to c10 (100). c01-c05 first
// bought in June 2023 (returning in Q1 2024), c06-c10 in February 2024 (new). Neither c10's
// large order after P, c11's only order after P, nor c04's cancelled order count for the
// tiers, which rank historical revenue of valid orders up to the end of P.
TEST(Surveys, ValueTiersAndNewVersusReturningWithOrders) {
  const std::string orders = R"(order_id,customer_id,date,total,status
1,c01,2023-06-01,1000,paid
2,c02,2023-06-02,900,paid
3,c03,2023-06-03,800,paid
4,c04,2023-06-04,700,paid
5,c05,2023-06-05,600,paid
6,c06,2024-02-01,500,paid
7,c07,2024-02-02,400,paid
8,c08,2024-02-03,300,paid
9,c09,2024-02-04,200,paid
10,c10,2024-02-05,100,paid
11,c10,2024-05-01,5000,paid
12,c11,2024-05-02,50,paid
13,c04,2024-02-07,9000,cancelled
)";
  voc_report r({{"orders.csv", orders}, {"nps.csv", R"(date,type,score,customer_id
2024-03-01,NPS,10,c01
2024-03-02,NPS,9,c02
2024-03-03,NPS,0,c05
2024-03-04,NPS,8,c09
2024-03-05,NPS,3,c10
2024-03-06,NPS,10,c11
2024-03-07,NPS,10,nobody
)"}},
               FROM, TO);
  // Ten customers with valid orders before 2024-04-01: top 20% = c01, c02; bottom 30% =
  // c08, c09, c10 (c10's 5000 comes after P; c04's 9000 is cancelled); middle c03-c07.
  // top: 10, 9 -> 100 (n 2); middle: 0 -> -100 (n 1); bottom: 8, 3 -> -50 (n 2).
  const std::string tiers = "/kpis/nps/by_value_tier";
  EXPECT_DOUBLE_EQ(r.num(r.entry(tiers, "segment", "top 20%") + "/value"), 100);
  EXPECT_DOUBLE_EQ(r.num(r.entry(tiers, "segment", "top 20%") + "/responses"), 2);
  EXPECT_DOUBLE_EQ(r.num(r.entry(tiers, "segment", "middle") + "/value"), -100);
  EXPECT_DOUBLE_EQ(r.num(r.entry(tiers, "segment", "bottom 30%") + "/value"), -50);
  EXPECT_DOUBLE_EQ(r.num(r.entry(tiers, "segment", "bottom 30%") + "/responses"), 2);
  // c11 has no order before the end of P, "nobody" none at all: left out and counted.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/responses_without_orders"), 2);
  // returning (first order before P): c01, c02, c05 -> (2 - 1) / 3 = 33.33;
  // new (first order in P): c09, c10 -> (0 - 1) / 2 = -50.
  const std::string kinds = "/kpis/nps/by_customer_type";
  EXPECT_NEAR(r.num(r.entry(kinds, "segment", "returning") + "/value"), 100.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(r.num(r.entry(kinds, "segment", "new") + "/value"), -50);
  EXPECT_DOUBLE_EQ(r.num(r.entry(kinds, "segment", "new") + "/responses"), 2);
  // The headline counts every response in P.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/responses"), 7);
}

TEST(Surveys, RespondentsMatchedByEmail) {
  voc_report r({{"orders.csv", R"(order_id,email,date,total
1,Ann@Example.com,2023-05-01,100
2,bob@example.com,2024-02-01,50
)"},
                {"csat.csv", R"(date,type,score,email
2024-03-01,CSAT,5, ann@example.com
2024-03-02,CSAT,2,BOB@example.com
)"}},
               FROM, TO);
  // E-mails match trimmed and lower-cased: Ann is returning (5 -> 100%), Bob new (2 -> 0%).
  const std::string kinds = "/kpis/csat/by_customer_type";
  EXPECT_DOUBLE_EQ(r.num(r.entry(kinds, "segment", "returning") + "/value"), 100);
  EXPECT_DOUBLE_EQ(r.num(r.entry(kinds, "segment", "new") + "/value"), 0);
  EXPECT_DOUBLE_EQ(r.num("/kpis/csat/responses_without_orders"), 0);
}

TEST(Surveys, NoDateColumnCountsEveryResponseInThePeriod) {
  voc_report r({{"nps.csv", R"(type,score
NPS,10
NPS,6
NPS,9
)"}},
               FROM, TO);
  // (2 - 1) / 3 = 33.33; no previous period can be told apart.
  EXPECT_NEAR(r.num("/kpis/nps/value"), 100.0 / 3, 1e-9);
  EXPECT_TRUE(r.is_null("/kpis/nps/previous"));
  EXPECT_NE(r.str("/kpis/nps/rule").find("without a date column"), std::string::npos);
}

// A Delighted-style export (tests/data/voc): no type or question, so the 0-10 scores make it
// NPS; "Properties: Plan" is the segment column, "Properties: Country" a low-cardinality one.
TEST(Surveys, DelightedExport) {
  voc_report r({testing_voc::fixture("delighted_nps.csv")}, FROM, TO);
  // In P: 10, 3, 8, 9 -> (2 - 1) / 4 = 25; r5 (April) is after P, r6 (December) in P'.
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/value"), 25);
  EXPECT_DOUBLE_EQ(r.num("/kpis/nps/previous"), 100);
  // p = 0.5, d = 0.25: 1.96 x sqrt((0.75 - 0.0625) / 4) x 100 = 81.2573.
  EXPECT_NEAR(r.num("/kpis/nps/margin_of_error"), 81.2573, 1e-4);
  const std::string plan = "/kpis/nps/by_segment/Properties: Plan";
  EXPECT_DOUBLE_EQ(r.num(r.entry(plan, "segment", "Pro") + "/value"), 100);
  EXPECT_DOUBLE_EQ(r.num(r.entry(plan, "segment", "Basic") + "/value"), -50);
  const std::string country = "/kpis/nps/by_segment/Properties: Country";
  EXPECT_DOUBLE_EQ(r.num(r.entry(country, "segment", "IT") + "/value"), 50);
  EXPECT_DOUBLE_EQ(r.num(r.entry(country, "segment", "RO") + "/value"), 0);
  // Names, e-mails, comments and response ids are not segments.
  EXPECT_FALSE(r.has("/kpis/nps/by_segment/Name"));
  EXPECT_FALSE(r.has("/kpis/nps/by_segment/Response ID"));
  EXPECT_NE(r.str("/kpis/nps/rule").find("by the scale: 6"), std::string::npos);
}

TEST(Surveys, UnavailableWithoutASurveyDataset) {
  voc_report r({{"orders.csv", R"(order_id,customer_id,date,total
1,c1,2024-01-05,10
)"}},
               FROM, TO);
  for (const char* id : {"nps", "csat", "ces"}) {
    const std::string k = std::string("/kpis/") + id;
    EXPECT_EQ(r.str(k + "/status"), "unavailable") << id;
    EXPECT_TRUE(r.is_null(k + "/value")) << id;
    EXPECT_EQ(r.str(k + "/needs/0"), "surveys.score") << id;
    EXPECT_FALSE(r.has(k + "/previous")) << id;
  }
}

}  // namespace
}  // namespace kpi
