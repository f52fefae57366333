# Embeds vader_lexicon.txt (npm vader-sentiment; lines "token TAB mean TAB sd TAB ratings")
# as "token TAB mean" lines in a byte array of a generated C++ source: the lexicon is data
# read at build time. The standard deviation and raw ratings are dropped to keep wasm small.
file(READ "${IN}" text)
string(REGEX REPLACE "\t[^\t\n]*\t\\[[^\n]*" "" text "${text}")
file(WRITE "${OUT}.txt" "${text}")
file(READ "${OUT}.txt" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "// Generated from vader_lexicon.txt (npm vader-sentiment). Do not edit.\n#include <cstddef>\nnamespace kpi::detail {\nextern const unsigned char VADER_LEXICON[] = {${bytes}0x00};\nextern const std::size_t VADER_LEXICON_SIZE = ${size};\n}  // namespace kpi::detail\n")
