#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "refuge/base/status.h"

namespace refuge::bench {

struct GeneratorOptions {
  int64_t persons = 10000;
  uint64_t seed = 1;
  // Every user of the dataset logs in with this password.
  std::string password = "refuge-bench-password";
  // Person 0's first matter gets exactly this many events: the long case the
  // API benchmark reads.
  int long_case_events = 200;
};

struct GeneratorStats {
  int64_t persons = 0, matters = 0, events = 0, organizations = 0, facilities = 0, users = 0;
  uint64_t bytes = 0;
};

// Writes a synthetic national dataset as a Refuge backup (the `refuge import`
// format) to `out`, the same bytes for the same options. Cases are shaped like
// real ones: a journey through transit countries, an arrival, proceedings with
// hearings, filings and decisions, detention with transfers and bond, incidents,
// advocacy and correspondence; names in Latin, Chinese, Cyrillic, Arabic and
// Ge'ez script; partial dates, corrected and retracted events. When `csv` is not
// null the events also go there, one row each (id, subject, matter, type, date,
// body), for loading with the sqlite3 shell's .import.
Result<GeneratorStats> Generate(const GeneratorOptions& options, std::FILE* out, std::FILE* csv);

// The names and A-numbers a search benchmark can look for in such a dataset:
// `count` queries, some of them two-character Chinese names.
std::vector<std::string> SearchQueries(const GeneratorOptions& options, int count);

}  // namespace refuge::bench
