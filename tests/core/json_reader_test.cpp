// Tests of make_json_reader (kpi/io/readers.h): formats, flattening, line items, bad input,
// and that chunk boundaries never change the result.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kpi/io/readers.h"
#include "kpi/table.h"
#include "same_read.h"

namespace kpi {
namespace {

struct read_result {
  table t;
  read_info info;

  // The text of column `name` at `row`, or "<no column>" so a missing column fails clearly.
  std::string cell(std::string_view name, size_t row) const {
    const int c = t.find(name);
    if (c < 0) return "<no column>";
    return std::string(t.columns[static_cast<size_t>(c)].text(row));
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const column& c : t.columns) out.push_back(c.name);
    return out;
  }
};

// Feeds `text` in chunks of `chunk` bytes (0 = all at once).
read_result read_json(std::string_view text, size_t chunk = 0) {
  table_builder builder;
  auto reader = make_json_reader(builder);
  if (chunk == 0) chunk = std::max<size_t>(text.size(), 1);
  for (size_t at = 0; at < text.size(); at += chunk) reader->feed(text.substr(at, chunk));
  reader->finish();
  read_result r{builder.finish(), reader->info()};
  return r;
}

std::string fixture_path(const std::string& name) {
  return std::string(LOUPE_TEST_DATA) + "/json/" + name;
}

std::string load(const std::string& name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

read_result read_fixture(const std::string& name, size_t chunk = 0) {
  return read_json(load(name), chunk);
}

using strings = std::vector<std::string>;

// A record whose keys come in the columns' order goes into the table in one pass
// (table_builder::add_row); any other through set() per cell. Records of numbers, dates, ids
// and text (with empty strings and nulls, past the 64 cells after which columns are read
// directly) give the same table either way: written with every record's keys in the first
// record's order, and with each later record's keys shuffled or some left out.
TEST(JsonReader, RecordsInColumnOrderReadAsAnyOther) {
  std::mt19937 rng(20261124);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  const strings keys = {"id", "total", "created_at", "customer", "note"};
  for (const bool drop : {false, true}) {
    std::string ordered = "[", shuffled = "[";
    for (int r = 0; r < 3000; ++r) {
      std::vector<std::pair<std::string, std::string>> fields;
      for (const std::string& k : keys) {
        std::string v;
        if (k == "id") {
          v = std::to_string(100000 + r);
        } else if (k == "total") {
          v = pick(20) == 0 ? "\"n/a\"" : std::to_string(pick(500)) + "." + std::to_string(10 + pick(90));
        } else if (k == "created_at") {
          v = pick(30) == 0 ? "null" : "\"2024-0" + std::to_string(1 + pick(9)) + "-1" + std::to_string(pick(10)) + "\"";
        } else if (k == "customer") {
          v = "\"C" + std::to_string(pick(700)) + "\"";
        } else {
          v = pick(5) == 0 ? "\"\"" : "\"note " + std::to_string(pick(40)) + "\"";
        }
        fields.emplace_back(k, v);
      }
      auto record = [&](const std::vector<std::pair<std::string, std::string>>& f) {
        std::string out = "{";
        for (size_t i = 0; i < f.size(); ++i) {
          out += (i ? ", \"" : "\"") + f[i].first + "\": " + f[i].second;
        }
        return out + "}";
      };
      const std::string sep = r == 0 ? "" : ",\n";
      ordered += sep + record(fields);
      if (r > 0 && pick(3) == 0) {
        std::shuffle(fields.begin(), fields.end(), rng);
        if (drop && pick(2) == 0) fields.erase(fields.begin() + pick(fields.size()));
      }
      shuffled += sep + record(fields);
      if (drop && r > 0 && fields.size() < keys.size()) {
        // ordered must hold the same cells: the dropped one empty there
        const auto missing = std::find_if(keys.begin(), keys.end(), [&](const std::string& k) {
          return std::none_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == k; });
        });
        const size_t from = ordered.rfind("\"" + *missing + "\": ");
        const size_t value = from + missing->size() + 4;
        const size_t end = ordered.find_first_of(",}", value);
        ordered.replace(value, end - value, "null");
      }
    }
    ordered += "]";
    shuffled += "]";
    const read_result a = read_json(ordered), b = read_json(shuffled);
    EXPECT_EQ(a.info.error, "");
    EXPECT_EQ(a.t.rows(), 3000u);
    ASSERT_EQ(a.names(), keys);
    testing_support::expect_same_read(a.info, a.t, b.info, b.t);
  }
}

