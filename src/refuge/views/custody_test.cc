#include "refuge/views/custody.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace refuge::views {
namespace {

using domain::Event;
using domain::Json;

constexpr const char* kWen = "per_01hx5wenhao";
constexpr const char* kKrome = "fac_01hx5krome";
constexpr const char* kBroward = "fac_01hx5broward";
constexpr const char* kGlades = "fac_01hx5glades";

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

Event Detention(const std::string& id, const std::string& date, const std::string& facility) {
  return Ev(id, {{"type", "detention"}, {"date", date}, {"facility", facility}, {"agency", "ICE"}});
}
Event Transfer(const std::string& id, const std::string& date, const std::string& facility) {
  return Ev(id, {{"type", "transfer"}, {"date", date}, {"facility", facility}});
}
Event Release(const std::string& id, const std::string& date, const std::string& reason) {
  return Ev(id, {{"type", "release"}, {"date", date}, {"reason", reason}});
}
Event Removal(const std::string& id, const std::string& date, const std::string& country) {
  return Ev(id, {{"type", "removal"}, {"date", date}, {"country", country}});
}
Event Retracted(Event e) {
  e.retracted = true;
  return e;
}

TEST(CustodyTest, NoEventsMeansNotInCustody) {
  CustodyStatus c = Custody({});
  EXPECT_FALSE(c.in_custody);
  EXPECT_TRUE(c.facility.empty());
  EXPECT_TRUE(c.since.empty());
  EXPECT_TRUE(c.history.empty());
}

TEST(CustodyTest, HeldAfterDetentionAndTransfer) {
  CustodyStatus c = Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Transfer("evt_02", "2026-05-02", kBroward)});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kBroward);
  EXPECT_EQ(c.since, "2026-03-10") << "custody began with the detention, not the transfer";
  EXPECT_TRUE(c.release_reason.empty());
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_EQ(c.history[0].facility, kKrome);
  EXPECT_EQ(c.history[0].to, "2026-05-02");
  EXPECT_EQ(c.history[0].ended_by, "transfer");
  EXPECT_EQ(c.history[1].facility, kBroward);
  EXPECT_EQ(c.history[1].from, "2026-05-02");
  EXPECT_TRUE(c.history[1].to.empty());
  EXPECT_TRUE(c.history[1].ended_by.empty());
}

TEST(CustodyTest, DetentionTransferReleaseOnBond) {
  CustodyStatus c = Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Transfer("evt_02", "2026-05-02", kBroward),
                             Release("evt_03", "2026-12-01", "bond")});
  EXPECT_FALSE(c.in_custody);
  EXPECT_TRUE(c.facility.empty());
  EXPECT_EQ(c.since, "2026-12-01");
  EXPECT_EQ(c.release_reason, "bond");
  ASSERT_EQ(c.history.size(), 2u);

  const Stay& first = c.history[0];
  EXPECT_EQ(first.facility, kKrome);
  EXPECT_EQ(first.from, "2026-03-10");
  EXPECT_EQ(first.to, "2026-05-02");
  EXPECT_EQ(first.began_by, "detention");
  EXPECT_EQ(first.ended_by, "transfer");
  EXPECT_EQ(first.start_event, "evt_01");
  EXPECT_EQ(first.end_event, "evt_02");
  EXPECT_TRUE(first.release_reason.empty());

  const Stay& second = c.history[1];
  EXPECT_EQ(second.facility, kBroward);
  EXPECT_EQ(second.from, "2026-05-02");
  EXPECT_EQ(second.to, "2026-12-01");
  EXPECT_EQ(second.began_by, "transfer");
  EXPECT_EQ(second.ended_by, "release");
  EXPECT_EQ(second.release_reason, "bond");
  EXPECT_EQ(second.start_event, "evt_02");
  EXPECT_EQ(second.end_event, "evt_03");
}

TEST(CustodyTest, RetractedEventsAreIgnored) {
  CustodyStatus c = Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Retracted(Transfer("evt_02", "2026-05-02", kBroward)),
                             Retracted(Release("evt_03", "2026-06-01", "parole"))});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kKrome);
  EXPECT_EQ(c.since, "2026-03-10");
  ASSERT_EQ(c.history.size(), 1u);
  EXPECT_TRUE(c.history[0].to.empty());
}

TEST(CustodyTest, RemovalEndsCustodyAsRemoved) {
  CustodyStatus c = Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Removal("evt_02", "2026-12-15", "CN")});
  EXPECT_FALSE(c.in_custody);
  EXPECT_TRUE(c.facility.empty());
  EXPECT_EQ(c.since, "2026-12-15");
  EXPECT_EQ(c.release_reason, "removed");
  ASSERT_EQ(c.history.size(), 1u);
  EXPECT_EQ(c.history[0].to, "2026-12-15");
  EXPECT_EQ(c.history[0].ended_by, "removal");
  EXPECT_EQ(c.history[0].release_reason, "removed");
  EXPECT_EQ(c.history[0].end_event, "evt_02");
}

TEST(CustodyTest, DetentionWhileHeldCountsAsAMove) {
  CustodyStatus c = Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Detention("evt_02", "2026-04-20", kGlades)});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kGlades);
  EXPECT_EQ(c.since, "2026-03-10");
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_EQ(c.history[0].to, "2026-04-20");
  EXPECT_EQ(c.history[0].ended_by, "transfer");
  EXPECT_EQ(c.history[0].end_event, "evt_02");
  EXPECT_EQ(c.history[1].began_by, "detention");
  EXPECT_TRUE(c.history[1].to.empty());
}

