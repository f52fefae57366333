// Embind glue: the JS-facing Session is a thin wrapper over kpi::session. Bytes go in as
// Uint8Array chunks; JSON strings come out. Errors are values (JSON fields or returned
// messages); the JS side decides what to throw.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <string>
#include <vector>

#include "kpi/session.h"
#include "kpi/threads.h"

namespace {

class js_session {
 public:
  int open(const std::string& name, double size) {
    return s_.open(name, static_cast<uint64_t>(size));
  }
  // Copies the Uint8Array chunk into wasm memory once and feeds it; returns the rows read
  // so far, for progress.
  double feed(int id, const emscripten::val& bytes) {
    return static_cast<double>(s_.feed(id, bytes_in(bytes)));
  }
  std::string finish(int id) {
    std::string out = s_.finish(id);
    // Release the chunk buffer: a removed file must give its memory back.
    std::vector<char>().swap(buf_);
    return out;
  }
  // A file read in two parts, by two instances (kpi::session::part_spec). A spec is a
  // Uint8Array; a part an Array of them (its pieces), each copied out and freed in turn, and
  // copied in one at a time when taken (and dropped from the Array), so that no instance
  // holds a part's bytes whole twice.
  emscripten::val part_spec(int id) const { return bytes_out(s_.part_spec(id)); }
  int open_part(const std::string& name, const emscripten::val& spec, double size) {
    return s_.open_part(name, bytes_in(spec), static_cast<uint64_t>(size));
  }
  emscripten::val end_part(int id) {
    std::vector<std::string> pieces = s_.end_part(id);
    std::vector<char>().swap(buf_);
    emscripten::val out = emscripten::val::array();
    for (std::string& piece : pieces) {
      out.call<void>("push", bytes_out(piece));
      std::string().swap(piece);
    }
    return out;
  }
  // Empties `pieces` as it copies them in, so that each can be collected at once.
  bool take_part(int id, emscripten::val pieces) {
    const bool took = s_.take_part(id, pieces["length"].as<size_t>(), [&](size_t i) {
      const std::string_view bytes = bytes_in(pieces[i]);
      pieces.set(i, emscripten::val::undefined());
      return bytes;
    });
    std::vector<char>().swap(buf_);
    return took;
  }
  // The later part of a file read on the second thread (kpi::session::start_second): each
  // chunk is copied into a string of its own, which that thread frees once read.
  bool start_second(int id, double size) {
    return s_.start_second(id, static_cast<uint64_t>(size));
  }
  double feed_second(int id, const emscripten::val& bytes) {
    std::string chunk(bytes["length"].as<size_t>(), '\0');
    emscripten::val view(emscripten::typed_memory_view(
        chunk.size(), reinterpret_cast<uint8_t*>(chunk.data())));
    view.call<void>("set", bytes);
    return static_cast<double>(s_.feed_second(id, std::move(chunk)));
  }
  int second_waiting(int id) const { return static_cast<int>(s_.second_waiting(id)); }
  bool take_second(int id) { return s_.take_second(id); }
  void remove(int id) { s_.remove(id); }
  std::string set_kind(int id, const std::string& kind) { return s_.set_kind(id, kind); }
  std::string set_role(int id, const std::string& role, const std::string& column) {
    return s_.set_role(id, role, column);
  }
  std::string inspect() const { return s_.inspect_json(); }
  std::string report(const std::string& options_json) const {
    std::string error;
    kpi::report_options options = kpi::parse_report_options(options_json, error);
    if (!error.empty()) return "{\"error\":\"" + error + "\"}";
    return s_.report_json(options);
  }
  double memory() const { return static_cast<double>(s_.memory_bytes()); }

 private:
  static emscripten::val bytes_out(const std::string& bytes) {
    emscripten::val view(emscripten::typed_memory_view(
        bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data())));
    return emscripten::val::global("Uint8Array").new_(view);
  }
  std::string_view bytes_in(const emscripten::val& bytes) {
    const size_t n = bytes["length"].as<size_t>();
    buf_.resize(n);
    emscripten::val view(emscripten::typed_memory_view(n, reinterpret_cast<uint8_t*>(buf_.data())));
    view.call<void>("set", bytes);
    return {buf_.data(), n};
  }
  kpi::session s_;
  std::vector<char> buf_;
};

// Bytes malloc has handed out and not taken back: the tests check with it that a removed
// file gives its memory back (the wasm memory itself never shrinks).
double heap_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(loupe) {
  emscripten::function("heapInUse", &heap_in_use);
  // Threads the engine uses: 2 in the threaded build (loupe-mt) on two cores or more, else 1.
  emscripten::function("threads", &kpi::threads);
  // How a reader of a file feeds its later part to the second thread (session.h).
  emscripten::constant("SECOND_FROM", static_cast<double>(kpi::session::SECOND_FROM));
  emscripten::constant("SECOND_AT", kpi::session::SECOND_AT);
  emscripten::constant("SECOND_QUEUE", static_cast<int>(kpi::session::SECOND_QUEUE));
  emscripten::class_<js_session>("Session")
      .constructor<>()
      .function("open", &js_session::open)
      .function("feed", &js_session::feed)
      .function("finish", &js_session::finish)
      .function("partSpec", &js_session::part_spec)
      .function("openPart", &js_session::open_part)
      .function("endPart", &js_session::end_part)
      .function("takePart", &js_session::take_part)
      .function("startSecond", &js_session::start_second)
      .function("feedSecond", &js_session::feed_second)
      .function("secondWaiting", &js_session::second_waiting)
      .function("takeSecond", &js_session::take_second)
      .function("remove", &js_session::remove)
      .function("setKind", &js_session::set_kind)
      .function("setRole", &js_session::set_role)
      .function("inspect", &js_session::inspect)
      .function("report", &js_session::report)
      .function("memory", &js_session::memory);
}
