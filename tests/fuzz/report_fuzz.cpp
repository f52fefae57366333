// libFuzzer target: the whole pipeline a dropped file goes through. The input's first byte
// picks the file name (names hint the kind) and a forced kind, the next bytes the chunking;
// the rest is the file. It is read by a session next to a fixed, valid orders file, then
// inspected and reported twice (detected kind, default period; forced kind, a fixed period
// and granularity). Checks: both documents are valid JSON, the orders file is still
// usable, and every KPI keeps its contract (status, value, numerator/denominator).
#include <cmath>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "kpi/session.h"
#include "simdjson.h"

namespace {

using namespace kpi;

constexpr std::string_view ORDERS =
    "order_id,customer_id,created_at,total,status,channel,cost\n"
    "1,c1,2024-01-05,10.00,paid,web,4\n"
    "2,c2,2024-01-20,25.50,paid,email,10\n"
    "3,c1,2024-02-03,12.00,paid,web,5\n"
    "4,c3,2024-03-11,40.00,cancelled,social,20\n"
    "5,c2,2024-04-02,8.25,paid,email,3\n"
    "6,c4,2024-05-30,99.99,refunded,web,40\n"
    "7,c1,2024-06-14,15.00,paid,web,6\n";

constexpr std::string_view NAMES[] = {
    "export.csv",  "orders.csv",    "customers.csv", "subscriptions.csv", "surveys.csv",
    "tickets.csv", "spend.csv",     "leads.csv",     "traffic.csv",       "mentions.csv",
    "activity.csv", "orders.json",  "data.ndjson",   "book.xlsx",         "x",
    "report.txt"};

constexpr std::string_view KINDS[] = {"", "orders", "customers", "subscriptions", "surveys",
                                      "tickets", "spend", "leads", "traffic", "mentions",
                                      "activity"};

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) kpi::fuzz::fail("output is not JSON");
  return doc;
}

void check_report(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element doc = parse(parser, json);
  simdjson::dom::object kpis;
  if (doc["kpis"].get(kpis) != simdjson::SUCCESS) kpi::fuzz::fail("report without kpis");
  for (auto [id, k] : kpis) {
    std::string_view status;
    if (k["status"].get(status) != simdjson::SUCCESS) kpi::fuzz::fail("KPI without status");
    simdjson::dom::element value;
    if (k["value"].get(value) != simdjson::SUCCESS) kpi::fuzz::fail("KPI without value");
    if (status == "undefined" || status == "unavailable") {
      if (!value.is_null()) kpi::fuzz::fail("an undefined/unavailable KPI has a value");
      continue;
    }
    if (status != "ok") kpi::fuzz::fail("unknown KPI status");
    double v = 0;
    if (value.get(v) != simdjson::SUCCESS) continue;  // some KPIs are tables, not numbers
    std::string_view unit;
    (void)k["unit"].get(unit);
    if (unit == "count" && (v < 0 || v != std::floor(v))) {
      kpi::fuzz::fail("a count is negative or fractional");
    }
    double num = 0;
    double den = 0;
    if (k["numerator"].get(num) == simdjson::SUCCESS &&
        k["denominator"].get(den) == simdjson::SUCCESS) {
      if (den == 0) kpi::fuzz::fail("status ok with a zero denominator");
      // Percentages and scores (NPS: % promoters - % detractors) are ratios x 100.
      const double ratio = unit == "%" || unit == "score" ? num / den * 100 : num / den;
      if (std::fabs(ratio - v) > 1e-6 * std::max(1.0, std::fabs(v))) {
        std::fprintf(stderr, "KPI %.*s: %g / %g gives %g, not %g\n", static_cast<int>(id.size()),
                     id.data(), num, den, ratio, v);
        kpi::fuzz::fail("numerator/denominator do not reproduce the value");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t pick = data[0];
  const fuzz::chunk_plan plan = fuzz::plan_chunks(data + 1, size - 1);
  static simdjson::dom::parser parser;

  session s;
  const int orders = s.add("shop_orders.csv", ORDERS);
  const int id = s.open(std::string(NAMES[pick & 15]), plan.file.size());
  size_t k = 0;
  for (size_t at = 0; at < plan.file.size(); k = (k + 1) % plan.sizes.size()) {
    const size_t n = std::min(plan.sizes[k], plan.file.size() - at);
    s.feed(id, plan.file.substr(at, n));
    at += n;
  }
  parse(parser, s.finish(id));

  report_options options;
  check_report(parser, s.report_json(options));
  if (!s.get(orders)->usable()) kpi::fuzz::fail("the fixed orders file became unusable");

  // Forcing a kind maps roles on whatever columns the file has.
  const std::string_view kind = KINDS[(pick >> 4) % 11];
  (void)s.set_kind(id, kind);
  options.from = parse_day("2024-01-01");
  options.to = parse_day("2024-07-01");
  options.gran = static_cast<granularity>(pick % 5);
  check_report(parser, s.report_json(options));
  parse(parser, s.inspect_json());
  s.remove(id);
  if (s.ids().size() != 1 || !s.get(orders)->usable()) kpi::fuzz::fail("remove broke the session");
  return 0;
}
