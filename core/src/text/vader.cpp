// VADER, rule for rule as in the reference implementation (cjhutto/vaderSentiment,
// vaderSentiment.py 3.3.2). Where the reference has a quirk that changes scores, it is kept
// on purpose so that our numbers match what analysts get from the Python package; each such
// place says so.
#include "kpi/text/vader.h"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kpi::detail {
// Generated at build time from vader_lexicon.txt (scripts/embed_lexicon.cmake):
// "token\tmean\n" lines.
extern const unsigned char VADER_LEXICON[];
extern const std::size_t VADER_LEXICON_SIZE;
}  // namespace kpi::detail

namespace kpi {
namespace {

// Empirically derived constants, as in the paper and the reference.
constexpr double B_INCR = 0.293;         // booster word before a sentiment word
constexpr double B_DECR = -0.293;        // dampener word before a sentiment word
constexpr double C_INCR = 0.733;         // sentiment word in ALL CAPS in a mixed-case text
constexpr double N_SCALAR = -0.74;       // negated sentiment word
constexpr double EP_INCR = 0.292;        // per exclamation mark
constexpr std::size_t EP_MAX_COUNT = 4;  // exclamation marks beyond 4 add nothing
constexpr double QM_INCR = 0.18;         // per question mark, when there are 2 or 3
constexpr double QM_MAX = 0.96;          // 4 or more question marks
constexpr double NORM_ALPHA = 15;        // compound = x / sqrt(x^2 + alpha)
constexpr double BUT_BEFORE = 0.5;       // words before a contrastive "but"
constexpr double BUT_AFTER = 1.5;        // words after it
constexpr double NEVER_SO = 1.25;        // "never so good", "never this good"
// A booster 1, 2 or 3 words before a sentiment word counts fully, 95 % or 90 %.
constexpr std::array<double, 3> DISTANCE_SCALE = {1.0, 0.95, 0.9};

// Words that some rule compares against, after lower-casing.
enum class word_kind : std::uint8_t {
  other,
  but,
  no,
  kind,
  of,
  least,
  at,
  very,
  never,
  so,
  this_,
  without,
  doubt,
  or_,
  nor,
};

// Everything the rules need about one lower-cased word, so that a token costs one lookup.
struct word_info {
  double valence = 0;  // lexicon mean, when in_lexicon
  double booster = 0;  // BOOSTER_DICT scalar, when is_booster
  bool in_lexicon = false;
  bool is_booster = false;
  bool is_negation = false;  // in the reference's NEGATE list
  bool in_phrase = false;    // in SPECIAL_CASES or BOOSTER_PHRASES: worth comparing n-grams
  word_kind kind = word_kind::other;
};

// BOOSTER_DICT of the reference: degree adverbs that raise or lower the intensity of the
// sentiment word that follows. Its three two-word entries are in BOOSTER_PHRASES.
constexpr std::pair<std::string_view, double> BOOSTERS[] = {
    {"absolutely", B_INCR},    {"amazingly", B_INCR},    {"awfully", B_INCR},
    {"completely", B_INCR},    {"considerable", B_INCR}, {"considerably", B_INCR},
    {"decidedly", B_INCR},     {"deeply", B_INCR},       {"effing", B_INCR},
    {"enormous", B_INCR},      {"enormously", B_INCR},   {"entirely", B_INCR},
    {"especially", B_INCR},    {"exceptional", B_INCR},  {"exceptionally", B_INCR},
    {"extreme", B_INCR},       {"extremely", B_INCR},    {"fabulously", B_INCR},
    {"flipping", B_INCR},      {"flippin", B_INCR},      {"frackin", B_INCR},
    {"fracking", B_INCR},      {"fricking", B_INCR},     {"frickin", B_INCR},
    {"frigging", B_INCR},      {"friggin", B_INCR},      {"fully", B_INCR},
    {"fuckin", B_INCR},        {"fucking", B_INCR},      {"fuggin", B_INCR},
    {"fugging", B_INCR},       {"greatly", B_INCR},      {"hella", B_INCR},
    {"highly", B_INCR},        {"hugely", B_INCR},       {"incredible", B_INCR},
    {"incredibly", B_INCR},    {"intensely", B_INCR},    {"major", B_INCR},
    {"majorly", B_INCR},       {"more", B_INCR},         {"most", B_INCR},
    {"particularly", B_INCR},  {"purely", B_INCR},       {"quite", B_INCR},
    {"really", B_INCR},        {"remarkably", B_INCR},   {"so", B_INCR},
    {"substantially", B_INCR}, {"thoroughly", B_INCR},   {"total", B_INCR},
    {"totally", B_INCR},       {"tremendous", B_INCR},   {"tremendously", B_INCR},
    {"uber", B_INCR},          {"unbelievably", B_INCR}, {"unusually", B_INCR},
    {"utter", B_INCR},         {"utterly", B_INCR},      {"very", B_INCR},
    {"almost", B_DECR},        {"barely", B_DECR},       {"hardly", B_DECR},
    {"kinda", B_DECR},         {"kindof", B_DECR},       {"kind-of", B_DECR},
    {"less", B_DECR},          {"little", B_DECR},       {"marginal", B_DECR},
    {"marginally", B_DECR},    {"occasional", B_DECR},   {"occasionally", B_DECR},
    {"partly", B_DECR},        {"scarce", B_DECR},       {"scarcely", B_DECR},
    {"slight", B_DECR},        {"slightly", B_DECR},     {"somewhat", B_DECR},
    {"sorta", B_DECR},         {"sortof", B_DECR},       {"sort-of", B_DECR},
};

// NEGATE of the reference. Any word containing "n't" negates as well (see tokenize).
constexpr std::string_view NEGATIONS[] = {
    "aint",   "arent",    "cannot",  "cant",     "couldnt",  "darent",   "didnt",   "doesnt",
    "ain't",  "aren't",   "can't",   "couldn't", "daren't",  "didn't",   "doesn't", "dont",
    "hadnt",  "hasnt",    "havent",  "isnt",     "mightnt",  "mustnt",   "neither", "don't",
    "hadn't", "hasn't",   "haven't", "isn't",    "mightn't", "mustn't",  "neednt",  "needn't",
    "never",  "none",     "nope",    "nor",      "not",      "nothing",  "nowhere", "oughtnt",
    "shant",  "shouldnt", "uhuh",    "wasnt",    "werent",   "oughtn't", "shan't",  "shouldn't",
    "uh-uh",  "wasn't",   "weren't", "without",  "wont",     "wouldnt",  "won't",   "wouldn't",
    "rarely", "seldom",   "despite",
};

constexpr std::pair<std::string_view, word_kind> KINDS[] = {
    {"but", word_kind::but},    {"no", word_kind::no},           {"kind", word_kind::kind},
    {"of", word_kind::of},      {"least", word_kind::least},     {"at", word_kind::at},
    {"very", word_kind::very},  {"never", word_kind::never},     {"so", word_kind::so},
    {"this", word_kind::this_}, {"without", word_kind::without}, {"doubt", word_kind::doubt},
    {"or", word_kind::or_},     {"nor", word_kind::nor},
};

// A run of up to three lower-cased words with a value.
struct phrase {
  std::array<std::string_view, 3> words;
  std::size_t size;
  double value;
};

// SPECIAL_CASES of the reference: idioms whose words are in the lexicon but whose meaning
// is not the sum of them. Its one-word entry "badass" is left out: the reference only looks
// the table up with n-grams of two or three words joined by a space, so it never matches.
constexpr phrase SPECIAL_CASES[] = {
    {{"the", "shit"}, 2, 3.0},      {{"the", "bomb"}, 2, 3.0},
    {{"bad", "ass"}, 2, 1.5},       {{"bus", "stop"}, 2, 0.0},
    {{"yeah", "right"}, 2, -2.0},   {{"kiss", "of", "death"}, 3, -1.5},
    {{"to", "die", "for"}, 3, 3.0}, {{"beating", "heart"}, 2, 3.1},
    {{"broken", "heart"}, 2, -2.9},
};

// The multi-word entries of BOOSTER_DICT.
constexpr phrase BOOSTER_PHRASES[] = {
    {{"just", "enough"}, 2, B_DECR},
    {{"kind", "of"}, 2, B_DECR},
    {{"sort", "of"}, 2, B_DECR},
};

// ---- Unicode, just enough of it -------------------------------------------------------
// The reference works on Python str: it splits on Unicode whitespace, lower-cases and asks
// str.isupper(). Case is modelled here for ASCII, Latin-1, Latin Extended-A, Greek and basic
// Cyrillic; letters of other scripts count as uncased. All lower/upper pairs in these blocks
// have the same UTF-8 length, so a lower-cased copy of a text keeps every byte offset.

enum class letter_case : std::uint8_t { none, upper, lower };

struct code_point {
  char32_t value;
  std::size_t length;  // bytes; an invalid sequence is taken one byte at a time
};

code_point decode(std::string_view s, std::size_t at) {
  const auto b0 = static_cast<unsigned char>(s[at]);
  const auto cont = [&](std::size_t k) {
    return at + k < s.size() && (static_cast<unsigned char>(s[at + k]) & 0xC0) == 0x80;
  };
  const auto low6 = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[at + k]) & 0x3F);
  };
  if (b0 < 0x80) return {b0, 1};
  if (b0 >= 0xC2 && b0 < 0xE0 && cont(1)) return {(char32_t{b0} & 0x1F) << 6 | low6(1), 2};
  if (b0 >= 0xE0 && b0 < 0xF0 && cont(1) && cont(2)) {
    return {(char32_t{b0} & 0x0F) << 12 | low6(1) << 6 | low6(2), 3};
  }
  if (b0 >= 0xF0 && b0 < 0xF5 && cont(1) && cont(2) && cont(3)) {
    return {(char32_t{b0} & 0x07) << 18 | low6(1) << 12 | low6(2) << 6 | low6(3), 4};
  }
  return {0xFFFD, 1};
}

