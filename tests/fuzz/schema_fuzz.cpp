// libFuzzer target: kind and role detection on fuzzed headers. Each input line is a column:
// its first byte picks the column type, the rest is the header. Checks that every role points
// at a real column, that no column plays two roles, and that a detected kind has its required
// roles.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "kpi/schema.h"

namespace {

using namespace kpi;

constexpr dataset_kind KINDS[] = {
    dataset_kind::orders,  dataset_kind::customers, dataset_kind::subscriptions,
    dataset_kind::surveys, dataset_kind::tickets,   dataset_kind::spend,
    dataset_kind::leads,   dataset_kind::traffic,   dataset_kind::mentions,
    dataset_kind::activity};

void check_roles(const role_map& roles, size_t columns) {
  std::set<int> used;
  for (const auto& [role, index] : roles) {
    if (index < 0 || static_cast<size_t>(index) >= columns) kpi::fuzz::fail("role out of range");
    if (!used.insert(index).second) kpi::fuzz::fail("a column plays two roles");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<column_info> cols;
  for (size_t at = 0; at < in.size();) {
    size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) nl = in.size();
    const std::string_view line = in.substr(at, nl - at);
    at = nl + 1;
    if (line.empty()) continue;
    const auto type = static_cast<value_type>(static_cast<uint8_t>(line[0]) % 5);
    cols.push_back({line.substr(1), type});
  }
  for (const column_info& c : cols) (void)normalize_header(c.name);
  const detection det = detect_kind(cols);
  check_roles(det.roles, cols.size());
  if (det.kind != dataset_kind::unknown && !missing_roles(det.kind, det.roles).empty()) {
    kpi::fuzz::fail("a detected kind lacks a required role");
  }
  for (dataset_kind k : KINDS) {
    const role_map roles = map_roles(k, cols);
    check_roles(roles, cols.size());
    (void)missing_roles(k, roles);
    (void)parse_kind(kind_name(k));
  }
  return 0;
}
