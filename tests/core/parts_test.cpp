// A file read in two parts at once, in two sessions (session::part_spec, open_part, end_part,
// take_part) or in one on two threads (start_second, feed_second, take_second), must give
// what reading it whole gives: the same inspect and report JSON, byte for byte. The part
// starts at a line start, which may lie inside a quoted field: then the first part's session
// refuses it and reads those bytes itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kpi/session.h"
#include "kpi/threads.h"

namespace kpi {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The spec is taken once this much was fed, as the page does after its first chunk: past the
// 64 KiB the CSV reader sniffs its delimiter from.
constexpr size_t SPEC_AFTER = 65 * 1024 + 100;

struct read_out {
  std::string inspect, report;
  std::vector<uint64_t> lines;  // each row's line: the reports cite few of them
  bool took = false;  // the part was taken
};

std::vector<uint64_t> lines_of(const session& s) {
  const dataset* d = s.get(s.ids().at(0));
  return {d->tbl.lines.begin(), d->tbl.lines.end()};
}

read_out read_whole(const std::string& name, const std::string& bytes, bool report) {
  session s;
  s.add(name, bytes);
  return {s.inspect_json(), report ? s.report_json(report_options()) : std::string(),
          lines_of(s), false};
}

// Feeds in chunks of a few sizes, as the page's reads come.
void feed_in_chunks(session& s, int id, std::string_view bytes) {
  size_t i = 0, step = 7;
  while (i < bytes.size()) {
    const size_t n = std::min(step, bytes.size() - i);
    s.feed(id, bytes.substr(i, n));
    i += n;
    step = step * 3 % 40000 + 1;
  }
}

// In one session, the part on the second thread: its chunks (of a few sizes) and the first
// part's go in turn, as the page's worker feeds them.
read_out read_in_two_threads(const std::string& name, const std::string& bytes, size_t split,
                             bool report) {
  session s;
  const int id = s.open(name, bytes.size());
  const std::string_view all(bytes);
  feed_in_chunks(s, id, all.substr(0, SPEC_AFTER));
  EXPECT_TRUE(s.start_second(id, bytes.size() - split));
  size_t first = SPEC_AFTER, second = split, step = 5;
  while (first < split || second < bytes.size()) {
    if (second < bytes.size()) {
      const size_t n = std::min(step, bytes.size() - second);
      s.feed_second(id, std::string(all.substr(second, n)));
      second += n;
    }
    if (first < split) {
      const size_t n = std::min(step * 2, split - first);
      s.feed(id, all.substr(first, n));
      first += n;
    }
    step = step * 3 % 30000 + 1;
  }
  read_out out;
  out.took = s.take_second(id);
  if (!out.took) feed_in_chunks(s, id, all.substr(split));
  s.finish(id);
  out.inspect = s.inspect_json();
  out.lines = lines_of(s);
  if (report) out.report = s.report_json(report_options());
  return out;
}

// Two threads whatever the machine has (threads.h), restored after.
struct two_threads {
  unsigned before = threads();
  two_threads() { set_threads(2); }
  ~two_threads() { set_threads(before); }
};

read_out read_in_parts(const std::string& name, const std::string& bytes, size_t split,
                       bool report, bool threads = false) {
  if (threads) {
    two_threads two;
    return read_in_two_threads(name, bytes, split, report);
  }
  session first, second;
  const int id = first.open(name, bytes.size());
  feed_in_chunks(first, id, std::string_view(bytes).substr(0, SPEC_AFTER));
  const std::string spec = first.part_spec(id);
  EXPECT_FALSE(spec.empty());
  const int part = second.open_part(name, spec, bytes.size() - split);
  feed_in_chunks(second, part, std::string_view(bytes).substr(split));
  const std::vector<std::string> rows = second.end_part(part);
  EXPECT_TRUE(second.ids().empty());  // the part is not a file of its own
  feed_in_chunks(first, id, std::string_view(bytes).substr(SPEC_AFTER, split - SPEC_AFTER));
  read_out out;
  out.took = first.take_part(id, rows);
  if (!out.took) feed_in_chunks(first, id, std::string_view(bytes).substr(split));
  first.finish(id);
  out.inspect = first.inspect_json();
  out.lines = lines_of(first);
  if (report) out.report = first.report_json(report_options());
  return out;
}

// Line starts from `from` on, at most `most` of them, spread over one period of the file.
std::vector<size_t> line_starts(const std::string& bytes, size_t from, size_t period,
                                size_t most) {
  std::vector<size_t> all;
  for (size_t i = from; i < bytes.size() && i < from + period; ++i) {
    if (bytes[i - 1] == '\n') all.push_back(i);
  }
  std::vector<size_t> some;
  const size_t step = all.size() / most + 1;
  for (size_t i = 0; i < all.size(); i += step) some.push_back(all[i]);
  return some;
}

// Splits a file at many of its line starts, read in two sessions and in two threads in turn;
// returns how many parts were taken.
size_t expect_every_split_reads_alike(const std::string& name, const std::string& bytes,
                                      size_t from, size_t period, size_t most) {
  const read_out whole = read_whole(name, bytes, true);
  size_t took = 0, n = 0;
  for (size_t split : line_starts(bytes, from, period, most)) {
    const bool threads = n % 2 == 1;
    SCOPED_TRACE(name + " split at byte " + std::to_string(split) +
                 (threads ? ", on two threads" : ", in two sessions"));
    const bool report = n++ % 8 < 2;
    const read_out parts = read_in_parts(name, bytes, split, report, threads);
    EXPECT_EQ(parts.inspect, whole.inspect);
    EXPECT_EQ(parts.lines, whole.lines);
    if (report) {
      EXPECT_EQ(parts.report, whole.report);
    }
    took += parts.took;
    if (testing::Test::HasFailure()) break;
  }
  return took;
}

// The header, then the rest of the file again and again past `size`.
std::string repeated(const std::string& file, size_t size) {
  const size_t header_end = file.find('\n') + 1;
  std::string body = file.substr(header_end);
  if (!body.empty() && body.back() != '\n' && body.back() != '\r') body += '\n';
  std::string out = file.substr(0, header_end);
  while (out.size() < size && !body.empty()) out += body;
  return out;
}

// Every CSV fixture, its rows repeated past 128 KiB: quotes across lines, CRLF, a "sep="
// line, a BOM, Windows-1252, ragged rows and their warnings (more than are kept), text after
// a closing quote (warned once per file), an unterminated quote, blank lines, repeated
// headers, real exports.
TEST(Parts, EveryFixtureReadInTwoPartsReadsAsWhole) {
  size_t files = 0, took = 0;
  for (const auto& entry : fs::recursive_directory_iterator(LOUPE_TEST_DATA)) {
    if (entry.path().extension() != ".csv") continue;
    const std::string file = slurp(entry.path());
    if (file.find('\n') == std::string::npos) continue;
    const std::string name = entry.path().filename().string();
    if (name.starts_with("utf16")) continue;  // below
    const std::string bytes = repeated(file, 128 * 1024);
    if (bytes.find('\0') != std::string::npos) continue;  // fails at its first NUL, below
    ++files;
    const size_t period = std::max<size_t>(file.size(), 2048);
    took += expect_every_split_reads_alike(name, bytes, 96 * 1024, period, 48);
    if (testing::Test::HasFailure()) return;
  }
  EXPECT_GT(files, 25u);
  EXPECT_GT(took, 600u);  // most splits were taken, not read again
}

// Decoding settles on the file's first byte >= 0x80. When it lies in the part, the part's
// decision stands; when the first part had decided otherwise, the part is refused.
TEST(Parts, TheEncodingIsDecidedWhereTheFirstHighByteIs) {
  std::string ascii = "id,name,total\n";
  for (int i = 0; ascii.size() < 100 * 1024; ++i) {
    ascii += std::to_string(i) + ",plain name " + std::to_string(i % 97) + "," +
             std::to_string(i % 500) + ".25\n";
  }
  const std::string utf8_rows = "9001,caf\xC3\xA9 cr\xC3\xA8me,12.50\n9002,na\xC3\xAFve,3.00\n";
  const std::string cp1252_rows = "9003,caf\xE9 cr\xE8me,12.50\n9004,na\xEFve,3.00\n";
  struct file {
    const char* name;
    std::string bytes;
    bool all_taken;
  };
  std::vector<file> files;
  std::string tail_utf8, tail_1252;
  for (int i = 0; i < 300; ++i) tail_utf8 += i % 30 == 0 ? utf8_rows : "1,x,2.00\n";
  for (int i = 0; i < 300; ++i) tail_1252 += i % 30 == 0 ? cp1252_rows : "1,x,2.00\n";
  files.push_back({"late_utf8.csv", ascii + tail_utf8, true});
  files.push_back({"late_1252.csv", ascii + tail_1252, true});
  // Windows-1252 decided in the first part after its spec was taken (the spec said ASCII so
  // far), then bytes that happen to be valid UTF-8 ("Ã©" written in Windows-1252): a part
  // that starts before them reads them as UTF-8 and is refused.
  std::string early_1252 = ascii;
  early_1252.insert(early_1252.find('\n', 90 * 1024) + 1, "1,caf\xE9,1.00\n");
  files.push_back({"early_1252.csv", early_1252 + tail_utf8, false});
  for (const file& f : files) {
    const size_t from = f.bytes.size() - tail_utf8.size() - 2000;
    const size_t took = expect_every_split_reads_alike(f.name, f.bytes, from, 6000, 200);
    if (f.all_taken) {
      EXPECT_EQ(took, line_starts(f.bytes, from, 6000, 200).size()) << f.name;
    } else {
      EXPECT_LT(took, line_starts(f.bytes, from, 6000, 200).size()) << f.name;
    }
  }
}

// A quoted field that spans many lines: a split inside it is refused, and read again.
TEST(Parts, ASplitInsideQuotesIsRefusedAndReadAgain) {
  std::string bytes = "id,note,total\n";
  int inside = 0;
  for (int i = 0; bytes.size() < 140 * 1024; ++i) {
    if (i % 50 == 0) {
      bytes += std::to_string(i) + ",\"line one\nline two\n\nline \"\"four\"\"\n\",1.50\n";
    } else {
      bytes += std::to_string(i) + ",plain,2.00\n";
    }
  }
  const size_t from = 100 * 1024;
  const read_out whole = read_whole("notes.csv", bytes, true);
  size_t n = 0;
  for (size_t split : line_starts(bytes, from, 1200, 200)) {
    const bool threads = n % 2 == 1;
    SCOPED_TRACE(std::to_string(split) + (threads ? ", on two threads" : ", in two sessions"));
    const bool report = n++ % 8 < 2;
    const read_out parts = read_in_parts("notes.csv", bytes, split, report, threads);
    const std::string_view before(bytes.data() + split - 9, 9);
    const bool in_quotes = before == "line one\n" || before.ends_with("line two\n") ||
                           before.ends_with("two\n\n") || before.ends_with("\"\"four\"\"\n");
    inside += in_quotes;
    EXPECT_EQ(parts.took, !in_quotes);
    EXPECT_EQ(parts.inspect, whole.inspect);
    EXPECT_EQ(parts.lines, whole.lines);
    if (report) {
      EXPECT_EQ(parts.report, whole.report);
    }
  }
  EXPECT_GE(inside, 4);  // of the 4 line starts inside quotes in every 50 rows
}

// JSON one record to a line, as NDJSON and as an array of records at the root: warnings whose
// text holds a line or record number (shifted when the part is taken), blank lines, records
// that are not objects, too deep, with line items, a column seen only late, nulls, escapes,
// CRLF; a syntax error that ends an array, and one that comes before any row (the file's
// error); a pretty-printed array, whose line starts inside records are refused.
TEST(Parts, JsonReadInTwoPartsReadsAsWhole) {
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "{\"a\":";
  deep += "1" + std::string(70, '}');
  auto record = [&](int i) -> std::string {
    std::string r = "{\"order_id\":" + std::to_string(100000 + i) + ",\"customer_id\":\"C" +
                    std::to_string(i % 97) + "\",\"created_at\":\"2024-0" +
                    std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) +
                    "\",\"total\":" + std::to_string(10 + i % 300) + "." + std::to_string(i % 10);
    if (i % 89 == 0) r += ",\"line_items\":[{\"sku\":\"A\",\"qty\":1},{\"sku\":\"B\",\"qty\":2},3]";
    if (i % 101 == 0) r += ",\"note\":null";
    if (i % 43 == 0) r += ",\"name\":\"a \\\"quoted\\\" name\"";
    if (i > 2400 && i % 7 == 0) r += ",\"coupon\":\"SAVE" + std::to_string(i % 3) + "\"";
    return r + "}";
  };
  // The i-th line of NDJSON, or element of the array.
  auto element = [&](int i, bool lines) -> std::string {
    if (i % 71 == 0) return "[1,2]";
    if (i % 97 == 0) return deep;
    if (lines && i % 53 == 0) return "{\"order_id\":";
    return record(i);
  };
  constexpr int N = 3000;
  std::string ndjson;
  for (int i = 1; i <= N; ++i) {
    ndjson += element(i, true) + (i % 31 == 0 ? "\r\n" : "\n");
    if (i % 37 == 0) ndjson += "\n";
  }
  auto array = [&](int broken_at, int first_object) {
    std::string a = "[\n";
    for (int i = 1; i <= N; ++i) {
      a += i < first_object ? "\"not a record, a string long enough to reach the middle " + std::to_string(i) + "\""
           : i == broken_at ? "{\"order_id\" 1}"
                            : element(i, false);
      a += i < N ? ",\n" : "\n";
    }
    return a + "]\n";
  };
  std::string pretty = "[\n";
  for (int i = 1; i <= 1500; ++i) {
    std::string r = record(i);
    for (size_t at = 0; (at = r.find(",\"", at)) != std::string::npos; at += 3) r.insert(at + 1, "\n    ");
    pretty += "  " + r + (i < 1500 ? ",\n" : "\n");
  }
  pretty += "]\n";
  std::string all_bad;
  for (int i = 1; i <= N; ++i) {
    all_bad += "{\"order_id\": " + std::to_string(i) + ", \"note\": \"a trailing comma next\",}\n";
  }
  // No row at all: records nested too deep (skipped), then lines with syntax errors, the
  // first of which is the file's error.
  std::string no_rows;
  for (int i = 1; i <= N; ++i) {
    no_rows += (i <= N * 3 / 5 ? deep : "{\"order_id\": " + std::to_string(i) + ",}") + "\n";
  }
  struct file {
    const char* name;
    std::string bytes;
    bool all_taken;
  };
  const std::vector<file> files = {
      {"no_rows.ndjson", no_rows, true},
      {"orders.ndjson", ndjson, true},
      {"orders.json", array(0, 0), true},
      {"broken_late.json", array(2300, 0), false},  // the parts after it are refused
      {"broken_first.json", array(2000, 2000), false},  // no row before it: the file's error
      {"pretty.json", pretty, false},
      {"all_bad.ndjson", all_bad, true},
  };
  for (const file& f : files) {
    const size_t from = f.bytes.size() / 2;
    const size_t took = expect_every_split_reads_alike(f.name, f.bytes, from, f.bytes.size() / 3, 60);
    const size_t splits = line_starts(f.bytes, from, f.bytes.size() / 3, 60).size();
    if (f.all_taken) {
      EXPECT_EQ(took, splits) << f.name;
    } else {
      EXPECT_LT(took, splits) << f.name;
    }
    if (testing::Test::HasFailure()) return;
  }
  // The files are what they mean to be.
  const read_out whole = read_whole("broken_first.json", array(2000, 2000), false);
  EXPECT_NE(whole.inspect.find("\"error\":\"JSON syntax error in record 2000"), std::string::npos);
  const read_out late = read_whole("broken_late.json", array(2300, 0), false);
  const read_out ok = read_whole("orders.json", array(0, 0), false);
  EXPECT_LT(late.lines.size(), ok.lines.size());  // the records after the error are ignored
  EXPECT_EQ(late.lines.back(), 2299u);
  const read_out none = read_whole("no_rows.ndjson", no_rows, false);
  EXPECT_NE(none.inspect.find("\"error\":\"JSON syntax error on line 1801:"), std::string::npos);
  const read_out bad = read_whole("all_bad.ndjson", all_bad, false);
  EXPECT_NE(bad.inspect.find("\"error\":\"JSON syntax error on line 1:"), std::string::npos);
  const read_out nd = read_whole("orders.ndjson", ndjson, false);
  EXPECT_NE(nd.inspect.find("line_items.sku"), std::string::npos);
  EXPECT_NE(nd.inspect.find("coupon"), std::string::npos);
}

