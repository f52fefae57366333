#include <utility>

#include "kpi/io/readers.h"

namespace kpi {

// Every warning is counted so the report can say "and 1,234 more", but only the first few
// are kept: a file with a million bad rows must not hold a million strings.
void read_info::warn(uint64_t line, std::string reason) {
  ++warning_count;
  if (warnings.size() < MAX_WARNINGS) warnings.push_back({line, std::move(reason)});
}

}  // namespace kpi
