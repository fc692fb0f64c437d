#pragma once

#include <nlohmann/json.hpp>

namespace refuge::testing {

// A generated Refuge backup document ("refuge-backup", format 1), the same on
// every run: people `first` .. `first + count - 1`, each with a matter and
// `events_per_person` events of a dozen types, in several scripts, with partial
// dates, corrections and retractions (and their history). The document that
// starts at person 0 also holds the shared users, organizations and facilities
// the others refer to, so a dataset can be loaded in parts, in order.
nlohmann::json GeneratedBackup(int first, int count, int events_per_person);

}  // namespace refuge::testing