struct case_info {
  letter_case kind;
  char32_t lower;  // the lower-case letter, for kind == upper
};

case_info case_of(char32_t c) {
  constexpr case_info NONE{letter_case::none, 0};
  constexpr case_info LOWER{letter_case::lower, 0};
  const auto upper = [](char32_t l) { return case_info{letter_case::upper, l}; };
  if (c < 0x80) {
    if (c >= 'A' && c <= 'Z') return upper(c + 32);
    return c >= 'a' && c <= 'z' ? LOWER : NONE;
  }
  if (c < 0x100) {  // Latin-1: ª µ º are lower-case letters to Python too
    if (c == 0xAA || c == 0xB5 || c == 0xBA) return LOWER;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return upper(c + 0x20);
    return c >= 0xDF && c != 0xF7 ? LOWER : NONE;
  }
  if (c < 0x180) {                    // Latin Extended-A: mostly (upper, lower) pairs
    if (c == 0x130) return upper(c);  // İ lowers to two code points; no lexicon word has it
    if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return LOWER;
    if (c == 0x178) return upper(0xFF);
    const bool odd = (c & 1) != 0;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
      return odd ? upper(c + 1) : LOWER;
    }
    return odd ? LOWER : upper(c + 1);
  }
  if (c >= 0x386 && c <= 0x3CE) {  // Greek
    if (c == 0x386) return upper(0x3AC);
    if (c >= 0x388 && c <= 0x38A) return upper(c + 37);
    if (c == 0x38C) return upper(0x3CC);
    if (c == 0x38E || c == 0x38F) return upper(c + 63);
    if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return upper(c + 0x20);
    return c == 0x390 || c >= 0x3AC ? LOWER : NONE;
  }
  if (c >= 0x400 && c <= 0x45F) {  // basic Cyrillic
    if (c < 0x410) return upper(c + 0x50);
    if (c < 0x430) return upper(c + 0x20);
    return LOWER;
  }
  return NONE;
}

