// Social KPI: social_sentiment (METRICS.md "Social" and "Readings pinned down").
//
// Each mention gets a label from, in order, the label column, the score column, or VADER on
// its text; the first that gives one wins for that row, so a file whose label column has gaps
// still uses its texts.
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "kpi/detail/report_parts.h"
#include "kpi/metrics/voc.h"
#include "kpi/text/vader.h"

namespace kpi::detail {
namespace {

enum method : int { LABEL = 0, SCORE = 1, LEXICON = 2, METHODS = 3 };
constexpr std::array<std::string_view, METHODS> METHOD_NAME = {"label column", "score column",
                                                               "VADER lexicon"};

// A sentiment label as tools and annotators write it (case-insensitive, trimmed): English
// words and their short forms, and the Italian, Romanian and Chinese words. nullopt for
// anything else (including "mixed", which has no place in a three-way split).
std::optional<sentiment_label> parse_label(std::string_view text) {
  const std::string s = fold(text);
  static constexpr std::array<std::string_view, 9> POSITIVE = {
      "positive", "pos",      "very positive", "positivo", "positiva",
      "pozitiv",  "pozitivă", "正面",          "积极"};
  static constexpr std::array<std::string_view, 9> NEGATIVE = {
      "negative", "neg",      "very negative", "negativo", "negativa",
      "negativ",  "negativă", "负面",          "消极"};
  static constexpr std::array<std::string_view, 7> NEUTRAL = {
      "neutral", "neu", "neutro", "neutra", "neutrale", "neutru", "中性"};
  auto has = [&](const auto& words) {
    return std::find(words.begin(), words.end(), s) != words.end();
  };
  if (has(POSITIVE)) return sentiment_label::positive;
  if (has(NEGATIVE)) return sentiment_label::negative;
  if (has(NEUTRAL)) return sentiment_label::neutral;
  return std::nullopt;
}

// How a score column maps to a compound-like value in [-1, 1], decided per column from its
// range: a compound or polarity score (-1..1) is used as is; a 1-5 star rating maps 3 to 0
// ((s - 3) / 2: 4-5 positive, 1-2 negative); 0-10 and 0-100 scales map their midpoint to 0.
// The VADER thresholds +/-0.05 then label it. A column outside all of these is not used.
struct score_scale {
  double mid = 0;
  double half = 1;
  std::string name;
  bool usable() const { return half > 0; }
};

score_scale detect_score_scale(const column& c, size_t rows) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t r = 0; r < rows; ++r) {
    const double x = c.number(r);
    if (!std::isfinite(x)) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  if (lo > hi) return {0, 0, "no numbers"};
  if (lo >= -1 && hi <= 1) return {0, 1, "-1..1 compound score"};
  if (lo >= 1 && hi <= 5) return {3, 2, "1-5 rating (3 = neutral)"};
  if (lo >= 0 && hi <= 10) return {5, 5, "0-10 rating (5 = neutral)"};
  if (lo >= 0 && hi <= 100) return {50, 50, "0-100 score (50 = neutral)"};
  return {0, 0,
          "values from " + format_double(lo) + " to " + format_double(hi) + " fit no known scale"};
}

// Mention counts by label: index 0 negative, 1 neutral, 2 positive (sentiment_label order).
struct tally {
  std::array<double, 3> n = {0, 0, 0};
  void add(sentiment_label l) { n[static_cast<size_t>(l)] += 1; }
  double neg() const { return n[0]; }
  double neu() const { return n[1]; }
  double pos() const { return n[2]; }
  double total() const { return n[0] + n[1] + n[2]; }
};

void write_shares(json_writer& w, const tally& t) {
  w.field("positive", percent_of(t.pos(), t.total()));
  w.field("negative", percent_of(t.neg(), t.total()));
  w.field("neutral", percent_of(t.neu(), t.total()));
}

}  // namespace

