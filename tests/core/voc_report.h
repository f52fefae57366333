// Test helper for the voice-of-customer suites (Surveys, Support, Social): drops CSV texts
// into a session, runs the report for an explicit period and reads fields of the document by
// JSON pointer ("/kpis/nps/value").
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kpi/session.h"
#include "kpi/values.h"
#include "simdjson.h"

namespace kpi::testing_voc {

struct file {
  std::string name;
  std::string text;
};

// The text of tests/data/voc/<name> (a failure when it cannot be read).
inline file fixture(const std::string& name) {
  std::ifstream in(std::string(LOUPE_TEST_DATA) + "/voc/" + name, std::ios::binary);
  if (!in) ADD_FAILURE() << "cannot read fixture " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return {name, text.str()};
}

class voc_report {
 public:
  // Reads `files` and reports [from, to) (YYYY-MM-DD) with `opts` (its period is replaced).
  voc_report(const std::vector<file>& files, std::string_view from, std::string_view to,
             report_options opts = {}) {
    for (const file& f : files) s_.add(f.name, f.text);
    opts.from = parse_day(from);
    opts.to = parse_day(to);
    json_ = s_.report_json(opts);
    if (parser_.parse(json_).get(root_)) {
      ADD_FAILURE() << "report is not JSON: " << json_;
    }
    // What at() gives for an absent field, so that a failed lookup fails the test instead of
    // crashing it (a default element has no document behind it).
    if (null_parser_.parse(std::string_view("null")).get(null_)) ADD_FAILURE();
  }

  // The element at `pointer`; a test failure (and a JSON null) when it is absent.
  simdjson::dom::element at(std::string_view pointer) const {
    simdjson::dom::element e;
    if (root_.at_pointer(pointer).get(e)) {
      ADD_FAILURE() << "no " << pointer << " in " << kpis_text();
      return null_;
    }
    return e;
  }
  bool has(std::string_view pointer) const {
    simdjson::dom::element e;
    return !root_.at_pointer(pointer).get(e);
  }
  bool is_null(std::string_view pointer) const { return at(pointer).is_null(); }
  // The number at `pointer`; NaN (and a failure) when it is not a number.
  double num(std::string_view pointer) const {
    double d;
    if (at(pointer).get_double().get(d)) {
      ADD_FAILURE() << pointer << " is not a number in " << kpis_text();
      return std::numeric_limits<double>::quiet_NaN();
    }
    return d;
  }
  std::string str(std::string_view pointer) const {
    std::string_view s;
    if (at(pointer).get_string().get(s)) {
      ADD_FAILURE() << pointer << " is not a string in " << kpis_text();
      return {};
    }
    return std::string(s);
  }
  size_t size(std::string_view pointer) const {
    simdjson::dom::array a;
    if (at(pointer).get_array().get(a)) {
      ADD_FAILURE() << pointer << " is not an array in " << kpis_text();
      return 0;
    }
    return a.size();
  }
  // The numbers of the array at `pointer` (null entries as NaN).
  std::vector<double> nums(std::string_view pointer) const {
    std::vector<double> out;
    simdjson::dom::array a;
    if (at(pointer).get_array().get(a)) return out;
    for (simdjson::dom::element e : a) {
      double d;
      out.push_back(e.get_double().get(d) ? std::numeric_limits<double>::quiet_NaN() : d);
    }
    return out;
  }
  // Pointer to the element of the array at `pointer` whose `key` equals `value`, or "" (and
  // a failure) when there is none.
  std::string entry(std::string_view pointer, std::string_view key, std::string_view value) const {
    const size_t n = size(pointer);
    for (size_t i = 0; i < n; ++i) {
      const std::string p = std::string(pointer) + "/" + std::to_string(i);
      std::string_view v;
      if (!at(p + "/" + std::string(key)).get_string().get(v) && v == value) return p;
    }
    ADD_FAILURE() << "no " << key << " = " << value << " in " << pointer << ": " << kpis_text();
    return std::string(pointer) + "/missing";
  }
  // The value of bucket `label` in series `id`.
  simdjson::dom::element bucket(std::string_view id, std::string_view label) const {
    const std::string p = entry("/series/" + std::string(id), "bucket", label);
    return at(p + "/value");
  }

  const std::string& json() const { return json_; }
  // The document's "kpis" and "series" (the datasets part is of no interest here).
  std::string kpis_text() const {
    const size_t at = json_.find("\"kpis\"");
    return at == std::string::npos ? json_ : json_.substr(at);
  }
  const session& sess() const { return s_; }

 private:
  session s_;
  std::string json_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  simdjson::dom::parser null_parser_;
  simdjson::dom::element null_;
};

}  // namespace kpi::testing_voc
