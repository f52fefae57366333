// Regression fixtures (tests/data/regress/, see its README): inputs that once broke a rule
// of docs/reliability.md. Each is dropped through a session next to a good orders file, in
// several chunk sizes, and must give its expected message while the report stays whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "kpi/session.h"
#include "simdjson.h"

namespace kpi {
namespace {

namespace fs = std::filesystem;

const fs::path REGRESS = fs::path(LOUPE_TEST_DATA) / "regress";

// What the user must see for each fixture: the file's inspect "error".
const std::map<std::string, std::string> EXPECTED = {
    {"deep_only_record.json",
     "no record could be read: record 1 is nested deeper than 64 levels; skipped"},
    {"deep_only_line.ndjson",
     "no record could be read: line 1 is nested deeper than 64 levels; skipped"},
    {"workbook.xlsx", "this is an Excel file (.xlsx): save it as CSV and drop that"},
    {"archive.zip", "this is a zip archive: unpack it and drop the CSV inside"},
};

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Regress, EveryFixtureHasItsExpectation) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(REGRESS)) {
    const std::string name = entry.path().filename().string();
    if (name == "README.md") continue;
    ++files;
    EXPECT_TRUE(EXPECTED.contains(name)) << name << " has no expected message here";
  }
  EXPECT_EQ(files, EXPECTED.size());
}

class RegressFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(RegressFixture, GivesItsMessageAndLeavesTheReportWhole) {
  const std::string bytes = read_bytes(REGRESS / GetParam());
  ASSERT_FALSE(bytes.empty());
  const std::string orders =
      "order_id,customer_id,created_at,total\n1,c1,2024-01-05,10\n2,c2,2024-02-05,20\n";
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
    SCOPED_TRACE(chunk);
    session s;
    const int good = s.add("orders.csv", orders);
    const int id = s.open(GetParam(), bytes.size());
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      s.feed(id, std::string_view(bytes).substr(at, chunk));
    }
    s.finish(id);
    EXPECT_EQ(s.get(id)->info.error, EXPECTED.at(GetParam()));
    EXPECT_EQ(s.get(id)->tbl.rows(), 0u);
    EXPECT_TRUE(s.get(good)->usable());
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    const std::string report = s.report_json(report_options());
    ASSERT_EQ(parser.parse(report).get(doc), simdjson::SUCCESS);
    double revenue = 0;
    EXPECT_EQ(doc.at_pointer("/kpis/revenue/value").get(revenue), simdjson::SUCCESS);
    EXPECT_EQ(revenue, 30);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RegressFixture,
                         ::testing::Values("deep_only_record.json", "deep_only_line.ndjson",
                                           "workbook.xlsx", "archive.zip"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace kpi
