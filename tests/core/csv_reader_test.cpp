// Tests for the streaming CSV reader and the auto-detecting reader (kpi/io/readers.h).
// Fixtures live in tests/data/csv/; the binary ones come from make_binary_fixtures.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kpi/io/readers.h"
#include "kpi/table.h"
#include "same_read.h"

namespace kpi {
namespace {

namespace fs = std::filesystem;

const fs::path FIXTURES = fs::path(LOUPE_TEST_DATA) / "csv";

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct result {
  table t;
  read_info info;
};

using reader_factory = std::unique_ptr<reader> (*)(table_builder&);

// Feeds `bytes` in chunks of `chunk` bytes (0: all at once), as the page does.
result read_with(reader_factory make, std::string_view bytes, size_t chunk = 0) {
  table_builder builder;
  std::unique_ptr<reader> r = make(builder);
  const size_t step = chunk == 0 ? std::max<size_t>(bytes.size(), 1) : chunk;
  for (size_t i = 0; i < bytes.size(); i += step) r->feed(bytes.substr(i, step));
  r->finish();
  return {builder.finish(), r->info()};
}

result read_csv(std::string_view bytes, size_t chunk = 0) {
  return read_with(make_csv_reader, bytes, chunk);
}

result read_fixture(std::string_view name, size_t chunk = 0) {
  return read_csv(file_bytes(FIXTURES / name), chunk);
}

std::vector<std::string> names(const table& t) {
  std::vector<std::string> out;
  for (const column& c : t.columns) out.push_back(c.name);
  return out;
}

using rows_t = std::vector<std::vector<std::string>>;

rows_t cells(const table& t) {
  rows_t out(t.rows());
  for (size_t r = 0; r < t.rows(); ++r) {
    for (const column& c : t.columns) out[r].emplace_back(c.text(r));
  }
  return out;
}

std::vector<uint64_t> warning_lines(const read_info& info) {
  std::vector<uint64_t> out;
  for (const warning& w : info.warnings) out.push_back(w.line);
  return out;
}

// ---- formats ----

TEST(CsvReader, Comma) {
  const result r = read_fixture("comma.csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.format, "csv");
  EXPECT_EQ(r.info.encoding, "utf-8");
  EXPECT_EQ(r.info.delimiter, ',');
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"order_id", "customer", "total", "date"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1001", "alice@example.com", "12.50", "2024-01-05"},
                                {"1002", "bob@example.com", "7.00", "2024-01-06"},
                                {"1003", "carol@example.com", "100.25", "2024-02-01"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.info.skipped, 0u);
}

TEST(CsvReader, SemicolonWithDecimalComma) {
  // The header's comma splits it evenly into two, and so does each decimal comma: the
  // semicolon still wins because it gives more fields on every line.
  const result r = read_fixture("semicolon_decimal_comma.csv");
  EXPECT_EQ(r.info.delimiter, ';');
  EXPECT_EQ(names(r.t),
            (std::vector<std::string>{"Bestellung", "Kunde", "Summe (EUR, inkl. MwSt)", "Datum"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "anna", "12,50", "05.01.2024"},
                                {"2", "ben", "1.234,00", "06.01.2024"},
                                {"3", "carla", "7,99", "01.02.2024"}}));
}

TEST(CsvReader, Tab) {
  const result r = read_fixture("tab.tsv");
  EXPECT_EQ(r.info.delimiter, '\t');
  EXPECT_EQ(cells(r.t),
            (rows_t{{"1", "Rossi, Mario", "3.5"}, {"2", "Bianchi; Anna", "4"}, {"3", "x|y", "5"}}));
}

TEST(CsvReader, Pipe) {
  const result r = read_fixture("pipe.csv");
  EXPECT_EQ(r.info.delimiter, '|');
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "Rossi, Mario", "3.5"}, {"2", "Verdi; Luca", "4"}}));
}

TEST(CsvReader, QuotedFieldsWithDelimitersNewlinesAndQuotes) {
  const result r = read_fixture("quoted.csv");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "Rossi, Mario", "said \"hi\""},
                                {"2", "multi\nline\nnote", "plain"},
                                {"3", "", "\""},
                                {"4", "a,b,c", "x"},
                                {"5", "plain", "ends with quote\""}}));
  // The second record spans lines 3-5: the next one starts on line 6.
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 3, 6, 7, 8}));
}

