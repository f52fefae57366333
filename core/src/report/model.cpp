// The orders model: orders of every orders dataset grouped by order id, with order-level
// fields taken from the first non-empty value among the order's rows, and customers matched
// across files by id or e-mail.
#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>

#include "kpi/detail/report_parts.h"

namespace kpi::detail {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

namespace {

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

model build_model(const std::vector<const dataset*>& sets) {
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

  // Orders by id: index into m.orders. Ids are global across files, so a file split in two
  // gives the same orders as the whole.
  std::unordered_map<std::string, uint32_t> by_id;
  // What an order's rows gather besides the order itself (whose revenue holds the total
  // until the refund is taken off), and where it came from (its time and first row order a
  // customer's orders). 32 bytes.
  struct partial {
    int64_t time = 0;  // wall-clock seconds
    double refunded = 0;
    uint32_t rows = 0;
    uint32_t dataset = 0;  // index into sets
    uint32_t row = 0;      // first row of the order in its dataset
    bool has_total : 1 = false, has_time : 1 = false, has_customer : 1 = false,
                     has_status : 1 = false, has_refund : 1 = false, has_cost : 1 = false,
                     has_channel : 1 = false;
    bool invalid : 1 = false;  // the first non-empty status voids the order
  };
  std::vector<partial> parts;
  static_assert(sizeof(partial) == 32);
  size_t last_orders = sets.size();
  size_t order_rows = 0;
  for (size_t ds = 0; ds < sets.size(); ++ds) {
    if (sets[ds]->usable() && sets[ds]->kind == dataset_kind::orders) {
      last_orders = ds;
      order_rows += sets[ds]->tbl.rows();
    }
  }
  // At most one order per row: no regrowth (copies and fresh pages) while reading.
  m.orders.reserve(order_rows);
  parts.reserve(order_rows);
  for (uint32_t ds = 0; ds < sets.size(); ++ds) {
    const dataset* d = sets[ds];
    if (!d->usable() || d->kind != dataset_kind::orders) continue;
    m.has_orders = true;
    const column* cid = d->column_of("customer_id");
    const column* email = d->column_of("email");
    const column* date = d->column_of("date");
    const column* total = d->column_of("total");
    const column* oid = d->column_of("order_id");
    const column* cost = d->column_of("cost");
    const column* chan = d->column_of("channel");
    const column* status = d->column_of("status");
    const column* product = d->column_of("product");
    const column* sku = d->column_of("sku");
    const column* qty = d->column_of("quantity");
    const column* price = d->column_of("unit_price");
    const column* refunded = d->column_of("refunded");
    m.has_cost = m.has_cost || cost;
    m.has_channel = m.has_channel || chan;
    m.has_product = m.has_product || product || sku;

    // Ids and customers are interned per column: resolve each distinct code once, so the
    // per-row work is an array lookup rather than string building and hashing.
    constexpr uint32_t UNSEEN = UINT32_MAX;
    std::vector<uint32_t> order_of_code(oid ? oid->pool.size() : 0, UNSEEN);
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
    std::vector<uint32_t> channel_of_code(chan ? chan->pool.size() : 0, UNSEEN);
    std::vector<uint8_t> invalid_of_code(status ? status->pool.size() : 0, 2);  // 2 = unknown
    std::vector<uint32_t> product_of_code(product ? product->pool.size() : 0, UNSEEN);
    std::vector<uint32_t> product_of_sku(sku ? sku->pool.size() : 0, UNSEEN);
    // Distinct codes are distinct ids unless trimming makes two equal or another file shares
    // ids: otherwise by_id (a string per order) is not needed at all.
    bool direct = oid && ds == last_orders && by_id.empty();
    for (uint32_t code = 1; direct && code < oid->pool.size(); ++code) {
      const std::string_view v = oid->pool.get(code);
      direct = v.front() != ' ' && v.front() != '\t' && v.back() != ' ' && v.back() != '\t';
    }
    if ((product || sku || qty) && m.lines.empty()) m.lines.reserve(d->tbl.rows());
    // At most one new customer per distinct id, plus the few keyed by e-mail alone: room for
    // them up front, rather than regrowing (copies, and a doubled vector keeps up to half of
    // it empty for the rest of the report, which wasm's memory never gives back).
    if (cid) m.customers.reserve(m.customers.size() + cid->pool.size());
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      uint32_t oi = static_cast<uint32_t>(m.orders.size());
      bool fresh = true;
      const uint32_t ocode = oid ? oid->codes[r] : 0;
      std::string_view id = oid ? trim(oid->text(r)) : std::string_view();
      if (oid && !id.empty()) {
        uint32_t& cached = order_of_code[ocode];
        if (cached == UNSEEN) {
          cached = direct ? oi : by_id.emplace(std::string(id), oi).first->second;
        }
        fresh = cached == oi;
        oi = cached;
      }
      if (fresh) {
        m.orders.emplace_back();
        partial& p = parts.emplace_back();
        p.dataset = ds;
        p.row = static_cast<uint32_t>(r);
      }
      order& o = m.orders[oi];
      partial& p = parts[oi];
      ++p.rows;
      if (!p.has_customer) {
        const uint32_t ccode = cid ? cid->codes[r] : 0;
        const uint32_t known = ccode != 0 ? known_customer(ccode) : UNSEEN;
        if (known != UNSEEN) {
          o.customer = known;
          p.has_customer = true;
        } else {
          const customer_ref key = m.customer_ref_of(text_of(cid, r), text_of(email, r), folded);
          if (!key.empty()) {
            if (code_order && ccode != m.customers.size() + 1) {
              customer_of_code.assign(cid->pool.size(), UNSEEN);
              for (uint32_t c = 0; c < m.customers.size(); ++c) customer_of_code[c + 1] = c;
              code_order = false;
            }
            o.customer = new_ids && ccode != 0 ? new_customer(key, folded, cid)
                                               : customer_of(key, folded, cid);
            p.has_customer = true;
            // Only an id decides the key on its own (an e-mail may map to another id).
            if (!code_order && ccode != 0 && !trim(cid->text(r)).empty()) {
              customer_of_code[ccode] = o.customer;
            }
          }
        }
      }
      if (!p.has_time && date && date->time(r) != MISSING_TIME) {
        p.time = date->time(r);
        o.day = day_of(p.time);
        p.has_time = true;
      }
      if (total && !total->empty_at(r)) {
        const double t = total->number(r);
        if (!p.has_total) {
          if (!std::isnan(t)) {
            o.revenue = t;
            p.has_total = true;
          }
        } else if (!std::isnan(t) && t != o.revenue && !product && !sku) {
          // Same order id repeated with another total (not a line-item export): first wins.
          ++m.issues[ds].conflicts;
          note(ds, d->tbl.lines[r],
               "order " + std::string(id) + " repeated with another total: the first one counts");
        }
      }
      if (!p.has_refund && refunded && !refunded->empty_at(r) && !std::isnan(refunded->number(r))) {
        p.refunded = refunded->number(r);
        p.has_refund = true;
      }
      if (!p.has_cost && cost && !cost->empty_at(r) && !std::isnan(cost->number(r))) {
        o.cost = cost->number(r);
        p.has_cost = true;
      }
      if (!p.has_channel && chan && !chan->empty_at(r)) {
        uint32_t& ch = channel_of_code[chan->codes[r]];
        if (ch == UNSEEN) ch = channel_index(chan->text(r));
        o.channel = ch;
        p.has_channel = true;
      }
      if (!p.has_status && status && !status->empty_at(r)) {
        uint8_t& bad = invalid_of_code[status->codes[r]];
        if (bad == 2) bad = invalid_status(status->text(r));
        p.invalid = bad != 0;
        p.has_status = true;
      }
      if (product || sku || qty) {
        // The trimmed product name, else the SKU, resolved to a product index once per
        // distinct code of either column.
        uint32_t pi = 0;
        bool named = false;
        if (product) {
          uint32_t& cached = product_of_code[product->codes[r]];
          if (cached == UNSEEN) cached = product_index(product->text(r));
          pi = cached;
          named = pi != 0;
        }
        if (!named && sku) {
          uint32_t& cached = product_of_sku[sku->codes[r]];
          if (cached == UNSEEN) cached = product_index(sku->text(r));
          pi = cached;
        }
        if (pi != 0 || !product) {
          product_line line;
          line.order = oi;
          line.product = pi;
          double q = qty ? qty->number(r) : NaN;
          line.quantity = std::isnan(q) ? 1 : q;
          const double up = price ? price->number(r) : NaN;
          line.revenue = std::isnan(up) ? NaN : up * line.quantity;
          m.lines.push_back(line);
        }
      }
    }
  }
  // Orders that lack a required value (customer, date, total) are bad rows: drop them (and
  // their partials alike, which the sort below still reads).
  std::vector<uint32_t> remap(m.orders.size(), UINT32_MAX);
  size_t keep = 0;
  for (size_t i = 0; i < m.orders.size(); ++i) {
    const partial& p = parts[i];
    order& o = m.orders[i];
    if (!p.has_customer || !p.has_time || !p.has_total) {
      m.issues[p.dataset].skipped += p.rows;
      std::string missing = !p.has_customer ? "customer id or e-mail"
                            : !p.has_time   ? "a readable date"
                                            : "a readable total";
      note(p.dataset, sets[p.dataset]->tbl.lines[p.row], "order without " + missing + ": skipped");
      continue;
    }
    o.revenue = o.revenue - (p.has_refund ? p.refunded : 0);
    o.valid = !p.invalid;
    remap[i] = static_cast<uint32_t>(keep);
    if (keep != i) {
      m.orders[keep] = o;
      parts[keep] = p;
    }
    ++keep;
  }
  m.orders.resize(keep);
  parts.resize(keep);
  for (product_line& l : m.lines) l.order = remap[l.order];
  m.lines.erase(std::remove_if(m.lines.begin(), m.lines.end(),
                               [](const product_line& l) { return l.order == UINT32_MAX; }),
                m.lines.end());
  std::vector<uint32_t>().swap(remap);

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

