// Tests for social_sentiment in the report: from a label column, a score column (compound
// and star scales) and VADER on texts (negation, intensifiers, "but", capitals and
// exclamation marks), per platform and over time. Values worked by hand; VADER results are
// checked as labels, not exact compounds.
#include <gtest/gtest.h>

#include <string>

#include "kpi/text/vader.h"
#include "voc_report.h"

namespace kpi {
namespace {

using testing_voc::voc_report;

// P = Q1 2024, so P' = Q4 2023.
constexpr const char* FROM = "2024-01-01";
constexpr const char* TO = "2024-04-01";

TEST(Social, FromALabelColumn) {
  voc_report r({{"mentions.csv", R"(date,platform,sentiment
2024-01-05,Twitter,Positive
2024-01-06,twitter,pos
2024-02-07,Instagram,NEUTRAL
2024-02-08,Instagram,negative
2024-03-09,Facebook,Pos
2024-03-10,Facebook,mixed
2023-12-01,Twitter,neg
)"}},
               FROM, TO);
  const std::string k = "/kpis/social_sentiment";
  // In P: positive 3, neutral 1, negative 1 of 5 ("mixed" is no label: rejected, line 7).
  // Net = 60 - 20 = 40.
  EXPECT_EQ(r.str(k + "/unit"), "%");
  EXPECT_EQ(r.str(k + "/method"), "label column");
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), 40);
  EXPECT_DOUBLE_EQ(r.num(k + "/numerator"), 2);
  EXPECT_DOUBLE_EQ(r.num(k + "/denominator"), 5);
  EXPECT_DOUBLE_EQ(r.num(k + "/mentions"), 5);
  EXPECT_DOUBLE_EQ(r.num(k + "/positive"), 60);
  EXPECT_DOUBLE_EQ(r.num(k + "/negative"), 20);
  EXPECT_DOUBLE_EQ(r.num(k + "/neutral"), 20);
  EXPECT_DOUBLE_EQ(r.num(k + "/rejected"), 1);
  EXPECT_EQ(r.nums(k + "/rejected_lines"), (std::vector<double>{7}));
  // P': one negative -> -100.
  EXPECT_DOUBLE_EQ(r.num(k + "/previous"), -100);
  // Platforms match case-insensitively: Twitter 2 positive -> 100; Instagram -> 0 - 50.
  const std::string twitter = r.entry(k + "/by_platform", "platform", "Twitter");
  EXPECT_DOUBLE_EQ(r.num(twitter + "/value"), 100);
  EXPECT_DOUBLE_EQ(r.num(twitter + "/mentions"), 2);
  const std::string insta = r.entry(k + "/by_platform", "platform", "Instagram");
  EXPECT_DOUBLE_EQ(r.num(insta + "/value"), -50);
  EXPECT_DOUBLE_EQ(r.num(insta + "/neutral"), 50);
  EXPECT_DOUBLE_EQ(r.num(insta + "/positive"), 0);
  // Monthly trend: February has one neutral and one negative.
  double v;
  ASSERT_FALSE(r.bucket("social_sentiment", "2024-02").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, -50);
  ASSERT_FALSE(r.bucket("sentiment_neutral", "2024-02").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 50);
  ASSERT_FALSE(r.bucket("sentiment_positive", "2024-01").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 100);
  ASSERT_FALSE(r.bucket("sentiment_negative", "2023-12").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 100);
}

TEST(Social, FromACompoundScoreColumn) {
  voc_report r({{"mentions.csv", R"(date,platform,sentiment_score
2024-01-05,x,0.8
2024-01-06,x,-0.3
2024-01-07,x,0.05
2024-01-08,x,0
2024-01-09,x,-0.06
)"}},
               FROM, TO);
  // -1..1 is a compound score: 0.8 positive; -0.3 and -0.06 negative; 0.05 (the threshold
  // itself) and 0 neutral. Net = 20 - 40 = -20.
  const std::string k = "/kpis/social_sentiment";
  EXPECT_EQ(r.str(k + "/method"), "score column");
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), -20);
  EXPECT_DOUBLE_EQ(r.num(k + "/positive"), 20);
  EXPECT_DOUBLE_EQ(r.num(k + "/negative"), 40);
  EXPECT_DOUBLE_EQ(r.num(k + "/neutral"), 40);
}