TEST(CsvReader, CrlfKeepsLineBreaksInsideQuotes) {
  const result r = read_fixture("crlf.csv");
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "note", "total"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "two\r\nlines", "5"}, {"2", "plain", "6"}, {"3", "", "7"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 4, 6}));
}

TEST(CsvReader, LoneCarriageReturnEndsLines) {
  const result r = read_fixture("lone_cr.csv");
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "a\rb"}, {"2", "c"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 4}));
}

const rows_t UNICODE_ROWS = {
    {"1", "Zoë", "Bucureşti"}, {"2", "王芳", "上海"}, {"3", "Emoji 😀", "Milano"}};

TEST(CsvReader, Utf8BomIsStripped) {
  const result r = read_fixture("bom.csv");
  EXPECT_EQ(r.info.encoding, "utf-8-bom");
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "city"}));
  EXPECT_EQ(cells(r.t), UNICODE_ROWS);
}

TEST(CsvReader, Utf16LittleEndianIsConverted) {
  const result r = read_fixture("utf16le.tsv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.encoding, "utf-16le");
  EXPECT_EQ(r.info.delimiter, '\t');
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "city"}));
  EXPECT_EQ(cells(r.t), UNICODE_ROWS);
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 3, 4}));
}

TEST(CsvReader, Utf16BigEndianIsConverted) {
  const result r = read_fixture("utf16be.csv");
  EXPECT_EQ(r.info.encoding, "utf-16be");
  EXPECT_EQ(r.info.delimiter, ',');
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "city"}));
  EXPECT_EQ(cells(r.t), UNICODE_ROWS);
}

TEST(CsvReader, BrokenUtf16BecomesReplacementCharacters) {
  // A lone low surrogate, a high surrogate followed by a letter, and an odd last byte.
  const std::string bytes(
      "\xFF\xFE"
      "a\0\n\0"
      "\x00\xDC"
      "\x3D\xD8"
      "b\0"
      "c",
      13);
  const result r = read_csv(bytes);
  EXPECT_EQ(r.info.encoding, "utf-16le");
  EXPECT_EQ(cells(r.t), (rows_t{{"\xEF\xBF\xBD\xEF\xBF\xBD"
                                 "b\xEF\xBF\xBD"}}));
}

// Excel on Windows saves "CSV" in Windows-1252: its accents and symbols come out as UTF-8.
TEST(CsvReader, Windows1252IsConverted) {
  const result r = read_fixture("windows1252.csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.encoding, "windows-1252");
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "city", "note"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "Renée", "Besançon", "Prix 12€"},
                                {"2", "Müller", "Zürich", "“quoted” – dash"},
                                {"3", "Ægir", "Reykjavík", "naïve"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 3, 4}));
}

TEST(CsvReader, TheFirstByteAbove127Decides) {
  // ASCII for longer than the sniffed start, then one accented name: UTF-8 when it is
  // valid UTF-8, Windows-1252 when not, the rows before it alike either way.
  std::string ascii = "id,name\n";
  for (int i = 0; i < 5000; ++i) ascii += std::to_string(i) + ",plain name\n";
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{3}, size_t{4096}}) {
    const result utf8 = read_csv(ascii + "5000,Zoë\n", chunk);
    EXPECT_EQ(utf8.info.encoding, "utf-8") << chunk;
    ASSERT_EQ(utf8.t.rows(), 5001u);
    EXPECT_EQ(utf8.t.columns[1].text(5000), "Zoë");
    EXPECT_EQ(utf8.t.columns[1].text(4999), "plain name");

    const result cp1252 = read_csv(ascii + "5000,Zo\xEB\n", chunk);
    EXPECT_EQ(cp1252.info.encoding, "windows-1252") << chunk;
    ASSERT_EQ(cp1252.t.rows(), 5001u);
    EXPECT_EQ(cp1252.t.columns[1].text(5000), "Zoë");
    EXPECT_EQ(cp1252.t.columns[1].text(4999), "plain name");
  }
}

