// libFuzzer target: the JSON reader (arrays, wrapped arrays, NDJSON) fed in the chunk sizes
// the input's first bytes choose; chunk boundaries must never change the result.
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kpi;
  const fuzz::chunk_plan plan = fuzz::plan_chunks(data, size);
  const fuzz::read_result whole = fuzz::read_chunked(make_json_reader, plan.file, {});
  const fuzz::read_result chunked = fuzz::read_chunked(make_json_reader, plan.file, plan.sizes);
  fuzz::expect_same(whole, chunked);
  fuzz::touch_cells(chunked.t);
  return 0;
}
