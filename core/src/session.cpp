#include "kpi/session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <stdexcept>

#include "kpi/threads.h"
#if LOUPE_HAS_THREADS
#include <condition_variable>
#include <deque>
#include <mutex>
#endif

#include "kpi/detail/bytes.h"
#include "kpi/json_writer.h"
#include "kpi/report.h"

namespace kpi {

// Rows read before the file's row count is estimated from its size.
constexpr size_t ESTIMATE_AFTER_ROWS = 4096;

namespace {

// Once the first rows are read, makes room for the rows of `size_hint` bytes at their rate
// (table_builder::reserve): as many rows again per byte still to come, and a little more, so
// that the arrays are allocated once (an estimate short by a few rows grows them by a
// quarter). Only a hint: when that much cannot be had at once (a file larger than the
// memory), the arrays grow as they fill, and run out of memory only if the rows do come.
void estimate_rows(table_builder& b, bool& reserved, uint64_t size_hint, uint64_t bytes) {
  const size_t rows = b.rows();
  if (reserved || size_hint <= bytes || rows < ESTIMATE_AFTER_ROWS) return;
  reserved = true;
  const double per_byte = static_cast<double>(rows) / static_cast<double>(bytes);
  try {
    b.reserve(static_cast<size_t>(static_cast<double>(size_hint) * per_byte * 1.02) + 1024);
  } catch (const std::bad_alloc&) {
  } catch (const std::length_error&) {
  }
}

}  // namespace

// The later part of a file read on the second thread (session::start_second). The thread
// reads the chunks queued by feed_second() into its own builder, until the part's end or a
// stop; everything it touches but the queue is the caller's again once it is joined.
struct session::second_part {
  table_builder builder;
  std::unique_ptr<reader> rd;
  uint64_t size = 0, bytes = 0;
  bool reserved = false;
  std::string failure;
  std::atomic<size_t> rows{0};
#if LOUPE_HAS_THREADS
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::string> queue;
  bool ended = false, stopped = false;
  std::thread thread;

