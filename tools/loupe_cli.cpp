// loupe: the command-line face of the engine.
//   loupe inspect FILE...            what the engine understood of each file (JSON)
//   loupe report [options] FILE...   the KPI report (JSON)
// Files are streamed in chunks, exactly as the page feeds them to the wasm module.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/session.h"
#include "kpi/threads.h"

namespace {

constexpr const char* USAGE =
    "usage: loupe inspect [--pretty] FILE...\n"
    "       loupe report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--granularity "
    "day|week|month|quarter|year]\n"
    "                    [--lifespan-years N] [--customers] [--csat-max N] [--ces-max N]\n"
    "                    [--kind FILE=KIND] [--map FILE:ROLE=COLUMN] [--pretty] FILE...\n"
    "Either takes --threads 1|2: the threads the engine may use (default 2 on two cores or more).\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "loupe: %s\n", message.c_str());
  return 2;
}

constexpr size_t CHUNK = 1 << 20;

// Where the later part of a file of `size` bytes read in two parts begins (see
// kpi::session::start_second): the first line start from SECOND_AT of it, or 0 for none
// within a chunk from there.
uint64_t second_part_at(std::FILE* f, uint64_t size) {
  const auto at = static_cast<uint64_t>(static_cast<double>(size) * kpi::session::SECOND_AT);
  if (std::fseek(f, static_cast<long>(at), SEEK_SET) != 0) return 0;
  std::vector<char> probe(CHUNK);
  const size_t n = std::fread(probe.data(), 1, probe.size(), f);
  const void* lf = std::memchr(probe.data(), '\n', n);
  if (!lf) return 0;
  const uint64_t split = at + static_cast<uint64_t>(static_cast<const char*>(lf) - probe.data()) + 1;
  return split < size && std::fseek(f, static_cast<long>(split), SEEK_SET) == 0 ? split : 0;
}

