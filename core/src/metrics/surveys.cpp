// Survey KPIs: nps, csat, ces (METRICS.md "Surveys" and "Readings pinned down").
//
// Every response row gets a type (from the type column, else the question text, else the
// scale of its group), then a scale per type, then is counted in P, P', its trend bucket, its
// segments, and (with orders) its customer's value tier and new/returning kind.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "kpi/detail/report_parts.h"
#include "kpi/metrics/voc.h"

namespace kpi::detail {
namespace {

enum survey_type : int { NPS = 0, CSAT = 1, CES = 2, TYPES = 3 };
constexpr std::array<std::string_view, TYPES> TYPE_ID = {"nps", "csat", "ces"};
constexpr std::array<std::string_view, TYPES> TYPE_NAME = {"NPS", "CSAT", "CES"};

// A segment column holds few distinct values; more than this is an id or free text.
constexpr uint32_t MAX_SEGMENT_VALUES = 20;
// Longer values are sentences (comments, answers), not categories.
constexpr size_t MAX_SEGMENT_LABEL = 40;

// The survey type a type value or question names: NPS, CSAT or CES as whole words
// (case-insensitive), or the spelled-out names; the earliest mention wins. -1 when none.
int type_named_in(std::string_view text) {
  std::string s = " ";
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 128 && std::isalnum(u)) {
      s += static_cast<char>(std::tolower(u));
    } else if (s.back() != ' ') {
      s += ' ';
    }
  }
  if (s.back() != ' ') s += ' ';
  struct named {
    std::string_view words;
    int type;
  };
  static constexpr std::array<named, 6> NAMES = {{{" nps ", NPS},
                                                  {" net promoter ", NPS},
                                                  {" csat ", CSAT},
                                                  {" customer satisfaction ", CSAT},
                                                  {" ces ", CES},
                                                  {" customer effort ", CES}}};
  size_t best = std::string::npos;
  int type = -1;
  for (const named& n : NAMES) {
    const size_t at = s.find(n.words);
    if (at < best) {
      best = at;
      type = n.type;
    }
  }
  return type;
}

bool is_whole(double x) { return std::isfinite(x) && x == std::floor(x); }

struct scale {
  int min = 0;
  int max = 10;
  int options() const { return max - min + 1; }
};

// Counts of one group of responses. hist[i] counts score min + i.
struct tally {
  uint64_t n = 0;
  double sum = 0;
  std::vector<uint64_t> hist;

  void add(int score, const scale& sc) {
    if (hist.empty()) hist.assign(static_cast<size_t>(sc.options()), 0);
    ++n;
    sum += score;
    ++hist[static_cast<size_t>(score - sc.min)];
  }
  uint64_t count(int lo, int hi, const scale& sc) const {
    uint64_t c = 0;
    if (hist.empty()) return 0;
    for (int s = std::max(lo, sc.min); s <= std::min(hi, sc.max); ++s) {
      c += hist[static_cast<size_t>(s - sc.min)];
    }
    return c;
  }
  double mean() const { return n > 0 ? sum / static_cast<double>(n) : NaN; }
};

struct ratio {
  double num = 0;
  double den = 0;
};

// The headline ratio of a type, x 100: NPS (promoters - detractors) / responses; CSAT top
// two boxes / responses; CES sum of scores / (responses x options).
ratio ratio_of(int type, const scale& sc, const tally& t) {
  const double n = static_cast<double>(t.n);
  switch (type) {
    case NPS:
      return {static_cast<double>(t.count(9, 10, sc)) - static_cast<double>(t.count(0, 6, sc)), n};
    case CSAT:
      return {static_cast<double>(t.count(sc.max - 1, sc.max, sc)), n};
    default:
      return {t.sum, n * sc.options()};
  }
}

double value_of(int type, const scale& sc, const tally& t) {
  const ratio r = ratio_of(type, sc, t);
  return r.den > 0 ? r.num / r.den * 100 : NaN;
}