TEST(JsonReader, ArrayOfObjects) {
  const read_result r = read_fixture("array.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "json");
  EXPECT_EQ(r.info.encoding, "utf-8");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.names(), (strings{"id", "name", "total"}));
  ASSERT_EQ(r.t.rows(), 3u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(r.cell("name", 1), "Grace");
  EXPECT_EQ(r.cell("total", 0), "12.50");
  EXPECT_EQ(r.cell("total", 2), "100.00");
}

TEST(JsonReader, ObjectHoldingArrayUsesItsRecordsOnly) {
  const read_result r = read_fixture("wrapper.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "json");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.names(), (strings{"id", "email", "total_price"}));
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(r.cell("id", 1), "1002");
  EXPECT_EQ(r.cell("total_price", 0), "19.90");
}

TEST(JsonReader, MinifiedObjectHoldingArray) {
  const read_result r = read_fixture("wrapper_minified.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "json");
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.cell("total", 1), "4.20");
}

TEST(JsonReader, EmptyArrayInsideObjectGivesNoRows) {
  const read_result r = read_fixture("empty_wrapper.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.t.rows(), 0u);
  EXPECT_EQ(r.t.columns.size(), 0u);
}

TEST(JsonReader, ObjectWithoutArrayOfObjectsIsOneRecord) {
  const read_result r = read_fixture("single_object.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "json");
  EXPECT_EQ(r.names(), (strings{"id", "customer.id", "tags"}));
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.t.lines[0], 1u);
  EXPECT_EQ(r.cell("customer.id", 0), "c7");
  EXPECT_EQ(r.cell("tags", 0), R"(["a"])");
}

TEST(JsonReader, NdjsonWithBlankLinesKeepsPhysicalLineNumbers) {
  const read_result r = read_fixture("orders.ndjson");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "ndjson");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.names(), (strings{"id", "customer.id", "total"}));
  ASSERT_EQ(r.t.rows(), 3u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 3, 5}));
  EXPECT_EQ(r.cell("customer.id", 1), "c2");
  EXPECT_EQ(r.cell("total", 2), "30.5");
}

TEST(JsonReader, NdjsonWithoutTrailingNewline) {
  const read_result r = read_fixture("no_trailing_newline.ndjson");
  EXPECT_EQ(r.info.format, "ndjson");
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.cell("total", 1), "20");
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 2}));
}

TEST(JsonReader, NdjsonWithCrlfLines) {
  const read_result r = read_fixture("crlf.ndjson");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "ndjson");
  EXPECT_EQ(r.info.warning_count, 0u);
  ASSERT_EQ(r.t.rows(), 3u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(r.cell("total", 2), "30");
}

TEST(JsonReader, MalformedNdjsonLineIsSkippedWithItsLineNumber) {
  const read_result r = read_fixture("malformed.ndjson");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 3u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 3, 5}));
  EXPECT_EQ(r.info.skipped, 2u);
  ASSERT_EQ(r.info.warnings.size(), 2u);
  EXPECT_EQ(r.info.warnings[0].line, 2u);
  EXPECT_NE(r.info.warnings[0].reason.find("JSON syntax error on line 2"), std::string::npos)
      << r.info.warnings[0].reason;
  EXPECT_EQ(r.info.warnings[1].line, 4u);
  EXPECT_EQ(r.info.warnings[1].reason, "line 4 is an array, not an object; skipped");
}

TEST(JsonReader, NdjsonWithLineItems) {
  const read_result r = read_fixture("ndjson_line_items.ndjson");
  EXPECT_EQ(r.info.format, "ndjson");
  ASSERT_EQ(r.t.rows(), 3u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 1, 2}));
  EXPECT_EQ(r.cell("line_items.sku", 1), "B");
  EXPECT_EQ(r.cell("total", 1), "3");
}