// Streams a file into the session; returns an error message or "". A big file is read in
// two parts at once, as the page's worker reads it where the engine has two threads.
std::string read_file(kpi::session& s, const std::string& path, int& id) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "cannot open " + path + ": " + std::strerror(errno);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  id = s.open(path, size > 0 ? static_cast<uint64_t>(size) : 0);
  std::vector<char> buf(CHUNK);
  uint64_t fed = 0, end = UINT64_MAX;  // the first part: the bytes before `end`
  bool eof = false, read_error = false;
  // Feeds the first part's next chunk; false at its end.
  auto feed_first = [&] {
    const size_t n = eof || fed >= end ? 0 : std::fread(buf.data(), 1, std::min<uint64_t>(CHUNK, end - fed), f);
    if (n == 0) {
      eof = true;
      read_error = read_error || std::ferror(f);
      return false;
    }
    fed += n;
    s.feed(id, {buf.data(), n});
    return true;
  };
  feed_first();
  std::FILE* part = nullptr;
  uint64_t part_left = 0;
  if (size > 0 && static_cast<uint64_t>(size) >= kpi::session::SECOND_FROM &&
      !s.part_spec(id).empty() && (part = std::fopen(path.c_str(), "rb"))) {
    const uint64_t split = second_part_at(part, static_cast<uint64_t>(size));
    if (split > fed && s.start_second(id, static_cast<uint64_t>(size) - split)) {
      end = split;
      part_left = static_cast<uint64_t>(size) - split;
    } else {
      std::fclose(part);
      part = nullptr;
    }
  }
  for (;;) {
    if (part_left > 0 && (eof || s.second_waiting(id) < kpi::session::SECOND_QUEUE)) {
      std::string chunk(std::min<uint64_t>(CHUNK, part_left), '\0');
      const size_t n = std::fread(chunk.data(), 1, chunk.size(), part);
      if (n == 0) {
        read_error = true;
        part_left = 0;
        continue;
      }
      chunk.resize(n);
      part_left -= n;
      s.feed_second(id, std::move(chunk));
      continue;
    }
    if (!feed_first() && part_left == 0) break;
  }
  if (part) {
    std::fclose(part);
    // A part that cannot stand: its bytes are read here after all.
    if (!read_error && !s.take_second(id) && std::fseek(f, static_cast<long>(end), SEEK_SET) == 0) {
      std::clearerr(f);
      eof = false;
      end = UINT64_MAX;
      while (feed_first()) {
      }
    }
  }
  std::fclose(f);
  if (read_error) return "cannot read " + path;
  s.finish(id);
  const kpi::dataset* d = s.get(id);
  if (d && !d->info.error.empty()) return path + ": " + d->info.error;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(USAGE, stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h") {
    std::fputs(USAGE, stdout);
    return 0;
  }
  if (command != "inspect" && command != "report") {
    std::fputs(USAGE, stderr);
    return 2;
  }
  kpi::report_options options;
  bool pretty = false;
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> kinds;                // file -> kind
  std::vector<std::tuple<std::string, std::string, std::string>> maps;  // file, role, column
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--pretty") {
      pretty = true;
    } else if (a == "--threads") {
      const char* v = next();
      const int n = v ? std::atoi(v) : 0;
      if (n != 1 && n != 2) return fail("--threads needs 1 or 2");
      kpi::set_threads(static_cast<unsigned>(n));
    } else if (a == "--customers") {
      options.customers = true;
    } else if (a == "--from" || a == "--to") {
      const char* v = next();
      auto day = v ? kpi::parse_day(v) : std::nullopt;
      if (!day) return fail(std::string(a) + " needs a date YYYY-MM-DD");
      (a == "--from" ? options.from : options.to) = day;
    } else if (a == "--granularity") {
      const char* v = next();
      auto g = v ? kpi::parse_granularity(v) : std::nullopt;
      if (!g) return fail("--granularity needs day, week, month, quarter or year");
      options.gran = *g;
    } else if (a == "--lifespan-years") {
      const char* v = next();
      char* end = nullptr;
      const double d = v ? std::strtod(v, &end) : 0;
      if (!v || *end || !(d > 0)) return fail("--lifespan-years needs a positive number");
      options.lifespan_years = d;
    } else if (a == "--csat-max" || a == "--ces-max") {
      const char* v = next();
      const int n = v ? std::atoi(v) : 0;
      if (n <= 0) return fail(std::string(a) + " needs a whole number");
      (a == "--csat-max" ? options.csat_max : options.ces_max) = n;
    } else if (a == "--kind") {
      const char* v = next();
      const char* eq = v ? std::strrchr(v, '=') : nullptr;
      if (!eq) return fail("--kind needs FILE=KIND");
      kinds.emplace_back(std::string(v, eq), std::string(eq + 1));
    } else if (a == "--map") {
      const char* v = next();
      std::string_view spec = v ? v : "";
      const size_t eq = spec.find('=');
      const size_t colon = eq == std::string_view::npos ? eq : spec.rfind(':', eq);
      if (eq == std::string_view::npos || colon == std::string_view::npos) {
        return fail("--map needs FILE:ROLE=COLUMN");
      }
      maps.emplace_back(std::string(spec.substr(0, colon)),
                        std::string(spec.substr(colon + 1, eq - colon - 1)),
                        std::string(spec.substr(eq + 1)));
    } else if (a.starts_with("--")) {
      return fail("unknown option " + std::string(a));
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) return fail("no files given");

  kpi::session s;
  std::vector<int> ids;
  std::string first_error;
  for (const std::string& path : files) {
    int id = -1;
    std::string err = read_file(s, path, id);
    if (!err.empty() && first_error.empty()) first_error = err;
    ids.push_back(id);
  }
  auto id_of = [&](const std::string& file) -> int {
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i] == file) return ids[i];
    }
    return -1;
  };
  for (const auto& [file, kind] : kinds) {
    const int id = id_of(file);
    if (id < 0) return fail("--kind names a file not given: " + file);
    std::string err = s.set_kind(id, kind);
    if (!err.empty()) return fail(err);
  }
  for (const auto& [file, role, column] : maps) {
    const int id = id_of(file);
    if (id < 0) return fail("--map names a file not given: " + file);
    std::string err = s.set_role(id, role, column);
    if (!err.empty()) return fail(err);
  }
  if (command == "inspect") {
    std::fputs(s.inspect_json(pretty).c_str(), stdout);
    std::fputc('\n', stdout);
    // Unreadable files: the JSON still says what happened, and the exit code says it failed.
    if (!first_error.empty()) return fail(first_error);
    return 0;
  }
  std::fputs(s.report_json(options, pretty).c_str(), stdout);
  std::fputc('\n', stdout);
  if (!first_error.empty()) return fail(first_error);
  return 0;
}
