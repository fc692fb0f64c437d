#include "refuge/views/hearings.h"

#include "refuge/views/chronology.h"

namespace refuge::views {

std::optional<domain::Event> NextHearing(const std::vector<domain::Event>& events, int64_t now) {
  std::optional<domain::Event> best;
  int64_t best_at = 0;
  for (const auto& e : events) {
    if (e.retracted || e.type != "hearing") continue;
    const std::string status = e.Str("status");
    if (!status.empty() && status != "scheduled") continue;
    int64_t at = e.date.UnixSeconds();
    if (e.Has("datetime")) {
      auto dt = PartialDate::Parse(e.Str("datetime"));
      if (dt.ok()) at = dt->UnixSeconds();
    } else if (!e.date.has_time()) {
      at += 86400 - 1;  // a hearing known only by its day is ahead until that day ends
    }
    if (at < now) continue;
    if (!best || at < best_at) {
      best = e;
      best_at = at;
    }
  }
  return best;
}

}  // namespace refuge::views