// The scans for a delimiter or line break, a byte above 127 and a NUL take 16 bytes a step
// where there are vectors (wasm SIMD, SSE2), 8 otherwise, then single bytes: what they look
// for is found at every place in a step and in the bytes after the last whole step.
TEST(CsvReader, ScansFindBytesAtEveryPlace) {
  const std::string pad(70000, 'x');  // past the sniffed start: the chunk is scanned in place
  for (size_t len = 0; len <= 40; ++len) {
    std::string field;
    for (size_t i = 0; i < len; ++i) field.push_back(static_cast<char>('a' + i % 26));
    const std::string text = "id,name,note\n1," + pad + ",n\n2," + field + ",\"q" + field +
                             "\"\n3,\"" + field + "\"," + field + "\r\n";
    const result r = read_csv(text);
    EXPECT_EQ(r.info.error, "") << len;
    EXPECT_EQ(cells(r.t), (rows_t{{"1", pad, "n"}, {"2", field, "q" + field}, {"3", field, field}}))
        << len;

    const std::string start = "id,name\n1," + pad + "\n2,";
    std::string nul = start + field;
    nul.push_back('\0');
    nul += "b\n3,c\n4," + std::string(40, 'd') + "\n";  // the NUL not among the last bytes
    const result n = read_csv(nul);
    EXPECT_EQ(n.info.error, "a NUL byte at line 3: this does not look like a CSV text file") << len;
    EXPECT_EQ(n.t.rows(), 1u) << len;

    const std::string after = "\n3,c\n4," + std::string(40, 'd') + "\n";
    const result high = read_csv(start + field + "\xEB" + after);
    EXPECT_EQ(high.info.encoding, "windows-1252") << len;
    ASSERT_EQ(high.t.rows(), 4u) << len;
    EXPECT_EQ(high.t.columns[1].text(1), field + "ë") << len;
    const result utf8 = read_csv(start + field + "ë" + after);
    EXPECT_EQ(utf8.info.encoding, "utf-8") << len;
    ASSERT_EQ(utf8.t.rows(), 4u) << len;
    EXPECT_EQ(utf8.t.columns[1].text(1), field + "ë") << len;
  }
}

TEST(CsvReader, ABadByteAfterUtf8StaysAsWritten) {
  // Once a valid sequence settled UTF-8, later bytes are not reinterpreted (the report
  // shows an invalid byte as U+FFFD).
  const result r = read_csv("id,name\n1,Zoë\n2,Zo\xEB\n");
  EXPECT_EQ(r.info.encoding, "utf-8");
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "Zoë"}, {"2", "Zo\xEB"}}));
}

TEST(CsvReader, AFileEndingInsideASequenceIsWindows1252) {
  for (size_t chunk : {size_t{0}, size_t{1}, size_t{2}}) {
    const result r = read_csv("id,name\n1,caf\xC3", chunk);
    EXPECT_EQ(r.info.encoding, "windows-1252") << chunk;
    EXPECT_EQ(cells(r.t), (rows_t{{"1", "caf\xC3\x83"}})) << chunk;  // Ã
  }
  // A UTF-8 BOM says UTF-8: a bad byte after it is kept as written.
  const result bom = read_csv("\xEF\xBB\xBFid,name\n1,caf\xE9\n");
  EXPECT_EQ(bom.info.encoding, "utf-8-bom");
  EXPECT_EQ(cells(bom.t), (rows_t{{"1", "caf\xE9"}}));
}

TEST(CsvReader, RaggedRowsAreSkippedWithTheirLines) {
  const result r = read_fixture("ragged.csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.skipped, 3u);
  ASSERT_EQ(r.info.warnings.size(), 3u);
  EXPECT_EQ(warning_lines(r.info), (std::vector<uint64_t>{3, 4, 8}));
  EXPECT_EQ(r.info.warnings[0].reason, "ragged row: 2 fields, expected 3");
  EXPECT_EQ(r.info.warnings[1].reason, "ragged row: 4 fields, expected 3");
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "anna", "10"},
                                {"4", "dan\nwith newline", "40"},
                                {"5", "eve", "50"},
                                {"7", "gus", "70"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 5, 7, 9}));
}

