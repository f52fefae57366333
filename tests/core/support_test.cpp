// Tests for the support KPIs (avg_resolution_time, first_contact_resolution_rate) in the
// report: open tickets, resolution across midnight and month ends, percentiles, first contact
// from a replies count or a flag, channels, unavailable inputs. Values worked by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "voc_report.h"

namespace kpi {
namespace {

using testing_voc::voc_report;

// P = March-April 2024 (whole months), so P' = January-February 2024.
constexpr const char* FROM = "2024-03-01";
constexpr const char* TO = "2024-05-01";

// A Zendesk-style export. Resolved in P: #1 2.5 h; #2 22:00 on 31 March to 02:00 on 1 April
// = 4 h; #3 23:00 on 28 February 2024 (a leap year) to 01:00 on 2 March = 1 + 24 + 24 + 1 =
// 50 h. #4 (no solved date), #5 (pending, though it has a solved date) and #8 (created before
// P, never solved) are open; #7 is created after P and not counted. #6 is solved in P'.
// #9 is closed without a solved date: neither open nor timed, it is rejected (line 10).
constexpr const char* ZENDESK = R"(Id,Created at,Solved at,Replies,Via,Status
1,2024-03-01 10:00:00,2024-03-01 12:30:00,1,email,solved
2,2024-03-31 22:00:00,2024-04-01 02:00:00,3,chat,closed
3,2024-02-28 23:00:00,2024-03-02 01:00:00,0,email,solved
4,2024-03-10 09:00:00,,2,phone,open
5,2024-03-15 08:00:00,2024-03-15 09:00:00,1,chat,pending
6,2024-01-10 08:00:00,2024-01-11 08:00:00,1,email,solved
7,2024-05-02 08:00:00,,1,email,new
8,2024-02-20 08:00:00,,,web,
9,2024-03-05 08:00:00,,1,email,Closed
)";

TEST(Support, ResolutionTimeAcrossMidnightAndMonthEnds) {
  voc_report r({{"tickets.csv", ZENDESK}}, FROM, TO);
  const std::string k = "/kpis/avg_resolution_time";
  EXPECT_EQ(r.str(k + "/status"), "ok");
  EXPECT_EQ(r.str(k + "/unit"), "hours");
  // (2.5 + 4 + 50) / 3 = 18.8333 h.
  EXPECT_DOUBLE_EQ(r.num(k + "/numerator"), 56.5);
  EXPECT_DOUBLE_EQ(r.num(k + "/denominator"), 3);
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), 56.5 / 3);
  EXPECT_DOUBLE_EQ(r.num(k + "/resolved"), 3);
  EXPECT_DOUBLE_EQ(r.num(k + "/open"), 3);
  EXPECT_DOUBLE_EQ(r.num(k + "/rejected"), 1);
  EXPECT_EQ(r.nums(k + "/rejected_lines"), (std::vector<double>{10}));
  EXPECT_DOUBLE_EQ(r.num(k + "/rejected_reasons/closed without a resolved date"), 1);
  // Sorted 2.5, 4, 50: median 4; p90 at position 0.9 x 2 = 1.8: 4 + 0.8 x 46 = 40.8.
  EXPECT_DOUBLE_EQ(r.num(k + "/median"), 4);
  EXPECT_NEAR(r.num(k + "/p90"), 40.8, 1e-9);
  // P': #6 took 24 h.
  EXPECT_DOUBLE_EQ(r.num(k + "/previous"), 24);
  // Channels: email (2.5, 50) -> 26.25 h; chat (4) -> 4 h.
  const std::string email = r.entry(k + "/by_channel", "channel", "email");
  EXPECT_DOUBLE_EQ(r.num(email + "/value"), 26.25);
  EXPECT_DOUBLE_EQ(r.num(email + "/resolved"), 2);
  EXPECT_DOUBLE_EQ(r.num(r.entry(k + "/by_channel", "channel", "chat") + "/value"), 4);
  // Bins [0,1) [1,4) [4,8) [8,24) [24,48) [48,72) [72,168) [168,336) [336,720].
  EXPECT_EQ(r.nums(k + "/histogram/edges"),
            (std::vector<double>{0, 1, 4, 8, 24, 48, 72, 168, 336, 720}));
  EXPECT_EQ(r.nums(k + "/histogram/counts"), (std::vector<double>{0, 1, 1, 0, 0, 1, 0, 0, 0}));
  // Monthly trend by solved date: January 24 h, February none, March 26.25 h, April 4 h.
  double v;
  ASSERT_FALSE(r.bucket("avg_resolution_time", "2024-01").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 24);
  EXPECT_TRUE(r.bucket("avg_resolution_time", "2024-02").is_null());
  ASSERT_FALSE(r.bucket("avg_resolution_time", "2024-03").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 26.25);
  ASSERT_FALSE(r.bucket("avg_resolution_time", "2024-04").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 4);
}

