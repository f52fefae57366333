// predicted_clv through the whole pipeline: the CDNOW purchase log written as the CSV a user
// would drop (customer_id,date,cds,revenue with YYYYMMDD dates, no order id), reported with
// --to 1997-10-01, must give the published BG/NBD and Gamma-Gamma estimates to 3 significant
// digits (Fader, Hardie & Lee 2005; Fader & Hardie, "The Gamma-Gamma Model of Monetary Value").
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "kpi/threads.h"
#include "voc_report.h"

namespace {

using kpi::testing_voc::voc_report;

std::string cdnow_csv() {
  std::ifstream in(std::string(LOUPE_TEST_DATA) + "/cdnow/CDNOW_sample.txt");
  EXPECT_TRUE(in.good());
  std::ostringstream out;
  out << "customer_id,date,cds,revenue\n";
  std::string master, sample, date, cds, revenue;
  while (in >> master >> sample >> date >> cds >> revenue) {
    out << master << ',' << date << ',' << cds << ',' << revenue << '\n';
  }
  return out.str();
}

// True when `got` rounds to `published` at 3 significant digits.
::testing::AssertionResult three_digits(double got, double published) {
  const double scale = std::pow(10, std::floor(std::log10(std::fabs(published))) - 2);
  if (std::round(got / scale) == std::round(published / scale)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << got << " is not " << published << " to 3 digits";
}

TEST(PredictedClvReport, CdnowMatchesThePublishedEstimates) {
  voc_report r({{"cdnow.csv", cdnow_csv()}}, "1997-01-01", "1997-10-01");
  ASSERT_EQ(r.str("/kpis/predicted_clv/status"), "ok") << r.kpis_text().substr(0, 2000);
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/r"), 0.243));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/alpha"), 4.414));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/a"), 0.793));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/b"), 2.426));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/log_likelihood/bgnbd"), -9582.4));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/p"), 6.25));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/q"), 3.74));
  EXPECT_TRUE(three_digits(r.num("/kpis/predicted_clv/params/gamma"), 15.44));
  EXPECT_DOUBLE_EQ(r.num("/kpis/predicted_clv/customers"), 2357);
  EXPECT_DOUBLE_EQ(r.num("/kpis/predicted_clv/repeat_customers"), 946);
}

TEST(PredictedClvReport, DefaultPeriodFromToAlone) {
  // The CLI call of the issue: only --to. The fit uses every valid order before `to`.
  kpi::session s;
  s.add("cdnow.csv", cdnow_csv());
  kpi::report_options o;
  o.to = kpi::parse_day("1997-10-01");
  const std::string json = s.report_json(o);
  EXPECT_NE(json.find("\"predicted_clv\":{\"value\":"), std::string::npos);
  EXPECT_EQ(json.find("\"predicted_clv\":{\"value\":null"), std::string::npos);
}

TEST(PredictedClvReport, TooFewRepeatCustomersIsUndefinedWithAReason) {
  voc_report r({{"o.csv", "customer_id,date,total\nA,2024-01-01,5\nA,2024-02-01,6\nB,2024-01-03,7\n"}},
               "2024-01-01", "2024-03-01");
  EXPECT_EQ(r.str("/kpis/predicted_clv/status"), "undefined");
  EXPECT_TRUE(r.is_null("/kpis/predicted_clv/value"));
  EXPECT_FALSE(r.str("/kpis/predicted_clv/reason").empty());
}

TEST(PredictedClvReport, CustomersTableOnlyOnRequest) {
  voc_report plain({{"cdnow.csv", cdnow_csv()}}, "1997-01-01", "1997-10-01");
  EXPECT_FALSE(plain.has("/kpis/predicted_clv/per_customer"));
  kpi::report_options o;
  o.customers = true;
  voc_report full({{"cdnow.csv", cdnow_csv()}}, "1997-01-01", "1997-10-01", o);
  EXPECT_EQ(full.size("/kpis/predicted_clv/per_customer"), 2357u);
}

}  // namespace

// With 20,000 orders or more the report fits the predicted CLV on a second thread, beside the
// other KPI families, and writes the cohorts beside the families (report.cpp,
// PARALLEL_REPORT_ORDERS): the same report to the byte as on one thread, the fit and the
// cohorts included.
TEST(PredictedClvReport, OnTwoThreadsTheSameReportAsOnOne) {
  std::mt19937 rng(9);
  std::ostringstream csv;
  csv << "order_id,customer_id,created_at,total,channel,product\n";
  static const char* const CHANNELS[] = {"web", "marketplace", "retail"};
  for (int i = 0; i < 30000; ++i) {
    char date[32];
    std::snprintf(date, sizeof date, "%d-%02d-%02dT%02d:00:00", 2023 + static_cast<int>(rng() % 2),
                  1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28),
                  static_cast<int>(rng() % 24));
    csv << 1000 + i << ",C" << rng() % 9000 << ',' << date << ',' << 10 + rng() % 20000 / 100.0
        << ',' << CHANNELS[rng() % 3] << ",P" << rng() % 40 << '\n';
  }
  const unsigned before = kpi::threads();
  std::string reports[2];
  for (unsigned n : {1u, 2u}) {
    kpi::set_threads(n);
    ASSERT_EQ(kpi::threads(), n);
    kpi::session s;
    s.add("orders.csv", csv.str());
    kpi::report_options o;
    o.from = kpi::parse_day("2024-01-01");
    o.to = kpi::parse_day("2025-01-01");
    reports[n - 1] = s.report_json(o);
  }
  kpi::set_threads(before);
  EXPECT_EQ(reports[0], reports[1]);
  EXPECT_NE(reports[1].find("\"predicted_clv\":{\"value\":"), std::string::npos);
  EXPECT_NE(reports[1].find("\"previous\":"), std::string::npos);
  EXPECT_NE(reports[1].find("\"cohort_retention\":{\"value\":"), std::string::npos);
}
