// Work on both cores. Native builds and the threaded wasm build (compiled with -pthread: the
// page loads it when it is cross-origin isolated, so that its memory can be shared) run some
// independent pieces of work on a second thread; the single-threaded wasm build (the widget's,
// and any page without isolation) runs them one after the other on the caller's thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define LOUPE_HAS_THREADS 1
#include <thread>
#else
#define LOUPE_HAS_THREADS 0
#endif

namespace kpi {

// How many threads the engine may use at once: 2 by default where threads exist and the
// machine has two cores or more, else 1. set_threads(1) makes every build serial (tests
// compare both ways; benchmarks measure both). Not to be changed while work runs.
unsigned threads();
void set_threads(unsigned n);

namespace detail {

// Calls f(0), ..., f(n - 1), each once, on up to threads() threads: the caller's and a
// second one, which take the next index in turn, so list the heaviest work first. Returns
// once all are done. The calls must not share mutable state (malloc is thread-safe). An
// exception thrown by a call is rethrown here, after the other thread has stopped; the calls
// not yet begun are then skipped.
template <typename F>
void for_each_index(size_t n, F&& f) {
#if LOUPE_HAS_THREADS
  if (n >= 2 && threads() >= 2) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&](std::exception_ptr& error) {
      try {
        for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < n;) f(i);
      } catch (...) {
        error = std::current_exception();
        failed = true;
      }
    };
    std::exception_ptr theirs, ours;
    std::thread helper([&] { work(theirs); });
    work(ours);
    helper.join();
    if (ours) std::rethrow_exception(ours);
    if (theirs) std::rethrow_exception(theirs);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i) f(i);
}

}  // namespace detail
}  // namespace kpi