TEST(Support, FirstContactFromARepliesCount) {
  voc_report r({{"tickets.csv", ZENDESK}}, FROM, TO);
  const std::string k = "/kpis/first_contact_resolution_rate";
  // Resolved in P: #1 (1 reply), #3 (0 replies) are one contact; #2 (3 replies) is not.
  EXPECT_EQ(r.str(k + "/unit"), "%");
  EXPECT_DOUBLE_EQ(r.num(k + "/numerator"), 2);
  EXPECT_DOUBLE_EQ(r.num(k + "/denominator"), 3);
  EXPECT_NEAR(r.num(k + "/value"), 200.0 / 3, 1e-9);
  // P': #6, one reply -> 100%.
  EXPECT_DOUBLE_EQ(r.num(k + "/previous"), 100);
  const std::string email = r.entry(k + "/by_channel", "channel", "email");
  EXPECT_DOUBLE_EQ(r.num(email + "/value"), 100);
  EXPECT_DOUBLE_EQ(r.num(email + "/denominator"), 2);
  EXPECT_DOUBLE_EQ(r.num(r.entry(k + "/by_channel", "channel", "chat") + "/value"), 0);
  double v;
  ASSERT_FALSE(r.bucket("first_contact_resolution_rate", "2024-04").get_double().get(v));
  EXPECT_DOUBLE_EQ(v, 0);
}

TEST(Support, FirstContactFromAFlagAndEvenPercentiles) {
  voc_report r(
      {{"tickets.csv", R"(Ticket ID,Created time,Resolved time,First contact resolution,Source
1,2024-03-01 08:00,2024-03-01 09:00,Yes,Email
2,2024-03-02 08:00,2024-03-02 10:00,no,Portal
3,2024-03-03 08:00,2024-03-03 11:00,TRUE,Email
4,2024-03-04 08:00,2024-03-04 18:00,false,Phone
)"}},
      FROM, TO);
  // Flags: yes, no, true, false -> 2 of 4 = 50%.
  const std::string f = "/kpis/first_contact_resolution_rate";
  EXPECT_DOUBLE_EQ(r.num(f + "/value"), 50);
  EXPECT_DOUBLE_EQ(r.num(f + "/denominator"), 4);
  EXPECT_DOUBLE_EQ(r.num(r.entry(f + "/by_channel", "channel", "Email") + "/value"), 100);
  // Hours 1, 2, 3, 10: mean 4; median (2 + 3) / 2 = 2.5; p90 at 2.7: 3 + 0.7 x 7 = 7.9.
  const std::string k = "/kpis/avg_resolution_time";
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), 4);
  EXPECT_DOUBLE_EQ(r.num(k + "/median"), 2.5);
  EXPECT_NEAR(r.num(k + "/p90"), 7.9, 1e-9);
  EXPECT_DOUBLE_EQ(r.num(k + "/open"), 0);
}

