#include "refuge/views/hearings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace refuge::views {
namespace {

using domain::Event;
using domain::Json;

constexpr const char* kWen = "per_01hx5wenhao";

// An event as the API would store it: validated by the event contract, then given an id.
Event Ev(const std::string& id, Json body) {
  body["subject"] = kWen;
  std::vector<domain::Reference> refs;
  auto valid = domain::ValidateEvent(body, &refs);
  EXPECT_TRUE(valid.ok()) << valid.status().ToString() << "\n" << body.dump();
  if (!valid.ok()) return Event{};
  auto e = domain::EventFromBody(std::move(valid).value());
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return Event{};
  e->id = id;
  return std::move(e).value();
}

Event Hearing(const std::string& id, const std::string& date, const std::string& status = "",
              const std::string& datetime = "") {
  Json body = {{"type", "hearing"}, {"date", date}, {"kind", "master"},
               {"court", "Miami Immigration Court"}};
  if (!status.empty()) body["status"] = status;
  if (!datetime.empty()) body["datetime"] = datetime;
  return Ev(id, body);
}

int64_t At(const std::string& iso) {
  auto d = PartialDate::Parse(iso);
  EXPECT_TRUE(d.ok()) << iso;
  return d.ok() ? d->UnixSeconds() : 0;
}

std::string NextId(const std::vector<Event>& events, const std::string& now) {
  auto next = NextHearing(events, At(now));
  return next ? next->id : "(none)";
}

TEST(NextHearingTest, NoneWithoutHearings) {
  EXPECT_EQ(NextId({}, "2026-09-01T12:00Z"), "(none)");
  EXPECT_EQ(NextId({Ev("evt_01", {{"type", "note"}, {"date", "2026-10-01"}, {"note", "x"}})},
                   "2026-09-01T12:00Z"),
            "(none)");
}

TEST(NextHearingTest, PicksTheEarliestAhead) {
  std::vector<Event> events = {Hearing("evt_01", "2026-10-15"), Hearing("evt_02", "2026-09-20"),
                               Hearing("evt_03", "2026-12-01")};
  EXPECT_EQ(NextId(events, "2026-09-01T12:00Z"), "evt_02");
  EXPECT_EQ(NextId(events, "2026-09-25T12:00Z"), "evt_01");
  EXPECT_EQ(NextId(events, "2026-11-01T12:00Z"), "evt_03");
}

TEST(NextHearingTest, SkipsPastHearings) {
  std::vector<Event> events = {Hearing("evt_01", "2026-03-04"), Hearing("evt_02", "2026-06-10")};
  EXPECT_EQ(NextId(events, "2026-09-01T12:00Z"), "(none)");
  EXPECT_EQ(NextId(events, "2026-05-01T12:00Z"), "evt_02");
}

TEST(NextHearingTest, SkipsHeldCancelledAndMoved) {
  std::vector<Event> events = {Hearing("evt_01", "2026-09-10", "held"),
                               Hearing("evt_02", "2026-09-11", "cancelled"),
                               Hearing("evt_03", "2026-09-12", "moved"),
                               Hearing("evt_04", "2026-09-30", "scheduled")};
  EXPECT_EQ(NextId(events, "2026-09-01T12:00Z"), "evt_04");
}

TEST(NextHearingTest, HearingWithoutStatusCounts) {
  EXPECT_EQ(NextId({Hearing("evt_01", "2026-09-10")}, "2026-09-01T12:00Z"), "evt_01");
}

TEST(NextHearingTest, SkipsRetracted) {
  Event wrong = Hearing("evt_01", "2026-09-05");
  wrong.retracted = true;
  EXPECT_EQ(NextId({wrong, Hearing("evt_02", "2026-09-20")}, "2026-09-01T12:00Z"), "evt_02");
}

TEST(NextHearingTest, UsesTheDatetime) {
  // 10:00 in Miami is 14:00 UTC.
  std::vector<Event> events = {
      Hearing("evt_01", "2026-09-02", "scheduled", "2026-09-02T10:00-04:00")};
  EXPECT_EQ(NextId(events, "2026-09-02T13:59Z"), "evt_01");
  EXPECT_EQ(NextId(events, "2026-09-02T14:00Z"), "evt_01");
  EXPECT_EQ(NextId(events, "2026-09-02T14:01Z"), "(none)");
}

TEST(NextHearingTest, OrdersByTimeOnTheSameDay) {
  std::vector<Event> events = {
      Hearing("evt_01", "2026-09-02", "scheduled", "2026-09-02T13:30-04:00"),
      Hearing("evt_02", "2026-09-02", "scheduled", "2026-09-02T09:00-04:00")};
  EXPECT_EQ(NextId(events, "2026-09-01T12:00Z"), "evt_02");
  // After the morning hearing the afternoon one is next.
  EXPECT_EQ(NextId(events, "2026-09-02T14:00Z"), "evt_01");
}

TEST(NextHearingTest, AHearingKnownByItsDayIsAheadUntilTheDayEnds) {
  std::vector<Event> events = {Hearing("evt_01", "2026-09-02")};
  EXPECT_EQ(NextId(events, "2026-09-02T00:00Z"), "evt_01");
  EXPECT_EQ(NextId(events, "2026-09-02T18:00Z"), "evt_01");
  EXPECT_EQ(NextId(events, "2026-09-03T00:00Z"), "(none)");
}

TEST(NextHearingTest, UsesATimeGivenInTheDate) {
  // The date itself carries the time; there is no separate datetime field.
  std::vector<Event> events = {Hearing("evt_01", "2026-09-02T10:00-04:00")};
  EXPECT_EQ(NextId(events, "2026-09-02T13:00Z"), "evt_01");
  // The time in the date counts: at noon in Miami the 10:00 hearing is past.
  EXPECT_EQ(NextId(events, "2026-09-02T16:00Z"), "(none)");
}

TEST(NextHearingTest, ReturnsTheWholeEvent) {
  auto next = NextHearing({Hearing("evt_01", "2026-09-02", "", "2026-09-02T10:00-04:00")},
                          At("2026-09-01T12:00Z"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->Str("court"), "Miami Immigration Court");
  EXPECT_EQ(next->Str("datetime"), "2026-09-02T10:00:00-04:00");
  EXPECT_EQ(next->Str("kind"), "master");
}

}  // namespace
}  // namespace refuge::views
