#include "refuge/views/journey.h"

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

Event Departure(const std::string& id, const std::string& date, const std::string& from,
                const std::string& to, const std::string& mode) {
  Json body = {{"type", "departure"}, {"date", date}, {"country", from}};
  if (!to.empty()) body["to_country"] = to;
  if (!mode.empty()) body["mode"] = mode;
  return Ev(id, body);
}

Event Arrival(const std::string& id, const std::string& date, const std::string& country,
              const std::string& manner = "") {
  Json body = {{"type", "arrival"}, {"date", date}, {"country", country}};
  if (!manner.empty()) body["manner"] = manner;
  return Ev(id, body);
}

// Wen Hao's path from China to the United States.
std::vector<Event> WenHaoPath() {
  return {Departure("evt_01", "2021-03-02", "CN", "HK", "land"),
          Departure("evt_02", "2021-04-18", "HK", "EC", "air"),
          Arrival("evt_03", "2021-09-07", "BS"),
          Departure("evt_04", "2021-10-02", "BS", "US", "sea"),
          Arrival("evt_05", "2021-10-03", "US", "without_inspection")};
}

TEST(JourneyTest, WenHaoPath) {
  Journey j = BuildJourney(WenHaoPath());
  EXPECT_EQ(j.countries, (std::vector<std::string>{"CN", "HK", "EC", "BS", "US"}));
  EXPECT_EQ(j.last_us_arrival, "2021-10-03");
  EXPECT_EQ(j.last_us_arrival_event, "evt_05");
}

TEST(JourneyTest, WenHaoPathLegs) {
  Journey j = BuildJourney(WenHaoPath());
  ASSERT_EQ(j.legs.size(), 4u);

  EXPECT_EQ(j.legs[0].from_country, "CN");
  EXPECT_EQ(j.legs[0].to_country, "HK");
  EXPECT_EQ(j.legs[0].departed, "2021-03-02");
  EXPECT_TRUE(j.legs[0].arrived.empty());
  EXPECT_EQ(j.legs[0].mode, "land");

  EXPECT_EQ(j.legs[1].from_country, "HK");
  EXPECT_EQ(j.legs[1].to_country, "EC");
  EXPECT_EQ(j.legs[1].mode, "air");

  // The arrival in the Bahamas has no departure on record; it starts from Ecuador.
  EXPECT_EQ(j.legs[2].from_country, "EC");
  EXPECT_EQ(j.legs[2].to_country, "BS");
  EXPECT_TRUE(j.legs[2].departed.empty());
  EXPECT_EQ(j.legs[2].arrived, "2021-09-07");
  EXPECT_EQ(j.legs[2].arrival_event, "evt_03");
  EXPECT_TRUE(j.legs[2].departure_event.empty());

  const Leg& last = j.legs[3];
  EXPECT_EQ(last.from_country, "BS");
  EXPECT_EQ(last.to_country, "US");
  EXPECT_EQ(last.departed, "2021-10-02");
  EXPECT_EQ(last.arrived, "2021-10-03");
  EXPECT_EQ(last.mode, "sea");
  EXPECT_EQ(last.manner, "without_inspection");
  EXPECT_EQ(last.departure_event, "evt_04");
  EXPECT_EQ(last.arrival_event, "evt_05");
}

TEST(JourneyTest, InputOrderDoesNotMatter) {
  std::vector<Event> path = WenHaoPath();
  std::vector<Event> reversed(path.rbegin(), path.rend());
  EXPECT_EQ(ToJson(BuildJourney(reversed)), ToJson(BuildJourney(path)));
}

TEST(JourneyTest, ADepartureIsPairedWithItsArrival) {
  Event departure = Ev("evt_01", {{"type", "departure"},
                                  {"date", "2019-08-10"},
                                  {"country", "NG"},
                                  {"to_country", "US"},
                                  {"place", "Lagos"},
                                  {"mode", "air"}});
  Event arrival = Ev("evt_02", {{"type", "arrival"},
                                {"date", "2019-08-11"},
                                {"country", "US"},
                                {"place", "JFK, New York"},
                                {"manner", "inspected"}});
  Journey j = BuildJourney({arrival, departure});
  ASSERT_EQ(j.legs.size(), 1u);
  const Leg& leg = j.legs[0];
  EXPECT_EQ(leg.from_country, "NG");
  EXPECT_EQ(leg.to_country, "US");
  EXPECT_EQ(leg.departed, "2019-08-10");
  EXPECT_EQ(leg.arrived, "2019-08-11");
  EXPECT_EQ(leg.from_place, "Lagos");
  EXPECT_EQ(leg.to_place, "JFK, New York");
  EXPECT_EQ(leg.mode, "air");
  EXPECT_EQ(leg.manner, "inspected");
  EXPECT_EQ(leg.departure_event, "evt_01");
  EXPECT_EQ(leg.arrival_event, "evt_02");
  EXPECT_EQ(j.countries, (std::vector<std::string>{"NG", "US"}));
}