  // Sort orders by (customer, time, id): a counting sort by customer (customers are dense
  // indices), then each customer's few orders by time, the order id breaking ties.
  {
    const size_t n = m.orders.size();
    std::vector<uint32_t> start(m.customers.size() + 1, 0);
    for (const order& o : m.orders) ++start[o.customer + 1];
    for (size_t c = 1; c < start.size(); ++c) start[c] += start[c - 1];
    // Order indices by customer; each customer's few orders are then sorted on (time, index)
    // pairs copied out, so the array spanning every order holds 4 bytes per order, not 16.
    std::vector<uint32_t> keys(n);
    {
      std::vector<uint32_t> next(start.begin(), start.end() - 1);
      for (uint32_t i = 0; i < n; ++i) keys[next[m.orders[i].customer]++] = i;
    }
    struct sort_key {
      int64_t time;
      uint32_t index;
    };
    std::vector<const column*> id_column(sets.size(), nullptr);
    for (size_t ds = 0; ds < sets.size(); ++ds) id_column[ds] = sets[ds]->column_of("order_id");
    // The order id as the order's first row wrote it (its line number when there is no id).
    auto id_of = [&](const partial& p) -> std::string {
      const column* oid = id_column[p.dataset];
      if (oid) return std::string(trim(oid->text(p.row)));
      return std::to_string(sets[p.dataset]->tbl.lines[p.row]);
    };
    auto less = [&](const sort_key& x, const sort_key& y) {
      if (x.time != y.time) return x.time < y.time;
      const std::string a = id_of(parts[x.index]);
      const std::string b = id_of(parts[y.index]);
      if (a != b) return id_less(a, b);
      return x.index < y.index;
    };
    std::vector<sort_key> segment;
    for (size_t c = 0; c + 1 < start.size(); ++c) {
      const size_t count = start[c + 1] - start[c];
      if (count < 2) continue;
      uint32_t* ids = keys.data() + start[c];
      segment.resize(count);
      for (size_t k = 0; k < count; ++k) {
#if defined(__GNUC__) && !defined(__wasm__)
        // The next customers' partials, fetched ahead: they lie anywhere in the file.
        if (ids + k + 16 < keys.data() + n) __builtin_prefetch(&parts[ids[k + 16]]);
#endif
        segment[k] = {parts[ids[k]].time, ids[k]};
      }
      sort_key* first = segment.data();
      sort_key* last = first + count;
      if (count <= 16) {
        for (sort_key* i = first + 1; i < last; ++i) {  // insertion sort: a handful of orders
          sort_key k = *i;
          sort_key* j = i;
          for (; j > first && less(k, j[-1]); --j) *j = j[-1];
          *j = k;
        }
      } else {
        std::sort(first, last, less);
      }
      for (size_t k = 0; k < count; ++k) ids[k] = segment[k].index;
    }
    std::vector<uint32_t>().swap(start);
    std::vector<partial>().swap(parts);
    // Gather the orders in sorted order: independent loads (a cycle-following permutation in
    // place chains one cache miss after another).
    std::vector<order> sorted(n);
    for (size_t i = 0; i < n; ++i) {
#if defined(__GNUC__) && !defined(__wasm__)
      if (i + 8 < n) __builtin_prefetch(&m.orders[keys[i + 8]]);
#endif
      sorted[i] = m.orders[keys[i]];
    }
    m.orders = std::move(sorted);
    if (!m.lines.empty()) {
      std::vector<uint32_t> new_index(n);
      for (uint32_t i = 0; i < n; ++i) new_index[keys[i]] = i;
      for (product_line& l : m.lines) l.order = new_index[l.order];
    }
  }
  for (uint32_t i = 0; i < m.orders.size(); ++i) {
    const order& o = m.orders[i];
    if (!o.valid) continue;
    customer_info& c = m.customers[o.customer];
    if (c.first_order == UINT32_MAX) {
      c.first_order = i;
      c.first_day = o.day;
    }
  }
  return m;
}

}  // namespace kpi::detail