TEST(CsvReader, UnterminatedQuoteSkipsTheRecord) {
  const result r = read_fixture("unterminated.csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.info.skipped, 1u);
  ASSERT_EQ(r.info.warnings.size(), 1u);
  EXPECT_EQ(r.info.warnings[0].line, 3u);
  EXPECT_NE(r.info.warnings[0].reason.find("unterminated quote"), std::string::npos);
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "anna", "fine"}}));
}

TEST(CsvReader, UnterminatedQuoteInTheHeaderIsAnError) {
  const result r = read_csv("id,\"name\n1,2\n");
  EXPECT_EQ(r.info.error, "unterminated quote in the header at line 1");
}

TEST(CsvReader, BlankLinesAreIgnored) {
  const result r = read_fixture("blank_lines.csv");
  EXPECT_EQ(r.info.warning_count, 0u);
  EXPECT_EQ(r.info.skipped, 0u);
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "anna"}, {"2", "ben"}, {"3", "carla"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{5, 8, 10}));
}

TEST(CsvReader, ExcelPaddingIsAccepted) {
  const result r = read_fixture("excel_padding.csv");
  EXPECT_EQ(r.info.skipped, 0u);
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "total", "column_4", "column_5"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "anna", "10", "", ""},
                                {"2", "ben", "20", "", ""},
                                {"3", "carla", "30", "", ""},
                                {"4", "dan", "40", "", "x"}}));
}

TEST(CsvReader, PaddingNeverDropsAValue) {
  const result r = read_csv("a,b\n1,2,,3\n4,5,,\n");
  EXPECT_EQ(r.info.skipped, 1u);
  EXPECT_EQ(warning_lines(r.info), (std::vector<uint64_t>{2}));
  EXPECT_EQ(cells(r.t), (rows_t{{"4", "5"}}));
}

TEST(CsvReader, TrailingDelimiterIsPadding) {
  const result r = read_fixture("trailing_delimiter.csv");
  EXPECT_EQ(r.info.skipped, 0u);
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "trailing delimiter"}}));
}

TEST(CsvReader, DuplicateAndEmptyHeadersAreMadeUnique) {
  const result r = read_fixture("duplicate_headers.csv");
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "id_2", "column_4", "name_2",
                                                  "total", "column_4_2"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "a", "2", "3", "b", "4", "5"}}));
}

TEST(CsvReader, HeaderOnlyGivesNoRows) {
  const result r = read_fixture("header_only.csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(CsvReader, EmptyFileGivesNoColumns) {
  const result r = read_fixture("empty.csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.t.columns.size(), 0u);
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(CsvReader, StrayQuotesAreKeptAsWritten) {
  const result r = read_fixture("stray_quotes.csv");
  EXPECT_EQ(r.info.skipped, 0u);
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "12\" monitor", "ok"},
                                {"2", "\"abc\"x", "second"},
                                {"3", "\"quoted\"tail", "third"}}));
  // Warned once, at the first occurrence.
  EXPECT_EQ(r.info.warning_count, 1u);
  EXPECT_EQ(warning_lines(r.info), (std::vector<uint64_t>{3}));
}

TEST(CsvReader, SingleColumn) {
  const result r = read_fixture("single_column.csv");
  EXPECT_EQ(r.info.delimiter, ',');
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"email"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"anna@example.com"}, {"ben@example.com"}, {"carla@example.com"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{2, 3, 5}));
}

TEST(CsvReader, ExcelSepLineSetsTheDelimiter) {
  const result r = read_fixture("sep_hint.csv");
  EXPECT_EQ(r.info.delimiter, ';');
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "amount"}));
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "2,50"}, {"2", "3,75"}}));
  EXPECT_EQ(r.t.lines, (std::vector<uint64_t>{3, 4}));
}

TEST(CsvReader, LastLineWithoutNewline) {
  const result r = read_fixture("no_final_newline.csv");
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "anna"}, {"2", "ben"}}));
}

TEST(CsvReader, HeaderCellsAreTrimmed) {
  const result r = read_csv(" id ,\t name\t,\" total \"\n1,2,3\n");
  EXPECT_EQ(names(r.t), (std::vector<std::string>{"id", "name", "total"}));
}

