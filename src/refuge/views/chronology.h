#pragma once

#include <vector>

#include "refuge/domain/event.h"

namespace refuge::views {

// The events in time order (a partial date sorts by its first day), without
// retracted ones unless asked. Pure: the input order does not matter.
std::vector<domain::Event> Chronology(std::vector<domain::Event> events,
                                      bool include_retracted = false);

}  // namespace refuge::views
