// Dates, A-numbers and search queries as people type them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "refuge/base/date.h"
#include "refuge/domain/a_number.h"
#include "refuge/domain/search_terms.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto d = refuge::PartialDate::Parse(text);
  if (d.ok()) {
    // The canonical form parses back to the same date, and sorts consistently.
    auto again = refuge::PartialDate::Parse(d->ToString());
    if (!again.ok() || !(*again == *d)) __builtin_trap();
    if (again->SortKey() != d->SortKey()) __builtin_trap();
    (void)d->UnixSeconds();
  }
  auto a = refuge::domain::NormalizeANumber(text);
  if (a.ok() && a->size() != 9) __builtin_trap();
  (void)refuge::domain::QueryTerms(text);
  std::vector<std::string> terms;
  refuge::domain::AddTextTerms(text, &terms);
  return 0;
}