// The first part of a CSV file of 9,999 rows "1,2.50", opened and fed in `a`: its id.
int first_part(session& a) {
  static const std::string csv = [] {
    std::string bytes = "id,total\n";
    while (bytes.size() < 70000) bytes += "1,2.50\n";
    return bytes;
  }();
  const int f = a.open("a.csv");
  a.feed(f, csv);
  return f;
}

// What cannot be read in parts says so with an empty spec, and a part that failed or is
// corrupt is refused, so that its bytes are read again.
TEST(Parts, WhatCannotBeSplitSaysSo) {
  session s;
  int id = s.open("orders.json");
  s.feed(id, std::string(70000, ' ') + "[{\"id\":1}]");
  EXPECT_EQ(s.part_spec(id), "");  // the array has closed
  id = s.open("wrapped.json");
  s.feed(id, "{\"orders\": [\n" + std::string(70000, ' ') + "{\"id\":1},\n");
  EXPECT_EQ(s.part_spec(id), "");  // an array inside an object
  const std::string utf16 = slurp(fs::path(LOUPE_TEST_DATA) / "csv" / "utf16be.csv");
  id = s.open("utf16.csv");
  for (int i = 0; i < 800; ++i) s.feed(id, utf16);
  EXPECT_EQ(s.part_spec(id), "");

  session probe;
  const std::string spec = probe.part_spec(first_part(probe));
  ASSERT_FALSE(spec.empty());
  session other;
  auto part = [&](std::string_view bytes) {
    const int p = other.open_part("a.csv", spec);
    other.feed(p, bytes);
    return other.end_part(p);
  };
  const std::vector<std::string> rows = part("2,3.50\n3,4.50\n");
  ASSERT_EQ(rows.size(), 3u);  // the lines, then a piece per column
  {
    session a;
    const int f = first_part(a);
    EXPECT_FALSE(a.take_part(f, std::vector<std::string>()));
    EXPECT_FALSE(a.take_part(f, {rows[0].substr(0, 5)}));  // its start cut short
    EXPECT_TRUE(a.take_part(f, rows));
    a.finish(f);
    EXPECT_EQ(a.get(f)->tbl.rows(), 9999u + 2);
  }
  {
    // Pieces that make no rows, once taken, fail the file rather than giving wrong rows.
    session a;
    const int f = first_part(a);
    std::vector<std::string> corrupt = rows;
    corrupt[2].resize(corrupt[2].size() - 3);
    EXPECT_TRUE(a.take_part(f, corrupt));
    a.finish(f);
    EXPECT_NE(a.get(f)->info.error.find("could not be read"), std::string::npos);
  }
  {
    // The part of a file that fails (a NUL byte) is refused.
    session a;
    const int f = first_part(a);
    EXPECT_FALSE(a.take_part(f, part(std::string("4,5.50\n\0\n", 9))));
  }
}