TEST(CsvReader, QuotedFieldClosedAtTheLastByte) {
  const result r = read_csv("a,b\n1,\"x\"\"y\"");
  EXPECT_EQ(cells(r.t), (rows_t{{"1", "x\"y"}}));
}

// ---- sniffing ----

struct sniff_case {
  const char* text;
  char delimiter;
};

class CsvSniff : public ::testing::TestWithParam<sniff_case> {};

TEST_P(CsvSniff, ChoosesTheMostConsistentDelimiter) {
  EXPECT_EQ(read_csv(GetParam().text).info.delimiter, GetParam().delimiter);
}

INSTANTIATE_TEST_SUITE_P(
    CsvCases, CsvSniff,
    ::testing::Values(sniff_case{"a,b\n1,2\n", ','}, sniff_case{"a;b\n1;2,5\n", ';'},
                      sniff_case{"a\tb\n1,5\t2\n", '\t'}, sniff_case{"a|b\n1|2\n", '|'},
                      // Quoted delimiters do not count.
                      sniff_case{"a;b\n\"x,y,z\";1\n\"p,q,r\";2\n", ';'},
                      // A comma in most rows' text does not beat the real delimiter.
                      sniff_case{"name;city\nRossi, M;Roma\nVerdi;Milano\n", ';'},
                      // One column: no candidate splits the header.
                      sniff_case{"email\na@b.it\n", ','},
                      // Even splits on both: the one giving more fields.
                      sniff_case{"n;amount (EUR, net);q\n1;2,5;3\n", ';'}));

TEST(CsvSniff, OnlyTheFirst64KiBDecide) {
  // Semicolons for 64 KiB, then commas: the sniffed ';' holds for the whole file.
  std::string text = "a;b\n";
  while (text.size() < 70000) text += "1;2\n";
  text += "3,4,5\n";
  const result r = read_csv(text);
  EXPECT_EQ(r.info.delimiter, ';');
  EXPECT_EQ(r.info.skipped, 1u);
}

// ---- bad input ----

TEST(CsvBadInput, XlsxIsRecognised) {
  const result r = read_fixture("xlsx_magic.xlsx");
  EXPECT_EQ(r.info.error, "this is an Excel file (.xlsx): save it as CSV and drop that");
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(CsvBadInput, NulBytesAreAnError) {
  const result r = read_fixture("nul_bytes.csv");
  EXPECT_NE(r.info.error.find("NUL"), std::string::npos);
  EXPECT_EQ(r.t.rows(), 0u);
}

TEST(CsvBadInput, NulBytesAfterTheSniffedStartAreAnError) {
  std::string text = "id,name\n";
  uint64_t line = 1;
  while (text.size() < 70000) {
    text += "1,anna\n";
    ++line;
  }
  text += "2,b";
  text.push_back('\0');
  text += "b\n3,carla\n";
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, size_t{0}}) {
    const result r = read_csv(text, chunk);
    EXPECT_EQ(r.info.error, "a NUL byte at line " + std::to_string(line + 1) +
                                ": this does not look like a CSV text file");
    EXPECT_EQ(r.t.rows(), line - 1) << "chunk " << chunk;
  }
}

TEST(CsvBadInput, ControlCharactersMeanBinary) {
  std::string garbage;
  for (int i = 0; i < 1000; ++i) garbage.push_back(static_cast<char>(1 + (i * 7) % 30));
  const result r = read_csv(garbage);
  EXPECT_EQ(r.info.error, "this does not look like a text file: save it as CSV and drop that");
}

TEST(CsvBadInput, FieldLongerThan64MiBFailsCleanly) {
  std::string text = "id,blob\n1,";
  text.append(64 * 1024 * 1024 + 1, 'x');
  text += "\n2,y\n";
  for (size_t chunk : {size_t{1} << 20, size_t{0}}) {
    const result r = read_csv(text, chunk);
    EXPECT_EQ(r.info.error, "a field longer than 64 MB at line 2: is this a CSV file?");
  }
}