// Lower-cases `s` in place (see above for which letters), keeping its length.
void lower_in_place(std::string& s) {
  for (std::size_t at = 0; at < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[at]);
    if (b0 < 0x80) {
      if (b0 >= 'A' && b0 <= 'Z') s[at] = static_cast<char>(b0 + 32);
      ++at;
      continue;
    }
    const code_point cp = decode(s, at);
    if (cp.length == 2) {
      const case_info ci = case_of(cp.value);
      if (ci.kind == letter_case::upper && ci.lower < 0x800) {
        s[at] = static_cast<char>(0xC0 | (ci.lower >> 6));
        s[at + 1] = static_cast<char>(0x80 | (ci.lower & 0x3F));
      }
    }
    at += cp.length;
  }
}

// Python's str.isupper(): at least one cased letter and no lower-case one.
bool is_upper(std::string_view word) {
  bool cased = false;
  for (std::size_t at = 0; at < word.size();) {
    if (const auto b = static_cast<unsigned char>(word[at]); b < 0x80) {
      if (b >= 'a' && b <= 'z') return false;
      cased = cased || (b >= 'A' && b <= 'Z');
      ++at;
      continue;
    }
    const code_point cp = decode(word, at);
    switch (case_of(cp.value).kind) {
      case letter_case::lower:
        return false;
      case letter_case::upper:
        cased = true;
        break;
      case letter_case::none:
        break;
    }
    at += cp.length;
  }
  return cased;
}

