// The orders model: orders of every orders dataset grouped by order id, with order-level
// fields taken from the first non-empty value among the order's rows, and customers matched
// across files by id or e-mail.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "kpi/detail/report_parts.h"
#include "kpi/threads.h"

namespace kpi::detail {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

namespace {

// From this many orders (or rows of an orders dataset) build_model sorts the orders, and
// writes a dataset's orders, on two threads where there are two (kpi/threads.h).
constexpr size_t PARALLEL_MODEL_ROWS = 20000;

// Orders by id: numerically when both ids are numbers (so "#1009" < "#1010" < "#999" does not
// happen), else as text.
bool id_less(std::string_view a, std::string_view b) {
  auto digits = [](std::string_view s) {
    while (!s.empty() && (s.front() == '#')) s.remove_prefix(1);
    return s;
  };
  std::string_view da = digits(a), db = digits(b);
  auto all_digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (all_digits(da) && all_digits(db)) {
    while (da.size() > 1 && da.front() == '0') da.remove_prefix(1);
    while (db.size() > 1 && db.front() == '0') db.remove_prefix(1);
    if (da.size() != db.size()) return da.size() < db.size();
    return da < db;
  }
  return a < b;
}

// A column's number at a row, NaN when the cell is empty. For a number column with its
// packed array that is the array's value (an empty cell is NaN there), without asking
// empty_at, which is out of line for a column read directly. That way is inline and the
// other is not: whole, this ran as a call per row in wasm (2.3% of the 5M-row CSV's run).
struct filled_number {
  const column* c = nullptr;
  bool packed = false;
  explicit filled_number(const column* col)
      : c(col), packed(col && col->is_number() && !col->numbers.empty()) {}
  [[gnu::always_inline]] double operator()(size_t row) const {
    if (packed) [[likely]] return c->numbers[row];
    return by_text(row);
  }
  // std::isnan((*this)(row)), without reading the number out of its packed form.
  [[gnu::always_inline]] bool missing(size_t row) const {
    if (packed) [[likely]] return c->numbers.missing(row);
    return std::isnan(by_text(row));
  }
  [[gnu::noinline]] double by_text(size_t row) const {
    return c->empty_at(row) ? std::numeric_limits<double>::quiet_NaN() : c->number(row);
  }
};

}  // namespace

std::string fold(std::string_view s) {
  s = trim(s);
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool invalid_status(std::string_view status) {
  static const std::array<std::string_view, 42> WORDS = {
      "cancelled", "canceled", "voided", "failed", "declined", "refunded",
      // Italian
      "annullato", "annullata", "cancellato", "cancellata", "rimborsato", "rimborsata",
      "stornato", "stornata", "fallito", "fallita", "rifiutato", "rifiutata",
      // Romanian
      "anulat", "anulata", "anulată", "rambursat", "rambursata", "rambursată", "eșuat",
      "eșuată", "esuat", "esuata", "eşuat", "eşuată", "respins", "respinsa", "respinsă",
      // Chinese
      "已取消", "取消", "已退款", "退款", "失败", "已拒绝", "作废",
      // common variants
      "void", "cancelled by customer"};
  std::string s = fold(status);
  if (s.empty()) return false;
  // Upper-case non-ASCII letters (Ă, Ș) only occur in Romanian words; fold the common ones.
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"Ă", "ă"},
                          {"Ș", "ș"}, {"Ş", "ş"}, {"Ț", "ț"}}) {
    size_t pos;
    while ((pos = s.find(from)) != std::string::npos) s.replace(pos, from.size(), to);
  }
  return std::find(WORDS.begin(), WORDS.end(), s) != WORDS.end();
}

bool truthy(std::string_view value) {
  std::string s = fold(value);
  return s == "yes" || s == "y" || s == "true" || s == "1" || s == "si" || s == "sì" ||
         s == "da" || s == "是" || s == "t" || s == "converted" || s == "won";
}

customer_ref model::customer_ref_of(std::string_view id, std::string_view email,
                                    std::string& folded) const {
  id = trim(id);
  if (!id.empty()) return {id, false};
  folded = fold(email);
  if (folded.empty()) return {};
  auto it = email_to_id.find(folded);
  if (it != email_to_id.end()) return {it->second, false};
  return {folded, true};
}

std::string model::customer_key(std::string_view id, std::string_view email) const {
  std::string folded;
  const customer_ref k = customer_ref_of(id, email, folded);
  if (k.empty()) return {};
  return (k.by_email ? "email:" : "id:") + std::string(k.text);
}

void model::index_customers() const {
  if (indexed_customers == customers.size()) return;
  customer_index.reserve(customers.size());
  for (; indexed_customers < customers.size(); ++indexed_customers) {
    customer_index.emplace(customers[indexed_customers].ref(),
                           static_cast<uint32_t>(indexed_customers));
  }
}

int64_t model::find_customer(std::string_view id, std::string_view email) const {
  std::string folded;
  const customer_ref key = customer_ref_of(id, email, folded);
  if (key.empty()) return -1;
  index_customers();
  auto it = customer_index.find(key);
  if (it == customer_index.end() && !trim(id).empty() && !trim(email).empty()) {
    // The id may be unknown to the orders while the e-mail is known.
    it = customer_index.find(customer_ref_of({}, email, folded));
  }
  return it == customer_index.end() ? -1 : static_cast<int64_t>(it->second);
}

namespace {

// Per chunk of rows of a code column: its largest code, and the largest code that the chunks
// before must have for each code to be at most one above every code before it (0, an empty
// cell, aside): which codes that number values in order of first appearance are, and which
// makes every code from 1 to the largest appear (see in_order).
struct code_run {
  uint32_t max = 0, needs = 0;
  void add(uint32_t v) {
    if (v <= max) return;
    if (v > max + 1) needs = v - 1;  // the runs' maxima only grow
    max = v;
  }
};

// Whether the codes of column `c`, read in the chunks of `runs`, number its values in order of
// first appearance with every code of its pool used: then a pass over the codes in order
// meets the values as a pass over the rows would first meet them.
bool in_order(const std::vector<code_run>& runs, const column* c) {
  uint32_t before = 0;
  for (const code_run& run : runs) {
    if (run.needs > before) return false;
    before = std::max(before, run.max);
  }
  return before + 1 == c->pool.size();
}

}  // namespace

