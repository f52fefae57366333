// A file too large for the memory the page has. The wasm module's memory stops growing at
// 4 GB (or earlier, when the browser refuses), and then operator new throws std::bad_alloc.
// Natively that point is simulated: this test binary replaces the global operator new with
// one that throws past a cap on live bytes, or at the k-th allocation. It is its own binary
// so that the main suite keeps the sanitizers' own new/delete checks.
//
// What must hold: the session turns the failure into a message in the file's inspect JSON,
// frees what the file had taken, and goes on reading other files and reporting.
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/session.h"
#include "kpi/threads.h"

namespace {

// While armed, allocations past `cap` live bytes, or the allocation numbered `fail_at`, throw.
// Atomic where the engine's second thread allocates too.
struct alloc_hook {
  std::atomic<bool> armed{false};
  std::atomic<size_t> live{0};  // bytes of operator new blocks allocated while armed, not freed
  size_t cap = SIZE_MAX;
  std::atomic<uint64_t> count{0};
  uint64_t fail_at = UINT64_MAX;
  std::atomic<uint64_t> failures{0};
};
alloc_hook hook;

// `counted`: the allocation takes part in fail_at. simdjson's nothrow allocations do not:
// simdjson 3.9.4's On-Demand parser ignores a failed allocation of its string buffer and
// writes through the null pointer, so the JSON reader takes the same size with a throwing
// new just before (json_reader.cpp). Failing exactly the nothrow one would only show that
// third-party bug again; the cap on live bytes still applies to them.
void* allocate(size_t n, bool counted = true) {
  if (hook.armed) {
    if ((counted && hook.count.fetch_add(1) == hook.fail_at) || hook.live + n > hook.cap) {
      ++hook.failures;
      throw std::bad_alloc();
    }
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  if (hook.armed) hook.live += malloc_usable_size(p);
  return p;
}

void release(void* p) {
  if (p == nullptr) return;
  if (hook.armed) {
    const size_t n = malloc_usable_size(p);
    size_t live = hook.live;
    while (!hook.live.compare_exchange_weak(live, n > live ? 0 : live - n)) {
    }
  }
  std::free(p);
}

// Arms the hook for one scope.
struct armed {
  armed(size_t cap, uint64_t fail_at = UINT64_MAX) {
    hook.live = 0;
    hook.count = 0;
    hook.failures = 0;
    hook.cap = cap;
    hook.fail_at = fail_at;
    hook.armed = true;
  }
  ~armed() { hook.armed = false; }
};

}  // namespace

void* operator new(size_t n) { return allocate(n); }
void* operator new[](size_t n) { return allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n, false);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, size_t) noexcept { release(p); }
void operator delete[](void* p, size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }

