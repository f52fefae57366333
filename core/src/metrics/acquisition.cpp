// Acquisition KPIs (METRICS.md "Acquisition"): cac, acquisition_sources,
// lead_to_customer_rate, conversion_rate, member_growth_rate.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "kpi/detail/report_parts.h"

namespace kpi::detail {

namespace {

bool first_of_month(int64_t day) {
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  return d == 1;
}

// True when a spend dataset's dates name months: every date is the 1st of a month and no
// two distinct dates of the same channel are less than 28 days apart. A monthly budget
// export written with full dates ("2024-03-01") is then spread over its month, as
// METRICS.md asks for rows that cover a month.
bool monthly_rows(const dataset& d, const column& date, const column* chan) {
  std::map<std::string, std::set<int64_t>> days;
  for (size_t r = 0; r < d.tbl.rows(); ++r) {
    if (date.time(r) == MISSING_TIME) continue;
    const int64_t day = day_of(date.time(r));
    if (!first_of_month(day)) return false;
    days[chan ? fold(chan->text(r)) : std::string()].insert(day);
  }
  if (days.empty()) return false;
  for (const auto& [name, set] : days) {
    int64_t prev = std::numeric_limits<int64_t>::min() / 2;
    for (int64_t day : set) {
      if (day - prev < 28) return false;
      prev = day;
    }
  }
  return true;
}

}  // namespace

double spend_in(const context& ctx, period p, std::map<std::string, double>* by_channel,
                std::map<std::string, std::string>* channel_names) {
  double total = NaN;
  for (const dataset* d : ctx.of_kind(dataset_kind::spend)) {
    const column* amount = d->column_of("amount");
    const column* date = d->column_of("date");
    const column* end = d->column_of("end_date");
    const column* chan = d->column_of("channel");
    if (!amount || !date || !date->is_date()) continue;
    if (std::isnan(total)) total = 0;
    const bool months = date->format.month_only || (!end && monthly_rows(*d, *date, chan));
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      const double a = amount->number(r);
      if (std::isnan(a) || date->time(r) == MISSING_TIME) continue;
      const int64_t start = day_of(date->time(r));
      int64_t stop = start + 1;
      if (end && end->is_date() && end->time(r) != MISSING_TIME) {
        stop = day_of(end->time(r)) + 1;  // the end date is the last day covered
      } else if (months) {
        stop = add_months(start, 1);
      }
      if (stop <= start) continue;
      const int64_t overlap = std::min(stop, p.to) - std::max(start, p.from);
      if (overlap <= 0) continue;
      const double share = a * static_cast<double>(overlap) / static_cast<double>(stop - start);
      total += share;
      if (by_channel) {
        std::string key = chan ? fold(chan->text(r)) : std::string();
        (*by_channel)[key] += share;
        if (channel_names && !channel_names->count(key)) {
          std::string_view shown = chan ? trim(chan->text(r)) : std::string_view();
          (*channel_names)[key] = key.empty() ? "(none)" : std::string(shown);
        }
      }
    }
  }
  // Channels with no spend in P are still listed.
  if (by_channel) {
    for (const dataset* d : ctx.of_kind(dataset_kind::spend)) {
      const column* chan = d->column_of("channel");
      if (!chan) continue;
      for (size_t r = 0; r < d->tbl.rows(); ++r) {
        std::string key = fold(chan->text(r));
        if (by_channel->emplace(key, 0).second && channel_names) {
          (*channel_names)[key] = key.empty() ? "(none)" : std::string(trim(chan->text(r)));
        }
      }
    }
  }
  return total;
}