TEST(Social, FromAStarRatingScoreColumn) {
  voc_report r({{"mentions.csv", R"(date,sentiment_score
2024-01-05,5
2024-01-06,4
2024-01-07,3
2024-01-08,2
2024-01-09,1
2024-01-10,4
)"}},
               FROM, TO);
  // 1-5: 4-5 positive (3), 3 neutral (1), 1-2 negative (2). Net = 50 - 33.33 = 16.67.
  const std::string k = "/kpis/social_sentiment";
  EXPECT_NEAR(r.num(k + "/value"), 100.0 / 6, 1e-9);
  EXPECT_DOUBLE_EQ(r.num(k + "/positive"), 50);
  EXPECT_NE(r.str(k + "/rule").find("1-5 rating"), std::string::npos);
}

TEST(Social, FromTextsWithVader) {
  voc_report r({{"mentions.csv", R"(date,platform,text
2024-01-05,twitter,The delivery was good.
2024-01-06,twitter,The delivery was not good.
2024-01-07,instagram,The delivery was very good!!!
2024-01-08,instagram,I ordered a blue jacket.
2024-01-09,facebook,The staff was horrible and rude.
2024-01-10,facebook,"Not bad, but the packaging was AWFUL!!"
2024-01-11,facebook,
)"}},
               FROM, TO);
  // positive: "good", "very good!!!"; negative: "not good" (negated), "horrible and rude",
  // "Not bad, but ... AWFUL!!" (after "but" weighs 1.5x, capitals and "!!" push it further);
  // neutral: no lexicon word. The empty text is rejected (line 8).
  // Net = (2 - 3) / 6 = -16.67.
  const std::string k = "/kpis/social_sentiment";
  EXPECT_EQ(r.str(k + "/method"), "VADER lexicon");
  EXPECT_DOUBLE_EQ(r.num(k + "/mentions"), 6);
  EXPECT_DOUBLE_EQ(r.num(k + "/numerator"), -1);
  EXPECT_NEAR(r.num(k + "/value"), -100.0 / 6, 1e-9);
  EXPECT_NEAR(r.num(k + "/neutral"), 100.0 / 6, 1e-9);
  EXPECT_DOUBLE_EQ(r.num(k + "/rejected"), 1);
  EXPECT_EQ(r.nums(k + "/rejected_lines"), (std::vector<double>{8}));
  // Per platform: twitter +1 -1 -> 0; instagram +1 and neutral -> 50; facebook -100.
  EXPECT_DOUBLE_EQ(r.num(r.entry(k + "/by_platform", "platform", "twitter") + "/value"), 0);
  EXPECT_DOUBLE_EQ(r.num(r.entry(k + "/by_platform", "platform", "instagram") + "/value"), 50);
  EXPECT_DOUBLE_EQ(r.num(r.entry(k + "/by_platform", "platform", "facebook") + "/value"), -100);
}

TEST(Social, VaderEmphasisRaisesIntensityWithoutChangingTheLabel) {
  // The labels above rest on these orderings: an intensifier, capitals and exclamation
  // marks make "good" more positive, and negation flips it.
  const double plain = vader_scores("The food was good").compound;
  EXPECT_GT(vader_scores("The food was very good").compound, plain);
  EXPECT_GT(vader_scores("The food was GOOD").compound, plain);
  EXPECT_GT(vader_scores("The food was good!!!").compound, plain);
  EXPECT_LT(vader_scores("The food was not good").compound, -0.05);
  EXPECT_EQ(label_of(vader_scores("The food was good!!!").compound), sentiment_label::positive);
}

TEST(Social, LabelColumnGapsFallBackToTheText) {
  voc_report r({{"mentions.csv", R"(date,text,sentiment
2024-01-05,I love it,
2024-01-06,whatever,negative
)"}},
               FROM, TO);
  // Row 1 has no label: its text is scored (love -> positive). Net = 50 - 50 = 0.
  const std::string k = "/kpis/social_sentiment";
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), 0);
  EXPECT_DOUBLE_EQ(r.num(k + "/methods/VADER lexicon"), 1);
  EXPECT_DOUBLE_EQ(r.num(k + "/methods/label column"), 1);
}

// A listening-tool export (tests/data/voc): the "Mention" column is the text.
TEST(Social, MentionsExportScoredWithVader) {
  voc_report r({testing_voc::fixture("brand_mentions.csv")}, FROM, TO);
  // positive: "I LOVE it!!!", "Quite good actually"; negative: "not great" (negated),
  // "Terrible support"; neutral: "Ordered a jacket on Monday." Net = 40 - 40 = 0.
  const std::string k = "/kpis/social_sentiment";
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), 0);
  EXPECT_DOUBLE_EQ(r.num(k + "/positive"), 40);
  EXPECT_DOUBLE_EQ(r.num(k + "/neutral"), 20);
  // Twitter: 2 positive, 1 neutral -> 66.67, listed first (most mentions).
  EXPECT_EQ(r.entry(k + "/by_platform", "platform", "Twitter"), k + "/by_platform/0");
  EXPECT_NEAR(r.num(k + "/by_platform/0/value"), 200.0 / 3, 1e-9);
}

TEST(Social, UnavailableWithoutMentions) {
  voc_report r({{"orders.csv", R"(order_id,customer_id,date,total
1,c1,2024-01-05,10
)"}},
               FROM, TO);
  EXPECT_EQ(r.str("/kpis/social_sentiment/status"), "unavailable");
  EXPECT_EQ(r.str("/kpis/social_sentiment/needs/0"), "mentions.text");
  EXPECT_FALSE(r.has("/kpis/social_sentiment/previous"));
}

}  // namespace
}  // namespace kpi