// Length of the non-ASCII whitespace character at `at`, or 0.
std::size_t unicode_whitespace_length(std::string_view s, std::size_t at) {
  const code_point cp = decode(s, at);
  switch (cp.value) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return cp.length;
    default:
      return cp.value >= 0x2000 && cp.value <= 0x200A ? cp.length : 0;
  }
}

// Length of the whitespace character at `at` (what Python's str.split() splits on), or 0.
inline std::size_t whitespace_length(std::string_view s, std::size_t at) {
  const auto b0 = static_cast<unsigned char>(s[at]);
  if (b0 < 0x80) return (b0 >= 0x09 && b0 <= 0x0D) || (b0 >= 0x1C && b0 <= 0x20) ? 1 : 0;
  // Only these lead bytes start a non-ASCII whitespace character.
  if (b0 != 0xC2 && b0 != 0xE1 && b0 != 0xE2 && b0 != 0xE3) return 0;
  return unicode_whitespace_length(s, at);
}

// Python's string.punctuation: the ASCII punctuation the reference strips from word ends.
bool is_ascii_punctuation(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// Whether `s` has at most two characters (code points; Python's len of a str).
bool at_most_two_characters(std::string_view s) {
  if (s.size() <= 2) return true;
  std::size_t n = 0;
  for (const char ch : s) {
    n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    if (n > 2) return false;
  }
  return true;
}

// ---- the word table ---------------------------------------------------------------------

class vocabulary {
 public:
  // Built on first use (thread-safe static). An open-addressing table keyed by views of the
  // embedded lexicon and of string literals: a lookup hashes the word once and never
  // allocates. (string_pool in table.h has no lookup that leaves the pool unchanged.)
  static const vocabulary& get() {
    static const vocabulary instance;
    return instance;
  }

  const word_info* find(std::string_view lower_word) const {
    for (std::size_t at = hash(lower_word) & mask_;; at = (at + 1) & mask_) {
      const slot& s = slots_[at];
      if (s.key.data() == nullptr) return nullptr;
      if (s.key == lower_word) return &s.info;
    }
  }

 private:
  struct slot {
    std::string_view key;  // data() == nullptr: free
    word_info info;
  };

  vocabulary() {
    const std::string_view text(reinterpret_cast<const char*>(detail::VADER_LEXICON),
                                detail::VADER_LEXICON_SIZE);
    // Twice as many slots as words at most, so probes stay short.
    std::size_t words = std::size(BOOSTERS) + std::size(NEGATIONS) + std::size(KINDS) +
                        3 * (std::size(SPECIAL_CASES) + std::size(BOOSTER_PHRASES));
    for (const char ch : text) words += ch == '\n';
    std::size_t capacity = 16;
    while (capacity < 2 * words + 2) capacity *= 2;
    slots_.resize(capacity);
    mask_ = capacity - 1;

    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(start, end - start);
      start = end + 1;
      const std::size_t tab = line.find('\t');
      if (tab == std::string_view::npos || tab == 0) continue;
      double mean = 0;
      const char* first = line.data() + tab + 1;
      const char* last = line.data() + line.size();
      if (fast_float::from_chars(first, last, mean).ec != std::errc()) continue;
      // A few tokens are listed twice; like the reference's dict, the later line wins.
      word_info& info = insert(line.substr(0, tab));
      info.valence = mean;
      info.in_lexicon = true;
    }
    for (const auto& [word, scalar] : BOOSTERS) {
      word_info& info = insert(word);
      info.booster = scalar;
      info.is_booster = true;
    }
    for (const std::string_view word : NEGATIONS) insert(word).is_negation = true;
    for (const auto& [word, kind] : KINDS) insert(word).kind = kind;
    for (const phrase& p : SPECIAL_CASES) mark_phrase(p);
    for (const phrase& p : BOOSTER_PHRASES) mark_phrase(p);
  }

  // FNV-1a, as string_pool uses: words are short and the table is fixed.
  static std::uint64_t hash(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (const char ch : s) {
      h ^= static_cast<unsigned char>(ch);
      h *= 1099511628211ull;
    }
    return h ^ (h >> 32);
  }

  word_info& insert(std::string_view word) {
    std::size_t at = hash(word) & mask_;
    while (slots_[at].key.data() != nullptr && slots_[at].key != word) at = (at + 1) & mask_;
    slots_[at].key = word;
    return slots_[at].info;
  }

  void mark_phrase(const phrase& p) {
    for (std::size_t k = 0; k < p.size; ++k) insert(p.words[k]).in_phrase = true;
  }

  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

// ---- tokens -----------------------------------------------------------------------------

struct token {
  std::string_view text;   // as written, minus surrounding punctuation
  std::string_view lower;  // the same bytes of the lower-cased copy of the text
  const word_info* info;   // nullptr for a word no rule knows
  bool upper;              // Python's str.isupper()
  bool negation;           // in NEGATE, or contains "n't"

  bool in_lexicon() const { return info != nullptr && info->in_lexicon; }
  word_kind kind() const { return info == nullptr ? word_kind::other : info->kind; }
  bool is(word_kind k) const { return kind() == k; }
};

// A slot of the table that replays the reference's "but" rule (see but_check).
struct value_count {
  double value = 0;
  std::array<std::uint32_t, 3> count{};  // positions holding value before, at, after "but"
  bool used = false;
};

// Per-thread buffers reused from text to text, so that scoring a mentions file allocates
// only while they grow.
struct scratch {
  std::string lower;
  std::vector<token> tokens;
  std::vector<double> sentiments;
  std::vector<value_count> but_table;
};

// SentiText._words_and_emoticons: split on whitespace, strip leading and trailing ASCII
// punctuation, but keep the token as written when that leaves 2 characters or fewer, which
// keeps emoticons such as ":)" or ":-(". (So does it keep the comma of "ok,": the reference
// does the same, and "ok," is then not the lexicon word "ok".)
void tokenize(std::string_view text, std::string_view lower, const vocabulary& vocab,
              std::vector<token>& out) {
  out.clear();
  std::size_t at = 0;
  while (at < text.size()) {
    if (const std::size_t ws = whitespace_length(text, at); ws != 0) {
      at += ws;
      continue;
    }
    const std::size_t start = at;
    while (at < text.size() && whitespace_length(text, at) == 0) ++at;
    std::size_t first = start;
    std::size_t last = at;
    while (first < last && is_ascii_punctuation(text[first])) ++first;
    while (last > first && is_ascii_punctuation(text[last - 1])) --last;
    if (at_most_two_characters(text.substr(first, last - first))) {
      first = start;
      last = at;
    }
    token t;
    t.text = text.substr(first, last - first);
    t.lower = lower.substr(first, last - first);
    t.info = vocab.find(t.lower);
    t.upper = is_upper(t.text);
    t.negation =
        (t.info != nullptr && t.info->is_negation) || t.lower.find("n't") != std::string_view::npos;
    out.push_back(t);
  }
}

// ---- the rules --------------------------------------------------------------------------

// allcap_differential: ALL-CAPS words are emphasis only when some, not all, words are.
bool is_cap_differential(const std::vector<token>& words) {
  std::size_t all_caps = 0;
  for (const token& w : words) all_caps += w.upper;
  const std::size_t differential = words.size() - all_caps;
  return differential > 0 && differential < words.size();
}

// scalar_inc_dec: what a booster or dampener adds to the valence of a later word.
double booster_scalar(const token& word, double valence, bool cap_differential) {
  if (word.info == nullptr || !word.info->is_booster) return 0;
  double scalar = word.info->booster;
  if (valence < 0) scalar = -scalar;
  if (word.upper && cap_differential) scalar += valence > 0 ? C_INCR : -C_INCR;
  return scalar;
}

// The value of the phrase spelt by words[first, first + count), if the table has it.
template <std::size_t N>
std::optional<double> phrase_value(const phrase (&table)[N], const std::vector<token>& words,
                                   std::size_t first, std::size_t count) {
  for (std::size_t k = 0; k < count; ++k) {
    if (words[first + k].info == nullptr || !words[first + k].info->in_phrase) return std::nullopt;
  }
  for (const phrase& p : table) {
    if (p.size != count) continue;
    bool same = true;
    for (std::size_t k = 0; k < count && same; ++k) same = words[first + k].lower == p.words[k];
    if (same) return p.value;
  }
  return std::nullopt;
}

// _negation_check for the word `distance + 1` places before word i.
double negation_check(double valence, const std::vector<token>& w, std::size_t distance,
                      std::size_t i) {
  const auto so_or_this = [&](std::size_t k) {
    return w[k].is(word_kind::so) || w[k].is(word_kind::this_);
  };
  switch (distance) {
    case 0:
      if (w[i - 1].negation) valence *= N_SCALAR;
      break;
    case 1:
      if (w[i - 2].is(word_kind::never) && so_or_this(i - 1)) {
        valence *= NEVER_SO;
      } else if (w[i - 2].is(word_kind::without) && w[i - 1].is(word_kind::doubt)) {
        // "without doubt" affirms
      } else if (w[i - 2].negation) {
        valence *= N_SCALAR;
      }
      break;
    default:
      // The reference also boosts when just the previous word is "so"/"this", without any
      // "never" (its condition reads `never and so_or_this(i-2) or so_or_this(i-1)`).
      if ((w[i - 3].is(word_kind::never) && so_or_this(i - 2)) || so_or_this(i - 1)) {
        valence *= NEVER_SO;
      } else if (w[i - 3].is(word_kind::without) &&
                 (w[i - 2].is(word_kind::doubt) || w[i - 1].is(word_kind::doubt))) {
        // "without a doubt" affirms
      } else if (w[i - 3].negation) {
        valence *= N_SCALAR;
      }
      break;
  }
  return valence;
}

// _special_idioms_check, run for words with three earlier words (i >= 3).
double special_idioms_check(double valence, const std::vector<token>& w, std::size_t i) {
  // (first word, word count): onezero, twoonezero, twoone, threetwoone, threetwo.
  constexpr std::array<std::pair<std::size_t, std::size_t>, 5> BEFORE = {
      {{1, 2}, {2, 3}, {2, 2}, {3, 3}, {3, 2}}};
  for (const auto& [back, count] : BEFORE) {
    if (const auto v = phrase_value(SPECIAL_CASES, w, i - back, count)) {
      valence = *v;
      break;
    }
  }
  if (w.size() - 1 > i) {
    if (const auto v = phrase_value(SPECIAL_CASES, w, i, 2)) valence = *v;
  }
  if (w.size() - 1 > i + 1) {
    if (const auto v = phrase_value(SPECIAL_CASES, w, i, 3)) valence = *v;
  }
  // Two-word dampeners ("kind of", "sort of") before the word: threetwoone, threetwo, twoone.
  constexpr std::array<std::pair<std::size_t, std::size_t>, 3> DAMPENERS = {
      {{3, 3}, {3, 2}, {2, 2}}};
  for (const auto& [back, count] : DAMPENERS) {
    if (const auto v = phrase_value(BOOSTER_PHRASES, w, i - back, count)) valence += *v;
  }
  return valence;
}

// _least_check: "least good" negates, "at least good" and "very least" do not.
double least_check(double valence, const std::vector<token>& w, std::size_t i) {
  if (i > 1 && !w[i - 1].in_lexicon() && w[i - 1].is(word_kind::least)) {
    if (!w[i - 2].is(word_kind::at) && !w[i - 2].is(word_kind::very)) valence *= N_SCALAR;
  } else if (i > 0 && !w[i - 1].in_lexicon() && w[i - 1].is(word_kind::least)) {
    valence *= N_SCALAR;
  }
  return valence;
}

// sentiment_valence: the valence of word i after all word-level rules.
double word_valence(const std::vector<token>& w, std::size_t i, bool cap_differential) {
  const token& item = w[i];
  if (!item.in_lexicon()) return 0;
  const double lexicon_valence = item.info->valence;
  double valence = lexicon_valence;
  // "no" before a lexicon word negates it instead of being a negative word itself; a
  // lexicon word up to two places after "no" (or three, as in "no X or Y") is negated.
  if (item.is(word_kind::no) && i + 1 != w.size() && w[i + 1].in_lexicon()) valence = 0;
  if ((i > 0 && w[i - 1].is(word_kind::no)) || (i > 1 && w[i - 2].is(word_kind::no)) ||
      (i > 2 && w[i - 3].is(word_kind::no) &&
       (w[i - 1].is(word_kind::or_) || w[i - 1].is(word_kind::nor)))) {
    valence = lexicon_valence * N_SCALAR;
  }
  // Like the reference, a valence of exactly 0 in capitals (a "NO" before a lexicon word)
  // is pushed negative.
  if (item.upper && cap_differential) valence += valence > 0 ? C_INCR : -C_INCR;
  for (std::size_t distance = 0; distance < 3 && distance < i; ++distance) {
    const token& before = w[i - distance - 1];
    // Lexicon words are not read as modifiers (nor checked for negation) at any distance.
    if (before.in_lexicon()) continue;
    valence += booster_scalar(before, valence, cap_differential) * DISTANCE_SCALE[distance];
    valence = negation_check(valence, w, distance, i);
    if (distance == 2) valence = special_idioms_check(valence, w, i);
  }
  return least_check(valence, w, i);
}

// _but_check: halve what comes before the first "but" and add half to what comes after.
// The reference finds each sentiment's position with list.index(value), the first position
// holding an equal value, while it rewrites the list. So when a word's value equals the
// already rescaled value of an earlier word (a 1.6 after "but", a 3.2 halved before it), the
// earlier word is rescaled once more and the later one keeps its value. That is replayed
// here exactly, in linear time: the scores only depend on the multiset of values, and the
// first position holding a value lies before "but" if any position there holds it, so it is
// enough to count, per value, how many processed positions hold it on each side of "but".
// Zeros are left alone: rescaling a zero changes nothing wherever it lands.
void but_check(const std::vector<token>& w, std::vector<double>& s,
               std::vector<value_count>& table) {
  std::size_t bi = 0;
  while (bi < w.size() && !w[bi].is(word_kind::but)) ++bi;
  if (bi == w.size()) return;
  constexpr std::array<double, 3> SCALE = {BUT_BEFORE, 1.0, BUT_AFTER};  // by side
  const auto side_of = [bi](std::size_t k) -> std::size_t { return k < bi ? 0 : k == bi ? 1 : 2; };

  std::size_t nonzero = 0;
  for (const double v : s) nonzero += v != 0;
  // Each position brings at most 2 new values; twice as many slots keep probes short.
  std::size_t capacity = 16;
  while (capacity < 4 * nonzero) capacity *= 2;
  table.assign(capacity, value_count{});
  const auto slot_of = [&table, mask = capacity - 1](double v) -> value_count& {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);  // libc++ 14 (wasm) has no std::bit_cast
    std::uint64_t h = bits * 0x9E3779B97F4A7C15ull;
    for (std::size_t at = (h ^ (h >> 32)) & mask;; at = (at + 1) & mask) {
      value_count& slot = table[at];
      if (!slot.used) {
        slot.used = true;
        slot.value = v;
      }
      if (slot.value == v) return slot;
    }
  };

  bool replayed_quirk = false;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const double v = s[k];
    if (v == 0) continue;
    value_count& held = slot_of(v);
    std::size_t side = 0;
    while (side < 3 && held.count[side] == 0) ++side;
    if (side == 3) {  // no earlier position holds v: position k itself is rescaled
      ++slot_of(v * SCALE[side_of(k)]).count[side_of(k)];
    } else {  // the first earlier holder is rescaled, position k keeps v
      replayed_quirk = true;
      --held.count[side];
      ++slot_of(v * SCALE[side]).count[side];
      ++held.count[side_of(k)];
    }
  }
  if (!replayed_quirk) {
    // The common case: rescale in place, which keeps the reference's order of summation.
    for (std::size_t k = 0; k < s.size(); ++k) s[k] *= SCALE[side_of(k)];
    return;
  }
  std::size_t out = 0;
  for (const value_count& slot : table) {
    for (const std::uint32_t n : slot.count) {
      for (std::uint32_t c = 0; c < n; ++c) s[out++] = slot.value;
    }
  }
  std::fill(s.begin() + static_cast<std::ptrdiff_t>(out), s.end(), 0.0);
}

