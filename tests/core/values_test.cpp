// Tests for kpi/values.h: number and date parsing as stores export them, and per-column
// format inference.
#include "kpi/values.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace kpi {
namespace {

// ---- parse_number ----

struct number_case {
  const char* text;
  char mark;
  std::optional<double> expected;
};

std::ostream& operator<<(std::ostream& os, const number_case& c) {
  return os << '"' << c.text << "\" mark '" << c.mark << '\'';
}

class ValuesParseNumber : public testing::TestWithParam<number_case> {};

TEST_P(ValuesParseNumber, ReadsAsWritten) {
  const number_case& c = GetParam();
  const std::optional<double> got = parse_number(c.text, c.mark);
  ASSERT_EQ(got.has_value(), c.expected.has_value())
      << "got " << (got ? std::to_string(*got) : "nullopt");
  if (c.expected) {
    EXPECT_DOUBLE_EQ(*got, *c.expected);
  }
}

const number_case DOT_CASES[] = {
    {"1234.5", '.', 1234.5},
    {"1,234.50", '.', 1234.5},
    {"1,234,567.89", '.', 1234567.89},
    {"1 234.50", '.', 1234.5},
    {"1'234.50", '.', 1234.5},
    {"1\xC2\xA0"
     "234.50",
     '.', 1234.5},  // NBSP grouping
    {"1\xE2\x80\xAF"
     "234.50",
     '.', 1234.5},  // narrow NBSP grouping
    {"1,234", '.', 1234},
    {"0.99", '.', 0.99},
    {".5", '.', 0.5},
    {"-3", '.', -3},
    {"+5", '.', 5},
    {"\xE2\x88\x92"
     "7",
     '.', -7},  // U+2212 minus sign
    {"  42  ", '.', 42},
    {"\xC2\xA0"
     "42\xC2\xA0",
     '.', 42},
    {"(12.00)", '.', -12},
    {"( 12.00 )", '.', -12},
    {"($12.00)", '.', -12},
    {"$(12.00)", '.', -12},
    {"(12.00) \xE2\x82\xAC", '.', -12},
    {"1e3", '.', 1000},
    {"1.5E-3", '.', 0.0015},
    {"2.5e+2", '.', 250},
    {"$12", '.', 12},
    {"$ 12", '.', 12},
    {"-$12.50", '.', -12.5},
    {"$-12.50", '.', -12.5},
    {"- $12.50", '.', -12.5},
    {"12 \xE2\x82\xAC", '.', 12},  // 12 €
    {"\xE2\x82\xAC"
     "12.99",
     '.', 12.99},  // €12.99
    {"\xC2\xA3"
     "3.50",
     '.', 3.5},  // £3.50
    {"\xC2\xA5"
     "1,000",
     '.', 1000},  // ¥1,000
    {"\xE2\x82\xB9"
     "500",
     '.', 500},  // ₹500
    {"\xE2\x82\xBD"
     "10",
     '.', 10},  // ₽10
    {"\xE2\x82\xBA"
     "10",
     '.', 10},  // ₺10
    {"R$ 10.00", '.', 10},
    {"US$5", '.', 5},
    {"CHF 12.50", '.', 12.5},
    {"EUR 12.00", '.', 12},
    {"12.00 USD", '.', 12},
    {"12USD", '.', 12},
    {"RON 7", '.', 7},
    {"CNY 88", '.', 88},
    {"GBP 1,250.00", '.', 1250},
    {"100 kr", '.', 100},
    {"0", '.', 0},
    {"007", '.', 7},
    // Rejected.
    {"", '.', std::nullopt},
    {"   ", '.', std::nullopt},
    {"N/A", '.', std::nullopt},
    {"abc", '.', std::nullopt},
    {"12abc", '.', std::nullopt},
    {"1,23,4", '.', std::nullopt},
    {"1,2345", '.', std::nullopt},
    {"12,5", '.', std::nullopt},
    {"0,123", '.', std::nullopt},  // a group never starts with 0
    {"1,234,56", '.', std::nullopt},
    {"1,234 567", '.', std::nullopt},  // two kinds of grouping
    {"1.2.3", '.', std::nullopt},
    {"12%", '.', std::nullopt},
    {"$", '.', std::nullopt},
    {"-", '.', std::nullopt},
    {".", '.', std::nullopt},
    {"--5", '.', std::nullopt},
    {"(-12)", '.', std::nullopt},
    {"(12", '.', std::nullopt},
    {"$12 \xE2\x82\xAC", '.', std::nullopt},
    {"12 PCS", '.', std::nullopt},
    {"inf", '.', std::nullopt},
    {"nan", '.', std::nullopt},
    {"1e", '.', std::nullopt},
    {"1e400", '.', std::nullopt},
    {"0x10", '.', std::nullopt},
    {"12 34", '.', std::nullopt},
    {"leis 5", '.', std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(ValuesDotMark, ValuesParseNumber, testing::ValuesIn(DOT_CASES));

const number_case COMMA_CASES[] = {
    {"1.234,50", ',', 1234.5},
    {"1 234,50", ',', 1234.5},
    {"1\xC2\xA0"
     "234,50",
     ',', 1234.5},
    {"1'234,50", ',', 1234.5},
    {"12,5", ',', 12.5},
    {"0,99", ',', 0.99},
    {"1,234", ',', 1.234},
    {"1.234", ',', 1234},
    {"-1.234.567,89", ',', -1234567.89},
    {"1,5e3", ',', 1500},
    {"EUR 12,00", ',', 12},
    {"12,00 \xE2\x82\xAC", ',', 12},
    {"1.234,50\xC2\xA0\xE2\x82\xAC", ',', 1234.5},  // NBSP before €, as spreadsheets write
    {"1 234,50 \xE2\x82\xAC", ',', 1234.5},
    {"12,50 z\xC5\x82", ',', 12.5},  // 12,50 zł
    {"12,50 lei", ',', 12.5},
    {"(12,00)", ',', -12},
    {"-\xE2\x82\xAC"
     "3,10",
     ',', -3.1},
    {"\xE2\x82\xAC-3,10", ',', -3.1},
    {"42", ',', 42},
    // Rejected.
    {"12.5", ',', std::nullopt},
    {"1.23.4", ',', std::nullopt},
    {"1,2,3", ',', std::nullopt},
    {"1.234.5", ',', std::nullopt},
    {"N/A", ',', std::nullopt},
    {"1 234.5", ',', std::nullopt},
    {"", ',', std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(ValuesCommaMark, ValuesParseNumber, testing::ValuesIn(COMMA_CASES));

// ---- parse_time ----

int64_t at(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

value_format date_format(date_order order = date_order::ymd) {
  value_format f;
  f.type = value_type::date;
  f.order = order;
  return f;
}
value_format compact_format() {
  value_format f = date_format();
  f.compact = true;
  return f;
}
value_format month_format() {
  value_format f = date_format();
  f.month_only = true;
  return f;
}
value_format unix_format(int unit) {
  value_format f = date_format();
  f.unix_unit = unit;
  return f;
}

struct time_case {
  const char* text;
  value_format format;
  std::optional<int64_t> expected;
};

std::ostream& operator<<(std::ostream& os, const time_case& c) {
  return os << '"' << c.text << "\" as " << c.format.describe();
}

class ValuesParseTime : public testing::TestWithParam<time_case> {};

TEST_P(ValuesParseTime, ReadsWallClock) {
  const time_case& c = GetParam();
  const std::optional<int64_t> got = parse_time(c.text, c.format);
  ASSERT_EQ(got.has_value(), c.expected.has_value())
      << "got "
      << (got ? format_day(day_of(*got)) + " +" + std::to_string(*got % 86400) + "s"
              : std::string("nullopt"));
  if (c.expected) {
    EXPECT_EQ(*got, *c.expected);
  }
}

const time_case TIME_CASES[] = {
    // ISO 8601 and its store variants.
    {"2024-03-05", date_format(), at(2024, 3, 5)},
    {" 2024-03-05 ", date_format(), at(2024, 3, 5)},
    {"2024-03-05T10:00", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05T10:00:07", date_format(), at(2024, 3, 5, 10, 0, 7)},
    {"2024-03-05T10:00:07.123", date_format(), at(2024, 3, 5, 10, 0, 7)},
    {"2024-03-05T10:00:07.123456Z", date_format(), at(2024, 3, 5, 10, 0, 7)},
    {"2024-03-05T10:00:00Z", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05T10:00:00+01:00", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05T10:00:00-0500", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05T10:00:00+05", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05 10:00:00", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05 10:00", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05 10:00:00 +0100", date_format(), at(2024, 3, 5, 10)},
    {"2025-05-11 09:55:16 -0400", date_format(), at(2025, 5, 11, 9, 55, 16)},  // Shopify
    {"2024-03-05 10:00:00 UTC", date_format(), at(2024, 3, 5, 10)},
    {"2024-03-05 23:59:59", date_format(), at(2024, 3, 5, 23, 59, 59)},
    {"2024/03/05", date_format(), at(2024, 3, 5)},
    {"2024/3/5", date_format(), at(2024, 3, 5)},
    {"2024.03.05", date_format(), at(2024, 3, 5)},
    {"1969-12-31 23:00", date_format(), at(1969, 12, 31, 23)},
    // Day/month orders, decided by the format.
    {"03/05/2024", date_format(date_order::mdy), at(2024, 3, 5)},
    {"03/05/2024", date_format(date_order::dmy), at(2024, 5, 3)},
    {"3/5/2024", date_format(date_order::mdy), at(2024, 3, 5)},
    {"12/31/2024 11:30 PM", date_format(date_order::mdy), at(2024, 12, 31, 23, 30)},
    {"12/31/2024 12:05 AM", date_format(date_order::mdy), at(2024, 12, 31, 0, 5)},
    {"12/31/2024 12:05 pm", date_format(date_order::mdy), at(2024, 12, 31, 12, 5)},
    {"1/2/2024 9:15:30 a.m.", date_format(date_order::mdy), at(2024, 1, 2, 9, 15, 30)},
    {"1/2/2024 9:15PM", date_format(date_order::mdy), at(2024, 1, 2, 21, 15)},
    {"31/12/2024", date_format(date_order::dmy), at(2024, 12, 31)},
    {"31/12/2024 18:45", date_format(date_order::dmy), at(2024, 12, 31, 18, 45)},
    {"31.12.2024", date_format(date_order::dmy), at(2024, 12, 31)},
    {"31.12.2024 18:45:10", date_format(date_order::dmy), at(2024, 12, 31, 18, 45, 10)},
    {"31-12-2024", date_format(date_order::dmy), at(2024, 12, 31)},
    // Without a decided order, the separator's custom.
    {"03/05/2024", date_format(), at(2024, 3, 5)},
    {"03.05.2024", date_format(), at(2024, 5, 3)},
    // Compact, month and Unix forms only under their flags.
    {"20240105", compact_format(), at(2024, 1, 5)},
    {"19970101", compact_format(), at(1997, 1, 1)},
    {"20240105", date_format(), std::nullopt},
    {"20241305", compact_format(), std::nullopt},
    {"18991231", compact_format(), std::nullopt},
    {"2024-01-05", compact_format(), at(2024, 1, 5)},
    {"2024-03", month_format(), at(2024, 3, 1)},
    {"03/2024", month_format(), at(2024, 3, 1)},
    {"2024-03", date_format(), std::nullopt},
    {"2024-13", month_format(), std::nullopt},
    {"1700000000", unix_format(1), 1700000000},
    {"1700000000.75", unix_format(1), 1700000000},
    {"1700000000123", unix_format(1000), 1700000000},
    {"0", unix_format(1), std::nullopt},
    {"1700000000123", unix_format(1), std::nullopt},
    {"2024-03-05", unix_format(1), std::nullopt},
    // Calendar checks.
    {"2024-02-29", date_format(), at(2024, 2, 29)},
    {"2000-02-29", date_format(), at(2000, 2, 29)},
    {"2023-02-29", date_format(), std::nullopt},
    {"1900-02-29", date_format(), std::nullopt},
    {"2024-02-30", date_format(), std::nullopt},
    {"2024-04-31", date_format(), std::nullopt},
    {"2024-00-10", date_format(), std::nullopt},
    {"2024-01-00", date_format(), std::nullopt},
    {"13/13/2024", date_format(date_order::dmy), std::nullopt},
    {"31/12/2024", date_format(date_order::mdy), std::nullopt},
    // Bad times and garbage.
    {"2024-03-05 24:00", date_format(), std::nullopt},
    {"2024-03-05 10:60", date_format(), std::nullopt},
    {"2024-03-05 10:00:61", date_format(), std::nullopt},
    {"2024-03-05 13:00 PM", date_format(), std::nullopt},
    {"2024-03-05T", date_format(), std::nullopt},
    {"2024-03-05 10", date_format(), std::nullopt},
    {"2024-03-05x", date_format(), std::nullopt},
    {"2024-03/05", date_format(), std::nullopt},
    {"", date_format(), std::nullopt},
    {"N/A", date_format(), std::nullopt},
    {"12.5", date_format(), std::nullopt},
    {"yesterday", date_format(), std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(ValuesTimes, ValuesParseTime, testing::ValuesIn(TIME_CASES));

// ---- infer_format ----

struct infer_case {
  const char* name;
  const char* header;
  std::vector<std::pair<std::string, uint32_t>> values;  // distinct value, row count
  value_type type;
  char mark = '.';
  date_order order = date_order::ymd;
  bool compact = false;
  int unix_unit = 0;
  bool month_only = false;
  bool has_time = false;
  std::string currency = {};
};

std::ostream& operator<<(std::ostream& os, const infer_case& c) { return os << c.name; }

value_format infer(const infer_case& c) {
  std::vector<std::string_view> values;
  std::vector<uint32_t> counts;
  for (const auto& [v, n] : c.values) {
    values.push_back(v);
    counts.push_back(n);
  }
  return infer_format(c.header, values, counts);
}

class ValuesInferFormat : public testing::TestWithParam<infer_case> {};

TEST_P(ValuesInferFormat, DecidesColumn) {
  const infer_case& c = GetParam();
  const value_format f = infer(c);
  value_format expected;
  expected.type = c.type;
  EXPECT_EQ(f.type_name(), expected.type_name()) << f.describe();
  EXPECT_EQ(f.decimal_mark, c.mark);
  EXPECT_EQ(f.order, c.order) << f.describe();
  EXPECT_EQ(f.compact, c.compact);
  EXPECT_EQ(f.unix_unit, c.unix_unit);
  EXPECT_EQ(f.month_only, c.month_only);
  EXPECT_EQ(f.has_time, c.has_time);
  EXPECT_EQ(f.currency, c.currency);
}

const infer_case INFER_CASES[] = {
    {.name = "empty_column", .header = "total", .values = {}, .type = value_type::empty},
    {.name = "blank_values_are_empty",
     .header = "total",
     .values = {{" ", 4}, {"", 2}},
     .type = value_type::empty},
    {.name = "integers",
     .header = "qty",
     .values = {{"1", 50}, {"2", 30}, {"10", 5}},
     .type = value_type::integer},
    {.name = "zero_amounts_are_decimal",  // Shopify's "Shipping" column
     .header = "Shipping",
     .values = {{"0.00", 40}},
     .type = value_type::decimal},
    {.name = "whole_amounts_with_cents_are_decimal",
     .header = "Total",
     .values = {{"10.00", 4}, {"100.00", 2}},
     .type = value_type::decimal},
    {.name = "grouped_integers_with_comma_mark_are_integers",
     .header = "pezzi",
     .values = {{"1.234", 4}, {"12", 2}, {"1.234.567", 1}},
     .type = value_type::integer,
     .mark = ','},
    {.name = "exponent_without_fraction_is_integer",
     .header = "n",
     .values = {{"1e3", 4}, {"25", 2}},
     .type = value_type::integer},
    {.name = "e164_phones_are_text",  // Shopify's "Phone" column
     .header = "Phone",
     .values = {{"+16135550127", 4}, {"+16135550142", 4}, {"+16135550135", 8}},
     .type = value_type::text},
    {.name = "signed_numbers_are_numbers",
     .header = "delta",
     .values = {{"+5", 4}, {"-3", 4}, {"+12.5", 1}},
     .type = value_type::decimal},
    {.name = "dot_decimals",
     .header = "total",
     .values = {{"12.50", 10}, {"1,234.00", 2}, {"7", 3}},
     .type = value_type::decimal},
    {.name = "decimal_comma_column",
     .header = "totale",
     .values = {{"12,50", 10}, {"1.234,00", 2}, {"0,99", 3}, {"7", 3}},
     .type = value_type::decimal,
     .mark = ','},
    {.name = "comma_grouping_alone_is_dot_mark",
     .header = "total",
     .values = {{"1,234", 10}, {"2,500", 4}, {"999", 3}},
     .type = value_type::integer},
    {.name = "ambiguous_grouping_read_with_comma_when_column_says_so",
     .header = "total",
     .values = {{"1,234", 10}, {"2,5", 4}},
     .type = value_type::decimal,
     .mark = ','},
    {.name = "dot_groups_in_comma_column",
     .header = "total",
     .values = {{"1.234", 10}, {"12,50", 1}},
     .type = value_type::decimal,
     .mark = ','},
    {.name = "currency_seen_most",
     .header = "total",
     .values = {{"EUR 12,00", 10}, {"EUR 1.250,00", 5}, {"$3,10", 2}},
     .type = value_type::decimal,
     .mark = ',',
     .currency = "EUR"},
    {.name = "currency_symbol_after",
     .header = "price",
     .values = {{"12,99 \xE2\x82\xAC", 3}, {"5,49 \xE2\x82\xAC", 3}},
     .type = value_type::decimal,
     .mark = ',',
     .currency = "\xE2\x82\xAC"},
    {.name = "accounting_negatives",
     .header = "amount",
     .values = {{"$12.50", 8}, {"($3.25)", 2}},
     .type = value_type::decimal,
     .currency = "$"},
    {.name = "five_percent_na_stays_numeric",
     .header = "total",
     .values = {{"10.5", 50}, {"20", 45}, {"N/A", 5}},
     .type = value_type::decimal},
    {.name = "fifteen_percent_na_is_text",
     .header = "total",
     .values = {{"10.5", 50}, {"20", 35}, {"N/A", 15}},
     .type = value_type::text},
    {.name = "mostly_text",
     .header = "status",
     .values = {{"paid", 80}, {"refunded", 10}, {"12", 5}, {"2024-01-05", 5}},
     .type = value_type::text},
    {.name = "emails_are_text",
     .header = "email",
     .values = {{"a@example.com", 1}, {"b@example.com", 1}, {"c@example.com", 1}, {"7", 1}},
     .type = value_type::text},
    {.name = "percentages_are_text",
     .header = "discount",
     .values = {{"10%", 5}, {"15%", 5}},
     .type = value_type::text},
    {.name = "iso_dates",
     .header = "order_date",
     .values = {{"2024-01-05", 3}, {"2024-12-31", 1}},
     .type = value_type::date},
    {.name = "iso_dates_mixed_with_times",
     .header = "created_at",
     .values = {{"2024-01-05", 3}, {"2024-01-06 10:00:00", 1}},
     .type = value_type::date,
     .has_time = true},
    {.name = "shopify_created_at",
     .header = "Created at",
     .values = {{"2025-05-11 09:55:16 -0400", 2}, {"2025-05-12 10:01:02 -0400", 5}},
     .type = value_type::date,
     .has_time = true},
    {.name = "dmy_by_first_field_above_12",
     .header = "date",
     .values = {{"01/02/2024", 10}, {"03/04/2024", 10}, {"25/04/2024", 1}},
     .type = value_type::date,
     .order = date_order::dmy},
    {.name = "mdy_by_second_field_above_12",
     .header = "date",
     .values = {{"01/02/2024", 10}, {"03/04/2024", 10}, {"04/25/2024 3:00 PM", 1}},
     .type = value_type::date,
     .order = date_order::mdy,
     .has_time = true},
    {.name = "slash_without_evidence_is_mdy",
     .header = "date",
     .values = {{"01/02/2024", 10}, {"03/04/2024", 10}},
     .type = value_type::date,
     .order = date_order::mdy},
    {.name = "dots_without_evidence_are_dmy",
     .header = "data",
     .values = {{"01.02.2024", 10}, {"03.04.2024", 10}},
     .type = value_type::date,
     .order = date_order::dmy},
    {.name = "dashes_year_last_are_dmy",
     .header = "data",
     .values = {{"01-02-2024", 10}, {"03-04-2024", 10}},
     .type = value_type::date,
     .order = date_order::dmy},
    {.name = "compact_with_date_header",
     .header = "date",
     .values = {{"19970101", 5}, {"19970118", 2}, {"19980630", 1}},
     .type = value_type::date,
     .compact = true},
    {.name = "compact_with_date_header_tolerates_bad_values",
     .header = "date",
     .values = {{"19970101", 50}, {"19970118", 45}, {"unknown", 5}},
     .type = value_type::date,
     .compact = true},
    {.name = "compact_everywhere_without_header",
     .header = "col3",
     .values = {{"19970101", 5}, {"20240229", 2}},
     .type = value_type::date,
     .compact = true},
    {.name = "compact_needs_every_value_without_header",
     .header = "col3",
     .values = {{"19970101", 50}, {"19970118", 49}, {"N/A", 1}},
     .type = value_type::integer},
    {.name = "eight_digit_ids_are_numbers",
     .header = "order_date",
     .values = {{"20240105", 10}, {"20241399", 1}},
     .type = value_type::integer},
    {.name = "unix_seconds_with_header",
     .header = "created_at",
     .values = {{"1700000000", 4}, {"1700086400", 4}},
     .type = value_type::date,
     .unix_unit = 1},
    {.name = "unix_milliseconds_with_header",
     .header = "timestamp",
     .values = {{"1700000000000", 4}, {"1700086400123", 4}},
     .type = value_type::date,
     .unix_unit = 1000},
    {.name = "unix_camel_case_header",
     .header = "updatedAt",
     .values = {{"1700000000", 4}},
     .type = value_type::date,
     .unix_unit = 1},
    {.name = "unix_needs_date_header",
     .header = "customer_id",
     .values = {{"1700000000", 4}, {"1700086400", 4}},
     .type = value_type::integer},
    {.name = "unix_needs_plausible_range",
     .header = "created_at",
     .values = {{"1700", 4}, {"1800", 4}},
     .type = value_type::integer},
    {.name = "at_suffix_is_a_word_end",
     .header = "format",
     .values = {{"1700000000", 4}},
     .type = value_type::integer},
    {.name = "year_months",
     .header = "month",
     .values = {{"2024-01", 4}, {"2024-02", 4}},
     .type = value_type::date,
     .month_only = true},
    {.name = "month_years",
     .header = "period",
     .values = {{"01/2024", 4}, {"12/2024", 4}},
     .type = value_type::date,
     .month_only = true},
    {.name = "dates_with_few_bad",
     .header = "date",
     .values = {{"2024-01-05", 95}, {"2024-02-30", 3}, {"soon", 2}},
     .type = value_type::date},
};
INSTANTIATE_TEST_SUITE_P(ValuesColumns, ValuesInferFormat, testing::ValuesIn(INFER_CASES),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ValuesInferFormatBadValues, AreNotParsedNorZero) {
  const std::vector<std::string_view> values = {"10.5", "20", "N/A", "-"};
  const std::vector<uint32_t> counts = {50, 45, 4, 1};
  const value_format f = infer_format("total", values, counts);
  ASSERT_EQ(f.type, value_type::decimal);
  EXPECT_EQ(parse_number("10.5", f.decimal_mark), 10.5);
  EXPECT_FALSE(parse_number("N/A", f.decimal_mark));
  EXPECT_FALSE(parse_number("-", f.decimal_mark));
}

TEST(ValuesInferFormatBadValues, BadDatesAreNotParsed) {
  const std::vector<std::string_view> values = {"2024-01-05", "2024-02-30", "soon"};
  const std::vector<uint32_t> counts = {95, 3, 2};
  const value_format f = infer_format("date", values, counts);
  ASSERT_EQ(f.type, value_type::date);
  EXPECT_EQ(parse_time("2024-01-05", f), at(2024, 1, 5));
  EXPECT_FALSE(parse_time("2024-02-30", f));
  EXPECT_FALSE(parse_time("soon", f));
}

TEST(ValuesInferFormatBadValues, MissingCountsWeighOne) {
  const std::vector<std::string_view> values = {"1", "2"};
  EXPECT_EQ(infer_format("n", values, {}).type, value_type::integer);
}

// unreadable_value is what infer_format weighs against every type: an unreadable value alone
// makes a text column, and no number (with either mark) or date-shaped value is unreadable.
TEST(ValuesUnreadable, AreTheValuesThatCountAgainstEveryType) {
  for (std::string_view v : {"C0014469", "alice@example.com", "word 5", "N/A", "-", "+16135550114",
                             "12 apples", "1.2.3.4", "$"}) {
    EXPECT_TRUE(unreadable_value(v)) << v;
    const std::vector<std::string_view> one = {v};
    EXPECT_EQ(infer_format("x", one, {}).type, value_type::text) << v;
  }
  for (std::string_view v :
       {"", "   ", "12", " 12 ", "1.234,50", "12,5", "$12.00", "12 \xE2\x82\xAC", "(3.00)", "1e5",
        "2024-01-05", "2024-13-45", "05/01/2024", "2024-01-05T10:00:00Z", "20240105", "2024-01",
        "01/2024"}) {
    EXPECT_FALSE(unreadable_value(v)) << v;
  }
  // Random values: a number with either mark is never unreadable, and an unreadable value on
  // its own is a text column.
  const std::string_view pieces[] = {"1", "0", ".", ",", " ", "-", "+", "(", ")", "e",
                                     "$", "\xE2\x82\xAC", "'", "/", ":", "T", "Z", "x", "2024",
                                     "12", "31", "EUR"};
  std::mt19937 rng(20261124);
  size_t unreadable = 0, numbers = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string v;
    const int n = static_cast<int>(rng() % 7);
    for (int k = 0; k < n; ++k) v += pieces[rng() % std::size(pieces)];
    const bool number =
        (parse_number(v, '.') || parse_number(v, ',')) && v.find('+') == std::string::npos;
    numbers += number;
    if (number) {
      EXPECT_FALSE(unreadable_value(v)) << v;
    }
    if (unreadable_value(v)) {
      ++unreadable;
      const std::vector<std::string_view> one = {v};
      EXPECT_EQ(infer_format("x", one, {}).type, value_type::text) << v;
    }
  }
  EXPECT_GT(unreadable, 1000u);
  EXPECT_GT(numbers, 1000u);
}

// Whatever bytes a file holds, the parsers answer without reading out of bounds (run under
// the sanitizers) and never return a non-finite number.
TEST(ValuesRobustness, RandomBytes) {
  const std::string_view pieces[] = {"1",        "0",
                                     "9",        ".",
                                     ",",        " ",
                                     "-",        "+",
                                     "(",        ")",
                                     "e",        "E",
                                     "$",        "\xE2\x82\xAC",
                                     "\xC2\xA0", "\xE2\x80\xAF",
                                     "'",        "/",
                                     ":",        "T",
                                     "Z",        "AM",
                                     "EUR",      "lei",
                                     "2024",     "\xE2",
                                     "\xC2",     "12",
                                     "31",       "\x00",
                                     "x"};
  std::mt19937 rng(12345);
  std::vector<std::string> values;
  for (int i = 0; i < 20000; ++i) {
    std::string v;
    const int n = static_cast<int>(rng() % 9);
    for (int k = 0; k < n; ++k) v += pieces[rng() % std::size(pieces)];
    for (char mark : {'.', ','}) {
      if (auto x = parse_number(v, mark)) {
        EXPECT_TRUE(std::isfinite(*x)) << v;
      }
    }
    for (const value_format& f : {date_format(), date_format(date_order::dmy), compact_format(),
                                  month_format(), unix_format(1), unix_format(1000)}) {
      (void)parse_time(v, f);
    }
    values.push_back(std::move(v));
  }
  const std::vector<std::string_view> views(values.begin(), values.end());
  const std::vector<uint32_t> counts(views.size(), 1);
  EXPECT_EQ(infer_format("created_at", views, counts).type, value_type::text);
}

// ---- describe / type_name ----

TEST(ValuesDescribe, NamesTypesAndFormats) {
  value_format f;
  EXPECT_EQ(f.type_name(), "empty");
  EXPECT_EQ(f.describe(), "empty");
  f.type = value_type::text;
  EXPECT_EQ(f.type_name(), "text");
  EXPECT_EQ(f.describe(), "text");
  f.type = value_type::integer;
  EXPECT_EQ(f.type_name(), "integer");
  EXPECT_EQ(f.describe(), "integer");
  f.type = value_type::decimal;
  f.decimal_mark = ',';
  f.currency = "EUR";
  EXPECT_EQ(f.type_name(), "decimal");
  EXPECT_EQ(f.describe(), "decimal (comma mark, EUR)");
  f.decimal_mark = '.';
  EXPECT_EQ(f.describe(), "decimal (EUR)");
  f.currency.clear();
  f.decimal_mark = ',';
  EXPECT_EQ(f.describe(), "decimal (comma mark)");

  value_format d = date_format(date_order::dmy);
  EXPECT_EQ(d.type_name(), "date");
  EXPECT_EQ(d.describe(), "date DD/MM/YYYY");
  d.order = date_order::mdy;
  EXPECT_EQ(d.describe(), "date MM/DD/YYYY");
  d.order = date_order::ymd;
  d.has_time = true;
  EXPECT_EQ(d.describe(), "date+time ISO 8601");
  EXPECT_EQ(unix_format(1000).describe(), "Unix milliseconds");
  EXPECT_EQ(unix_format(1).describe(), "Unix seconds");
  EXPECT_EQ(compact_format().describe(), "date YYYYMMDD");
  EXPECT_EQ(month_format().describe(), "month YYYY-MM");
}

// ---- civil days ----

TEST(ValuesCivilDays, KnownDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_EQ(days_from_civil(1900, 1, 1), -25567);
}

TEST(ValuesCivilDays, RoundTripOverFourCenturiesEachSide) {
  // 1570 .. 2370: covers the 400-year cycle, century non-leap years and negative days.
  const int64_t first = days_from_civil(1570, 1, 1);
  const int64_t last = days_from_civil(2370, 12, 31);
  int py = 0;
  unsigned pm = 0, pd = 0;
  civil_from_days(first - 1, py, pm, pd);
  for (int64_t day = first; day <= last; ++day) {
    int y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(day, y, m, d);
    ASSERT_EQ(days_from_civil(y, m, d), day);
    // Consecutive days: next day of the month, or the first of the next month/year.
    const bool next_day = y == py && m == pm && d == pd + 1;
    const bool next_month = y == py && m == pm + 1 && d == 1;
    const bool next_year = y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31;
    ASSERT_TRUE(next_day || next_month || next_year) << y << '-' << m << '-' << d;
    py = y, pm = m, pd = d;
  }
}

TEST(ValuesCivilDays, DayOfFloorsNegativeSeconds) {
  EXPECT_EQ(day_of(0), 0);
  EXPECT_EQ(day_of(86399), 0);
  EXPECT_EQ(day_of(86400), 1);
  EXPECT_EQ(day_of(-1), -1);
  EXPECT_EQ(day_of(-86400), -1);
  EXPECT_EQ(day_of(-86401), -2);
}

TEST(ValuesDay, FormatsAndParses) {
  EXPECT_EQ(format_day(0), "1970-01-01");
  EXPECT_EQ(format_day(19782), "2024-02-29");
  EXPECT_EQ(format_day(days_from_civil(812, 7, 4)), "0812-07-04");
  EXPECT_EQ(parse_day("2024-02-29"), 19782);
  EXPECT_EQ(parse_day("1970-01-01"), 0);
  EXPECT_FALSE(parse_day("2023-02-29"));
  EXPECT_FALSE(parse_day("2024-2-29"));
  EXPECT_FALSE(parse_day("2024-02-29T00:00"));
  EXPECT_FALSE(parse_day("2024/02/29"));
  EXPECT_FALSE(parse_day(""));
  for (int64_t day = -1000; day < 100000; day += 7) {
    ASSERT_EQ(parse_day(format_day(day)), day);
  }
}

}  // namespace
}  // namespace kpi
