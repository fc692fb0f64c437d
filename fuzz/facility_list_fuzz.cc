// ICE's facility list as an importer meets it: pipe-separated or CSV, any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "refuge/domain/facility_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = refuge::domain::ParseFacilityList(text);
  if (list.ok()) {
    for (const auto& row : list->rows) {
      // Every kept row is a facility the validator accepts.
      std::vector<refuge::domain::Reference> refs;
      if (!refuge::domain::ValidateEntity(refuge::domain::EntityKind::kFacility, row.facility, &refs).ok()) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
