// Any bytes as an API body: JSON parsing, then event and entity validation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "refuge/domain/event.h"
#include "refuge/domain/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using refuge::domain::Json;
  Json j = Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  std::vector<refuge::domain::Reference> refs;
  auto event = refuge::domain::ValidateEvent(j, &refs);
  if (event.ok()) {
    auto e = refuge::domain::EventFromBody(*event);
    // A body the validator accepted always has a date the event can hold.
    if (!e.ok()) __builtin_trap();
    // Validation is idempotent: the normalized body validates to itself.
    std::vector<refuge::domain::Reference> again;
    auto twice = refuge::domain::ValidateEvent(*event, &again);
    if (!twice.ok() || *twice != *event) __builtin_trap();
  }
  for (auto kind : refuge::domain::kAllEntityKinds) {
    refs.clear();
    (void)refuge::domain::ValidateEntity(kind, j, &refs);
  }
  return 0;
}
