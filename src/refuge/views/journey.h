#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/domain/event.h"

namespace refuge::views {

// One move between countries. A leg may lack its departure or its arrival when
// the record has only one of them.
struct Leg {
  std::string from_country;
  std::string to_country;
  std::string departed;  // date text, empty when unknown
  std::string arrived;
  std::string mode;
  std::string from_place;
  std::string to_place;
  std::string manner;  // of the arrival (inspected, without_inspection, paroled)
  std::string departure_event;
  std::string arrival_event;
};

struct Journey {
  std::vector<Leg> legs;
  std::vector<std::string> countries;  // the path, e.g. CN, HK, EC, BS, US
  std::string last_us_arrival;         // date text of the last arrival in the US
  std::string last_us_arrival_event;
};

// Departures and arrivals in time order, paired into legs. Retracted events are ignored.
Journey BuildJourney(const std::vector<domain::Event>& events);
nlohmann::json ToJson(const Journey& j);

}  // namespace refuge::views
