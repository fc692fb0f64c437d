// An administrator's rule file and closure file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "refuge/rules/rule_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)refuge::rules::RuleSet::Parse(text, "fuzz.json");
  refuge::rules::Calendar calendar;
  (void)refuge::rules::ParseClosures(text, "closures.json", &calendar);
  return 0;
}