void social_kpis(const context& ctx, report_parts& out) {
  const std::vector<const dataset*> sets = ctx.of_kind(dataset_kind::mentions);
  if (sets.empty()) {
    out.kpis["social_sentiment"] = unavailable_kpi("%", {"mentions.text"});
    return;
  }

  const size_t nb = ctx.series.size();
  tally cur, prev;
  std::vector<tally> series(nb);
  label_index platforms;
  std::vector<tally> by_platform;
  std::array<uint64_t, METHODS> used = {0, 0, 0};
  rejections rejected;
  uint64_t undated = 0, from_undated_files = 0;
  std::string scale_notes;

  for (const dataset* dp : sets) {
    const dataset& d = *dp;
    const column* label_col = d.column_of("sentiment_label");
    const column* score_col = d.column_of("sentiment_score");
    const column* text_col = d.column_of("text");
    const column* date = d.column_of("date");
    const column* platform = d.column_of("platform");
    score_scale sc{0, 0, ""};
    if (score_col) {
      sc = detect_score_scale(*score_col, d.tbl.rows());
      scale_notes +=
          (scale_notes.empty() ? "" : "; ") + d.file + " \"" + score_col->name + "\": " + sc.name;
    }
    // The same text (retweets, duplicates) is interned once: score each distinct text once.
    std::vector<int8_t> text_label(text_col ? text_col->pool.size() : 0, -1);

    for (size_t r = 0; r < d.tbl.rows(); ++r) {
      std::optional<sentiment_label> label;
      int how = -1;
      if (label_col && !label_col->empty_at(r)) {
        label = parse_label(label_col->text(r));
        how = LABEL;
      }
      if (!label && score_col && sc.usable() && std::isfinite(score_col->number(r))) {
        label = label_of((score_col->number(r) - sc.mid) / sc.half);
        how = SCORE;
      }
      if (!label && text_col && !text_col->empty_at(r)) {
        int8_t& cached = text_label[text_col->codes[r]];
        if (cached < 0) {
          cached = static_cast<int8_t>(label_of(vader_scores(text_col->text(r)).compound));
        }
        label = static_cast<sentiment_label>(cached);
        how = LEXICON;
      }
      if (!label) {
        rejected.add(d.tbl.lines[r], how == LABEL ? "unknown label" : "no label, score or text");
        continue;
      }
      ++used[static_cast<size_t>(how)];
      if (!date) ++from_undated_files;
      const row_place at = place_row(ctx, date, r);
      if (at.undated) {
        ++undated;
        continue;
      }
      if (at.in_prev) prev.add(*label);
      if (at.bucket >= 0) series[at.bucket].add(*label);
      if (!at.in_p) continue;
      cur.add(*label);
      const size_t p = platforms.of(platform ? platform->text(r) : std::string_view());
      if (p >= by_platform.size()) by_platform.resize(p + 1);
      by_platform[p].add(*label);
    }
  }

  // The card names the method most mentions were labelled by (earlier methods win ties).
  size_t main_method = LABEL;
  for (size_t m = 1; m < METHODS; ++m) {
    if (used[m] > used[main_method]) main_method = m;
  }

  json_writer w;
  w.begin_object();
  write_ratio(w, cur.pos() - cur.neg(), cur.total(), 100, "%");
  write_previous_ratio(w, prev.pos() - prev.neg(), prev.total(), 100);
  write_shares(w, cur);
  w.field("mentions", cur.total());
  w.key("by_platform").begin_array();
  std::vector<size_t> order(by_platform.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (by_platform[a].total() != by_platform[b].total()) {
      return by_platform[a].total() > by_platform[b].total();
    }
    return platforms.name(a) < platforms.name(b);
  });
  for (size_t i : order) {
    const tally& t = by_platform[i];
    w.begin_object();
    w.field("platform", platforms.name(i));
    write_shares(w, t);
    w.field("value", percent_of(t.pos() - t.neg(), t.total()));
    w.field("mentions", t.total());
    w.end_object();
  }
  w.end_array();
  w.field("method", METHOD_NAME[main_method]);
  w.key("methods").begin_object();
  for (size_t m = 0; m < METHODS; ++m) w.field(METHOD_NAME[m], used[m]);
  w.end_object();
  rejected.write(w);
  w.field("undated", undated);
  std::string rule =
      "Net sentiment = % positive - % negative of the mentions dated in the period. Each "
      "mention is labelled by its label column, else its score column, else VADER on its text "
      "(positive above +0.05, negative below -0.05, else neutral).";
  if (!scale_notes.empty()) rule += " Score columns: " + scale_notes + ".";
  if (from_undated_files > 0) {
    rule += " " + std::to_string(from_undated_files) +
            " mentions come from a file without a date column: they all count in the period, "
            "and in neither the previous period nor the trend.";
  }
  w.field("rule", rule);
  w.end_object();
  out.kpis["social_sentiment"] = w.take();

  std::vector<double> num(nb), den(nb);
  auto emit = [&](std::string_view id, auto numerator) {
    for (size_t b = 0; b < nb; ++b) {
      num[b] = numerator(series[b]);
      den[b] = series[b].total();
    }
    out.series[std::string(id)] = ratio_series(ctx.series, num, den, 100);
  };
  emit("social_sentiment", [](const tally& t) { return t.pos() - t.neg(); });
  emit("sentiment_positive", [](const tally& t) { return t.pos(); });
  emit("sentiment_neutral", [](const tally& t) { return t.neu(); });
  emit("sentiment_negative", [](const tally& t) { return t.neg(); });
}

}  // namespace kpi::detail
