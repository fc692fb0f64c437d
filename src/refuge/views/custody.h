#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/domain/event.h"

namespace refuge::views {

// One continuous stay at one facility.
struct Stay {
  std::string facility;      // facility id
  std::string from;          // date the stay began (event date text)
  std::string to;            // date it ended, empty while it goes on
  std::string began_by;      // "detention" or "transfer"
  std::string ended_by;      // "transfer", "release", "removal" or empty
  std::string release_reason;
  std::string start_event;
  std::string end_event;
};

struct CustodyStatus {
  bool in_custody = false;
  std::string facility;  // current facility id while in custody
  std::string since;     // in custody: start of this custody; out: the release date
  std::string release_reason;  // when out of custody after a release
  std::vector<Stay> history;   // oldest first
};

// Custody from a person's events: detention opens a stay, transfer moves it,
// release or removal ends it. Retracted events are ignored.
CustodyStatus Custody(const std::vector<domain::Event>& events);
nlohmann::json ToJson(const CustodyStatus& c);

}  // namespace refuge::views