namespace {

// Every customer's acquisition channel as a small id: ids < m.channels.size() are order
// channels, then "(unknown)", then each distinct customers-dataset source. Per id the display
// name and the folded key, and per distinct key an index.
struct customer_channels {
  std::vector<uint32_t> of_customer;
  std::vector<std::string> names;     // per id: acquisition_channel's text
  std::vector<uint32_t> key_of;       // per id: index into keys
  std::vector<std::string> keys;      // distinct folded names
};

customer_channels channels_of(const model& m) {
  customer_channels cc;
  cc.names = m.channels;
  const uint32_t unknown = static_cast<uint32_t>(cc.names.size());
  cc.names.push_back("(unknown)");
  std::unordered_map<std::string_view, uint32_t> source_id;
  cc.of_customer.resize(m.customers.size());
  for (uint32_t c = 0; c < m.customers.size(); ++c) {
    const customer_info& ci = m.customers[c];
    uint32_t id = unknown;
    if (const std::string_view source = m.source(ci); !source.empty()) {
      auto [it, added] = source_id.emplace(source, static_cast<uint32_t>(cc.names.size()));
      if (added) cc.names.emplace_back(source);
      id = it->second;
    } else if (ci.first_order != UINT32_MAX && m.orders[ci.first_order].channel != 0) {
      id = m.orders[ci.first_order].channel;
    }
    cc.of_customer[c] = id;
  }
  std::unordered_map<std::string, uint32_t> key_index;
  for (const std::string& name : cc.names) {
    auto [it, added] = key_index.emplace(fold(name), static_cast<uint32_t>(cc.keys.size()));
    if (added) cc.keys.push_back(it->first);
    cc.key_of.push_back(it->second);
  }
  return cc;
}

// New customers of `p` per folded acquisition channel, with display names (the first
// customer's, in customer order, names a key).
std::map<std::string, double> new_by_channel(const context& ctx, const customer_channels& cc,
                                             period p, std::map<std::string, std::string>& names) {
  std::vector<double> count(cc.names.size(), 0);
  std::vector<uint32_t> seen;  // ids in order of their first customer
  for (uint32_t c = 0; c < ctx.m.customers.size(); ++c) {
    const customer_info& ci = ctx.m.customers[c];
    if (ci.first_order == UINT32_MAX || !p.contains(ci.first_day)) continue;
    const uint32_t id = cc.of_customer[c];
    if (count[id]++ == 0) seen.push_back(id);
  }
  std::map<std::string, double> out;
  for (uint32_t id : seen) {
    const std::string& key = cc.keys[cc.key_of[id]];
    out[key] += count[id];
    names.emplace(key, cc.names[id]);
  }
  return out;
}

void cac_kpi(const context& ctx, const customer_channels& cc, report_parts& out) {
  const model& m = ctx.m;
  std::map<std::string, double> spend_by;
  std::map<std::string, std::string> names;
  const double spend = spend_in(ctx, ctx.P, &spend_by, &names);
  const double prev_spend = spend_in(ctx, ctx.prev);
  if (std::isnan(spend) || !m.has_orders) {
    std::vector<std::string> needs;
    if (std::isnan(spend)) needs.push_back("spend.amount");
    if (!m.has_orders) needs.push_back("orders");
    out.kpis["cac"] = unavailable_kpi("currency", needs);
    return;
  }
  std::map<std::string, std::string> new_names;
  const std::map<std::string, double> news = new_by_channel(ctx, cc, ctx.P, new_names);
  double new_total = 0, prev_new = 0;
  for (const auto& [k, v] : news) new_total += v;
  for (const customer_info& c : m.customers) {
    if (c.first_order != UINT32_MAX && ctx.prev.contains(c.first_day)) prev_new += 1;
  }
  json_writer w;
  w.begin_object();
  write_ratio(w, spend, new_total, 1, "currency");
  write_previous_ratio(w, prev_spend, prev_new, 1);
  w.key("by_channel").begin_array();
  for (const auto& [key, s] : spend_by) {
    auto it = news.find(key);
    const double n = it == news.end() ? 0 : it->second;
    w.begin_object();
    w.field("channel", names[key]).field("spend", s).field("new_customers", n);
    w.key("value");
    if (n > 0) {
      w.value(s / n);
    } else {
      w.null();
    }
    w.field("status", n > 0 ? "ok" : "undefined");
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out.kpis["cac"] = w.take();

  if (ctx.series.size() > 0) {
    const buckets& b = ctx.series;
    std::vector<double> num(b.size()), den(b.size());
    const std::vector<bucket_stats>& s = ctx.stats(b.starts);
    for (size_t i = 0; i < b.size(); ++i) {
      num[i] = spend_in(ctx, {b.starts[i], b.starts[i + 1]});
      den[i] = s[i].new_customers;
    }
    out.series["cac"] = ratio_series(b, num, den, 1);
  }
}

void sources_kpi(const context& ctx, const customer_channels& cc, report_parts& out) {
  const model& m = ctx.m;
  if (!m.has_orders) {
    out.kpis["acquisition_sources"] = unavailable_kpi("count", {"orders"});
    return;
  }
  std::map<std::string, std::string> names;
  const std::map<std::string, double> news = new_by_channel(ctx, cc, ctx.P, names);
  // Revenue of P per channel key, summed in order of the orders; a key's display name is
  // that of its first order's customer.
  std::vector<double> key_revenue(cc.keys.size(), 0);
  std::vector<uint32_t> first_id(cc.keys.size(), UINT32_MAX);
  std::vector<uint32_t> seen;  // keys in order of their first order
  for (const order& o : m.orders) {
    if (!o.valid || !ctx.P.contains(o.day)) continue;
    const uint32_t id = cc.of_customer[o.customer];
    const uint32_t k = cc.key_of[id];
    if (first_id[k] == UINT32_MAX) {
      first_id[k] = id;
      seen.push_back(k);
    }
    key_revenue[k] += o.revenue;
  }
  std::map<std::string, double> revenue;
  for (uint32_t k : seen) {
    revenue[cc.keys[k]] = key_revenue[k];
    names.emplace(cc.keys[k], cc.names[first_id[k]]);
  }
  double total = 0, prev_total = 0;
  for (const auto& [k, v] : news) total += v;
  for (const customer_info& c : m.customers) {
    if (c.first_order != UINT32_MAX && ctx.prev.contains(c.first_day)) prev_total += 1;
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : news) keys.insert(k);
  for (const auto& [k, v] : revenue) keys.insert(k);
  std::vector<std::string> ordered(keys.begin(), keys.end());
  std::sort(ordered.begin(), ordered.end(), [&](const std::string& a, const std::string& b) {
    const double na = news.count(a) ? news.at(a) : 0, nb = news.count(b) ? news.at(b) : 0;
    if (na != nb) return na > nb;
    return a < b;
  });
  json_writer w;
  w.begin_object();
  write_total(w, total, "count");
  w.field("previous", prev_total);
  w.key("by_channel").begin_array();
  for (const std::string& key : ordered) {
    const double n = news.count(key) ? news.at(key) : 0;
    w.begin_object();
    w.field("channel", names[key]).field("new_customers", n);
    w.key("share");
    if (total > 0) {
      w.value(n / total * 100);
    } else {
      w.null();
    }
    w.field("revenue", revenue.count(key) ? revenue.at(key) : 0.0);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out.kpis["acquisition_sources"] = w.take();
}

void leads_kpi(const context& ctx, report_parts& out) {
  const std::vector<const dataset*> sets = ctx.of_kind(dataset_kind::leads);
  if (sets.empty()) {
    out.kpis["lead_to_customer_rate"] = unavailable_kpi("%", {"leads"});
    return;
  }
  const model& m = ctx.m;
  // Latest valid order day per customer: a lead converted if any valid order is dated on or
  // after its creation, at any time.
  std::vector<int64_t> last_day(m.customers.size(), std::numeric_limits<int64_t>::min());
  for (const order& o : m.orders) {
    if (o.valid) last_day[o.customer] = std::max<int64_t>(last_day[o.customer], o.day);
  }
  double leads = 0, converted = 0, prev_leads = 0, prev_converted = 0;
  std::map<std::string, std::pair<double, double>> by_channel;
  std::map<std::string, std::string> names;
  bool dated = false;
  std::vector<double> s_num(ctx.series.size(), 0), s_den(ctx.series.size(), 0);
  for (const dataset* d : sets) {
    const column* created = d->column_of("created_at");
    if (!created || !created->is_date()) continue;
    dated = true;
    const column* conv = d->column_of("converted");
    const column* cid = d->column_of("customer_id");
    const column* email = d->column_of("email");
    const column* chan = d->column_of("channel");
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      if (created->time(r) == MISSING_TIME) continue;
      const int64_t day = day_of(created->time(r));
      bool ok = conv && truthy(conv->text(r));
      if (!ok && (cid || email)) {
        const int64_t c = m.find_customer(cid ? cid->text(r) : std::string_view(),
                                          email ? email->text(r) : std::string_view());
        ok = c >= 0 && last_day[c] >= day;
      }
      const int bi = ctx.series.index_of(day);
      if (bi >= 0) {
        s_den[bi] += 1;
        s_num[bi] += ok;
      }
      if (ctx.prev.contains(day)) {
        prev_leads += 1;
        prev_converted += ok;
      }
      if (!ctx.P.contains(day)) continue;
      leads += 1;
      converted += ok;
      std::string shown = chan ? std::string(trim(chan->text(r))) : std::string();
      std::string key = fold(shown);
      if (key.empty()) shown = "(unknown)";
      names.emplace(key, shown);
      auto& [l, c] = by_channel[key];
      l += 1;
      c += ok;
    }
  }
  if (!dated) {
    out.kpis["lead_to_customer_rate"] = unavailable_kpi("%", {"leads.created_at"});
    return;
  }
  json_writer w;
  w.begin_object();
  write_ratio(w, converted, leads, 100, "%");
  write_previous_ratio(w, prev_converted, prev_leads, 100);
  w.key("by_channel").begin_array();
  for (const auto& [key, lc] : by_channel) {
    w.begin_object();
    w.field("channel", names[key]).field("leads", lc.first).field("converted", lc.second);
    w.field("value", lc.second / lc.first * 100);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out.kpis["lead_to_customer_rate"] = w.take();
  if (ctx.series.size() > 0) {
    out.series["lead_to_customer_rate"] = ratio_series(ctx.series, s_num, s_den, 100);
  }
}

void conversion_kpi(const context& ctx, report_parts& out) {
  const std::vector<const dataset*> sets = ctx.of_kind(dataset_kind::traffic);
  if (sets.empty() || !ctx.m.has_orders) {
    std::vector<std::string> needs;
    if (sets.empty()) needs.push_back("traffic.sessions");
    if (!ctx.m.has_orders) needs.push_back("orders");
    out.kpis["conversion_rate"] = unavailable_kpi("%", needs);
    return;
  }
  double sessions = 0, visitors = 0, prev_sessions = 0, prev_visitors = 0;
  bool has_sessions = false, has_visitors = false;
  std::vector<double> s_sessions(ctx.series.size(), 0), s_visitors(ctx.series.size(), 0);
  for (const dataset* d : sets) {
    const column* ses = d->column_of("sessions");
    const column* vis = d->column_of("visitors");
    const column* date = d->column_of("date");
    has_sessions = has_sessions || ses;
    has_visitors = has_visitors || vis;
    for (size_t r = 0; r < d->tbl.rows(); ++r) {
      // Without a date column every row counts in P (a traffic total for the period).
      int64_t day = ctx.P.from;
      if (date && date->is_date()) {
        if (date->time(r) == MISSING_TIME) continue;
        day = day_of(date->time(r));
      }
      const double sv = ses ? ses->number(r) : 0, vv = vis ? vis->number(r) : 0;
      const double s = std::isnan(sv) ? 0 : sv, v = std::isnan(vv) ? 0 : vv;
      if (ctx.P.contains(day)) sessions += s, visitors += v;
      if (ctx.prev.contains(day)) prev_sessions += s, prev_visitors += v;
      const int bi = ctx.series.index_of(day);
      if (bi >= 0) s_sessions[bi] += s, s_visitors[bi] += v;
    }
  }
  const std::vector<bucket_stats>& pp = ctx.stats({ctx.prev.from, ctx.P.from, ctx.P.to});
  const double den = has_sessions ? sessions : visitors;
  const double prev_den = has_sessions ? prev_sessions : prev_visitors;
  json_writer w;
  w.begin_object();
  write_ratio(w, pp[1].orders, den, 100, "%");
  write_previous_ratio(w, pp[0].orders, prev_den, 100);
  w.field("basis", has_sessions ? "sessions" : "visitors");
  if (has_visitors) {
    w.key("buyers").begin_object();
    write_ratio(w, pp[1].active, visitors, 100, "%");
    write_previous_ratio(w, pp[0].active, prev_visitors, 100);
    w.end_object();
  }
  w.end_object();
  out.kpis["conversion_rate"] = w.take();
  if (ctx.series.size() > 0) {
    const std::vector<bucket_stats>& s = ctx.stats(ctx.series.starts);
    std::vector<double> orders(s.size());
    for (size_t i = 0; i < s.size(); ++i) orders[i] = s[i].orders;
    out.series["conversion_rate"] =
        ratio_series(ctx.series, orders, has_sessions ? s_sessions : s_visitors, 100);
  }
}

// Join days of all members, sorted: customers-dataset rows with a signup date, plus
// customers with a valid order but no signup date, who join on their first order's date.
std::vector<int64_t> join_days(const model& m) {
  std::vector<int64_t> days;
  days.reserve(m.customers.size());
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  for (const customer_info& c : m.customers) {
    int64_t day;
    if (const std::optional<int64_t> signup = m.signup_day(c)) {
      day = *signup;
    } else if (c.first_order != UINT32_MAX) {
      day = c.first_day;
    } else {
      continue;
    }
    days.push_back(day);
    lo = std::min(lo, day);
    hi = std::max(hi, day);
  }
  // Days span a few years however many members there are: count them per day rather than
  // sort (the same sorted list).
  if (!days.empty() && static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) < days.size() + 4096) {
    std::vector<uint32_t> count(static_cast<size_t>(hi - lo) + 1, 0);
    for (int64_t d : days) ++count[static_cast<size_t>(d - lo)];
    size_t k = 0;
    for (size_t i = 0; i < count.size(); ++i) {
      for (uint32_t c = 0; c < count[i]; ++c) days[k++] = lo + static_cast<int64_t>(i);
    }
  } else {
    std::sort(days.begin(), days.end());
  }
  return days;
}

// Members joined strictly before t.
double members_before(const std::vector<int64_t>& joins, int64_t t) {
  return static_cast<double>(std::lower_bound(joins.begin(), joins.end(), t) - joins.begin());
}

void member_growth_kpi(const context& ctx, report_parts& out) {
  const model& m = ctx.m;
  if (!m.has_orders && !m.has_customers_dataset) {
    out.kpis["member_growth_rate"] = unavailable_kpi("%", {"customers.signup_date"});
    return;
  }
  const std::vector<int64_t> joins = join_days(m);
  const double start = members_before(joins, ctx.P.from), end = members_before(joins, ctx.P.to);
  const double pstart = members_before(joins, ctx.prev.from);
  json_writer w;
  w.begin_object();
  write_ratio(w, end - start, start, 100, "%");
  write_previous_ratio(w, start - pstart, pstart, 100);
  w.field("members_start", start).field("members_end", end);
  w.end_object();
  out.kpis["member_growth_rate"] = w.take();
  if (ctx.series.size() > 0) {
    const buckets& b = ctx.series;
    std::vector<double> num(b.size()), den(b.size());
    for (size_t i = 0; i < b.size(); ++i) {
      const double s = members_before(joins, b.starts[i]);
      num[i] = members_before(joins, b.starts[i + 1]) - s;
      den[i] = s;
    }
    out.series["member_growth_rate"] = ratio_series(b, num, den, 100);
  }
}

}  // namespace

void acquisition_kpis(const context& ctx, report_parts& out) {
  const customer_channels cc = channels_of(ctx.m);
  cac_kpi(ctx, cc, out);
  sources_kpi(ctx, cc, out);
  leads_kpi(ctx, out);
  conversion_kpi(ctx, out);
  member_growth_kpi(ctx, out);
}

}  // namespace kpi::detail