// _punctuation_emphasis: "!" up to four times, "?" from two on.
double punctuation_emphasis(std::string_view text) {
  std::size_t exclamations = 0;
  std::size_t questions = 0;
  for (const char ch : text) {
    exclamations += ch == '!';
    questions += ch == '?';
  }
  const double ep = static_cast<double>(std::min(exclamations, EP_MAX_COUNT)) * EP_INCR;
  double qm = 0;
  if (questions > 1) qm = questions <= 3 ? static_cast<double>(questions) * QM_INCR : QM_MAX;
  return ep + qm;
}

double normalize(double score) {
  const double norm = score / std::sqrt(score * score + NORM_ALPHA);
  return norm < -1.0 ? -1.0 : (norm > 1.0 ? 1.0 : norm);
}

// score_valence.
sentiment_scores score(const std::vector<double>& sentiments, std::string_view text) {
  sentiment_scores out;
  if (sentiments.empty()) return out;
  double sum = 0;
  for (const double v : sentiments) sum += v;
  const double emphasis = punctuation_emphasis(text);
  if (sum > 0) {
    sum += emphasis;
  } else if (sum < 0) {
    sum -= emphasis;
  }
  out.compound = normalize(sum);
  // Each sentiment word weighs 1 more than its valence, so that it compares with the
  // neutral words, which count 1 each.
  double pos_sum = 0;
  double neg_sum = 0;
  double neu_count = 0;
  for (const double v : sentiments) {
    if (v > 0) {
      pos_sum += v + 1;
    } else if (v < 0) {
      neg_sum += v - 1;
    } else {
      neu_count += 1;
    }
  }
  if (pos_sum > std::fabs(neg_sum)) {
    pos_sum += emphasis;
  } else if (pos_sum < std::fabs(neg_sum)) {
    neg_sum -= emphasis;
  }
  const double total = pos_sum + std::fabs(neg_sum) + neu_count;
  out.pos = std::fabs(pos_sum / total);
  out.neg = std::fabs(neg_sum / total);
  out.neu = std::fabs(neu_count / total);
  return out;
}

}  // namespace