TEST(JsonReader, NdjsonWhereNoLineIsJsonIsAnError) {
  const read_result r = read_json("{\"a\":}\n{\"b\" 1}\n");
  EXPECT_EQ(r.info.format, "ndjson");
  EXPECT_NE(r.info.error.find("JSON syntax error on line 1"), std::string::npos) << r.info.error;
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(JsonReader, NestedObjectsAreFlattenedWithDots) {
  const read_result r = read_fixture("nested.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.names(), (strings{"id", "customer.id", "customer.email", "customer.address.country",
                                "customer.address.zip", "shipping_address.country"}));
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("customer.id", 0), "42");
  EXPECT_EQ(r.cell("customer.address.country", 0), "IT");
  EXPECT_EQ(r.cell("customer.address.zip", 0), "");
  EXPECT_EQ(r.cell("shipping_address.country", 0), "RO");
}

TEST(JsonReader, LineItemsGiveOneRowEachWithTheOrderFieldsRepeated) {
  const read_result r = read_fixture("line_items.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.warning_count, 0u);
  // Order fields first (even "total", written after the items), then the items' fields.
  EXPECT_EQ(r.names(),
            (strings{"id", "customer.id", "total", "line_items.sku", "line_items.quantity",
                     "line_items.price", "line_items.tax_lines", "line_items.properties.gift"}));
  ASSERT_EQ(r.t.rows(), 6u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 1, 2, 2, 2, 3}));
  const strings ids = {"1", "1", "2", "2", "2", "3"};
  const strings customers = {"c1", "c1", "c2", "c2", "c2", "c3"};
  const strings totals = {"20.00", "20.00", "40.50", "40.50", "40.50", "0.00"};
  const strings skus = {"A", "B", "A", "C", "D", ""};
  const strings quantities = {"1", "2", "3", "1", "4", ""};
  for (size_t row = 0; row < 6; ++row) {
    EXPECT_EQ(r.cell("id", row), ids[row]) << row;
    EXPECT_EQ(r.cell("customer.id", row), customers[row]) << row;
    EXPECT_EQ(r.cell("total", row), totals[row]) << row;
    EXPECT_EQ(r.cell("line_items.sku", row), skus[row]) << row;
    EXPECT_EQ(r.cell("line_items.quantity", row), quantities[row]) << row;
  }
  // A further array of objects inside an item stays JSON text.
  EXPECT_EQ(r.cell("line_items.tax_lines", 1), R"([{"rate":0.22}])");
  EXPECT_EQ(r.cell("line_items.tax_lines", 0), "");
  EXPECT_EQ(r.cell("line_items.properties.gift", 3), "true");
}

TEST(JsonReader, EmptyLineItemsGiveOneRowWithoutAnItemsColumn) {
  const read_result r = read_json(R"([{"id": 9, "line_items": [], "total": "1.00"}])");
  EXPECT_EQ(r.names(), (strings{"id", "total"}));
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("total", 0), "1.00");
}

TEST(JsonReader, NonObjectLineItemsAreSkippedWithAWarning) {
  const read_result r = read_json(R"([{"id": 1, "items": [{"sku": "A"}, 5, {"sku": "B"}]}])");
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.cell("items.sku", 1), "B");
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].line, 1u);
  EXPECT_EQ(r.info.warnings[0].reason, "record 1: 1 line item(s) are not objects; skipped");
}