// 95% margin of error of an NPS in points: 1.96 sqrt((p + d - (p - d)^2) / n) x 100.
double nps_margin(const scale& sc, const tally& t) {
  if (t.n == 0) return NaN;
  const double n = static_cast<double>(t.n);
  const double p = static_cast<double>(t.count(9, 10, sc)) / n;
  const double d = static_cast<double>(t.count(0, 6, sc)) / n;
  return 1.96 * std::sqrt(std::max(0.0, p + d - (p - d) * (p - d)) / n) * 100;
}

struct response {
  uint32_t set = 0;
  uint32_t row = 0;
  int type = -1;
  double score = NaN;  // as read; NaN when empty or not a number
};

// The columns of one survey file, looked up once rather than per row.
struct survey_columns {
  const column* score = nullptr;
  const column* date = nullptr;
  const column* id = nullptr;
  const column* email = nullptr;
  std::vector<int> segments;
};

// One breakdown (a segment column, the value tiers, new/returning): a tally per label.
struct breakdown {
  label_index labels;
  std::vector<tally> tallies;
  tally& at(std::string_view label) {
    const size_t i = labels.of(label);
    if (i >= tallies.size()) tallies.resize(i + 1);
    return tallies[i];
  }
};

// Everything gathered for one survey type.
struct family {
  bool present = false;  // some row of the files has this type
  scale sc;
  std::string scale_rule;
  uint64_t typed_by[3] = {0, 0, 0};  // type column, question text, scale
  std::string scale_typing;          // how scale-typed groups were read, for the rule
  rejections rejected;
  uint64_t undated = 0;
  tally cur, prev;
  std::vector<tally> series;
  std::map<std::string, breakdown> segments;  // column name -> breakdown
  std::array<tally, 3> tiers;                 // top 20%, middle, bottom 30%
  std::array<tally, 2> kinds;                 // new, returning
  uint64_t without_orders = 0;
  uint64_t from_undated_files = 0;  // rows of files without a date column: all in P
};

// "id", "Customer ID", "customer_id", "customerId" name an id column; "Paid" does not.
bool id_header(std::string_view name) {
  const size_t n = name.size();
  if (n < 2 || (name[n - 2] != 'i' && name[n - 2] != 'I') ||
      (name[n - 1] != 'd' && name[n - 1] != 'D')) {
    return false;
  }
  if (n == 2 || name[n - 2] == 'I') return true;
  const unsigned char before = static_cast<unsigned char>(name[n - 3]);
  return !std::isalpha(before);
}

// Columns worth a breakdown: the segment role, and other short text columns with few
// distinct values that are not ids, e-mails, people's names or free text (the other roles
// are excluded).
std::vector<int> segment_columns(const dataset& d) {
  std::vector<int> out;
  const int segment = d.col("segment");
  for (int c = 0; c < static_cast<int>(d.tbl.columns.size()); ++c) {
    const column& col = d.tbl.columns[c];
    if (c == segment) {
      out.push_back(c);
      continue;
    }
    bool has_role = false;
    for (const auto& [role, idx] : d.roles) has_role = has_role || idx == c;
    if (has_role || col.format.type != value_type::text) continue;
    const std::string h = normalize_header(col.name);
    static constexpr std::array<std::string_view, 11> FREE_TEXT = {
        "mail",  "comment", "feedback", "note",   "message", "text",
        "phone", "address", "url",      "answer", "response"};
    static constexpr std::array<std::string_view, 8> PEOPLE = {
        "name",         "firstname",  "lastname",       "fullname",
        "customername", "respondent", "respondentname", "username"};
    bool excluded =
        id_header(col.name) || std::find(PEOPLE.begin(), PEOPLE.end(), h) != PEOPLE.end();
    for (std::string_view word : FREE_TEXT) {
      excluded = excluded || h.find(word) != std::string::npos;
    }
    const uint32_t distinct = col.pool.size() - 1;  // code 0 is the empty cell
    if (excluded || distinct < 2 || distinct > MAX_SEGMENT_VALUES) continue;
    bool short_values = true;
    for (uint32_t code = 1; code < col.pool.size(); ++code) {
      short_values = short_values && col.pool.get(code).size() <= MAX_SEGMENT_LABEL;
    }
    if (short_values) out.push_back(c);
  }
  return out;
}

