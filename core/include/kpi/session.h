// A session holds the files a user dropped, read and typed, and answers with JSON: what was
// understood of each file (inspect) and the KPI report. The CLI and the wasm module are both
// thin layers over this class, so they return the same bytes for the same input.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/io/readers.h"
#include "kpi/schema.h"
#include "kpi/table.h"

namespace kpi {

// One dropped file after reading: its table, kind and role mapping.
struct dataset {
  int id = 0;
  std::string file;
  read_info info;
  table tbl;
  dataset_kind kind = dataset_kind::unknown;
  bool kind_forced = false;           // set by the user, not detected
  role_map roles;                     // role -> column index
  std::map<std::string, std::string> forced_roles;  // role -> column name ("" = unmapped)
  std::vector<std::string> missing;   // required roles not found
  uint64_t bytes = 0;

  // Column index of `role`, or -1.
  int col(std::string_view role) const {
    auto it = roles.find(std::string(role));
    return it == roles.end() ? -1 : it->second;
  }
  const column* column_of(std::string_view role) const {
    int c = col(role);
    return c < 0 ? nullptr : &tbl.columns[c];
  }
  bool usable() const { return info.error.empty() && kind != dataset_kind::unknown && missing.empty(); }
};

enum class granularity : uint8_t { day, week, month, quarter, year };
std::optional<granularity> parse_granularity(std::string_view s);
std::string_view granularity_name(granularity g);

struct report_options {
  std::optional<int64_t> from;  // day number (days since 1970-01-01), inclusive
  std::optional<int64_t> to;    // day number, exclusive
  granularity gran = granularity::month;
  double lifespan_years = 3;
  bool customers = false;       // include the per-customer predicted CLV table
  // Survey scales set by the user (0 = detect from the data).
  int csat_max = 0;
  int ces_max = 0;
};

// Parses the JSON options of the wasm API: {"from":"YYYY-MM-DD","to":"YYYY-MM-DD",
// "granularity":"month","lifespan_years":3,"customers":false,"csat_max":5,"ces_max":7}.
// Unknown keys are ignored; a malformed value gives an error message in `error`.
report_options parse_report_options(std::string_view json, std::string& error);

class session {
 public:
  session();
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Starts reading a file; returns its id. Feed its bytes in order, then finish().
  int open(std::string name, uint64_t size_hint = 0);
  // Returns the rows read so far (for progress: the record cut by the chunk's end is not
  // counted yet, and finish() may still drop trailing rows).
  size_t feed(int id, std::string_view chunk);
  // Ends the file: types its columns, detects its kind and roles. Returns the file's
  // inspect JSON object.
  std::string finish(int id);
  // Reading one file in two parts at once, in two sessions (two workers, two cores):
  // - this session opens the file and feeds its first bytes; part_spec(id) then says how to
  //   read a later part of it ("" when the file cannot be read in parts: UTF-16 CSV, a JSON
  //   document other than an array of records at the root, or not yet its format, its
  //   header and the 64 KiB a CSV delimiter is sniffed from);
  // - another session reads the part: open_part() with that spec, feed() the part's bytes,
  //   from a line start to the file's end, then end_part() gives the part as pieces of bytes
  //   (none when it could not be read) and forgets it;
  // - this session, fed exactly the bytes before the part, takes it with take_part(), which
  //   asks for the pieces one at a time: true when the part's rows are now this file's, as if
  //   fed here (or when pieces taken turn out to make no rows: then the file fails with that
  //   error); false when the part cannot stand (it began inside a quoted field or a JSON
  //   record, or read its bytes in another encoding), and its bytes must be fed here as usual.
  std::string part_spec(int id) const;
  int open_part(std::string name, std::string_view spec, uint64_t size_hint = 0);
  std::vector<std::string> end_part(int id);
  bool take_part(int id, size_t count, const std::function<std::string_view(size_t)>& piece);
  bool take_part(int id, const std::vector<std::string>& pieces) {
    return take_part(id, pieces.size(), [&](size_t i) { return std::string_view(pieces[i]); });
  }
  // Reading one file in two parts at once in this session, the later part on the second
  // thread (threads() == 2: native builds and the threaded wasm engine), in the same memory:
  // - after the file's first bytes, start_second(id, size) starts a reader of a later part of
  //   `size` bytes (as open_part() with part_spec(id)) on the second thread; false when the
  //   file cannot be read in parts yet or there is no second thread;
  // - feed_second(id, chunk) hands that reader the part's bytes in order, from a line start to
  //   the file's end; it waits while SECOND_QUEUE chunks are still to be read, and returns
  //   the part's rows read so far (for progress);
  // - feed() gives this file the bytes before the part as usual; take_second(id) then waits
  //   for the part's end and takes its rows as take_part() does: true when they are now this
  //   file's, false when the part cannot stand (or its reader failed) and its bytes must be
  //   fed here. finish() and remove() stop a part not taken.
  // A reader of both parts (the CLI, the page's worker) reads a file from SECOND_FROM
  // bytes in two parts, the later one from the first line start at SECOND_AT of its size (the
  // first part's reader also reads the file, so it takes less of it), and feeds the part's
  // next chunk whenever fewer than SECOND_QUEUE wait, else the first part's.
  static constexpr uint64_t SECOND_FROM = 4 << 20;
  static constexpr double SECOND_AT = 0.5;
  static constexpr size_t SECOND_QUEUE = 4;
  bool start_second(int id, uint64_t size);
  size_t feed_second(int id, std::string chunk);
  // The part's chunks queued and not yet read.
  size_t second_waiting(int id) const;
  bool take_second(int id);
  // Convenience: open + feed everything + finish.
  int add(std::string name, std::string_view bytes);
  void remove(int id);
  // Overrides: an empty kind/column goes back to detection. Return an error message or "".
  std::string set_kind(int id, std::string_view kind);
  std::string set_role(int id, std::string_view role, std::string_view column);

  // {"files":[...]}: per file the detected kind, format, delimiter, encoding, rows, columns
  // with type and role, skipped rows and warnings.
  std::string inspect_json(bool pretty = false) const;
  // The KPI report document (see README "The report").
  std::string report_json(const report_options& options, bool pretty = false) const;

  const std::vector<int>& ids() const { return order_; }
  const dataset* get(int id) const;
  size_t memory_bytes() const;

 private:
  struct pending;
  struct second_part;
  void classify(dataset& d);
  std::map<int, std::unique_ptr<dataset>> files_;
  std::map<int, std::unique_ptr<pending>> open_;
  std::vector<int> order_;
  int next_id_ = 1;
};

// The kind a file's name announces ("subscriptions.csv", "Zendesk tickets.json"), if any.
std::optional<dataset_kind> kind_from_file_name(std::string_view file);

// Writes the inspect JSON object of one dataset.
void write_inspect(class json_writer& w, const dataset& d);

}  // namespace kpi
