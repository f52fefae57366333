// The KPI report: one JSON document for every dropped dataset and the chosen period.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kpi/session.h"

namespace kpi {

// Builds the report document for `sets` (datasets that are not usable are listed with their
// problems and contribute nothing). Deterministic: the same inputs give the same bytes.
std::string build_report(const std::vector<const dataset*>& sets, const report_options& options,
                         bool pretty = false);

}  // namespace kpi