constexpr std::array<std::string_view, 3> TIER_NAMES = {"top 20%", "middle", "bottom 30%"};
constexpr std::array<std::string_view, 2> KIND_NAMES = {"new", "returning"};

// Value tier of every customer by historical revenue (valid orders before `end`) among the
// customers with such orders: top 20% (0), middle (1), bottom 30% (2), -1 without orders.
// Tier sizes are the rounded shares of the customer count; customers tied in revenue with a
// tier's boundary customer share that tier, so equal spenders never split.
std::vector<int8_t> value_tiers(const model& m, int64_t end) {
  std::vector<double> revenue(m.customers.size(), 0);
  std::vector<char> has(m.customers.size(), 0);
  for (const order& o : m.orders) {
    if (!o.valid || o.day >= end || o.customer >= m.customers.size()) continue;
    revenue[o.customer] += o.revenue;
    has[o.customer] = 1;
  }
  std::vector<uint32_t> ranked;
  for (uint32_t c = 0; c < m.customers.size(); ++c) {
    if (has[c]) ranked.push_back(c);
  }
  std::sort(ranked.begin(), ranked.end(), [&](uint32_t a, uint32_t b) {
    if (revenue[a] != revenue[b]) return revenue[a] > revenue[b];
    return m.customers[a].ref() < m.customers[b].ref();
  });
  const size_t n = ranked.size();
  const size_t top = static_cast<size_t>(std::lround(0.2 * static_cast<double>(n)));
  const size_t bottom =
      std::min(n - top, static_cast<size_t>(std::lround(0.3 * static_cast<double>(n))));
  std::vector<int8_t> tier(m.customers.size(), -1);
  for (size_t i = 0; i < n; ++i) {
    const double r = revenue[ranked[i]];
    if (i < top || (top > 0 && r == revenue[ranked[top - 1]])) {
      tier[ranked[i]] = 0;
    } else if (i >= n - bottom || (bottom > 0 && r == revenue[ranked[n - bottom]])) {
      tier[ranked[i]] = 2;
    } else {
      tier[ranked[i]] = 1;
    }
  }
  return tier;
}

// The scale of CSAT or CES: the user's maximum, else the smallest usual scale (1-5, 1-7,
// 1-10) holding the highest whole score seen between 1 and 10, else the default.
scale scale_for(int type, int user_max, int highest) {
  const int fallback = type == CSAT ? 5 : 7;
  if (user_max > 0) return {1, std::max(2, user_max)};
  if (highest <= 0) return {1, fallback};
  if (highest <= 5) return {1, 5};
  if (highest <= 7) return {1, 7};
  return {1, 10};
}

std::string scale_text(const scale& sc) {
  return std::to_string(sc.min) + "-" + std::to_string(sc.max);
}

void write_tally_entry(json_writer& w, int type, const scale& sc, std::string_view label,
                       const tally& t) {
  w.begin_object();
  w.field("segment", label);
  w.field("value", value_of(type, sc, t));
  w.field("responses", t.n);
  if (type == NPS) {
    w.field("margin_of_error", nps_margin(sc, t));
  } else {
    w.field("mean", t.mean());
  }
  w.end_object();
}

