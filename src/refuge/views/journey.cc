#include "refuge/views/journey.h"

#include "refuge/views/chronology.h"

namespace refuge::views {

Journey BuildJourney(const std::vector<domain::Event>& events) {
  Journey j;
  bool open = false;  // the last leg has a departure but no arrival yet
  std::string here;   // the country the person is last known to be in
  for (const auto& e : Chronology(events)) {
    if (e.type == "departure") {
      Leg leg;
      leg.from_country = e.Str("country");
      leg.to_country = e.Str("to_country");
      leg.departed = e.date.ToString();
      leg.mode = e.Str("mode");
      leg.from_place = e.Str("place");
      leg.departure_event = e.id;
      j.legs.push_back(std::move(leg));
      open = true;
      here = j.legs.back().to_country;
    } else if (e.type == "arrival") {
      const std::string country = e.Str("country");
      if (open && (j.legs.back().to_country.empty() || j.legs.back().to_country == country)) {
        Leg& leg = j.legs.back();
        leg.to_country = country;
        leg.arrived = e.date.ToString();
        leg.to_place = e.Str("place");
        leg.manner = e.Str("manner");
        if (leg.mode.empty()) leg.mode = e.Str("mode");
        leg.arrival_event = e.id;
      } else {
        Leg leg;
        leg.from_country = here;
        leg.to_country = country;
        leg.arrived = e.date.ToString();
        leg.to_place = e.Str("place");
        leg.mode = e.Str("mode");
        leg.manner = e.Str("manner");
        leg.arrival_event = e.id;
        j.legs.push_back(std::move(leg));
      }
      open = false;
      here = country;
      if (country == "US") {
        j.last_us_arrival = e.date.ToString();
        j.last_us_arrival_event = e.id;
      }
    }
  }
  for (const auto& leg : j.legs) {
    if (j.countries.empty() && !leg.from_country.empty()) j.countries.push_back(leg.from_country);
    if (!leg.from_country.empty() && j.countries.back() != leg.from_country) {
      j.countries.push_back(leg.from_country);
    }
    if (!leg.to_country.empty() && (j.countries.empty() || j.countries.back() != leg.to_country)) {
      j.countries.push_back(leg.to_country);
    }
  }
  return j;
}

nlohmann::json ToJson(const Journey& j) {
  auto opt = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
  nlohmann::json legs = nlohmann::json::array();
  for (const auto& l : j.legs) {
    legs.push_back({{"from_country", opt(l.from_country)}, {"to_country", opt(l.to_country)},
                    {"departed", opt(l.departed)}, {"arrived", opt(l.arrived)},
                    {"mode", opt(l.mode)}, {"from_place", opt(l.from_place)},
                    {"to_place", opt(l.to_place)}, {"manner", opt(l.manner)},
                    {"departure_event", opt(l.departure_event)},
                    {"arrival_event", opt(l.arrival_event)}});
  }
  return {{"legs", std::move(legs)},
          {"countries", j.countries},
          {"last_us_arrival", opt(j.last_us_arrival)},
          {"last_us_arrival_event", opt(j.last_us_arrival_event)}};
}

}  // namespace refuge::views