model build_model(const std::vector<const dataset*>& sets, period P, period prev) {
  model m;
  m.channels.push_back("");
  m.issues.resize(sets.size());
  auto note = [&](uint32_t ds, uint64_t line, std::string reason) {
    auto& w = m.issues[ds].warnings;
    if (w.size() < MAX_WARNINGS) w.push_back({line, std::move(reason)});
  };
  std::unordered_map<std::string, uint32_t> channel_of;  // folded name -> index

  auto channel_index = [&](std::string_view name) -> uint32_t {
    std::string key = fold(name);
    if (key.empty()) return 0;
    auto it = channel_of.find(key);
    if (it != channel_of.end()) return it->second;
    const uint32_t idx = static_cast<uint32_t>(m.channels.size());
    m.channels.emplace_back(trim(name));
    channel_of.emplace(std::move(key), idx);
    return idx;
  };

  m.products.push_back("");
  std::unordered_map<std::string_view, uint32_t> product_of;  // trimmed name -> index
  auto product_index = [&](std::string_view name) -> uint32_t {
    name = trim(name);
    if (name.empty()) return 0;
    auto it = product_of.find(name);
    if (it != product_of.end()) return it->second;
    const uint32_t idx = static_cast<uint32_t>(m.products.size());
    m.products.emplace_back(name);
    product_of.emplace(name, idx);  // views into the datasets' pools, which outlive this
    return idx;
  };

  auto text_of = [](const column* c, size_t row) -> std::string_view {
    return c ? c->text(row) : std::string_view();
  };

  // E-mail -> id links from every dataset that has both (customers datasets first).
  for (int pass = 0; pass < 2; ++pass) {
    for (const dataset* d : sets) {
      if (!d->usable()) continue;
      const bool customers = d->kind == dataset_kind::customers;
      if ((pass == 0) != customers) continue;
      const column* id = d->column_of("customer_id");
      const column* email = d->column_of("email");
      if (!id || !email) continue;
      for (size_t r = 0; r < d->tbl.rows(); ++r) {
        std::string e = fold(email->text(r));
        std::string_view i = trim(id->text(r));
        if (!e.empty() && !i.empty()) m.email_to_id.emplace(std::move(e), std::string(i));
      }
    }
  }

  // A key's text as the model keeps it: the id columns' pools and email_to_id hold theirs
  // for as long as the model lives; a lower-cased e-mail, or the text of a column read
  // directly (a view of its scratch buffer), is copied into key_texts.
  auto kept = [&](customer_ref key, const std::string& folded, const column* id_column) {
    const bool own = key.text.data() == folded.data() || (id_column && id_column->direct());
    if (own) key.text = m.key_texts.emplace_back(key.text);
    return key;
  };
  auto customer_of = [&](customer_ref key, const std::string& folded,
                         const column* id_column) -> uint32_t {
    m.index_customers();
    auto it = m.customer_index.find(key);
    if (it != m.customer_index.end()) return it->second;
    key = kept(key, folded, id_column);
    const uint32_t idx = static_cast<uint32_t>(m.customers.size());
    customer_info& ci = m.customers.emplace_back();
    ci.key = key.text;
    ci.by_email = key.by_email;
    m.customer_index.emplace(key, idx);
    m.indexed_customers = m.customers.size();
    return idx;
  };
  // A customer whose key is known to be new: added without the index (index_customers
  // catches up when a lookup needs it).
  auto new_customer = [&](customer_ref key, const std::string& folded,
                          const column* id_column) -> uint32_t {
    key = kept(key, folded, id_column);
    const uint32_t idx = static_cast<uint32_t>(m.customers.size());
    customer_info& ci = m.customers.emplace_back();
    ci.key = key.text;
    ci.by_email = key.by_email;
    return idx;
  };
  std::string folded;  // scratch for customer_ref_of

  // The orders are read in three passes over the rows, so that no array of every order is
  // ever held twice (the sorted copy of a whole order array was most of the report's peak):
  //  1. which order each row belongs to, the order's customer, time and first row, and what
  //     it lacks; orders lacking a customer, date or total are dropped;
  //  2. (after the sort) the orders' values, written straight at their sorted places;
  //  3. the product line rows, summed for product_units.
  // Orders are numbered by first row ("oi") while reading. Per order, until the sort:
  enum : uint8_t {
    HAS_CUSTOMER = 1,
    HAS_TIME = 2,    // pass 2: the day is still to be set
    HAS_TOTAL = 4,   // pass 2: the total is still to be taken
    LINE_ONE = 8,    // LINE_ONE | LINE_MORE: two line rows or more
    LINE_MORE = 16,
    HAS_CHANNEL = 32,
    HAS_STATUS = 64,
  };
  constexpr uint32_t UNSEEN = UINT32_MAX;
  std::vector<uint32_t> cust;       // customer; after the sort, place in m.orders (see DROPPED)
  std::vector<int64_t> time;        // the first time: it orders a customer's orders
  std::vector<uint32_t> origin;     // first row: row_base[dataset] + row
  std::vector<uint8_t> flags;
  std::vector<uint32_t> extra_rows;  // rows after the first; empty until an order has two
  uint32_t n_orders = 0;
  // Orders by id: index into the orders. Ids are global across files, so a file split in two
  // gives the same orders as the whole.
  std::unordered_map<std::string, uint32_t> by_id;
  // Per dataset: how a row finds its order again in passes 2 and 3, and the product caches.
  struct orders_source {
    uint32_t first = 0;         // the first order the dataset made
    bool by_code = false;       // order = first + code - 1 for every row
    std::vector<uint32_t> of_code;  // else: per order id code, its order
    std::vector<uint32_t> product_of_code, product_of_sku;
    // Pass 1 found the channel column's codes in order (in_order): pass 2 can name the
    // channels in the order of their codes rather than of the rows.
    bool channels_in_order = false;
  };
  std::vector<orders_source> sources(sets.size());
  std::vector<uint32_t> row_base(sets.size() + 1, 0);
  size_t last_orders = sets.size();
  size_t order_rows = 0;
  for (size_t ds = 0; ds < sets.size(); ++ds) {
    row_base[ds] = static_cast<uint32_t>(order_rows);
    if (sets[ds]->usable() && sets[ds]->kind == dataset_kind::orders) {
      last_orders = ds;
      order_rows += sets[ds]->tbl.rows();
    }
  }
  row_base[sets.size()] = static_cast<uint32_t>(order_rows);
  // At most one order per row: no regrowth (copies and fresh pages) while reading.
  cust.reserve(order_rows);
  time.reserve(order_rows);
  origin.reserve(order_rows);
  flags.reserve(order_rows);
  bool any_refund = false;
  for (uint32_t ds = 0; ds < sets.size(); ++ds) {
    const dataset* d = sets[ds];
    if (!d->usable() || d->kind != dataset_kind::orders) continue;
    m.has_orders = true;
    orders_source& src = sources[ds];
    src.first = n_orders;
    const column* cid = d->column_of("customer_id");
    const column* email = d->column_of("email");
    const column* date = d->column_of("date");
    const column* total = d->column_of("total");
    const column* oid = d->column_of("order_id");
    const column* product = d->column_of("product");
    const column* sku = d->column_of("sku");
    const column* qty = d->column_of("quantity");
    m.has_cost = m.has_cost || d->column_of("cost");
    m.has_channel = m.has_channel || d->column_of("channel");
    m.has_product = m.has_product || product || sku;
    any_refund = any_refund || d->column_of("refunded");

    // Ids and customers are interned per column: resolve each distinct code once, so the
    // per-row work is an array lookup rather than string building and hashing.
    // When this is the first dataset with customers, no customer id carries surrounding
    // blanks and no e-mail can turn into an "id:" key, each distinct id code is a new
    // customer: no lookup needed.
    bool new_ids = cid && m.customers.empty() && (!email || m.email_to_id.empty());
    for (uint32_t code = 1; new_ids && code < cid->pool.size(); ++code) {
      const std::string_view v = cid->pool.get(code);
      new_ids = v.front() != ' ' && v.front() != '\t' && v.back() != ' ' && v.back() != '\t';
    }
    // Codes number distinct ids in order of first appearance, so with new_ids the customers
    // usually come out as code - 1: while they do, that is the customer of a code seen before
    // and customer_of_code (a cache miss per row: customers come in no order) stays unused.
    // The first customer made otherwise fills it in and ends this.
    bool code_order = new_ids;
    std::vector<uint32_t> customer_of_code;
    if (!code_order && cid) customer_of_code.assign(cid->pool.size(), UNSEEN);
    auto known_customer = [&](uint32_t ccode) -> uint32_t {
      if (!code_order) return customer_of_code[ccode];
      return ccode <= m.customers.size() ? ccode - 1 : UNSEEN;
    };
    if (product) src.product_of_code.assign(product->pool.size(), UNSEEN);
    if (sku) src.product_of_sku.assign(sku->pool.size(), UNSEEN);
    // Distinct codes are distinct ids unless trimming makes two equal or another file shares
    // ids: otherwise by_id (a string per order) is not needed at all. Then, while codes come
    // in order of first appearance and every row has an id, the order of code c is
    // first + c - 1 and of_code stays unused, like customer_of_code above.
    bool direct = oid && ds == last_orders && by_id.empty();
    for (uint32_t code = 1; direct && code < oid->pool.size(); ++code) {
      const std::string_view v = oid->pool.get(code);
      direct = v.front() != ' ' && v.front() != '\t' && v.back() != ' ' && v.back() != '\t';
    }
    src.by_code = direct;
    uint32_t codes_seen = 0;
    auto leave_code_order = [&] {
      src.of_code.assign(oid->pool.size(), UNSEEN);
      for (uint32_t c = 1; c <= codes_seen; ++c) src.of_code[c] = src.first + c - 1;
      src.by_code = false;
    };
    if (oid && !src.by_code) src.of_code.assign(oid->pool.size(), UNSEEN);
    // At most one new customer per distinct id, plus the few keyed by e-mail alone: room for
    // them up front, rather than regrowing (copies, and a doubled vector keeps up to half of
    // it empty for the rest of the report, which wasm's memory never gives back).
    if (cid) m.customers.reserve(m.customers.size() + cid->pool.size());
    const filled_number total_at(total);
    // The usual row, in a loop of its own (pass 1 was 105 ms of the 5M-row CSV's threaded
    // report in wasm): the first row of a new order whose id codes number the orders, of a
    // customer known by code or new in code order, with no SKU column and its product (if
    // any) met before. It does what the general body below does for such a row. Returns the
    // first row that is not usual (or `rows`), which the general body then takes.
    const size_t rows = d->tbl.rows();
    const uint32_t row_first = row_base[ds];
    auto new_customer_at = [&](size_t r) __attribute__((noinline)) -> uint32_t {
      const customer_ref key = m.customer_ref_of(cid->text(r), text_of(email, r), folded);
      return key.empty() ? UNSEEN : new_customer(key, folded, cid);
    };
    // A first row's time (0 when it has none) and its HAS_TIME and HAS_TOTAL flags.
    auto time_and_total = [&](size_t r, uint8_t& f) -> int64_t {
      const int64_t t = date ? date->time(r) : MISSING_TIME;
      if (total && !total_at.missing(r)) f |= HAS_TOTAL;
      if (t == MISSING_TIME) return 0;
      f |= HAS_TIME;
      return t;
    };
    auto usual_rows = [&](size_t r) -> size_t {
      for (; r < rows; ++r) {
        if (oid->codes[r] != codes_seen + 1) return r;
        const uint32_t ccode = cid->codes[r];
        uint8_t f = HAS_CUSTOMER;
        if (product) {
          const uint32_t pi = src.product_of_code[product->codes[r]];
          if (pi == UNSEEN) return r;
          if (pi != 0) f |= LINE_ONE;
        } else if (qty) {
          f |= LINE_ONE;
        }
        const size_t known = m.customers.size();
        uint32_t customer = ccode - 1;  // code 0 (no id) wraps past every customer
        if (customer >= known) {
          if (ccode != known + 1) return r;
          customer = new_customer_at(r);
          if (customer == UNSEEN) return r;
        }
        const int64_t t = time_and_total(r, f);
        ++codes_seen;
        ++n_orders;
        cust.push_back(customer);
        time.push_back(t);
        origin.push_back(static_cast<uint32_t>(row_first + r));
        flags.push_back(f);
      }
      return r;
    };
    // When every row is usual (each order id's code is its row + 1, and each row has a
    // customer id), usual_rows' work but for the new customers is the same for each row, so
    // on two threads the rows are taken in chunks, while the customers are made in the order
    // of their id codes: the order usual_rows makes them in, as the codes number the ids in
    // order of first appearance (in_order checks it). The products are resolved first, in
    // the order of their codes, likewise. At 5M rows pass 1 was ~70 ms of the threaded
    // report in wasm, with the other core idle.
    if (rows >= PARALLEL_MODEL_ROWS && threads() >= 2 && src.by_code && direct && code_order &&
        cid && !sku && extra_rows.empty() && m.customers.empty()) {
      constexpr size_t CHUNK = size_t{1} << 16;
      const size_t chunks = (rows + CHUNK - 1) / CHUNK;
      const column* chan = d->column_of("channel");
      std::vector<uint8_t> usual(chunks, 1);
      std::vector<code_run> customers(chunks), products(product ? chunks : 0),
          channels(chan ? chunks : 0);
      for_each_index(chunks, [&](size_t i) {
        bool all = true;
        for (size_t r = i * CHUNK, end = std::min(rows, r + CHUNK); r < end; ++r) {
          const uint32_t ccode = cid->codes[r];
          all &= oid->codes[r] == r + 1 && ccode != 0;
          customers[i].add(ccode);
          if (product) products[i].add(product->codes[r]);
          if (chan) channels[i].add(chan->codes[r]);
        }
        usual[i] = all;
      });
      src.channels_in_order = chan && in_order(channels, chan);
      if (std::all_of(usual.begin(), usual.end(), [](uint8_t u) { return u != 0; }) &&
          in_order(customers, cid) && (!product || in_order(products, product))) {
        for (uint32_t code = 0; product && code < product->pool.size(); ++code) {
          src.product_of_code[code] = product_index(product->pool.get(code));
        }
        const size_t base = n_orders;
        cust.resize(base + rows);
        time.resize(base + rows);
        origin.resize(base + rows);
        flags.resize(base + rows);
        for_each_index(1 + chunks, [&](size_t i) {
          if (i == 0) {
            // Codes from 1 are non-empty ids, without surrounding blanks (new_ids).
            for (uint32_t code = 1; code < cid->pool.size(); ++code) {
              new_customer(m.customer_ref_of(cid->pool.get(code), {}, folded), folded, cid);
            }
            return;
          }
          for (size_t r = (i - 1) * CHUNK, end = std::min(rows, r + CHUNK); r < end; ++r) {
            uint8_t f = HAS_CUSTOMER;
            if (product) {
              if (src.product_of_code[product->codes[r]] != 0) f |= LINE_ONE;
            } else if (qty) {
              f |= LINE_ONE;
            }
            time[base + r] = time_and_total(r, f);
            cust[base + r] = cid->codes[r] - 1;
            origin[base + r] = static_cast<uint32_t>(row_first + r);
            flags[base + r] = f;
          }
        });
        codes_seen = static_cast<uint32_t>(rows);
        n_orders += static_cast<uint32_t>(rows);
        continue;
      }
    }
    for (size_t r = 0; r < rows; ++r) {
      if (src.by_code && direct && code_order && cid && !sku && extra_rows.empty()) {
        r = usual_rows(r);
        if (r == rows) break;
      }
      uint32_t oi = n_orders;
      bool fresh = true;
      const uint32_t ocode = oid ? oid->codes[r] : 0;
      // With `direct`, no id has surrounding blanks: a cell has an id when it has a code.
      const bool has_id = oid && (direct ? ocode != 0 : !trim(oid->text(r)).empty());
      if (has_id) {
        if (src.by_code) {
          if (ocode <= codes_seen) {
            oi = src.first + ocode - 1;
            fresh = false;
          } else if (ocode == codes_seen + 1) {
            ++codes_seen;  // oi == src.first + ocode - 1: every order so far had a code
          } else {
            leave_code_order();
          }
        }
        if (!src.by_code) {
          uint32_t& cached = src.of_code[ocode];
          if (cached == UNSEEN) {
            cached = direct ? oi
                            : by_id.emplace(std::string(trim(oid->text(r))), oi).first->second;
          }
          fresh = cached == oi;
          oi = cached;
        }
      } else if (src.by_code) {
        leave_code_order();  // an order without id: codes no longer number the orders
      }
      if (fresh) {
        ++n_orders;
        cust.push_back(0);
        time.push_back(0);
        origin.push_back(static_cast<uint32_t>(row_base[ds] + r));
        flags.push_back(0);
        if (!extra_rows.empty()) extra_rows.push_back(0);
      } else {
        if (extra_rows.empty()) extra_rows.resize(n_orders, 0);
        ++extra_rows[oi];
      }
      uint8_t& f = flags[oi];
      if (!(f & HAS_CUSTOMER)) {
        const uint32_t ccode = cid ? cid->codes[r] : 0;
        const uint32_t known = ccode != 0 ? known_customer(ccode) : UNSEEN;
        if (known != UNSEEN) {
          cust[oi] = known;
          f |= HAS_CUSTOMER;
        } else {
          const customer_ref key = m.customer_ref_of(text_of(cid, r), text_of(email, r), folded);
          if (!key.empty()) {
            if (code_order && ccode != m.customers.size() + 1) {
              customer_of_code.assign(cid->pool.size(), UNSEEN);
              for (uint32_t c = 0; c < m.customers.size(); ++c) customer_of_code[c + 1] = c;
              code_order = false;
            }
            cust[oi] = new_ids && ccode != 0 ? new_customer(key, folded, cid)
                                             : customer_of(key, folded, cid);
            f |= HAS_CUSTOMER;
            // Only an id decides the key on its own (an e-mail may map to another id).
            if (!code_order && ccode != 0 && !trim(cid->text(r)).empty()) {
              customer_of_code[ccode] = cust[oi];
            }
          }
        }
      }
      if (!(f & HAS_TIME) && date && date->time(r) != MISSING_TIME) {
        time[oi] = date->time(r);
        f |= HAS_TIME;
      }
      if (!(f & HAS_TOTAL) && total && !total_at.missing(r)) {
        f |= HAS_TOTAL;
      }
      if (product || sku || qty) {
        // The trimmed product name, else the SKU, resolved to a product index once per
        // distinct code of either column. A row with a product column but no name is no line.
        uint32_t pi = 0;
        bool named = false;
        if (product) {
          uint32_t& cached = src.product_of_code[product->codes[r]];
          if (cached == UNSEEN) cached = product_index(product->text(r));
          pi = cached;
          named = pi != 0;
        }
        if (!named && sku) {
          uint32_t& cached = src.product_of_sku[sku->codes[r]];
          if (cached == UNSEEN) cached = product_index(sku->text(r));
          pi = cached;
        }
        if (pi != 0 || !product) f |= (f & LINE_ONE) ? LINE_MORE : LINE_ONE;
      }
    }
  }
  std::unordered_map<std::string, uint32_t>().swap(by_id);

  // Orders that lack a required value (customer, date, total) are bad rows: dropped. Their
  // warnings come after pass 2's (repeated totals), as the rows' order has them.
  constexpr uint32_t DROPPED = 0x80000000u;  // cust[oi] of a dropped order: DROPPED | ordinal
  auto complete = [](uint8_t f) {  // an order with a customer, a date and a total
    constexpr uint8_t REQUIRED = HAS_CUSTOMER | HAS_TIME | HAS_TOTAL;
    return (f & REQUIRED) == REQUIRED;
  };
  struct dropped_order {
    uint32_t dataset, row, rows;
    uint8_t flags;
  };
  std::vector<dropped_order> dropped;
  auto dataset_of = [&](uint32_t row) {
    return static_cast<uint32_t>(std::upper_bound(row_base.begin(), row_base.end() - 1, row) -
                                 row_base.begin() - 1);
  };
  size_t n_kept = 0;
  for (uint32_t oi = 0; oi < n_orders; ++oi) {
    const uint8_t f = flags[oi];
    if (complete(f)) {
      ++n_kept;
      continue;
    }
    const uint32_t ds = dataset_of(origin[oi]);
    cust[oi] = DROPPED | static_cast<uint32_t>(dropped.size());
    dropped.push_back({ds, origin[oi] - row_base[ds],
                       1 + (extra_rows.empty() ? 0 : extra_rows[oi]), f});
  }
  // No order has two rows (extra_rows was never needed): see pass 3.
  const bool one_row_orders = extra_rows.empty();
  std::vector<uint32_t>().swap(extra_rows);

  // Customers datasets: signup date and source; they also make customers known.
  for (const dataset* d : sets) {
    if (!d->usable() || d->kind != dataset_kind::customers) continue;
    m.has_customers_dataset = true;
    const column* cid = d->column_of("customer_id");
    const column* email = d->column_of("email");
    const column* signup = d->column_of("signup_date");
    const column* chan = d->column_of("channel");
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      const customer_ref key = m.customer_ref_of(text_of(cid, r), text_of(email, r), folded);
      if (key.empty()) continue;
      customer_info& ci = m.customers[customer_of(key, folded, cid)];
      if (ci.profile == 0) {
        m.profiles.emplace_back();
        ci.profile = static_cast<uint32_t>(m.profiles.size());
      }
      customer_profile& c = m.profiles[ci.profile - 1];
      if (signup && !c.signup_day && signup->time(r) != MISSING_TIME) {
        c.signup_day = day_of(signup->time(r));
      }
      if (chan && c.source.empty()) c.source = std::string(trim(chan->text(r)));
    }
  }

  // Pass 3's sums (see below), and what it does for one line row of a kept order `o` whose
  // revenue, refund included, is `revenue`.
  product_units_sums& pu = m.product_units;
  // Products are indices into m.products: per index, its position in `items` (first seen in P).
  std::vector<uint32_t> item_of(m.products.size(), UINT32_MAX);
  struct line_columns {
    const column* product = nullptr;
    const column* sku = nullptr;
    const column* qty = nullptr;
    const column* price = nullptr;
    explicit line_columns(const dataset* d)
        : product(d->column_of("product")), sku(d->column_of("sku")),
          qty(d->column_of("quantity")), price(d->column_of("unit_price")) {}
    bool any() const { return product || sku || qty; }
  };
  auto add_line = [&](const orders_source& src, const line_columns& lc, size_t r, uint32_t oi,
                      const order& o, double revenue) {
    uint32_t pi = 0;
    bool named = false;
    if (lc.product) {
      pi = src.product_of_code[lc.product->codes[r]];
      named = pi != 0;
    }
    if (!named && lc.sku) pi = src.product_of_sku[lc.sku->codes[r]];
    if (pi == 0 && lc.product) return;  // no line
    if (!o.valid) return;
    const double q = lc.qty ? lc.qty->number(r) : NaN;
    const double quantity = std::isnan(q) ? 1 : q;
    if (prev.contains(o.day)) pu.previous += quantity;
    if (!P.contains(o.day)) return;
    pu.total += quantity;
    if (pi == 0) return;
    uint32_t& item = item_of[pi];
    if (item == UINT32_MAX) {
      item = static_cast<uint32_t>(pu.items.size());
      pu.items.push_back({m.products[pi], 0, 0});
    }
    product_total& p = pu.items[item];
    p.units += quantity;
    // Without a unit price, a one-line order's revenue is that product's revenue.
    const double up = lc.price ? lc.price->number(r) : NaN;
    const double line_revenue = std::isnan(up) ? NaN : up * quantity;
    if (!std::isnan(line_revenue)) {
      p.revenue += line_revenue;
    } else if ((flags[oi] & (LINE_ONE | LINE_MORE)) == LINE_ONE) {
      p.revenue += revenue;
    }
  };
  // When every order has one row, its values are final once pass 2 has read that row: pass 2
  // then does pass 3's work as it goes (in the same order of rows, so the same sums), which
  // spares a second pass and a second random access per row.
  const bool lines_in_pass2 = one_row_orders;

  // The one orders dataset's product sums (pass 3's work, see there) when pass 2 would take
  // its rows in chunks on two threads (each row its own order, numbered by its id's code):
  // they read only the columns and the orders' flags, so they are summed on one thread while
  // the other counts and scatters the orders for the sort below, work that runs on one
  // thread (at 5M rows in wasm, ~90 ms of sums against ~65 ms). Summed in pass 2, beside its
  // chunks of orders, they held it for their whole length.
  size_t early_lines = sets.size();  // that dataset, if any
  {
    size_t orders_sets = 0;
    for (const dataset* d : sets) orders_sets += d->usable() && d->kind == dataset_kind::orders;
    const dataset* d = last_orders < sets.size() ? sets[last_orders] : nullptr;
    if (orders_sets == 1 && one_row_orders && threads() >= 2 && sources[last_orders].by_code &&
        d->tbl.rows() >= PARALLEL_MODEL_ROWS && line_columns(d).any()) {
      early_lines = last_orders;
    }
  }
  // Per code of a status column, whether its text marks an invalid order (invalid_status).
  auto invalid_of_codes = [](const column* status) {
    std::vector<uint8_t> out(status ? status->pool.size() : 0, 0);
    for (uint32_t code = 1; code < out.size(); ++code) {
      out[code] = invalid_status(status->pool.get(code));
    }
    return out;
  };
  // The product sums of a dataset whose rows are each its own order, numbered by its id's
  // codes (pass 3's work for its rows, in their order).
  auto sum_lines = [&](size_t ds) {
    const dataset* d = sets[ds];
    const orders_source& src = sources[ds];
    const column* oid = d->column_of("order_id");
    const column* date = d->column_of("date");
    const column* status = d->column_of("status");
    const std::vector<uint8_t> invalid = invalid_of_codes(status);
    const filled_number total_at(d->column_of("total")), refunded_at(d->column_of("refunded"));
    const line_columns lines(d);
    for (size_t r = 0, rows = d->tbl.rows(); r < rows; ++r) {
      const uint32_t oi = src.first + oid->codes[r] - 1;
      if (!complete(flags[oi])) continue;
      order o;
      o.valid = !status || status->empty_at(r) || invalid[status->codes[r]] == 0;
      o.day = static_cast<int32_t>(day_of(date->time(r)));
      const double v = refunded_at.c ? refunded_at(r) : NaN;
      add_line(src, lines, r, oi, o, std::isnan(v) ? total_at(r) : total_at(r) - v);
    }
  };

  // Sort the kept orders by (customer, time, id): a counting sort by customer (customers are
  // dense indices), then each customer's few orders by time, the order id breaking ties.
  std::vector<uint32_t> start(m.customers.size() + 1, 0);
  // Ranges of customers with about as many kept orders each (eight where there are two
  // threads, else one), set once `start` is counted: the sort below and the orders' defaults
  // in pass 2 give each to whichever thread takes it next.
  const size_t ranges = n_kept >= PARALLEL_MODEL_ROWS && threads() >= 2 ? 8 : 1;
  std::vector<uint32_t> range_split(ranges + 1, static_cast<uint32_t>(start.size() - 1));
  {
    // (time, order number) by customer, scattered once (stores do not wait for memory); each
    // customer's few orders are then sorted in place. Gathering the times in customer order
    // instead was a random read per order, which wasm cannot fetch ahead. Times are kept as
    // seconds after the earliest, in 4 bytes when the orders span less than 136 years (the
    // keys then take what the times took), else in 8: one of the two arrays is filled.
    struct narrow_key {
      uint32_t time;
      uint32_t index;
    };
#pragma pack(push, 4)
    struct wide_key {
      int64_t time;
      uint32_t index;
    };
#pragma pack(pop)
    static_assert(sizeof(narrow_key) == 8 && sizeof(wide_key) == 12);
    std::vector<narrow_key> narrow_keys;
    std::vector<wide_key> wide_keys;
    auto count_and_scatter = [&] {
      int64_t earliest = std::numeric_limits<int64_t>::max();
      int64_t latest = std::numeric_limits<int64_t>::min();
      for (uint32_t oi = 0; oi < n_orders; ++oi) {
        if (cust[oi] & DROPPED) continue;
        ++start[cust[oi] + 1];
        earliest = std::min(earliest, time[oi]);
        latest = std::max(latest, time[oi]);
      }
      for (size_t c = 1; c < start.size(); ++c) start[c] += start[c - 1];
      auto scatter = [&]<typename Key>(std::vector<Key>& keys) {
        keys.resize(n_kept);
        std::vector<uint32_t> next(start.begin(), start.end() - 1);
        for (uint32_t oi = 0; oi < n_orders; ++oi) {
          if (cust[oi] & DROPPED) continue;
          keys[next[cust[oi]]++] = {static_cast<decltype(Key::time)>(time[oi] - earliest), oi};
        }
      };
      const uint64_t span = static_cast<uint64_t>(latest) - static_cast<uint64_t>(earliest);
      if (n_kept == 0 || span <= UINT32_MAX) {
        scatter(narrow_keys);
      } else {
        scatter(wide_keys);
      }
      std::vector<int64_t>().swap(time);
    };
    std::vector<const column*> id_column(sets.size(), nullptr);
    for (size_t ds = 0; ds < sets.size(); ++ds) id_column[ds] = sets[ds]->column_of("order_id");
    // The order id as the order's first row wrote it (its line number when there is no id).
    auto id_of = [&](uint32_t oi) -> std::string {
      const uint32_t ds = dataset_of(origin[oi]);
      const uint32_t row = origin[oi] - row_base[ds];
      const column* oid = id_column[ds];
      if (oid) return std::string(trim(oid->text(row)));
      return std::to_string(sets[ds]->tbl.lines[row]);
    };
    // Sorts the orders of customers [from, to), then writes their places into cust.
    auto sort_and_place = [&]<typename Key>(std::vector<Key>& keys, uint32_t from, uint32_t to) {
      // Equal times are rare: their comparison by order id is a call of its own, so that the
      // rest inlines into the sorts below.
      auto tie_less = [&](uint32_t x, uint32_t y) __attribute__((noinline)) {
        const std::string a = id_of(x);
        const std::string b = id_of(y);
        if (a != b) return id_less(a, b);
        return x < y;
      };
      auto less = [&](const Key& x, const Key& y) __attribute__((always_inline)) {
        if (x.time != y.time) return x.time < y.time;
        return tie_less(x.index, y.index);
      };
      for (size_t c = from; c < to; ++c) {
        const size_t count = start[c + 1] - start[c];
        if (count < 2) continue;
        Key* first = keys.data() + start[c];
        Key* last = first + count;
        if (count <= 16) {
          for (Key* i = first + 1; i < last; ++i) {  // insertion sort: a handful of orders
            Key k = *i;
            Key* j = i;
            for (; j > first && less(k, j[-1]); --j) *j = j[-1];
            *j = k;
          }
        } else {
          std::sort(first, last, less);
        }
      }
      // From here cust[oi] is the order's place in m.orders (or DROPPED | ordinal).
      for (uint32_t i = start[from], end = start[to]; i < end; ++i) cust[keys[i].index] = i;
    };
    // On two threads the customers are sorted in ranges of about as many orders, each thread
    // taking the next, once the keys are scattered (by whichever thread comes first; the
    // other waits). The product sums, when summed here, go first, beside the scattering.
    // (Scattering the keys on two threads was slower in wasm, 50 against 36 ms at 5M rows:
    // that is memory's work, not the cores'.)
    const size_t lines_task = early_lines < sets.size() ? 1 : 0;
    std::once_flag scattered;
    for_each_index(lines_task + ranges, [&](size_t i) {
      if (i < lines_task) {
        sum_lines(early_lines);
        return;
      }
      std::call_once(scattered, [&] {
        count_and_scatter();
        for (size_t k = 0; k < ranges; ++k) {
          range_split[k] = static_cast<uint32_t>(
              std::lower_bound(start.begin(), start.end() - 1, n_kept * k / ranges) -
              start.begin());
        }
      });
      const size_t k = i - lines_task;
      if (wide_keys.empty()) {
        sort_and_place(narrow_keys, range_split[k], range_split[k + 1]);
      } else {
        sort_and_place(wide_keys, range_split[k], range_split[k + 1]);
      }
    });
    std::vector<uint32_t>().swap(origin);
  }
  std::vector<uint32_t>& place = cust;

  // Pass 2: the orders' values. Each field comes from the first of the order's rows that has
  // one; day and total are found again where pass 1 found them. First each order's customer
  // and defaults (no total read yet), by the sort's ranges of customers (range_split): the
  // first touch of 140 MB at 5M rows, which value-initializing it made a pass of its own on
  // one thread.
  m.orders.resize(n_kept);
  for_each_index(ranges, [&](size_t t) {
    order o;
    o.revenue = NaN;
    for (uint32_t c = range_split[t]; c < range_split[t + 1]; ++c) {
      o.customer = c;
      for (uint32_t i = start[c]; i < start[c + 1]; ++i) m.orders[i] = o;
    }
  });
  std::vector<uint32_t>().swap(start);
  std::vector<double> dropped_total(dropped.size(), NaN);  // first total of a dropped order
  std::vector<double> refund(any_refund ? n_kept : 0, NaN);  // first refunded amount
  // Natively, passes 2 and 3 fetch the order of the row AHEAD rows on, since orders lie
  // anywhere in m.orders: both ends of it, as a 28-byte order may straddle two cache lines.
  // (Prefetched for writing in pass 3 too, which only reads: the same lines either way.)
  auto fetch_ahead = [&](const orders_source& src, const column* oid, size_t r,
                         size_t rows) __attribute__((always_inline)) {
#if defined(__GNUC__) && !defined(__wasm__)
    constexpr size_t AHEAD = 32;
    if (!src.by_code || r + AHEAD >= rows) return;
    const uint32_t ahead = place[src.first + oid->codes[r + AHEAD] - 1];
    if (ahead & DROPPED) return;
    const char* at = reinterpret_cast<const char*>(&m.orders[ahead]);
    __builtin_prefetch(at, 1);
    __builtin_prefetch(at + sizeof(order) - 1, 1);
#else
    (void)src, (void)oid, (void)r, (void)rows;
#endif
  };
  // The order of row r of a dataset, as pass 1 numbered it; `next` is the dataset's next
  // new order.
  auto order_of_row = [](const orders_source& src, const column* oid, size_t r, uint32_t& next) {
    uint32_t oi;
    if (src.by_code) {
      oi = src.first + oid->codes[r] - 1;
    } else if (oid && !trim(oid->text(r)).empty()) {
      oi = src.of_code[oid->codes[r]];
    } else {
      oi = next;
    }
    if (oi == next) ++next;
    return oi;
  };
  for (uint32_t ds = 0; ds < sets.size(); ++ds) {
    const dataset* d = sets[ds];
    if (!d->usable() || d->kind != dataset_kind::orders) continue;
    const orders_source& src = sources[ds];
    const column* date = d->column_of("date");
    const column* total = d->column_of("total");
    const column* oid = d->column_of("order_id");
    const column* cost = d->column_of("cost");
    const column* chan = d->column_of("channel");
    const column* status = d->column_of("status");
    const column* refunded = d->column_of("refunded");
    const bool line_items = d->column_of("product") || d->column_of("sku");
    const line_columns lines(d);
    const bool lines_here = lines_in_pass2 && lines.any() && ds != early_lines;
    std::vector<uint32_t> channel_of_code(chan ? chan->pool.size() : 0, UNSEEN);
    std::vector<uint8_t> invalid_of_code(status ? status->pool.size() : 0, 2);  // 2 = unknown
    uint32_t next = src.first;
    const size_t rows = d->tbl.rows();
    const filled_number total_at(total), cost_at(cost), refunded_at(refunded);
    // The channel of row r (0: none), numbered in order of first use, dropped orders' rows
    // included. Once per row: what runs once per distinct value is a call of its own, so that
    // the rest is inlined (in wasm both ran as a call per row, 3.3% of the 5M-row CSV's run).
    auto first_channel = [&](size_t r) __attribute__((noinline)) {
      return channel_index(chan->text(r));
    };
    auto channel_at = [&](size_t r) -> uint32_t {
      if (!chan || chan->empty_at(r)) return 0;
      uint32_t& ch = channel_of_code[chan->codes[r]];
      if (ch == UNSEEN) [[unlikely]] ch = first_channel(r);
      return ch;
    };
    auto first_status = [&](size_t r) __attribute__((noinline)) -> uint8_t {
      return invalid_status(status->text(r));
    };
    auto valid_at = [&](size_t r) -> bool {
      if (!status || status->empty_at(r)) return true;
      uint8_t& bad = invalid_of_code[status->codes[r]];
      if (bad == 2) [[unlikely]] bad = first_status(r);
      return bad == 0;
    };
    if (one_row_orders) {
      // Every order has this one row, so its values are all here: each kept order is written
      // whole (but for its customer, set above) and never read first. In wasm, which cannot
      // prefetch, that read of an order lying anywhere in m.orders was most of this pass; a
      // store waits less, though still most of the pass (32 of 54 ms at 1M rows, timed with
      // the stores made sequential). A kept order has its total and time in this row.
      auto order_at = [&](size_t r, uint32_t ch, bool valid) {
        order o;
        o.channel = ch;
        o.valid = valid;
        o.day = static_cast<int32_t>(day_of(date->time(r)));
        o.revenue = total_at(r);
        if (cost) {
          const double v = cost_at(r);
          if (!std::isnan(v)) o.cost = v;
        }
        return o;
      };
      // All but the first 4 bytes (the customer) at once: the channel and valid bits share a
      // word, which assigning them one by one would read first.
      auto store = [&](uint32_t at, const order& o) {
        static_assert(offsetof(order, customer) == 0 && sizeof(order::customer) == 4);
        std::memcpy(reinterpret_cast<char*>(&m.orders[at]) + 4,
                    reinterpret_cast<const char*>(&o) + 4, sizeof(order) - 4);
      };
      // The orders of a block of rows, made, then stored: with the stores (to anywhere in
      // m.orders) among the reads of the columns, the chunks below took 2.5 times as long in
      // wasm as the reads and the stores each alone (at 5M rows 265 ms of both threads,
      // against 50 and 60 ms); in blocks, 95 ms.
      constexpr size_t BLOCK = 256;
      struct order_block {
        uint32_t places[BLOCK];
        order made[BLOCK];
      };
      auto store_block = [&](const order_block& block, size_t n) {
        for (size_t k = 0; k < n; ++k) store(block.places[k], block.made[k]);
      };
      auto refunded_in = [&](size_t r) { return refunded ? refunded_at(r) : NaN; };
      if (!src.by_code || rows < PARALLEL_MODEL_ROWS || threads() < 2) {
        // In blocks, as on two threads below: the orders made, then stored, then their lines.
        order_block block;
        uint32_t orders_of[BLOCK], rows_of[BLOCK];
        double revenues[BLOCK];
        for (size_t b = 0; b < rows; b += BLOCK) {
          size_t n = 0;
          for (size_t r = b, block_end = std::min(rows, b + BLOCK); r < block_end; ++r) {
            fetch_ahead(src, oid, r, rows);
            const uint32_t oi = order_of_row(src, oid, r, next);
            const uint32_t at = place[oi];
            const uint32_t ch = channel_at(r);
            if (at & DROPPED) continue;
            const order o = order_at(r, ch, valid_at(r));
            const double v = refunded_in(r);
            if (!std::isnan(v)) refund[at] = v;
            block.made[n] = o;
            block.places[n] = at;
            orders_of[n] = oi;
            rows_of[n] = static_cast<uint32_t>(r - b);
            // The revenue as the refunds below will leave it.
            revenues[n++] = std::isnan(v) ? o.revenue : o.revenue - v;
          }
          store_block(block, n);
          for (size_t k = 0; lines_here && k < n; ++k) {
            add_line(src, lines, b + rows_of[k], orders_of[k], block.made[k], revenues[k]);
          }
        }
        continue;
      }
      // On two threads, when every row has its order by code (order_of_row needs no state).
      // Orders lie anywhere in m.orders, so most of the time goes in waiting for their memory,
      // which each core does for its own rows. What depends on the rows' order comes first
      // (channels numbered by first use, each status's validity, resolved once) or runs
      // beside the orders' writing on one thread (the product sums, in the rows' order, when
      // they were not summed before the sort); the orders are then written in chunks of rows,
      // each thread taking the next.
      // A status's validity depends on its text alone; channels are named in order of first
      // use, which is that of their codes when pass 1 found them in order.
      if (status) invalid_of_code = invalid_of_codes(status);
      if (src.channels_in_order) {
        for (uint32_t code = 1; code < chan->pool.size(); ++code) {
          channel_of_code[code] = channel_index(chan->pool.get(code));
        }
      } else {
        for (size_t r = 0; chan && r < rows; ++r) channel_at(r);
      }
      // channel_at and valid_at without their first-use branch, so that the threads below can
      // only read what was resolved above.
      auto channel_known = [&](size_t r) -> uint32_t {
        return !chan || chan->empty_at(r) ? 0 : channel_of_code[chan->codes[r]];
      };
      auto valid_known = [&](size_t r) -> bool {
        return !status || status->empty_at(r) || invalid_of_code[status->codes[r]] == 0;
      };
      constexpr size_t CHUNK = size_t{1} << 16;
      const size_t chunks = (rows + CHUNK - 1) / CHUNK;
      for_each_index(1 + chunks, [&](size_t i) {
        if (i == 0) {
          if (lines_here) sum_lines(ds);
          return;
        }
        order_block block;
        const size_t end = std::min(rows, i * CHUNK);
        for (size_t b = (i - 1) * CHUNK; b < end; b += BLOCK) {
          size_t n = 0;
          for (size_t r = b, block_end = std::min(end, b + BLOCK); r < block_end; ++r) {
            fetch_ahead(src, oid, r, rows);
            const uint32_t at = place[src.first + oid->codes[r] - 1];
            if (at & DROPPED) continue;
            if (const double v = refunded_in(r); !std::isnan(v)) refund[at] = v;
            block.made[n] = order_at(r, channel_known(r), valid_known(r));
            block.places[n++] = at;
          }
          store_block(block, n);
        }
      });
      continue;
    }
    for (size_t r = 0; r < rows; ++r) {
      fetch_ahead(src, oid, r, rows);
      const uint32_t oi = order_of_row(src, oid, r, next);
      uint8_t& f = flags[oi];
      const uint32_t at = place[oi];
      // A total that reads as no number (an empty cell or a bad value) changes nothing.
      const double t = total ? total_at(r) : NaN;
      if (!std::isnan(t)) {
        // By value: an order's doubles are 4-byte aligned (see struct order), so no double&.
        const double first = at & DROPPED ? dropped_total[at & ~DROPPED] : m.orders[at].revenue;
        if (std::isnan(first)) {
          if (at & DROPPED) {
            dropped_total[at & ~DROPPED] = t;
          } else {
            m.orders[at].revenue = t;
          }
        } else if (t != first && !line_items) {
          // Same order id repeated with another total (not a line-item export): first wins.
          ++m.issues[ds].conflicts;
          note(ds, d->tbl.lines[r],
               "order " + std::string(trim(oid->text(r))) +
                   " repeated with another total: the first one counts");
        }
      }
      // Channel names are numbered in order of first use, dropped orders' rows included.
      if (!(f & HAS_CHANNEL) && chan && !chan->empty_at(r)) {
        const uint32_t ch = channel_at(r);
        if (!(at & DROPPED)) m.orders[at].channel = ch;
        f |= HAS_CHANNEL;
      }
      if (at & DROPPED) continue;
      order& o = m.orders[at];
      if ((f & HAS_TIME) && date && date->time(r) != MISSING_TIME) {
        o.day = static_cast<int32_t>(day_of(date->time(r)));
        f &= ~HAS_TIME;
      }
      if (refunded && std::isnan(refund[at])) {
        if (const double v = refunded_at(r); !std::isnan(v)) refund[at] = v;
      }
      if (cost && std::isnan(o.cost)) {
        if (const double v = cost_at(r); !std::isnan(v)) o.cost = v;
      }
      if (!(f & HAS_STATUS) && status && !status->empty_at(r)) {
        o.valid = valid_at(r);
        f |= HAS_STATUS;
      }
      if (lines_here) {
        // The revenue as the refunds below will leave it.
        const double revenue =
            refunded && !std::isnan(refund[at]) ? o.revenue - refund[at] : o.revenue;
        add_line(src, lines, r, oi, o, revenue);
      }
    }
  }
  if (any_refund) {
    for (size_t i = 0; i < n_kept; ++i) {
      if (!std::isnan(refund[i])) m.orders[i].revenue = m.orders[i].revenue - refund[i];
    }
    std::vector<double>().swap(refund);
  }
  for (const dropped_order& x : dropped) {
    m.issues[x.dataset].skipped += x.rows;
    std::string missing = !(x.flags & HAS_CUSTOMER) ? "customer id or e-mail"
                          : !(x.flags & HAS_TIME)   ? "a readable date"
                                                    : "a readable total";
    note(x.dataset, sets[x.dataset]->tbl.lines[x.row], "order without " + missing + ": skipped");
  }

  // Pass 3: product_units over the line rows, in the rows' order (the sums round as they
  // always have): valid orders in P and P'; an order without a line row counts 1 unit.
  {
    bool any_lines = false;
    for (uint32_t ds = 0; ds < sets.size(); ++ds) {
      const dataset* d = sets[ds];
      if (!d->usable() || d->kind != dataset_kind::orders) continue;
      const line_columns lines(d);
      if (!lines.any()) continue;
      any_lines = true;
      if (lines_in_pass2) continue;  // done
      const column* oid = d->column_of("order_id");
      const orders_source& src = sources[ds];
      uint32_t next = src.first;
      const size_t rows = d->tbl.rows();
      for (size_t r = 0; r < rows; ++r) {
        fetch_ahead(src, oid, r, rows);
        const uint32_t oi = order_of_row(src, oid, r, next);
        const uint32_t at = place[oi];
        if (at & DROPPED) continue;
        const order& o = m.orders[at];
        add_line(src, lines, r, oi, o, o.revenue);
      }
    }
    // Orders without a line row: every order when no dataset has line columns, so in the
    // model's order then rather than a jump per order.
    auto count_one = [&](const order& o) {
      if (!o.valid) return;
      if (P.contains(o.day)) pu.total += 1;
      if (prev.contains(o.day)) pu.previous += 1;
    };
    if (!any_lines) {
      for (const order& o : m.orders) count_one(o);
    } else {
      for (uint32_t oi = 0; oi < n_orders; ++oi) {
        if ((flags[oi] & (LINE_ONE | LINE_MORE)) || (place[oi] & DROPPED)) continue;
        count_one(m.orders[place[oi]]);
      }
    }
  }
  std::vector<uint32_t>().swap(place);
  std::vector<uint8_t>().swap(flags);
  std::vector<orders_source>().swap(sources);
  return m;
}

}  // namespace kpi::detail
