#include <utility>

#include "kpi/io/readers.h"

namespace kpi {

// Every warning is counted so the report can say "and 1,234 more", but only the first few
// are kept: a file with a million bad rows must not hold a million strings.
void read_info::warn(uint64_t line, std::string reason) {
  ++warning_count;
  if (warnings.size() < MAX_WARNINGS) warnings.push_back({line, std::move(reason)});
}

void read_info::save_part(detail::byte_writer& w) const {
  w.put<uint64_t>(skipped);
  w.put<uint64_t>(warning_count);
  w.put<uint64_t>(warnings.size());
  for (const warning& x : warnings) {
    w.put<uint64_t>(x.line);
    w.put_string(x.reason);
  }
}

void read_info::take_part(detail::byte_reader& r, uint64_t shift, uint64_t uncounted,
                          const std::function<std::optional<std::string>(std::string)>& reason) {
  skipped += r.get<uint64_t>();
  uint64_t count = r.get<uint64_t>() - uncounted;
  const auto kept = r.get<uint64_t>();
  for (uint64_t i = 0; i < kept; ++i) {
    const auto line = r.get<uint64_t>();
    std::optional<std::string> text = reason(r.get_string());
    if (!text) continue;
    warn(line + shift, std::move(*text));  // counts it, and keeps the first few
    --count;
  }
  warning_count += count;  // the part's warnings it did not keep
}

}  // namespace kpi