sentiment_scores vader_scores(std::string_view text) {
  const vocabulary& vocab = vocabulary::get();
  thread_local scratch buf;
  // The reference strips the text first; that changes neither its words nor its "!"/"?".
  buf.lower.assign(text);
  lower_in_place(buf.lower);
  tokenize(text, buf.lower, vocab, buf.tokens);
  const std::vector<token>& words = buf.tokens;
  const bool cap_differential = is_cap_differential(words);

  std::vector<double>& sentiments = buf.sentiments;
  sentiments.clear();
  for (std::size_t i = 0; i < words.size(); ++i) {
    // Boosters and the "kind" of "kind of" modify the next word and carry no valence.
    const bool modifier =
        (words[i].info != nullptr && words[i].info->is_booster) ||
        (i + 1 < words.size() && words[i].is(word_kind::kind) && words[i + 1].is(word_kind::of));
    sentiments.push_back(modifier ? 0.0 : word_valence(words, i, cap_differential));
  }
  but_check(words, sentiments, buf.but_table);
  return score(sentiments, text);
}

sentiment_label label_of(double compound) {
  if (compound > 0.05) return sentiment_label::positive;
  if (compound < -0.05) return sentiment_label::negative;
  return sentiment_label::neutral;
}

}  // namespace kpi
