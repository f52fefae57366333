// Tests for kpi/text/vader.h: hand-worked cases for each rule of VADER (Hutto & Gilbert,
// ICWSM 2014; reference implementation vaderSentiment 3.3.2), a differential table against
// the independent JavaScript port, and the label thresholds.
#include "kpi/text/vader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kpi {
namespace {

// Lexicon means used below (vader_lexicon.txt): good 1.9, bad -2.5, great 3.1, nice 1.8,
// best 3.2, accept 1.6, helpful 1.8, excellent 2.7, doubt -1.5, problems -1.7, no -1.2,
// bomb -2.2, fine 0.8, ok 1.2 (listed twice, 1.6 then 1.2: the later line wins), kind 2.4,
// ":)" 2.0. Rule constants: booster 0.293, caps 0.733, negation x -0.74.

// The reference's normalisation: compound = x / sqrt(x^2 + 15).
double norm(double x) { return x / std::sqrt(x * x + 15); }

struct hand_case {
  const char* text;
  double compound;
};

std::ostream& operator<<(std::ostream& os, const hand_case& c) {
  return os << '"' << c.text << '"';
}

// Each row: the sum of word valences after the rules, worked out by hand.
const hand_case HAND_CASES[] = {
    // One lexicon word and nothing else.
    {"good", norm(1.9)},
    {"The book was good.", norm(1.9)},
    {"bad", norm(-2.5)},
    // Negation: the valence is scaled by -0.74, by a negation word 1, 2 or 3 places before.
    {"not good", norm(1.9 * -0.74)},
    {"The food isn't good", norm(1.9 * -0.74)},  // any word with "n't" negates
    {"wasn't bad", norm(-2.5 * -0.74)},
    {"not at all good", norm(1.9 * -0.74)},  // "not" 3 places before "good"
    {"Not good", norm(1.9 * -0.74)},         // negation words are compared lower-cased
    // Boosters add 0.293 in the direction of the valence, dampeners take it away; 2 and 3
    // places before they count 95 % and 90 %.
    {"very good", norm(1.9 + 0.293)},
    {"extremely bad", norm(-2.5 - 0.293)},
    {"barely good", norm(1.9 - 0.293)},
    {"very very good", norm(1.9 + 0.293 + 0.293 * 0.95)},
    {"really very very good", norm(1.9 + 0.293 + 0.293 * 0.95 + 0.293 * 0.9)},
    {"not very good", norm((1.9 + 0.293) * -0.74)},  // boost first, then negate
    // "total" is a booster in the reference (not in the JS port).
    {"a total disaster", norm(-3.1 - 0.293)},
    // ALL CAPS adds 0.733 when the text mixes case; an all-caps text gets nothing.
    {"The food is GOOD", norm(1.9 + 0.733)},
    {"GOOD FOOD", norm(1.9)},
    {"The food is VERY good", norm(1.9 + 0.293 + 0.733)},  // a capitalised booster too
    {"The food is VERY GOOD", norm(1.9 + 0.733 + 0.293 + 0.733)},
    {"ÉTÉ GOOD day", norm(1.9 + 0.733)},  // "ÉTÉ" is all caps too (Python's isupper)
    {"ÉTÉ GOOD", norm(1.9)},              // ... so here every word is
    // "but": words before it count half, words after it one and a half.
    {"The food is good but the service is bad", norm(1.9 * 0.5 + -2.5 * 1.5)},
    {"Good food. But awful service!", norm(1.9 * 0.5 + -2.0 * 1.5 - 0.292)},  // any case
    // The reference finds each word's position with list.index(value) while it rewrites
    // the list: "accept" (1.6) equals the halved "best" (3.2 * 0.5), so the first 1.6 is
    // halved again and "accept" keeps 1.6 instead of 1.6 * 1.5. Replayed on purpose.
    {"The best, but I accept it", norm(3.2 * 0.5 * 0.5 + 1.6)},
    // Exclamation marks add 0.292 each, at most 4, to the magnitude of the sum.
    {"good!", norm(1.9 + 0.292)},
    {"bad!!", norm(-2.5 - 2 * 0.292)},
    {"good!!!!!!", norm(1.9 + 4 * 0.292)},
    // Question marks: one adds nothing, 2 or 3 add 0.18 each, 4 or more add 0.96.
    {"good?", norm(1.9)},
    {"good??", norm(1.9 + 2 * 0.18)},
    {"good???", norm(1.9 + 3 * 0.18)},
    {"good?????", norm(1.9 + 0.96)},
    {"good!??", norm(1.9 + 0.292 + 2 * 0.18)},
    // "kind of" / "sort of": "kind" (a lexicon word, 2.4) carries no valence before "of",
    // and the two-word dampener takes 0.293 from a word two places after it (the
    // reference only checks that once the word has three words before it).
    {"The lamp is kind of nice.", norm(1.8 - 0.293)},
    {"it is sort of good", norm(1.9 - 0.293)},
    {"It was kinda good", norm(1.9 - 0.293)},  // one-word dampener, distance 1
    {"kind of nice", norm(1.8)},
    {"a kind person", norm(2.4)},
    // "no" before a lexicon word negates it instead of counting -1.2 itself.
    {"no problems", norm(-1.7 * -0.74)},
    {"no", norm(-1.2)},
    // ... up to two places after it, or three in "no X or Y"; "no" before a word that is not
    // in the lexicon keeps its own -1.2.
    {"no big problems", norm(-1.2 + -1.7 * -0.74)},
    {"no problems or complaints", norm(-1.7 * -0.74 + -1.7 * -0.74)},
    // "never so" / "never this" intensify (x1.25) instead of negating.
    {"never this good", norm(1.9 * 1.25)},
    {"never good", norm(1.9 * -0.74)},
    // "without a doubt" is affirmative for the word after it; "doubt" itself is still
    // negated by "without" two places before it.
    {"without a doubt, excellent", norm(-1.5 * -0.74 + 2.7)},
    // "least" negates ("the least helpful"), but not after "at" or "very".
    {"the least helpful agent", norm(1.8 * -0.74)},
    {"at least helpful", norm(1.8)},
    {"least helpful", norm(1.8 * -0.74)},
    // Idioms replace the valence of their last lexicon word (once it has 3 words before).
    {"the food was the bomb", norm(3.0)},
    {"the bomb", norm(-2.2)},
    {"it was a broken heart", norm(-2.9)},
    // Tokens: surrounding punctuation is stripped, unless that leaves 2 characters or
    // fewer, which keeps emoticons, and also keeps "ok," unlike "ok".
    {"(great)", norm(3.1)},
    {":)", norm(2.0)},
    {"ok fine", norm(1.2 + 0.8)},
    {"ok, fine", norm(0.8)},
    {"good\u00a0bad", norm(1.9 + -2.5)},  // no-break space separates words, as in Python
    // Neutral and empty texts.
    {"The package arrived on Tuesday.", 0.0},
    {"", 0.0},
    {" \t\n ", 0.0},
    {"!!!", 0.0},  // punctuation emphasis only amplifies a non-zero sum
};

class VaderHandWorked : public testing::TestWithParam<hand_case> {};

TEST_P(VaderHandWorked, Compound) {
  EXPECT_NEAR(vader_scores(GetParam().text).compound, GetParam().compound, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(VaderRules, VaderHandWorked, testing::ValuesIn(HAND_CASES));

TEST(VaderProportions, OneWord) {
  // A sentiment word weighs 1 + |valence|, a neutral word 1.
  const sentiment_scores s = vader_scores("The book was good.");
  EXPECT_NEAR(s.pos, 2.9 / (2.9 + 3), 1e-12);
  EXPECT_NEAR(s.neu, 3 / (2.9 + 3), 1e-12);
  EXPECT_EQ(s.neg, 0);
}

TEST(VaderProportions, MixedWithBut) {
  // good 1.9 * 0.5 = 0.95 -> positive mass 1.95; bad -2.5 * 1.5 = -3.75 -> negative mass
  // 4.75; seven neutral words, "but" among them.
  const sentiment_scores s = vader_scores("The food is good but the service is bad");
  const double total = 1.95 + 4.75 + 7;
  EXPECT_NEAR(s.pos, 1.95 / total, 1e-12);
  EXPECT_NEAR(s.neg, 4.75 / total, 1e-12);
  EXPECT_NEAR(s.neu, 7 / total, 1e-12);
}

TEST(VaderProportions, PunctuationGoesToTheLargerSide) {
  // "!!" adds 0.584 to the larger of the positive and negative masses.
  const sentiment_scores s = vader_scores("bad!!");
  EXPECT_NEAR(s.neg, 1.0, 1e-12);
  const sentiment_scores t = vader_scores("good and bad!!");
  const double total = 2.9 + (3.5 + 0.584) + 1;
  EXPECT_NEAR(t.pos, 2.9 / total, 1e-12);
  EXPECT_NEAR(t.neg, (3.5 + 0.584) / total, 1e-12);
  EXPECT_NEAR(t.compound, norm(1.9 - 2.5 - 0.584), 1e-12);
}

TEST(VaderProportions, EmptyTextIsAllZero) {
  const sentiment_scores s = vader_scores("");
  EXPECT_EQ(s.neg, 0);
  EXPECT_EQ(s.neu, 0);
  EXPECT_EQ(s.pos, 0);
  EXPECT_EQ(s.compound, 0);
  EXPECT_EQ(vader_scores("the same old thing").neu, 1.0);
}

TEST(VaderRobustness, AnyBytesAndLongTexts) {
  // Invalid UTF-8, NULs and control bytes are scored, not rejected.
  const char bytes[] = "\xff\xfe good \xc3\x28 \0 bad \xe2\x80";
  const std::string junk(bytes, sizeof bytes - 1);
  const sentiment_scores s = vader_scores(junk);
  EXPECT_NEAR(s.compound, norm(1.9 - 2.5), 1e-12);
  // A long review stays in range and its shares add up to 1.
  std::string longer;
  for (int k = 0; k < 2000; ++k) longer += k % 3 == 0 ? "great but " : "awful, not good! ";
  const sentiment_scores l = vader_scores(longer);
  EXPECT_GE(l.compound, -1.0);
  EXPECT_LE(l.compound, 1.0);
  EXPECT_NEAR(l.neg + l.neu + l.pos, 1.0, 1e-9);
}

TEST(VaderThreads, SameScoresFromManyThreads) {
  // The lexicon is parsed once on first use and scratch buffers are per thread.
  const std::vector<std::string> texts = {"very good!", "not bad at all", "awful but cheap",
                                          "The lamp is kind of nice.", ""};
  std::vector<double> expected;
  for (const std::string& t : texts) expected.push_back(vader_scores(t).compound);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (std::size_t k = 0; k < texts.size(); ++k) {
          mismatches[t] += vader_scores(texts[k]).compound != expected[k];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (const int m : mismatches) EXPECT_EQ(m, 0);
}

// ---- differential: the JavaScript port -------------------------------------------------

struct reference_case {
  const char* text;
  double compound;
};

std::ostream& operator<<(std::ostream& os, const reference_case& c) {
  return os << '"' << c.text << '"';
}

// Produced by `node scripts/vader_reference.mjs` (the npm package vader-sentiment 1.1.3,
// same lexicon), which rounds to 4 decimals. On 10 rows the port departs from the Python
// reference; those rows hold the reference's value instead and say why the port differs. The
// reference values come from running the scoring code of vaderSentiment.py 3.3.2 with this
// lexicon (copied out of the Python source by hand, emoji step left out, since the Python
// package itself cannot be installed here); the hand-worked cases above agree with it too.
const reference_case REFERENCE_CASES[] = {
    {"The book was good.", 0.4404},
    {"Great product, fast shipping, would buy again!", 0.6588},
    {"Terrible customer service. Never ordering from this store again.", -0.4767},
    {"The package arrived on time.", 0},
    {"I love these shoes so much!!!", 0.7249},
    {"The jacket is not good quality.", -0.3412},
    {"The strap broke after two days, very disappointed.", -0.7346},
    {"Absolutely amazing support team, they fixed everything.", 0.7947},
    {"Worst purchase I have made this year.", -0.6249},
    {"It's okay, nothing special.", -0.092},
    {"The color is nice but the fabric feels cheap.", 0.2263},
    {"Shipping was slow but the product is excellent.", 0.7227},
    {"I am extremely happy with my order.", 0.6115},
    {"The app keeps crashing and I lost my cart. Awful.", -0.6486},
    {"Kind of disappointed with the size.", -0.4767},
    {"The lamp is kind of nice.", 0.3626},
    {"This is the best coffee I have ever tasted!", 0.6696},
    {"Why did my order get cancelled??", -0.3313},
    {"Where is my refund???", 0},
    // JS port: 0; the port strips only punctuation runs from a fixed list ("..." is not in it), so
    // "support..." misses the lexicon word "support". Python reference: 0.4019.
    {"Still waiting for a reply from support...", 0.4019},
    {"The headphones are GREAT, the case is meh.", 0.6739},
    {"I HATE waiting on hold for an hour.", -0.6633},
    // JS port: -0.0772; the port compares negation words case-sensitively: "Not" does not negate
    // "bad". Python reference: 0.7227.
    {"Not bad at all, actually pretty decent.", 0.7227},
    // JS port: -0.816; the port compares negation words case-sensitively: "Not" does not negate
    // "worst". Python reference: -0.0191.
    {"Not the worst, not the best.", -0.0191},
    {"Five stars, highly recommend!", 0.474},
    {"Returned it. Cheap plastic and a broken zipper.", -0.4767},
    {"Customer service was helpful and friendly.", 0.7184},
    {"The delivery guy was rude and left the box in the rain.", -0.4588},
    {"Thanks for the quick response, problem solved :)", 0.6486},
    {"My order is late again :(", -0.4404},
    {"Pretty good value for the price.", 0.8176},
    {"The dress looks beautiful but it does not fit well.", -0.3476},
    {"Honestly the worst experience, I want my money back.", -0.2023},
    {"Love it! Love it! Love it!", 0.938},
    {"I was hoping for more, but it works.", 0.2263},
    {"The battery life is incredibly short.", 0},
    {"The blender is loud but powerful.", 0.5719},
    {"Super comfortable sneakers, my feet are happy.", 0.8979},
    {"The website is confusing and slow.", -0.2263},
    {"Sale prices are great this week!", 0.6588},
    {"I can't believe how good this is.", -0.3412},
    {"It doesn't work and nobody answers my emails.", 0},
    {"The instructions were unclear but assembly was easy.", 0.5187},
    {"Meh.", -0.0772},
    {"What a waste of money.", -0.4215},
    {"Gorgeous packaging, thoughtful gift.", 0.8591},
    {"The soup tasted bland and the bread was stale.", 0},
    {"Very satisfied with the purchase.", 0.4754},
    {"Somewhat useful, but overpriced.", 0.2031},
    {"The size chart is wrong, everything runs small.", -0.4767},
    {"Fantastic quality and the team was so kind.", 0.8388},
    {"I'm not happy with the tracking updates.", -0.4585},
    {"Best store in town, hands down.", 0.6369},
    {"The refund process was a nightmare.", 0},
    {"I guess it's fine.", 0.2023},
    {"Order #4512 shipped today.", 0},
    {"New arrivals are in stock now.", 0},
    {"Their support is awesome!!", 0.8118},
    {"The product broke, the seller ignored me, and the courier lost my return.", -0.7506},
    {"Absolutely love the new collection.", 0.6697},
    {"It is not terrible, just boring.", 0.5448},
    {"Quality has really gone downhill lately.", 0},
    {"Free shipping made my day.", 0.5106},
    {"The discount code did not work, so frustrating.", -0.5777},
    {"Wow, this exceeded my expectations.", 0.5859},
    {"The mattress is comfortable but smells weird.", 0.0258},
    {"The phone case cracked within a week. Useless.", -0.4215},
    {"They replaced the item without any fuss, excellent service.", -0.4585},
    {"I would never recommend this brand.", -0.2755},
    {"The colors are vibrant and the print is sharp.", 0.5267},
    {"Slightly smaller than expected but still cute.", 0.6124},
    {"Do not buy this, it is a scam.", -0.5719},
    {"I'm so glad I found this shop!", 0.5551},
    {"The checkout page froze twice.", 0},
    {"Decent headphones for the money, nothing fancy.", 0},
    {"Good food, good people, good vibes.", 0.8271},
    {"The staff was polite, although the wait was long.", 0},
    {"I am disappointed, the item was damaged.", -0.7184},
    {"Such a lovely surprise in the mailbox today.", 0.7096},
    {"This update ruined the app.", -0.4767},
    {"Happy with the fit, unhappy with the color.", 0.5267},
    // JS port: -0.5994; the port lacks the reference's rule that reads "no" before a lexicon word
    // as a negator. Python reference: 0.3089.
    {"Exactly as described, no complaints.", 0.3089},
    // JS port: -0.5994; the port lacks the reference's rule that reads "no" before a lexicon word
    // as a negator. Python reference: 0.3089.
    {"No problems with delivery.", 0.3089},
    {"The chair is sturdy and easy to assemble.", 0.4404},
    // JS port: -0.1779; the port compares negation words case-sensitively: "Never" does not negate
    // "seriously". Python reference: 0.1326.
    {"Never again. Seriously.", 0.1326},
    {"Quick delivery, friendly courier, perfect condition.", 0.7845},
    {"The perfume smells amazing but fades fast.", 0.34},
    {"Totally worth the wait.", 0.2944},
    {"I'm confused about the return policy.", -0.3182},
    {"The knife is sharp and the handle feels solid.", 0.1531},
    {"Customer support hung up on me. Unacceptable!", -0.1511},
    {"My kids adore this toy.", 0.5574},
    {"The tea is too sweet for my taste.", 0.4588},
    {"It does the job.", 0},
    {"Fast, cheap and reliable.", 0},
    {"The sofa is gorgeous, but delivery took forever.", 0.3612},
    {"Really really bad experience with the courier.", -0.6214},
    {"Ordered twice, both times perfect.", 0.5719},
    {"The coat is warm but the buttons fell off.", 0.1154},
    {"VERY happy with the service, will shop again", 0.6933},
    // JS port: 0.4767; the port compares negation words case-sensitively: "NOT" does not negate
    // "impressed". Python reference: -0.3724.
    {"I am NOT impressed by the new design.", -0.3724},
    {"Best. Purchase. Ever.", 0.6369},
    {"Thank you so much for the help!", 0.6696},
    // JS port: 0.3832; the port drops one-character words, so "hardly" counts at distance 1 (x1)
    // not 2 (x0.95). Python reference: 0.3862.
    {"Hardly a good deal at this price.", 0.3862},
    {"The least helpful agent I have ever talked to.", -0.3252},
    {"At least the shipping was free.", 0.5106},
    // JS port: 0.4019; the port drops "a" and does not lower-case "Without", so "doubt" is not
    // negated. Python reference: 0.7438.
    {"Without a doubt the best shop online.", 0.7438},
    {"This store is the bomb", 0.6124},
    {"Yeah right, fast shipping.", 0.296},
    // JS port: -0.4215; the port's booster list lacks "total", which the reference's has.
    // Python reference: -0.4754.
    {"A total waste of time and money.", -0.4754},
};

class VaderDifferential : public testing::TestWithParam<reference_case> {};

TEST_P(VaderDifferential, MatchesReference) {
  const sentiment_scores s = vader_scores(GetParam().text);
  EXPECT_NEAR(s.compound, GetParam().compound, 1e-3);
  EXPECT_NEAR(s.neg + s.neu + s.pos, 1.0, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(VaderSentences, VaderDifferential, testing::ValuesIn(REFERENCE_CASES));

// ---- labels ---------------------------------------------------------------------------

TEST(VaderLabel, ThresholdsAreExclusive) {
  EXPECT_EQ(label_of(0.05), sentiment_label::neutral);
  EXPECT_EQ(label_of(-0.05), sentiment_label::neutral);
  EXPECT_EQ(label_of(std::nextafter(0.05, 1.0)), sentiment_label::positive);
  EXPECT_EQ(label_of(std::nextafter(-0.05, -1.0)), sentiment_label::negative);
  EXPECT_EQ(label_of(0.0), sentiment_label::neutral);
  EXPECT_EQ(label_of(1.0), sentiment_label::positive);
  EXPECT_EQ(label_of(-1.0), sentiment_label::negative);
}

TEST(VaderLabel, OfScoredTexts) {
  EXPECT_EQ(label_of(vader_scores("Great product, fast shipping!").compound),
            sentiment_label::positive);
  EXPECT_EQ(label_of(vader_scores("The strap broke, very disappointed.").compound),
            sentiment_label::negative);
  EXPECT_EQ(label_of(vader_scores("Order #4512 shipped today.").compound),
            sentiment_label::neutral);
}

}  // namespace
}  // namespace kpi