TEST(CustodyTest, ReleaseWithoutDetentionChangesNothing) {
  CustodyStatus c = Custody({Release("evt_01", "2026-06-01", "parole")});
  EXPECT_FALSE(c.in_custody);
  EXPECT_TRUE(c.since.empty());
  EXPECT_TRUE(c.release_reason.empty());
  EXPECT_TRUE(c.history.empty());

  CustodyStatus removed = Custody({Removal("evt_01", "2026-06-01", "CN")});
  EXPECT_TRUE(removed.release_reason.empty());
  EXPECT_TRUE(removed.history.empty());
}

TEST(CustodyTest, ASecondReleaseChangesNothing) {
  CustodyStatus c = Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Release("evt_02", "2026-06-01", "bond"),
                             Release("evt_03", "2026-07-01", "parole")});
  EXPECT_FALSE(c.in_custody);
  EXPECT_EQ(c.since, "2026-06-01");
  EXPECT_EQ(c.release_reason, "bond");
  ASSERT_EQ(c.history.size(), 1u);
  EXPECT_EQ(c.history[0].end_event, "evt_02");
}

TEST(CustodyTest, RedetentionAfterReleaseStartsNewCustody) {
  CustodyStatus c = Custody({Detention("evt_01", "2025-03-10", kKrome),
                             Release("evt_02", "2025-06-01", "recognizance"),
                             Detention("evt_03", "2026-02-14", kBroward)});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kBroward);
  EXPECT_EQ(c.since, "2026-02-14");
  EXPECT_TRUE(c.release_reason.empty());
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_EQ(c.history[0].ended_by, "release");
  EXPECT_EQ(c.history[0].release_reason, "recognizance");
  EXPECT_EQ(c.history[1].from, "2026-02-14");
}

TEST(CustodyTest, TransferAfterReleaseClearsTheReleaseReason) {
  // The record lacks the re-detention; the transfer is the first sign of new custody.
  CustodyStatus c = Custody({Detention("evt_01", "2025-03-10", kKrome),
                             Release("evt_02", "2025-06-01", "bond"),
                             Transfer("evt_03", "2026-02-14", kBroward)});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kBroward);
  EXPECT_EQ(c.since, "2026-02-14");
  // Back in custody, the earlier release reason no longer applies.
  EXPECT_TRUE(c.release_reason.empty()) << c.release_reason;
}

TEST(CustodyTest, OtherEventsDoNotAffectCustody) {
  CustodyStatus c = Custody(
      {Detention("evt_01", "2026-03-10", kKrome),
       Ev("evt_02", {{"type", "hearing"}, {"date", "2026-04-01"}, {"kind", "bond"}}),
       Ev("evt_03", {{"type", "bond"}, {"date", "2026-04-01"}, {"action", "denied"}}),
       Ev("evt_04", {{"type", "note"}, {"date", "2026-04"}, {"note", "Visited at Krome."}})});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kKrome);
  ASSERT_EQ(c.history.size(), 1u);
}

TEST(CustodyTest, InputOrderDoesNotMatter) {
  std::vector<Event> events = {Detention("evt_01", "2026-03-10", kKrome),
                               Transfer("evt_02", "2026-05-02", kBroward),
                               Transfer("evt_03", "2026-08-19", kGlades),
                               Release("evt_04", "2026-12-01", "bond")};
  const Json expected = ToJson(Custody(events));
  std::vector<Event> reversed(events.rbegin(), events.rend());
  EXPECT_EQ(ToJson(Custody(reversed)), expected);
  std::vector<Event> shuffled = {events[2], events[0], events[3], events[1]};
  EXPECT_EQ(ToJson(Custody(shuffled)), expected);
  EXPECT_EQ(expected["history"].size(), 3u);
}

TEST(CustodyTest, PartialAndTimedDatesSortByTime) {
  // A detention known by its time of day and a transfer the same day known only by the day.
  CustodyStatus c = Custody({Transfer("evt_01", "2026-05-02", kBroward),
                             Detention("evt_02", "2026-05-02T06:30-04:00", kKrome)});
  EXPECT_TRUE(c.in_custody);
  EXPECT_EQ(c.facility, kBroward);
  EXPECT_EQ(c.since, "2026-05-02T06:30:00-04:00");
  ASSERT_EQ(c.history.size(), 2u);
  EXPECT_EQ(c.history[0].facility, kKrome);
}

TEST(CustodyTest, ToJsonShowsOpenStaysWithNulls) {
  Json j = ToJson(Custody({Detention("evt_01", "2026-03-10", kKrome)}));
  EXPECT_EQ(j["in_custody"], true);
  EXPECT_EQ(j["facility"], kKrome);
  EXPECT_EQ(j["since"], "2026-03-10");
  EXPECT_TRUE(j["release_reason"].is_null());
  ASSERT_EQ(j["history"].size(), 1u);
  EXPECT_TRUE(j["history"][0]["to"].is_null());
  EXPECT_TRUE(j["history"][0]["ended_by"].is_null());
  EXPECT_EQ(j["history"][0]["began_by"], "detention");

  Json out = ToJson(Custody({Detention("evt_01", "2026-03-10", kKrome),
                             Release("evt_02", "2026-12-01", "bond")}));
  EXPECT_EQ(out["in_custody"], false);
  EXPECT_TRUE(out["facility"].is_null());
  EXPECT_EQ(out["release_reason"], "bond");
  EXPECT_EQ(out["history"][0]["release_reason"], "bond");
}

}  // namespace
}  // namespace refuge::views