TEST(JsonReader, OtherArraysAreKeptAsMinifiedJson) {
  const read_result r = read_fixture("scalars.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("tags", 0), R"(["vip","wholesale"])");
  EXPECT_EQ(r.cell("matrix", 0), "[[1,2],[3]]");
  EXPECT_EQ(r.cell("items.sku", 0), "A");
  EXPECT_EQ(r.cell("items.codes", 0), "[1,2]");
  // Only the first array of objects is expanded; the second one stays text.
  EXPECT_EQ(r.cell("refunds", 0), R"([{"amount":"1.00","note":"x y"},{"amount":"2.00"}])");
  EXPECT_EQ(r.cell("mixed", 0), R"([1,"two",null,true,{"k":"v"}])");
}

TEST(JsonReader, NumbersAreKeptAsWritten) {
  const read_result r = read_fixture("numbers.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("a", 0), "12.50");
  EXPECT_EQ(r.cell("b", 0), "1e3");
  EXPECT_EQ(r.cell("c", 0), "-0");
  EXPECT_EQ(r.cell("d", 0), "123456789012345678901234567890");
  EXPECT_EQ(r.cell("e", 0), "0.1");
  EXPECT_EQ(r.cell("f", 0), "-7.25E-3");
  EXPECT_EQ(r.cell("g", 0), "9007199254740993");
}

TEST(JsonReader, NullTrueFalse) {
  const read_result r = read_fixture("literals.json");
  EXPECT_EQ(r.names(), (strings{"t", "f", "n", "s"}));
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("t", 0), "true");
  EXPECT_EQ(r.cell("f", 0), "false");
  EXPECT_EQ(r.cell("n", 0), "");
  EXPECT_EQ(r.cell("s", 0), "null");
}

TEST(JsonReader, UnicodeEscapesBecomeUtf8) {
  const read_result r = read_fixture("unicode.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("name", 0), "Caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(r.cell("raw", 0),
            "\xC5\x9E"
            "tefan \xE5\x8C\x97\xE4\xBA\xAC");
  EXPECT_EQ(r.cell("esc", 0), "a\"b\\c\nd/e");
  EXPECT_EQ(r.cell("k\xC3\xA9y", 0), "1");
}

TEST(JsonReader, MissingKeysAreEmptyCells) {
  const read_result r = read_fixture("missing_keys.json");
  EXPECT_EQ(r.names(), (strings{"id", "email", "total"}));
  ASSERT_EQ(r.t.rows(), 3u);
  EXPECT_EQ(r.cell("total", 0), "");
  EXPECT_EQ(r.cell("email", 1), "");
  EXPECT_EQ(r.cell("id", 2), "");
  EXPECT_EQ(r.cell("total", 2), "7");
}

TEST(JsonReader, NonObjectRecordsAreSkippedWithWarnings) {
  const read_result r = read_fixture("non_objects.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 6}));
  EXPECT_EQ(r.info.skipped, 5u);
  ASSERT_EQ(r.info.warnings.size(), 5u);
  EXPECT_EQ(r.info.warnings[0].line, 1u);
  EXPECT_EQ(r.info.warnings[0].reason, "record 1 is a number, not an object; skipped");
  EXPECT_EQ(r.info.warnings[1].reason, "record 3 is a string, not an object; skipped");
  EXPECT_EQ(r.info.warnings[2].reason, "record 4 is an array, not an object; skipped");
  EXPECT_EQ(r.info.warnings[3].reason, "record 5 is null, not an object; skipped");
  EXPECT_EQ(r.info.warnings[4].reason, "record 7 is a boolean, not an object; skipped");
}

TEST(JsonReader, TruncatedArrayKeepsEarlierRecords) {
  const read_result r = read_fixture("truncated.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.cell("total", 1), "20");
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].line, 3u);
  EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error in record 3: ", 0), 0u)
      << r.info.warnings[0].reason;
}

TEST(JsonReader, MissingClosingBracketIsWarned) {
  const read_result r = read_json(R"([{"id": 1}, {"id": 2})");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 2u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error after record 2: ", 0), 0u)
      << r.info.warnings[0].reason;
}

TEST(JsonReader, MissingCommaStopsTheArray) {
  const read_result r = read_fixture("missing_comma.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 2u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].line, 3u);
  EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error in record 3: ", 0), 0u)
      << r.info.warnings[0].reason;
}

TEST(JsonReader, TrailingContentAfterTheArrayIsWarned) {
  const read_result r = read_fixture("trailing_content.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 1u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error after record 1: ", 0), 0u)
      << r.info.warnings[0].reason;
}

TEST(JsonReader, BadFirstRecordIsAnError) {
  const read_result r = read_fixture("first_bad.json");
  EXPECT_EQ(r.info.error.rfind("JSON syntax error in record 1: ", 0), 0u) << r.info.error;
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(JsonReader, SyntaxErrorsInsideRecordsAreCaught) {
  // On-Demand alone would accept each of these; the reader must not.
  for (const char* text : {R"([{"a": tru}])", R"([{"a": 12abc}])", R"([{"a": nulll}])",
                           R"([{"a": 01}])", R"([{"a": [1, -]}])", R"([{"a": ["\x"]}])",
                           R"([{"a": [{"b": fals}]}])", R"([{"a": 1]])", R"([tru])"}) {
    const read_result r = read_json(text);
    EXPECT_EQ(r.info.error.rfind("JSON syntax error in record 1: ", 0), 0u)
        << text << " -> " << r.info.error;
    EXPECT_EQ(r.t.rows(), 0u) << text;
  }
}

TEST(JsonReader, BadMemberBesideTheRecordsArrayIsCaught) {
  const read_result r = read_json(R"({"orders": [{"id": 1}], "meta": {"a": tru}})");
  ASSERT_EQ(r.t.rows(), 1u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error after record 1: ", 0), 0u)
      << r.info.warnings[0].reason;
}

TEST(JsonReader, DeepNestingIsAnErrorForThatRecordOnly) {
  const read_result r = read_fixture("deep.json");
  EXPECT_EQ(r.info.error, "");
  ASSERT_EQ(r.t.rows(), 2u);
  EXPECT_EQ(r.cell("id", 0), "deep64");
  EXPECT_EQ(r.cell("id", 1), "after");
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 3}));
  // "v" is level 2; each level down to 64 adds an "a", and the last "a" holds the string.
  std::string deepest = "v";
  for (int level = 2; level <= 64; ++level) deepest += ".a";
  EXPECT_EQ(r.cell(deepest, 0), "x");
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].line, 2u);
  EXPECT_EQ(r.info.warnings[0].reason, "record 2 is nested deeper than 64 levels; skipped");
}