TEST(CsvBadInput, EndlessQuotedFieldFailsBeforeTheEnd) {
  // An unmatched quote early in a big file must not buffer the whole rest of it.
  table_builder builder;
  std::unique_ptr<reader> r = make_csv_reader(builder);
  r->feed("id,note\n1,ok\n2,\"never closed\n");
  const std::string block(1 << 20, 'y');
  for (int i = 0; i < 65 && r->info().error.empty(); ++i) r->feed(block);
  EXPECT_EQ(r->info().error, "a field longer than 64 MB at line 3: is this a CSV file?");
  r->finish();
  EXPECT_EQ(builder.rows(), 1u);
}

TEST(CsvReader, FillsOnlyAnEmptyTable) {
  // Field i goes to column i: a builder that already has columns is refused, not misfilled.
  table_builder builder;
  builder.add_column("other");
  EXPECT_THROW(make_csv_reader(builder), std::logic_error);
  table_builder empty;
  EXPECT_NO_THROW(make_csv_reader(empty));
}

TEST(CsvBadInput, TooManyColumnsFailsCleanly) {
  std::string header = "c";
  for (int i = 0; i < 100000; ++i) header += ",c";
  const result r = read_csv(header + "\n");
  EXPECT_EQ(r.info.error, "more than 100000 columns at line 1: is this a CSV file?");
  EXPECT_EQ(r.t.columns.size(), 0u);
}

TEST(CsvBadInput, TooManyColumnsInALaterRowFails) {
  // Rows of a plain file are read 16 bytes a step (plain_record); the limit holds there too,
  // also after a wide row left room for more fields than the limit.
  auto row = [](size_t fields) {
    std::string s = "1";
    for (size_t i = 1; i < fields; ++i) s += ",1";
    return s + "\n";
  };
  std::string rest;  // rows after: the wide rows are not at the end of the text
  for (int i = 0; i < 20; ++i) rest += "3,4\n";
  const result r = read_csv("a,b\n1,2\n" + row(100000) + row(100000) + row(100001) + rest);
  EXPECT_EQ(r.info.error, "more than 100000 columns at line 5: is this a CSV file?");
  EXPECT_EQ(r.info.skipped, 2u);  // the rows of 100,000 fields: ragged
  EXPECT_EQ(r.t.rows(), 1u);
}

TEST(CsvBadInput, ExactlyTheColumnLimitIsFine) {
  std::string header = "c";
  for (int i = 1; i < 100000; ++i) header += ",c";
  const result r = read_csv(header + "\n");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.t.columns.size(), 100000u);
}

// ---- read_info ----

TEST(CsvReadInfo, KeepsTheFirstWarningsAndCountsAll) {
  read_info info;
  for (uint64_t i = 1; i <= MAX_WARNINGS + 5; ++i) info.warn(i, "bad " + std::to_string(i));
  EXPECT_EQ(info.warning_count, MAX_WARNINGS + 5);
  ASSERT_EQ(info.warnings.size(), MAX_WARNINGS);
  EXPECT_EQ(info.warnings.front().line, 1u);
  EXPECT_EQ(info.warnings.back().reason, "bad " + std::to_string(MAX_WARNINGS));
}

TEST(CsvReadInfo, ManyRaggedRowsAreAllCounted) {
  std::string text = "a,b\n";
  for (int i = 0; i < 100; ++i) text += "1\n";
  const result r = read_csv(text);
  EXPECT_EQ(r.info.skipped, 100u);
  EXPECT_EQ(r.info.warning_count, 100u);
  EXPECT_EQ(r.info.warnings.size(), MAX_WARNINGS);
}

// ---- the auto reader ----

TEST(CsvAutoReader, TextGoesToTheCsvReader) {
  for (size_t chunk : {size_t{1}, size_t{0}}) {
    const result r = read_with(make_auto_reader, file_bytes(FIXTURES / "quoted.csv"), chunk);
    EXPECT_EQ(r.info.format, "csv");
    EXPECT_EQ(cells(r.t), cells(read_fixture("quoted.csv").t));
  }
}

TEST(CsvAutoReader, Utf16GoesToTheCsvReader) {
  const result r = read_with(make_auto_reader, file_bytes(FIXTURES / "utf16le.tsv"), 1);
  EXPECT_EQ(r.info.encoding, "utf-16le");
  EXPECT_EQ(cells(r.t), UNICODE_ROWS);
}

