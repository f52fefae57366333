// Shared helpers of the libFuzzer targets: how the first bytes of an input choose the chunk
// sizes a reader is fed with, and how a table is compared with another.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/io/readers.h"
#include "kpi/table.h"

namespace kpi::fuzz {

// Stops the run with a message: libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// The chunk sizes a page could use, taken from the input's first bytes. The first byte says
// how many size bytes follow (1..8); each size byte gives 1..128 bytes, or with its high bit
// set a multiple of 509 (so chunks also straddle the readers' internal 4 KiB/64 KiB steps).
// What follows the size bytes is the file.
struct chunk_plan {
  std::vector<size_t> sizes;
  std::string_view file;
};

inline chunk_plan plan_chunks(const uint8_t* data, size_t size) {
  chunk_plan plan;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.empty()) {
    plan.sizes.push_back(1);
    return plan;
  }
  const size_t count = std::min<size_t>(static_cast<uint8_t>(in[0]) % 8 + 1, in.size() - 1);
  for (size_t i = 1; i <= count; ++i) {
    const uint8_t b = static_cast<uint8_t>(in[i]);
    plan.sizes.push_back(b & 0x80 ? (b & 0x7F) * 509 + 1 : b + 1);
  }
  if (plan.sizes.empty()) plan.sizes.push_back(1);
  plan.file = in.substr(count + 1);
  return plan;
}

struct read_result {
  table t;
  read_info info;
};

// Reads `file` with a new reader from `make`, in chunks of `sizes` (cycled); an empty `sizes`
// feeds it whole.
template <typename Make>
read_result read_chunked(Make make, std::string_view file, const std::vector<size_t>& sizes) {
  table_builder builder;
  std::unique_ptr<reader> r = make(builder);
  if (sizes.empty()) {
    r->feed(file);
  } else {
    size_t k = 0;
    for (size_t at = 0; at < file.size(); k = (k + 1) % sizes.size()) {
      const size_t n = std::min(sizes[k], file.size() - at);
      r->feed(file.substr(at, n));
      at += n;
    }
  }
  r->finish();
  return {builder.finish(), r->info()};
}

// The readers promise that chunk boundaries never change the result: checks it.
inline void expect_same(const read_result& a, const read_result& b) {
  if (a.info.error != b.info.error) fail("error differs with the chunking");
  if (a.info.format != b.info.format) fail("format differs with the chunking");
  if (a.info.encoding != b.info.encoding) fail("encoding differs with the chunking");
  if (a.info.delimiter != b.info.delimiter) fail("delimiter differs with the chunking");
  if (a.info.skipped != b.info.skipped) fail("skipped count differs with the chunking");
  if (a.info.warning_count != b.info.warning_count) fail("warning count differs with the chunking");
  if (a.info.warnings.size() != b.info.warnings.size()) fail("warnings differ with the chunking");
  for (size_t i = 0; i < a.info.warnings.size(); ++i) {
    if (a.info.warnings[i].line != b.info.warnings[i].line ||
        a.info.warnings[i].reason != b.info.warnings[i].reason) {
      fail("a warning differs with the chunking");
    }
  }
  if (a.t.columns.size() != b.t.columns.size()) fail("column count differs with the chunking");
  if (a.t.lines != b.t.lines) fail("rows or their lines differ with the chunking");
  for (size_t c = 0; c < a.t.columns.size(); ++c) {
    const column& x = a.t.columns[c];
    const column& y = b.t.columns[c];
    if (x.name != y.name) fail("a column name differs with the chunking");
    if (x.format.describe() != y.format.describe()) fail("a column format differs");
    if (x.bad != y.bad) fail("a bad-value count differs with the chunking");
    for (size_t r = 0; r < a.t.rows(); ++r) {
      if (x.text(r) != y.text(r)) fail("a cell differs with the chunking");
    }
  }
}

// Reading every cell back through the typed accessors must stay inside the table.
inline void touch_cells(const table& t) {
  for (const column& c : t.columns) {
    if (c.codes.size() != t.rows()) fail("a column has the wrong number of cells");
    for (size_t r = 0; r < t.rows(); ++r) {
      (void)c.text(r);
      (void)c.number(r);
      (void)c.time(r);
    }
  }
}

}  // namespace kpi::fuzz