TEST(JsonReader, VeryDeepNestingDoesNotCrash) {
  const size_t depth = 200000;
  const std::string open(depth, '['), close(depth, ']');
  const read_result in_array = read_json("[" + open + close + R"(, {"id": 1}])", 4096);
  EXPECT_EQ(in_array.t.rows(), 1u);
  EXPECT_EQ(in_array.info.warning_count, 1u);
  const read_result in_line = read_json("{\"a\":" + open + close + "}\n{\"b\":1}\n", 4096);
  EXPECT_EQ(in_line.info.format, "ndjson");
  EXPECT_EQ(in_line.t.rows(), 1u);
  EXPECT_EQ(in_line.info.warning_count, 1u);
  const read_result cut_off = read_json("[" + open, 4096);
  EXPECT_EQ(cut_off.t.rows(), 0u);
  EXPECT_FALSE(cut_off.info.error.empty());
}

TEST(JsonReader, EmptyArray) {
  const read_result r = read_fixture("empty_array.json");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(JsonReader, NotJsonAtAll) {
  const read_result r = read_fixture("not_json.txt");
  EXPECT_EQ(r.info.error, "not JSON: the file does not start with '[' or '{'");
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(JsonReader, EmptyOrBlankFile) {
  for (const char* text : {"", "  \n\t ", "\xEF\xBB\xBF"}) {
    const read_result r = read_json(text, 1);
    EXPECT_EQ(r.info.error, "the file holds no JSON (it is empty)") << text;
  }
}

TEST(JsonReader, Utf16IsRefusedClearly) {
  const read_result r = read_json(std::string_view("\xFF\xFE[\0", 4));
  EXPECT_NE(r.info.error.find("UTF-16"), std::string::npos) << r.info.error;
}

TEST(JsonReader, Utf8BomIsStripped) {
  const read_result r = read_fixture("bom.json", 1);
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.encoding, "utf-8-bom");
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.names(), (strings{"id"}));
}

TEST(JsonReader, BigMinifiedDocumentIsStreamedNotMistakenForNdjson) {
  // Longer than the 16 MiB the reader looks at before deciding, on a single line.
  std::string text = R"({"orders":[)";
  const std::string pad(4000, 'x');
  size_t records = 0;
  while (text.size() < (size_t{17} << 20)) {
    if (records > 0) text += ',';
    text += R"({"id":)" + std::to_string(++records) + R"(,"note":")" + pad + R"("})";
  }
  text += "]}";
  const read_result r = read_json(text, 65536);
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "json");
  EXPECT_EQ(r.info.warning_count, 0u);
  ASSERT_EQ(r.t.rows(), records);
  EXPECT_EQ(r.cell("id", records - 1), std::to_string(records));
}

TEST(JsonReader, TooManyDistinctFieldsAreCappedWithAWarning) {
  std::string text = "[";
  for (int i = 0; i < 1100; ++i) {
    if (i > 0) text += ',';
    text += "{\"k" + std::to_string(i) + "\":1}";
  }
  text += "]";
  const read_result r = read_json(text);
  EXPECT_EQ(r.t.columns.size(), 1024u);
  EXPECT_EQ(r.t.rows(), 1100u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].line, 1025u);
  EXPECT_NE(r.info.warnings[0].reason.find("fields from \"k1024\" on are ignored"),
            std::string::npos)
      << r.info.warnings[0].reason;
}