TEST(JourneyTest, ADepartureWithoutDestinationTakesTheArrivalCountry) {
  Journey j = BuildJourney({Departure("evt_01", "2021-03-02", "CN", "", ""),
                            Arrival("evt_02", "2021-03-03", "HK")});
  ASSERT_EQ(j.legs.size(), 1u);
  EXPECT_EQ(j.legs[0].to_country, "HK");
  EXPECT_EQ(j.legs[0].arrival_event, "evt_02");
  EXPECT_EQ(j.countries, (std::vector<std::string>{"CN", "HK"}));
}

TEST(JourneyTest, TwoUsArrivalsGiveTheLaterOne) {
  std::vector<Event> events = {Arrival("evt_03", "2021-10-03", "US", "without_inspection"),
                               Departure("evt_02", "2020-01-10", "US", "MX", "land"),
                               Arrival("evt_01", "2018-06-01", "US", "inspected")};
  Journey j = BuildJourney(events);
  EXPECT_EQ(j.last_us_arrival, "2021-10-03");
  EXPECT_EQ(j.last_us_arrival_event, "evt_03");
  EXPECT_EQ(j.countries, (std::vector<std::string>{"US", "MX", "US"}));
}

TEST(JourneyTest, RetractedArrivalIsIgnored) {
  Event wrong = Arrival("evt_02", "2022-01-15", "US");
  wrong.retracted = true;
  Journey j = BuildJourney({Arrival("evt_01", "2021-10-03", "US"), wrong});
  EXPECT_EQ(j.last_us_arrival, "2021-10-03");
  EXPECT_EQ(j.last_us_arrival_event, "evt_01");
  EXPECT_EQ(j.legs.size(), 1u);
}

TEST(JourneyTest, PartialDatesAreKeptAsWritten) {
  Journey j = BuildJourney({Departure("evt_01", "2021", "CN", "HK", ""),
                            Arrival("evt_02", "2021-10", "US")});
  EXPECT_EQ(j.last_us_arrival, "2021-10");
  ASSERT_EQ(j.legs.size(), 2u);
  EXPECT_EQ(j.legs[0].departed, "2021");
  EXPECT_EQ(j.legs[1].from_country, "HK");
}

TEST(JourneyTest, NoTravelEvents) {
  Journey j = BuildJourney({Ev("evt_01", {{"type", "note"}, {"date", "2021"}, {"note", "x"}})});
  EXPECT_TRUE(j.legs.empty());
  EXPECT_TRUE(j.countries.empty());
  EXPECT_TRUE(j.last_us_arrival.empty());
  Json out = ToJson(j);
  EXPECT_TRUE(out["last_us_arrival"].is_null());
  EXPECT_TRUE(out["legs"].empty());
}

TEST(JourneyTest, NoUsArrival) {
  Journey j = BuildJourney({Departure("evt_01", "2021-03-02", "CN", "HK", "land")});
  EXPECT_TRUE(j.last_us_arrival.empty());
  EXPECT_EQ(j.countries, (std::vector<std::string>{"CN", "HK"}));
}

TEST(JourneyTest, ToJson) {
  Json out = ToJson(BuildJourney(WenHaoPath()));
  EXPECT_EQ(out["countries"], Json::array({"CN", "HK", "EC", "BS", "US"}));
  EXPECT_EQ(out["last_us_arrival"], "2021-10-03");
  EXPECT_EQ(out["last_us_arrival_event"], "evt_05");
  ASSERT_EQ(out["legs"].size(), 4u);
  EXPECT_TRUE(out["legs"][0]["arrived"].is_null());
  EXPECT_EQ(out["legs"][3]["manner"], "without_inspection");
}

}  // namespace
}  // namespace refuge::views
