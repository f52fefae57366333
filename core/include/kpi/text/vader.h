// VADER sentiment of short social-media texts (Hutto & Gilbert, ICWSM 2014), following the
// reference implementation vaderSentiment 3.3.2 rule for rule, with the lexicon of the npm
// package vader-sentiment compiled in.
#pragma once

#include <string_view>

namespace kpi {

// The four numbers VADER gives a text. `compound` is the sum of the rule-adjusted word
// valences (plus punctuation emphasis) normalised by x / sqrt(x^2 + 15) into [-1, 1];
// neg/neu/pos are the shares of negative, neutral and positive mass and add up to 1 (all
// four are 0 for a text without words). Unlike the reference, values are not rounded
// (it rounds compound to 4 and the shares to 3 decimals for display), so that averages over
// many mentions are not biased by rounding.
struct sentiment_scores {
  double neg = 0, neu = 0, pos = 0, compound = 0;
};

// VADER polarity of `text` (UTF-8; any bytes are accepted, no errors). Emoji are not
// translated into their descriptions as the reference does: they count as part of the word
// they are attached to. The first call parses the embedded lexicon (thread-safe); later
// calls do not allocate once their per-thread scratch buffers have grown to the text size.
sentiment_scores vader_scores(std::string_view text);

enum class sentiment_label { negative, neutral, positive };

// Label of a compound score: positive above +0.05, negative below -0.05, else neutral
// (METRICS.md, social_sentiment); exactly ±0.05 is neutral.
sentiment_label label_of(double compound);

}  // namespace kpi
