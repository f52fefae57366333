// Tests for kpi/json_writer.h: numbers print as the shortest text that reads back exactly.
#include "kpi/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace kpi {
namespace {

// The definition: the first precision from 1 up whose %g reads back as d.
std::string shortest_by_search(double d) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

TEST(FormatDouble, IsTheShortestTextThatReadsBack) {
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(78.41703300797258), "78.41703300797258");
  EXPECT_EQ(format_double(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format_double(2.5e-7), "2.5e-07");
  EXPECT_EQ(format_double(1e15 + 0.5), "1000000000000000.5");
  EXPECT_EQ(format_double(12), "12");
  EXPECT_EQ(format_double(-0.0), "0");
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 40000; ++i) {
    double d;
    switch (i % 4) {
      case 0:  // any finite bit pattern
        do {
          const uint64_t bits = rng();
          std::memcpy(&d, &bits, sizeof d);
        } while (!std::isfinite(d));
        break;
      case 1:  // money
        d = std::round(unit(rng) * 1e7) / 100;
        break;
      case 2:  // rates and ratios
        d = unit(rng) * 100;
        break;
      default:  // short decimals at every scale
        d = std::round(unit(rng) * 1000) * std::pow(10.0, static_cast<int>(rng() % 40) - 20);
        break;
    }
    if (std::nearbyint(d) == d && std::fabs(d) < 1e15) continue;  // printed as an integer
    ASSERT_EQ(format_double(d), shortest_by_search(d)) << i;
  }
}

}  // namespace
}  // namespace kpi
