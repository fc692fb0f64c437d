#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "refuge/base/date.h"
#include "refuge/base/status.h"
#include "refuge/domain/schema.h"

namespace refuge::domain {

// One dated fact in a person's story: a validated event body plus what the server
// knows about it. Views and rules read events only through this type.
struct Event {
  std::string id;
  std::string type;
  std::string subject;  // person id; may be empty in a stand-alone events file
  std::string matter;   // empty when not filed under a matter
  PartialDate date;
  Json body;  // the normalized body: type, subject, date, matter, note and the type's fields
  int64_t version = 1;
  bool retracted = false;
  std::string created_at;
  std::string updated_at;

  // A string field of the body, or "" when absent.
  std::string Str(const char* field) const;
  bool Bool(const char* field, bool fallback = false) const;
  bool Has(const char* field) const { return body.contains(field); }
};

// Builds an Event from a body that ValidateEvent already normalized.
Result<Event> EventFromBody(Json body);
// The event as the API shows it: the body plus id, version, retracted and timestamps.
Json EventToJson(const Event& e);
// Parses and validates a JSON array of events (the events-file format). Errors name
// the event by index: "events[3].date".
Result<std::vector<Event>> EventsFromJsonArray(const Json& array, bool subject_optional);

// Stable time order: by date sort key, then by creation order (id).
void SortChronologically(std::vector<Event>* events);

}  // namespace refuge::domain
