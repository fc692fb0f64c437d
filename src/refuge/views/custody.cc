#include "refuge/views/custody.h"

#include "refuge/views/chronology.h"

namespace refuge::views {

CustodyStatus Custody(const std::vector<domain::Event>& events) {
  CustodyStatus c;
  auto close_stay = [&](const domain::Event& e, const std::string& how) {
    if (c.history.empty() || !c.history.back().to.empty()) return;
    Stay& s = c.history.back();
    s.to = e.date.ToString();
    s.ended_by = how;
    s.end_event = e.id;
  };
  for (const auto& e : Chronology(events)) {
    if (e.type == "detention") {
      close_stay(e, "transfer");  // a detention while held elsewhere is a move
      if (!c.in_custody) c.since = e.date.ToString();
      c.in_custody = true;
      c.facility = e.Str("facility");
      c.release_reason.clear();
      c.history.push_back(Stay{c.facility, e.date.ToString(), "", "detention", "", "", e.id, ""});
    } else if (e.type == "transfer") {
      close_stay(e, "transfer");
      if (!c.in_custody) c.since = e.date.ToString();
      c.in_custody = true;
      c.facility = e.Str("facility");
      c.release_reason.clear();
      c.history.push_back(Stay{c.facility, e.date.ToString(), "", "transfer", "", "", e.id, ""});
    } else if (e.type == "release" || e.type == "removal") {
      if (!c.in_custody) continue;  // a release without a known detention changes nothing
      close_stay(e, e.type);
      if (e.type == "release") {
        c.history.back().release_reason = e.Str("reason");
        c.release_reason = e.Str("reason");
      } else {
        c.release_reason = "removed";
        c.history.back().release_reason = "removed";
      }
      c.in_custody = false;
      c.facility.clear();
      c.since = e.date.ToString();
    }
  }
  return c;
}

nlohmann::json ToJson(const CustodyStatus& c) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& s : c.history) {
    nlohmann::json j = {{"facility", s.facility}, {"from", s.from}, {"began_by", s.began_by},
                        {"start_event", s.start_event}};
    j["to"] = s.to.empty() ? nlohmann::json() : nlohmann::json(s.to);
    j["ended_by"] = s.ended_by.empty() ? nlohmann::json() : nlohmann::json(s.ended_by);
    j["end_event"] = s.end_event.empty() ? nlohmann::json() : nlohmann::json(s.end_event);
    if (!s.release_reason.empty()) j["release_reason"] = s.release_reason;
    history.push_back(std::move(j));
  }
  // With no detention, transfer or release on record the view knows nothing:
  // "unknown", never "not in custody".
  const bool known = !c.history.empty();
  nlohmann::json out = {{"status", !known ? "unknown" : c.in_custody ? "in_custody" : "not_in_custody"},
                        {"in_custody", known ? nlohmann::json(c.in_custody) : nlohmann::json()},
                        {"history", std::move(history)}};
  out["facility"] = c.facility.empty() ? nlohmann::json() : nlohmann::json(c.facility);
  out["since"] = c.since.empty() ? nlohmann::json() : nlohmann::json(c.since);
  out["release_reason"] = c.release_reason.empty() ? nlohmann::json() : nlohmann::json(c.release_reason);
  return out;
}

}  // namespace refuge::views