std::string family_json(int type, const family& f, const context& ctx) {
  const scale& sc = f.sc;
  json_writer w;
  w.begin_object();
  const ratio r = ratio_of(type, sc, f.cur);
  write_ratio(w, r.num, r.den, 100, type == NPS ? "score" : "%");
  const ratio p = ratio_of(type, sc, f.prev);
  write_previous_ratio(w, p.num, p.den, 100);
  const double n = static_cast<double>(f.cur.n);
  if (type == NPS) {
    const uint64_t promoters = f.cur.count(9, 10, sc);
    const uint64_t passives = f.cur.count(7, 8, sc);
    const uint64_t detractors = f.cur.count(0, 6, sc);
    w.field("promoters", promoters).field("passives", passives).field("detractors", detractors);
    w.field("promoters_pct", percent_of(static_cast<double>(promoters), n));
    w.field("passives_pct", percent_of(static_cast<double>(passives), n));
    w.field("detractors_pct", percent_of(static_cast<double>(detractors), n));
  } else {
    w.field("mean", f.cur.mean());
  }
  w.field("responses", f.cur.n);
  w.key("histogram").begin_array();
  for (int s = sc.min; s <= sc.max; ++s) w.value(f.cur.count(s, s, sc));
  w.end_array();
  if (type == NPS) w.field("margin_of_error", nps_margin(sc, f.cur));
  w.key("scale").begin_object().field("min", sc.min).field("max", sc.max).end_object();

  w.key("by_segment").begin_object();
  for (const auto& segment : f.segments) {
    const breakdown& b = segment.second;  // not a structured binding: the lambda captures it
    std::vector<size_t> order(b.tallies.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    // Biggest segments first; ties by name so the document is deterministic.
    std::sort(order.begin(), order.end(), [&](size_t a, size_t c) {
      if (b.tallies[a].n != b.tallies[c].n) return b.tallies[a].n > b.tallies[c].n;
      return b.labels.name(a) < b.labels.name(c);
    });
    w.key(segment.first).begin_array();
    for (size_t i : order) {
      if (b.tallies[i].n > 0) write_tally_entry(w, type, sc, b.labels.name(i), b.tallies[i]);
    }
    w.end_array();
  }
  w.end_object();

  if (ctx.m.has_orders) {
    w.key("by_value_tier").begin_array();
    for (size_t i = 0; i < TIER_NAMES.size(); ++i) {
      write_tally_entry(w, type, sc, TIER_NAMES[i], f.tiers[i]);
    }
    w.end_array();
    w.key("by_customer_type").begin_array();
    for (size_t i = 0; i < KIND_NAMES.size(); ++i) {
      write_tally_entry(w, type, sc, KIND_NAMES[i], f.kinds[i]);
    }
    w.end_array();
    w.field("responses_without_orders", f.without_orders);
  }

  f.rejected.write(w);
  w.field("undated", f.undated);

  std::string rule = "Responses typed by the type column: " + std::to_string(f.typed_by[0]) +
                     ", by the question text: " + std::to_string(f.typed_by[1]) +
                     ", by the scale: " + std::to_string(f.typed_by[2]);
  if (!f.scale_typing.empty()) rule += " (" + f.scale_typing + ")";
  rule += ". " + f.scale_rule;
  if (type == NPS) {
    rule += " Promoters 9-10, passives 7-8, detractors 0-6.";
  } else if (type == CSAT) {
    rule += " Satisfied = the top two boxes, " + std::to_string(sc.max - 1) + "-" +
            std::to_string(sc.max) + ".";
  } else {
    rule += " Value = mean score / " + std::to_string(sc.options()) + " options x 100.";
  }
  rule += " Scores outside the scale or not whole numbers are rejected, not clamped.";
  if (f.from_undated_files > 0) {
    rule += " " + std::to_string(f.from_undated_files) +
            " responses come from a file without a date column: they all count in the period, "
            "and in neither the previous period nor the trend.";
  }
  if (f.undated > 0) {
    rule += " " + std::to_string(f.undated) + " responses without a date are left out.";
  }
  w.field("rule", rule);
  w.end_object();
  return w.take();
}

}  // namespace