TEST(CsvAutoReader, XlsxIsAnError) {
  for (size_t chunk : {size_t{1}, size_t{0}}) {
    const result r = read_with(make_auto_reader, file_bytes(FIXTURES / "xlsx_magic.xlsx"), chunk);
    EXPECT_EQ(r.info.error, "this is an Excel file (.xlsx): save it as CSV and drop that");
  }
}

TEST(CsvAutoReader, JsonAfterBomAndSpaceGoesToTheJsonReader) {
  for (size_t chunk : {size_t{1}, size_t{0}}) {
    const result a = read_with(make_auto_reader, "\xEF\xBB\xBF \n [{\"id\": 1}]", chunk);
    EXPECT_EQ(a.info.format, "json") << "chunk " << chunk;
    const result b = read_with(make_auto_reader, "\n{\"id\": 1}\n{\"id\": 2}\n", chunk);
    EXPECT_NE(b.info.format, "csv") << "chunk " << chunk;
  }
}

TEST(CsvAutoReader, EmptyFileIsAnEmptyCsv) {
  const result r = read_with(make_auto_reader, "");
  EXPECT_EQ(r.info.format, "csv");
  EXPECT_EQ(r.info.error, "");
  EXPECT_EQ(r.t.rows(), 0u);
}

// ---- chunk boundaries never change the result ----

void expect_same(const result& a, const result& b) {
  testing_support::expect_same_read(a.info, a.t, b.info, b.t);
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> out;
  for (const fs::directory_entry& e : fs::directory_iterator(FIXTURES)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && !name.starts_with(".") && !name.ends_with(".py")) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CsvFixtures, AreAllFound) { EXPECT_GE(fixture_names().size(), 25u); }

class CsvChunking : public ::testing::TestWithParam<std::tuple<std::string, size_t>> {};

TEST_P(CsvChunking, SameTableWhateverTheChunkSize) {
  const auto& [name, chunk] = GetParam();
  const std::string bytes = file_bytes(FIXTURES / name);
  expect_same(read_csv(bytes, chunk), read_csv(bytes));
  expect_same(read_with(make_auto_reader, bytes, chunk), read_csv(bytes));
}

INSTANTIATE_TEST_SUITE_P(CsvFiles, CsvChunking,
                         ::testing::Combine(::testing::ValuesIn(fixture_names()),
                                            ::testing::Values(size_t{1}, size_t{2}, size_t{3},
                                                              size_t{7}, size_t{64}, size_t{0})),
                         [](const ::testing::TestParamInfo<CsvChunking::ParamType>& info) {
                           std::string name = std::get<0>(info.param);
                           std::replace_if(
                               name.begin(), name.end(),
                               [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
                               '_');
                           const size_t chunk = std::get<1>(info.param);
                           return name + "_" +
                                  (chunk == 0 ? std::string("whole") : std::to_string(chunk));
                         });

// A file past the sniffing window, with every construct cut at every kind of place:
// uneven chunk sizes move the cuts around.
std::string mixed_file(size_t rows) {
  std::string text = "id,name,note,amount\r\n";
  for (size_t i = 0; i < rows; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 6) {
      case 0:
        text += n + ",plain,text," + n + ".5\r\n";
        break;
      case 1:
        text += n + ",\"Rossi, M\",\"said \"\"hi\"\"\",1\r\n";
        break;
      case 2:
        text += n + ",\"two\r\nlines\",Zoë 王芳 😀,2\n";
        break;
      case 3:
        text += n + ",ragged\r\n";
        break;
      case 4:
        text += "\r\n" + n + ",,,\r\n";
        break;
      default:
        text += n + ",\"\",\"x\"\"\",padded,,\n";
        break;
    }
  }
  return text;
}

TEST(CsvChunking, UnevenChunksOfABigFile) {
  const std::string text = mixed_file(6000);
  ASSERT_GT(text.size(), 128u * 1024);
  const result whole = read_csv(text);
  EXPECT_EQ(whole.t.rows(), 5000u);  // every sixth row is ragged
  table_builder builder;
  std::unique_ptr<reader> r = make_csv_reader(builder);
  size_t step = 1;
  for (size_t i = 0; i < text.size(); i += step, step = step % 997 + 13) {
    r->feed(std::string_view(text).substr(i, step));
  }
  r->finish();
  expect_same({builder.finish(), r->info()}, whole);
}

