#include "refuge/views/chronology.h"

#include <algorithm>

namespace refuge::views {

std::vector<domain::Event> Chronology(std::vector<domain::Event> events, bool include_retracted) {
  if (!include_retracted) {
    events.erase(std::remove_if(events.begin(), events.end(),
                                [](const domain::Event& e) { return e.retracted; }),
                 events.end());
  }
  domain::SortChronologically(&events);
  return events;
}

}  // namespace refuge::views
