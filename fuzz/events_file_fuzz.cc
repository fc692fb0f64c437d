// The events file of `refuge deadlines`, through validation and the rules engine.
#include <cstddef>
#include <cstdint>

#include "refuge/domain/event.h"
#include "refuge/rules/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using refuge::domain::Json;
  static const refuge::rules::RuleSet kRules = refuge::rules::RuleSet::BuiltIn().value();
  static const refuge::rules::Calendar kCalendar;
  Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto events = refuge::domain::EventsFromJsonArray(j, /*subject_optional=*/true);
  if (!events.ok()) return 0;
  auto deadlines = refuge::rules::ComputeDeadlines(*events, kRules, kCalendar, 1796040000);
  for (const auto& d : deadlines) (void)refuge::rules::ToJson(d).dump();
  return 0;
}