namespace kpi {
namespace {

constexpr std::string_view ORDERS =
    "order_id,customer_id,created_at,total,status\n"
    "1,c1,2024-01-05,10.00,paid\n"
    "2,c2,2024-01-20,25.50,paid\n"
    "3,c1,2024-02-03,12.00,paid\n";

constexpr std::string_view ORDERS_JSON =
    R"([{"id": 1, "customer": {"id": "c1"}, "created_at": "2024-01-05", "total": 10},
        {"id": 2, "customer": {"id": "c2"}, "created_at": "2024-01-20", "total": 25.5,
         "line_items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}])";

const std::string TOO_LARGE = "the file is too large for the memory available to this page";

report_options period() {
  report_options o;
  o.from = parse_day("2024-01-01");
  o.to = parse_day("2024-07-01");
  return o;
}

// Rows of distinct values, so that every row costs table memory.
std::string rows(uint64_t from, uint64_t count) {
  std::string out;
  for (uint64_t i = from; i < from + count; ++i) {
    out += std::to_string(1000000 + i) + ",customer-" + std::to_string(i * 7919 % 1000003) +
           ",2024-03-" + std::to_string(10 + i % 19) + " 10:" + std::to_string(10 + i % 50) +
           ":00," + std::to_string(i % 997) + "." + std::to_string(10 + i % 90) + ",paid\n";
  }
  return out;
}

TEST(OutOfMemory, AFileLargerThanMemoryFailsCleanly) {
  session s;
  const int orders = s.add("orders.csv", ORDERS);
  const std::string expected = s.report_json(period());
  {
    // 64 MB for the whole page; the file would need several times that.
    armed cap(64 << 20);
    const int id = s.open("huge_orders.csv");
    s.feed(id, "order_id,customer_id,created_at,total,status\n");
    uint64_t fed = 0;
    for (uint64_t block = 0; block < 400; ++block) {
      const std::string text = rows(block * 5000, 5000);
      s.feed(id, text);
      fed += text.size();
    }
    EXPECT_GT(fed, uint64_t{100} << 20);
    const std::string inspect = s.finish(id);
    EXPECT_GT(hook.failures, 0u);
    EXPECT_NE(inspect.find("\"error\":\"" + TOO_LARGE + "\""), std::string::npos) << inspect;
    EXPECT_EQ(s.get(id)->tbl.rows(), 0u);
    EXPECT_EQ(s.get(id)->bytes, fed + 45);
    // The failed file gave its memory back: a normal file still fits under the same cap.
    EXPECT_LT(hook.live, size_t{1} << 20);
    const int again = s.add("more_orders.csv", ORDERS);
    EXPECT_TRUE(s.get(again)->usable()) << s.inspect_json();
    s.remove(again);
    s.remove(id);
  }
  EXPECT_TRUE(s.get(orders)->usable());
  EXPECT_EQ(s.report_json(period()), expected);
}

// Every allocation of reading a file (small, and past the sample of direct reading) may be
// the one that fails: whichever it is, the file ends with the message (or, when the failure
// was absorbed, reads normally), the session stays consistent and the other file still
// reports. Only the last small allocations of
// finish() (registering the file, writing its inspect JSON) may still throw to the caller,
// once the file's table is built or freed (in wasm: a JS exception from finish()).
TEST(OutOfMemory, AnyAllocationWhileReadingMayFail) {
  // Past table_builder::SAMPLE rows, so that dates and amounts are read directly.
  const std::string many = "order_id,customer_id,created_at,total,status\n" + rows(0, 80);
  for (std::string_view text : {ORDERS, ORDERS_JSON, std::string_view(many)}) {
    SCOPED_TRACE(std::string(text.substr(0, 20)));
    uint64_t total = 0;
    {
      session probe;
      armed count(SIZE_MAX);
      probe.add("probe.csv", text);
      total = hook.count;
    }
    ASSERT_GT(total, 10u);
    uint64_t escaped = 0;
    for (uint64_t k = 0; k < total; ++k) {
      SCOPED_TRACE(k);
      session s;
      const int orders = s.add("orders.csv", ORDERS);
      std::string inspect;
      int id = 0;
      {
        armed fail(SIZE_MAX, k);
        try {
          id = s.open("dropped.csv");
          s.feed(id, text.substr(0, text.size() / 2));
          s.feed(id, text.substr(text.size() / 2));
          inspect = s.finish(id);
        } catch (const std::bad_alloc&) {
          // Opening may fail outright (nothing has been read yet), and finish() in its last
          // small allocations (registering the file, its inspect JSON): the session must then
          // be consistent, checked below.
          if (id != 0) ++escaped;
        }
      }
      for (int other : s.ids()) ASSERT_NE(s.get(other), nullptr);
      EXPECT_TRUE(s.get(orders)->usable());
      EXPECT_NE(s.report_json(period()).find("\"kpis\""), std::string::npos);
      if (id == 0 || inspect.empty()) continue;
      const dataset* d = s.get(id);
      ASSERT_NE(d, nullptr);
      if (!d->info.error.empty()) {
        EXPECT_EQ(d->info.error, TOO_LARGE);
        EXPECT_EQ(d->tbl.rows(), 0u);
        EXPECT_NE(inspect.find(TOO_LARGE), std::string::npos);
      } else {
        EXPECT_TRUE(d->usable()) << inspect;
      }
    }
    // The inspect JSON of a small file takes a few dozen allocations: most failures are
    // caught inside.
    EXPECT_LT(escaped * 4, total) << escaped << " of " << total << " allocations escaped";
  }
}

// How many allocations counted by the hook one report of `s` makes.
uint64_t allocations_of_report(session& s) {
  armed count(SIZE_MAX);
  (void)s.report_json(period());
  return hook.count;
}

// The report of `s` with its allocation number k failing: either `expected` (the failure was
// absorbed, or came after the report was written) or the error document; a test failure
// otherwise, and when bad_alloc escapes. True when the report failed.
bool report_failing_at(session& s, uint64_t k, const std::string& expected) {
  std::string out;
  {
    armed fail(SIZE_MAX, k);
    try {
      out = s.report_json(period());
    } catch (const std::bad_alloc&) {
      ADD_FAILURE() << "bad_alloc escaped from report_json at allocation " << k;
      return true;
    }
  }
  if (out == expected) return false;
  EXPECT_EQ(out.rfind("{\"error\":\"the report could not be computed: ", 0), 0u)
      << "allocation " << k << ": " << out.substr(0, 200);
  return true;
}

// A failure while computing the report gives an error document, not an exception.
TEST(OutOfMemory, AnyAllocationWhileReportingMayFail) {
  session s;
  s.add("orders.csv", ORDERS);
  s.add("orders.json", ORDERS_JSON);
  const uint64_t total = allocations_of_report(s);
  ASSERT_GT(total, 10u);
  const std::string expected = s.report_json(period());
  // Every allocation up to 2000, then a sample: a report makes tens of thousands.
  for (uint64_t k = 0; k < total; k += k < 2000 ? 1 : 97) report_failing_at(s, k, expected);
  EXPECT_EQ(s.report_json(period()), expected);
}

// From 20,000 orders the report fits this period's predicted CLV on a second thread, and the
// previous period's after the other families, from this period's optima (report.cpp): a
// failure on either thread gives the error document, and neither waits forever for the other.
TEST(OutOfMemory, AnyAllocationWhileReportingOnTwoThreadsMayFail) {
  std::string csv = "order_id,customer_id,created_at,total,status\n";
  for (int i = 0; i < 24000; ++i) {  // 3,000 customers buying over 2023 and 2024
    const int month = 1 + i % 12;
    csv += std::to_string(i + 1) + ",c" + std::to_string(i * 7 % 3000) + "," +
           std::to_string(2023 + i / 12 % 2) + (month < 10 ? "-0" : "-") +
           std::to_string(month) + "-" + std::to_string(10 + i % 19) + "," +
           std::to_string(5 + i % 97) + ".50,paid\n";
  }
  struct two_threads {  // then as before, however the test ends
    unsigned before = threads();
    two_threads() { set_threads(2); }
    ~two_threads() { set_threads(before); }
  } on_two;
  session s;
  s.add("orders.csv", csv);
  const uint64_t total = allocations_of_report(s);
  const std::string expected = s.report_json(period());
  // Both periods fitted: the KPI's value, and its previous value last in its object.
  const size_t clv = expected.find("\"predicted_clv\":{\"value\":");
  ASSERT_NE(clv, std::string::npos) << expected;
  const size_t previous = expected.find("\"previous\":", clv);
  ASSERT_NE(previous, std::string::npos);
  ASSERT_NE(expected.compare(previous, 16, "\"previous\":null"), 0)
      << expected.substr(previous, 40);
  uint64_t failed = 0;
  for (uint64_t k = 0; k < total; k += total / 150 + 1) failed += report_failing_at(s, k, expected);
  EXPECT_GT(failed, 100u);
  EXPECT_EQ(s.report_json(period()), expected);
}

}  // namespace
}  // namespace kpi
