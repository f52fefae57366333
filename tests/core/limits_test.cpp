// Inputs past the engine's limits, dropped next to a good orders file through the session
// (as the page drops them): each gives a clear message in its file's inspect JSON "error",
// and the orders file and the report go on exactly as if it had not been dropped.
// docs/reliability.md lists these cases with the messages a user sees.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/session.h"
#include "simdjson.h"

namespace kpi {
namespace {

constexpr std::string_view ORDERS =
    "order_id,customer_id,created_at,total,status\n"
    "1,c1,2024-01-05,10.00,paid\n"
    "2,c2,2024-01-20,25.50,paid\n"
    "3,c1,2024-02-03,12.00,paid\n"
    "4,c3,2024-03-11,40.00,cancelled\n";

// The bytes of a file, produced in pieces so that a 100 MB file never needs a second copy.
struct stream {
  std::string name;
  std::vector<std::string> pieces;  // fed in order
  size_t repeat_last = 1;           // the last piece is fed this many times
};

report_options period() {
  report_options o;
  o.from = parse_day("2024-01-01");
  o.to = parse_day("2024-07-01");
  return o;
}

std::string kpis_of(const std::string& report) {
  const size_t at = report.find("\"kpis\"");
  EXPECT_NE(at, std::string::npos) << report.substr(0, 300);
  return at == std::string::npos ? report : report.substr(at);
}

// Drops the orders file and `bad` into one session; returns the bad file's inspect "error".
// Checks that both outputs are JSON and that the report's KPIs equal those of the orders
// file alone.
std::string drop_next_to_orders(const stream& bad) {
  session alone;
  alone.add("orders.csv", ORDERS);
  const std::string expected = kpis_of(alone.report_json(period()));

  session s;
  const int orders = s.add("orders.csv", ORDERS);
  const int id = s.open(bad.name);
  for (size_t i = 0; i < bad.pieces.size(); ++i) {
    const size_t times = i + 1 == bad.pieces.size() ? bad.repeat_last : 1;
    for (size_t k = 0; k < times; ++k) s.feed(id, bad.pieces[i]);
  }
  const std::string inspect = s.finish(id);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(inspect).get(doc), simdjson::SUCCESS) << inspect.substr(0, 300);
  std::string_view error;
  EXPECT_EQ(doc["error"].get(error), simdjson::SUCCESS);
  const std::string message(error);

  EXPECT_TRUE(s.get(orders)->usable());
  EXPECT_EQ(s.get(id)->tbl.rows(), 0u) << "a failed file contributes no rows";
  const std::string report = s.report_json(period());
  EXPECT_EQ(parser.parse(report).get(doc), simdjson::SUCCESS) << report.substr(0, 300);
  EXPECT_EQ(kpis_of(report), expected) << "the bad file changed the report";
  EXPECT_NE(report.find(bad.name), std::string::npos) << "the report lists the bad file";
  // Removing it gives its memory back: only the orders table is left.
  s.remove(id);
  EXPECT_EQ(s.memory_bytes(), alone.memory_bytes());
  return message;
}

TEST(Limits, ALineOf100MBIsRefused) {
  // A CSV whose second line runs 100 MB without a delimiter or line break.
  stream csv{"big_line.csv", {"id,note\n1,", std::string(1 << 20, 'x')}, 100};
  EXPECT_EQ(drop_next_to_orders(csv), "a field longer than 64 MB at line 2: is this a CSV file?");
  // The same line inside quotes: the reader must not wait for a closing quote.
  stream quoted{"big_quoted.csv", {"id,note\n1,\"", std::string(1 << 20, 'y')}, 100};
  EXPECT_EQ(drop_next_to_orders(quoted),
            "a field longer than 64 MB at line 2: is this a CSV file?");
}

TEST(Limits, ANdjsonRecordOf100MBIsRefused) {
  stream json{"big_record.ndjson", {"{\"id\": 1, \"note\": \"", std::string(1 << 20, 'z')}, 100};
  EXPECT_NE(drop_next_to_orders(json), "");
}

TEST(Limits, AMillionColumnsAreRefused) {
  std::string header = "c0";
  for (int i = 1; i < 1000000; ++i) header += ",c" + std::to_string(i);
  stream csv{"wide.csv", {header + "\n1,2,3\n"}};
  EXPECT_EQ(drop_next_to_orders(csv), "more than 100000 columns at line 1: is this a CSV file?");
}

TEST(Limits, AMillionJsonKeysAreCappedWithAWarning) {
  // The JSON reader keeps the first 1,024 columns and says so, rather than refusing the
  // file: a record with a million keys is most likely an object keyed by ids.
  std::string record = "[{\"k0\": 1";
  for (int i = 1; i < 1000000; ++i) record += ", \"k" + std::to_string(i) + "\": 1";
  session s;
  const int orders = s.add("orders.csv", ORDERS);
  const int id = s.add("wide.json", record + "}]");
  const dataset* d = s.get(id);
  ASSERT_NE(d, nullptr);
  EXPECT_LE(d->tbl.columns.size(), 1024u);
  EXPECT_GE(d->info.warning_count, 1u);
  EXPECT_TRUE(s.get(orders)->usable());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(s.report_json(period())).get(doc), simdjson::SUCCESS);
}