// Records of a plain file are read 16 bytes a step (plain_record), but only when they lie
// whole in the text read: byte by byte, every record takes the general parser. Random files
// whose stretches of plain records (LF and CRLF, blank lines, ragged rows, fields of 0-40
// bytes, tabs as delimiters) alternate with quoted fields, lone CRs and doubled quotes read
// the same either way.
TEST(CsvChunking, PlainRecordsReadAsTheGeneralParserReadsThem) {
  std::mt19937 rng(20261124);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  for (int file = 0; file < 12; ++file) {
    const char d = file % 3 == 2 ? '\t' : ',';
    std::string text = std::string("id") + d + "name" + d + "note\n";
    while (text.size() < 90000) {
      const bool plain_stretch = (text.size() / 3000) % 3 != 1;
      const uint32_t fields = pick(10) == 0 ? 1 + pick(5) : 3;
      for (uint32_t f = 0; f < fields; ++f) {
        if (f > 0) text.push_back(d);
        if (!plain_stretch && pick(4) == 0) {
          text += "\"a" + std::string(pick(20), 'q') + (pick(2) ? "\"\"" : "\n") + "b\"";
        } else {
          for (uint32_t k = pick(41); k > 0; --k) text.push_back(static_cast<char>('a' + pick(26)));
        }
      }
      const uint32_t end = pick(20);
      text += end < 12 ? "\n" : end < 18 ? "\r\n" : end < 19 ? "\n\n" : plain_stretch ? "\n" : "\r";
    }
    const result whole = read_csv(text);
    EXPECT_EQ(whole.info.error, "") << file;
    EXPECT_GT(whole.t.rows(), 1000u) << file;
    expect_same(read_csv(text, 1), whole);
    expect_same(read_csv(text, 7), whole);
  }
}

TEST(CsvChunking, BigUtf16FileInOddChunks) {
  const std::string utf8 = mixed_file(3000);
  // UTF-8 to UTF-16LE by hand, to keep the test free of <codecvt>.
  std::string utf16 = "\xFF\xFE";
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (utf8[i + k] & 0x3F);
    i += len;
    auto put = [&](uint32_t unit) {
      utf16.push_back(static_cast<char>(unit & 0xFF));
      utf16.push_back(static_cast<char>(unit >> 8));
    };
    if (cp >= 0x10000) {
      put(0xD800 + ((cp - 0x10000) >> 10));
      put(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      put(cp);
    }
  }
  const result from_utf8 = read_csv(utf8);
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{1001}, size_t{0}}) {
    const result r = read_csv(utf16, chunk);
    EXPECT_EQ(r.info.encoding, "utf-16le");
    EXPECT_EQ(cells(r.t), cells(from_utf8.t)) << "chunk " << chunk;
    EXPECT_EQ(r.t.lines, from_utf8.t.lines) << "chunk " << chunk;
  }
}

TEST(CsvChunking, RandomTextIsChunkInvariant) {
  // Short documents drawn from the bytes that matter to the parser, cut at random places.
  const std::string alphabet[] = {"a",  "1",    ",",  ";", "\"",       "\"\"",         "\r",
                                  "\n", "\r\n", "\t", " ", "\xC3\xA9", "\xEF\xBB\xBF", "|"};
  std::mt19937 rng(42);
  for (int doc = 0; doc < 500; ++doc) {
    std::string text;
    const size_t pieces = rng() % 120;
    for (size_t i = 0; i < pieces; ++i) text += alphabet[rng() % std::size(alphabet)];
    const result whole = read_csv(text);
    table_builder builder;
    std::unique_ptr<reader> r = make_csv_reader(builder);
    for (size_t i = 0; i < text.size();) {
      const size_t step = 1 + rng() % 9;
      r->feed(std::string_view(text).substr(i, step));
      i += step;
    }
    r->finish();
    SCOPED_TRACE("document " + std::to_string(doc));
    expect_same({builder.finish(), r->info()}, whole);
    expect_same(read_csv(text, 1), whole);
  }
}

}  // namespace
}  // namespace kpi