TEST(JsonReader, TooManyNestedFieldNamesAreCappedWithAWarning) {
  // Objects keyed by ids: 3000 of them, each with a field, in one record.
  std::string text = R"([{"id": 1, "by_id": {)";
  for (int i = 0; i < 3000; ++i) {
    if (i > 0) text += ',';
    text += "\"" + std::to_string(i) + R"(": {"x": 1})";
  }
  text += "}}]";
  const read_result r = read_json(text);
  ASSERT_EQ(r.t.rows(), 1u);
  EXPECT_EQ(r.cell("id", 0), "1");
  EXPECT_EQ(r.t.columns.size(), 1024u);
  EXPECT_EQ(r.info.warning_count, 1u);
}

// ---- chunk boundaries never change the result ----

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_path(""))) {
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class JsonChunks : public testing::TestWithParam<std::tuple<std::string, size_t>> {};

void expect_same(const read_result& chunked, const read_result& whole) {
  testing_support::expect_same_read(chunked.info, chunked.t, whole.info, whole.t);
}

TEST_P(JsonChunks, SameTableAsWholeFile) {
  const auto& [name, chunk] = GetParam();
  const std::string text = load(name);
  expect_same(read_json(text, chunk), read_json(text));
}

// Cut-off and damaged files are where a streaming scanner goes wrong: every prefix of a few
// fixtures, and each byte replaced by a character that matters to the scanner, must read the
// same in small chunks as whole (and never crash).
TEST(JsonReader, CutOffFilesReadTheSameInAnyChunks) {
  for (const char* name : {"line_items.json", "wrapper.json", "orders.ndjson", "unicode.json"}) {
    const std::string text = load(name);
    for (size_t len = 0; len <= text.size(); ++len) {
      SCOPED_TRACE(std::string(name) + " cut at " + std::to_string(len));
      const std::string_view prefix = std::string_view(text).substr(0, len);
      expect_same(read_json(prefix, 1), read_json(prefix));
    }
  }
}

TEST(JsonReader, DamagedFilesReadTheSameInAnyChunks) {
  for (const char* name : {"wrapper.json", "orders.ndjson", "unicode.json"}) {
    const std::string text = load(name);
    for (size_t at = 0; at < text.size(); ++at) {
      for (const char c : {'"', '}', '\\', '\n'}) {
        std::string damaged = text;
        damaged[at] = c;
        SCOPED_TRACE(std::string(name) + " with byte " + std::to_string(at) + " set to " + c);
        expect_same(read_json(damaged, 7), read_json(damaged));
      }
    }
  }
}

// Records whose keys are already known are read by a fast path when they lie whole in one
// chunk; fed a byte at a time, every record takes the general (simdjson) path. Damage that
// either path might judge differently, in records after the first of their shape, must give
// the same result both ways.
std::string repeated_records(bool lines) {
  const std::vector<std::string> records = {
      R"({"id": 1, "name": "Ann", "total": 12.50, "paid": true, "note": null, "c": {"id": "c1", "t": {"l": 2}}})",
      R"({"id":2,"name":"B\u00e9a \"x\"","total":-0.5e3,"paid":false,"note":"","c":{"id":"c2","t":{}}})",
      "{\"id\":3,\"name\":\"Caf\xC3\xA9 \xE5\x8C\x97 "
      "\xF0\x9F\x98\x80\",\"total\":0,\"c\":{\"id\":\"c3\"}}",
      R"({"id":4,"name":"D","total":1E+2,"paid":true,"note":null,"c":{"id":"c4","t":{"l":-0}}})",
      "\t{ \"id\" :5 ,\"name\":\"E\",\"total\":7.25 ,\"c\": {\"id\":\"c5\"} }\r",
      R"({"id":6,"name":"F","total":3,"extra":"new key","c":{"id":"c6"}})",
      R"({"id":7,"name":"G","total":4,"c":{"id":"c7","t":{"l":3}}})"};
  std::string text = lines ? "" : "[\n";
  for (size_t i = 0; i < records.size(); ++i) {
    if (!lines && i > 0) text += ",\n";
    text += records[i];
    if (lines) text += "\n";
  }
  if (!lines) text += "\n]\n";
  return text;
}