void survey_kpis(const context& ctx, report_parts& out) {
  const std::vector<const dataset*> sets = ctx.of_kind(dataset_kind::surveys);
  if (sets.empty()) {
    out.kpis["nps"] = unavailable_kpi("score", {"surveys.score"});
    out.kpis["csat"] = unavailable_kpi("%", {"surveys.score"});
    out.kpis["ces"] = unavailable_kpi("%", {"surveys.score"});
    return;
  }

  std::array<family, TYPES> fams;
  std::vector<survey_columns> cols(sets.size());
  for (size_t si = 0; si < sets.size(); ++si) {
    const dataset& d = *sets[si];
    cols[si] = {d.column_of("score"), d.column_of("date"), d.column_of("customer_id"),
                d.column_of("email"), segment_columns(d)};
  }

  // 1. Type each row from its type value or question text; the rest wait for their group's
  // scale. A group is the rows of one file with the same question (or all of them).
  std::vector<response> rows;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<size_t>> untyped;
  for (uint32_t si = 0; si < sets.size(); ++si) {
    const dataset& d = *sets[si];
    const column* type_col = d.column_of("type");
    const column* question = d.column_of("question");
    for (uint32_t r = 0; r < d.tbl.rows(); ++r) {
      response resp{si, r, -1, cols[si].score->number(r)};
      if (type_col) {
        resp.type = type_named_in(type_col->text(r));
        if (resp.type >= 0) ++fams[resp.type].typed_by[0];
      }
      if (resp.type < 0 && question) {
        resp.type = type_named_in(question->text(r));
        if (resp.type >= 0) ++fams[resp.type].typed_by[1];
      }
      if (resp.type < 0) untyped[{si, question ? question->codes[r] : 0}].push_back(rows.size());
      rows.push_back(resp);
    }
  }

  // 2. Scale rule (METRICS.md): whole scores seen between 0 and 10 decide the group: any 0 or
  // a highest score above 7 -> NPS (0-10), highest up to 5 -> CSAT (1-5), else CES (1-7).
  // Scores beyond 10 fit no survey scale; they are rejected later by the type's own scale.
  for (const auto& [key, members] : untyped) {
    const dataset& d = *sets[key.first];
    int lo = 11, hi = -1;
    for (size_t i : members) {
      const double s = rows[i].score;
      if (!is_whole(s) || s < 0 || s > 10) continue;
      lo = std::min(lo, static_cast<int>(s));
      hi = std::max(hi, static_cast<int>(s));
    }
    int type = NPS;
    if (hi >= 0 && lo >= 1 && hi <= 5) {
      type = CSAT;
    } else if (hi >= 0 && lo >= 1 && hi <= 7) {
      type = CES;
    }
    family& f = fams[type];
    f.typed_by[2] += members.size();
    const std::string seen = hi < 0 ? std::string("no whole scores 0-10")
                                    : "scores " + std::to_string(lo) + "-" + std::to_string(hi);
    const std::string note = d.file + ": " + seen + " read as " + std::string(TYPE_NAME[type]);
    if (f.scale_typing.find(note) == std::string::npos) {
      f.scale_typing += (f.scale_typing.empty() ? "" : "; ") + note;
    }
    for (size_t i : members) rows[i].type = type;
  }

  // 3. One scale per type across the files.
  std::array<int, TYPES> highest = {-1, -1, -1};
  for (const response& resp : rows) {
    fams[resp.type].present = true;
    const double s = resp.score;
    if (is_whole(s) && s >= 1 && s <= 10) {
      highest[resp.type] = std::max(highest[resp.type], static_cast<int>(s));
    }
  }
  fams[NPS].sc = {0, 10};
  fams[NPS].scale_rule = "Scale 0-10 (NPS).";
  for (int type : {CSAT, CES}) {
    const int user = type == CSAT ? ctx.options.csat_max : ctx.options.ces_max;
    family& f = fams[type];
    f.sc = scale_for(type, user, highest[type]);
    const std::string range = scale_text(f.sc);
    if (user > 0) {
      f.scale_rule = "Scale " + range + " set by the user.";
    } else if (f.sc.max == (type == CSAT ? 5 : 7)) {
      f.scale_rule = "Scale " + range + " (the default; highest score seen " +
                     (highest[type] < 0 ? std::string("none") : std::to_string(highest[type])) +
                     ").";
    } else {
      f.scale_rule = "Scale " + range + " detected from the data (highest score seen " +
                     std::to_string(highest[type]) + ").";
    }
  }

  // Customer value tier and new/returning kind, for the cross-dataset breakdowns.
  std::vector<int8_t> tier_of;
  if (ctx.m.has_orders) tier_of = value_tiers(ctx.m, ctx.P.to);

  // 4. Count every accepted response.
  const size_t nb = ctx.series.size();
  for (family& f : fams) f.series.assign(nb, tally{});

  for (const response& resp : rows) {
    family& f = fams[resp.type];
    const dataset& d = *sets[resp.set];
    const survey_columns& c = cols[resp.set];
    const double s = resp.score;
    const uint64_t line = d.tbl.lines[resp.row];
    if (std::isnan(s)) {
      f.rejected.add(line, c.score->empty_at(resp.row) ? "missing score" : "not a number");
      continue;
    }
    if (!is_whole(s)) {
      f.rejected.add(line, "not a whole number");
      continue;
    }
    if (s < f.sc.min || s > f.sc.max) {
      f.rejected.add(line, "out of scale");
      continue;
    }
    const int score = static_cast<int>(s);
    if (c.date == nullptr) ++f.from_undated_files;
    const row_place at = place_row(ctx, c.date, resp.row);
    if (at.undated) {
      ++f.undated;
      continue;
    }
    if (at.in_prev) f.prev.add(score, f.sc);
    if (at.bucket >= 0) f.series[at.bucket].add(score, f.sc);
    if (!at.in_p) continue;
    f.cur.add(score, f.sc);
    for (int sc : c.segments) {
      const column& col = d.tbl.columns[sc];
      f.segments[col.name].at(col.text(resp.row)).add(score, f.sc);
    }
    if (ctx.m.has_orders) {
      const int64_t who =
          ctx.m.find_customer(c.id ? c.id->text(resp.row) : std::string_view(),
                              c.email ? c.email->text(resp.row) : std::string_view());
      if (who < 0 || tier_of[static_cast<size_t>(who)] < 0) {
        ++f.without_orders;
      } else {
        f.tiers[static_cast<size_t>(tier_of[static_cast<size_t>(who)])].add(score, f.sc);
        const int64_t first = ctx.m.customers[static_cast<size_t>(who)].first_day;
        f.kinds[first >= ctx.P.from ? 0 : 1].add(score, f.sc);
      }
    }
  }

  // 5. The KPI objects and their trends.
  for (int type = 0; type < TYPES; ++type) {
    const family& f = fams[type];
    const std::string id(TYPE_ID[type]);
    if (!f.present) {
      json_writer w;
      w.begin_object();
      write_unavailable(w, type == NPS ? "score" : "%", {"surveys.score"});
      w.field("reason", "no " + std::string(TYPE_NAME[type]) + " responses in the survey files");
      w.end_object();
      out.kpis[id] = w.take();
      continue;
    }
    out.kpis[id] = family_json(type, f, ctx);
    std::vector<double> num(nb), den(nb);
    for (size_t b = 0; b < nb; ++b) {
      const ratio r = ratio_of(type, f.sc, f.series[b]);
      num[b] = r.num;
      den[b] = r.den;
    }
    out.series[id] = ratio_series(ctx.series, num, den, 100);
    if (type == NPS) {
      const std::array<std::pair<std::string_view, std::pair<int, int>>, 3> shares = {
          {{"nps_promoters_pct", {9, 10}},
           {"nps_passives_pct", {7, 8}},
           {"nps_detractors_pct", {0, 6}}}};
      for (const auto& [series_id, range] : shares) {
        for (size_t b = 0; b < nb; ++b) {
          num[b] = static_cast<double>(f.series[b].count(range.first, range.second, f.sc));
          den[b] = static_cast<double>(f.series[b].n);
        }
        out.series[std::string(series_id)] = ratio_series(ctx.series, num, den, 100);
      }
    }
  }
}

}  // namespace kpi::detail