  void run() {
    bool stop = false;  // `stopped` as last seen under the lock
    for (;;) {
      std::string chunk;
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return stopped || ended || !queue.empty(); });
        stop = stopped;
        if (stop || queue.empty()) break;
        chunk = std::move(queue.front());
        queue.pop_front();
      }
      cv.notify_all();  // room for feed_second()
      if (!failure.empty()) continue;  // the caller reads the part itself
      try {
        rd->feed(chunk);
        bytes += chunk.size();
        estimate_rows(builder, reserved, size, bytes);
        rows.store(builder.rows(), std::memory_order_relaxed);
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
    if (failure.empty() && !stop) {
      try {
        rd->finish();
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
  }
  // Waits for the thread: to read what is queued and end the part, or (stop) to leave it.
  void join(bool stop) {
    if (!thread.joinable()) return;
    {
      std::lock_guard lock(m);
      (stop ? stopped : ended) = true;
    }
    cv.notify_all();
    thread.join();
  }
  ~second_part() { join(true); }
#endif
};

struct session::pending {
  std::unique_ptr<dataset> data;
  table_builder builder;
  std::unique_ptr<reader> rd;
  std::string failure;  // set when reading threw (out of memory): the file is unreadable
  uint64_t size_hint = 0;  // the file's size when known, 0 = unknown
  bool reserved = false;
  std::unique_ptr<second_part> second;  // its later part, read on the second thread
};

std::optional<granularity> parse_granularity(std::string_view s) {
  if (s == "day") return granularity::day;
  if (s == "week") return granularity::week;
  if (s == "month") return granularity::month;
  if (s == "quarter") return granularity::quarter;
  if (s == "year") return granularity::year;
  return std::nullopt;
}

std::string_view granularity_name(granularity g) {
  switch (g) {
    case granularity::day: return "day";
    case granularity::week: return "week";
    case granularity::month: return "month";
    case granularity::quarter: return "quarter";
    case granularity::year: return "year";
  }
  return "month";
}

std::optional<dataset_kind> kind_from_file_name(std::string_view file) {
  // Only the base name counts, lower-cased; "orders" must not match inside "reorders".
  const size_t slash = file.find_last_of("/\\");
  std::string name(slash == std::string_view::npos ? file : file.substr(slash + 1));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<std::string_view, dataset_kind> WORDS[] = {
      {"orders", dataset_kind::orders},           {"order", dataset_kind::orders},
      {"customers", dataset_kind::customers},     {"subscriptions", dataset_kind::subscriptions},
      {"subscription", dataset_kind::subscriptions}, {"memberships", dataset_kind::subscriptions},
      {"membership", dataset_kind::subscriptions}, {"surveys", dataset_kind::surveys},
      {"survey", dataset_kind::surveys},          {"responses", dataset_kind::surveys},
      {"tickets", dataset_kind::tickets},         {"spend", dataset_kind::spend},
      {"leads", dataset_kind::leads},             {"traffic", dataset_kind::traffic},
      {"sessions", dataset_kind::traffic},        {"mentions", dataset_kind::mentions},
      {"activity", dataset_kind::activity},       {"events", dataset_kind::activity}};
  auto is_word = [&](size_t at, size_t len) {
    auto letter = [](char c) { return c >= 'a' && c <= 'z'; };
    return (at == 0 || !letter(name[at - 1])) &&
           (at + len == name.size() || !letter(name[at + len]));
  };
  for (const auto& [word, kind] : WORDS) {
    for (size_t at = name.find(word); at != std::string::npos; at = name.find(word, at + 1)) {
      if (is_word(at, word.size())) return kind;
    }
  }
  return std::nullopt;
}

session::session() = default;
session::~session() = default;

int session::open(std::string name, uint64_t size_hint) {
  const int id = next_id_++;
  auto p = std::make_unique<pending>();
  p->data = std::make_unique<dataset>();
  p->data->id = id;
  p->data->file = std::move(name);
  p->size_hint = size_hint;
  p->rd = make_auto_reader(p->builder);
  open_[id] = std::move(p);
  return id;
}

namespace {

// Runs one step of reading a file. A failure there (out of memory, a reader's limit) fails
// the file: its rows are dropped, and finish() gives the reason as the file's error.
template <typename Pending, typename Step>
void reading(Pending& p, Step&& step) {
  try {
    step();
  } catch (const std::bad_alloc&) {
    p.failure = "the file is too large for the memory available to this page";
    p.builder = table_builder();
  } catch (const std::exception& e) {
    p.failure = std::string("the file could not be read: ") + e.what();
    p.builder = table_builder();
  }
}

}  // namespace

size_t session::feed(int id, std::string_view chunk) {
  auto it = open_.find(id);
  if (it == open_.end()) return 0;
  pending& p = *it->second;
  p.data->bytes += chunk.size();
  if (!p.failure.empty()) return 0;
  reading(p, [&] {
    p.rd->feed(chunk);
    estimate_rows(p.builder, p.reserved, p.size_hint, p.data->bytes);
  });
  return p.builder.rows();
}

std::string session::finish(int id) {
  auto it = open_.find(id);
  if (it == open_.end()) {
    auto done = files_.find(id);
    if (done == files_.end()) return "{}";
    json_writer w;
    write_inspect(w, *done->second);
    return w.take();
  }
  std::unique_ptr<pending> p = std::move(it->second);
  open_.erase(it);
  p->second.reset();  // a part not taken: its rows are not this file's
  dataset& d = *p->data;
  if (p->failure.empty()) {
    try {
      p->rd->finish();
      d.info = p->rd->info();
      p->rd.reset();
      d.tbl = p->builder.finish();
      // Classifying a table that filled the memory can be what runs out of it.
      classify(d);
    } catch (const std::bad_alloc&) {
      p->failure = "the file is too large for the memory available to this page";
    } catch (const std::exception& e) {
      p->failure = std::string("the file could not be read: ") + e.what();
    }
  }
  if (!p->failure.empty()) {
    p->rd.reset();
    d.tbl = table();
    d.info.error = p->failure;
    classify(d);
  }
  order_.reserve(order_.size() + 1);  // so that a file is never in files_ but not in order_
  files_[id] = std::move(p->data);
  order_.push_back(id);
  json_writer w;
  write_inspect(w, *files_[id]);
  return w.take();
}

std::string session::part_spec(int id) const {
  auto it = open_.find(id);
  if (it == open_.end() || !it->second->failure.empty()) return {};
  return it->second->rd->part_spec();
}

int session::open_part(std::string name, std::string_view spec, uint64_t size_hint) {
  const int id = open(std::move(name), size_hint);
  pending& p = *open_[id];
  try {
    p.rd = make_part_reader(p.builder, spec);
  } catch (const std::exception& e) {
    p.failure = std::string("the part could not be read: ") + e.what();
  }
  return id;
}

// The part's reader end (reader::part_end) and its byte count, then its rows
// (table_builder::save).
std::vector<std::string> session::end_part(int id) {
  auto it = open_.find(id);
  if (it == open_.end()) return {};
  std::unique_ptr<pending> p = std::move(it->second);
  open_.erase(it);
  if (!p->failure.empty()) return {};
  try {
    p->rd->finish();
    detail::byte_writer w;
    w.put_string(p->rd->part_end());
    w.put<uint64_t>(p->data->bytes);
    p->rd.reset();
    return p->builder.save(w.take());
  } catch (const std::exception&) {  // out of memory: the first session reads the part
    return {};
  }
}

bool session::take_part(int id, size_t count,
                        const std::function<std::string_view(size_t)>& piece) {
  auto it = open_.find(id);
  if (it == open_.end() || count == 0) return false;
  pending& p = *it->second;
  if (!p.failure.empty()) return false;
  uint64_t line = 0, bytes = 0;
  std::string_view rows;
  try {
    detail::byte_reader r(piece(0));
    const std::string_view end = r.get_bytes();
    bytes = r.get<uint64_t>();
    rows = r.rest();
    line = p.rd->take_part(end);
  } catch (const std::exception&) {
    return false;  // a corrupt part: read its bytes here
  }
  if (line == 0) return false;
  // From here the part is this file's: a failure is the file's.
  reading(p, [&] {
    p.builder.append(count, [&](size_t i) { return i == 0 ? rows : piece(i); }, line - 1);
    p.data->bytes += bytes;
  });
  return true;
}

bool session::start_second(int id, uint64_t size) {
#if LOUPE_HAS_THREADS
  auto it = open_.find(id);
  if (it == open_.end() || threads() < 2) return false;
  pending& p = *it->second;
  if (!p.failure.empty() || p.second) return false;
  const std::string spec = p.rd->part_spec();
  if (spec.empty()) return false;
  try {
    auto part = std::make_unique<second_part>();
    part->rd = make_part_reader(part->builder, spec);
    part->size = size;
    part->thread = std::thread([part = part.get()] { part->run(); });
    p.second = std::move(part);
    return true;
  } catch (const std::exception&) {  // no memory, or no thread to be had: one part
    return false;
  }
#else
  (void)id;
  (void)size;
  return false;
#endif
}

size_t session::feed_second(int id, std::string chunk) {
#if LOUPE_HAS_THREADS
  auto it = open_.find(id);
  if (it == open_.end() || !it->second->second) return 0;
  second_part& part = *it->second->second;
  {
    std::unique_lock lock(part.m);
    part.cv.wait(lock, [&] { return part.queue.size() < SECOND_QUEUE; });
    part.queue.push_back(std::move(chunk));
  }
  part.cv.notify_all();
  return part.rows.load(std::memory_order_relaxed);
#else
  (void)id;
  (void)chunk;
  return 0;
#endif
}

size_t session::second_waiting(int id) const {
#if LOUPE_HAS_THREADS
  auto it = open_.find(id);
  if (it == open_.end() || !it->second->second) return 0;
  second_part& part = *it->second->second;
  std::lock_guard lock(part.m);
  return part.queue.size();
#else
  (void)id;
  return 0;
#endif
}

bool session::take_second(int id) {
  auto it = open_.find(id);
  if (it == open_.end() || !it->second->second) return false;
  pending& p = *it->second;
  std::unique_ptr<second_part> part = std::move(p.second);
#if LOUPE_HAS_THREADS
  part->join(false);
#endif
  if (!p.failure.empty() || !part->failure.empty()) return false;
  uint64_t line = 0;
  try {
    line = p.rd->take_part(part->rd->part_end());
  } catch (const std::exception&) {
    return false;
  }
  if (line == 0) return false;
  part->rd.reset();
  // From here the part is this file's: a failure is the file's.
  reading(p, [&] {
    p.builder.append(std::move(part->builder), line - 1);
    p.data->bytes += part->bytes;
  });
  return true;
}

int session::add(std::string name, std::string_view bytes) {
  const int id = open(std::move(name), bytes.size());
  feed(id, bytes);
  finish(id);
  return id;
}

void session::remove(int id) {
  open_.erase(id);
  files_.erase(id);
  order_.erase(std::remove(order_.begin(), order_.end(), id), order_.end());
}

const dataset* session::get(int id) const {
  auto it = files_.find(id);
  return it == files_.end() ? nullptr : it->second.get();
}

size_t session::memory_bytes() const {
  size_t total = 0;
  for (const auto& [id, d] : files_) total += d->tbl.memory_bytes();
  return total;
}

void session::classify(dataset& d) {
  std::vector<column_info> cols;
  cols.reserve(d.tbl.columns.size());
  for (const column& c : d.tbl.columns) cols.push_back({c.name, c.format.type});
  if (!d.info.error.empty()) {
    d.kind = dataset_kind::unknown;
    d.roles.clear();
    d.missing.clear();
    return;
  }
  if (d.kind_forced) {
    d.roles = map_roles(d.kind, cols);
  } else {
    detection det = detect_kind(cols);
    d.kind = det.kind;
    d.roles = std::move(det.roles);
    // A file named after a kind ("subscriptions.csv", "2024_leads.json") is that kind when
    // its columns allow it: the name is the user's own word for what the file holds.
    if (auto hint = kind_from_file_name(d.file); hint && *hint != d.kind) {
      role_map roles = map_roles(*hint, cols);
      if (missing_roles(*hint, roles).empty()) {
        d.kind = *hint;
        d.roles = std::move(roles);
      }
    }
  }
  // User mappings win over detection; a column may then play only the forced role.
  for (const auto& [role, name] : d.forced_roles) {
    d.roles.erase(role);
    if (name.empty()) continue;
    const int c = d.tbl.find(name);
    if (c < 0) continue;
    for (auto it = d.roles.begin(); it != d.roles.end();) {
      it = it->second == c ? d.roles.erase(it) : std::next(it);
    }
    d.roles[role] = c;
  }
  d.missing = d.kind == dataset_kind::unknown ? std::vector<std::string>{}
                                              : missing_roles(d.kind, d.roles);
  // The report reads these roles only as numbers and dates; a column read directly (see
  // table_builder) that plays any other role gets its codes, for grouping by text. The ids
  // are only ever grouped by text: an interned number column of ids gives up its packed
  // numbers (8 bytes a row). Other roles (sentiment scores, flags) may still be read as
  // numbers, so they keep theirs.
  static constexpr std::array<std::string_view, 17> VALUE_ROLES = {
      "total",   "cost",       "refunded", "quantity", "unit_price",  "date",
      "created_at", "resolved_at", "start", "end",   "end_date",    "signup_date",
      "amount",  "sessions",   "visitors", "score",    "contacts"};
  for (const auto& [role, idx] : d.roles) {
    column& c = d.tbl.columns[idx];
    if (std::find(VALUE_ROLES.begin(), VALUE_ROLES.end(), role) == VALUE_ROLES.end()) {
      c.materialize();
    }
    if (role == "order_id" || role == "customer_id") c.drop_numbers();
  }
}

std::string session::set_kind(int id, std::string_view kind) {
  auto it = files_.find(id);
  if (it == files_.end()) return "no such file";
  dataset& d = *it->second;
  if (kind.empty()) {
    d.kind_forced = false;
  } else {
    auto k = parse_kind(kind);
    if (!k) return "unknown kind: " + std::string(kind);
    d.kind = *k;
    d.kind_forced = true;
  }
  classify(d);
  return "";
}

std::string session::set_role(int id, std::string_view role, std::string_view column_name) {
  auto it = files_.find(id);
  if (it == files_.end()) return "no such file";
  dataset& d = *it->second;
  if (!column_name.empty() && d.tbl.find(column_name) < 0) {
    return "no column named " + std::string(column_name) + " in " + d.file;
  }
  bool known = false;
  for (dataset_kind k : {dataset_kind::orders, dataset_kind::customers,
                         dataset_kind::subscriptions, dataset_kind::surveys, dataset_kind::tickets,
                         dataset_kind::spend, dataset_kind::leads, dataset_kind::traffic,
                         dataset_kind::mentions, dataset_kind::activity}) {
    for (const role_spec& r : roles_of(k)) known = known || r.role == role;
  }
  if (!known) return "unknown role: " + std::string(role);
  d.forced_roles[std::string(role)] = std::string(column_name);
  classify(d);
  return "";
}

void write_inspect(json_writer& w, const dataset& d) {
  w.begin_object();
  w.field("id", d.id);
  w.field("file", d.file);
  w.field("kind", kind_name(d.kind));
  w.field("kind_forced", d.kind_forced);
  w.field("format", d.info.format);
  w.field("delimiter", d.info.delimiter ? std::string(1, d.info.delimiter) : std::string());
  w.field("encoding", d.info.encoding);
  w.field("bytes", d.bytes);
  w.field("rows", static_cast<uint64_t>(d.tbl.rows()));
  w.field("skipped", d.info.skipped);
  w.field("error", d.info.error);
  w.key("missing").begin_array();
  for (const std::string& m : d.missing) w.value(m);
  w.end_array();
  w.key("columns").begin_array();
  for (size_t i = 0; i < d.tbl.columns.size(); ++i) {
    const column& c = d.tbl.columns[i];
    w.begin_object();
    w.field("name", c.name);
    w.field("type", c.format.type_name());
    w.field("format", c.format.describe());
    std::string role;
    for (const auto& [r, idx] : d.roles) {
      if (idx == static_cast<int>(i)) role = r;
    }
    w.key("role");
    if (role.empty()) {
      w.null();
    } else {
      w.value(role);
    }
    w.field("bad", c.bad);
    w.end_object();
  }
  w.end_array();
  // Bad values count as warnings too: they are never silently read as 0.
  uint64_t bad_total = 0;
  for (const column& c : d.tbl.columns) bad_total += c.bad;
  w.field("warning_count", d.info.warning_count + bad_total);
  w.key("warnings").begin_array();
  size_t shown = 0;
  for (const warning& wr : d.info.warnings) {
    if (shown++ == MAX_WARNINGS) break;
    w.begin_object().field("line", wr.line).field("reason", wr.reason).end_object();
  }
  for (const column& c : d.tbl.columns) {
    for (uint32_t r : c.bad_rows) {
      if (shown++ >= MAX_WARNINGS) break;
      std::string reason = "unreadable " + std::string(c.format.type_name()) + " in column \"" +
                           c.name + "\": \"" + std::string(c.text(r).substr(0, 40)) + "\"";
      w.begin_object().field("line", d.tbl.lines[r]).field("reason", reason).end_object();
    }
  }
  w.end_array();
  w.end_object();
}

std::string session::inspect_json(bool pretty) const {
  json_writer w(pretty);
  w.begin_object();
  w.key("files").begin_array();
  for (int id : order_) {
    write_inspect(w, *files_.at(id));
  }
  w.end_array();
  w.end_object();
  return w.take();
}

std::string session::report_json(const report_options& options, bool pretty) const {
  try {
    std::vector<const dataset*> sets;
    for (int id : order_) sets.push_back(files_.at(id).get());
    return build_report(sets, options, pretty);
  } catch (const std::exception& e) {
    // Nothing a user drops may take the page down: say what failed instead.
    json_writer w;
    w.begin_object().field("error", std::string("the report could not be computed: ") + e.what());
    w.end_object();
    return w.take();
  }
}

}  // namespace kpi
