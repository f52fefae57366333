// libFuzzer target: a CSV file read in two parts, as two workers read it (reader::part_spec,
// make_csv_part_reader, part_end, take_part; table_builder::save and append through bytes),
// must give what reading it whole gives: the same table, warnings, encoding and error. The
// input, repeated past the 64 KiB the delimiter is sniffed from, is the file; its first bytes
// choose the chunk sizes and the line start where the second part begins, which may lie
// inside a quoted field (the first part then refuses the second and reads on itself).
#include "fuzz_input.h"

namespace {

constexpr size_t SPEC_AFTER = 66 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kpi;
  const fuzz::chunk_plan plan = fuzz::plan_chunks(data, size);
  if (plan.file.empty()) return 0;
  std::string file;
  while (file.size() < SPEC_AFTER + 8 * 1024) file.append(plan.file);
  // The split: one of the line starts in the 8 KiB after the spec, chosen by the plan.
  std::vector<size_t> starts;
  for (size_t i = SPEC_AFTER + 1; i < SPEC_AFTER + 8 * 1024 && i < file.size(); ++i) {
    if (file[i - 1] == '\n') starts.push_back(i);
  }
  if (starts.empty()) return 0;
  const size_t split = starts[plan.sizes[0] % starts.size()];
  const std::string_view all(file);

  const fuzz::read_result whole = fuzz::read_chunked(make_csv_reader, all, {});

  table_builder first_rows, second_rows;
  std::unique_ptr<reader> first = make_csv_reader(first_rows);
  auto feed = [&](reader& r, std::string_view bytes) {
    size_t k = 0;
    for (size_t at = 0; at < bytes.size(); k = (k + 1) % plan.sizes.size()) {
      const size_t n = std::min(plan.sizes[k], bytes.size() - at);
      r.feed(bytes.substr(at, n));
      at += n;
    }
  };
  feed(*first, all.substr(0, SPEC_AFTER));
  const std::string spec = first->part_spec();
  if (spec.empty()) return 0;  // not readable in parts (UTF-16, a failed file, no header yet)
  std::unique_ptr<reader> second = make_csv_part_reader(second_rows, spec);
  feed(*second, all.substr(split));
  second->finish();
  feed(*first, all.substr(SPEC_AFTER, split - SPEC_AFTER));
  const uint64_t line = first->take_part(second->part_end());
  if (line != 0) {
    const std::vector<std::string> pieces = second_rows.save();
    first_rows.append(pieces.size(), [&](size_t i) { return std::string_view(pieces[i]); },
                      line - 1);
  } else {
    feed(*first, all.substr(split));
  }
  first->finish();
  const fuzz::read_result parts{first_rows.finish(), first->info()};
  fuzz::expect_same(whole, parts);
  return 0;
}