TEST(Limits, DeeplyNestedJsonIsRefused) {
  for (size_t depth : {size_t{100}, size_t{100000}, size_t{10000000}}) {
    SCOPED_TRACE(depth);
    std::string open = "[";
    for (size_t i = 0; i < depth; ++i) open += "{\"a\":";
    std::string close(depth, '}');
    stream objects{"deep.json", {open + "1" + close + "]"}};
    EXPECT_NE(drop_next_to_orders(objects), "");
    stream arrays{"deep_arrays.json", {"[{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}]"}};
    EXPECT_NE(drop_next_to_orders(arrays), "");
    stream ndjson{"deep.ndjson", {"{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}\n"}};
    EXPECT_NE(drop_next_to_orders(ndjson), "");
  }
}

TEST(Limits, BinaryGarbageIsRefused) {
  uint64_t x = 88172645463325252ull;  // xorshift64
  std::string garbage;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    garbage.push_back(static_cast<char>(x));
  }
  // Starting with a '{' or '[' sends it to the JSON reader instead.
  for (std::string_view start : {"", "{", "[", "\xEF\xBB\xBF", "\xFF\xFE"}) {
    SCOPED_TRACE(testing::PrintToString(std::string(start)));
    stream bin{"garbage.csv", {std::string(start) + garbage}};
    EXPECT_NE(drop_next_to_orders(bin), "");
  }
}

TEST(Limits, SpreadsheetsAndArchivesAreNamed) {
  // The first bytes of what people drop by mistake.
  const std::string zip_head("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", 14);
  struct file_case {
    std::string name;
    std::string bytes;
    std::string message;
  };
  const std::vector<file_case> cases = {
      {"orders.xlsx", zip_head + "[Content_Types].xml" + std::string(5000, '\x01'),
       "this is an Excel file (.xlsx): save it as CSV and drop that"},
      {"export.xlsx", zip_head + "xl/worksheets/sheet1.xml" + std::string(5000, '\x02'),
       "this is an Excel file (.xlsx): save it as CSV and drop that"},
      {"orders.zip", zip_head + "orders.csv" + std::string(5000, '\x03'),
       "this is a zip archive: unpack it and drop the CSV inside"},
      {"orders.xls", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(5000, '\0'),
       "this is an old Excel file (.xls): save it as CSV and drop that"},
      {"orders.pdf", "%PDF-1.7\n" + std::string(5000, '\x04'), "this is a PDF file, not a CSV export"},
      {"orders.csv.gz", std::string("\x1F\x8B\x08\x00", 4) + std::string(5000, '\x05'),
       "this is a compressed (gzip) file: unpack it and drop the CSV inside"},
  };
  for (const file_case& c : cases) {
    EXPECT_EQ(drop_next_to_orders({c.name, {c.bytes}}), c.message) << c.name;
  }
}

TEST(Limits, EmptyAndBlankFilesSayWhatIsMissing) {
  // Not errors of reading: the file is read, has no columns, and its kind is unknown.
  for (std::string_view text : {"", "   \n\n", "\xEF\xBB\xBF"}) {
    session s;
    const int orders = s.add("orders.csv", ORDERS);
    const int id = s.add("blank.csv", text);
    EXPECT_EQ(s.get(id)->kind, dataset_kind::unknown);
    EXPECT_FALSE(s.get(id)->usable());
    EXPECT_TRUE(s.get(orders)->usable());
  }
}

}  // namespace
}  // namespace kpi