TEST(JsonReader, FastAndGeneralPathsAgree) {
  for (const bool lines : {false, true}) {
    const std::string text = repeated_records(lines);
    const read_result whole = read_json(text);
    EXPECT_EQ(whole.info.error, "");
    EXPECT_EQ(whole.info.warning_count, 0u);
    ASSERT_EQ(whole.t.rows(), 7u);
    EXPECT_EQ(whole.cell("name", 1),
              "B\xC3\xA9"
              "a \"x\"");
    EXPECT_EQ(whole.cell("name", 2), "Caf\xC3\xA9 \xE5\x8C\x97 \xF0\x9F\x98\x80");
    EXPECT_EQ(whole.cell("total", 3), "1E+2");
    EXPECT_EQ(whole.cell("c.t.l", 3), "-0");
    EXPECT_EQ(whole.cell("note", 3), "");
    EXPECT_EQ(whole.cell("total", 4), "7.25");
    EXPECT_EQ(whole.cell("extra", 5), "new key");
    expect_same(read_json(text, 1), whole);
    for (size_t at = 0; at < text.size(); ++at) {
      for (const char c : {'"', '}', '{', '[', '\\', '\n', ',', ':', ' ', '1', '.', 'e', '-', 'x',
                           '\x80', '\xC3', '\x01'}) {
        std::string damaged = text;
        damaged[at] = c;
        SCOPED_TRACE(std::string(lines ? "lines" : "array") + " with byte " + std::to_string(at) +
                     " set to " + std::to_string(static_cast<int>(c)));
        expect_same(read_json(damaged, 1), read_json(damaged));
      }
    }
  }
}

TEST(JsonReader, InvalidUtf8InAKnownRecordIsASyntaxError) {
  // Overlong, a surrogate, above U+10FFFF, cut off, a lone continuation byte.
  for (const char* bad : {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    const std::string text = std::string("{\"a\":\"x\"}\n{\"a\":\"") + bad + "\"}\n{\"a\":\"y\"}\n";
    const read_result r = read_json(text);
    SCOPED_TRACE(text);
    ASSERT_EQ(r.t.rows(), 2u);
    EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{1, 3}));
    ASSERT_EQ(r.info.warnings.size(), 1u);
    EXPECT_EQ(r.info.warnings[0].line, 2u);
    EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error on line 2: ", 0), 0u)
        << r.info.warnings[0].reason;
    expect_same(read_json(text, 1), r);
  }
}

TEST(JsonReader, BrokenRecordAmongKnownOnesKeepsItsNumber) {
  std::string text = "[";
  for (int i = 1; i <= 50; ++i) {
    if (i > 1) text += ",";
    text += i == 30 ? R"({"id":30,"v":tru})" : R"({"id":)" + std::to_string(i) + R"(,"v":true})";
  }
  text += ",]";
  for (const size_t chunk : {size_t{0}, size_t{1}, size_t{5}, size_t{64}}) {
    const read_result r = read_json(text, chunk);
    ASSERT_EQ(r.t.rows(), 29u) << chunk;
    ASSERT_EQ(r.info.warnings.size(), 1u) << chunk;
    EXPECT_EQ(r.info.warnings[0].line, 30u);
    EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error in record 30: ", 0), 0u)
        << r.info.warnings[0].reason;
  }
  // A trailing comma after known records.
  const std::string trailing = R"([{"id":1},{"id":2},{"id":3},])";
  const read_result r = read_json(trailing);
  ASSERT_EQ(r.t.rows(), 3u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].reason.rfind("JSON syntax error in record 4: ", 0), 0u)
      << r.info.warnings[0].reason;
  expect_same(read_json(trailing, 1), r);
}

TEST(JsonChunksSetup, EveryFixtureIsCovered) { EXPECT_GE(fixture_names().size(), 20u); }

INSTANTIATE_TEST_SUITE_P(JsonFixtures, JsonChunks,
                         testing::Combine(testing::ValuesIn(fixture_names()),
                                          testing::Values(size_t{1}, size_t{3}, size_t{7},
                                                          size_t{64}, size_t{4096}, size_t{0})),
                         [](const testing::TestParamInfo<JsonChunks::ParamType>& info) {
                           std::string name = std::get<0>(info.param);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           const size_t chunk = std::get<1>(info.param);
                           return name + "_" +
                                  (chunk == 0 ? std::string("whole") : std::to_string(chunk));
                         });

}  // namespace
}  // namespace kpi
