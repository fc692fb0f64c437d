#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "refuge/rules/engine.h"

namespace refuge::cli {

// `refuge deadlines --events FILE [--format text]`: reads a JSON array of events
// (subject optional), computes the deadlines with the built-in rules at `now_unix`
// and prints them as a JSON array (2-space indent) or as a report for people.
// Returns 0, or 2 with a message on `err` when the file cannot be read or an
// event is invalid (the message names the field, e.g. "events[3].date").
int RunDeadlinesCommand(const std::string& events_path, const std::string& format, int64_t now_unix,
                        std::ostream& out, std::ostream& err);

// The report for people: one block per deadline, with its counting steps.
void WriteDeadlinesText(const std::vector<rules::Deadline>& deadlines, int64_t now_unix,
                        std::ostream& out);

}  // namespace refuge::cli
