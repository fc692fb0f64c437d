#include "refuge/domain/event.h"

#include <algorithm>

namespace refuge::domain {

std::string Event::Str(const char* field) const {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool Event::Bool(const char* field, bool fallback) const {
  auto it = body.find(field);
  if (it == body.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

Result<Event> EventFromBody(Json body) {
  Event e;
  e.type = body.value("type", "");
  e.subject = body.value("subject", "");
  e.matter = body.value("matter", "");
  auto d = PartialDate::Parse(body.value("date", ""), "date");
  if (!d.ok()) return d.status();
  e.date = *d;
  e.body = std::move(body);
  return e;
}

Json EventToJson(const Event& e) {
  Json j = e.body;
  j["id"] = e.id;
  j["version"] = e.version;
  j["retracted"] = e.retracted;
  if (!e.created_at.empty()) j["created_at"] = e.created_at;
  if (!e.updated_at.empty()) j["updated_at"] = e.updated_at;
  return j;
}

Result<std::vector<Event>> EventsFromJsonArray(const Json& array, bool subject_optional) {
  if (!array.is_array()) return Malformed("expected a JSON array of events");
  std::vector<Event> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string where = "events[" + std::to_string(i) + "]";
    std::vector<Reference> refs;
    auto body = ValidateEvent(array[i], &refs, subject_optional);
    if (!body.ok()) return body.status().WithFieldPrefix(where);
    auto e = EventFromBody(std::move(body).value());
    if (!e.ok()) return e.status().WithFieldPrefix(where);
    const Json& src = array[i];
    e->id = src.contains("id") && src["id"].is_string() ? src["id"].get<std::string>()
                                                         : "evt_" + std::to_string(i);
    e->retracted = src.value("retracted", false);
    out.push_back(std::move(e).value());
  }
  return out;
}

void SortChronologically(std::vector<Event>* events) {
  // Each key is formatted once, not at every comparison; the events move once.
  std::vector<std::pair<std::string, size_t>> order;
  order.reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) order.emplace_back((*events)[i].date.SortKey(), i);
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return (*events)[a.second].id < (*events)[b.second].id;
  });
  std::vector<Event> sorted;
  sorted.reserve(events->size());
  for (const auto& [key, i] : order) sorted.push_back(std::move((*events)[i]));
  *events = std::move(sorted);
}

}  // namespace refuge::domain