// The part on the second thread: refused where it cannot be, and a part not taken (the file
// removed or finished while it reads, its reader failed) stops without holding anything up.
TEST(Parts, OnTheSecondThreadWhatCannotBeSplitSaysSo) {
  two_threads two;
  {
    session s;
    const int id = s.open("orders.json");
    s.feed(id, std::string(70000, ' ') + "[{\"id\":1}]");
    EXPECT_FALSE(s.start_second(id, 100));  // not a CSV file
    EXPECT_FALSE(s.start_second(99, 100));  // no such file
    const int csv_id = first_part(s);
    set_threads(1);
    EXPECT_FALSE(s.start_second(csv_id, 100));  // one thread
    set_threads(2);
    EXPECT_TRUE(s.start_second(csv_id, 100));
    EXPECT_FALSE(s.start_second(csv_id, 100));  // one part at a time
    EXPECT_FALSE(s.take_second(id));  // no part started
  }
  {
    // Taken: the part's rows after the first part's; refused once taken.
    session s;
    const int f = first_part(s);
    ASSERT_TRUE(s.start_second(f, 14));
    s.feed_second(f, "2,3.50\n");
    s.feed_second(f, "3,4.50\n");
    EXPECT_TRUE(s.take_second(f));
    EXPECT_FALSE(s.take_second(f));
    s.finish(f);
    EXPECT_EQ(s.get(f)->tbl.rows(), 9999u + 2);
    EXPECT_DOUBLE_EQ(s.get(f)->tbl.columns[1].number(9999 + 1), 4.5);
  }
  {
    // A part whose reader fails (a NUL byte) is refused: its bytes are read here.
    session s;
    const int f = first_part(s);
    ASSERT_TRUE(s.start_second(f, 9));
    s.feed_second(f, std::string("4,5.50\n\0\n", 9));
    EXPECT_FALSE(s.take_second(f));
  }
  {
    // Removed while the thread waits for more, with chunks queued; then finished while it
    // waits: neither waits for the part's end, and the part's rows are not the file's.
    session s;
    int f = first_part(s);
    ASSERT_TRUE(s.start_second(f, 1 << 20));
    for (size_t i = 0; i < session::SECOND_QUEUE; ++i) s.feed_second(f, "5,1.00\n");
    s.remove(f);
    EXPECT_EQ(s.get(f), nullptr);
    f = first_part(s);
    ASSERT_TRUE(s.start_second(f, 1 << 20));
    s.feed_second(f, "5,1.00\n");
    s.finish(f);
    EXPECT_EQ(s.get(f)->tbl.rows(), 9999u);
    // And a session destroyed with a part reading.
    const int g = first_part(s);
    ASSERT_TRUE(s.start_second(g, 1 << 20));
    s.feed_second(g, "6,1.00\n");
  }
}

}  // namespace
}  // namespace kpi