TEST(Support, ResolvedBeforeCreatedIsRejectedAndLongTicketsWidenTheLastBin) {
  voc_report r({{"tickets.csv", R"(created_at,resolved_at,contacts
2024-03-01 08:00,2024-03-01 07:00,1
2024-03-01 08:00,2024-04-04 16:30,2
)"}},
               FROM, TO);
  // #2 took 34 days and 8.5 hours = 824.5 h; #1 ends before it starts: rejected (line 2)
  // from the time, though its resolved date and contacts still count for first contact.
  const std::string k = "/kpis/avg_resolution_time";
  EXPECT_DOUBLE_EQ(r.num(k + "/value"), 824.5);
  EXPECT_DOUBLE_EQ(r.num(k + "/rejected"), 1);
  EXPECT_EQ(r.nums(k + "/rejected_lines"), (std::vector<double>{2}));
  EXPECT_EQ(r.nums(k + "/histogram/edges"),
            (std::vector<double>{0, 1, 4, 8, 24, 48, 72, 168, 336, 720, 825}));
  EXPECT_EQ(r.nums(k + "/histogram/counts"), (std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_DOUBLE_EQ(r.num("/kpis/first_contact_resolution_rate/value"), 50);
}

TEST(Support, NoTicketsResolvedInThePeriodIsUndefined) {
  voc_report r({{"tickets.csv", R"(created_at,resolved_at,contacts
2024-03-01 08:00,,1
2024-01-01 08:00,2024-01-02 08:00,1
)"}},
               FROM, TO);
  EXPECT_EQ(r.str("/kpis/avg_resolution_time/status"), "undefined");
  EXPECT_TRUE(r.is_null("/kpis/avg_resolution_time/value"));
  EXPECT_TRUE(r.is_null("/kpis/avg_resolution_time/median"));
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_resolution_time/open"), 1);
  EXPECT_DOUBLE_EQ(r.num("/kpis/avg_resolution_time/previous"), 24);
  EXPECT_EQ(r.str("/kpis/first_contact_resolution_rate/status"), "undefined");
}

// Real export layouts (tests/data/voc): Zendesk (Created at, Solved at, Replies, Via) and
// Freshdesk (Created time, Resolved time, Agent interactions, Source) map without overrides.
TEST(Support, ZendeskAndFreshdeskExports) {
  {
    // Zendesk: 101 2.5 h (1 reply); 102 Fri 16:00 to Mon 10:00 across the month end = 66 h
    // (4 replies); 104 0.5 h (0 replies); 103 (Open) and 105 (Pending) are open.
    voc_report r({testing_voc::fixture("zendesk_tickets.csv")}, FROM, TO);
    const std::string k = "/kpis/avg_resolution_time";
    EXPECT_DOUBLE_EQ(r.num(k + "/value"), 23);  // 69 / 3
    EXPECT_DOUBLE_EQ(r.num(k + "/median"), 2.5);
    // Sorted 0.5, 2.5, 66: p90 = 2.5 + 0.8 x 63.5 = 53.3.
    EXPECT_NEAR(r.num(k + "/p90"), 53.3, 1e-9);
    EXPECT_DOUBLE_EQ(r.num(k + "/open"), 2);
    EXPECT_DOUBLE_EQ(r.num(r.entry(k + "/by_channel", "channel", "Web Widget") + "/value"), 66);
    EXPECT_NEAR(r.num("/kpis/first_contact_resolution_rate/value"), 200.0 / 3, 1e-9);
  }
  {
    // Freshdesk: 2001 3 h (1 interaction); 2002 23:30 on 31 March to 05:30 on 1 April = 6 h
    // (3); 2004 48 h (2); 2003 is open. Its own "Resolution time (in hrs)" agrees: 3, 6, 48.
    voc_report r({testing_voc::fixture("freshdesk_tickets.csv")}, FROM, TO);
    const std::string k = "/kpis/avg_resolution_time";
    EXPECT_DOUBLE_EQ(r.num(k + "/value"), 19);  // 57 / 3
    EXPECT_DOUBLE_EQ(r.num(k + "/median"), 6);
    EXPECT_NEAR(r.num(k + "/p90"), 39.6, 1e-9);  // 6 + 0.8 x 42
    EXPECT_DOUBLE_EQ(r.num(k + "/open"), 1);
    EXPECT_NEAR(r.num("/kpis/first_contact_resolution_rate/value"), 100.0 / 3, 1e-9);
  }
  {
    // Both files at once: hours 0.5, 2.5, 3, 6, 48, 66 -> 126 / 6 = 21; one contact 3 of 6.
    voc_report r({testing_voc::fixture("zendesk_tickets.csv"),
                  testing_voc::fixture("freshdesk_tickets.csv")},
                 FROM, TO);
    EXPECT_DOUBLE_EQ(r.num("/kpis/avg_resolution_time/value"), 21);
    EXPECT_DOUBLE_EQ(r.num("/kpis/avg_resolution_time/median"), 4.5);  // (3 + 6) / 2
    EXPECT_DOUBLE_EQ(r.num("/kpis/avg_resolution_time/open"), 3);
    EXPECT_DOUBLE_EQ(r.num("/kpis/first_contact_resolution_rate/value"), 50);
  }
}

TEST(Support, UnavailableWithoutTicketsOrTheirColumns) {
  {
    voc_report r({{"orders.csv", R"(order_id,customer_id,date,total
1,c1,2024-03-05,10
)"}},
                 FROM, TO);
    EXPECT_EQ(r.str("/kpis/avg_resolution_time/status"), "unavailable");
    EXPECT_EQ(r.str("/kpis/avg_resolution_time/needs/0"), "tickets.resolved_at");
    EXPECT_FALSE(r.has("/kpis/avg_resolution_time/previous"));
    EXPECT_EQ(r.str("/kpis/first_contact_resolution_rate/status"), "unavailable");
  }
  {
    // Tickets without a resolved date: nothing can be timed.
    voc_report r({{"tickets.csv", R"(created_at,channel
2024-03-01 08:00,email
)"}},
                 FROM, TO);
    EXPECT_EQ(r.str("/kpis/avg_resolution_time/status"), "unavailable");
    EXPECT_EQ(r.str("/kpis/avg_resolution_time/needs/0"), "tickets.resolved_at");
  }
  {
    // Resolved dates but no contacts count or flag: time yes, first contact no.
    voc_report r({{"tickets.csv", R"(created_at,resolved_at
2024-03-01 08:00,2024-03-01 10:00
)"}},
                 FROM, TO);
    EXPECT_DOUBLE_EQ(r.num("/kpis/avg_resolution_time/value"), 2);
    EXPECT_EQ(r.str("/kpis/first_contact_resolution_rate/status"), "unavailable");
    EXPECT_EQ(r.str("/kpis/first_contact_resolution_rate/needs/0"),
              "tickets.contacts|first_contact");
  }
}

}  // namespace
}  // namespace kpi
