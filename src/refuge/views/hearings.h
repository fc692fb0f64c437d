#pragma once

#include <cstdint>
#include <optional>

#include "refuge/domain/event.h"

namespace refuge::views {

// The earliest hearing not held, cancelled or moved that is still ahead of `now`
// (its `datetime` if given, else its date). nullopt when none.
std::optional<domain::Event> NextHearing(const std::vector<domain::Event>& events, int64_t now);

}  // namespace refuge::views
