// libFuzzer target: the CSV reader fed in the chunk sizes the input's first bytes choose.
// Besides crashes and sanitizer reports, it checks the reader's promise that chunk
// boundaries never change the table, the warnings or the error.
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kpi;
  const fuzz::chunk_plan plan = fuzz::plan_chunks(data, size);
  const fuzz::read_result whole = fuzz::read_chunked(make_csv_reader, plan.file, {});
  const fuzz::read_result chunked = fuzz::read_chunked(make_csv_reader, plan.file, plan.sizes);
  fuzz::expect_same(whole, chunked);
  fuzz::touch_cells(chunked.t);
  // The page goes through the auto reader, which buffers the start before choosing.
  const fuzz::read_result automatic = fuzz::read_chunked(make_auto_reader, plan.file, plan.sizes);
  fuzz::touch_cells(automatic.t);
  return 0;
}
