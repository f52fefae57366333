#include "kpi/threads.h"

namespace kpi {
namespace {

unsigned initial_threads() {
#if LOUPE_HAS_THREADS
  return std::thread::hardware_concurrency() >= 2 ? 2 : 1;
#else
  return 1;
#endif
}

std::atomic<unsigned> thread_count{initial_threads()};

}  // namespace

unsigned threads() { return thread_count.load(std::memory_order_relaxed); }

void set_threads(unsigned n) {
#if LOUPE_HAS_THREADS
  thread_count = n < 1 ? 1 : n > 2 ? 2 : n;
#else
  (void)n;
#endif
}

}  // namespace kpi
