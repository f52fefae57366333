// Streaming readers: CSV-like text and JSON, fed chunk by chunk into a table_builder.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/table.h"

namespace kpi {

struct warning {
  uint64_t line = 0;  // 1-based line (CSV) or record number (JSON); 0 = whole file
  std::string reason;
};

// What a reader learnt about the file besides its rows.
struct read_info {
  std::string format;     // "csv", "json", "ndjson"
  std::string encoding;   // "utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252"
  char delimiter = 0;     // CSV only: ',', ';', '\t', '|'
  uint64_t skipped = 0;   // rows not added (ragged, unparseable)
  uint64_t warning_count = 0;           // all warnings, including those not kept
  std::vector<warning> warnings;        // the first MAX_WARNINGS
  std::string error;      // non-empty when the file cannot be read at all (fatal)
  void warn(uint64_t line, std::string reason);
  // Reading a file in two parts (reader::part_end, reader::take_part): a part's skipped rows
  // and warnings as bytes, then taken after this reader's own. Each kept warning's line is
  // shifted by `shift` and its reason is what `reason` makes of it (std::nullopt drops it);
  // `uncounted` of the part's warnings, those dropped included, are not counted.
  void save_part(detail::byte_writer& w) const;
  void take_part(detail::byte_reader& r, uint64_t shift, uint64_t uncounted,
                 const std::function<std::optional<std::string>(std::string)>& reason);
};

inline constexpr size_t MAX_WARNINGS = 20;

// A reader takes the file's bytes in chunks of any size (1 byte works) and appends rows to
// `out`. Chunk boundaries never change the result. After finish(), `info()` is final.
class reader {
 public:
  virtual ~reader() = default;
  virtual void feed(std::string_view chunk) = 0;
  virtual void finish() = 0;
  virtual const read_info& info() const = 0;

  // Reading one file in two parts at once (see session::part_spec): the CSV reader, and the
  // JSON reader for NDJSON and an array of records at the root; the defaults say no.
  // What a reader of a later part of this file needs to know (delimiter, encoding, header),
  // or "" when no part can be read from what was fed so far.
  virtual std::string part_spec() const { return {}; }
  // After finish() in the reader of a part: what the first part's reader takes with its rows.
  virtual std::string part_end() const { return {}; }
  // In the first part's reader, fed exactly the bytes before the part: takes the part's end
  // (its warnings, its encoding) and gives the line the part started on, to shift its rows'
  // lines by; or 0 when this reader cannot take it (fed bytes end inside a record or a quote,
  // or the part decided another encoding) and must read the part's bytes itself.
  virtual uint64_t take_part(std::string_view end) {
    (void)end;
    return 0;
  }
};

// CSV/TSV/semicolon/pipe text. The delimiter is sniffed from the first lines (those fed
// before the first complete 64 KiB, or all of a shorter file): the candidate among
// , ; TAB | that splits the lines into the most consistent number (> 1) of fields outside
// quotes. RFC 4180 quoting, CRLF or LF, a UTF-8 BOM, and UTF-16 LE/BE with BOM (converted to
// UTF-8). The first record is the header. A record with a different number of fields than
// the header is ragged: skipped, warned with its starting line number. Blank lines are
// ignored. An unterminated quote at the end of the file is warned and its record skipped.
// `out` has no columns yet (std::logic_error otherwise): the header's become its columns.
std::unique_ptr<reader> make_csv_reader(table_builder& out);
// A reader of a later part of a CSV file, starting at a line start, with the header, the
// delimiter and the encoding that `spec` (reader::part_spec of the first part's reader) gives.
// Its lines count from 1 at the part's first byte. `out` has no columns yet, as above.
std::unique_ptr<reader> make_csv_part_reader(table_builder& out, std::string_view spec);

// JSON: an array of objects, an object holding one such array (the first array-of-objects
// member, e.g. {"orders": [...]}), or newline-delimited JSON (one object per line). Nested
// objects are flattened with dots ("customer.id"); scalars become text cells (numbers as
// written, true/false, null = empty). An array of objects inside a record (line items)
// yields one row per element, carrying the record's other fields, the element's fields
// prefixed by the array's key ("line_items.sku"); only the first such array is expanded,
// other arrays are kept as their JSON text. Parsed with simdjson. A record that is not an
// object is skipped with a warning; malformed JSON sets info().error (whole array) or skips
// the line with a warning (NDJSON).
std::unique_ptr<reader> make_json_reader(table_builder& out);
// A reader of a later part of a JSON file (NDJSON lines, or the records of an array at the
// root, from a line start after a comma), as `spec` from the first part's reader says.
std::unique_ptr<reader> make_json_part_reader(table_builder& out, std::string_view spec);
// A reader of a later part of a file, CSV or JSON, as `spec` (reader::part_spec) says.
std::unique_ptr<reader> make_part_reader(table_builder& out, std::string_view spec);

// Chooses by content: the first non-space byte (after any BOM) '[' or '{' means JSON.
// Returns a reader that buffers the first bytes until it can decide.
std::unique_ptr<reader> make_auto_reader(table_builder& out);

}  // namespace kpi
